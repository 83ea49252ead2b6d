"""audit() and aaudit(): real ccxt signing against loopback Binance, Bybit and OKX fakes."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import ccxt
import ccxt.async_support
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ipwhitelist
from audits import ELSEWHERE, HERE, NOW, codes, finding, judge_any, key, run
from helpers import CREDENTIALS
from ipwhitelist._egress.detector import EgressDetector
from ipwhitelist._egress.report import EgressReport
from ipwhitelist._keys.restrictions import parse_response
from ipwhitelist._testing.exchanges import afake_exchange, fake_exchange
from ipwhitelist._testing.fake import FakeServer, Reply

EXCHANGES = ["binance", "bybit", "okx"]
ENDPOINTS = {
    "binance": "/sapi/v1/account/apiRestrictions",
    "binanceusdm": "/sapi/v1/account/apiRestrictions",
    "binancecoinm": "/sapi/v1/account/apiRestrictions",
    "bybit": "/v5/user/query-api",
    "okx": "/api/v5/account/config",
}
# The implicit method audit() calls, to compare with what plain ccxt raises.
METHODS = {
    "binance": "sapi_get_account_apirestrictions",
    "bybit": "private_get_v5_user_query_api",
    "okx": "private_get_account_config",
}


def echo_server(body=None, status=200):
    """A what-is-my-IP provider on loopback: the caller's address, or a fixed answer."""

    def answer(request):
        text = request.client_ip if body is None else body
        return Reply(status=status, body=text + "\n", headers={"Content-Type": "text/plain"})

    return FakeServer(routes={("GET", "/ip"): answer})


def detector(server):
    return EgressDetector([f"{server.url}/ip"], allow_private=True, ttl=0, timeout=2)


@pytest.mark.parametrize("exchange_id", EXCHANGES)
class TestFindings:
    def test_clean_key_has_nothing_to_report(self, exchange_id):
        """A trade-only key bound to this host, documented as it is, gives no finding at all."""
        result, requests = run(
            exchange_id,
            key(allowed_ips=[HERE]),
            documented=[HERE],
            egress=EgressReport(ipv4=HERE),
        )

        assert () == result.findings
        assert result.ok
        assert (True, True, False) == (result.ip_restricted, result.can_trade, result.can_withdraw)
        assert [("GET", ENDPOINTS[exchange_id])] == [(r.method, r.path) for r in requests]

    def test_unrestricted_trading_key_is_critical(self, exchange_id):
        """No IP restriction on a key that can trade is critical, with the exchange's fate for it."""
        result, _ = run(exchange_id, key(), egress=EgressReport(ipv4=ELSEWHERE))

        fate = {
            "binance": "deleted-without-ip",
            "bybit": "expires-without-ip",
            "okx": "deleted-without-ip",
        }
        assert {"no-ip-restriction", fate[exchange_id]} == codes(result)
        assert "critical" == finding(result, "no-ip-restriction").severity
        assert ELSEWHERE in finding(result, "no-ip-restriction").fix
        assert not result.ok

    def test_unrestricted_read_only_key_is_a_warning(self, exchange_id):
        """A read-only key without IP restriction is a warning; nothing deletes it."""
        result, _ = run(exchange_id, key(can_trade=False))

        assert "warning" == finding(result, "no-ip-restriction").severity
        assert "deleted-without-ip" not in codes(result)
        assert result.ok

    def test_withdrawals_enabled(self, exchange_id):
        """A key that can withdraw gets a warning recommending trade-only."""
        result, _ = run(exchange_id, key(allowed_ips=[HERE], can_withdraw=True))

        assert {"withdrawals-enabled"} == codes(result)
        assert "trade only" in finding(result, "withdrawals-enabled").fix
        assert result.can_withdraw is True

    @pytest.mark.parametrize(
        ("entry", "severity"),
        [
            ("10.0.0.0/8", "warning"),
            ("203.0.113.0/23", "warning"),
            ("2001:db8::/32", "warning"),
            ("0.0.0.0/0", "critical"),
            ("::/0", "critical"),
            ("203.0.113.0/24", None),
            ("2001:db8::/48", None),
        ],
    )
    def test_broad_cidr(self, exchange_id, entry, severity):
        """IPv4 wider than /24 and IPv6 wider than /48 warn; /0 is critical (Binance: unknown list)."""
        result, _ = run(exchange_id, key(allowed_ips=[HERE, entry]))

        found = [f.severity for f in result.findings if f.code == "broad-cidr"]
        expected = [] if severity is None or exchange_id == "binance" else [severity]
        assert expected == found


