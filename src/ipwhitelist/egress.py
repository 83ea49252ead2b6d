"""
Egress detection: ``ipwhitelist.egress``.

Everything here is also available from the top-level package; this module
exists so ``from ipwhitelist.egress import detect_egress`` reads as documented.
"""

from __future__ import annotations

from ._egress.detector import EgressDetector, adetect_egress, detect_egress
from ._egress.providers import DEFAULT_PROVIDERS, Provider
from ._egress.report import EgressReport

__all__ = [
    "DEFAULT_PROVIDERS",
    "EgressDetector",
    "EgressReport",
    "Provider",
    "adetect_egress",
    "detect_egress",
]
