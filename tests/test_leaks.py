"""
Nothing secret and nothing that drives a terminal leaves the library, through the public API.

Every output a person or a log pipeline sees is checked: ``str(exc)``,
``repr(exc)``, ``str(diagnosis)``, ``to_dict()`` as JSON, log records
(message and formatted traceback), reports and the command line.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import logging
import re
import traceback
from typing import Any

import attrs
import ccxt
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import ipwhitelist
from helpers import API_KEY, SECRET, CannedAdapter, body_of, bybit_with_config, canned, mount
from ipwhitelist._cli.main import main
from ipwhitelist._core.chain import RedactedError
from ipwhitelist._testing.exchanges import FakeKeyState, fake_exchange
from ipwhitelist._testing.fake import FakeServer, Reply
from strategies import CONTROLS, ENCODINGS, api_keys, encodings, passphrases, surrounding

PASSWORD = "pr0xy-Pa55w0rd-xyz"
B2015 = body_of({"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."})
SHA512_HEX = "ab12" * 32
SHA512_B64 = base64.b64encode(bytes(range(64))).decode()


def _no_controls(text: str) -> bool:
    return not any(c in text for c in CONTROLS)


@contextlib.contextmanager
def _records():
    """The ipwhitelist logger's records (caplog is per test, not per hypothesis example)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.DEBUG)
    handler.emit = records.append  # type: ignore[method-assign]
    logger = logging.getLogger("ipwhitelist")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def _formatted(exc: BaseException) -> str:
    """What ``log.exception(...)`` writes for *exc*: message and the whole chained traceback."""
    return logging.Formatter().formatException((type(exc), exc, exc.__traceback__))


def _outputs(exc: ipwhitelist.IPRejection, records: list[logging.LogRecord]) -> str:
    d = exc.diagnosis
    logged = [logging.Formatter().format(r) for r in records]
    return "\n".join(
        [str(exc), repr(exc), str(d), repr(d), json.dumps(d.to_dict()), _formatted(exc), *logged]
    )


# -- 8: proxy credentials -----------------------------------------------------------------


class TestProxyCredentials:
    def test_check_through_a_credentialed_proxy(self):
        """check(proxy=...) shows the proxy's scheme, host and port, never its password."""
        with fake_exchange("bybit", FakeKeyState(allowed_ips=["127.0.0.1"])) as fake:
            hostport = fake.url.removeprefix("http://")
            proxy = f"http://bot:{PASSWORD}@{hostport}"  # the fake also serves proxy requests
            report = ipwhitelist.check(fake.client(), proxy=proxy, egress=["127.0.0.1"])

        text = str(report) + json.dumps(report.to_dict())
        assert PASSWORD not in text
        assert f"http://***@{hostport}" in text

    def test_audit_with_a_credentialed_proxy(self):
        """A proxy the egress lookup cannot use is reported without its password."""
        with fake_exchange("okx", FakeKeyState(allowed_ips=["127.0.0.1"])) as fake:
            hostport = fake.url.removeprefix("http://")
            client = fake.client(
                proxies={
                    "http": f"http://bot:{PASSWORD}@{hostport}",
                    "https": f"socks5://bot:{PASSWORD}@127.0.0.1:9",
                }
            )
            detector = ipwhitelist.EgressDetector(["http://127.0.0.1:9/ip"], timeout=0.5)
            result = ipwhitelist.audit(client, egress=detector)

        text = str(result) + json.dumps(result.to_dict())
        assert "egress-unknown" in text
        assert PASSWORD not in text
        assert "socks5://***@127.0.0.1:9" in text

    def test_path_style_proxy_url(self, server):
        """ccxt's proxyUrl: the endpoint keeps neither the proxy's password nor the signature."""
        server.default = canned(401, B2015)
        hostport = server.url.removeprefix("http://")
        client = ccxt.binance(
            {
                "apiKey": API_KEY,
                "secret": SECRET,
                "enableRateLimit": False,
                "proxyUrl": f"http://bot:{PASSWORD}@{hostport}/",
            }
        )
        # ccxt 4.5 passes a bool to this check and so refuses every proxyUrl
        # (a ccxt bug; older releases send through it): skip the check.
        client.check_conflicting_proxies = lambda *_args: None
        ipwhitelist.wrap(client, egress=False)

        with _records() as records, pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.private_get_account()

        text = _outputs(info.value, records)
        signature = re.search(r"signature%3D([0-9a-f]{64})", server.requests[-1].path)
        assert signature is not None
        assert PASSWORD not in text
        assert signature[1] not in text
        assert info.value.diagnosis.endpoint == (
            f"GET http://***@{hostport}/https%3A%2F%2Fapi.binance.com%2Fapi%2Fv3%2Faccount"
        )

    @pytest.mark.parametrize("proxy", ["socks5", "http"])
    def test_egress_errors(self, proxy):
        """Egress errors name the proxy and providers without their passwords."""
        detector = ipwhitelist.EgressDetector(
            [f"http://user:{PASSWORD}@127.0.0.1:9/ip"], timeout=0.5, ttl=0
        )

        report = detector.detect(f"{proxy}://bot:{PASSWORD}@127.0.0.1:9")

        assert report.errors
        assert PASSWORD not in repr(report)

    def test_cli_check_with_proxy(self, tmp_path, capsys, monkeypatch):
        """`check --proxy URL` prints the proxy's host and port, not its password."""
        with bybit_with_config(tmp_path, monkeypatch) as (fake, _, config):
            hostport = fake.url.removeprefix("http://")
            main(["check", "bybit", "--no-egress", "--config", config,
                  "--proxy", f"http://bot:{PASSWORD}@{hostport}"])  # fmt: skip

        out = capsys.readouterr()
        assert PASSWORD not in out.out + out.err
        assert f"http://***@{hostport}" in out.out


