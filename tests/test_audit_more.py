"""audit() and aaudit() for KuCoin, Bitget and Gate: real ccxt signing against loopback fakes."""

from __future__ import annotations

import json
import re

import ccxt
import ccxt.async_support
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ipwhitelist
from audits import ELSEWHERE, HERE, NOW, codes, finding, judge_any, key, run
from helpers import CREDENTIALS, make_client
from ipwhitelist._cli.main import main
from ipwhitelist._egress.report import EgressReport
from ipwhitelist._testing.exchanges import afake_exchange, fake_exchange
from ipwhitelist._testing.fake import FakeServer, Reply

EXCHANGES = ["kucoin", "bitget", "gate"]
ENDPOINTS = {
    "kucoin": "/api/v1/user/api-key",
    "kucoinfutures": "/api/v1/user/api-key",
    "bitget": "/api/v2/spot/account/info",
    "gate": "/api/v4/account/detail",
}
# The implicit method audit() calls, to compare with what plain ccxt raises.
METHODS = {
    "kucoin": "private_get_user_api_key",
    "bitget": "private_spot_get_v2_spot_account_info",
    "gate": "private_account_get_detail",
}
# What KuCoin's answer shows of HERE: the middle of every address is masked.
SHOWN = {"kucoin": "127.**.1", "bitget": HERE, "gate": HERE}


def canned(exchange_id, body):
    """Audit a client of a server that answers *body* to anything, signed or not."""
    with FakeServer(default=lambda _r: Reply.json(body)) as server:
        client = make_client(ccxt, exchange_id, server.url)
        return ipwhitelist.audit(client, egress=False, now=NOW)


@pytest.mark.parametrize("exchange_id", EXCHANGES)
class TestFindings:
    def test_restricted_key_with_egress_allowed(self, exchange_id):
        """A key bound to this host, documented as it is: nothing wrong (KuCoin: masks noted)."""
        result, requests = run(
            exchange_id,
            key(allowed_ips=[HERE]),
            documented=[HERE],
            egress=EgressReport(ipv4=HERE),
        )

        assert ((SHOWN[exchange_id],), True) == (result.allowed_ips, result.ip_restricted)
        assert ({"masked-ips"} if exchange_id == "kucoin" else set()) == codes(result)
        assert set() == codes(result, "critical") | codes(result, "warning")
        assert [("GET", ENDPOINTS[exchange_id])] == [(r.method, r.path) for r in requests]

    def test_unbound_trading_key_is_critical(self, exchange_id):
        """No IP restriction on a key that can (or may) trade is critical."""
        result, _ = run(exchange_id, key(), egress=EgressReport(ipv4=ELSEWHERE))

        found = finding(result, "no-ip-restriction")
        assert ("critical", True) == (found.severity, ELSEWHERE in found.fix)
        assert ((), False) == (result.allowed_ips, result.ok)

    def test_unbound_read_only_key(self, exchange_id):
        """Read-only and unbound warns; Gate reports no permissions, so it stays critical."""
        result, _ = run(exchange_id, key(can_trade=False))

        expected = "critical" if exchange_id == "gate" else "warning"
        assert expected == finding(result, "no-ip-restriction").severity

    def test_withdrawals(self, exchange_id):
        """KuCoin's Transfer and Bitget's wwow mean withdrawals; Gate's answer does not say."""
        result, _ = run(exchange_id, key(allowed_ips=[HERE], can_withdraw=True))

        if exchange_id == "gate":
            assert (None, set()) == (result.can_withdraw, codes(result))
        else:
            assert (True, True) == (result.can_withdraw, result.can_trade)
            assert "withdrawals-enabled" in codes(result, "warning")

    def test_drift_against_the_registry(self, exchange_id):
        """Documented and actual lists differ: both directions are listed."""
        state = key(allowed_ips=[HERE, "198.51.100.0/24"])
        result, _ = run(exchange_id, state, documented=[HERE, "203.0.113.5"])

        message = finding(result, "registry-drift").message
        assert "on the exchange but not documented: 198.51.100.0/24" in message
        assert "documented but not on the exchange: 203.0.113.5" in message
        assert HERE not in message

    def test_egress_not_on_the_list(self, exchange_id):
        """A detected egress IP outside the key's list is critical and named."""
        result, _ = run(exchange_id, key(allowed_ips=[HERE]), egress=EgressReport(ipv4=ELSEWHERE))

        assert ELSEWHERE in finding(result, "egress-not-allowed").message
        assert not result.ok


