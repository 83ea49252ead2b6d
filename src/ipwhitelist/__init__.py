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

import logging as _logging
import typing as _typing

from ._decorators import diagnose, diagnosing
from ._diagnosis import Confidence, Diagnosis, Hint, Kind
from ._hooks import (
    IncidentLog,
    OnRejectionHook,
    RejectionCounter,
    get_on_rejection_hooks,
    set_on_rejection_hooks,
)
from ._rules import Rule, register_rule, rules, unregister_rule
from ._whitelist import Whitelist
from ._wrap import is_wrapped, unwrap, wrap
from .errors import GeoRestricted, IPBanned, IPNotWhitelisted, IPRejection

if _typing.TYPE_CHECKING:
    from ._audit import AuditUnsupported, KeyAudit, audit, audit_async
    from ._check import CheckReport, CheckResult, check
    from ._egress import (
        DEFAULT_PROVIDERS,
        EgressDetector,
        EgressReport,
        Provider,
        adetect_egress,
        detect_egress,
    )
    from ._findings import Finding
    from ._fingerprint import fingerprint
    from ._limits import ExchangeLimits, limits_for
    from ._migrate import MIGRATION_STEPS, MigrationError, MigrationStatus, migrate
    from ._monitor import EgressChange, EgressMonitor
    from ._notify import NotifyHook
    from ._otel import OpenTelemetryHook
    from ._recovery import PositionCheck, RecoveryReview, areview_positions, review_positions
    from ._registry import KeyEntry, Migration, Registry, RegistryError
    from ._retry import retry_unless_ip_rejection

# The logging HOWTO for libraries: the application decides where records go.
# Without this, Python's last-resort handler prints warnings and errors (the
# first record of every incident) on stderr of an application that configured
# no logging at all.
_logging.getLogger(__name__).addHandler(_logging.NullHandler())

# Loaded on first use: the egress detector (threads, providers) and the
# tenacity integration are not needed to wrap a client.
_LAZY = {
    "DEFAULT_PROVIDERS": "_egress",
    "EgressDetector": "_egress",
    "EgressReport": "_egress",
    "Provider": "_egress",
    "adetect_egress": "_egress",
    "detect_egress": "_egress",
    "retry_unless_ip_rejection": "_retry",
    "EgressChange": "_monitor",
    "EgressMonitor": "_monitor",
    "NotifyHook": "_notify",
    "OpenTelemetryHook": "_otel",
    "PositionCheck": "_recovery",
    "RecoveryReview": "_recovery",
    "areview_positions": "_recovery",
    "review_positions": "_recovery",
    "AuditUnsupported": "_audit",
    "Finding": "_findings",
    "KeyAudit": "_audit",
    "audit": "_audit",
    "audit_async": "_audit",
    "CheckReport": "_check",
    "CheckResult": "_check",
    "check": "_check",
    "fingerprint": "_fingerprint",
    "ExchangeLimits": "_limits",
    "limits_for": "_limits",
    "MIGRATION_STEPS": "_migrate",
    "MigrationError": "_migrate",
    "MigrationStatus": "_migrate",
    "migrate": "_migrate",
    "KeyEntry": "_registry",
    "Migration": "_registry",
    "Registry": "_registry",
    "RegistryError": "_registry",
}


__all__ = [
    "DEFAULT_PROVIDERS",
    "MIGRATION_STEPS",
    "AuditUnsupported",
    "CheckReport",
    "CheckResult",
    "Confidence",
    "Diagnosis",
    "EgressChange",
    "EgressDetector",
    "EgressMonitor",
    "EgressReport",
    "ExchangeLimits",
    "Finding",
    "GeoRestricted",
    "Hint",
    "IPBanned",
    "IPNotWhitelisted",
    "IPRejection",
    "IncidentLog",
    "KeyAudit",
    "KeyEntry",
    "Kind",
    "Migration",
    "MigrationError",
    "MigrationStatus",
    "NotifyHook",
    "OnRejectionHook",
    "OpenTelemetryHook",
    "PositionCheck",
    "Provider",
    "RecoveryReview",
    "Registry",
    "RegistryError",
    "RejectionCounter",
    "Rule",
    "Whitelist",
    "adetect_egress",
    "areview_positions",
    "audit",
    "audit_async",
    "check",
    "detect_egress",
    "diagnose",
    "diagnosing",
    "fingerprint",
    "get_on_rejection_hooks",
    "is_wrapped",
    "limits_for",
    "migrate",
    "register_rule",
    "retry_unless_ip_rejection",
    "review_positions",
    "rules",
    "set_on_rejection_hooks",
    "unregister_rule",
    "unwrap",
    "wrap",
]


def __getattr__(name: str) -> _typing.Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    if name != "__version__":
        msg = f"module {__name__} has no attribute {name}"
        raise AttributeError(msg)

    from importlib.metadata import version

    return version("ipwhitelist")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