# -- 9: every text field of a diagnosis --------------------------------------------------------


class TestDiagnosisFields:
    def test_code_echoing_the_key(self, server, sync_client, caplog):
        """A 451 body whose `reason` (read as the code) echoes the key leaks it nowhere."""
        server.default = canned(451, body_of({"reason": API_KEY, "message": "Forbidden"}))
        client = ipwhitelist.wrap(sync_client("binance"), egress=False)

        with _records() as records, pytest.raises(ipwhitelist.GeoRestricted) as info:
            client.private_get_account()

        assert API_KEY not in _outputs(info.value, records)


# -- 10: redaction without the client's values --------------------------------------------------


class TestWithoutTheClient:
    def test_diagnose_without_a_client(self):
        """@diagnose knows no credential values: header names and signature shapes still go."""
        message = {
            "code": "400006",
            "msg": f"Invalid request ip, KC-API-KEY: {API_KEY}, KC-API-PASSPHRASE: {PASSWORD}, "
            f"KC-API-SIGN: {SHA512_B64}, sig {SHA512_HEX}",
        }

        @ipwhitelist.diagnose(egress=False)
        def call() -> None:
            raise ccxt.PermissionDenied("kucoin " + body_of(message))

        with _records() as records, pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            call()

        text = _outputs(info.value, records)
        for leak in (API_KEY, PASSWORD, SHA512_B64, SHA512_HEX):
            assert leak not in text

    def test_report_log(self, tmp_path):
        # The shape of the library's incident records, which `report` picks from a log.
        incident = "binance: the exchange has banned this IP address (confidence: confirmed)"
        """`report --log` scrubs other exchanges' credential fields and SHA-512 signatures."""
        leaks = {
            "CB-ACCESS-KEY": API_KEY,
            "X-MEXC-APIKEY": SECRET,
            "AccessKeyId": "AKID" + API_KEY[:20],
            "client_secret": "cs-" + SECRET[:30],
            "API-Sign": SHA512_B64,
        }
        log = tmp_path / "bot.log"
        log.write_text(
            "".join(f"ERROR {incident} rejected {name}: {value}\n" for name, value in leaks.items())
            + f"ERROR {incident} access_key={API_KEY[:30]}&sig={SHA512_HEX}\n",
            "utf-8",
        )
        stdout = io.StringIO()

        with contextlib.redirect_stdout(stdout):
            code = main(["report", "--json", "--no-egress", "--log", str(log)])

        assert 0 == code
        assert 6 == len(json.loads(stdout.getvalue())["incidents"])
        for leak in (*leaks.values(), API_KEY[:30], SHA512_HEX):
            assert leak not in stdout.getvalue()


