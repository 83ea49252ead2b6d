"""
Move a key to a new egress IP without a minute in which no whitelisted IP works.

The plan is always the same five steps: add the new IP next to the old ones,
confirm from the new host, switch the bot over, confirm again, and only then
remove the old IPs. The library never edits the key itself (it never holds the
rights to): it tells the operator what to change, verifies each step through
the exchange's own API where it can, and records progress in the registry file
so an interrupted migration resumes where it stopped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, cast

import attrs
import ccxt

from .._core.address import parse_ip, parse_network
from .._core.redact import human_lines, scrubbed_text
from .._whitelist.model import MIGRATION_STEPS, Step
from .._whitelist.registry import KeyEntry, Migration, Registry
from ..errors import IPRejection
from .probe import egress_ips, signed_read

if TYPE_CHECKING:
    import os

    from .._core.diagnosis import IPAddress
    from .audit import KeyAudit
    from .probe import EgressOption

__all__ = ["MIGRATION_STEPS", "MigrationError", "MigrationStatus", "Step", "migrate"]


_WHAT = {
    "add": "add the new IP to the key's whitelist, next to the old ones",
    "confirm-new": "confirm from the new host that the key works there",
    "switch": "move the bot to the new host",
    "confirm-switch": "confirm from the new host, now running the bot",
    "remove-old": "remove the old IPs from the key's whitelist",
}


def _optional_text(value: object) -> str | None:
    return None if value is None else scrubbed_text(value)


@attrs.frozen(kw_only=True)
class MigrationStatus:
    """
    Where a migration stands after `migrate` did what it could.

    Attributes:
        exchange: The ccxt id.
        label: The key's label in the registry.
        old: The entries being replaced.
        new: The new egress address.
        step: The next step to complete, or ``"done"``.
        completed: Steps this call verified and recorded, in order.
        action: What the operator must do now (empty when done).
        paste: The whitelist to paste into the exchange's key page for this
            step, in its input format, if the step changes the list.
        problem: Why a verification failed, if one did (e.g. the exchange
            refused the new IP from the new host).
        egress_ips: This host's egress as detected for the checks.
        unreachable: The exchange could not be reached, so this step was not
            verified (nothing recorded for it; run `migrate` again).

    Added in *0.1.0*.
    """

    exchange: str
    label: str
    old: tuple[str, ...]
    new: str
    step: Step | Literal["done"]
    completed: tuple[Step, ...] = ()
    action: str = attrs.field(default="", converter=scrubbed_text)
    paste: str | None = None
    problem: str | None = attrs.field(default=None, converter=_optional_text)
    egress_ips: tuple[str, ...] = ()
    unreachable: bool = False

    @property
    def done(self) -> bool:
        """Whether the migration finished (the old IPs are gone from the key)."""
        return self.step == "done"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe view."""
        return {
            "exchange": self.exchange,
            "label": self.label,
            "from": list(self.old),
            "to": self.new,
            "step": self.step,
            "done": self.done,
            "completed": list(self.completed),
            "action": self.action,
            "paste": self.paste,
            "problem": self.problem,
            "egress_ips": list(self.egress_ips),
            "unreachable": self.unreachable,
            "steps": [{"name": s, "what": _WHAT[s]} for s in MIGRATION_STEPS],
        }

    def __str__(self) -> str:
        lines = [f"Migration of {self.exchange}.{self.label}: {', '.join(self.old)} -> {self.new}"]
        position = len(MIGRATION_STEPS) if self.done else MIGRATION_STEPS.index(self.step)
        for i, step in enumerate(MIGRATION_STEPS):
            mark = "x" if i < position else ">" if i == position else " "
            lines.append(f"  [{mark}] {i + 1}. {_WHAT[step]}")
        if self.problem:
            lines.append(f"Problem: {self.problem}")
        if self.action:
            lines.append(f"Next: {self.action}")
        if self.paste is not None:
            lines.append(f"Paste into the key's IP whitelist: {self.paste}")
        if self.done:
            lines.append(f"Done: the key is moved to {self.new}; the registry records it.")
        return human_lines(lines)


