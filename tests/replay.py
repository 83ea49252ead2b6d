"""
Replay an exchange response through real ccxt clients, plain and wrapped.

Shared by the corpus (``tests/test_corpus.py``) and the census
(``tests/test_census.py``): sync clients keep their real URLs (ccxt picks some
error maps by host) with a canned requests adapter mounted on the session;
async clients talk to one loopback server whose answer is set per case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs
import ccxt
import ccxt.async_support

import ipwhitelist
from helpers import CREDENTIALS, CannedAdapter, mount
from ipwhitelist._testing.fake import FakeServer, Reply, point_at

if TYPE_CHECKING:
    from collections.abc import Iterable


@attrs.frozen(kw_only=True)
class Case:
    """One response to replay: which exchange, which URL, what came back."""

    exchange: str
    url: str
    http_status: int
    body: str
    method: str = "GET"
    options: dict[str, Any] = attrs.field(factory=dict)


def client(module: Any, case: Case) -> Any:
    """A fresh client of *module* for the case's exchange."""
    made = getattr(module, case.exchange)({**CREDENTIALS, "enableRateLimit": False})
    made.options.update(case.options)
    return made


def _raised(made: Any, case: Case) -> ccxt.BaseError | None:
    try:
        made.fetch(case.url, case.method, {}, None)
    except ccxt.BaseError as exc:
        return exc
    return None


def sync(case: Case) -> tuple[ccxt.BaseError | None, ccxt.BaseError | None]:
    """What a plain and a wrapped sync client raise for the case (``None``: nothing)."""
    adapter = CannedAdapter(case.http_status, case.body)
    plain = mount(client(ccxt, case), adapter)
    wrapped = ipwhitelist.wrap(mount(client(ccxt, case), adapter), egress=False)
    return _raised(plain, case), _raised(wrapped, case)


async def kinds_async(cases: Iterable[Case]) -> list[str | None]:
    """The rejection kind a wrapped async client gives each case over loopback HTTP."""
    current: dict[str, Case] = {}

    def route(_request: object) -> Reply:
        case = current["case"]
        json_like = case.body.lstrip().startswith(("{", "["))
        content_type = "application/json" if json_like else "text/html"
        return Reply(
            status=case.http_status, body=case.body, headers={"Content-Type": content_type}
        )

    kinds: list[str | None] = []
    with FakeServer(default=route) as server:
        clients: dict[tuple[str, str], Any] = {}
        try:
            for case in cases:
                current["case"] = case
                key = (case.exchange, repr(sorted(case.options.items())))
                made = clients.get(key)
                if made is None:
                    made = point_at(client(ccxt.async_support, case), server.url)
                    ipwhitelist.wrap(made, egress=False)
                    clients[key] = made
                path = "/" + case.url.split("/", 3)[3]
                try:
                    await made.fetch(server.url + path, case.method, {}, None)
                except ipwhitelist.IPRejection as exc:
                    kinds.append(exc.diagnosis.kind)
                except ccxt.BaseError:
                    kinds.append(None)
                else:
                    kinds.append(None)
        finally:
            for made in clients.values():
                await made.close()
    return kinds