# -- 11: control characters ------------------------------------------------------------------

HOSTILE = "bad\n2026-01-01 00:00:00 INFO all good\r\x1b[2J\x1b]0;owned\x07\u2028\u202edesrever"


class TestControlCharacters:
    def test_exception_and_diagnosis(self, server, sync_client):
        """str(exc) is one line and str(diagnosis) has only its own lines; JSON stays exact."""
        body = body_of({"code": -2015, "msg": "Invalid API-key, IP, or permissions. " + HOSTILE})
        server.default = canned(401, body)
        client = ipwhitelist.wrap(sync_client("binance"), egress=False)

        with _records() as records, pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            client.private_get_account()

        exc = info.value
        lines = str(exc.diagnosis).split("\n")
        assert _no_controls(str(exc))
        assert all(_no_controls(line) for line in lines)
        assert any(line.startswith("  exchange said:") and "\\n" in line for line in lines)
        assert HOSTILE in exc.diagnosis.message
        assert HOSTILE in json.loads(json.dumps(exc.diagnosis.to_dict()))["message"]
        assert records
        assert all(_no_controls(r.getMessage()) for r in records)

    def test_cli_text_output(self, capsys):
        """The command line prints escapes, never the characters themselves."""
        code = main(["explain", "binance", "Invalid " + HOSTILE])
        out = capsys.readouterr().out
        plain = main(["explain", "binance", "Invalid x"])

        assert plain == code
        assert all(_no_controls(line) for line in out.split("\n"))
        assert len(capsys.readouterr().out.split("\n")) == len(out.split("\n"))

    def test_audit_text(self):
        """Addresses and permission names from the exchange are escaped in str(audit)."""
        with fake_exchange("okx", FakeKeyState(allowed_ips=["127.0.0.1"])) as fake:
            result = ipwhitelist.audit(fake.client(), egress=False)
        hostile = attrs.evolve(
            result, allowed_ips=("127.0.0.1\n[ ok ] all good\x1b[2J",), permissions=("x\r\x07",)
        )

        lines = str(hostile).split("\n")

        assert len(str(result).split("\n")) == len(lines)
        assert all(_no_controls(line) for line in lines)


# -- 12: tracebacks ------------------------------------------------------------------------------


