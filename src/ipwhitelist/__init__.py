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
import os as _os
import typing as _typing

if _typing.TYPE_CHECKING:
    # For type checkers only: the same names as `_PUBLIC` below (a test
    # compares them), imported where they are defined.
    from ._client.decorators import diagnose as diagnose
    from ._client.decorators import diagnosing as diagnosing
    from ._client.wrap import is_wrapped as is_wrapped
    from ._client.wrap import unwrap as unwrap
    from ._client.wrap import wrap as wrap
    from ._core.diagnosis import Confidence as Confidence
    from ._core.diagnosis import Diagnosis as Diagnosis
    from ._core.diagnosis import Hint as Hint
    from ._core.diagnosis import Kind as Kind
    from ._core.hooks import IncidentLog as IncidentLog
    from ._core.hooks import OnRejectionHook as OnRejectionHook
    from ._core.hooks import RejectionCounter as RejectionCounter
    from ._core.hooks import get_on_rejection_hooks as get_on_rejection_hooks
    from ._core.hooks import set_on_rejection_hooks as set_on_rejection_hooks
    from ._core.keyfacts import Finding as Finding
    from ._core.limits import ExchangeLimits as ExchangeLimits
    from ._core.rules import Rule as Rule
    from ._core.rules import register_rule as register_rule
    from ._core.rules import rules as rules
    from ._core.rules import unregister_rule as unregister_rule
    from ._egress.detector import EgressDetector as EgressDetector
    from ._egress.detector import adetect_egress as adetect_egress
    from ._egress.detector import detect_egress as detect_egress
    from ._egress.providers import DEFAULT_PROVIDERS as DEFAULT_PROVIDERS
    from ._egress.providers import Provider as Provider
    from ._egress.report import EgressReport as EgressReport
    from ._exchanges import limits_for as limits_for
    from ._keys.audit import AuditUnsupported as AuditUnsupported
    from ._keys.audit import KeyAudit as KeyAudit
    from ._keys.audit import aaudit as aaudit
    from ._keys.audit import audit as audit
    from ._keys.audit import audit_async as audit_async
    from ._keys.check import CheckReport as CheckReport
    from ._keys.check import CheckResult as CheckResult
    from ._keys.check import check as check
    from ._keys.migrate import MigrationError as MigrationError
    from ._keys.migrate import MigrationStatus as MigrationStatus
    from ._keys.migrate import migrate as migrate
    from ._ops.monitor import EgressChange as EgressChange
    from ._ops.monitor import EgressMonitor as EgressMonitor
    from ._ops.notify import NotifyHook as NotifyHook
    from ._ops.otel import OpenTelemetryHook as OpenTelemetryHook
    from ._ops.recovery import PositionCheck as PositionCheck
    from ._ops.recovery import RecoveryReview as RecoveryReview
    from ._ops.recovery import areview_positions as areview_positions
    from ._ops.recovery import review_positions as review_positions
    from ._ops.retry import retry_unless_ip_rejection as retry_unless_ip_rejection
    from ._whitelist.fingerprint import fingerprint as fingerprint
    from ._whitelist.model import MIGRATION_STEPS as MIGRATION_STEPS
    from ._whitelist.registry import KeyEntry as KeyEntry
    from ._whitelist.registry import Migration as Migration
    from ._whitelist.registry import Registry as Registry
    from ._whitelist.registry import RegistryError as RegistryError
    from ._whitelist.whitelist import Whitelist as Whitelist
    from .errors import GeoRestricted as GeoRestricted
    from .errors import IPBanned as IPBanned
    from .errors import IPNotWhitelisted as IPNotWhitelisted
    from .errors import IPRejection as IPRejection

# The exchange modules plug their rule tables into the core's registry (the
# core knows no exchange): before any name below can classify a response.
from . import _exchanges  # noqa: F401

_EAGER, _LAZY = True, False

