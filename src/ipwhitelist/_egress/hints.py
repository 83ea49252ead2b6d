"""
Environment clues that explain an unexpected egress IP.

Each hint names what was noticed and its one-line consequence and fix. Only
cheap, local checks (environment variables and a couple of files): this runs on
the rejection path.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING

from .._core.address import non_source, unmap
from .._core.assess import PRIVATE_ADDRESS_HINT
from .._core.diagnosis import Hint, IPAddress

if TYPE_CHECKING:
    import ipaddress
    from collections.abc import Callable, Iterable, Mapping

__all__ = [
    "address_hints",
    "client_hints",
    "environment_hints",
    "network_interfaces",
    "process_hints",
]

_SERVERLESS: tuple[tuple[str, str, str], ...] = (
    (
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS Lambda",
        (
            "Lambda egress comes from a shared AWS pool that changes: run it in a VPC with a NAT "
            "gateway and an Elastic IP, and whitelist that Elastic IP."
        ),
    ),
    (
        "K_SERVICE",
        "Google Cloud Run / Cloud Functions (2nd gen)",
        (
            "Cloud Run egress is shared and changes: use a Serverless VPC connector or Direct VPC "
            "egress with Cloud NAT and a reserved static IP."
        ),
    ),
    (
        "FUNCTION_TARGET",
        "Google Cloud Functions",
        (
            "Cloud Functions egress is shared and changes: route through a VPC connector with "
            "Cloud NAT and a reserved static IP."
        ),
    ),
    (
        "FUNCTIONS_WORKER_RUNTIME",
        "Azure Functions",
        (
            "Azure Functions outbound IPs are shared and can change: use VNet integration with a "
            "NAT gateway and a static public IP."
        ),
    ),
    (
        "VERCEL",
        "Vercel",
        (
            "Vercel functions have no fixed egress IP: use Vercel Secure Compute or a static-IP "
            "proxy, and whitelist that IP."
        ),
    ),
    (
        "DYNO",
        "Heroku",
        (
            "Heroku dynos have no fixed egress IP: use a static-IP add-on or proxy for the "
            "exchange client only, and whitelist that IP."
        ),
    ),
)

# Interface names of WireGuard, OpenVPN/tun/tap, PPP, Tailscale, ZeroTier,
# NordLynx and similar tunnels.
_TUNNEL_PREFIXES = ("wg", "tun", "tap", "ppp", "tailscale", "zt", "nordlynx", "proton", "utun")


def network_interfaces() -> list[str]:
    """Names of this host's network interfaces (Linux; empty elsewhere)."""
    try:
        return [path.name for path in Path("/sys/class/net").iterdir()]
    except OSError:
        return []


_PROXY_VARIABLES = (
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
)


def environment_hints(
    environ: Mapping[str, str] | None = None,
    exists: Callable[[str], bool] = os.path.exists,
    interfaces: Callable[[], Iterable[str]] = network_interfaces,
) -> tuple[Hint, ...]:
    """Return hints about the process environment (serverless, containers, proxies)."""
    env = os.environ if environ is None else environ
    hints = [
        Hint(name="serverless", summary=f"running on {platform}", fix=fix)
        for variable, platform, fix in _SERVERLESS
        if env.get(variable)
    ]
    if env.get("KUBERNETES_SERVICE_HOST"):
        hints.append(
            Hint(
                name="kubernetes",
                summary="running in a Kubernetes pod",
                fix="pod egress is the node's or the NAT gateway's IP and changes when the pod "
                "moves: route the bot through a NAT gateway or egress gateway with static IPs "
                "and whitelist all of them.",
            )
        )
    elif exists("/.dockerenv") or exists("/run/.containerenv"):
        hints.append(
            Hint(
                name="container",
                summary="running in a container",
                fix="the container's egress is the host's (or its proxy's) public IP, not the "
                "container's address: whitelist the host's public egress IP.",
            )
        )
    tunnels = sorted(name for name in interfaces() if name.startswith(_TUNNEL_PREFIXES))
    if tunnels:
        hints.append(
            Hint(
                name="vpn",
                summary=f"VPN or tunnel interfaces are up ({', '.join(tunnels)})",
                fix="traffic may leave through the VPN: the exchange then sees the VPN's exit "
                "IP, which the provider can change; whitelist it or route the bot outside the "
                "tunnel.",
            )
        )
    proxies = sorted({name.upper() for name in _PROXY_VARIABLES if env.get(name)})
    if proxies:
        hints.append(
            Hint(
                name="proxy_environment",
                summary=f"proxy variables are set ({', '.join(proxies)})",
                fix="requests may leave through that proxy: the exchange sees the proxy's IP, "
                "so whitelist the proxy's egress IP or unset the variables for the bot.",
            )
        )
    return tuple(hints)


@functools.cache
def process_hints() -> tuple[Hint, ...]:
    """
    `environment_hints` for this process, computed once.

    The environment of a running bot does not change between rejections, and
    this runs on the rejection path; ``process_hints.cache_clear()`` forgets it.
    """
    return environment_hints()


def client_hints(proxy: str | None, *, from_environment: bool = False) -> tuple[Hint, ...]:
    """Return hints about the route the client's requests take (its proxy, if any)."""
    if not proxy:
        return ()
    return (
        Hint(
            name="client_proxy",
            summary="the client's requests go through a proxy from the environment "
            "(its HTTP session trusts HTTPS_PROXY and friends)"
            if from_environment
            else "the ccxt client is configured with a proxy",
            fix="the exchange sees the proxy's egress IP, not this host's: whitelist the "
            "proxy's IP (egress detection goes through the same proxy).",
        ),
    )


def address_hints(
    reported_ip: IPAddress | None,
    egress_ips: Iterable[IPAddress],
    whitelist_networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network] = (),
    pinned: int | None = None,
) -> tuple[Hint, ...]:
    """Return hints from the addresses themselves (IPv6 egress, private or CGNAT addresses)."""
    hints = []
    # ::ffff:a.b.c.d is the IPv4 address a.b.c.d: neither IPv6 nor anything else.
    reported_ip = unmap(reported_ip) if reported_ip is not None else None
    kind = non_source(reported_ip) if reported_ip is not None else None
    # An address no request comes from says nothing about the family used.
    source = reported_ip if kind is None else None
    egress = [unmap(ip) for ip in egress_ips]
    seen = [source] if source is not None else egress
    networks = list(whitelist_networks)
    families = {n.version for n in networks}
    if any(ip.version == 6 for ip in seen) and networks and 6 not in families:  # noqa: PLR2004
        hints.append(
            Hint(
                name="ipv6_egress",
                summary="this host reaches the internet over IPv6, the documented whitelist "
                "holds only IPv4",
                fix="the exchange may see the IPv6 address: add it to the key if the exchange "
                "accepts IPv6, or pin the client to IPv4 with wrap(..., family=4).",
            )
        )
    elif pinned is None and source is None and {ip.version for ip in egress} == {4, 6}:
        hints.append(
            Hint(
                name="dual_stack",
                summary="this host has both IPv4 and IPv6 egress and the client is not pinned "
                "to either",
                fix="the exchange may see either address: whitelist both, or pin the client "
                "with wrap(..., family=4) (or 6) to the one on the key.",
            )
        )
    if kind is not None:
        hints.append(
            Hint(
                name=PRIVATE_ADDRESS_HINT,
                summary=f"the exchange reports {kind} address ({reported_ip}), which no "
                "request comes from over the internet",
                fix="a proxy or load balancer in front of the exchange client forwards it: "
                "whitelist the public egress IP of that hop.",
            )
        )
    return tuple(hints)
