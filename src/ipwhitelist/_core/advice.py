"""The ordered steps that restore trading, per kind of rejection and exchange."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .diagnosis import IPAddress, Kind

__all__ = ["steps"]


# Cached: a bot that lost its whitelist gets the same steps on every rejection,
# and the same tuple lets the diagnosis skip re-scrubbing them (redact.scrub_lines).
@functools.lru_cache(maxsize=256)
def steps(
    kind: Kind,
    key_page: str,
    seen_ip: IPAddress | None,
    *,
    ambiguous: bool,
    reported: bool = True,
) -> tuple[str, ...]:
    """
    Return the ordered remediation for a rejection.

    *key_page* says where the exchange's key whitelist is edited (the
    exchange module's ``KEY_PAGE``). *seen_ip* is the address to act on;
    *reported* says whether the exchange
    named it (otherwise it is this host's egress, and is not quoted as what
    the exchange saw).
    """
    ip = str(seen_ip) if seen_ip is not None else "this host's egress IP"
    review = (
        "Once trading works again, review open positions and open orders, and confirm each "
        "position has an exchange-side stop-loss: the bot could not manage them meanwhile."
    )
    if kind == "ip_banned":
        return (
            (
                "Stop sending requests from this IP until the ban ends: every request during a "
                "ban can extend it."
            ),
            (
                "Find what exceeded the limits (request weight, order rate, reconnect loops) and "
                "throttle it; use websocket streams for market data."
            ),
            "Do not switch IPs to evade the ban; wait, then resume at a lower rate.",
            review,
        )
    if kind == "geo_restricted":
        return (
            f"Check where {ip} is located: the exchange refuses service to that location.",
            (
                "Run the bot from a server in a jurisdiction the exchange serves, and move the "
                "key's IP whitelist to that server's static IP."
            ),
            (
                "If the server should be eligible, check for a VPN, proxy or cloud region that "
                "routes traffic through a restricted country."
            ),
            review,
        )
    first = (
        f"Check this host's egress IP (`ipwhitelist egress`); the exchange saw {ip}."
        if seen_ip is not None and reported
        else f"Check this host's egress IP (`ipwhitelist egress`): here it is {ip}."
        if seen_ip is not None
        else "Check this host's egress IP (`ipwhitelist egress`) and which one the exchange sees."
    )
    result = [
        first,
        f"Compare it with the key's IP whitelist on the exchange: {key_page}.",
        f"Add {ip} to the key's whitelist (add the new IP before removing an old one).",
        (
            "Find out why the IP changed (dynamic ISP address, new server, serverless or container "
            "NAT pool, VPN/proxy, IPv6 instead of IPv4) and give the bot a static egress IP."
        ),
        review,
    ]
    if ambiguous:
        result.insert(
            3,
            "If the IP is already on the key's whitelist, the key is the problem: check the "
            "API key/secret pair, live vs. testnet, and that the key has the permission for "
            "this action (e.g. futures or spot trading enabled).",
        )
    return tuple(result)
