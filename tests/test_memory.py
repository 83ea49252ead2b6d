"""Diagnoses must not keep the exchange client (or its credentials) alive."""

from __future__ import annotations

import contextlib
import gc
import pickle
import weakref

import ccxt
import pytest

import ipwhitelist
from helpers import B2015, CannedAdapter, mount

SECRET = "s" * 64


def rejection():
    client = ccxt.binance({"apiKey": "k" * 64, "secret": SECRET, "enableRateLimit": False})
    ipwhitelist.wrap(mount(client, CannedAdapter(401, B2015)), egress=False)
    ref = weakref.ref(client)
    try:
        client.private_get_account()
    except ipwhitelist.IPNotWhitelisted as exc:
        return ref, exc.diagnosis
    raise AssertionError("expected a rejection")


def test_diagnosis_does_not_pin_the_client():
    """Once the exception is gone, keeping its diagnosis does not keep the client alive."""
    ref, diagnosis = rejection()
    gc.collect()

    assert ref() is None
    assert SECRET not in pickle.dumps(diagnosis).decode("latin-1")


@pytest.mark.parametrize("count", [2000])
def test_rejections_do_not_accumulate(count):
    """Many caught rejections leave no growing state behind (objects tracked by gc)."""
    client = ipwhitelist.wrap(
        mount(
            ccxt.binance({"apiKey": "k" * 64, "secret": SECRET, "enableRateLimit": False}),
            CannedAdapter(401, B2015),
        ),
        egress=False,
    )

    def burst(n):
        for _ in range(n):
            with contextlib.suppress(ipwhitelist.IPNotWhitelisted):
                client.private_get_account()

    burst(200)
    gc.collect()
    before = len(gc.get_objects())
    burst(count)
    gc.collect()
    after = len(gc.get_objects())

    # A handful of objects may come and go (caches warming); 2,000 rejections
    # must not leave thousands behind.
    assert after - before < 200
