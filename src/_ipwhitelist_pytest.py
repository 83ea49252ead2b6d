"""
The pytest plugin of ipwhitelist: fixtures for testing a bot's IP-rejection handling.

Installed with ipwhitelist (entry point ``pytest11``, name ``ipwhitelist``;
``-p no:ipwhitelist`` turns it off). It imports ipwhitelist only when a test
uses one of its fixtures, so it costs other test suites nothing.

Fixtures:

* ``fake_exchange``: a running `ipwhitelist.testing.FakeExchange` (Binance by
  default). Choose another with ``@pytest.mark.fake_exchange("bybit",
  allowed_ips=[...])`` (the arguments of `ipwhitelist.testing.fake_exchange`)
  or parametrize it indirectly:
  ``@pytest.mark.parametrize("fake_exchange", ["binance", "okx"], indirect=True)``.
  While it runs, ``IPWHITELIST_EGRESS`` is ``off``: a wrapped client never asks
  the internet for the egress IP (pass ``egress=fake_exchange.egress`` to
  ``wrap()`` to have the fake answer).
* ``capture_rejections``: a `ipwhitelist.testing.RejectionCapture` collecting
  every diagnosis during the test; the hooks set before are restored after it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ipwhitelist.testing import FakeExchange, RejectionCapture

__all__ = ["capture_rejections", "fake_exchange", "pytest_configure"]


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``fake_exchange`` marker."""
    config.addinivalue_line(
        "markers",
        "fake_exchange(exchange_id='binance', *, allowed_ips=None, balance=None): "
        "the exchange the fake_exchange fixture plays (ipwhitelist.testing.fake_exchange)",
    )


def _arguments(request: pytest.FixtureRequest) -> tuple[tuple[Any, ...], dict[str, Any]]:
    param = getattr(request, "param", None)
    if isinstance(param, str):
        return (param,), {}
    if isinstance(param, dict):
        return (), dict(param)
    marker = request.node.get_closest_marker("fake_exchange")
    if marker is not None:
        return tuple(marker.args), dict(marker.kwargs)
    return (), {}


@pytest.fixture
def fake_exchange(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeExchange]:
    """A fake exchange on loopback for this test (see `ipwhitelist.testing.fake_exchange`)."""
    from ipwhitelist import testing  # noqa: PLC0415 - lazy: other test suites do not pay for ipwhitelist and ccxt

    monkeypatch.setenv("IPWHITELIST_EGRESS", "off")
    args, kwargs = _arguments(request)
    with testing.fake_exchange(*args, **kwargs) as fake:
        yield fake


@pytest.fixture
def capture_rejections() -> Iterator[RejectionCapture]:
    """The diagnoses of every IP rejection during this test (see `ipwhitelist.testing`)."""
    from ipwhitelist import testing  # noqa: PLC0415 - lazy: other test suites do not pay for ipwhitelist and ccxt

    with testing.capture_rejections() as capture:
        yield capture