class TestExpiry:
    @pytest.mark.parametrize("exchange_id", ["binance", "bybit"])
    @pytest.mark.parametrize(
        ("left", "severity"),
        [
            (timedelta(days=14, minutes=1), None),
            (timedelta(days=14), "warning"),
            (timedelta(days=3, minutes=1), "warning"),
            (timedelta(days=3), "critical"),
            (timedelta(hours=5), "critical"),
            (timedelta(days=-2), "critical"),
        ],
        ids=["14d+1m", "14d", "3d+1m", "3d", "5h", "past"],
    )
    def test_expiry_thresholds(self, exchange_id, left, severity):
        """Within 14 days warns, within 3 days (or past) is critical, measured from `now`."""
        result, _ = run(exchange_id, key(allowed_ips=[HERE], expires_at=NOW + left))

        found = [f.severity for f in result.findings if f.code == "key-expiring"]
        assert ([] if severity is None else [severity]) == found
        assert NOW + left == result.expires_at

    def test_past_expiry_says_so(self):
        """An expiry in the past is reported as passed, with its date."""
        result, _ = run("bybit", key(allowed_ips=[HERE], expires_at=NOW - timedelta(days=1)))

        assert "2026-02-28 12:00 UTC, which has passed" in finding(result, "key-expiring").message

    def test_bybit_unbound_key_expiry_date(self):
        """Bybit's expiredAt for an unbound key becomes expires-without-ip with the date."""
        result, _ = run("bybit", key(expires_at=NOW + timedelta(days=60)))

        assert "2026-04-30 12:00 UTC, in 60 day(s)" in finding(result, "expires-without-ip").message
        assert "key-expiring" not in codes(result)

    def test_binance_trading_permission_expiry(self):
        """Binance's tradingAuthorityExpirationTime on an unrestricted key is expires-without-ip."""
        result, _ = run("binance", key(expires_at=NOW + timedelta(days=20)))

        assert "30 days" in finding(result, "expires-without-ip").message
        assert {"no-ip-restriction", "expires-without-ip", "deleted-without-ip"} == codes(result)

    def test_naive_now_is_refused_before_any_request(self):
        """`now` must be timezone-aware."""
        with pytest.raises(ValueError, match="timezone-aware"):
            run("bybit", key(), now=datetime(2026, 1, 1))  # noqa: DTZ001


@pytest.mark.parametrize("exchange_id", ["bybit", "okx"])
class TestLists:
    def test_egress_not_on_the_list_is_critical(self, exchange_id):
        """A detected egress IP missing from the key's list is critical and named."""
        result, _ = run(exchange_id, key(allowed_ips=[HERE]), egress=EgressReport(ipv4=ELSEWHERE))

        found = finding(result, "egress-not-allowed")
        assert ("critical", True) == (found.severity, ELSEWHERE in found.message)
        assert not result.ok

    def test_ipv4_mapped_entry_is_the_ipv4_address(self, exchange_id):
        """The key's list naming ::ffff:a.b.c.d allows the IPv4 egress a.b.c.d: no finding."""
        state = key(allowed_ips=[HERE, f"::ffff:{ELSEWHERE}"])
        report = EgressReport(ipv4=ELSEWHERE)
        result, _ = run(exchange_id, state, documented=[HERE, ELSEWHERE], egress=report)

        assert set() == {"egress-not-allowed", "registry-drift"} & set(codes(result))

    def test_dual_stack_partly_listed_is_a_warning(self, exchange_id):
        """IPv4 listed but IPv6 egress missing: a warning naming the IPv6 address."""
        report = EgressReport(ipv4=HERE, ipv6="2001:db8::7")
        result, _ = run(exchange_id, key(allowed_ips=[HERE]), egress=report)

        found = finding(result, "egress-not-allowed")
        assert ("warning", True) == (found.severity, "2001:db8::7" in found.message)

    def test_drift_lists_added_and_missing(self, exchange_id):
        """Documented and actual lists differ: both directions are listed."""
        state = key(allowed_ips=[HERE, "198.51.100.0/24"])
        result, _ = run(exchange_id, state, documented=[HERE, "203.0.113.5"])

        message = finding(result, "registry-drift").message
        assert "on the exchange but not documented: 198.51.100.0/24" in message
        assert "documented but not on the exchange: 203.0.113.5" in message

    def test_equal_networks_are_no_drift(self, exchange_id):
        """Lists compare as networks: 127.0.0.1/32 and an exchange CIDR with host bits match."""
        state = key(allowed_ips=[HERE, "198.51.100.7/24"])
        result, _ = run(exchange_id, state, documented=["127.0.0.1/32", " 198.51.100.0/24"])

        assert "registry-drift" not in codes(result)

    def test_egress_not_checked_for_unrestricted_keys(self, exchange_id):
        """An unrestricted key accepts every address: no egress finding, drift still shown."""
        result, _ = run(exchange_id, key(), documented=[HERE], egress=EgressReport(ipv4=HERE))

        assert "egress-not-allowed" not in codes(result)
        assert (
            "documented but not on the exchange: 127.0.0.1"
            in finding(result, "registry-drift").message
        )


