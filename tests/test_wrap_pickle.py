"""
Pickling and copying wrapped clients (sync, async and ccxt.pro).

A wrapped client pickles as the ccxt client does and comes back wrapped, with
the same settings: the same detector configuration (the process default stays
"the default" of the loading process), whitelist and address family. copy and
deepcopy give independent wrapped clients.
"""

from __future__ import annotations

import copy
import pickle

import ccxt
import ccxt.async_support
import ccxt.pro
import pytest

import ipwhitelist
from helpers import API_KEY, B2015, CREDENTIALS, SECRET, CannedAdapter, mount
from ipwhitelist._egress.detector import default_detector

MODULES = [ccxt, ccxt.async_support, ccxt.pro]
IDS = ["sync", "async", "pro"]


def roundtrip(client):
    return pickle.loads(pickle.dumps(client))


def settings_of(client):
    """What a user can observe of a client's wrap() options."""
    from ipwhitelist._client.wrap import _settings

    settings = _settings(client)
    detector = settings.egress
    return (
        None if detector is None else (detector.providers, detector.timeout, detector.ttl),
        None if settings.whitelist is None else settings.whitelist.networks,
        settings.family,
    )


@pytest.mark.parametrize("module", MODULES, ids=IDS)
class TestPickle:
    def test_comes_back_wrapped_with_the_same_settings(self, module):
        """The unpickled client is wrapped, of the same ccxt class, with the same options."""
        detector = ipwhitelist.EgressDetector(["https://ip.test/"], timeout=1.5, ttl=60)
        client = ipwhitelist.wrap(
            module.binance(CREDENTIALS), egress=detector, whitelist=["203.0.113.0/24"], family=4
        )

        restored = roundtrip(client)

        assert ipwhitelist.is_wrapped(restored)
        assert type(module.binance(CREDENTIALS)) is type(ipwhitelist.unwrap(roundtrip(client)))
        assert settings_of(client) == settings_of(restored)
        assert (API_KEY, SECRET) == (restored.apiKey, restored.secret)

    def test_adds_no_secret_to_ccxts_own_pickle(self, module):
        """The credentials appear in the pickle exactly as often as in ccxt's own."""
        plain = pickle.dumps(module.binance(CREDENTIALS))
        wrapped = pickle.dumps(
            ipwhitelist.wrap(
                module.binance(CREDENTIALS),
                egress=ipwhitelist.EgressDetector(["https://ip.test/"]),
                family=6,
            )
        )

        for secret in (API_KEY, SECRET):
            assert plain.count(secret.encode()) == wrapped.count(secret.encode())

    def test_default_detector_stays_the_default(self, module, monkeypatch):
        """wrap(egress=True) unpickles with the loading process's default detector."""
        monkeypatch.setenv("IPWHITELIST_EGRESS", "on")
        client = ipwhitelist.wrap(module.binance(CREDENTIALS))

        restored = roundtrip(client)

        from ipwhitelist._client.wrap import _settings

        assert _settings(restored).egress is default_detector()

    def test_copy_and_deepcopy_are_wrapped_and_independent(self, module):
        """copy and deepcopy give wrapped clients; unwrapping one leaves the other wrapped."""
        client = ipwhitelist.wrap(
            module.binance(CREDENTIALS),
            egress=ipwhitelist.EgressDetector(["https://ip.test/"]),
            family=4,
        )

        shallow, deep = copy.copy(client), copy.deepcopy(client)
        ipwhitelist.unwrap(shallow)

        assert (False, True, True) == tuple(map(ipwhitelist.is_wrapped, (shallow, deep, client)))
        assert settings_of(client) == settings_of(deep)


def test_unpickled_sync_client_raises_typed_rejections():
    """The unpickled sync client classifies a rejection like the original."""
    client = ipwhitelist.wrap(ccxt.binance(CREDENTIALS), egress=False, whitelist=["203.0.113.7"])

    restored = mount(roundtrip(client), CannedAdapter(401, B2015))

    with pytest.raises(ipwhitelist.IPNotWhitelisted) as info:
        restored.private_get_account()
    assert "-2015" == info.value.diagnosis.code


def test_family_pin_survives_and_unwrap_restores_the_users_adapters():
    """A pinned sync client comes back pinned; unwrap() then gives back the client's own adapters."""
    client = ccxt.binance(CREDENTIALS)
    own = {prefix: type(adapter) for prefix, adapter in client.session.adapters.items()}
    ipwhitelist.wrap(client, egress=False, family=6)

    restored = roundtrip(client)
    pinned = {prefix: a.source for prefix, a in restored.session.adapters.items()}
    ipwhitelist.unwrap(restored)

    assert {"https://": ("::", 0), "http://": ("::", 0)} == pinned
    assert own == {prefix: type(a) for prefix, a in restored.session.adapters.items()}


def test_async_pin_of_a_copy_belongs_to_the_copy():
    """A copied pinned async client gets its own session hook, not the original's."""
    client = ipwhitelist.wrap(ccxt.async_support.binance(CREDENTIALS), egress=False, family=4)

    duplicate = copy.copy(client)

    assert vars(duplicate)["open"] is not vars(client)["open"]
    assert duplicate in [c.cell_contents for c in vars(duplicate)["open"].__closure__]
