"""What a lookup found: `EgressReport`, and why it found nothing (`failure`)."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

import attrs

from .._core.address import parse_ip

if TYPE_CHECKING:
    from .._core.diagnosis import IPAddress

__all__ = ["EgressReport", "failure"]


def _to_v4(value: str | ipaddress.IPv4Address | None) -> ipaddress.IPv4Address | None:
    # parse_ip: an IPv4-mapped IPv6 address is the IPv4 address it maps.
    ip = None if value is None else parse_ip(value)
    if ip is not None and not isinstance(ip, ipaddress.IPv4Address):
        raise ValueError(f"ipv4 must be an IPv4 address, not {value!r}")
    return ip


def _to_v6(value: str | ipaddress.IPv6Address | None) -> ipaddress.IPv6Address | None:
    # An IPv4-mapped address is IPv4 egress, and a scope id is not an address.
    ip = None if value is None else parse_ip(value)
    if ip is not None and not isinstance(ip, ipaddress.IPv6Address):
        raise ValueError(f"ipv6 must be an IPv6 address, not {value!r} (IPv4)")
    return ip


@attrs.frozen(kw_only=True)
class EgressReport:
    """
    The public IPs this host uses to reach the internet.

    Attributes:
        ipv4: The IPv4 egress address, if found.
        ipv6: The IPv6 egress address, if found.
        provider: URL of the provider whose answer came first, if any.
        elapsed: Seconds the lookup took (0.0 for a cached answer's original lookup time).
        errors: One line per provider that gave no address and whose answer
            was still wanted, saying why ("timed out after 2.0 s",
            "connect failed: …", "HTTP 503", …).
        answers: Every ``(provider URL, address)`` answer received; in
            agreement mode, one per provider that answered.

    Added in *0.1.0*.
    """

    ipv4: ipaddress.IPv4Address | None = attrs.field(default=None, converter=_to_v4)
    ipv6: ipaddress.IPv6Address | None = attrs.field(default=None, converter=_to_v6)
    provider: str | None = None
    elapsed: float = 0.0
    errors: tuple[str, ...] = ()
    answers: tuple[tuple[str, IPAddress], ...] = ()

    @property
    def ips(self) -> tuple[IPAddress, ...]:
        """The detected addresses, IPv4 first."""
        return tuple(ip for ip in (self.ipv4, self.ipv6) if ip is not None)

    @property
    def distinct(self) -> tuple[IPAddress, ...]:
        """Every distinct address the providers answered, in order of arrival."""
        return tuple(dict.fromkeys(ip for _, ip in self.answers))

    @property
    def agreed(self) -> bool | None:
        """
        Whether all answers of each family name the same address.

        ``None`` with fewer than two answers. ``False`` is a finding, not
        noise: behind a NAT pool (Kubernetes nodes without a NAT gateway, cloud
        NAT with several IPs, serverless) different connections leave from
        different addresses, and each one must be on the key's whitelist.
        """
        if len(self.answers) < 2:  # noqa: PLR2004
            return None
        per_family: dict[int, set[IPAddress]] = {}
        for _, ip in self.answers:
            per_family.setdefault(ip.version, set()).add(ip)
        return all(len(ips) == 1 for ips in per_family.values())


def failure(report: EgressReport) -> str | None:
    """
    Why a lookup found no address, in one line (``None`` when it found one).

    The providers' own reasons, by host: the diagnosis shows this line.
    """
    if report.ips:
        return None
    reasons = "; ".join(report.errors) or "no provider answered"
    return reasons if len(reasons) <= _FAILURE_CAP else reasons[: _FAILURE_CAP - 1] + "…"


_FAILURE_CAP = 600
