"""`ipwhitelist report`: a support bundle with everything useful and nothing secret."""

from __future__ import annotations

import platform
import sys
from collections import Counter
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from .._core.bounded import NotARegularFileError, read_tail
from .._core.diagnosis import INCIDENT_MESSAGE
from .._core.redact import redact
from .._core.rules import rules
from .._egress.hints import process_hints

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .._whitelist.registry import Registry

__all__ = ["LogError", "build", "text"]

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
    from .._egress.detector import EgressDetector  # noqa: PLC0415 - lazy: httpx and asyncio load for a lookup only

    report = EgressDetector(ttl=0).detect()
    return {
        "ipv4": str(report.ipv4) if report.ipv4 else None,
        "ipv6": str(report.ipv6) if report.ipv6 else None,
        "provider": report.provider,
        "errors": list(report.errors),
    }


class LogError(ValueError):
    """The --log file cannot be read as a log (missing, not a regular file)."""


def _incidents(log_file: str, secrets: Sequence[str]) -> list[str]:
    """
    The last incident records of ipwhitelist in *log_file*, redacted.

    Records are picked by the shape of their message (`INCIDENT_MESSAGE`),
    not by a logger name a log format may not show. Only the file's last MiB
    is read, and only a regular file: a FIFO would block, /dev/zero never end.
    """
    try:
        tail = read_tail(log_file, _LOG_TAIL_BYTES).decode("utf-8", "replace")
    except NotARegularFileError:
        raise LogError(
            f"--log {log_file} is not a regular file (a FIFO, device or socket)"
        ) from None
    except OSError as exc:
        raise LogError(f"cannot read --log {log_file}: {exc.strerror or exc}") from None
    lines = [line for line in tail.splitlines() if INCIDENT_MESSAGE.search(line)]
    return [redact(line, secrets)[:2000] for line in lines[-_LOG_LINES:]]


def text(bundle: dict[str, Any]) -> list[str]:
    """The bundle as lines a person reads (and pastes into a support chat)."""
    versions = ", ".join(f"{k} {v}" for k, v in bundle["versions"].items() if v)
    egress = bundle["egress"]
    lines = [
        f"ipwhitelist support bundle, {bundle['generated']}",
        f"python {bundle['python']} on {bundle['platform']}",
        f"versions: {versions}",
        "egress: "
        + (
            "not looked up"
            if egress is None
            else f"IPv4 {egress['ipv4'] or 'not found'}, IPv6 {egress['ipv6'] or 'not found'}"
        ),
    ]
    lines += [f"hint: {h['name']}: {h['summary']}" for h in bundle["hints"]]
    rules = bundle["rules"]
    lines.append(f"rules: {rules['count']} for {len(rules['by_exchange'])} exchange(s)")
    registry = bundle["registry"]
    if registry is None:
        lines.append("registry: none")
    else:
        lines.append(f"registry: {registry['path'] or '-'}")
        for key in registry["keys"]:
            ips = ",".join(key["ips"]) or "-"
            step = f", migration step {key['migration']}" if key["migration"] else ""
            lines.append(
                f"  {key['exchange']}.{key['label']} ({key['environment'] or '-'}, "
                f"{key['fingerprint'] or 'no fingerprint'}): {ips}{step}"
            )
    lines.append(f"incidents in the log: {len(bundle['incidents'])}")
    lines += [f"  {line}" for line in bundle["incidents"]]
    lines.append("(ipwhitelist report --json gives the same as one JSON object)")
    return lines


def _scrub(value: Any, clean: Any) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {k: _scrub(v, clean) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, clean) for v in value]
    return value