class TestLimits:
    @pytest.mark.parametrize(("count", "severity"), [(15, None), (16, "info"), (20, "warning")])
    def test_okx_twenty_entries(self, count, severity):
        """OKX allows 20 IPs per key: 80 % is info, 100 % a warning."""
        ips = [HERE, *(f"203.0.113.{n}" for n in range(1, count))]
        result, _ = run("okx", key(allowed_ips=ips))

        found = [f.severity for f in result.findings if f.code == "near-limit"]
        assert ([] if severity is None else [severity]) == found

    def test_no_documented_limit_no_finding(self):
        """Bybit's limit is not documented: no near-limit finding, however long the list."""
        result, _ = run("bybit", key(allowed_ips=[HERE, *(f"203.0.113.{n}" for n in range(40))]))

        assert "near-limit" not in codes(result)


class TestBinance:
    @pytest.mark.parametrize("exchange_id", ["binanceusdm", "binancecoinm"])
    def test_family_uses_the_spot_host(self, exchange_id):
        """USDⓈ-M and COIN-M clients audit their key through the spot host's sapi."""
        result, requests = run(exchange_id, key(allowed_ips=[HERE]))

        assert exchange_id == result.exchange
        assert [ENDPOINTS[exchange_id]] == [r.path for r in requests]

    def test_allowed_list_is_unknown(self):
        """Binance does not report the list: no drift, no egress or list findings."""
        result, _ = run(
            "binance",
            key(allowed_ips=[HERE]),
            documented=["198.51.100.1"],
            egress=EgressReport(ipv4=ELSEWHERE),
        )

        assert (None, ()) == (result.allowed_ips, result.findings)


class TestEgress:
    def test_detector_is_asked(self):
        """An EgressDetector's answer becomes egress_ips."""
        with echo_server() as echo:
            result, _ = run("bybit", key(allowed_ips=[HERE]), egress=detector(echo))

        assert (HERE,) == result.egress_ips
        assert () == result.findings

    def test_egress_false_makes_no_lookup(self):
        """egress=False: no provider is asked, nothing is reported about egress."""
        with echo_server() as echo:
            result, _ = run("bybit", key(allowed_ips=[HERE]), egress=False)

        assert ((), []) == (result.egress_ips, echo.requests)

    def test_failing_lookup_does_not_fail_the_audit(self):
        """A provider answering garbage gives no IP and an info finding; the audit completes."""
        with echo_server(body="<html>down</html>") as echo:
            result, _ = run("okx", key(allowed_ips=[HERE]), egress=detector(echo))

        found = finding(result, "egress-unknown")
        assert ((), "info", True) == (
            result.egress_ips,
            found.severity,
            "not an IP" in found.message,
        )
        assert result.ok

    def test_raising_detector_does_not_fail_the_audit(self):
        """A detector that raises is reported as an info finding."""

        class Broken(EgressDetector):
            def detect(self, proxy=None, *, url_prefix=None):
                raise RuntimeError("no route to the providers")

        result, _ = run("bybit", key(allowed_ips=[HERE]), egress=Broken(["http://127.0.0.1:9/"]))

        assert "no route to the providers" in finding(result, "egress-unknown").message

    def test_default_detector_follows_the_client_proxy(self, monkeypatch):
        """egress=True asks the default detector through the client's proxy."""
        seen = []

        class Recording(EgressDetector):
            def detect(self, proxy=None, *, url_prefix=None):
                seen.append(proxy)
                return EgressReport(ipv4=HERE)

        monkeypatch.setattr(
            "ipwhitelist._egress.detector.default_detector",
            lambda: Recording(["http://127.0.0.1:9/"]),
        )
        with fake_exchange("okx", key(allowed_ips=[HERE])) as fake:
            client = fake.client(httpProxy=fake.url)  # the fake also serves proxy requests
            result = ipwhitelist.audit(client, now=NOW)

        assert ([fake.url], (HERE,)) == (seen, result.egress_ips)

    def test_default_detector_switched_off(self):
        """IPWHITELIST_EGRESS=off (set for the suite) turns egress=True into no lookup."""
        result, _ = run("okx", key(allowed_ips=[HERE]), egress=True)

        assert ((), ()) == (result.egress_ips, result.findings)

    def test_bad_egress_value(self):
        """Anything but a bool, a report or a detector is refused."""
        with pytest.raises(TypeError, match="egress must be"):
            run("okx", key(), egress="203.0.113.9")


