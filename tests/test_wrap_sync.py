"""wrap() on sync ccxt clients, end to end against a loopback fake exchange."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import ccxt
import pytest

import ipwhitelist
from helpers import (
    API_KEY,
    CREDENTIALS,
    SECRET,
    CannedAdapter,
    body_of,
    canned,
    make_client,
    mount,
    public_ok,
)
from ipwhitelist._testing.fake import FakeServer, Reply

B2015 = body_of({"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."})
B2015_FUTURES = body_of(
    {
        "code": -2015,
        "msg": "Invalid API-key, IP, or permissions for action, request ip: 198.51.100.23",
    }
)
CLOUDFRONT_COUNTRY_BLOCK = (
    "<!DOCTYPE HTML><HTML><HEAD><TITLE>ERROR: The request could not be satisfied"
    "</TITLE></HEAD><BODY><H1>403 ERROR</H1><H2>The request could not be satisfied."
    '</H2><HR noshade size="1px">The Amazon CloudFront distribution is configured '
    "to block access from your country.</BODY></HTML>"
)


def call(client, name="private_get_account", *args):
    return getattr(client, name)(*args)


class TestBinance:
    def test_2015_spot_is_ip_not_whitelisted_but_only_possible(self, server, sync_client):
        """Bare -2015 maps to IPNotWhitelisted with confidence 'possible' and the ccxt cause kept."""
        server.default = canned(401, B2015)
        client = ipwhitelist.wrap(sync_client("binance"), egress=False)

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.private_get_account()

        exc = info.value
        d = exc.diagnosis
        assert ("binance", "-2015", 401, "possible") == (
            d.exchange,
            d.code,
            d.http_status,
            d.confidence,
        )
        assert d.reported_ip is None
        assert isinstance(exc.original, ccxt.AuthenticationError)
        assert isinstance(exc.__cause__, type(exc.original))  # a redacted stand-in
        assert isinstance(exc, ccxt.PermissionDenied)
        assert not isinstance(exc, ccxt.NetworkError)
        assert d.endpoint is not None
        assert d.endpoint.endswith("/api/v3/account")
        assert "?" not in d.endpoint

    def test_futures_variant_reports_the_ip(self, server, sync_client):
        """USDⓈ-M -2015 with 'request ip' gives reported_ip and 'likely'."""
        server.default = canned(401, B2015_FUTURES)
        client = ipwhitelist.wrap(sync_client("binanceusdm"), egress=False)

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.fapiPrivateV2GetAccount()

        d = info.value.diagnosis
        assert ("binanceusdm", "198.51.100.23", "likely") == (
            d.exchange,
            str(d.reported_ip),
            d.confidence,
        )

    @pytest.mark.parametrize("stated", ["999.1.1.1", "1203.0.113.9", "203.0.113.9.7"])
    def test_a_malformed_request_ip_is_not_an_address(self, server, sync_client, stated):
        """A 'request ip' that is no whole address gives no reported IP, not a piece of it."""
        server.default = canned(
            401,
            body_of(
                {
                    "code": -2015,
                    "msg": f"Invalid API-key, IP, or permissions for action, request ip: {stated}",
                }
            ),
        )
        client = ipwhitelist.wrap(sync_client("binanceusdm"), egress=False)

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.fapiPrivateV2GetAccount()

        d = info.value.diagnosis
        assert (None, "possible") == (d.reported_ip, d.confidence)
        assert "not stated by the exchange" in str(d)

    def test_an_address_outside_the_message_is_not_the_one_it_saw(self):
        """A JSON error without a message says no IP, whatever its other fields hold."""
        body = body_of({"rc": 1, "mc": "AUTH_104", "ma": [], "result": {"echo": "ip=203.0.113.50"}})
        client = ipwhitelist.wrap(
            mount(ccxt.xt({**CREDENTIALS, "enableRateLimit": False}), CannedAdapter(200, body)),
            egress=False,
        )

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.fetch("https://sapi.xt.com/v4/balances", "GET")

        assert info.value.diagnosis.reported_ip is None

    @pytest.mark.parametrize("exchange_id", ["binancecoinm", "binanceus"])
    def test_other_binance_families(self, server, sync_client, exchange_id):
        """Every ccxt class derived from binance uses the Binance rules."""
        server.default = canned(401, B2015)
        client = ipwhitelist.wrap(sync_client(exchange_id), egress=False)
        name = "dapiPrivateGetAccount" if exchange_id == "binancecoinm" else "privateGetAccount"

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            getattr(client, name)()

        assert exchange_id == info.value.diagnosis.exchange

    def test_not_on_documented_whitelist_confirms(self, server, sync_client):
        """A reported IP outside the documented whitelist makes -2015 'confirmed'."""
        server.default = canned(401, B2015_FUTURES)
        client = ipwhitelist.wrap(
            sync_client("binanceusdm"), egress=False, whitelist=["203.0.113.0/28"]
        )

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.fapiPrivateV2GetAccount()

        d = info.value.diagnosis
        assert (False, "confirmed") == (d.whitelisted, d.confidence)

    def test_on_documented_whitelist_points_at_the_key(self, server, sync_client):
        """A reported IP on the documented list keeps -2015 'possible' and says check the key."""
        server.default = canned(401, B2015_FUTURES)
        client = ipwhitelist.wrap(
            sync_client("binanceusdm"), egress=False, whitelist=["198.51.100.0/24"]
        )

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.fapiPrivateV2GetAccount()

        d = info.value.diagnosis
        assert (True, "possible") == (d.whitelisted, d.confidence)
        assert any("key is the problem" in step for step in d.remediation)

    def test_ddos_protection_trap(self, server, sync_client):
        """-2015 after an earlier success (ccxt: DDoSProtection) is typed, not a NetworkError."""
        server.default = canned(401, B2015)
        client = ipwhitelist.wrap(sync_client("binance"), egress=False)
        client.options["hasAlreadyAuthenticatedSuccessfully"] = True

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.private_get_account()

        exc = info.value
        assert isinstance(exc.original, ccxt.DDoSProtection)
        assert not isinstance(exc, ccxt.NetworkError)
        assert "likely" == exc.diagnosis.confidence
        assert "DDoSProtection" == exc.diagnosis.ccxt_error

    def test_ddos_protection_trap_after_real_success(self, server, sync_client):
        """A private success, then -2015: ccxt's own flag is set and the mapping still holds."""
        answers = iter([canned(200, body_of({"balances": []})), canned(401, B2015)])
        server.default = lambda request: next(answers)(request)  # noqa: PLW0108 - a new route per call
        client = ipwhitelist.wrap(sync_client("binance"), egress=False)
        client.private_get_account()

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.private_get_account()

        assert isinstance(info.value.original, ccxt.DDoSProtection)

    def test_418_ban_with_end_time(self, server, sync_client):
        """HTTP 418 -1003 'IP(...) banned until <ms>' is IPBanned with banned_until parsed."""
        ends = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=2)
        server.default = canned(
            418,
            body_of(
                {
                    "code": -1003,
                    "msg": f"Way too many requests; IP(198.51.100.7) banned until "
                    f"{int(ends.timestamp() * 1000)}. "
                    "Please use the websocket for live updates to avoid bans.",
                }
            ),
        )
        client = ipwhitelist.wrap(sync_client("binance"), egress=False)

        with pytest.raises(ipwhitelist.IPBanned) as info:
            client.private_get_account()

        exc = info.value
        assert ends == exc.banned_until
        assert "198.51.100.7" == str(exc.diagnosis.reported_ip)
        assert isinstance(exc.original, ccxt.DDoSProtection)
        assert isinstance(exc, ccxt.DDoSProtection)

    def test_451_restricted_location(self, server, sync_client):
        """HTTP 451 restricted location is GeoRestricted, not ccxt's ExchangeNotAvailable."""
        server.default = canned(
            451,
            body_of(
                {
                    "code": 0,
                    "msg": "Service unavailable from a restricted location according to 'b. "
                    "Eligibility' in https://www.binance.com/en/terms. Please contact customer "
                    "service if you believe you received this message in error.",
                }
            ),
        )
        client = ipwhitelist.wrap(sync_client("binance"), egress=False)

        with pytest.raises(ipwhitelist.GeoRestricted) as info:
            client.public_get_ping()

        exc = info.value
        assert isinstance(exc.original, ccxt.ExchangeNotAvailable)
        assert not isinstance(exc, ccxt.NetworkError)
        assert isinstance(exc, ccxt.OperationRejected)
        assert (451, "confirmed") == (exc.diagnosis.http_status, exc.diagnosis.confidence)

    @pytest.mark.parametrize(
        ("status", "body", "ccxt_class"),
        [
            (
                400,
                {"code": -1022, "msg": "Signature for this request is not valid."},
                ccxt.AuthenticationError,
            ),
            (401, {"code": -2014, "msg": "API-key format invalid."}, ccxt.AuthenticationError),
            (
                400,
                {"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."},
                ccxt.InvalidNonce,
            ),
            (
                429,
                {
                    "code": -1003,
                    "msg": "Too much request weight used; current limit is 6000 request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.",
                },
                ccxt.DDoSProtection,
            ),
            (
                401,
                {"code": -1002, "msg": "You are not authorized to execute this request."},
                ccxt.AuthenticationError,
            ),
            (
                400,
                {"code": -2010, "msg": "Account has insufficient balance for requested action."},
                ccxt.InsufficientFunds,
            ),
            (
                400,
                {"code": -4014, "msg": "Withdrawal address is not in the whitelist."},
                ccxt.ExchangeError,
            ),
        ],
        ids=[
            "1022-signature",
            "2014-key-format",
            "1021-timestamp",
            "1003-rate-limit",
            "1002-unauthorized",
            "2010-balance",
            "withdraw-whitelist",
        ],
    )
    def test_near_misses_pass_through(self, server, sync_client, status, body, ccxt_class):
        """Errors that are not IP rejections come out exactly as ccxt raises them."""
        server.default = canned(status, body_of(body))
        plain = sync_client("binance")
        wrapped = ipwhitelist.wrap(sync_client("binance"), egress=False)

        with pytest.raises(ccxt_class) as expected:
            plain.private_get_account()
        with pytest.raises(ccxt_class) as actual:
            wrapped.private_get_account()

        assert not isinstance(actual.value, ipwhitelist.IPRejection)
        assert (type(expected.value), str(expected.value)) == (
            type(actual.value),
            str(actual.value),
        )


