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

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .._core import toml
from .._core.bounded import FileTooLargeError, read_text_bounded
from .._exchanges import key_family
from .files import locked, replace_with_backup, target_of
from .fingerprint import fingerprint, matches
from .model import ENVIRONMENTS, Environment, KeyEntry, Migration, RegistryError
from .validate import Validator

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable

    from .._core.address import IPAddress

__all__ = ["ENVIRONMENTS", "Environment", "KeyEntry", "Migration", "Registry", "RegistryError"]


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
            text = read_text_bounded(file)
        except UnicodeDecodeError as exc:
            raise RegistryError(str(file), f"not UTF-8 text ({exc.reason})") from None
        except FileTooLargeError as exc:
            raise RegistryError(str(file), str(exc)) from None
        return cls.loads(text, source=str(file), path=file)

    @classmethod
    def loads(
        cls, text: str, *, source: str = "<string>", path: str | os.PathLike[str] | None = None
    ) -> Registry:
        """Parse and validate registry TOML given as text."""
        try:
            data = toml.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise RegistryError(source, f"invalid TOML: {exc}") from None
        return cls(Validator(source, text).keys(data), path=path)

    @property
    def keys(self) -> tuple[KeyEntry, ...]:
        """Every documented key, in file order."""
        return self._keys

    def keys_for(self, exchange: str) -> tuple[KeyEntry, ...]:
        """
        The keys documented for *exchange* or an exchange that takes the same keys.

        ``binanceusdm`` sees ``[binance.*]`` entries (one Binance account, one
        key), ``binanceus`` does not (Binance.US is another company): the
        exchanges' explicit ``SHARED_KEYS`` tables decide, not ccxt's classes.
        """
        family = set(key_family(exchange))
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
            exchange: The ccxt id; entries of exchanges that take the same keys
                count too (`keys_for`).
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

        The new file and the ``.bak`` keep the file's permission bits and,
        where the process may set them, its owner and group. A symlinked file
        is written where the link points (the ``.bak`` next to it) and the
        link stays. The read-modify-write runs under an advisory lock
        (``fcntl.flock`` on ``.<name>.lock`` next to the file), so processes
        updating the same file never lose each other's changes; on Windows,
        which has no ``fcntl``, the write is atomic but not locked.

        Raises:
            RegistryError: The update would make the file invalid.
            ValueError: The registry was not loaded from a file.
        """
        if self.path is None:
            raise ValueError("this registry was not loaded from a file; nothing to save")
        # A symlinked registry is updated where it lives; the link stays.
        target = target_of(self.path)
        with locked(target):
            # Read, change and write under the lock: a concurrent writer's
            # update is read back here, never overwritten.
            try:
                text = read_text_bounded(target)
            except FileTooLargeError as exc:
                raise RegistryError(str(self.path), str(exc)) from None
            new_text = self._updated(text, exchange, label, ips=ips, migration=migration)
            updated = Registry.loads(new_text, source=str(self.path), path=self.path)
            replace_with_backup(target, new_text, backup=text)
        return updated

    def _updated(
        self,
        text: str,
        exchange: str,
        label: str,
        *,
        ips: Iterable[str] | None,
        migration: Migration | Literal[False] | None,
    ) -> str:
        import tomlkit  # noqa: PLC0415 - lazy: only rewriting the file needs tomlkit

        try:
            document = toml.parse_document(text)
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
        return tomlkit.dumps(document)

    def __iter__(self) -> Any:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        where = f" from {str(self.path)!r}" if self.path else ""
        return f"<Registry{where}: {len(self._keys)} key(s)>"
