"""
What a key-restriction endpoint says (`Facts`), what is wrong with a key (`Finding`).

An exchange module that knows its key-restriction endpoint declares it as
`Restrictions`: the ccxt method, the parser that turns the answer into
`Facts`, and what the exchange does to keys without an IP restriction (the
findings only that exchange gets). The parsing helpers they share live here.
Everything is pure; `ipwhitelist._keys` makes the request and judges.

Permission names a parser does not know leave what they could grant unknown
(``None``), never ``False``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal, TypeAlias

import attrs

from .redact import scrubbed_text

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = [
    "Facts",
    "Finding",
    "Restrictions",
    "Severity",
    "Unexpected",
    "entries",
    "flag",
    "from_iso",
    "from_ms",
    "granted",
    "when",
]

Severity: TypeAlias = Literal["critical", "warning", "info"]


@attrs.frozen(kw_only=True)
class Facts:
    """What a restriction endpoint said, in the exchange-neutral form `judge` reads."""

    ip_restricted: bool | None
    allowed_ips: tuple[str, ...] | None
    can_read: bool | None
    can_trade: bool | None
    can_withdraw: bool | None
    permissions: tuple[str, ...]
    expires_at: datetime | None


@attrs.frozen(kw_only=True)
class Finding:
    """
    One problem with a key, with what to do about it.

    Attributes:
        code: A stable identifier: ``no-ip-restriction``, ``withdrawals-enabled``,
            ``key-expiring``, ``expires-without-ip``, ``deleted-without-ip``,
            ``egress-not-allowed``, ``registry-drift``, ``near-limit``,
            ``broad-cidr``, ``masked-ips``, ``egress-unknown`` or
            ``ip-restriction-unknown``.
        severity: ``"critical"`` (trading is or will be broken, or funds are
            exposed), ``"warning"`` or ``"info"``.
        message: What is wrong, with the addresses, dates and counts.
        fix: What to do.

    Added in *0.1.0*.
    """

    code: str = attrs.field(converter=scrubbed_text)
    severity: Severity
    message: str = attrs.field(converter=scrubbed_text)
    fix: str = attrs.field(converter=scrubbed_text)

    def to_dict(self) -> dict[str, str]:
        """A JSON-safe dict."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
        }


class Unexpected(ValueError):  # noqa: N818 - read as "the answer is unexpected"
    """A restriction endpoint's answer does not have the documented shape (the text says how)."""


def _no_findings(_facts: Facts, _now: datetime, _where: str) -> list[Finding]:
    return []


def _no_fix(_facts: Facts, _where: str) -> str | None:
    return None


@attrs.frozen(kw_only=True)
class Restrictions:
    """
    An exchange's key-restriction endpoint, and what it does to unrestricted keys.

    Attributes:
        method: The ccxt implicit method that makes the signed, read-only GET.
        endpoint: The request it makes, for people (``"GET /v5/user/query-api"``).
        parse: Turns the answer (and the current time) into `Facts`; raises
            `Unexpected` for an answer of another shape.
        expiring: What expires when the answer has an expiry date, as the
            subject of a sentence (``"the key expires"``).
        expiry_fix: What to do about an expiry close at hand, given the facts
            and where the key should be bound; ``None``: create a new key.
        unrestricted: The findings for a key without an IP restriction that
            only this exchange gets (its expiry and deletion policies), given
            the facts, the current time and where the key should be bound.
    """

    method: str
    endpoint: str
    parse: Callable[[object, datetime], Facts]
    expiring: str = "the key expires"
    expiry_fix: Callable[[Facts, str], str | None] = _no_fix
    unrestricted: Callable[[Facts, datetime, str], list[Finding]] = _no_findings


def flag(value: object) -> bool | None:
    """A boolean as exchanges send it (``true``, ``1``, ``"true"``); anything else is unknown."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _digits(text: str) -> bool:
    # ASCII only: str.isdigit() also admits '¹' and '²', which int() refuses.
    text = text.strip()
    return text.isascii() and text.isdigit()


def from_ms(value: object) -> datetime | None:
    """A time in milliseconds since the epoch (number or digits), or ``None``."""
    if isinstance(value, str) and _digits(value):
        value = int(value.strip())
    if not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
        return None
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def from_iso(value: object) -> datetime | None:
    """An ISO 8601 time (naive ones are UTC) or milliseconds as digits, or ``None``."""
    if not isinstance(value, str) or not value.strip():
        return None
    if _digits(value):
        return from_ms(value)
    try:
        moment = datetime.fromisoformat(value.strip())
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        # 9999-12-31T23:59:59-23:59 is past what a datetime holds in UTC: unknown, like ms.
        return None


def entries(values: Iterable[object]) -> list[str]:
    """The comma-separated entries of the strings among *values*, stripped."""
    out: list[str] = []
    for value in values:
        if isinstance(value, str):
            out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


def granted(names: tuple[str, ...], grants: set[str], known: set[str]) -> bool | None:
    """Whether *names* grant one of *grants*; unknown when a name outside *known* could."""
    if any(n in grants for n in names):
        return True
    return False if all(n in known for n in names) else None


def when(moment: datetime, now: datetime) -> str:
    """*moment* for a finding: the date and how far away it is (or that it passed)."""
    left = moment - now
    date = f"{moment:%Y-%m-%d %H:%M} UTC"
    if left <= timedelta(0):
        return f"on {date}, which has passed"
    if left.days:
        return f"on {date}, in {left.days} day(s)"
    return f"on {date}, in {left.seconds // 3600} hour(s)"