class TestExchanges:
    def test_kucoin_permissions(self):
        """KuCoin's permission string becomes read, trade and withdraw."""
        result, _ = run("kucoin", key(allowed_ips=[HERE], can_withdraw=True))

        assert ("Futures", "General", "Spot", "Transfer") == result.permissions
        assert (True, True, True) == (result.can_read, result.can_trade, result.can_withdraw)

    def test_kucoinfutures_uses_the_spot_host(self):
        """A kucoinfutures client audits its key through the same endpoint."""
        result, requests = run("kucoinfutures", key(allowed_ips=[HERE]))

        assert "kucoinfutures" == result.exchange
        assert [ENDPOINTS["kucoinfutures"]] == [r.path for r in requests]

    def test_bitget_authorities(self):
        """Bitget's authority codes are kept as the permissions."""
        result, _ = run("bitget", key(allowed_ips=[HERE, "198.51.100.7"]))

        assert ("coor", "coow", "cpor", "cpow", "stor", "stow") == result.permissions
        assert (HERE, "198.51.100.7") == result.allowed_ips

    def test_gate_unbound_key_expires(self):
        """Gate keeps unbound keys 90 days: a warning with no date, besides the critical one."""
        result, _ = run("gate", key())

        assert {"no-ip-restriction", "expires-without-ip"} == codes(result)
        assert "does not report whether it can trade or withdraw" in (
            finding(result, "no-ip-restriction").message
        )
        assert "90 days" in finding(result, "expires-without-ip").message
        assert (None, None, None) == (result.can_read, result.can_trade, result.can_withdraw)

    @pytest.mark.parametrize(
        ("exchange_id", "body", "expected"),
        [
            ("bitget", {"data": {"ips": "", "authorities": ["stow", "xyz"]}}, (True, None)),
            (
                "bitget",
                {"data": {"ips": [HERE], "authorities": ["trade", "readonly"]}},
                (True, False),
            ),
            ("bitget", {"data": {"ips": None, "authorities": "stow"}}, (None, None)),
            (
                "kucoin",
                {"data": {"ipWhitelist": "", "permission": "General,Withdrawal"}},
                (None, None),
            ),
            ("kucoin", {"data": {"permission": None}}, (None, None)),
        ],
        ids=[
            "bitget-unknown-code",
            "bitget-page-example",
            "bitget-no-list",
            "kucoin-unknown",
            "kucoin-none",
        ],
    )
    def test_unknown_permissions_stay_unknown(self, exchange_id, body, expected):
        """A permission name nobody documented leaves what it may grant unknown, not False."""
        result = canned(
            exchange_id, {"code": "00000" if exchange_id == "bitget" else "200000", **body}
        )

        assert expected == (result.can_trade, result.can_withdraw)

    @pytest.mark.parametrize(
        ("exchange_id", "body"),
        [
            ("kucoin", {"code": "200000", "data": "not an object"}),
            ("bitget", {"code": "00000", "msg": "success", "data": None}),
            ("gate", {"user_id": 1, "key": {"mode": 1}}),
        ],
    )
    def test_unexpected_shape_is_bad_response(self, exchange_id, body):
        """An answer without the documented fields is ccxt.BadResponse naming the endpoint."""
        with pytest.raises(ccxt.BadResponse, match=ENDPOINTS[exchange_id]):
            canned(exchange_id, body)


class TestMaskedKuCoin:
    """KuCoin shows 127.**.1 for 127.0.0.1: compared by the visible parts, and said so."""

    def test_masked_entry_matches_its_visible_parts(self):
        """Egress and documented entries that fit a mask count as listed, with an info note."""
        state = key(allowed_ips=[HERE, "127.0.0.9"])
        result, _ = run(
            "kucoin", state, documented=[HERE, "127.5.5.9"], egress=EgressReport(ipv4=HERE)
        )

        assert ("127.**.1", "127.**.9") == result.allowed_ips
        message = finding(result, "masked-ips").message
        assert "masks 2 of the key's 2" in message
        assert "127.0.0.1, 127.5.5.9 is likely, not certain" in message
        assert {"masked-ips"} == codes(result)

    def test_unmasked_entries_compare_exactly(self):
        """Networks are shown whole and compared as usual; the note names no guess."""
        state = key(allowed_ips=["198.51.100.0/24", HERE])
        result, _ = run(
            "kucoin",
            state,
            documented=["198.51.100.0/24"],
            egress=EgressReport(ipv4="198.51.100.7"),
        )

        assert "registry-drift" in codes(result)
        assert (
            "on the exchange but not documented: 127.**.1"
            in finding(result, "registry-drift").message
        )
        assert finding(result, "masked-ips").message.endswith("visible parts only.")

    def test_no_mask_fits(self):
        """An address no entry can be: drift both ways and a critical egress finding."""
        result, _ = run(
            "kucoin",
            key(allowed_ips=[HERE]),
            documented=["127.0.0.2"],
            egress=EgressReport(ipv4="127.0.0.2"),
        )

        message = finding(result, "registry-drift").message
        assert "not documented: 127.**.1" in message
        assert "not on the exchange: 127.0.0.2" in message
        assert "critical" == finding(result, "egress-not-allowed").severity


