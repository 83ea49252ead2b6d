"""
The documented whitelist: ``ipwhitelist.registry``.

Everything here is also available from the top-level package; this module
exists so ``from ipwhitelist.registry import Registry`` reads as documented.
"""

from __future__ import annotations

from ._core.limits import ExchangeLimits
from ._exchanges import limits_for
from ._whitelist.fingerprint import fingerprint
from ._whitelist.registry import (
    ENVIRONMENTS,
    Environment,
    KeyEntry,
    Migration,
    Registry,
    RegistryError,
)

__all__ = [
    "ENVIRONMENTS",
    "Environment",
    "ExchangeLimits",
    "KeyEntry",
    "Migration",
    "Registry",
    "RegistryError",
    "fingerprint",
    "limits_for",
]
