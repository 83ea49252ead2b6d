"""Shared fixtures: loopback fake exchanges, real ccxt clients pointed at them."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ccxt
import pytest
from hypothesis import HealthCheck, settings

import ipwhitelist
import netguard
from helpers import make_client
from ipwhitelist._testing.fake import FakeServer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=200
)
settings.register_profile("ci", parent=settings.get_profile("default"), max_examples=300)
settings.load_profile("ci" if os.environ.get("CI") else "default")


def pytest_configure(config: pytest.Config) -> None:
    # No test reaches beyond loopback, in this process or any it starts: the
    # children inherit the log path and load the guard from PYTHONPATH.
    fd, log = tempfile.mkstemp(prefix="ipwhitelist-netguard-", suffix=".log")
    os.close(fd)
    os.environ[netguard.LOG_ENV] = log
    os.environ["PYTHONPATH"] = netguard.child_env(os.environ)["PYTHONPATH"]
    netguard.install()


def pytest_unconfigure(config: pytest.Config) -> None:
    log = os.environ.pop(netguard.LOG_ENV, None)
    if log:
        Path(log).unlink(missing_ok=True)


def _fail_on_refusals() -> None:
    refused = netguard.refusals()
    netguard.forget()
    if refused:
        pytest.fail("\n".join(["the test reached beyond loopback:", *refused]), pytrace=False)


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    """Fail the test whose code or fixtures (here or in a child) went beyond loopback."""
    # Refusals pending at setup come from this test's wider-scoped fixtures.
    _fail_on_refusals()
    yield
    _fail_on_refusals()


@pytest.fixture(autouse=True)
def _no_internet_egress(monkeypatch: pytest.MonkeyPatch) -> None:
    # The default detector would ask real providers: tests pass their own.
    monkeypatch.setenv("IPWHITELIST_EGRESS", "off")


@pytest.fixture(autouse=True)
def _fresh_hooks() -> Iterator[None]:
    # The incident log deduplicates process-wide: every test starts with a new one.
    before = ipwhitelist.get_on_rejection_hooks()
    ipwhitelist.set_on_rejection_hooks([ipwhitelist.IncidentLog()])
    yield
    ipwhitelist.set_on_rejection_hooks(before)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    """A started loopback fake exchange; set ``server.default`` or ``server.routes``."""
    with FakeServer() as fake:
        yield fake


@pytest.fixture
def sync_client(server: FakeServer) -> Callable[..., Any]:
    """Build sync ccxt clients aimed at the fake server."""

    def factory(exchange_id: str = "binance", **config: Any) -> Any:
        return make_client(ccxt, exchange_id, server.url, **config)

    return factory


@pytest.fixture
def binance_raised(monkeypatch):
    """Every exception python-binance's own Client._handle_response raises, in order."""
    from binance.client import Client

    seen: list[BaseException] = []
    real = Client._handle_response

    def recording(response):
        try:
            return real(response)
        except BaseException as exc:
            seen.append(exc)
            raise

    monkeypatch.setattr(Client, "_handle_response", staticmethod(recording))
    return seen