@pytest.mark.parametrize("exchange_id", EXCHANGES)
class TestErrors:
    def test_ip_rejection_is_typed(self, exchange_id):
        """An IP rejection during audit() is IPNotWhitelisted with the exchange's code."""
        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            # A lab: the documented list holds loopback, so loopback is a real source.
            run(exchange_id, key(allowed_ips=[ELSEWHERE]), documented=[HERE])

        d = info.value.diagnosis
        expected = {
            "kucoin": ("400006", HERE),
            "bitget": ("40018", None),
            "gate": ("IP_FORBIDDEN", HERE),
        }
        assert expected[exchange_id] == (d.code, d.reported_ip and str(d.reported_ip))

    def test_wrong_secret_passes_through_unchanged(self, exchange_id):
        """A bad signature is ccxt's AuthenticationError, exactly as plain ccxt raises it."""
        with fake_exchange(exchange_id, key(allowed_ips=[HERE])) as fake:
            with pytest.raises(ccxt.AuthenticationError) as plain:
                getattr(fake.client(secret="wrong-secret-0000"), METHODS[exchange_id])()
            with pytest.raises(ccxt.AuthenticationError) as audited:
                ipwhitelist.audit(fake.client(secret="wrong-secret-0000"), egress=False)

        def shown(exc):  # Bitget's envelope carries the server time
            return type(exc), re.sub(r'"requestTime":\d+', "", str(exc))

        assert not isinstance(audited.value, ipwhitelist.IPRejection)
        assert shown(plain.value) == shown(audited.value)

    def test_unknown_key(self, exchange_id):
        """An unknown API key gets the exchange's own invalid-key answer."""
        text = {"kucoin": '"400003"', "bitget": '"40037"', "gate": '"INVALID_KEY"'}
        with fake_exchange(exchange_id, key()) as fake:
            client = fake.client(apiKey="someone-else-0000000000")
            with pytest.raises(ccxt.AuthenticationError) as info:
                ipwhitelist.audit(client, egress=False)

        assert text[exchange_id] in str(info.value)

    def test_no_secret_anywhere(self, exchange_id):
        """The key, secret and passphrase never appear in str, repr or JSON (KuCoin echoes the key)."""
        result, _ = run(
            exchange_id,
            key(can_withdraw=True),
            documented=["198.51.100.1"],
            egress=EgressReport(ipv4=ELSEWHERE),
        )

        text = str(result) + repr(result) + json.dumps(result.to_dict())
        assert [] == [s for s in CREDENTIALS.values() if s in text]


@pytest.mark.parametrize(("exchange_id", "code"), [("kucoin", "400004"), ("bitget", "40012")])
def test_wrong_passphrase(exchange_id, code):
    """KuCoin and Bitget check the passphrase after the signature."""
    with (
        fake_exchange(exchange_id, key(allowed_ips=[HERE])) as fake,
        pytest.raises(ccxt.AuthenticationError, match=code) as info,
    ):
        ipwhitelist.audit(fake.client(password="wrong-passphrase"), egress=False)

    assert not isinstance(info.value, ipwhitelist.IPRejection)


