"""Hypothesis strategies: addresses, exchange messages, secret-looking strings."""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from typing import TYPE_CHECKING
from urllib.parse import quote, quote_plus

from hypothesis import strategies as st

if TYPE_CHECKING:
    from collections.abc import Callable

ipv4 = st.integers(min_value=0, max_value=2**32 - 1).map(ipaddress.IPv4Address)
ipv6 = (
    st.integers(min_value=0, max_value=2**128 - 1)
    .map(ipaddress.IPv6Address)
    .filter(lambda ip: ip.ipv4_mapped is None)
)
ips = st.one_of(ipv4, ipv6)

# Credentials as exchanges issue them: long alphanumeric keys and secrets, and
# passphrases with punctuation.
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
api_keys = st.text(alphabet=_ALNUM, min_size=16, max_size=64)
passphrases = st.text(
    alphabet=st.characters(codec="ascii", exclude_categories=("Cc",)), min_size=6, max_size=32
)
secrets = st.one_of(api_keys, passphrases)

# Message templates in which exchanges embed the IP they saw.
IP_TEMPLATES = (
    "Invalid API-key, IP, or permissions for action, request ip: {ip}",
    "Your IP {ip} is not included in your API key's IP whitelist.",
    "Way too many requests; IP({ip}) banned until 1659761931230.",
    "Request IP not in whitelist: {ip}",
    "IP [{ip}] not in the ip white list",
    "Invalid request ip, the current clientIp is:{ip}",
)
messages_with_ip = st.tuples(st.sampled_from(IP_TEMPLATES), ips).map(
    lambda pair: (pair[0].format(ip=pair[1]), pair[1])
)

# Registry files. Networks packed into two documentation ranges (public, not
# too broad), so random lists often repeat, nest and overlap.
_V4_BASE = int(ipaddress.IPv4Address("198.51.100.0"))
_V6_BASE = int(ipaddress.IPv6Address("2001:db8::"))
small_networks = st.one_of(
    st.tuples(st.integers(0, 255), st.integers(24, 32)).map(
        lambda p: ipaddress.IPv4Network((_V4_BASE + p[0], p[1]), strict=False)
    ),
    st.tuples(st.integers(0, 255), st.integers(120, 128)).map(
        lambda p: ipaddress.IPv6Network((_V6_BASE + p[0], p[1]), strict=False)
    ),
)


def _disjoint(networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    return not any(
        a.version == b.version and (a.subnet_of(b) or b.subnet_of(a))  # type: ignore[arg-type]
        for i, a in enumerate(networks)
        for b in networks[:i]
    )


_labels = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-0123456789", min_size=1, max_size=8)
_fingerprints = st.one_of(
    st.none(), st.text(alphabet="0123456789abcdef", min_size=8, max_size=16).map("sha256:".__add__)
)
#: (exchange, label, [entry texts], fingerprint or None) per key of a valid registry.
registry_entries = st.lists(
    st.tuples(
        st.sampled_from(["kraken", "bybit", "okx", "kucoin"]),
        _labels,
        st.lists(small_networks, max_size=6, unique=True)
        .filter(_disjoint)
        .map(lambda ns: [str(n) for n in ns]),
        _fingerprints,
    ),
    min_size=1,
    max_size=5,
    unique_by=lambda entry: (entry[0], entry[1]),
)

# Hostile registry text: TOML fragments (valid and broken) glued together.
_fragments = st.sampled_from(
    [
        "[binance.main]\n",
        "[okx.a]\n",
        "[[binance]]\n",
        "[binance.main.migration]\n",
        'ips = ["203.0.113.7"]\n',
        'ips = ["::ffff:10.0.0.1", "fe80::1%eth0"]\n',
        "ips = [1, 2]\n",
        "ips = [[[[[\n",
        'ips = ["203.0.113.0/24", "203.0.113.7"]\n',
        'fingerprint = "sha256:zz"\n',
        "environment = 3\n",
        "notes = '''\n",
        'to = "203.0.113.8"\nfrom = ["203.0.113.7"]\nstep = "add"\n',
        "version = 2\n",
        "allow_private = true\n",
        "a = {b = {c = {d = [1, {e = 2}]}}}\n",
        "x = 1979-05-27T07:32:00Z\n",
        '"\\u0000" = 1\n',
        "]]]]\n",
        "#\n",
    ]
)
registry_texts = st.one_of(
    st.lists(st.one_of(_fragments, st.text(max_size=20)), max_size=12).map("".join),
    st.text(max_size=200),
)
# Credentials reach text in the forms that requests, JSON encoders and auth
# headers give them: each function takes a credential and returns how it appears.


def _b64_inside(value: str) -> str:
    # Embedded in a longer base64 blob (a JSON payload header, Basic auth):
    # the bytes before it shift its encoding, so every alignment is tried.
    return base64.b64encode(b'{"key":"' + value.encode() + b'","nonce":1}').decode()


ENCODINGS: dict[str, Callable[[str], str]] = {
    "raw": lambda v: v,
    "quote": lambda v: quote(v, safe=""),
    "quote-slash": quote,
    "quote-lower": lambda v: re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), quote(v, safe="")),
    "quote_plus": lambda v: quote_plus(v, safe=""),
    "quote_plus-lower": lambda v: re.sub(
        r"%[0-9A-F]{2}", lambda m: m[0].lower(), quote_plus(v, safe="")
    ),
    "json": lambda v: json.dumps(v)[1:-1],
    "json-slash": lambda v: json.dumps(v)[1:-1].replace("/", "\\/"),
    "base64": lambda v: base64.b64encode(v.encode()).decode(),
    "base64url": lambda v: base64.urlsafe_b64encode(v.encode()).decode().rstrip("="),
    "base64-inside": _b64_inside,
}
encodings = st.sampled_from(sorted(ENCODINGS))

# Text around a credential: anything printable, including separators that
# credential fields use (=, :, &, quotes).
surrounding = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40
)

# Control characters that forge log lines or drive terminals: C0, DEL, C1,
# and Unicode line separators and bidi overrides.
CONTROLS = (
    [chr(c) for c in range(0x20)]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + ["\u2028", "\u2029", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u061c"]
    + ["\u200e", "\u200f", "\u2066", "\u2067", "\u2068", "\u2069", "\ufeff"]
)
controls = st.sampled_from(CONTROLS)
hostile_text = st.lists(
    st.one_of(controls, st.text(alphabet=st.characters(codec="ascii"), max_size=8)), max_size=12
).map("".join)
