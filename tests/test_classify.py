"""Pure classification: parsing bodies and ccxt messages, matching rules."""

from __future__ import annotations

import contextlib
import ipaddress
import re
import time

import ccxt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import body_of
from ipwhitelist._core import classify as _classify
from ipwhitelist._core.address import parse_ip
from ipwhitelist._core.classify import find_ip, parse_body
from strategies import ips, messages_with_ip

# Characters that glue onto an address and make one longer token.
_GLUE = "0123456789abcdefxyzABCXYZ.:"

# How exchanges set an address off: "request ip: …", "IP […]", "clientIp is:…",
# "(…)", a sentence's full stop, JSON, HTML, HTX's "[IP地址错误]:…".
_DELIMITED = (
    "request ip: {ip}",
    "Invalid API-key, IP, or permissions for action, request ip: {ip},",
    "IP [{ip}] not in the ip white list",
    "Invalid request ip, the current clientIp is:{ip}",
    "You can't access our services through the IP address ({ip})",
    "Your IP {ip}.",
    "IP({ip}) banned until 1659761931230.",
    '{{"msg":"denied","ip":"{ip}"}}',
    "<p>Your IP: <b>{ip}</b></p>",
    "Incorrect IP address [IP\u5730\u5740\u9519\u8bef]:{ip}",
    "ip={ip};",
    "IP\uff1a{ip}\uff0c",
)


def _whole_readings(token):
    """Every address *token* reads as when taken whole (the spec `find_ip` follows)."""
    head, colon, _ = token.partition(":")
    starts = {0} | ({len(head) + 1} if colon and re.fullmatch(r"[\w-]*", head, re.ASCII) else set())
    ends = {j for j in range(len(token) + 1) if re.fullmatch(r":?\.*", token[j:])}
    found = set()
    for i in starts:
        for j in ends:
            with contextlib.suppress(ValueError):
                found.add(parse_ip(token[i:j]))
    return found


def respond(exchange, body, status=None, families=None):
    return _classify.match(
        _classify.response_from_http(
            exchange, families or (exchange,), http_status=status, body=body
        )
    )


class TestParseBody:
    @pytest.mark.parametrize(
        ("body", "expected"),
        [
            ('{"code":-2015,"msg":"x"}', ("-2015", "x")),
            ('{"retCode":10010,"retMsg":"y","result":{}}', ("10010", "y")),
            ('{"ret_code":10010,"ret_msg":"unmatched ip."}', ("10010", "unmatched ip.")),
            ('{"code":"1","msg":"","data":[{"sCode":"50110","sMsg":"z"}]}', ("50110", "z")),
            ('{"success":false,"msg":"{\\"code\\":-2015,\\"msg\\":\\"w\\"}"}', ("-2015", "w")),
            ('{"error":{"code":7,"message":"v"}}', ("7", "v")),
            ("<html>403</html>", (None, "")),
            ("", (None, "")),
            ("{not json", (None, "")),
            ("[1,2]", (None, "")),
            ('["error",10100,"apikey: invalid"]', ("10100", "apikey: invalid")),
            ('bitfinex ["error", 10114, "nonce: small"]', ("10114", "nonce: small")),
            ('["error",10100', (None, "")),
            ('["error"]', (None, "")),
            (
                '{"error":["EAPI:Invalid key","EGeneral:x"],"result":{}}',
                (None, "EAPI:Invalid key; EGeneral:x"),
            ),
            ('{"error":[],"result":{}}', (None, "")),
            ('{"status":"error","err-code":"a-b","err-msg":"c"}', ("a-b", "c")),
            ('{"status":"error","err_code":1017,"err_msg":"d"}', ("1017", "d")),
            ('{"label":"IP_FORBIDDEN","message":"e"}', ("IP_FORBIDDEN", "e")),
            ('{"errorCode":307,"error":"f"}', ("307", "f")),
            ('{"jsonrpc":"2.0","error":{"message":"g","code":13009}}', ("13009", "g")),
            ('{"status":"error","reason":"h","code":"API0005"}', ("API0005", "h")),
            ('{"result":"error","reason":"InvalidIP","message":"i"}', ("InvalidIP", "i")),
            (
                '{"error":{"name":"no_authorization_ip","message":"j"}}',
                ("no_authorization_ip", "j"),
            ),
            ('{"name":"top-level names are not codes","message":"k"}', (None, "k")),
            ('{"rc":1,"mc":"AUTH_104","ma":[],"result":null}', ("AUTH_104", "")),
            ('{"message":[["l"]],"result":[],"success":false}', (None, "l")),
            ('{"error":[[["too deep"]], {"x": 1}, "m"]}', (None, "m")),
        ],
    )
    def test_envelopes(self, body, expected):
        """Every envelope parse_body documents, and arrays that are not errors."""
        assert expected == parse_body(body)

    @given(st.text(max_size=300))
    def test_never_raises(self, body):
        """Arbitrary text never makes the parser raise."""
        code, message = parse_body(body)

        assert code is None or isinstance(code, str)
        assert isinstance(message, str)


