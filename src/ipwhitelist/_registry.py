"""
The documented whitelist: which addresses each API key allows, in a TOML file.

```toml
# ipwhitelist registry: one table per exchange (ccxt id) and key label.
[binance.main]
environment = "prod"
fingerprint = "sha256:3f9a0c1e"    # `ipwhitelist fingerprint`, never the key
ips = ["203.0.113.7", "198.51.100.0/28"]
notes = "Hetzner fsn1, bot host"
```

Reading uses the standard library's `tomllib`; `Registry.save_key` rewrites
the file with tomlkit so the user's comments and layout survive, atomically
(temporary file, fsync, rename) and with a backup of the previous version.
"""

from __future__ import annotations

import contextlib
import difflib
import ipaddress
import os
import re
import tempfile
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import attrs

from . import _toml
from ._address import parse_ip, parse_network
from ._families import families_of_id
from ._fingerprint import FINGERPRINT, fingerprint, matches
from ._limits import limits_for

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from ._diagnosis import IPAddress
    from ._whitelist import IPNetwork

Environment = Literal["prod", "staging", "dev", "test"]
ENVIRONMENTS: tuple[str, ...] = get_args(Environment)

_KEY_FIELDS = ("ips", "environment", "fingerprint", "notes", "migration")
_MIGRATION_FIELDS = ("to", "from", "step")
_SETTINGS = ("version", "allow_private")
# Networks this wide are never a whitelist, they are a typo or a way around
# one; `audit` warns about merely broad ones (shorter than /24 or /48).
_BROAD_V4, _BROAD_V6 = 8, 16
_IPV6 = 6


class RegistryError(ValueError):
    """
    A registry file is invalid: names the file, line, table and value, and says why.

    Attributes:
        path: The file (``"<string>"`` for `Registry.loads`).
        line: The 1-based line of the problem, when it could be located.
        table: The table, such as ``"binance.main"``.
        reason: What is wrong, for people.

    Added in *0.1.0*.
    """

    def __init__(
        self, path: str, reason: str, *, table: str | None = None, line: int | None = None
    ) -> None:
        self.path = path
        self.line = line
        self.table = table
        self.reason = reason
        where = f"{path}:{line}" if line else path
        scope = f" [{table}]" if table else ""
        super().__init__(f"{where}:{scope} {reason}")


@attrs.frozen(kw_only=True)
class Migration:
    """
    An address change in progress for one key, as recorded in the registry.

    Attributes:
        to: The new egress address.
        old: The documented entries being replaced.
        step: The next step of the plan (see `MIGRATION_STEPS`).

    Added in *0.1.0*.
    """

    to: str
    old: tuple[str, ...]
    step: str


