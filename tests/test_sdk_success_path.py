"""
What wrapping adds to an SDK's successful call, counted in Python calls (no timing).

The success path is measured as a ratio in benchmarks/; here the calls made in
ipwhitelist's own code per successful request are counted with
``sys.setprofile``, which is deterministic: one guard frame, the adapter's
check of the result, and the transport hook that keeps failed bodies.
"""

from __future__ import annotations

import json

import httpx
from okx.Account import AccountAPI
from pybit.unified_trading import HTTP

import ipwhitelist
from helpers import API_KEY, SECRET, CannedAdapter
from ipwhitelist._client import inline
from sdks import PASSPHRASE, own_calls


def test_pybit_success_runs_one_guard():
    """pybit's _submit_request: one guard for raised and returned errors, its result checked once."""
    made = HTTP(api_key=API_KEY, api_secret=SECRET)
    ok = json.dumps({"retCode": 0, "retMsg": "OK", "result": {"list": []}, "time": 1})
    made.client.mount("https://", CannedAdapter(200, ok))
    ipwhitelist.wrap(made, egress=False)
    # The guard, Pybit.result and the response hook on pybit's session.
    assert own_calls(lambda: made.get_wallet_balance(accountType="UNIFIED")) == 3


def test_okx_success_runs_only_the_result_check():
    """python-okx's _request has both guards written in: its result is checked once."""
    made = AccountAPI(API_KEY, SECRET, PASSPHRASE, flag="0")
    ok = json.dumps({"code": "0", "msg": "", "data": [{"totalEq": "1", "details": []}]})
    made._transport = httpx.MockTransport(lambda _request: httpx.Response(200, content=ok.encode()))
    made._mounts = {}
    ipwhitelist.wrap(made, egress=False)
    # Okx.result only: the guards are in python-okx's own _request (inline.py),
    # and the httpx response hook is a C-level setattr.
    assert inline.is_inlined(type(made)._request.__code__)
    assert own_calls(made.get_account_balance) == 1
