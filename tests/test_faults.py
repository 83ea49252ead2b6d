"""
Fault injection: broken responses from the exchange.

For anything that is not an IP rejection, the wrapped client must raise exactly
what unwrapped ccxt raises (class and message), and never a new crash.
"""

from __future__ import annotations

import gzip
import re
import time

import ccxt
import ccxt.async_support
import pytest

import ipwhitelist
from helpers import make_client
from ipwhitelist._testing.fake import FakeServer, Reply

CLOUDFLARE_403 = (
    "<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head>"
    "<body><h1>Sorry, you have been blocked</h1><p>You are unable to access binance.com</p>"
    "<p>Cloudflare Ray ID: 8c1f2a3b4c5d6e7f</p></body></html>"
)
FAULTS = {
    "truncated-json": Reply(status=400, body='{"code":-1013,"msg":"Invalid qua', headers={"Content-Type": "application/json"}),
    "cloudflare-403-html": Reply(status=403, body=CLOUDFLARE_403, headers={"Content-Type": "text/html"}),
    "bad-gateway-html": Reply(status=502, body="<html><body><h1>502 Bad Gateway</h1></body></html>", headers={"Content-Type": "text/html"}),
    "empty-200": Reply(status=200, body="", headers={"Content-Type": "application/json"}),
    "empty-500": Reply(status=500, body=""),
    "json-as-text-html": Reply(status=400, body='{"code":-1022,"msg":"Signature for this request is not valid."}', headers={"Content-Type": "text/html"}),
    "gzip-garbage": Reply(status=200, body=b"\x1f\x8b\x08\x00garbage-not-gzip", headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}),
    "gzip-valid-error": Reply(status=400, body=gzip.compress(b'{"code":-1100,"msg":"Illegal characters found in parameter."}'), headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}),
    "non-json-200": Reply(status=200, body="OK", headers={"Content-Type": "text/plain"}),
}  # fmt: skip


def _outcome(call):
    try:
        return ("ok", call())
    except ccxt.BaseError as exc:
        return (type(exc), _stable(str(exc)))


def _stable(text):
    # Signed URLs differ per request (timestamp, signature); the rest must match.
    return re.sub(r"\?[^ ]*", "?…", text)


@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
def test_sync_faults_pass_through_exactly(fault):
    """Each fault yields the same outcome with and without wrap(), and never an IPRejection."""
    with FakeServer(default=lambda r: FAULTS[fault]) as server:
        plain = make_client(ccxt, "binance", server.url)
        wrapped = ipwhitelist.wrap(make_client(ccxt, "binance", server.url), egress=False)

        expected = _outcome(plain.private_get_account)
        actual = _outcome(wrapped.private_get_account)

    assert expected == actual
    assert not isinstance(actual[0], type) or not issubclass(actual[0], ipwhitelist.IPRejection)


@pytest.mark.asyncio
@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
async def test_async_faults_pass_through_exactly(fault):
    """The same over aiohttp."""
    with FakeServer(default=lambda r: FAULTS[fault]) as server:
        plain = make_client(ccxt.async_support, "binance", server.url)
        wrapped = ipwhitelist.wrap(
            make_client(ccxt.async_support, "binance", server.url), egress=False
        )
        try:
            outcomes = []
            for client in (plain, wrapped):
                try:
                    outcomes.append(("ok", await client.private_get_account()))
                except ccxt.BaseError as exc:
                    outcomes.append((type(exc), _stable(str(exc))))
        finally:
            await plain.close()
            await wrapped.close()

    assert outcomes[0] == outcomes[1]


def test_connection_dropped_before_the_answer():
    """A dropped connection stays ccxt's own network error."""
    with FakeServer(default=lambda r: None) as server:
        plain = make_client(ccxt, "binance", server.url)
        wrapped = ipwhitelist.wrap(make_client(ccxt, "binance", server.url), egress=False)

        expected = _outcome(plain.private_get_account)
        actual = _outcome(wrapped.private_get_account)

    assert expected == actual
    assert issubclass(actual[0], ccxt.NetworkError)


def test_stall_times_out_as_ccxt_does():
    """A stalled exchange gives ccxt's RequestTimeout, within the client's timeout."""

    def stall(_request):
        time.sleep(1.5)
        return Reply.json({})

    with FakeServer(default=stall) as server:
        wrapped = ipwhitelist.wrap(
            make_client(ccxt, "binance", server.url, timeout=300), egress=False
        )

        start = time.monotonic()
        with pytest.raises(ccxt.RequestTimeout) as info:
            wrapped.private_get_account()
        elapsed = time.monotonic() - start

    assert not isinstance(info.value, ipwhitelist.IPRejection)
    assert elapsed < 1.2