class MigrationError(ValueError):
    """
    `migrate` cannot start or continue.

    For example: no registry entry for the key, a different migration already
    in progress, or an invalid new address.

    Added in *0.1.0*.
    """


def migrate(
    exchange: Any,
    registry: Registry | str | os.PathLike[str],
    *,
    to: str | None = None,
    label: str | None = None,
    switched: bool = False,
    removed: bool = False,
    egress: EgressOption = True,
) -> MigrationStatus:
    """
    Start or resume moving a key to a new egress IP, verifying each step.

    Run it wherever the operator is: on the old host to start (``to=`` the new
    IP), on the new host to confirm. Each run verifies as many steps as the
    evidence allows and stops at the first that needs a person: adding or
    removing an IP on the exchange's key page (the library never edits a key),
    or moving the bot (say so with ``switched=True``). Progress is written to
    the registry file atomically after every step, so an interrupted run
    resumes safely, and the documented list always holds an IP that works:
    the old IPs go only after the new one was confirmed with the bot on it.

    Verification uses the key audit where the exchange reports the key's list
    (Bybit, OKX); where it does not (Binance), the step "add" is proven by a
    signed call from the new host, and "remove-old" by ``removed=True``.

    Args:
        exchange: A ccxt client (sync) holding the key.
        registry: The `Registry` (loaded from a file) or the file's path.
        to: The new egress IP; needed to start, checked when resuming.
        label: The key's label; by default the entry picked by
            `Registry.for_client` (never one documenting another key).
        switched: The bot now runs on the new host.
        removed: The old IPs were removed on the exchange (for exchanges whose
            API does not report the key's list).
        egress: This host's egress: detect it (``True``), a report or
            detector, or the addresses.

    Raises:
        MigrationError: Nothing to migrate, a conflicting migration, or a bad address.

    Added in *0.1.0*.
    """
    reg = registry if isinstance(registry, Registry) else Registry.load(registry)
    entry = _entry(reg, exchange, label)
    if entry.migration is None:
        if to is None:
            raise MigrationError(
                f"no migration in progress for {entry.exchange}.{entry.label}; "
                "give the new IP to start one"
            )
        new = _address(to)
        old = tuple(e for e in entry.entries if not _covers(e, new))
        if not old:
            raise MigrationError(f"{new} is already the whole documented list; nothing to migrate")
        step: Step = "confirm-new" if len(old) < len(entry.entries) else "add"
        reg = reg.save_key(
            entry.exchange, entry.label, migration=Migration(to=str(new), old=old, step=step)
        )
        entry = reg.get(entry.exchange, entry.label)
    elif to is not None and _address(to) != _address(entry.migration.to):
        raise MigrationError(
            f"a migration of {entry.exchange}.{entry.label} to {entry.migration.to} is in "
            f"progress; finish it before moving to {to}"
        )
    return _Walk(exchange, reg, entry, egress, switched=switched, removed=removed).run()


def _entry(reg: Registry, exchange: Any, label: str | None) -> KeyEntry:
    exchange_id = getattr(exchange, "id", None)
    if not isinstance(exchange_id, str):
        raise TypeError(f"migrate() needs a ccxt exchange instance, not {exchange!r}")
    try:
        # The one rule (Registry.entry_for): never an entry documenting another key.
        entry = reg.for_client(exchange, label=label)
    except KeyError as exc:
        raise MigrationError(exc.args[0]) from None
    if entry is None:
        raise MigrationError(
            f"the registry documents no key for {exchange_id} matching this client; "
            "add one or pass label="
        )
    return entry


def _address(text: str) -> IPAddress:
    # parse_ip: ::ffff:a.b.c.d is a.b.c.d, and a scope id is no address.
    try:
        return parse_ip(text)
    except TypeError:
        raise MigrationError(f"{text!r} is not an IP address") from None
    except ValueError as exc:
        reason = str(exc) if "scope id" in str(exc) else f"{text!r} is not an IP address"
        raise MigrationError(reason) from None


