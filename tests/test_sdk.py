"""The SDK integration as a whole: recognition by module path, no imports, pickling across processes."""

from __future__ import annotations

import asyncio
import pickle
import subprocess
import sys

import pytest
from binance.client import Client
from binance.exceptions import BinanceAPIException

import ipwhitelist
from helpers import API_KEY, B2015, SECRET, CannedAdapter
from ipwhitelist._client.sdk import adapter_for
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


class TestProxies:
    """The egress lookup goes through the proxy each SDK client is configured with."""

    PROXY = "http://127.0.0.9:3128"

    def test_async_client_https_proxy(self):
        """python-binance AsyncClient(https_proxy=...)."""
        from binance.async_client import AsyncClient

        async def build():
            made = AsyncClient(API_KEY, SECRET, https_proxy=self.PROXY)
            await made.close_connection()
            return made

        made = asyncio.run(build())

        assert self.PROXY == adapter_for(made).view(made).httpsProxy

    def test_pybit_session_proxies(self):
        """pybit: the proxies of its requests session."""
        from pybit.unified_trading import HTTP

        made = HTTP(api_key=API_KEY, api_secret=SECRET)
        made.client.proxies = {"https": self.PROXY}

        assert self.PROXY == adapter_for(made).view(made).httpsProxy

    def test_okx_proxy(self):
        """python-okx: the proxy its httpx client was built with."""
        from okx.Account import AccountAPI

        made = AccountAPI(API_KEY, SECRET, "passphrase-1", flag="0", proxy=self.PROXY)

        assert self.PROXY == adapter_for(made).view(made).httpsProxy
        made.close()

    def test_modular_proxy(self):
        """The modular SDKs: ConfigurationRestAPI(proxy={...}), credentials kept out of repr."""
        from binance_common.configuration import ConfigurationRestAPI
        from binance_sdk_spot.spot import Spot

        proxy = {"protocol": "http", "host": "127.0.0.9", "port": 3128}
        made = Spot(ConfigurationRestAPI(api_key=API_KEY, api_secret=SECRET, proxy=proxy))
        view = adapter_for(made).view(made.rest_api)

        assert self.PROXY == view.httpsProxy
        assert API_KEY not in repr(view)