class TestErrors:
    def test_unsupported_exchange_before_any_request(self):
        """Kraken has no known restriction endpoint: AuditUnsupported, no request sent."""
        with FakeServer() as server:
            client = ipwhitelist._testing.fake.point_at(ccxt.kraken(dict(CREDENTIALS)), server.url)
            with pytest.raises(ipwhitelist.AuditUnsupported) as info:
                ipwhitelist.audit(client, egress=False)

        assert "kraken" in str(info.value)
        assert "Bybit" in str(info.value)
        assert [] == server.requests

    @pytest.mark.parametrize("exchange_id", EXCHANGES)
    def test_ip_rejection_is_typed_on_an_unwrapped_client(self, exchange_id):
        """The exchange refusing this host's IP raises IPNotWhitelisted, not a bare ccxt error."""
        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            run(exchange_id, key(allowed_ips=[ELSEWHERE]), documented=[ELSEWHERE])

        assert exchange_id == info.value.diagnosis.exchange
        assert isinstance(info.value.original, ccxt.AuthenticationError)

    def test_okx_rejection_reports_the_ip(self):
        """OKX's 50110 names the address it saw: the diagnosis is confirmed."""
        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            # A lab: the documented list holds loopback, so loopback is a real source.
            run("okx", key(allowed_ips=[ELSEWHERE]), documented=[HERE])

        d = info.value.diagnosis
        assert ("50110", HERE, "confirmed") == (d.code, str(d.reported_ip), d.confidence)

    @pytest.mark.parametrize("exchange_id", EXCHANGES)
    def test_wrong_secret_passes_through_unchanged(self, exchange_id):
        """A bad signature is ccxt's AuthenticationError, exactly as plain ccxt raises it."""
        with fake_exchange(exchange_id, key(allowed_ips=[HERE])) as fake:
            with pytest.raises(ccxt.AuthenticationError) as plain:
                getattr(fake.client(secret="wrong-secret-0000"), METHODS[exchange_id])()
            with pytest.raises(ccxt.AuthenticationError) as audited:
                ipwhitelist.audit(fake.client(secret="wrong-secret-0000"), egress=False)

        def shown(exc):  # Bybit's envelope carries the server time
            return type(exc), re.sub(r'"time":\d+', "", str(exc))

        assert not isinstance(audited.value, ipwhitelist.IPRejection)
        assert shown(plain.value) == shown(audited.value)

    def test_wrapped_client_works(self):
        """A wrapped client is audited the same way."""
        with fake_exchange("bybit", key(allowed_ips=[HERE])) as fake:
            client = ipwhitelist.wrap(fake.client(), egress=False)
            result = ipwhitelist.audit(client, egress=False, now=NOW)

        assert result.ok

    @pytest.mark.parametrize(
        ("documented", "error"),
        [(["not-an-ip"], ValueError), (["198.51.100.7/24"], ValueError), (None, TypeError)],
        ids=["bad-documented", "host-bits", "async-client"],
    )
    def test_refused_before_any_request(self, documented, error):
        """Bad documented entries and async clients fail before the exchange is asked."""
        with fake_exchange("okx", key()) as fake:
            client = fake.client(ccxt.async_support if error is TypeError else ccxt)
            with pytest.raises(error):
                ipwhitelist.audit(client, documented=documented, egress=False)

        assert [] == fake.server.requests

    def test_no_secret_anywhere(self):
        """The key, secret and passphrase never appear in str, repr or JSON (Bybit echoes the key)."""
        for exchange_id in EXCHANGES:
            result, _ = run(
                exchange_id,
                key(can_withdraw=True, expires_at=NOW + timedelta(days=1)),
                documented=["198.51.100.1"],
                egress=EgressReport(ipv4=ELSEWHERE),
            )
            text = str(result) + repr(result) + json.dumps(result.to_dict())
            for secret in CREDENTIALS.values():
                assert secret not in text
            assert result.fingerprint is not None
            assert result.fingerprint in text

    def test_to_dict_is_json_with_stable_keys(self):
        """to_dict() round-trips through JSON; datetimes are ISO 8601."""
        result, _ = run("bybit", key(expires_at=NOW + timedelta(days=2)))

        data = json.loads(json.dumps(result.to_dict()))
        assert [
            "exchange",
            "endpoint",
            "fingerprint",
            "ok",
            "ip_restricted",
            "allowed_ips",
            "can_read",
            "can_trade",
            "can_withdraw",
            "permissions",
            "expires_at",
            "egress_ips",
            "documented",
            "findings",
        ] == list(data)
        assert "2026-03-03T12:00:00+00:00" == data["expires_at"]
        assert {"code", "severity", "message", "fix"} == set(data["findings"][0])
        assert "NOT OK" in str(result)