def _covers(entry: str, ip: IPAddress) -> bool:
    return ip in parse_network(entry)


class _Walk:
    """One run of the plan: verify, record, advance, until a person is needed."""

    def __init__(
        self,
        exchange: Any,
        reg: Registry,
        entry: KeyEntry,
        egress: EgressOption,
        *,
        switched: bool,
        removed: bool,
    ) -> None:
        assert entry.migration is not None  # noqa: S101 - set by migrate()
        self.exchange = exchange
        self.reg = reg
        self.entry = entry
        self.migration = entry.migration
        self.new = _address(self.migration.to)
        self.switched = switched
        self.removed = removed
        self.egress_option = egress
        self._egress: tuple[IPAddress, ...] | None = None
        self.completed: list[Step] = []

    @property
    def egress(self) -> tuple[IPAddress, ...]:
        if self._egress is None:
            self._egress = egress_ips(self.exchange, self.egress_option)
        return self._egress

    def run(self) -> MigrationStatus:
        handlers = {
            "add": self._add,
            "confirm-new": self._confirm_new,
            "switch": self._switch,
            "confirm-switch": self._confirm_switch,
            "remove-old": self._remove_old,
        }
        while True:
            step = self.migration.step
            try:
                outcome = handlers[step]()
            except ccxt.NetworkError as exc:
                return self._unreachable(cast("Step", step), exc)
            if outcome is not None:
                return outcome
            if step == "remove-old":
                return self._status("done")

    # Each step returns a status when it must stop, or None after advancing.

    def _add(self) -> MigrationStatus | None:
        on_new_host = self.new in self.egress
        try:
            audit = self._signed_read()
        except IPRejection as exc:
            if on_new_host:
                return self._wait(
                    "add",
                    f"add {self.new} to the key's whitelist",
                    problem=f"the exchange still refuses {self.new}: {exc.diagnosis.headline}",
                    paste=self._paste(self._with_new()),
                )
            raise
        listed = _listed(audit)
        if listed is not None and not _covered(self.new, listed):
            return self._wait(
                "add",
                f"add {self.new} to the key's whitelist",
                paste=self._paste(self._with_new()),
            )
        if listed is None and not on_new_host:
            # The exchange does not report the key's list: only a signed call
            # from the new address proves the new IP was added.
            return self._wait(
                "add",
                f"add {self.new} to the key's whitelist, then run this again on the new host "
                f"(egress {self.new}) to confirm it",
                paste=self._paste(self._with_new()),
            )
        self._advance("add", "confirm-new", ips=self._with_new())
        return None

    def _confirm_new(self) -> MigrationStatus | None:
        stop = self._confirm_here("confirm-new", "confirm the new IP works")
        if stop is not None:
            return stop
        self._advance("confirm-new", "switch")
        return None

    def _switch(self) -> MigrationStatus | None:
        if not self.switched:
            return self._wait(
                "switch",
                f"move the bot to the new host (egress {self.new}), then run this there with "
                "the 'switched' flag",
            )
        self._advance("switch", "confirm-switch")
        return None

    def _confirm_switch(self) -> MigrationStatus | None:
        stop = self._confirm_here("confirm-switch", "confirm the bot's host works")
        if stop is not None:
            return stop
        self._advance("confirm-switch", "remove-old")
        return None

    def _remove_old(self) -> MigrationStatus | None:
        remaining = self._without_old()
        audit = self._signed_read()
        listed = _listed(audit)
        old_left = [] if listed is None else [o for o in self.migration.old if _same(o, listed)]
        if (listed is None and not self.removed) or old_left:
            return self._wait(
                "remove-old",
                f"remove {', '.join(old_left or self.migration.old)} from the key's whitelist"
                + ("" if listed is not None else ", then run this again with the 'removed' flag"),
                paste=self._paste(remaining),
            )
        self.reg = self.reg.save_key(
            self.entry.exchange, self.entry.label, ips=remaining, migration=None
        )
        self.completed.append("remove-old")
        return None

    def _confirm_here(self, step: Step, what: str) -> MigrationStatus | None:
        if self.new not in self.egress:
            here = ", ".join(map(str, self.egress)) or "unknown"
            return self._wait(
                step,
                f"run this on the new host to {what}: its egress must be {self.new} "
                f"(this host's egress: {here})",
            )
        try:
            self._signed_read()
        except IPRejection as exc:
            return self._wait(
                step,
                f"make sure {self.new} is on the key's whitelist",
                problem=f"the exchange refused the new host: {exc.diagnosis.headline}",
                paste=self._paste(self._with_new()),
            )
        return None

    def _unreachable(self, step: Step, exc: Exception) -> MigrationStatus:
        """Nothing verified: the step stays pending, with the list it needs pasted."""
        entries = self._without_old() if step == "remove-old" else self._with_new()
        exchange = self.entry.exchange
        return attrs.evolve(
            self._status(
                step,
                action=f"{_WHAT[step]}; then run this again once {exchange} can be reached",
                problem=f"could not reach {exchange} ({type(exc).__name__}), so this step is "
                "not verified: check this host's DNS, firewall and proxy, and the exchange's "
                "status page",
                paste=self._paste(entries),
            ),
            unreachable=True,
        )

    def _signed_read(self) -> KeyAudit | None:
        return signed_read(self.exchange, self.entry.entries)

    def _with_new(self) -> tuple[str, ...]:
        entries = list(self.entry.entries)
        if not any(_covers(e, self.new) for e in entries):
            entries.append(str(self.new))
        return tuple(entries)

    def _without_old(self) -> tuple[str, ...]:
        kept = [e for e in self._with_new() if e not in self.migration.old]
        return tuple(kept)

    def _paste(self, entries: tuple[str, ...]) -> str:
        return attrs.evolve(self.entry, networks=tuple(map(parse_network, entries))).paste()

    def _advance(self, done: Step, following: Step, *, ips: tuple[str, ...] | None = None) -> None:
        self.migration = attrs.evolve(self.migration, step=following)
        self.reg = self.reg.save_key(
            self.entry.exchange, self.entry.label, ips=ips, migration=self.migration
        )
        self.entry = self.reg.get(self.entry.exchange, self.entry.label)
        self.completed.append(done)

    def _wait(
        self, step: Step, action: str, *, problem: str | None = None, paste: str | None = None
    ) -> MigrationStatus:
        return self._status(step, action=action, problem=problem, paste=paste)

    def _status(
        self,
        step: Step | Literal["done"],
        *,
        action: str = "",
        problem: str | None = None,
        paste: str | None = None,
    ) -> MigrationStatus:
        return MigrationStatus(
            exchange=self.entry.exchange,
            label=self.entry.label,
            old=self.migration.old,
            new=str(self.new),
            step=step,
            completed=tuple(self.completed),
            action=action,
            paste=paste,
            problem=problem,
            egress_ips=tuple(str(ip) for ip in self._egress or ()),
        )


def _listed(audit: KeyAudit | None) -> tuple[str, ...] | None:
    # An unrestricted key accepts every IP: its "list" proves nothing either way.
    if audit is None or audit.allowed_ips is None or audit.ip_restricted is False:
        return None
    return audit.allowed_ips


def _same(entry: str, listed: tuple[str, ...]) -> bool:
    # The exchange's list as parse_network reads it: ::ffff:a.b.c.d is a.b.c.d.
    wanted = parse_network(entry)
    for other in listed:
        try:
            if parse_network(other, strict=False) == wanted:
                return True
        except ValueError:
            continue
    return False


def _covered(ip: IPAddress, listed: tuple[str, ...]) -> bool:
    for entry in listed:
        try:
            if ip in parse_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False
