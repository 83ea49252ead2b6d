"""The SDK integration as a whole: recognition by module path, no imports, pickling across processes."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest
from binance.client import Client
from binance.exceptions import BinanceAPIException

import ipwhitelist
from helpers import API_KEY, B2015, SECRET, CannedAdapter
from ipwhitelist._sdk import adapter_for
from sdks import binance_loop  # noqa: F401 - an autouse fixture


def _run(code: str) -> str:
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout


class TestRecognition:
    def test_no_sdk_is_imported(self):
        """Importing ipwhitelist and wrapping a ccxt client imports no SDK."""
        out = _run(
            "import sys, ccxt, ipwhitelist; ipwhitelist.wrap(ccxt.binance(), egress=False);"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in"
            " {'binance', 'pybit', 'okx', 'binance_common', 'binance_sdk_spot'}))"
        )

        assert "[]" == out.strip()

    def test_unknown_object_is_refused(self):
        """Neither ccxt nor a known SDK: TypeError, as before."""

        class Client:  # same name, other module
            pass

        with pytest.raises(TypeError, match="supported SDK client"):
            ipwhitelist.wrap(Client())

    def test_unwrap_of_a_plain_object_does_nothing(self):
        """unwrap() on something never wrapped returns it unchanged."""
        thing = object()

        assert thing is ipwhitelist.unwrap(thing)

    def test_exceptions_find_their_adapter(self):
        """An SDK's exception is recognised by its module; a builtin one is not."""
        error = BinanceAPIException(None, 401, B2015)

        assert "python-binance" == adapter_for(error).name
        assert adapter_for(ValueError("x")) is None


class TestPickle:
    def test_round_trip_in_a_fresh_process(self):
        """A combined rejection pickled here loads in a process that never built its class."""
        made = ipwhitelist.wrap(Client(API_KEY, SECRET, ping=False), egress=False)
        made.session.mount("https://", CannedAdapter(401, B2015))
        with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
            made.get_account()
        data = pickle.dumps(info.value)

        code = (
            "import pickle, sys, ipwhitelist; from binance.exceptions import "
            "BinanceAPIException as B; e = pickle.loads(sys.stdin.buffer.read());"
            "print(isinstance(e, B), isinstance(e, ipwhitelist.IPNotWhitelisted), e.code,"
            " e.diagnosis.code)"
        )
        loaded = subprocess.run(  # noqa: S603 - our own interpreter and code
            [sys.executable, "-c", code],
            input=data,
            capture_output=True,
            check=True,
        ).stdout.decode()

        assert "True True -2015 -2015" == loaded.strip()