@pytest.mark.asyncio
@pytest.mark.parametrize("exchange_id", EXCHANGES)
class TestAsync:
    async def test_clean_key_has_nothing_to_report(self, exchange_id):
        """aaudit() over ccxt.async_support gives the same clean result."""
        async with afake_exchange(exchange_id, key(allowed_ips=[HERE])) as fake:
            result = await ipwhitelist.aaudit(
                fake.client(ccxt.async_support),
                documented=[HERE],
                egress=EgressReport(ipv4=HERE),
                now=NOW,
            )

        assert ((), True) == (result.findings, result.ip_restricted)

    async def test_audit_async_is_a_deprecated_alias(self, exchange_id):
        """audit_async(), the old name, warns and still audits."""
        async with afake_exchange(exchange_id, key(allowed_ips=[HERE])) as fake:
            with pytest.warns(DeprecationWarning, match=r"use ipwhitelist\.aaudit\(\)"):
                result = await ipwhitelist.audit_async(
                    fake.client(ccxt.async_support),
                    documented=[HERE],
                    egress=EgressReport(ipv4=HERE),
                    now=NOW,
                )

        assert ((), True) == (result.findings, result.ip_restricted)

    async def test_unrestricted_trading_key_is_critical(self, exchange_id):
        """The async twin finds the missing IP restriction."""
        async with afake_exchange(exchange_id, key()) as fake:
            result = await ipwhitelist.aaudit(
                fake.client(ccxt.async_support), egress=False, now=NOW
            )

        assert "critical" == finding(result, "no-ip-restriction").severity

    async def test_ip_rejection_is_typed(self, exchange_id):
        """An IP rejection during aaudit() is IPNotWhitelisted."""
        async with afake_exchange(exchange_id, key(allowed_ips=[ELSEWHERE])) as fake:
            with pytest.raises(ipwhitelist.IPNotWhitelisted):
                await ipwhitelist.aaudit(fake.client(ccxt.async_support), egress=False)

    async def test_wrong_secret_passes_through(self, exchange_id):
        """A bad signature stays ccxt's AuthenticationError."""
        async with afake_exchange(exchange_id, key(allowed_ips=[HERE])) as fake:
            client = fake.client(ccxt.async_support, secret="wrong-secret-0000")
            with pytest.raises(ccxt.AuthenticationError) as info:
                await ipwhitelist.aaudit(client, egress=False)

        assert not isinstance(info.value, ipwhitelist.IPRejection)

    async def test_detector_and_sync_client(self, exchange_id):
        """The async lookup fills egress_ips; a sync client is refused before any request."""
        with echo_server() as echo:
            async with afake_exchange(exchange_id, key(allowed_ips=[HERE])) as fake:
                result = await ipwhitelist.aaudit(
                    fake.client(ccxt.async_support), egress=detector(echo), now=NOW
                )
                with pytest.raises(TypeError, match="async ccxt client"):
                    await ipwhitelist.aaudit(fake.client(), egress=False)
                paths = [r.path for r in fake.server.requests]

        assert (HERE,) == result.egress_ips
        assert [ENDPOINTS[exchange_id]] == paths


