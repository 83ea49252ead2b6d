"""
The one way an IP address or network enters the library.

Every address that comes from outside (an exchange's message, an egress
provider's answer, the registry file, ``whitelist=``, the command line) goes
through `parse_ip` or `parse_network`, so the rules are the same everywhere:

* the whole text must be one address: ``999.1.1.1`` is not ``99.1.1.1``;
* an IPv6 scope/zone id (``fe80::1%eth0``) is refused: it names an interface
  of the host that wrote it, never an address another host can see or whitelist;
* an IPv4-mapped IPv6 address (``::ffff:203.0.113.7``) is the IPv4 address it
  maps: that is what an exchange compares with an IPv4 whitelist.
"""

from __future__ import annotations

import ipaddress
from typing import Literal, TypeAlias

__all__ = [
    "AddressFamily",
    "IPAddress",
    "IPNetwork",
    "non_source",
    "parse_ip",
    "parse_network",
    "unmap",
]

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network
#: An IP version: 4 or 6 (the "address family"; a ccxt class's ancestors are its lineage).
AddressFamily: TypeAlias = Literal[4, 6]

# IPv4-mapped IPv6 addresses are ::ffff:0:0/96 (RFC 4291 section 2.5.5.2).
_MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")
_MAPPED_PREFIX = 96


def unmap(ip: IPAddress) -> IPAddress:
    """Return the IPv4 address an IPv4-mapped IPv6 address stands for; else *ip*."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


# A tuple, not ``IPv4Address | IPv6Address``: that union is a new object on every call.
_ADDRESSES = (ipaddress.IPv4Address, ipaddress.IPv6Address)


def parse_ip(value: str | IPAddress) -> IPAddress:
    """
    Parse one whole IP address, strictly.

    Args:
        value: The address as text (surrounding whitespace is ignored) or an
            `ipaddress` object.

    Returns:
        The address, IPv4-mapped IPv6 addresses unmapped to IPv4.

    Raises:
        ValueError: *value* is not exactly one IP address, or carries a scope id.
    """
    if isinstance(value, _ADDRESSES):
        ip: IPAddress = value
    elif isinstance(value, str):
        ip = ipaddress.ip_address(value.strip())
    else:
        raise TypeError(f"an IP address must be text, not {type(value).__name__}")
    if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id is not None:
        raise ValueError(
            f"{value!r} carries an IPv6 scope id: it names an interface of one host, "
            "not an address an exchange can see"
        )
    return unmap(ip)


def parse_network(value: str | IPNetwork, *, strict: bool = True) -> IPNetwork:
    """
    Parse one address or CIDR network, strictly.

    Args:
        value: ``"203.0.113.7"``, ``"198.51.100.0/28"``, ``"2001:db8::/48"``,
            or an `ipaddress` network object.
        strict: Refuse a network with host bits set (``10.0.0.1/24``), as
            `ipaddress.ip_network` does.

    Returns:
        The network; an IPv4-mapped IPv6 network (``::ffff:203.0.113.0/120``)
        becomes the IPv4 network it maps (``203.0.113.0/24``).

    Raises:
        ValueError: *value* is not one address or network, or carries a zone id.
    """
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        network: IPNetwork = value
    elif isinstance(value, str):
        text = value.strip()
        if "%" in text:
            raise ValueError(
                f"{value!r} carries an IPv6 zone id: it names an interface of one host, "
                "not an address an exchange can see"
            )
        network = ipaddress.ip_network(text, strict=strict)
    else:
        raise TypeError(f"an IP network must be text, not {type(value).__name__}")
    if (
        isinstance(network, ipaddress.IPv6Network)
        and network.prefixlen >= _MAPPED_PREFIX
        and network.subnet_of(_MAPPED)
    ):
        mapped = unmap(network.network_address)
        return ipaddress.IPv4Network(f"{mapped}/{network.prefixlen - _MAPPED_PREFIX}")
    return network


# Addresses no request reaches an exchange from over the internet, with what
# they are. Documentation ranges (203.0.113.0/24, 2001:db8::/32) are absent on
# purpose: examples and the test suite use them as public addresses.
_NOT_SOURCES: tuple[tuple[IPNetwork, str], ...] = tuple(
    (ipaddress.ip_network(network), kind)
    for network, kind in (
        ("0.0.0.0/8", "an unspecified"),
        ("127.0.0.0/8", "a loopback"),
        ("10.0.0.0/8", "a private (RFC 1918)"),
        ("172.16.0.0/12", "a private (RFC 1918)"),
        ("192.168.0.0/16", "a private (RFC 1918)"),
        ("100.64.0.0/10", "a carrier-grade NAT"),
        ("169.254.0.0/16", "a link-local"),
        ("224.0.0.0/4", "a multicast"),
        ("240.0.0.0/4", "a reserved (or broadcast)"),
        ("::/128", "an unspecified"),
        ("::1/128", "a loopback"),
        ("fe80::/10", "a link-local"),
        ("fec0::/10", "a site-local"),
        ("fc00::/7", "a unique-local (private)"),
        ("ff00::/8", "a multicast"),
    )
)


def non_source(ip: IPAddress) -> str | None:
    """
    What *ip* is when it cannot be the source of a request over the internet, else ``None``.

    ``"a loopback"``, ``"a private (RFC 1918)"``, ``"a multicast"``...: an
    exchange that names such an address, or an egress provider that answers
    one, is not stating the address a request came from (a proxy or load
    balancer forwarded it, or the answer is wrong). IPv4-mapped addresses are
    judged as the IPv4 address they map.
    """
    ip = unmap(ip)
    return next(
        (kind for network, kind in _NOT_SOURCES if network.version == ip.version and ip in network),
        None,
    )