class TestFindIP:
    @given(messages_with_ip)
    def test_finds_embedded_ip(self, pair):
        """The IP embedded in any known message shape is recovered exactly."""
        message, ip = pair

        assert ip == find_ip(message)

    @given(ips)
    def test_any_ip_alone(self, ip):
        """Any IPv4/IPv6 address alone is recovered."""
        assert ip == find_ip(f"request ip: {ip}")

    @pytest.mark.parametrize(
        "text", ["version 1.2.3", "at 10:30:00", "banned until 1659761931230", "300.1.2.3", ""]
    )
    def test_no_false_ip(self, text):
        """Versions, times, timestamps and invalid quads are not IPs."""
        assert find_ip(text) is None

    def test_ipv4_mapped(self):
        """::ffff:a.b.c.d is reported as the IPv4 address."""
        assert ipaddress.ip_address("203.0.113.9") == find_ip("ip ::ffff:203.0.113.9 refused")

    @pytest.mark.parametrize(
        "text",
        [
            "request ip: 999.1.1.1",
            "request ip: 1203.0.113.9",
            "ip 1.2.3.4.5 refused",
            "ip 01.2.3.4 refused",
            "ip x1.2.3.4 refused",
            "ip 1.2.3.4x refused",
            "ip 12001:db8::1 refused",
            "ip x2001:db8::1 refused",
            "ip 2001:db8::1x refused",
            "ip fe80::1%eth0 refused",
            "ip 203.0.113.0/24 refused",
            "see http://203.0.113.9/api",
            "ip 1.2.3.4:8080 refused",
        ],
    )
    def test_a_piece_of_a_token_is_not_an_address(self, text):
        """Only a whole token is an address: no fragment of a longer token is "found"."""
        assert find_ip(text) is None

    @given(
        ip=ips,
        left=st.text(alphabet=_GLUE, max_size=4),
        right=st.text(alphabet=_GLUE, max_size=4),
    )
    def test_glued_address_is_read_whole_or_not_at_all(self, ip, left, right):
        """
        An address glued to digits, dots, colons or letters is never found as a piece.

        What is found is the whole token read as an address (less sentence
        dots, one trailing colon, a leading ``word:`` label), or nothing.
        """
        token = f"{left}{ip}{right}"

        found = find_ip(f"the exchange saw {token} and refused")

        assert found is None or found in _whole_readings(token)
        if not left and not right:
            assert ip == found

    @given(ip=ips, shape=st.sampled_from(_DELIMITED))
    def test_punctuation_around_an_address_is_a_delimiter(self, ip, shape):
        """Addresses set off by the punctuation exchanges use are found exactly."""
        assert ip == find_ip(shape.format(ip=ip))

    @given(ip=st.ip_addresses(v=4))
    def test_ipv4_mapped_anywhere(self, ip):
        """Any ::ffff:a.b.c.d in a message is reported as the IPv4 address it maps."""
        assert ip == find_ip(f"Your IP ::ffff:{ip} is not whitelisted.")

    def test_long_runs_are_linear(self):
        """A message of 16 KB of glued digits, dots and colons is scanned quickly."""
        text = ("1.2.3.4" * 3000)[: _classify.MAX_SCAN] + " " + "1:2:" * 4000

        assert find_ip(text) is None


