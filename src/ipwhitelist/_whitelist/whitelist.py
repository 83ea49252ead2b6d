"""The documented whitelist given to `wrap()`: addresses and networks an API key allows."""

from __future__ import annotations

import errno
import ipaddress
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from .._core.address import parse_ip, parse_network, unmap
from .._core.assess import SupportsAllows
from .._core.bounded import read_text_bounded

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .._core.diagnosis import IPAddress

__all__ = [
    "IPNetwork",
    "Whitelist",
    "WhitelistLike",
    "documented_for",
    "to_whitelist",
]

IPNetwork: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network


WhitelistLike: TypeAlias = (
    "Whitelist | SupportsAllows | str | os.PathLike[str] | Iterable[str | IPAddress | IPNetwork]"
)


class Whitelist:
    """
    A documented list of allowed addresses and networks (IPv4 and IPv6).

    Args:
        entries: Addresses (``"203.0.113.7"``) and CIDR networks
            (``"203.0.113.0/28"``, ``"2001:db8::/64"``). IPv4-mapped IPv6
            entries (``"::ffff:203.0.113.7"``) are the IPv4 address they map.

    Raises:
        ValueError: An entry is not an address or network, carries an IPv6
            zone id (``"fe80::1%eth0"``), or a network has host bits set
            (``"203.0.113.7/24"`` is almost always a typo).

    Added in *0.1.0*.
    """

    __slots__ = ("_networks",)

    def __init__(self, entries: Iterable[str | IPAddress | IPNetwork]) -> None:
        networks = [_parse_entry(entry) for entry in entries]
        self._networks = tuple(dict.fromkeys(networks))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Whitelist:
        """
        Read a plain-text whitelist: one address or network per line, ``#`` starts a comment.

        Raises:
            ValueError: A line is invalid; the message names the file and line.
            OSError: The file cannot be read.
        """
        entries = []
        for number, raw in enumerate(read_text_bounded(path).splitlines(), 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            try:
                entries.append(_parse_entry(line))
            except ValueError as exc:
                raise ValueError(f"{os.fspath(path)}:{number}: {exc}") from None
        return cls(entries)

    @property
    def networks(self) -> tuple[IPNetwork, ...]:
        """The documented networks; single addresses are /32 or /128 networks."""
        return self._networks

    def allows(self, exchange: str, ip: IPAddress) -> bool:  # noqa: ARG002
        """Return whether *ip* is in one of the documented networks (any exchange)."""
        ip = unmap(ip)
        return any(ip in network for network in self._networks if network.version == ip.version)

    def __contains__(self, ip: object) -> bool:
        if isinstance(ip, str):
            ip = parse_ip(ip)
        if not isinstance(ip, ipaddress.IPv4Address | ipaddress.IPv6Address):
            return False
        return self.allows("", ip)

    def __repr__(self) -> str:
        return f"Whitelist({[str(n) for n in self._networks]!r})"


def _parse_entry(entry: str | IPAddress | IPNetwork) -> IPNetwork:
    if isinstance(entry, ipaddress.IPv4Address | ipaddress.IPv6Address):
        entry = ipaddress.ip_network(parse_ip(entry))
    if not isinstance(entry, str | ipaddress.IPv4Network | ipaddress.IPv6Network):
        raise TypeError(f"whitelist entries must be strings or ipaddress objects, not {entry!r}")
    try:
        # The one parser (zone ids refused, IPv4-mapped unmapped), as for the registry.
        return parse_network(entry.strip() if isinstance(entry, str) else entry)
    except ValueError as exc:
        if "host bits set" in str(exc):
            raise ValueError(
                f"{entry!r} has host bits set; did you mean "
                f"{ipaddress.ip_network(str(entry).strip(), strict=False)}?"
            ) from None
        if "zone id" in str(exc) or "scope id" in str(exc):
            raise
        raise ValueError(f"{entry!r} is not an IP address or CIDR network") from None


# A token that is meant as an address or network (possibly a mistyped one):
# dotted digits or text with a colon, an optional /prefix and %zone. Anything
# else in a whitelist= string makes the string a file path.
_ADDRESS_LIKE = re.compile(r"(?:[0-9.]+|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)(?:/[0-9]*)?(?:%\S*)?")
_SEPARATORS = re.compile(r"[,\s]+")


def to_whitelist(value: WhitelistLike | None) -> Whitelist | SupportsAllows | None:
    """
    Normalise `wrap(whitelist=...)` into something with ``allows(exchange, ip)``.

    A string whose parts, separated by commas or whitespace, all look like
    addresses or CIDR networks is a list of them (``"203.0.113.7,198.51.100.0/28"``,
    the usual environment-variable style); an empty string documents nothing
    (``None``). Any other string, and a path object, is a file: ``.toml`` a
    `Registry`, anything else a plain list with one entry per line.

    Raises:
        FileNotFoundError: The file does not exist (the message names it).
        ValueError: An address or network is invalid (the message names it).
    """
    if value is None or isinstance(value, Whitelist | SupportsAllows):
        return value
    if isinstance(value, str):
        tokens = [t for t in _SEPARATORS.split(value) if t]
        if not tokens:
            return None
        if all(_ADDRESS_LIKE.fullmatch(t) for t in tokens):
            return Whitelist(tokens)
    if isinstance(value, str | os.PathLike):
        path = Path(value)
        if not path.exists():
            raise FileNotFoundError(
                errno.ENOENT,
                f"whitelist file {os.fspath(value)!r} does not exist (whitelist= takes a file, "
                "addresses separated by commas or spaces, a list, or a Registry)",
                os.fspath(value),
            )
        if path.suffix == ".toml":
            from .registry import Registry  # noqa: PLC0415 - lazy: the registry modules load with the first .toml whitelist

            return Registry.load(path)
        return Whitelist.load(path)
    return Whitelist(value)


def documented_for(
    whitelist: Whitelist | SupportsAllows | None, exchange: object
) -> Whitelist | SupportsAllows | None:
    """
    The documented list that counts for *exchange* (a ccxt client or id), or ``None``.

    A registry documents several keys: only the entry of the key in use
    counts, picked by `Registry.for_client` (the one rule everything follows);
    no entry means nothing is documented for this key. An empty list documents
    nothing either: on an exchange, an empty whitelist means "any IP". With
    ``None`` a diagnosis says the egress is neither on nor off the list.
    """
    from .registry import Registry  # noqa: PLC0415 - lazy: the registry modules load with the first .toml whitelist

    if isinstance(whitelist, Registry):
        whitelist = whitelist.for_client(exchange)
    if whitelist is not None and getattr(whitelist, "networks", None) == ():
        return None
    return whitelist