@attrs.frozen(kw_only=True)
class KeyEntry:
    """
    One documented API key: its exchange, label and whitelisted addresses.

    Attributes:
        exchange: The ccxt id, such as ``"binance"``.
        label: The key's name in the registry, such as ``"main"``.
        networks: The whitelisted addresses and networks, normalised.
        environment: ``"prod"``, ``"staging"``, ``"dev"`` or ``"test"``, if given.
        fingerprint: The key's `fingerprint`, if given.
        notes: Free text.
        migration: The address change in progress, if any.

    Added in *0.1.0*.
    """

    exchange: str
    label: str
    networks: tuple[IPNetwork, ...]
    environment: Environment | None = None
    fingerprint: str | None = None
    notes: str = ""
    migration: Migration | None = None

    @property
    def entries(self) -> tuple[str, ...]:
        """The whitelist as text: plain addresses for single hosts, CIDR otherwise."""
        return tuple(_entry_text(n) for n in self.networks)

    def allows(self, exchange: str, ip: IPAddress | str) -> bool:  # noqa: ARG002
        """Return whether *ip* is in this key's documented whitelist."""
        address = parse_ip(ip)
        return any(address in n for n in self.networks if n.version == address.version)

    def paste(self) -> str:
        """
        The whitelist in the exchange's own input format, ready to paste.

        Comma-separated with no spaces unless the exchange is documented to
        want otherwise: stray spaces and semicolons are a common reason an
        exchange rejects the list or stores a broken entry.
        """
        limits = limits_for(self.exchange)
        return limits.format(self.entries) if limits else ",".join(self.entries)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe view, without secrets (there are none to hide)."""
        return {
            "exchange": self.exchange,
            "label": self.label,
            "ips": list(self.entries),
            "environment": self.environment,
            "fingerprint": self.fingerprint,
            "notes": self.notes,
            "migration": None
            if self.migration is None
            else {
                "to": self.migration.to,
                "from": list(self.migration.old),
                "step": self.migration.step,
            },
        }


def _entry_text(network: IPNetwork) -> str:
    full = network.max_prefixlen
    return str(network.network_address) if network.prefixlen == full else str(network)


class Registry:
    """
    Documented IP whitelists per exchange and API key, loaded from TOML.

    Use `Registry.load` for a file. Pass a registry to ``wrap(whitelist=...)``
    and diagnoses say whether the egress IP is on the key's documented list;
    `audit` compares it with what the exchange reports.

    Added in *0.1.0*.
    """

    def __init__(
        self, keys: Iterable[KeyEntry] = (), *, path: str | os.PathLike[str] | None = None
    ) -> None:
        self._keys = tuple(keys)
        self.path = Path(path) if path is not None else None

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Registry:
        """
        Read and validate a registry file.

        Raises:
            RegistryError: The file is not valid TOML or breaks a rule; the
                message names the file, line, table and value.
            OSError: The file cannot be read.
        """
        file = Path(path)
        try:
            text = file.read_text("utf-8")
        except UnicodeDecodeError as exc:
            raise RegistryError(str(file), f"not UTF-8 text ({exc.reason})") from None
        return cls.loads(text, source=str(file), path=file)

    @classmethod
    def loads(
        cls, text: str, *, source: str = "<string>", path: str | os.PathLike[str] | None = None
    ) -> Registry:
        """Parse and validate registry TOML given as text."""
        try:
            data = _toml.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RegistryError(source, f"invalid TOML: {exc}") from None
        return cls(_Validator(source, text).keys(data), path=path)

    @property
    def keys(self) -> tuple[KeyEntry, ...]:
        """Every documented key, in file order."""
        return self._keys

    def keys_for(self, exchange: str) -> tuple[KeyEntry, ...]:
        """The keys documented for *exchange* or its ccxt family."""
        family = {*families_of_id(exchange), exchange}
        return tuple(k for k in self._keys if k.exchange in family)

    def find(self, exchange: str, key: str | None = None) -> KeyEntry | None:
        """
        Return the entry for *key* on *exchange*, or ``None``.

        *key* is a label, a fingerprint, or the API key itself (matched by
        fingerprint, never stored). Without *key*, as `entry_for` without one:
        the exchange's only documented key, if it has exactly one.
        """
        if key is None:
            return self.entry_for(exchange)
        candidates = self.keys_for(exchange)
        for entry in candidates:
            if key in (entry.label, entry.fingerprint):
                return entry
        for entry in candidates:
            if entry.fingerprint and matches(entry.fingerprint, key):
                return entry
        return None

    def entry_for(
        self, exchange: str, *, api_key: str | None = None, label: str | None = None
    ) -> KeyEntry | None:
        """
        The entry documenting the key in use on *exchange*, or ``None`` (undocumented).

        This is the one rule by which `wrap`, `diagnose`, `check`, `audit`,
        `migrate` and the command line pick a key's entry:

        * with *label*, that entry;
        * else the entry whose fingerprint names *api_key*;
        * else the exchange's only entry, if it has exactly one and that
          entry has no fingerprint (or *api_key* is unknown);
        * else none: the key is undocumented, and a diagnosis says the egress
          is neither on nor off its list (``whitelisted`` is ``None``).

        An entry whose fingerprint is set and names another key never counts:
        its list says nothing about this key.

        Args:
            exchange: The ccxt id; entries of its ccxt family count too.
            api_key: The API key in use, if known (compared by fingerprint).
            label: The entry's label, when the caller names one.

        Raises:
            KeyError: *label* is not documented for *exchange*, or its
                fingerprint names another key than *api_key*.

        Added in *0.1.0*.
        """
        key = api_key if isinstance(api_key, str) and api_key.strip() else None
        if label is not None:
            entry = self.get(exchange, label)
            if key is not None and entry.fingerprint and not matches(entry.fingerprint, key):
                raise KeyError(
                    f"{entry.exchange}.{entry.label} documents another API key "
                    f"({entry.fingerprint}; the key in use is {fingerprint(key)})"
                )
            return entry
        candidates = self.keys_for(exchange)
        if key is not None:
            for entry in candidates:
                if entry.fingerprint and matches(entry.fingerprint, key):
                    return entry
        if len(candidates) != 1:
            return None
        (only,) = candidates
        return only if key is None or not only.fingerprint else None

    def get(self, exchange: str, label: str) -> KeyEntry:
        """
        Return the entry labelled *label* on *exchange*.

        Raises:
            KeyError: No such entry; the message lists the labels there are.
        """
        for entry in self.keys_for(exchange):
            if entry.label == label:
                return entry
        known = ", ".join(f"{k.exchange}.{k.label}" for k in self._keys) or "none"
        raise KeyError(f"no key {exchange}.{label} in the registry (documented: {known})")

    def for_client(self, exchange: Any, *, label: str | None = None) -> KeyEntry | None:
        """
        The entry documenting a ccxt client's key, by the rule of `entry_for`.

        Args:
            exchange: A ccxt client (its ``id`` and ``apiKey`` are read), or a
                ccxt id when no client is at hand (its key is then unknown).
            label: The entry's label, when the caller names one.

        Raises:
            KeyError: As for `entry_for`.
        """
        exchange_id = exchange if isinstance(exchange, str) else getattr(exchange, "id", None)
        if not isinstance(exchange_id, str):
            return None
        api_key = None if isinstance(exchange, str) else getattr(exchange, "apiKey", None)
        return self.entry_for(
            exchange_id, api_key=api_key if isinstance(api_key, str) else None, label=label
        )

    def allows(self, exchange: str, ip: IPAddress | str, key: str | None = None) -> bool:
        """
        Return whether *ip* is documented as allowed for *exchange*.

        With *key* (label, fingerprint or API key), only that key's list
        counts; otherwise any key documented for the exchange.

        Raises:
            KeyError: *key* is given but not documented for *exchange*.
        """
        if key is not None:
            entry = self.find(exchange, key)
            if entry is None:
                raise KeyError(f"key {key!r} is not documented for {exchange}")
            return entry.allows(exchange, ip)
        return any(entry.allows(exchange, ip) for entry in self.keys_for(exchange))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe summary: every key with its list; no secrets are stored."""
        return {
            "path": None if self.path is None else str(self.path),
            "keys": [k.to_dict() for k in self._keys],
        }

    def save_key(
        self,
        exchange: str,
        label: str,
        *,
        ips: Iterable[str] | None = None,
        migration: Migration | Literal[False] | None = False,
    ) -> Registry:
        """
        Update one key in the registry file, atomically, and return the new registry.

        *ips* replaces the key's list; *migration* records (a `Migration`) or
        clears (``None``) the change in progress; ``False`` leaves it. The new
        content is validated before anything is written; the previous file is
        kept as ``<name>.bak``; the write goes to a temporary file in the same
        directory that is fsynced and renamed over the original, so a crash
        leaves either the old or the new file, never half of one.

        Raises:
            RegistryError: The update would make the file invalid.
            ValueError: The registry was not loaded from a file.
        """
        if self.path is None:
            raise ValueError("this registry was not loaded from a file; nothing to save")
        import tomlkit

        text = self.path.read_text("utf-8")
        try:
            document = _toml.parse_document(text)
        except tomllib.TOMLDecodeError as exc:
            raise RegistryError(str(self.path), f"invalid TOML: {exc}") from None
        exchange_table = document.get(exchange)
        if exchange_table is None or label not in exchange_table:
            raise KeyError(f"no key {exchange}.{label} in {self.path}")
        table = exchange_table[label]
        if ips is not None:
            array = tomlkit.array()
            array.extend(list(ips))
            table["ips"] = array
        if migration is None:
            table.pop("migration", None)
        elif migration is not False:
            record = tomlkit.table()
            record["to"] = migration.to
            record["from"] = list(migration.old)
            record["step"] = migration.step
            table["migration"] = record
        new_text = tomlkit.dumps(document)
        updated = Registry.loads(new_text, source=str(self.path), path=self.path)
        _atomic_write(self.path, new_text, backup=text)
        return updated

    def __iter__(self) -> Any:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        where = f" from {str(self.path)!r}" if self.path else ""
        return f"<Registry{where}: {len(self._keys)} key(s)>"