@pytest.mark.asyncio
@pytest.mark.parametrize("exchange_id", EXCHANGES)
class TestAsync:
    async def test_restricted_key_with_egress_allowed(self, exchange_id):
        """aaudit() over ccxt.async_support gives the same result."""
        async with afake_exchange(exchange_id, key(allowed_ips=[HERE])) as fake:
            result = await ipwhitelist.aaudit(
                fake.client(ccxt.async_support),
                documented=[HERE],
                egress=EgressReport(ipv4=HERE),
                now=NOW,
            )

        assert (True, True) == (result.ip_restricted, result.ok)

    async def test_unbound_trading_key_is_critical(self, exchange_id):
        """The async twin finds the missing IP restriction."""
        async with afake_exchange(exchange_id, key()) as fake:
            result = await ipwhitelist.aaudit(
                fake.client(ccxt.async_support), egress=False, now=NOW
            )

        assert "critical" == finding(result, "no-ip-restriction").severity

    async def test_ip_rejection_is_typed(self, exchange_id):
        """A client leaving from 127.0.0.2 is refused: IPNotWhitelisted."""
        async with afake_exchange(exchange_id, key(allowed_ips=[HERE])) as fake:
            client = fake.client(ccxt.async_support, source="127.0.0.2")
            with pytest.raises(ipwhitelist.IPNotWhitelisted):
                await ipwhitelist.aaudit(client, egress=False)

    async def test_wrong_secret_passes_through(self, exchange_id):
        """A bad signature stays ccxt's AuthenticationError."""
        async with afake_exchange(exchange_id, key(allowed_ips=[HERE])) as fake:
            client = fake.client(ccxt.async_support, secret="wrong-secret-0000")
            with pytest.raises(ccxt.AuthenticationError) as info:
                await ipwhitelist.aaudit(client, egress=False)

        assert not isinstance(info.value, ipwhitelist.IPRejection)


class TestCli:
    @pytest.mark.parametrize(
        ("exchange_id", "allowed", "exit_code"),
        [("kucoin", [HERE], 0), ("bitget", [HERE], 0), ("gate", [], 1)],
    )
    def test_audit_command(self, exchange_id, allowed, exit_code, tmp_path, monkeypatch, capsys):
        """`ipwhitelist audit <exchange> --json` works for the new exchanges, no secret printed."""
        state = key(allowed_ips=allowed)
        with fake_exchange(exchange_id, state) as fake:
            config = tmp_path / "config.toml"
            config.write_text(f'[exchanges.{exchange_id}]\nbase_url = "{fake.url}"\n', "utf-8")
            prefix = exchange_id.upper()
            monkeypatch.setenv(f"{prefix}_APIKEY", state.api_key)
            monkeypatch.setenv(f"{prefix}_SECRET", state.secret)
            monkeypatch.setenv(f"{prefix}_PASSWORD", state.password)

            code = main(["audit", exchange_id, "--json", "--no-egress", "--config", str(config)])

        out = capsys.readouterr().out
        data = json.loads(out)
        assert (exit_code, f"GET {ENDPOINTS[exchange_id]}") == (code, data["endpoint"])
        assert [] == [s for s in CREDENTIALS.values() if s in out]


# -- parsers: arbitrary JSON never crashes ---------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
ip_texts = st.sampled_from(["127.0.0.1", "127.**.1", "**", "0.0.0.0/0", "::/0", "2001:db8::1", ""])
shaped = {
    "kucoin": st.fixed_dictionaries(
        {
            "data": st.fixed_dictionaries(
                {},
                optional={
                    "ipWhitelist": st.lists(ip_texts, max_size=25).map(",".join) | json_values,
                    "permission": st.lists(
                        st.sampled_from(["General", "Spot", "Transfer", "Withdrawal", " "])
                    ).map(",".join)
                    | json_values,
                    "apiKey": st.just(CREDENTIALS["apiKey"]),
                },
            )
            | json_values
        }
    ),
    "bitget": st.fixed_dictionaries(
        {
            "data": st.fixed_dictionaries(
                {},
                optional={
                    "ips": st.lists(ip_texts, max_size=25).map(",".join)
                    | st.lists(ip_texts | json_values),
                    "authorities": st.lists(
                        st.sampled_from(["stow", "wwow", "readonly", "xyz"]) | json_values
                    )
                    | json_values,
                },
            )
            | json_values
        }
    ),
    "gate": st.fixed_dictionaries({"ip_whitelist": st.lists(ip_texts | json_values)}) | json_values,
}


@pytest.mark.parametrize("family", EXCHANGES)
@given(data=st.data())
def test_parsers_never_crash(family, data):
    """Any JSON gives findings or ccxt.BadResponse, never a crash or the key in a message."""
    response = data.draw(json_values | shaped[family])
    documented = data.draw(st.none() | st.lists(st.sampled_from(["127.0.0.1", "10.0.0.0/8"])))
    _, findings, refused = judge_any(family, response, documented)
    if refused is not None:
        assert CREDENTIALS["apiKey"] not in refused
        return

    assert all(f.severity in ("critical", "warning", "info") for f in findings)
    assert CREDENTIALS["apiKey"] not in " ".join(f.message for f in findings)