#: Every public name: the module that defines it, and whether it loads with the
#: package. Every name is lazy (loads on first use): `wrap` and the exceptions
#: import ccxt, and `import ipwhitelist` must not, so that the command line's
#: commands without an exchange (``--help``, ``explain``) start without it.
#: `__all__` and `dir()` come from here.
_PUBLIC: dict[str, tuple[str, bool]] = {
    # Wrapping, and the exceptions it raises.
    "wrap": ("._client.wrap", _LAZY),
    "unwrap": ("._client.wrap", _LAZY),
    "is_wrapped": ("._client.wrap", _LAZY),
    "diagnose": ("._client.decorators", _LAZY),
    "diagnosing": ("._client.decorators", _LAZY),
    "IPRejection": (".errors", _LAZY),
    "IPNotWhitelisted": (".errors", _LAZY),
    "IPBanned": (".errors", _LAZY),
    "GeoRestricted": (".errors", _LAZY),
    "Diagnosis": ("._core.diagnosis", _LAZY),
    "Confidence": ("._core.diagnosis", _LAZY),
    "Hint": ("._core.diagnosis", _LAZY),
    "Kind": ("._core.diagnosis", _LAZY),
    # Rules and hooks.
    "Rule": ("._core.rules", _LAZY),
    "rules": ("._core.rules", _LAZY),
    "register_rule": ("._core.rules", _LAZY),
    "unregister_rule": ("._core.rules", _LAZY),
    "OnRejectionHook": ("._core.hooks", _LAZY),
    "IncidentLog": ("._core.hooks", _LAZY),
    "RejectionCounter": ("._core.hooks", _LAZY),
    "get_on_rejection_hooks": ("._core.hooks", _LAZY),
    "set_on_rejection_hooks": ("._core.hooks", _LAZY),
    "Whitelist": ("._whitelist.whitelist", _LAZY),
    # Egress detection.
    "detect_egress": ("._egress.detector", _LAZY),
    "adetect_egress": ("._egress.detector", _LAZY),
    "EgressDetector": ("._egress.detector", _LAZY),
    "EgressReport": ("._egress.report", _LAZY),
    "Provider": ("._egress.providers", _LAZY),
    "DEFAULT_PROVIDERS": ("._egress.providers", _LAZY),
    # The documented whitelist.
    "Registry": ("._whitelist.registry", _LAZY),
    "RegistryError": ("._whitelist.registry", _LAZY),
    "KeyEntry": ("._whitelist.registry", _LAZY),
    "Migration": ("._whitelist.registry", _LAZY),
    "ExchangeLimits": ("._core.limits", _LAZY),
    "limits_for": ("._exchanges", _LAZY),
    "fingerprint": ("._whitelist.fingerprint", _LAZY),
    # Keys: audit, pre-live check, migration.
    "audit": ("._keys.audit", _LAZY),
    "aaudit": ("._keys.audit", _LAZY),
    "audit_async": ("._keys.audit", _LAZY),  # deprecated alias of aaudit
    "KeyAudit": ("._keys.audit", _LAZY),
    "AuditUnsupported": ("._keys.audit", _LAZY),
    "Finding": ("._core.keyfacts", _LAZY),
    "check": ("._keys.check", _LAZY),
    "CheckReport": ("._keys.check", _LAZY),
    "CheckResult": ("._keys.check", _LAZY),
    "migrate": ("._keys.migrate", _LAZY),
    "MigrationStatus": ("._keys.migrate", _LAZY),
    "MigrationError": ("._keys.migrate", _LAZY),
    "MIGRATION_STEPS": ("._whitelist.model", _LAZY),
    # Operations: monitoring, recovery, retries, integrations.
    "EgressMonitor": ("._ops.monitor", _LAZY),
    "EgressChange": ("._ops.monitor", _LAZY),
    "review_positions": ("._ops.recovery", _LAZY),
    "areview_positions": ("._ops.recovery", _LAZY),
    "RecoveryReview": ("._ops.recovery", _LAZY),
    "PositionCheck": ("._ops.recovery", _LAZY),
    "retry_unless_ip_rejection": ("._ops.retry", _LAZY),
    "NotifyHook": ("._ops.notify", _LAZY),
    "OpenTelemetryHook": ("._ops.otel", _LAZY),
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

# IPWHITELIST_NOTIFY turns notifications on for a bot left unchanged: its hook
# joins the default ones here, the one module above every layer (the hooks are
# core, notifications operations). The notify module loads only then, apprise
# only at the first notification.
if _os.environ.get("IPWHITELIST_NOTIFY", "").strip():
    from ._ops.notify import notify_from_environment as _notify_from_environment

    _notify_from_environment(_os.environ)

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

    from importlib.metadata import version  # noqa: PLC0415 - lazy: importlib.metadata costs milliseconds; only __version__ needs it

    return version("ipwhitelist")


def __dir__() -> list[str]:
    return sorted({*__all__, "__version__", *(n for n in globals() if n.startswith("__"))})