class TestBybit:
    @pytest.mark.parametrize(
        "body",
        [
            {
                "retCode": 10010,
                "retMsg": "Unmatched IP, please check your API key's bound IP addresses.",
                "result": {},
                "retExtInfo": {},
                "time": 1700000000000,
            },
            {
                "ret_code": 10010,
                "ret_msg": "unmatched ip.",
                "result": None,
                "ext_code": "",
                "time_now": "1700000000.000000",
            },
        ],
        ids=["v5", "legacy"],
    )
    def test_10010_unmatched_ip(self, server, sync_client, body):
        """Bybit 10010 (v5 and legacy envelopes, HTTP 200) is a confirmed IPNotWhitelisted."""
        server.default = canned(200, body_of(body))
        client = ipwhitelist.wrap(sync_client("bybit"), egress=False)

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.private_get_v5_account_wallet_balance({"accountType": "UNIFIED"})

        d = info.value.diagnosis
        assert ("bybit", "10010", "confirmed") == (d.exchange, d.code, d.confidence)
        assert isinstance(info.value.original, ccxt.PermissionDenied)

    def test_10009_ip_banned(self, server, sync_client):
        """Bybit 10009 is IPBanned."""
        server.default = canned(
            200, body_of({"retCode": 10009, "retMsg": "IP has been banned.", "result": {}})
        )
        client = ipwhitelist.wrap(sync_client("bybit"), egress=False)

        with pytest.raises(ipwhitelist.IPBanned):
            client.private_get_v5_account_wallet_balance({"accountType": "UNIFIED"})

    def test_403_access_too_frequent(self, server, sync_client):
        """Bybit's HTTP 403 'access too frequent' IP ban is IPBanned (ccxt: RateLimitExceeded)."""
        server.default = canned(403, "access too frequent")
        client = ipwhitelist.wrap(sync_client("bybit"), egress=False)

        with pytest.raises(ipwhitelist.IPBanned) as info:
            client.private_get_v5_account_wallet_balance({"accountType": "UNIFIED"})

        assert 403 == info.value.diagnosis.http_status

    def test_cloudfront_country_block(self, server, sync_client):
        """CloudFront's country block page is GeoRestricted."""
        server.default = canned(403, CLOUDFRONT_COUNTRY_BLOCK)
        client = ipwhitelist.wrap(sync_client("bybit"), egress=False)

        with pytest.raises(ipwhitelist.GeoRestricted):
            client.public_get_v5_market_time()

    @pytest.mark.parametrize("exchange_id", ["bybit", "binance", "okx"])
    def test_cdn_page_is_quoted_without_ccxts_prefix(self, server, sync_client, exchange_id):
        """
        A CDN's block page is quoted as sent, and the request URL is not "the IP it saw".

        ccxt words it "<id> GET <url> 403 Forbidden <page>"; the loopback URL's
        host is an IP literal, which the exchange never said it saw.
        """
        server.default = canned(403, CLOUDFRONT_COUNTRY_BLOCK)
        client = ipwhitelist.wrap(sync_client(exchange_id), egress=False)

        with pytest.raises(ipwhitelist.GeoRestricted) as info:
            client.fetch(f"{server.url}/api/v3/account", "GET")

        d = info.value.diagnosis
        assert CLOUDFRONT_COUNTRY_BLOCK == d.message
        assert (None, None) == (d.reported_ip, d.address_family)
        assert "IP it saw:       not stated by the exchange" in str(d)

    @pytest.mark.parametrize(
        "body",
        [
            {"retCode": 10003, "retMsg": "API key is invalid.", "result": {}},
            {
                "retCode": 10004,
                "retMsg": "error sign! origin_string[1700000000000"
                + API_KEY
                + "5000accountType=UNIFIED]",
                "result": {},
            },
            {
                "retCode": 10005,
                "retMsg": "Permission denied, please check your API key permissions.",
                "result": {},
            },
            {"retCode": 10006, "retMsg": "Too many visits!", "result": {}},
            {
                "retCode": 10002,
                "retMsg": "invalid request, please check your server timestamp or recv_window param",
                "result": {},
            },
            {"retCode": 10024, "retMsg": "Compliance rules triggered", "result": {}},
        ],
        ids=[
            "10003-key",
            "10004-sign",
            "10005-permission",
            "10006-rate",
            "10002-timestamp",
            "10024-compliance",
        ],
    )
    def test_near_misses_pass_through(self, server, sync_client, body):
        """Key, signature, permission, rate-limit and compliance errors are not IP rejections."""
        server.default = canned(200, body_of(body))
        client = ipwhitelist.wrap(sync_client("bybit"), egress=False)

        with pytest.raises(ccxt.BaseError) as info:
            client.private_get_v5_account_wallet_balance({"accountType": "UNIFIED"})

        assert not isinstance(info.value, ipwhitelist.IPRejection)


