"""
The rules that judge a key's `Facts` into `Finding` objects (pure).

The rules: no IP restriction, withdrawals enabled, expiry (of the key or its
trading permission, and what the exchange's module says becomes of keys
without bound IPs), this host's
egress missing from the whitelist, drift from the documented whitelist, the
exchange's entry limit, and CIDR ranges too broad to restrict anything.
`judge` runs them all and sorts the findings, most severe first.

What an endpoint does not report (``None``) is never read as "no": an
unrestricted key whose permissions are unknown is judged as one that may
trade. Entries the exchange masks (KuCoin's ``203.**.154``) are compared by
their visible parts only, and an info finding says so.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeAlias

from .._core.address import parse_ip, parse_network
from .._core.keyfacts import Facts, Finding, Restrictions, when
from .._exchanges import all_restrictions, limits_for, title

if TYPE_CHECKING:
    from collections.abc import Iterable


__all__ = ["judge"]

_RANK: dict[str, int] = {"critical": 0, "warning": 1, "info": 2}
_EXPIRY_WARNING = timedelta(days=14)
_EXPIRY_CRITICAL = timedelta(days=3)
_NEAR_LIMIT = 0.8
# Narrower than a /24 (IPv4) or a /48 (IPv6, a typical site allocation) is
# what one customer plausibly owns; anything broader lets others through.
_MIN_PREFIX = {4: 24, 6: 48}

Network: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network


def _network(entry: str) -> Network | None:
    # parse_network: ::ffff:203.0.113.0/120 is 203.0.113.0/24 on either list,
    # and an entry with a zone id is no network.
    try:
        return parse_network(entry, strict=False)
    except ValueError:
        return None


def _masked(entry: str) -> bool:
    return "*" in entry


def _fits(masked: str, value: str) -> bool:
    """Whether *value* agrees with the visible parts of a masked entry (``203.**.154``)."""
    parts = re.split(r"\*+", masked.strip())
    return re.fullmatch(".+".join(map(re.escape, parts)), _canonical(value)) is not None


def _covered(entry: str, networks: list[Network]) -> bool:
    network = _network(entry)
    return network is not None and any(
        network.version == other.version and network.subnet_of(other)  # type: ignore[arg-type]
        for other in networks
    )


def _canonical(entry: str) -> str:
    network = _network(entry)
    if network is None:
        return entry.strip()
    single = network.prefixlen == network.max_prefixlen
    return str(network.network_address if single else network)


def _join(values: Iterable[str]) -> str:
    return ", ".join(values) or "none"


def _where(egress_ips: tuple[str, ...]) -> str:
    if egress_ips:
        return f"this host's egress IP ({', '.join(egress_ips)})"
    return "your server's fixed egress IP (`ipwhitelist egress` shows it)"


def _restriction(name: str, facts: Facts, where: str) -> list[Finding]:
    findings = []
    if facts.ip_restricted is None:
        # Not reported is not "restricted": never a silent OK.
        findings.append(
            Finding(
                code="ip-restriction-unknown",
                severity="warning",
                message=f"{name}'s answer does not say whether the key is restricted to IP "
                "addresses: nothing here shows that other addresses are refused.",
                fix=f"Check the key on {name}'s API management page, or prove it with "
                "`ipwhitelist check --proxy URL` through a non-whitelisted proxy.",
            )
        )
    if facts.ip_restricted is False:
        rights = (("trade", facts.can_trade), ("withdraw", facts.can_withdraw))
        risky = [w for w, on in rights if on]
        # Unknown is not "no": the key may well trade or withdraw.
        unknown = [w for w, on in rights if on is None]
        if risky:
            tail = f" and it can {' and '.join(risky)}"
        elif unknown:
            tail = f" and {name} does not report whether it can {' or '.join(unknown)}"
        else:
            tail = ""
        findings.append(
            Finding(
                code="no-ip-restriction",
                severity="critical" if risky or unknown else "warning",
                message="The key has no IP restriction: it works from any address on the "
                "internet" + tail + ".",
                fix=f"On {name}'s API management page, restrict the key to {where}.",
            )
        )
    if facts.can_withdraw:
        findings.append(
            Finding(
                code="withdrawals-enabled",
                severity="warning",
                message="The key can withdraw funds: whoever holds the key and secret (and "
                "passes the IP check) can move assets off the exchange.",
                fix="Turn withdrawals off for this key: a trading bot needs read and trade only. "
                "Keep withdrawals, if at all, on a separate IP-restricted key.",
            )
        )
    return findings


def _expiry(restrictions: Restrictions, facts: Facts, now: datetime, where: str) -> list[Finding]:
    findings = []
    expires = facts.expires_at
    what = restrictions.expiring
    if expires is not None and expires - now <= _EXPIRY_WARNING:
        fix = restrictions.expiry_fix(facts, where) or (
            "Create a new key before then and switch the bot to it."
        )
        findings.append(
            Finding(
                code="key-expiring",
                severity="critical" if expires - now <= _EXPIRY_CRITICAL else "warning",
                message=f"{what[0].upper()}{what[1:]} {when(expires, now)}.",
                fix=fix,
            )
        )
    if facts.ip_restricted is False:
        # What this exchange does to keys without an IP restriction (its module says).
        findings.extend(restrictions.unrestricted(facts, now, where))
    return findings


def _egress_findings(
    facts: Facts, egress_ips: tuple[str, ...], egress_error: str | None
) -> list[Finding]:
    findings = []
    if egress_error is not None:
        findings.append(
            Finding(
                code="egress-unknown",
                severity="info",
                message=f"This host's egress IP could not be detected ({egress_error}); whether "
                "it is on the key's whitelist was not checked.",
                fix="Allow outbound HTTPS to the what-is-my-IP providers, or pass "
                "egress=EgressReport(...) or an EgressDetector whose providers you can reach.",
            )
        )
    allowed = facts.allowed_ips
    if not facts.ip_restricted or allowed is None or not egress_ips:
        return findings
    networks = [n for e in allowed if not _masked(e) for n in [_network(e)] if n is not None]
    masks = [e for e in allowed if _masked(e)]
    missing = [
        ip
        for ip in egress_ips
        if not any(parse_ip(ip) in n for n in networks) and not any(_fits(m, ip) for m in masks)
    ]
    if missing:
        partly = len(missing) < len(egress_ips)
        findings.append(
            Finding(
                code="egress-not-allowed",
                severity="warning" if partly else "critical",
                message=f"This host's egress {_join(missing)} is not on the key's whitelist "
                f"({_join(allowed)})"
                + (
                    ": requests that leave over that address (the other address family, "
                    "another NAT address) are rejected."
                    if partly
                    else ": private calls from this host are rejected."
                ),
                fix=f"Add {_join(missing)} to the key's whitelist on the exchange (and to the "
                "documented list), or route the bot through an address that is listed.",
            )
        )
    return findings


def _list_findings(
    name: str, exchange_id: str, facts: Facts, documented: tuple[str, ...] | None
) -> list[Finding]:
    findings: list[Finding] = []
    allowed = facts.allowed_ips
    if allowed is None:
        return []
    if documented is not None:
        masks = [e for e in allowed if _masked(e)]
        ours = {_canonical(e) for e in documented}
        theirs = {_canonical(e) for e in allowed if not _masked(e)}
        added = sorted(theirs - ours) + [m for m in masks if not any(_fits(m, o) for o in ours)]
        missing = sorted(o for o in ours - theirs if not any(_fits(m, o) for m in masks))
        parts = [f"on the exchange but not documented: {', '.join(added)}"] if added else []
        parts += [f"documented but not on the exchange: {', '.join(missing)}"] if missing else []
        if parts:
            findings.append(
                Finding(
                    code="registry-drift",
                    severity="warning",
                    message=f"The documented whitelist differs from the key's list on {name}: "
                    + "; ".join(parts)
                    + ".",
                    fix="Make them agree: update the documented list to what the key allows, or "
                    "change the key on the exchange, so diagnoses and migrations start from "
                    "the truth.",
                )
            )
    # Entry limits and their sources live in the exchange's module.
    limits = limits_for(exchange_id)
    if (
        limits is not None
        and limits.max_entries
        and len(allowed) >= _NEAR_LIMIT * limits.max_entries
    ):
        full = len(allowed) >= limits.max_entries
        findings.append(
            Finding(
                code="near-limit",
                severity="warning" if full else "info",
                message=f"The key uses {len(allowed)} of the {limits.max_entries} IP entries "
                f"{name} allows"
                + (": there is no room for a new egress address." if full else "."),
                fix="Remove addresses nothing uses any more before you need to add a new one.",
            )
        )
    for entry in allowed:
        network = _network(entry)
        if network is None or network.prefixlen >= _MIN_PREFIX[network.version]:
            continue
        everything = network.prefixlen == 0
        findings.append(
            Finding(
                code="broad-cidr",
                severity="critical" if everything else "warning",
                message=f"{entry} allows every IPv{network.version} address: the whitelist "
                "restricts nothing."
                if everything
                else f"{entry} allows {network.num_addresses:,} addresses: anyone in that "
                "range passes the IP check.",
                fix=f"Replace {entry} with the exact egress addresses, or the narrowest range "
                "your provider assigns to you alone.",
            )
        )
    return findings


def _mask_findings(
    name: str, facts: Facts, egress_ips: tuple[str, ...], documented: tuple[str, ...] | None
) -> list[Finding]:
    masks = [e for e in facts.allowed_ips or () if _masked(e)]
    if not masks:
        return []
    plain = [n for e in facts.allowed_ips or () if not _masked(e) for n in [_network(e)] if n]
    # Addresses (egress, documented) that only a masked entry can account for.
    guessed = [
        value
        for value in (*egress_ips, *(documented or ()))
        if any(_fits(m, value) for m in masks) and not _covered(value, plain)
    ]
    return [
        Finding(
            code="masked-ips",
            severity="info",
            message=f"{name} masks {len(masks)} of the key's {len(facts.allowed_ips or ())} IP "
            f"entries ({', '.join(masks)}): they were compared by their visible parts only"
            + (
                f"; the match found for {', '.join(dict.fromkeys(guessed))} is likely, not certain."
                if guessed
                else "."
            ),
            fix=f"Compare the full list on {name}'s API management page with the documented "
            "one if an address matters; the API does not show it.",
        )
    ]


def judge(
    root: str,
    exchange_id: str,
    facts: Facts,
    *,
    egress_ips: tuple[str, ...],
    egress_error: str | None,
    documented: tuple[str, ...] | None,
    now: datetime,
) -> tuple[Finding, ...]:
    """
    Every finding for *facts* (pure), most severe first.

    *root* is the ccxt id whose exchange module declares the endpoint (the
    root of the client's lineage, such as ``"binance"``).
    """
    restrictions = all_restrictions()[root]
    name = title(root)
    where = _where(egress_ips)
    findings = [
        *_restriction(name, facts, where),
        *_expiry(restrictions, facts, now, where),
        *_egress_findings(facts, egress_ips, egress_error),
        *_list_findings(name, exchange_id, facts, documented),
        *_mask_findings(name, facts, egress_ips, documented),
    ]
    return tuple(sorted(findings, key=lambda f: _RANK[f.severity]))