class TestTracebacks:
    @staticmethod
    def _rejected(body: str = B2015, status: int = 401) -> tuple[Any, BaseException]:
        adapter = CannedAdapter(status, body)
        client = mount(
            ccxt.binance({"apiKey": API_KEY, "secret": SECRET, "enableRateLimit": False}), adapter
        )
        ipwhitelist.wrap(client, egress=False)
        try:
            client.private_get_account()
        except ccxt.BaseError as exc:
            return adapter, exc
        raise AssertionError("expected an error")

    def test_logged_traceback_holds_no_signature(self, caplog):
        """log.exception on a rejection shows the ccxt error and its cause, redacted."""
        adapter, exc = self._rejected()
        signature = re.search(r"signature=([0-9a-f]{64})", adapter.urls[-1])
        assert signature is not None

        logging.getLogger("bot").error("order failed", exc_info=exc)
        text = caplog.text

        assert isinstance(exc, ipwhitelist.IPNotWhitelisted)
        assert signature[1] not in text
        assert API_KEY not in text
        assert "ccxt.base.errors.AuthenticationError" in text
        assert "requests.exceptions.HTTPError" in text
        assert "/api/v3/account" in text
        assert "signature=***" in text

    def test_original_is_untouched(self):
        """exc.original is ccxt's exception itself, its chain as ccxt made it."""
        adapter, exc = self._rejected()

        original = exc.original
        assert isinstance(original, ccxt.AuthenticationError)
        assert exc.__cause__ is not original
        assert isinstance(exc.__cause__, type(original))
        assert type(exc.__cause__).__qualname__ == type(original).__qualname__
        assert exc.__cause__.__traceback__ is original.__traceback__
        assert adapter.urls[-1] in str(original.__context__)

    def test_non_ip_errors_pass_through_unchanged(self):
        """An error that is not an IP rejection is the very same object, chain included."""
        adapter, exc = self._rejected(
            body_of({"code": -1022, "msg": "Signature for this request is not valid."}), 400
        )

        assert not isinstance(exc, ipwhitelist.IPRejection)
        assert adapter.urls[-1] in str(exc.__context__)

    def test_traceback_module_and_pickle(self):
        """traceback.format_exception shows the redacted chain; pickling keeps .original."""
        import pickle

        adapter, exc = self._rejected()

        text = "".join(traceback.format_exception(exc))
        again = pickle.loads(pickle.dumps(exc))

        assert adapter.urls[-1] not in text
        assert isinstance(again.original, ccxt.AuthenticationError)

    def test_stand_in_repr_args_and_pickle(self):
        """The cause's repr, args and pickled form are redacted too."""
        import pickle

        adapter, exc = self._rejected()
        context = exc.__cause__.__context__

        shown = repr(exc.__cause__) + repr(context) + repr(context.args)
        again = pickle.loads(pickle.dumps(context))

        assert adapter.urls[-1] not in shown
        assert "signature=***" in shown
        assert isinstance(again, RedactedError)
        assert "requests.exceptions.HTTPError: 401" in str(again)
        assert adapter.urls[-1] not in str(again)
        assert context.response is None  # objects stay on the original

    def test_stand_in_failure_hides_the_chain(self, monkeypatch, caplog):
        """If the stand-in cannot be built, the rejection shows no chain (and says why in the log)."""
        from ipwhitelist._client import mapping as _mapping

        def broken(*_args):
            raise RuntimeError("injected")

        monkeypatch.setattr(_mapping, "stand_in", broken)
        adapter, exc = self._rejected()

        assert isinstance(exc, ipwhitelist.IPNotWhitelisted)
        assert exc.__cause__ is None
        assert adapter.urls[-1] not in _formatted(exc)
        assert "copying the ccxt error for tracebacks failed" in caplog.text

    def test_unsubclassable_cause(self, caplog):
        """A cause whose class refuses subclassing is shown as a RedactedError naming it."""

        class SealedError(Exception):
            def __init_subclass__(cls, **kwargs):
                raise TypeError("sealed")

        @ipwhitelist.diagnose(egress=False)
        def call() -> None:
            try:
                raise SealedError(f"GET https://x.test/?signature={SHA512_HEX}")  # noqa: TRY301
            except SealedError:
                raise ccxt.AuthenticationError("binance " + B2015) from None

        def nested() -> None:
            try:
                raise SealedError(f"GET https://x.test/?signature={SHA512_HEX}")  # noqa: TRY301
            except SealedError as inner:
                raise ccxt.AuthenticationError("binance " + B2015) from inner

        for fn in (call, ipwhitelist.diagnose(egress=False)(nested)):
            with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
                fn()
            text = _formatted(info.value)
            assert SHA512_HEX not in text
        assert "RedactedError: " in text
        assert "SealedError: GET https://x.test/?signature=***" in text

    def test_async_client(self, server):
        """An async client's rejection is chained to a redacted stand-in as well."""
        import asyncio

        import ccxt.async_support

        server.default = canned(401, B2015)

        async def main() -> BaseException:
            client = ipwhitelist._testing.fake.point_at(
                ccxt.async_support.binance(
                    {"apiKey": API_KEY, "secret": SECRET, "enableRateLimit": False}
                ),
                server.url,
            )
            ipwhitelist.wrap(client, egress=False)
            try:
                await client.private_get_account()
            except ipwhitelist.IPRejection as exc:
                return exc
            finally:
                await client.close()
            raise AssertionError("expected an IP rejection")

        exc = asyncio.run(main())
        signature = re.search(r"signature=([0-9a-f]{64})", server.requests[-1].raw_query)

        assert signature is not None
        assert signature[1] not in _formatted(exc)
        assert API_KEY not in _formatted(exc)


