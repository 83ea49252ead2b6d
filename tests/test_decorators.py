"""diagnose() and diagnosing() for code that does not hold the client."""

from __future__ import annotations

import ccxt
import pytest

import ipwhitelist
from helpers import body_of

B2015 = 'binance {"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}'
OKX = 'okx {"msg":"Your IP 198.51.100.4 is not included in your API key\'s IP whitelist.","code":"50110","data":[]}'


class TestDiagnose:
    def test_sync_function_bare(self):
        """@diagnose on a def types the rejection; the exchange comes from ccxt's message prefix."""

        @ipwhitelist.diagnose
        def place():
            raise ccxt.AuthenticationError(B2015)

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            place()

        assert "binance" == info.value.diagnosis.exchange
        assert "place" == place.__name__

    @pytest.mark.asyncio
    async def test_async_function_with_options(self):
        """@diagnose(...) on an async def, with a whitelist."""

        @ipwhitelist.diagnose(exchange="okx", egress=False, whitelist=["203.0.113.0/24"])
        async def place():
            raise ccxt.PermissionDenied(OKX)

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            await place()

        assert info.value.diagnosis.whitelisted is False

    def test_pass_through_same_object(self):
        """A non-IP error leaves the decorator as the same object."""
        error = ccxt.InsufficientFunds('binance {"code":-2010,"msg":"insufficient balance"}')

        @ipwhitelist.diagnose
        def place():
            raise error

        with pytest.raises(ccxt.InsufficientFunds) as info:
            place()

        assert info.value is error

    def test_non_ccxt_errors_untouched(self):
        """Exceptions that are not ccxt's pass through."""

        @ipwhitelist.diagnose
        def boom():
            raise KeyError("x")

        with pytest.raises(KeyError):
            boom()

    def test_exchange_as_client(self):
        """exchange= may be a client instance: its id and family are used."""
        client = ccxt.binanceusdm()

        @ipwhitelist.diagnose(exchange=client, egress=False)
        def place():
            raise ccxt.AuthenticationError('binanceusdm {"code":-2015,"msg":"x"}')

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            place()

        assert "binanceusdm" == info.value.diagnosis.exchange


class TestDiagnosing:
    def test_with(self):
        """with diagnosing(...) types the rejection raised inside."""
        with pytest.raises(ipwhitelist.IPBanned), ipwhitelist.diagnosing(exchange="bybit"):
            raise ccxt.AuthenticationError(
                body_of({"retCode": 10009, "retMsg": "IP has been banned."})
            )

    @pytest.mark.asyncio
    async def test_async_with(self):
        """async with diagnosing(...) works the same way."""
        with pytest.raises(ipwhitelist.IPNotWhitelisted):
            async with ipwhitelist.diagnosing():
                raise ccxt.PermissionDenied(OKX)

    @pytest.mark.parametrize(
        ("prefix", "reason"),
        [
            ("binance GET http://[2001:db8::5]:8080/api/v3/account 403", "Forbidden"),
            ("binance GET https://203.0.113.5/api/v3/account 403", ""),
            ("binance GET https://203.0.113.5/api/v3/account 403", "Blocked"),
            ("binance 403", "Forbidden"),
        ],
    )
    def test_ccxts_prefix_is_neither_quoted_nor_an_address(self, prefix, reason):
        """The message quotes the page; no part of ccxt's method/URL/status/reason is the IP."""
        page = (
            "<HTML><BODY>The Amazon CloudFront distribution is configured to block access "
            "from your country.</BODY></HTML>"
        )
        with pytest.raises(ipwhitelist.GeoRestricted) as info, ipwhitelist.diagnosing():
            raise ccxt.ExchangeError(f"{prefix} {reason} {page}")

        d = info.value.diagnosis
        assert (None, 403) == (d.reported_ip, d.http_status)
        assert d.message.endswith(page)
        assert not d.message.startswith(("binance", "GET", "403"))

    def test_nothing_raised(self):
        """A block that succeeds is left alone."""
        with ipwhitelist.diagnosing():
            value = 1

        assert 1 == value

    def test_pass_through(self):
        """A non-IP error leaves the block as the same object."""
        error = ccxt.BadSymbol("binance bad symbol")

        with pytest.raises(ccxt.BadSymbol) as info, ipwhitelist.diagnosing():
            raise error

        assert info.value is error

    def test_already_typed_from_wrapped_client(self, server, sync_client):
        """Rejections from a wrapped client pass through diagnosing() unchanged."""
        from helpers import canned

        server.default = canned(401, body_of({"code": -2015, "msg": "x"}))
        client = ipwhitelist.wrap(sync_client("binance"), egress=False)

        with pytest.raises(ipwhitelist.IPNotWhitelisted), ipwhitelist.diagnosing():
            client.private_get_account()


class TestAsyncTwins:
    """The async forms behave like the sync ones."""

    @pytest.mark.asyncio
    async def test_async_pass_through_same_object(self):
        """A non-IP error leaves an async decorated function as the same object."""
        error = ccxt.InsufficientFunds("binance insufficient")

        @ipwhitelist.diagnose
        async def place():
            raise error

        with pytest.raises(ccxt.InsufficientFunds) as info:
            await place()

        assert info.value is error

    @pytest.mark.asyncio
    async def test_async_with_pass_through(self):
        """async with diagnosing() leaves non-IP errors alone."""
        error = ccxt.BadSymbol("binance bad symbol")

        with pytest.raises(ccxt.BadSymbol) as info:
            async with ipwhitelist.diagnosing():
                raise error

        assert info.value is error

    @pytest.mark.asyncio
    async def test_async_egress_completed_for_wrapped_rejection(self, server):
        """A rejection from a wrapped async client inside diagnosing() keeps its diagnosis."""
        import ccxt.async_support

        from helpers import canned, make_client

        server.default = canned(401, body_of({"code": -2015, "msg": "x"}))
        client = ipwhitelist.wrap(
            make_client(ccxt.async_support, "binance", server.url), egress=False
        )
        try:
            with pytest.raises(ipwhitelist.IPNotWhitelisted):
                async with ipwhitelist.diagnosing():
                    await client.private_get_account()
        finally:
            await client.close()

    @pytest.mark.asyncio
    async def test_async_egress_lookup_in_decorator(self):
        """@diagnose on async def looks the egress up asynchronously."""
        from ipwhitelist._testing.fake import FakeServer, Reply

        with FakeServer(default=lambda r: Reply(body="198.51.100.3")) as echo:
            detector = ipwhitelist.EgressDetector([f"{echo.url}/ip"], allow_private=True)

            @ipwhitelist.diagnose(egress=detector)
            async def place():
                raise ccxt.AuthenticationError(B2015)

            with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
                await place()

        assert ("198.51.100.3",) == tuple(map(str, info.value.diagnosis.egress_ips))