class TestOKX:
    def test_50110_reports_the_ip(self, server, sync_client):
        """OKX 50110 is a confirmed IPNotWhitelisted with the IP from the message."""
        server.default = canned(
            401,
            body_of(
                {
                    "msg": "Your IP 2001:db8::42 is not included in your API key's IP whitelist.",
                    "code": "50110",
                    "data": [],
                }
            ),
        )
        client = ipwhitelist.wrap(sync_client("okx"), egress=False, whitelist=["203.0.113.5"])

        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.private_get_account_balance()

        d = info.value.diagnosis
        assert ("50110", "2001:db8::42", False, "confirmed") == (
            d.code,
            str(d.reported_ip),
            d.whitelisted,
            d.confidence,
        )
        assert "ipv6_egress" in {h.name for h in d.hints}

    @pytest.mark.parametrize(
        ("code", "msg"),
        [
            ("50113", "Invalid Sign"),
            ("50111", "Invalid OK-ACCESS-KEY"),
            (
                "50011",
                "Rate limit reached. Please refer to API documentation and throttle requests accordingly.",
            ),
            ("50102", "Timestamp request expired"),
            ("50119", "API key doesn't exist"),
            (
                "51155",
                "You can't trade this pair or borrow this crypto due to local compliance restrictions.",
            ),
        ],
    )
    def test_near_misses_pass_through(self, server, sync_client, code, msg):
        """OKX key, signature, rate-limit and compliance errors are not IP rejections."""
        server.default = canned(401, body_of({"msg": msg, "code": code, "data": []}))
        client = ipwhitelist.wrap(sync_client("okx"), egress=False)

        with pytest.raises(ccxt.BaseError) as info:
            client.private_get_account_balance()

        assert not isinstance(info.value, ipwhitelist.IPRejection)