@pytest.mark.asyncio
async def test_async_raising_detector_does_not_fail_the_audit():
    """A detector whose async lookup raises gives an info finding, not a failed audit."""

    class Broken(EgressDetector):
        async def adetect(self, proxy=None, *, url_prefix=None):
            raise RuntimeError("no route to the providers")

    async with afake_exchange("okx", key(allowed_ips=[HERE])) as fake:
        result = await ipwhitelist.aaudit(
            fake.client(ccxt.async_support), egress=Broken(["http://127.0.0.1:9/"]), now=NOW
        )

    assert "info" == finding(result, "egress-unknown").severity


class TestFakes:
    """The loopback fakes themselves, as the check, migrate and demo code uses them."""

    @pytest.mark.parametrize("exchange_id", EXCHANGES)
    def test_fetch_balance_and_markets(self, exchange_id):
        """Real ccxt load_markets() and fetch_balance() work, signed, with GET only."""
        with fake_exchange(exchange_id, key(allowed_ips=[HERE], balance={"USDT": "12.5"})) as fake:
            balance = fake.client().fetch_balance()
            methods = {r.method for r in fake.server.requests}

        assert (12.5, {"GET"}) == (balance["USDT"]["free"], methods)

    @pytest.mark.asyncio
    @pytest.mark.parametrize("exchange_id", EXCHANGES)
    async def test_async_source_address_is_enforced(self, exchange_id):
        """An async client bound to 127.0.0.2 is refused by a key bound to 127.0.0.1."""
        async with afake_exchange(exchange_id, key(allowed_ips=[HERE])) as fake:
            balance = await fake.client(ccxt.async_support).fetch_balance()
            with pytest.raises(
                ccxt.PermissionDenied if exchange_id != "binance" else ccxt.AuthenticationError
            ):
                await fake.client(ccxt.async_support, source="127.0.0.2").fetch_balance()

        assert 1000 == balance["USDT"]["free"]

    @pytest.mark.parametrize(
        ("exchange_id", "text"),
        [("binance", '"code":-2015'), ("bybit", '"retCode":10003'), ("okx", '"code":"50111"')],
    )
    def test_unknown_key(self, exchange_id, text):
        """An unknown API key gets the exchange's own invalid-key answer."""
        with (
            fake_exchange(exchange_id, key()) as fake,
            pytest.raises(ccxt.AuthenticationError) as info,
        ):
            getattr(fake.client(apiKey="someone-else-0000000000"), METHODS[exchange_id])()

        assert text in str(info.value)

    def test_okx_wrong_passphrase(self):
        """OKX checks the passphrase: 50105."""
        with (
            fake_exchange("okx", key()) as fake,
            pytest.raises(ccxt.AuthenticationError, match="50105"),
        ):
            fake.client(password="wrong").private_get_account_config()

    def test_source_binding_plays_an_egress_change(self):
        """A sync client bound to 127.0.0.2 gets Bybit's 10010 until the key lists it."""
        state = key(allowed_ips=[HERE, "not-an-address"])
        with fake_exchange("bybit", state) as fake:
            moved = fake.client(source="127.0.0.2")
            with pytest.raises(ccxt.PermissionDenied, match="10010"):
                moved.private_get_v5_user_query_api()
            state.allowed_ips = ["127.0.0.0/30"]
            moved.private_get_v5_user_query_api()

        assert ["127.0.0.2", "127.0.0.2"] == [r.client_ip for r in fake.server.requests]

    def test_no_fake_for_kraken(self):
        """Only the Binance, Bybit and OKX families have a fake."""
        with pytest.raises(ValueError, match="kraken"), fake_exchange("kraken"):
            pass

    def test_state_repr_has_no_secret(self):
        """FakeKeyState's repr leaves the credentials out."""
        text = repr(key())

        assert all(secret not in text for secret in CREDENTIALS.values())


