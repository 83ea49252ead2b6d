"""The documented whitelist given to `wrap()`: addresses and networks an API key allows."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeAlias, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ._diagnosis import IPAddress

IPNetwork: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network


@runtime_checkable
class SupportsAllows(Protocol):
    """Anything that can say whether an exchange key allows an IP (e.g. a registry)."""

    def allows(self, exchange: str, ip: IPAddress) -> bool:
        """Return whether *ip* is documented as allowed for *exchange*."""


WhitelistLike: TypeAlias = (
    "Whitelist | SupportsAllows | str | os.PathLike[str] | Iterable[str | IPAddress | IPNetwork]"
)


class Whitelist:
    """
    A documented list of allowed addresses and networks (IPv4 and IPv6).

    Args:
        entries: Addresses (``"203.0.113.7"``) and CIDR networks
            (``"203.0.113.0/28"``, ``"2001:db8::/64"``).

    Raises:
        ValueError: An entry is not an address or network, or a network has
            host bits set (``"203.0.113.7/24"`` is almost always a typo).

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
        for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
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
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in network for network in self._networks if network.version == ip.version)

    def __contains__(self, ip: object) -> bool:
        if isinstance(ip, str):
            ip = ipaddress.ip_address(ip)
        if not isinstance(ip, ipaddress.IPv4Address | ipaddress.IPv6Address):
            return False
        return self.allows("", ip)

    def __repr__(self) -> str:
        return f"Whitelist({[str(n) for n in self._networks]!r})"


def _parse_entry(entry: str | IPAddress | IPNetwork) -> IPNetwork:
    if isinstance(entry, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return entry
    if isinstance(entry, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return ipaddress.ip_network(entry)
    if not isinstance(entry, str):
        raise TypeError(f"whitelist entries must be strings or ipaddress objects, not {entry!r}")
    text = entry.strip()
    try:
        return ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        if "host bits set" in str(exc):
            raise ValueError(
                f"{text!r} has host bits set; did you mean "
                f"{ipaddress.ip_network(text, strict=False)}?"
            ) from None
        raise ValueError(f"{text!r} is not an IP address or CIDR network") from None


def to_whitelist(value: WhitelistLike | None) -> Whitelist | SupportsAllows | None:
    """
    Normalise `wrap(whitelist=...)` into something with ``allows(exchange, ip)``.

    A ``.toml`` path is a `Registry`; other paths are plain lists, one entry per line.
    """
    if value is None or isinstance(value, Whitelist | SupportsAllows):
        return value
    if isinstance(value, str | os.PathLike) and Path(value).suffix == ".toml":
        from ._registry import Registry

        return Registry.load(value)
    if isinstance(value, os.PathLike):
        return Whitelist.load(value)
    if isinstance(value, str):
        try:
            return Whitelist([value])
        except ValueError:
            return Whitelist.load(value)
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
    from ._registry import Registry

    if isinstance(whitelist, Registry):
        whitelist = whitelist.for_client(exchange)
    if whitelist is not None and getattr(whitelist, "networks", None) == ():
        return None
    return whitelist
