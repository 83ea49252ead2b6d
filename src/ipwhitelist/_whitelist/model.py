"""The registry's values: one documented key (`KeyEntry`), its migration, and the error."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, get_args

import attrs

from .._core.address import parse_ip
from .._exchanges import limits_for

if TYPE_CHECKING:
    from .._core.address import IPAddress, IPNetwork

__all__ = [
    "ENVIRONMENTS",
    "MIGRATION_STEPS",
    "Environment",
    "KeyEntry",
    "Migration",
    "RegistryError",
    "Step",
    "entry_text",
]

Step = Literal["add", "confirm-new", "switch", "confirm-switch", "remove-old"]

#: The steps of a migration, in order.
MIGRATION_STEPS: tuple[Step, ...] = ("add", "confirm-new", "switch", "confirm-switch", "remove-old")

Environment = Literal["prod", "staging", "dev", "test"]
ENVIRONMENTS: tuple[str, ...] = get_args(Environment)


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

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle support: the keyword-only fields defeat `BaseException`'s default."""
        return (_rebuild_registry_error, (self.path, self.reason, self.table, self.line))


def _rebuild_registry_error(
    path: str, reason: str, table: str | None, line: int | None
) -> RegistryError:
    return RegistryError(path, reason, table=table, line=line)


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
        return tuple(entry_text(n) for n in self.networks)

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


def entry_text(network: IPNetwork) -> str:
    full = network.max_prefixlen
    return str(network.network_address) if network.prefixlen == full else str(network)
