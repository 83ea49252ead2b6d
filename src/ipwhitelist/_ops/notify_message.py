"""
The text of a notification: short enough for a phone, redacted, escaped.

A title and a few lines (what happened, the IP the exchange saw against this
host's egress, the first step of the fix, the time); the full diagnosis goes
in a JSON attachment where the service takes one. Every field passes through
the same redaction as every other output, and control characters (newlines
inside a field, terminal escapes, bidi overrides) are shown escaped, since
the exchange's words are untrusted text.
"""

from __future__ import annotations

import json
import re
import socket
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import attrs

from .._core.redact import redact_patterns

if TYPE_CHECKING:
    from .._core.diagnosis import Diagnosis
    from .._core.incidents import Closed, Occurrence
    from .monitor import EgressChange

__all__ = ["Note", "check_note", "egress_note", "incident_note", "printable", "recovery_note"]

_SHORT: dict[str, str] = {
    "ip_not_whitelisted": "IP not on the API key's whitelist",
    "ip_banned": "IP banned",
    "geo_restricted": "location refused",
}
_TITLE_MAX = 100
_FIELD_MAX = 300

# C0 and C1 controls, DEL, line/paragraph separators and the bidi overrides
# and isolates that can make a line read differently from what it says.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape_one(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"  # noqa: PLR2004


def printable(text: str, limit: int = _FIELD_MAX) -> str:
    """*text* redacted, control characters escaped, cut to *limit* characters."""
    text = _UNSAFE.sub(_escape_one, redact_patterns(text))
    return text if len(text) <= limit else text[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}"


@attrs.frozen(kw_only=True)
class Note:
    """One message to deliver."""

    title: str
    body: str
    #: apprise's notification type: "failure", "warning", "success" or "info".
    level: str = "failure"
    #: The JSON attachment, if any.
    details: str | None = None
    #: What a delivery failure is logged once for.
    incident: object = None


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _seen_vs_egress(diagnosis: Diagnosis) -> str:
    seen = (
        f"exchange saw {diagnosis.reported_ip}"
        if diagnosis.reported_ip is not None
        else "exchange did not say which IP it saw"
    )
    egress = ", ".join(map(str, diagnosis.egress_ips)) or "unknown (detection off or failed)"
    return f"{seen}; this host's egress: {egress}"


def _lines(*lines: str) -> str:
    return "\n".join(printable(line) for line in lines)


def incident_note(diagnosis: Diagnosis, occurrence: Occurrence) -> Note:
    """The first message of an incident, or the follow-up after the window."""
    short = _SHORT[diagnosis.kind]
    first_step = (
        diagnosis.remediation[0]
        if diagnosis.remediation
        else "run `ipwhitelist doctor` on the bot's host"
    )
    lines = [diagnosis.headline, _seen_vs_egress(diagnosis), f"First step: {first_step}"]
    if diagnosis.key_fingerprint:
        lines.insert(1, f"Key fingerprint: {diagnosis.key_fingerprint}")
    if occurrence.new:
        title = f"{diagnosis.exchange}: {short}"
    else:
        title = f"{diagnosis.exchange}: {short} (still failing)"
        lines.insert(
            0,
            f"Still failing: {occurrence.repeats:,} more rejection(s) since the last message, "
            f"{occurrence.total:,} since {_when(occurrence.since)}.",
        )
    lines.append(f"At: {_when(diagnosis.at)}")
    details = {
        "event": "incident" if occurrence.new else "incident_recurring",
        "incident": list(occurrence.key),
        "rejections": occurrence.total,
        "repeats_since_last_message": occurrence.repeats,
        "diagnosis": diagnosis.to_dict(),
    }
    return Note(
        title=printable(title, _TITLE_MAX),
        body=_lines(*lines),
        level="failure" if occurrence.new else "warning",
        details=json.dumps(details, indent=2, sort_keys=True),
        incident=occurrence.key,
    )


def recovery_note(exchange: str, closed: list[Closed], key: str | None = None) -> Note:
    """Signed calls on *exchange* with key *key* (a fingerprint) work again: incidents over."""
    with_key = f" with the key {key}" if key else ""
    lines = [f"A signed request to {exchange}{with_key} succeeded at {_when(datetime.now(UTC))}."]
    lines.extend(
        f"Over: {_SHORT.get(c.key[1], c.key[1])}"
        + (f" ({c.key[3]})" if c.key[3] else "")
        + f", {c.total:,} rejection(s) since {_when(c.since)}."
        for c in closed
    )
    lines.append(
        "Next: review open positions and orders (ipwhitelist.review_positions): "
        "the bot could not manage them meanwhile."
    )
    return Note(
        title=printable(f"{exchange}: signed calls work again", _TITLE_MAX),
        body=_lines(*lines),
        level="success",
        incident=("recovered", exchange, key),
    )


def egress_note(change: EgressChange) -> Note:
    """The egress IP changed (from an `EgressMonitor`)."""
    listed = {
        True: ("info", "on the documented whitelist"),
        False: ("warning", "NOT on the documented whitelist: private calls will fail"),
        None: ("info", "no documented whitelist to compare with"),
    }[change.whitelisted]
    new = ", ".join(map(str, change.new))
    old = ", ".join(map(str, change.old)) or "unknown"
    title = "egress IP changed" + (" (NOT whitelisted)" if change.whitelisted is False else "")
    return Note(
        title=printable(title, _TITLE_MAX),
        body=_lines(
            f"This host's egress changed from {old} to {new}: {listed[1]}.",
            f"At: {_when(change.at)}",
        ),
        level=listed[0],
        incident=("egress", new),
    )


def check_note() -> Note:
    """What ``ipwhitelist doctor --notify`` sends."""
    return Note(
        title="ipwhitelist: test notification",
        body=_lines(
            f"This channel will receive IP-rejection alerts from {socket.gethostname()}.",
            f"At: {_when(datetime.now(UTC))}",
        ),
        level="info",
        incident=("test",),
    )