class TestEntryPoints:
    def test_unified_method(self, server, sync_client):
        """A unified method (fetch_balance) raises the typed exception."""
        server.default = public_ok(canned(401, B2015))
        client = ipwhitelist.wrap(
            sync_client("binance", options={"fetchMarkets": {"types": ["spot"]}}), egress=False
        )

        with pytest.raises(ipwhitelist.IPNotWhitelisted):
            client.fetch_balance()

    def test_camel_case_implicit_and_unified(self, server, sync_client):
        """camelCase spellings are intercepted too."""
        server.default = public_ok(canned(401, B2015))
        client = ipwhitelist.wrap(
            sync_client("binance", options={"fetchMarkets": {"types": ["spot"]}}), egress=False
        )

        with pytest.raises(ipwhitelist.IPNotWhitelisted):
            client.privateGetAccount()
        with pytest.raises(ipwhitelist.IPNotWhitelisted):
            client.fetchBalance()

    @pytest.mark.parametrize("method", ["fetch2", "request"])
    def test_fetch2_and_request(self, server, sync_client, method):
        """Direct fetch2()/request() calls are intercepted."""
        server.default = canned(401, B2015)
        client = ipwhitelist.wrap(sync_client("binance"), egress=False)
        # As ccxt's own implicit method passes it: "private" in 4.4.87-4.5.69, ["private"] in 4.5.90.
        api = inspect.getattr_static(ccxt.binance, "private_get_account").api

        with pytest.raises(ipwhitelist.IPNotWhitelisted):
            getattr(client, method)("account", api, "GET", {})

    def test_max_retries_on_failure_does_not_retry_rejections(self, server, sync_client):
        """ccxt's own retry loop never retries a typed rejection (one request reaches the server)."""
        server.default = canned(401, B2015)
        client = ipwhitelist.wrap(sync_client("binance"), egress=False)
        client.options["hasAlreadyAuthenticatedSuccessfully"] = True
        client.options["maxRetriesOnFailure"] = 3

        with pytest.raises(ipwhitelist.IPNotWhitelisted):
            client.private_get_account()

        assert 1 == len(server.requests)

    def test_network_errors_pass_through(self, sync_client):
        """A refused connection stays ccxt's NetworkError."""
        client = ipwhitelist.wrap(
            ccxt.binance({"apiKey": API_KEY, "secret": SECRET, "timeout": 2000}), egress=False
        )
        from ipwhitelist._testing.fake import point_at

        point_at(client, "http://127.0.0.1:9")

        with pytest.raises(ccxt.NetworkError) as info:
            client.private_get_account()

        assert not isinstance(info.value, ipwhitelist.IPRejection)

    def test_success_path_returns_exchange_data(self, server, sync_client):
        """A successful call returns exactly what ccxt returns."""
        server.default = canned(200, body_of({"balances": [{"asset": "BTC", "free": "1.0"}]}))
        client = ipwhitelist.wrap(sync_client("binance"), egress=False)

        assert {"balances": [{"asset": "BTC", "free": "1.0"}]} == client.private_get_account()