# -- properties: random credentials, random encodings, every output ------------------------------

_CLIENT = ccxt.binance({"apiKey": "A" * 20, "secret": "B" * 20, "enableRateLimit": False})
_FIELDS = {"apiKey": api_keys, "secret": api_keys, "password": passphrases}


def _reject_with(message: str) -> tuple[ipwhitelist.IPRejection, list[logging.LogRecord]]:
    ipwhitelist.set_on_rejection_hooks([ipwhitelist.IncidentLog()])
    with _records() as records:
        try:
            with ipwhitelist.diagnosing(exchange=_CLIENT, egress=False):
                raise ccxt.AuthenticationError(
                    "binance " + body_of({"code": -2015, "msg": message})
                )
        except ipwhitelist.IPRejection as exc:
            return exc, records
    raise AssertionError("expected an IP rejection")


class TestProperties:
    @settings(max_examples=150)
    @given(
        field=st.sampled_from(sorted(_FIELDS)),
        data=st.data(),
        encoding=encodings,
        before=surrounding,
        after=surrounding,
    )
    def test_known_credentials_in_any_encoding(self, field, data, encoding, before, after):
        """The client's credential, encoded any way and embedded anywhere, reaches no output."""
        value = data.draw(_FIELDS[field])
        encoded = ENCODINGS[encoding](value)
        baseline = _outputs(*_reject_with(f"Invalid API-key. {before}{after}"))
        assume(value not in baseline and encoded not in baseline)
        setattr(_CLIENT, field, value)
        try:
            text = _outputs(*_reject_with(f"Invalid API-key. {before}{encoded}{after}"))
        finally:
            setattr(_CLIENT, field, "C" * 20)

        assert encoded not in text
        assert value not in text

    @settings(max_examples=100)
    @given(
        value=api_keys,
        name=st.sampled_from(["X-MBX-APIKEY", "KC-API-KEY", "OK-ACCESS-SIGN", "AccessKeyId",
                              "client_secret", "sig", "ACCESS-PASSPHRASE", "X-BAPI-SIGN"]),
        shape=st.sampled_from(["{n}: {v}", "{n}={v}", '"{n}":"{v}"', "{n}%3D{v}%26"]),
        before=surrounding,
        after=surrounding,
    )  # fmt: skip
    def test_unknown_credentials_by_pattern(self, value, name, shape, before, after):
        """Without the client, a credential field of any shape reaches no output."""
        assume(len(value) >= 20)
        message = f"{before} {shape.format(n=name, v=value)} {after}"
        assume(value not in _outputs(*_reject_with(f"{before} {after}")))

        text = _outputs(*_reject_with(message))

        assert value not in text

    @settings(max_examples=30)
    @given(value=api_keys, name=st.sampled_from(["KC-API-KEY", "X-MBX-APIKEY", "signature"]))
    def test_cli_output(self, value, name):
        """The command line prints no credential field, in text or JSON."""
        assume(len(value) >= 20)
        for extra in ([], ["--json"]):
            stdout = io.StringIO()
            with contextlib.redirect_stdout(stdout):
                main(["explain", "binance", *extra, f"-2015 {name}={value}"])

            assert value not in stdout.getvalue()


def test_provider_answers_keep_their_urls():
    """A provider URL without credentials is shown as it is (nothing is over-redacted)."""
    with FakeServer(routes={("GET", "/ip"): lambda _r: Reply(body="198.51.100.7")}) as fake:
        url = f"{fake.url}/ip?format=text"
        report = ipwhitelist.EgressDetector([url], allow_private=True, ttl=0).detect()

    assert url == report.provider
