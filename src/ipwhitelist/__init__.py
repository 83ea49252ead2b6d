"""
ipwhitelist: make crypto-exchange IP-whitelist rejections obvious and fixable.

Wrap a ccxt client in one line; IP rejections then raise `IPNotWhitelisted`,
`IPBanned` or `GeoRestricted` (all `IPRejection`), each carrying a `Diagnosis`.

```python
import ccxt, ipwhitelist

exchange = ipwhitelist.wrap(ccxt.binance({"apiKey": ..., "secret": ...}))
```
"""

from __future__ import annotations

import importlib as _importlib
import logging as _logging
import typing as _typing

if _typing.TYPE_CHECKING:
    # For type checkers only: the same names as `_PUBLIC` below (a test
    # compares them), imported where they are defined.
    from ._audit import AuditUnsupported as AuditUnsupported
    from ._audit import KeyAudit as KeyAudit
    from ._audit import audit as audit
    from ._audit import audit_async as audit_async
    from ._check import CheckReport as CheckReport
    from ._check import CheckResult as CheckResult
    from ._check import check as check
    from ._decorators import diagnose as diagnose
    from ._decorators import diagnosing as diagnosing
    from ._diagnosis import Confidence as Confidence
    from ._diagnosis import Diagnosis as Diagnosis
    from ._diagnosis import Hint as Hint
    from ._diagnosis import Kind as Kind
    from ._egress import DEFAULT_PROVIDERS as DEFAULT_PROVIDERS
    from ._egress import EgressDetector as EgressDetector
    from ._egress import EgressReport as EgressReport
    from ._egress import Provider as Provider
    from ._egress import adetect_egress as adetect_egress
    from ._egress import detect_egress as detect_egress
    from ._findings import Finding as Finding
    from ._fingerprint import fingerprint as fingerprint
    from ._hooks import IncidentLog as IncidentLog
    from ._hooks import OnRejectionHook as OnRejectionHook
    from ._hooks import RejectionCounter as RejectionCounter
    from ._hooks import get_on_rejection_hooks as get_on_rejection_hooks
    from ._hooks import set_on_rejection_hooks as set_on_rejection_hooks
    from ._limits import ExchangeLimits as ExchangeLimits
    from ._limits import limits_for as limits_for
    from ._migrate import MIGRATION_STEPS as MIGRATION_STEPS
    from ._migrate import MigrationError as MigrationError
    from ._migrate import MigrationStatus as MigrationStatus
    from ._migrate import migrate as migrate
    from ._monitor import EgressChange as EgressChange
    from ._monitor import EgressMonitor as EgressMonitor
    from ._notify import NotifyHook as NotifyHook
    from ._otel import OpenTelemetryHook as OpenTelemetryHook
    from ._recovery import PositionCheck as PositionCheck
    from ._recovery import RecoveryReview as RecoveryReview
    from ._recovery import areview_positions as areview_positions
    from ._recovery import review_positions as review_positions
    from ._registry import KeyEntry as KeyEntry
    from ._registry import Migration as Migration
    from ._registry import Registry as Registry
    from ._registry import RegistryError as RegistryError
    from ._retry import retry_unless_ip_rejection as retry_unless_ip_rejection
    from ._rules import Rule as Rule
    from ._rules import register_rule as register_rule
    from ._rules import rules as rules
    from ._rules import unregister_rule as unregister_rule
    from ._whitelist import Whitelist as Whitelist
    from ._wrap import is_wrapped as is_wrapped
    from ._wrap import unwrap as unwrap
    from ._wrap import wrap as wrap
    from .errors import GeoRestricted as GeoRestricted
    from .errors import IPBanned as IPBanned
    from .errors import IPNotWhitelisted as IPNotWhitelisted
    from .errors import IPRejection as IPRejection

_EAGER, _LAZY = True, False