class _Raising(ccxt.binance):
    """A binance whose error handler raises one prepared exception object."""

    prepared: BaseException

    def handle_errors(self, *args):
        raise self.prepared


class TestWrapContract:
    def test_same_object_and_isinstance(self, sync_client):
        """wrap() returns the very same object, still an instance of its ccxt class."""
        client = sync_client("binance")
        cls = type(client)

        wrapped = ipwhitelist.wrap(client)

        assert wrapped is client
        assert isinstance(client, cls)
        assert isinstance(client, ccxt.binance)
        assert ipwhitelist.is_wrapped(client)
        assert cls.__name__ == type(client).__name__

    def test_wrap_twice_is_harmless_and_updates_options(self, server, sync_client):
        """Wrapping again keeps one layer and the latest options."""
        server.default = canned(401, B2015_FUTURES)
        client = ipwhitelist.wrap(sync_client("binanceusdm"), egress=False)
        cls = type(client)

        ipwhitelist.wrap(client, egress=False, whitelist=["198.51.100.23"])

        assert cls is type(client)
        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.fapiPrivateV2GetAccount()
        assert info.value.diagnosis.whitelisted is True

    def test_unwrap_restores(self, server, sync_client):
        """unwrap() restores the original class; errors are plain ccxt again."""
        server.default = canned(401, B2015)
        client = sync_client("binance")
        original_class = type(client)
        ipwhitelist.wrap(client, egress=False)

        assert client is ipwhitelist.unwrap(client)

        assert original_class is type(client)
        assert not ipwhitelist.is_wrapped(client)
        with pytest.raises(ccxt.AuthenticationError) as info:
            client.private_get_account()
        assert not isinstance(info.value, ipwhitelist.IPRejection)
        assert client is ipwhitelist.unwrap(client)

    def test_pass_through_is_the_same_object(self, server):
        """A non-IP ccxt error is re-raised as the very same object."""
        server.default = canned(400, "{}")
        client = _Raising({"apiKey": API_KEY, "secret": SECRET, "enableRateLimit": False})
        from ipwhitelist._testing.fake import point_at

        point_at(client, server.url)
        client.prepared = ccxt.InvalidOrder("binance nope")
        ipwhitelist.wrap(client, egress=False)

        with pytest.raises(ccxt.InvalidOrder) as info:
            client.private_get_account()

        assert info.value is client.prepared

    def test_rejects_non_exchanges(self):
        """wrap() refuses objects that are not ccxt clients."""
        with pytest.raises(TypeError, match="ccxt exchange"):
            ipwhitelist.wrap(object())

    def test_rejects_bad_egress(self, sync_client):
        """wrap(egress=...) accepts only booleans or an EgressDetector."""
        with pytest.raises(TypeError, match="egress"):
            ipwhitelist.wrap(sync_client("binance"), egress="yes")

    def test_rejects_bad_whitelist(self, sync_client):
        """An invalid whitelist entry fails at wrap() time, naming the entry."""
        with pytest.raises(ValueError, match=r"10\.0\.0\.1/8"):
            ipwhitelist.wrap(sync_client("binance"), whitelist=["10.0.0.1/8"])


