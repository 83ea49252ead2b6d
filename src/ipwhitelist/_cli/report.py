"""`ipwhitelist report`: a support bundle with everything useful and nothing secret."""

from __future__ import annotations

import platform
import sys
from collections import Counter
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from .._core.bounded import read_tail
from .._core.redact import redact
from .._core.rules import rules
from .._egress.detector import EgressDetector
from .._egress.hints import process_hints

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .._whitelist.registry import Registry

__all__ = ["build"]

_PACKAGES = ("ipwhitelist", "ccxt", "httpx", "tenacity", "attrs", "aiohttp", "requests")
_LOG_LINES = 20
_LOG_TAIL_BYTES = 1 << 20


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def build(
    *,
    registry: Registry | None,
    log_file: str | None,
    egress: bool,
    secrets: Sequence[str] = (),
) -> dict[str, Any]:
    """
    Collect versions, egress and hints, the rule tables, the registry and recent incidents.

    Everything that comes from outside the library (log lines, registry notes)
    goes through the redactor with the configured *secrets*; the registry
    holds fingerprints, never keys.
    """
    active = rules()
    bundle: dict[str, Any] = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(terse=True),
        "versions": {p: _version(p) for p in _PACKAGES},
        "egress": _egress() if egress else None,
        "hints": [h.to_dict() for h in process_hints()],
        "rules": {
            "count": len(active),
            "by_exchange": dict(sorted(Counter(r.exchange for r in active).items())),
        },
        "registry": None,
        "incidents": _incidents(log_file, secrets) if log_file else [],
    }
    if registry is not None:
        bundle["registry"] = {
            "path": str(registry.path) if registry.path else None,
            "keys": [
                {
                    "exchange": k.exchange,
                    "label": k.label,
                    "environment": k.environment,
                    "fingerprint": k.fingerprint,
                    "entries": len(k.entries),
                    "ips": list(k.entries),
                    "migration": None if k.migration is None else k.migration.step,
                }
                for k in registry.keys
            ],
        }
    scrubbed: dict[str, Any] = _scrub(bundle, lambda text: redact(text, secrets))
    return scrubbed


def _egress() -> dict[str, Any]:
    report = EgressDetector(ttl=0).detect()
    return {
        "ipv4": str(report.ipv4) if report.ipv4 else None,
        "ipv6": str(report.ipv6) if report.ipv6 else None,
        "provider": report.provider,
        "errors": list(report.errors),
    }


def _incidents(log_file: str, secrets: Sequence[str]) -> list[str]:
    # One bounded read: the log may grow meanwhile, or be a device.
    tail = read_tail(log_file, _LOG_TAIL_BYTES).decode("utf-8", "replace")
    lines = [line for line in tail.splitlines() if "ipwhitelist" in line or "IPRejection" in line]
    return [redact(line, secrets)[:2000] for line in lines[-_LOG_LINES:]]


def _scrub(value: Any, clean: Any) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {k: _scrub(v, clean) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, clean) for v in value]
    return value