def _atomic_write(path: Path, text: str, *, backup: str | None) -> None:
    if backup is not None:
        _write_replace(path.with_name(path.name + ".bak"), backup)
    _write_replace(path, text)


def _write_replace(path: Path, text: str) -> None:
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(OSError):
            Path(temp).chmod(path.stat().st_mode & 0o777 if path.exists() else 0o644)
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


_LOCAL_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)


def _local(address: IPAddress) -> bool:
    """Loopback, link-local, RFC 1918, carrier-grade NAT or unique-local: never an egress.

    Documentation ranges (203.0.113.0/24, 2001:db8::/32) pass: they are what examples use.
    """
    if address.is_loopback or address.is_link_local or address.is_unspecified:
        return True
    if address.is_multicast:
        return True
    return any(address in n for n in _LOCAL_NETWORKS if n.version == address.version)


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


class _Validator:
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
        import ccxt

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
            if exchange not in ccxt.exchanges:
                near = difflib.get_close_matches(exchange, ccxt.exchanges, n=1)
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
        environment = body.get("environment")
        if environment is not None and environment not in ENVIRONMENTS:
            raise self.fail(
                f"environment {environment!r} is not one of {', '.join(ENVIRONMENTS)}",
                table,
                environment,
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
        from ._migrate import MIGRATION_STEPS

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
            to=_entry_text(to_network), old=tuple(map(_entry_text, old_networks)), step=step
        )