class TestIPv6:
    def test_ipv6_client_address_reported_and_detected(self):
        """Over [::1], the IP the exchange saw and the egress IP are IPv6 end to end."""

        def okx(request):
            return Reply.json(
                {
                    "msg": f"Your IP {request.client_ip} is not included in your API key's IP whitelist.",
                    "code": "50110",
                    "data": [],
                },
                401,
            )

        with (
            FakeServer("::1", default=okx) as exchange,
            FakeServer("::1", default=lambda r: Reply(body=r.client_ip)) as echo,
        ):
            client = make_client(ccxt, "okx", exchange.url)
            detector = ipwhitelist.EgressDetector([f"{echo.url}/ip"], allow_private=True)
            ipwhitelist.wrap(client, egress=detector, whitelist=["203.0.113.7"])

            with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
                client.private_get_account_balance()

        d = info.value.diagnosis
        assert ("::1", ("::1",), False) == (
            str(d.reported_ip),
            tuple(map(str, d.egress_ips)),
            d.whitelisted,
        )
        assert "ipv6_egress" in {h.name for h in d.hints}


def test_418_retry_after_header_gives_banned_until(server, sync_client):
    """A 418 without an end time in the text takes it from Retry-After (Binance sends both)."""
    server.default = canned(
        418,
        body_of({"code": -1003, "msg": "Way too much request weight used."}),
        headers={"Retry-After": "120"},
    )
    client = ipwhitelist.wrap(sync_client("binance"), egress=False)
    before = datetime.now(UTC)

    with pytest.raises(ipwhitelist.IPBanned) as info:
        client.private_get_account()

    until = info.value.banned_until
    assert until is not None
    assert 119 <= (until - before).total_seconds() <= 125


@pytest.mark.parametrize(
    ("retry_after", "msg"),
    [
        ("-5", "Way too much request weight used."),
        ("0", "Way too much request weight used."),
        ("Wed, 21 Oct 2015 07:28:00 GMT", "Way too much request weight used."),
        ("99999999999", "Way too much request weight used."),
        (None, "Way too many requests; IP banned until 1659761931230."),
        (None, "Way too many requests; IP banned until 99999999999."),
    ],
    ids=["negative", "zero", "past-date", "absurd", "past-text", "absurd-text"],
)
def test_418_ban_end_not_ahead_is_unknown(server, sync_client, retry_after, msg):
    """A ban end that is past, now, or beyond any real ban is not stated: banned_until None."""
    server.default = canned(
        418,
        body_of({"code": -1003, "msg": msg}),
        headers={"Retry-After": retry_after} if retry_after is not None else None,
    )
    client = ipwhitelist.wrap(sync_client("binance"), egress=False)

    with pytest.raises(ipwhitelist.IPBanned) as info:
        client.private_get_account()

    assert info.value.banned_until is None
    assert "banned until:" not in str(info.value.diagnosis)


def test_418_retry_after_http_date_gives_banned_until(server, sync_client):
    """A Retry-After HTTP date ahead of now is the ban end."""
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=5)
    server.default = canned(
        418,
        body_of({"code": -1003, "msg": "Way too much request weight used."}),
        headers={"Retry-After": format_datetime(when, usegmt=True)},
    )
    client = ipwhitelist.wrap(sync_client("binance"), egress=False)

    with pytest.raises(ipwhitelist.IPBanned) as info:
        client.private_get_account()

    until = info.value.banned_until
    assert until is not None
    assert abs(until - when) < timedelta(seconds=2)
