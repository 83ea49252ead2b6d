"""Hypothesis strategies: addresses, exchange messages, secret-looking strings."""

from __future__ import annotations

import ipaddress

from hypothesis import strategies as st

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
