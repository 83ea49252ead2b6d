"""
Validation of a parsed registry file: every rule, with the file, line, table and value.

Each address goes through `_address.parse_network` (zone ids refused,
IPv4-mapped entries unmapped) before the public-address, breadth, limit,
duplicate and overlap checks.
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Any

from .._core.address import non_source, parse_network
from .._core.ccxt_ids import exchange_ids
from .._exchanges import limits_for
from .fingerprint import FINGERPRINT
from .model import ENVIRONMENTS, MIGRATION_STEPS, KeyEntry, Migration, RegistryError, entry_text

if TYPE_CHECKING:
    from collections.abc import Mapping

    from .._core.address import IPAddress, IPNetwork

__all__ = ["Validator"]

#: The other obvious spellings of an environment, and the name the registry keeps.
_ENVIRONMENT_SPELLINGS = {
    "production": "prod",
    "prd": "prod",
    "stage": "staging",
    "stg": "staging",
    "development": "dev",
    "develop": "dev",
    "testing": "test",
    "sandbox": "test",
}
_KEY_FIELDS = ("ips", "environment", "fingerprint", "notes", "migration")
_MIGRATION_FIELDS = ("to", "from", "step")
_SETTINGS = ("version", "allow_private")
# Networks this wide are never a whitelist, they are a typo or a way around
# one; `audit` warns about merely broad ones (shorter than /24 or /48).
_BROAD_V4, _BROAD_V6 = 8, 16
_IPV6 = 6


def _local(address: IPAddress) -> bool:
    """Loopback, link-local, private, CGNAT, multicast, reserved: never an egress (`non_source`).

    Documentation ranges (203.0.113.0/24, 2001:db8::/32) pass: they are what examples use.
    """
    return non_source(address) is not None


def _first_clash(networks: list[IPNetwork]) -> tuple[int, int] | None:
    """
    The first entry (in list order) that repeats or overlaps an earlier one, and that one.

    CIDR networks are either nested or disjoint, so sorted by (version, start,
    prefix length) the networks containing an entry are exactly those still
    open on a stack when it is reached: one sort and one sweep, O(n log n),
    instead of comparing every pair. Each stack level remembers the smallest
    list index below it, which yields the earliest-ending clashing pair.
    """
    order = sorted(
        range(len(networks)),
        key=lambda k: (
            networks[k].version,
            int(networks[k].network_address),
            networks[k].prefixlen,
        ),
    )
    later: int | None = None
    stack: list[tuple[int, int, int]] = []  # (version, last address, lowest index so far)
    for k in order:
        network = networks[k]
        start = int(network.network_address)
        while stack and (stack[-1][0] != network.version or stack[-1][1] < start):
            stack.pop()
        lowest = k
        if stack:
            lowest = min(k, stack[-1][2])
            pair_end = max(k, stack[-1][2])
            later = pair_end if later is None else min(later, pair_end)
        stack.append((network.version, int(network.broadcast_address), lowest))
    if later is None:
        return None
    target = networks[later]
    earlier = next(
        i
        for i in range(later)
        if networks[i].version == target.version
        and (
            networks[i].subnet_of(target)  # type: ignore[arg-type]
            or target.subnet_of(networks[i])  # type: ignore[arg-type]
        )
    )
    return later, earlier


class Validator:
    """Turns parsed TOML into `KeyEntry` objects, or a precise `RegistryError`."""

    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self.lines = text.splitlines()
        self.allow_private = False

    def fail(self, reason: str, table: str | None = None, value: object = None) -> RegistryError:
        return RegistryError(self.source, reason, table=table, line=self.locate(table, value))

    def locate(self, table: str | None, value: object) -> int | None:
        """Best-effort line of *value* inside *table* (tomllib keeps no positions)."""
        start = 0
        if table is not None:
            header = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(map(re.escape, table.split("."))))
            found = next((i for i, line in enumerate(self.lines) if header.match(line)), None)
            if found is None:
                return None
            start = found
        if value is None:
            return start + 1 if table is not None else None
        needle = str(value)
        for i in range(start, len(self.lines)):
            if needle in self.lines[i]:
                return i + 1
        return start + 1 if table is not None else None

    def keys(self, data: Mapping[str, Any]) -> list[KeyEntry]:
        allow = data.get("allow_private", False)
        if not isinstance(allow, bool):
            raise self.fail("allow_private must be true or false", value="allow_private")
        self.allow_private = allow
        version = data.get("version", 1)
        if version != 1:
            raise self.fail(f"unsupported registry version {version!r} (this is version 1)")
        entries: list[KeyEntry] = []
        for exchange, keys in data.items():
            if exchange in _SETTINGS:
                continue
            if exchange not in exchange_ids():
                near = difflib.get_close_matches(exchange, exchange_ids(), n=1)
                hint = f"; did you mean {near[0]!r}?" if near else ""
                raise self.fail(f"unknown exchange {exchange!r} (not a ccxt id){hint}", exchange)
            if not isinstance(keys, dict) or not keys:
                raise self.fail(
                    f"[{exchange}] must contain one table per key, e.g. [{exchange}.main]",
                    exchange,
                )
            for label, body in keys.items():
                entries.append(self.key(exchange, label, body))
        return entries

    def key(self, exchange: str, label: str, body: object) -> KeyEntry:
        table = f"{exchange}.{label}"
        if not isinstance(body, dict):
            raise self.fail(f"{table} must be a table with an 'ips' list", exchange, label)
        for field in body:
            if field not in _KEY_FIELDS:
                near = difflib.get_close_matches(field, _KEY_FIELDS, n=1)
                hint = f"; did you mean {near[0]!r}?" if near else ""
                raise self.fail(
                    f"unknown field {field!r} (expected {', '.join(_KEY_FIELDS)}){hint}",
                    table,
                    field,
                )
        if "ips" not in body:
            raise self.fail("missing 'ips', the list of whitelisted addresses", table)
        raw = body["ips"]
        if not isinstance(raw, list) or not all(isinstance(v, str) for v in raw):
            raise self.fail('ips must be a list of strings, e.g. ips = ["203.0.113.7"]', table)
        networks = self.networks(exchange, table, raw)
        environment: Any = body.get("environment")
        if environment is not None:
            spelt = environment.strip().lower() if isinstance(environment, str) else environment
            environment = _ENVIRONMENT_SPELLINGS.get(spelt, spelt)
        if environment is not None and environment not in ENVIRONMENTS:
            raise self.fail(
                f"environment {body['environment']!r} is not one of {', '.join(ENVIRONMENTS)} "
                "(production, development, stage and testing are accepted for them too)",
                table,
                body["environment"],
            )
        fingerprint = body.get("fingerprint")
        if fingerprint is not None and (
            not isinstance(fingerprint, str) or not FINGERPRINT.match(fingerprint)
        ):
            # Never echo the value: it may be the API key pasted by mistake.
            raise self.fail(
                "fingerprint must look like 'sha256:3f9a0c1e' (run `ipwhitelist fingerprint`); "
                "never store the API key itself",
                table,
                "fingerprint",
            )
        notes = body.get("notes", "")
        if not isinstance(notes, str):
            raise self.fail("notes must be a string", table, "notes")
        return KeyEntry(
            exchange=exchange,
            label=label,
            networks=networks,
            environment=environment,
            fingerprint=fingerprint,
            notes=notes,
            migration=self.migration(table, body.get("migration")),
        )

    def networks(self, exchange: str, table: str, raw: list[str]) -> tuple[IPNetwork, ...]:
        limits = limits_for(exchange)
        # The count first: a list far over the limit is refused before any work.
        if limits is not None and limits.max_entries is not None and len(raw) > limits.max_entries:
            raise self.fail(
                f"{len(raw)} entries, but {exchange} accepts at most "
                f"{limits.max_entries} per key (source: {limits.sources[0]})",
                table,
            )
        networks: list[IPNetwork] = []
        for text in raw:
            network = self.network(table, text)
            if limits is not None and limits.cidr is False and network.num_addresses > 1:
                raise self.fail(
                    f"{text!r}: {exchange} does not accept CIDR networks "
                    f"(source: {limits.sources[0]})",
                    table,
                    text,
                )
            if limits is not None and limits.ipv6 is False and network.version == _IPV6:
                raise self.fail(
                    f"{text!r}: {exchange} does not accept IPv6 addresses "
                    f"(source: {limits.sources[0]})",
                    table,
                    text,
                )
            networks.append(network)
        clash = _first_clash(networks)
        if clash is not None:
            later, earlier = clash
            text = raw[later]
            if networks[later] == networks[earlier]:
                raise self.fail(f"{text!r} is listed twice", table, text)
            raise self.fail(f"{text!r} overlaps {raw[earlier]!r}", table, text)
        return tuple(networks)

    def network(self, table: str, text: str) -> IPNetwork:
        stripped = text.strip()
        if stripped != text or not text:
            raise self.fail(f"{text!r} has surrounding spaces or is empty", table, text.strip())
        if any(sep in text for sep in ",; "):
            raise self.fail(
                f"{text!r} holds several entries; give each its own string in the list",
                table,
                text,
            )
        try:
            # The one parser: zone ids refused, IPv4-mapped entries unmapped, so
            # the duplicate, overlap, breadth and public checks see the real address.
            network = parse_network(text)
        except ValueError as exc:
            if "host bits set" in str(exc):
                fixed = parse_network(text, strict=False)
                raise self.fail(
                    f"{text!r} has host bits set; did you mean '{fixed}'?", table, text
                ) from None
            if "%" in text:
                raise self.fail(
                    f"{text!r} carries an IPv6 zone id: it names an interface of one host, "
                    "not an address an exchange can see",
                    table,
                    text,
                ) from None
            raise self.fail(f"{text!r} is not an IP address or CIDR network", table, text) from None
        broad = _BROAD_V6 if network.version == _IPV6 else _BROAD_V4
        if network.prefixlen < broad:
            raise self.fail(
                f"{text!r} is far too broad for a whitelist (/{network.prefixlen}); "
                "list the egress addresses",
                table,
                text,
            )
        # A local address in a whitelist was copied from `ip addr` by mistake:
        # the exchange only ever sees the public egress of the NAT in front.
        address = network.network_address
        if not self.allow_private and _local(address):
            raise self.fail(
                f"{text!r} is not a public address; exchanges only see your public egress IP "
                "(run `ipwhitelist egress`)",
                table,
                text,
            )
        return network

    def migration(self, table: str, raw: object) -> Migration | None:
        if raw is None:
            return None
        where = f"{table}.migration"
        if not isinstance(raw, dict) or set(raw) != set(_MIGRATION_FIELDS):
            raise self.fail("migration must have exactly 'to', 'from' and 'step'", where)
        to, old, step = raw["to"], raw["from"], raw["step"]
        if step not in MIGRATION_STEPS:
            raise self.fail(
                f"migration step {step!r} is not one of {', '.join(MIGRATION_STEPS)}", where, step
            )
        if not isinstance(old, list) or not all(isinstance(v, str) for v in old):
            raise self.fail("migration 'from' must be a list of strings", where)
        for text in (to, *old):
            if not isinstance(text, str):
                raise self.fail("migration addresses must be strings", where)
        to_network = self.network(where, to)
        old_networks = [self.network(where, text) for text in old]
        return Migration(
            to=entry_text(to_network), old=tuple(map(entry_text, old_networks)), step=step
        )