# -- parsers: arbitrary JSON never crashes ---------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
ip_texts = st.sampled_from(["127.0.0.1", "*", "0.0.0.0/0", "10.0.0.0/8", "::/0", "2001:db8::1", ""])
# Values exchanges send as strings (flags, millisecond timestamps), and overflowing ones.
quirks = st.sampled_from(["true", "FALSE", "1", "1700000000000", "9" * 30, "2026-03-02"])
entries = st.one_of(
    ip_texts, quirks, st.integers(min_value=10**14), st.text(max_size=20), json_values
)
shaped = {
    "binance": st.fixed_dictionaries(
        {"ipRestrict": entries},
        optional={
            "enableReading": entries,
            "enableWithdrawals": entries,
            "enableSpotAndMarginTrading": entries,
            "tradingAuthorityExpirationTime": st.integers() | entries,
            "apiKey": st.just(CREDENTIALS["apiKey"]),
        },
    ),
    "bybit": st.fixed_dictionaries(
        {
            "retCode": st.just(0),
            "result": st.fixed_dictionaries(
                {"ips": st.lists(entries, max_size=25) | entries},
                optional={
                    "readOnly": entries,
                    "permissions": st.dictionaries(
                        st.sampled_from(["Spot", "Wallet", "ContractTrade", "X"]),
                        st.lists(st.sampled_from(["Withdraw", "SpotTrade"]) | entries),
                    )
                    | entries,
                    "expiredAt": st.datetimes().map(lambda d: d.isoformat() + "Z") | entries,
                    "deadlineDay": st.integers() | entries,
                    "apiKey": st.just(CREDENTIALS["apiKey"]),
                },
            ),
        }
    ),
    "okx": st.fixed_dictionaries(
        {
            "data": st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "ip": st.lists(ip_texts, max_size=25).map(",".join) | entries,
                        "perm": st.sampled_from(["read_only,trade,withdraw", "read_only", ""])
                        | entries,
                    },
                )
                | entries,
                max_size=2,
            )
        }
    ),
}


@pytest.mark.parametrize(
    ("family", "body", "expected"),
    [
        ("binance", {"ipRestrict": "true", "tradingAuthorityExpirationTime": "1772366400000"}, NOW),
        ("binance", {"ipRestrict": 1, "tradingAuthorityExpirationTime": "9" * 30}, None),
        ("binance", {"ipRestrict": False, "tradingAuthorityExpirationTime": True}, None),
        ("bybit", {"result": {"ips": ["*"], "expiredAt": "1772366400000"}}, NOW),
        (
            "bybit",
            {"result": {"ips": [], "expiredAt": "soon", "deadlineDay": 30}},
            NOW + timedelta(30),
        ),
        ("bybit", {"result": {"ips": [], "expiredAt": "2026-03-01T12:00:00"}}, NOW),
        ("bybit", {"result": {"ips": [], "deadlineDay": 0}}, None),
    ],
)
def test_expiry_field_forms(family, body, expected):
    """Millisecond strings, ISO dates without zone and day counts parse; overflow is ignored."""
    assert expected == parse_response(family, body, NOW).expires_at


@pytest.mark.parametrize("family", EXCHANGES)
@given(data=st.data())
def test_parsers_never_crash(family, data):
    """Any JSON gives a full audit or ccxt.BadResponse, never a crash or the key in a message."""
    response = data.draw(json_values | shaped[family])
    documented = data.draw(st.none() | st.lists(ip_texts.filter(bool).filter(lambda s: s != "*")))
    facts, findings, refused = judge_any(family, response, documented)
    if refused is not None:
        assert CREDENTIALS["apiKey"] not in refused
        return
    audit = ipwhitelist.KeyAudit(
        exchange=family,
        endpoint="GET /",
        fingerprint=None,
        ip_restricted=facts.ip_restricted,
        allowed_ips=facts.allowed_ips,
        can_read=facts.can_read,
        can_trade=facts.can_trade,
        can_withdraw=facts.can_withdraw,
        permissions=facts.permissions,
        expires_at=facts.expires_at,
        egress_ips=("127.0.0.1",),
        documented=documented,
        findings=findings,
    )
    text = str(audit) + json.dumps(audit.to_dict())
    assert CREDENTIALS["apiKey"] not in text
    assert all(f.severity in ("critical", "warning", "info") for f in findings)
