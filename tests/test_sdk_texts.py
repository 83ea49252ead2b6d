"""`ipwhitelist explain` and `doctor` with the exchanges' SDK error texts; the text reader."""

from __future__ import annotations

import json

import pytest
from binance.exceptions import BinanceAPIException
from binance_common.errors import UnauthorizedError
from hypothesis import given
from hypothesis import strategies as st
from pybit.exceptions import FailedRequestError, InvalidRequestError

import test_cli
from helpers import body_of
from ipwhitelist._cli.main import main
from ipwhitelist._client.sdk.texts import read, shapes
from test_cli import _run, documented_keys

MESSAGE = "Invalid API-key, IP, or permissions for action."
# Messages as exchanges write them: no quotes or parentheses that end the SDKs' formats.
messages = (
    st.text(
        alphabet=st.characters(
            codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="'\"()\\"
        ),
        min_size=1,
        max_size=80,
    )
    .map(str.strip)
    .filter(bool)
)
codes = st.integers(min_value=-99999, max_value=999999)


class TestRead:
    @given(code=codes, message=messages)
    def test_python_binance(self, code, message):
        """str() of a real BinanceAPIException reads back to its code and message."""
        exc = BinanceAPIException(None, 401, body_of({"code": code, "msg": message}))

        found = read(f"binance.exceptions.BinanceAPIException: {exc}")

        assert ("python-binance", str(code), message) == (found.sdk, found.code, found.message)

    @given(code=codes, message=messages)
    def test_pybit_invalid_request(self, code, message):
        """str() of a real InvalidRequestError reads back to its code and message."""
        exc = InvalidRequestError("GET https://api.bybit.com/v5/x: ", message, code, "10:00:00", {})

        found = read(str(exc))

        assert ("pybit", str(code), message) == (found.sdk, found.code, found.message)

    @given(status=st.sampled_from([401, 403, 404, 451, 502]))
    def test_pybit_failed_request(self, status):
        """A FailedRequestError says only the HTTP status, and the note says the body is lost."""
        exc = FailedRequestError("GET x: ", "HTTP status code is not 200.", status, "t", {})

        found = read(str(exc))

        assert (status, None) == (found.http_status, found.code)
        assert "drops the body" in found.note

    @given(code=codes, message=messages)
    def test_modular(self, code, message):
        """str() of a binance-common error (code where the status goes) reads back."""
        found = read(str(UnauthorizedError(message, code)))

        assert ("binance-sdk", str(code), message) == (found.sdk, found.code, found.message)

    @given(text=st.text(max_size=200))
    def test_never_raises(self, text):
        """Any text: a reading or None, never an exception."""
        found = read(text)

        assert found is None or found.sdk

    def test_connector_text(self):
        """binance-connector's ClientError prints its args tuple."""
        found = read(f"(401, -2015, '{MESSAGE}', {{'Content-Type': 'application/json'}})")

        assert ("binance-connector", "-2015", 401) == (found.sdk, found.code, found.http_status)


class TestExplain:
    @pytest.mark.parametrize(
        ("exchange", "text", "sdk"),
        [
            ("binance", f"APIError(code=-2015): {MESSAGE}", "python-binance"),
            ("binance", f"(401, -2015, '{MESSAGE}', {{}})", "binance-connector"),
            ("binanceusdm", f"(-2015, '{MESSAGE}')", "binance-sdk"),
            (
                "bybit",
                (
                    "Unmatched IP, please check your API key's bound IP addresses. (ErrCode: 10010) "
                    "(ErrTime: 10:00:00).\nRequest → GET https://api.bybit.com/v5/account: ."
                ),
                "pybit",
            ),
            (
                "okx",
                "{'code': '50110', 'msg': 'Your IP 203.0.113.7 is not included.'}",
                "python-okx",
            ),
        ],
    )
    def test_sdk_text_is_an_ip_rejection(self, capsys, exchange, text, sdk):
        """A pasted SDK error text is read and recognised, with the documented JSON keys."""
        code = main(["explain", exchange, text, "--json"])

        data = json.loads(capsys.readouterr().out)
        assert (0, sdk, True) == (code, data["sdk"], data["ip_rejection"])
        assert documented_keys("explain") == set(data)

    def test_pybit_status_only_says_why_it_cannot_tell(self, capsys):
        """pybit's 'Http status code is not 200.': unknown, and the note says the body is lost."""
        code = main(["explain", "bybit", "Http status code is not 200. (ErrCode: 403)"])

        out = capsys.readouterr().out
        assert 1 == code
        assert "drops the body" in out


class TestDoctor:
    def test_sdk_shapes_of_a_refused_key(self, tmp_path):
        """doctor on a Bybit key refused by IP shows how pybit reports it."""
        from ipwhitelist._testing.exchanges import FakeKeyState, fake_exchange

        state = FakeKeyState(allowed_ips=["203.0.113.7"])
        helper = test_cli.TestAgainstFakeExchanges
        with fake_exchange("bybit", state) as fake:
            config = helper._config(tmp_path, fake, "bybit")
            env = helper._env(state, "bybit")
            done = _run("doctor", "--json", "--no-egress", "--config", str(config), env=env)
            text = _run("doctor", "--no-egress", "--config", str(config), env=env)

        key = json.loads(done.stdout)["keys"][0]
        assert key["sdk_errors"]["pybit"].startswith("InvalidRequestError: ")
        assert "(ErrCode: 10010)" in key["sdk_errors"]["pybit"]
        assert "pybit: InvalidRequestError" in text.stdout
        assert state.secret not in done.stdout + text.stdout

    def test_shapes_read_back(self):
        """What doctor prints for each SDK is what `read` recognises (the two agree)."""
        for name, shape in shapes("binance", "-2015", 401, MESSAGE).items():
            found = read(shape.removeprefix("returns ").split(" from ")[0])
            assert (name, "-2015") == (found.sdk, found.code), shape