#: Every public name: the module that defines it, and whether it loads with the
#: package. Lazy names load on first use: the egress detector, key audits,
#: migrations, monitoring and the integrations are not needed to wrap a client,
#: and `import ipwhitelist` stays cheap. `__all__` and `dir()` come from here.
_PUBLIC: dict[str, tuple[str, bool]] = {
    # Wrapping, and the exceptions it raises.
    "wrap": ("._wrap", _EAGER),
    "unwrap": ("._wrap", _EAGER),
    "is_wrapped": ("._wrap", _EAGER),
    "diagnose": ("._decorators", _EAGER),
    "diagnosing": ("._decorators", _EAGER),
    "IPRejection": (".errors", _EAGER),
    "IPNotWhitelisted": (".errors", _EAGER),
    "IPBanned": (".errors", _EAGER),
    "GeoRestricted": (".errors", _EAGER),
    "Diagnosis": ("._diagnosis", _EAGER),
    "Confidence": ("._diagnosis", _EAGER),
    "Hint": ("._diagnosis", _EAGER),
    "Kind": ("._diagnosis", _EAGER),
    # Rules and hooks.
    "Rule": ("._rules", _EAGER),
    "rules": ("._rules", _EAGER),
    "register_rule": ("._rules", _EAGER),
    "unregister_rule": ("._rules", _EAGER),
    "OnRejectionHook": ("._hooks", _EAGER),
    "IncidentLog": ("._hooks", _EAGER),
    "RejectionCounter": ("._hooks", _EAGER),
    "get_on_rejection_hooks": ("._hooks", _EAGER),
    "set_on_rejection_hooks": ("._hooks", _EAGER),
    "Whitelist": ("._whitelist", _EAGER),
    # Egress detection.
    "detect_egress": ("._egress", _LAZY),
    "adetect_egress": ("._egress", _LAZY),
    "EgressDetector": ("._egress", _LAZY),
    "EgressReport": ("._egress", _LAZY),
    "Provider": ("._egress", _LAZY),
    "DEFAULT_PROVIDERS": ("._egress", _LAZY),
    # The documented whitelist.
    "Registry": ("._registry", _LAZY),
    "RegistryError": ("._registry", _LAZY),
    "KeyEntry": ("._registry", _LAZY),
    "Migration": ("._registry", _LAZY),
    "ExchangeLimits": ("._limits", _LAZY),
    "limits_for": ("._limits", _LAZY),
    "fingerprint": ("._fingerprint", _LAZY),
    # Keys: audit, pre-live check, migration.
    "audit": ("._audit", _LAZY),
    "audit_async": ("._audit", _LAZY),
    "KeyAudit": ("._audit", _LAZY),
    "AuditUnsupported": ("._audit", _LAZY),
    "Finding": ("._findings", _LAZY),
    "check": ("._check", _LAZY),
    "CheckReport": ("._check", _LAZY),
    "CheckResult": ("._check", _LAZY),
    "migrate": ("._migrate", _LAZY),
    "MigrationStatus": ("._migrate", _LAZY),
    "MigrationError": ("._migrate", _LAZY),
    "MIGRATION_STEPS": ("._migrate", _LAZY),
    # Operations: monitoring, recovery, retries, integrations.
    "EgressMonitor": ("._monitor", _LAZY),
    "EgressChange": ("._monitor", _LAZY),
    "review_positions": ("._recovery", _LAZY),
    "areview_positions": ("._recovery", _LAZY),
    "RecoveryReview": ("._recovery", _LAZY),
    "PositionCheck": ("._recovery", _LAZY),
    "retry_unless_ip_rejection": ("._retry", _LAZY),
    "NotifyHook": ("._notify", _LAZY),
    "OpenTelemetryHook": ("._otel", _LAZY),
}

__all__ = sorted(_PUBLIC)  # noqa: PLE0605 - derived from the one table


def _load(name: str) -> _typing.Any:
    value = getattr(_importlib.import_module(_PUBLIC[name][0], __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


for _name, (_module, _eager) in _PUBLIC.items():
    if _eager:
        _load(_name)
del _name, _module, _eager

# The logging HOWTO for libraries: the application decides where records go.
# Without this, Python's last-resort handler prints warnings and errors (the
# first record of every incident) on stderr of an application that configured
# no logging at all.
_logging.getLogger(__name__).addHandler(_logging.NullHandler())


def __getattr__(name: str) -> _typing.Any:
    if name in _PUBLIC:
        return _load(name)
    if name != "__version__":
        msg = f"module {__name__} has no attribute {name}"
        raise AttributeError(msg)

    from importlib.metadata import version

    return version("ipwhitelist")


def __dir__() -> list[str]:
    return sorted({*__all__, "__version__", *(n for n in globals() if n.startswith("__"))})