class TestMatch:
    @pytest.mark.parametrize(
        ("exchange", "status", "body", "kind"),
        [
            (
                "binanceusdm",
                401,
                body_of({"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."}),
                "ip_not_whitelisted",
            ),
            (
                "binance",
                418,
                body_of(
                    {
                        "code": -1003,
                        "msg": "Way too much request weight used; IP banned until 1659761931230.",
                    }
                ),
                "ip_banned",
            ),
            (
                "binance",
                451,
                body_of({"code": 0, "msg": "Service unavailable from a restricted location"}),
                "geo_restricted",
            ),
            (
                "bybit",
                200,
                body_of({"retCode": 10010, "retMsg": "Unmatched IP"}),
                "ip_not_whitelisted",
            ),
            (
                "bybiteu",
                200,
                body_of({"retCode": 10009, "retMsg": "IP has been banned."}),
                "ip_banned",
            ),
            (
                "myokx",
                401,
                body_of(
                    {
                        "code": "50110",
                        "msg": "Your IP 1.2.3.4 is not included in your API key's IP whitelist.",
                    }
                ),
                "ip_not_whitelisted",
            ),
            ("kraken", 451, "Unavailable For Legal Reasons", "geo_restricted"),
            (
                "kucoin",
                403,
                "The Amazon CloudFront distribution is configured to block access from your country.",
                "geo_restricted",
            ),
        ],
    )
    def test_rules(self, exchange, status, body, kind):
        """Each built-in rule matches its response, across the exchange family."""
        from ipwhitelist._core.lineage import lineage_of_id

        found = respond(exchange, body, status, lineage_of_id(exchange))

        assert found is not None
        assert kind == found.rule.kind

    @pytest.mark.parametrize(
        ("exchange", "status", "body"),
        [
            (
                "binance",
                429,
                body_of(
                    {
                        "code": -1003,
                        "msg": "Too much request weight used; current limit is 1200 request weight per 1 MINUTE.",
                    }
                ),
            ),
            (
                "binance",
                400,
                body_of({"code": -1022, "msg": "Signature for this request is not valid."}),
            ),
            (
                "bybit",
                200,
                body_of({"retCode": 10005, "retMsg": "Permission denied for current apikey"}),
            ),
            (
                "okx",
                200,
                body_of(
                    {
                        "code": "51155",
                        "msg": "You can't trade this pair due to local compliance restrictions.",
                    }
                ),
            ),
            ("okx", 401, body_of({"code": "-2015", "msg": "not binance"})),
        ],
    )
    def test_near_misses(self, exchange, status, body):
        """Rate limits, signature, permission and compliance errors do not match."""
        assert respond(exchange, body, status) is None

    def test_rules_do_not_leak_across_exchanges(self):
        """Binance's -2015 means nothing on Bybit."""
        assert respond("bybit", body_of({"retCode": -2015, "retMsg": "x"})) is None

    @given(st.binary(max_size=512).map(lambda b: b.decode("latin-1")), st.integers(100, 599))
    def test_arbitrary_bodies_never_raise(self, body, status):
        """Any body and status classifies without raising."""
        respond("binance", body, status)

    def test_huge_body_is_bounded(self):
        """A 1 MB body is classified quickly (only the first bytes are scanned)."""
        body = "IP(" * 400_000

        start = time.perf_counter()
        respond("binance", body, 400)

        assert time.perf_counter() - start < 1.0


class TestReportedIP:
    @pytest.mark.parametrize(
        ("context", "expected"),
        [
            ({"client_ip": "2001:db8::47"}, "2001:db8::47"),
            ({"client": {"client_ip": "2001:db8::47"}}, "2001:db8::47"),
            ([{"client_ip": "2001:db8::47"}], "2001:db8::47"),
            ({"a": {"b": [{"client_ip": "2001:db8::47"}]}}, None),
            ({"echo": "203.0.113.9"}, None),
        ],
    )
    def test_only_a_field_that_names_the_client_address(self, context, expected):
        """Delta's client_ip is read (a few levels deep at most); other fields are not."""
        found = respond(
            "delta",
            body_of(
                {"success": False, "error": {"code": "ip_blocked_for_api_key", "context": context}}
            ),
            401,
        )

        assert expected == (str(found.reported_ip) if found.reported_ip else None)


class TestFromException:
    @pytest.mark.parametrize(
        ("text", "status", "url"),
        [
            (
                'binance {"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}',
                None,
                None,
            ),
            (
                'binance 418 I\'m a teapot {"code":-1003,"msg":"IP banned until 1659761931230"}',
                418,
                None,
            ),
            (
                "binance GET https://api.binance.com/api/v3/ping 451 Unavailable restricted location",
                451,
                "https://api.binance.com/api/v3/ping",
            ),
        ],
    )
    def test_ccxt_message_shapes(self, text, status, url):
        """Status, URL and body are recovered from ccxt's three message shapes."""
        response = _classify.response_from_exception(ccxt.ExchangeError(text), None, ())

        assert ("binance", status, url) == (response.exchange, response.http_status, response.url)
        assert _classify.match(response) is not None


class TestFamilies:
    def test_unknown_id_is_its_own_family(self):
        """An id ccxt does not know still classifies with generic rules."""
        from ipwhitelist._core.lineage import lineage_of, lineage_of_id

        class Client:
            id = "binanceusdm"

        assert ("nope",) == lineage_of_id("nope")
        assert ("binanceusdm", "binance") == lineage_of(Client())
        assert () == lineage_of(object())

    def test_binance_nested_msg_that_is_not_json(self):
        """A Binance msg starting with '{' that is not JSON is kept as text."""
        assert (None, "{oops") == parse_body('{"success":false,"msg":"{oops"}')

    def test_key_page_fallback(self):
        """Exchanges without a known key page get a generic pointer."""
        from ipwhitelist._exchanges import key_page

        assert "API key management page" in key_page(("kraken",))
