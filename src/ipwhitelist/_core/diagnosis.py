"""The `Diagnosis` value object: what an IP rejection means and how to fix it."""

from __future__ import annotations

import ipaddress
import logging
import re
from collections import deque
from datetime import UTC, datetime
from itertools import islice, repeat
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import attrs

from .address import parse_ip
from .fork import ForkSafeLock
from .redact import (
    escape_controls,
    human_lines,
    scrub,
    scrub_fields,
    scrub_lines,
    without_query,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

__all__ = [
    "CAPS",
    "CONFIDENCES",
    "INCIDENT_MESSAGE",
    "KINDS",
    "MAX_ITEMS",
    "Confidence",
    "Diagnosis",
    "Given",
    "Hint",
    "IPAddress",
    "Kind",
    "deferred",
    "eager",
    "given_of",
    "peek",
    "to_ips",
]

logger = logging.getLogger("ipwhitelist")

Kind: TypeAlias = Literal["ip_not_whitelisted", "ip_banned", "geo_restricted"]
Confidence: TypeAlias = Literal["confirmed", "likely", "possible"]
IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address

KINDS: tuple[Kind, ...] = ("ip_not_whitelisted", "ip_banned", "geo_restricted")
CONFIDENCES: tuple[Confidence, ...] = ("confirmed", "likely", "possible")

_HEADLINES: dict[Kind, str] = {
    "ip_not_whitelisted": "the API key's IP whitelist does not allow the IP this request came from",
    "ip_banned": "the exchange has banned this IP address",
    "geo_restricted": "the exchange refuses service to this IP's location",
}

#: The message of an incident record `IncidentLog` writes (``<exchange>: <headline>
#: (confidence: <c>)``) or of the record closing one, wherever a log format puts
#: it in the line: how `ipwhitelist report` finds the library's incidents in a log.
INCIDENT_MESSAGE = re.compile(
    r"\b[a-z0-9_]+: (?:(?:"
    + "|".join(re.escape(h) for h in _HEADLINES.values())
    + r") \(confidence: [a-z]+\)|a signed call succeeded again; the incident \()"
)


def _to_ip(value: str | IPAddress | None) -> IPAddress | None:
    # parse_ip: no scope id; ::ffff:a.b.c.d is the IPv4 address it maps.
    if value is None:
        return None
    return parse_ip(value)


def to_ips(values: Iterable[str | IPAddress]) -> tuple[IPAddress, ...]:
    """Addresses as a converter stores them: parsed, unmapped, repeats dropped, in order."""
    # Order is kept (first = the address that answered first) and repeats
    # dropped, after unmapping (::ffff:a.b.c.d and a.b.c.d are one address).
    return tuple(dict.fromkeys(parse_ip(v) for v in values))


# Caps on the text a diagnosis holds (docs/explanation/redaction.md lists them):
# enough for any real exchange message, too little for a whole HTML page.
CAPS = {
    "exchange": 64,
    "code": 64,
    "message": 1024,
    "endpoint": 512,
    "ccxt_error": 128,
    "source": 512,
    "item": 512,  # each evidence and remediation line, a hint's summary and fix
    "egress_error": 600,  # one short reason per provider
}
MAX_ITEMS = 32


# Every text field's converter runs the same step, `scrub`, with its cap
# (mypy's attrs plugin wants named functions, hence one per cap).


def _optional(value: object, cap: int) -> str | None:
    return None if value is None else scrub(str(value), cap)


def _to_exchange(value: object) -> str:
    return scrub(str(value), CAPS["exchange"])


def _to_message(value: object) -> str:
    return scrub(str(value), CAPS["message"])


def _to_line(value: object) -> str:
    return scrub(str(value), CAPS["item"])


def _to_code(value: object) -> str | None:
    return _optional(value, CAPS["code"])


def _to_ccxt_error(value: object) -> str | None:
    return _optional(value, CAPS["ccxt_error"])


def _to_source(value: object) -> str | None:
    return _optional(value, CAPS["source"])


# `ipwhitelist.fingerprint()`'s form; the fingerprint module sits in a higher layer.
_FINGERPRINT = re.compile(r"sha256:[0-9a-f]{8,64}")


def _to_fingerprint(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _FINGERPRINT.fullmatch(value):
        # Never the value itself: a caller may have passed the key by mistake.
        raise ValueError(
            "key_fingerprint must look like 'sha256:3f9a0c1e' (ipwhitelist.fingerprint)"
        )
    return value


def _to_egress_error(value: object) -> str | None:
    return _optional(value, CAPS["egress_error"])


def _to_endpoint(value: object) -> str | None:
    # Query strings hold signatures: cut before the step every field runs.
    return None if value is None else scrub(without_query(str(value)), CAPS["endpoint"])


def _to_items(values: Iterable[object]) -> tuple[str, ...]:
    if type(values) is tuple and len(values) <= MAX_ITEMS:
        clean = scrub_lines(values, CAPS["item"])
        if clean is not None:
            return clean
    return tuple(_to_line(v) for v in islice(values, MAX_ITEMS))


def _to_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)


@attrs.frozen(kw_only=True)
class Hint:
    """
    A clue about the environment that explains why the egress IP is not what the user expects.

    Attributes:
        name: A stable identifier, such as ``"kubernetes"`` or ``"ipv6_egress"``.
        summary: What was noticed, in one line.
        fix: The consequence and what to do about it, in one line.

    Added in *0.1.0*.
    """

    name: str = attrs.field(converter=_to_exchange)
    summary: str = attrs.field(converter=_to_line)
    fix: str = attrs.field(converter=_to_line)

    def to_dict(self) -> dict[str, str]:
        """Return the hint as a JSON-safe dict."""
        return {"name": self.name, "summary": self.summary, "fix": self.fix}


def _to_hints(values: Iterable[Hint]) -> tuple[Hint, ...]:
    return tuple(islice(values, MAX_ITEMS))


class _Deferrable:
    """The slots that are not fields: a deferred diagnosis's builder and its `Given`."""

    __slots__ = ("_deferred", "_given")


@attrs.frozen(kw_only=True)
class Diagnosis(_Deferrable):
    """
    What an IP rejection means and the steps that restore trading.

    Instances are immutable and hold no secret: every text field goes through
    one redaction step when the instance is created, whatever the caller
    passes, and is cut to a fixed length. Text is stored as the exchange sent
    it (control characters included, for JSON); ``str()`` and `headline`
    show control characters as escapes. The diagnosis of a rejection makes
    its text fields (``message``, ``hints``, ``evidence``, ``remediation``,
    ``endpoint``) through the same step when one is first read, once; every
    way of showing, copying or comparing it reads them.

    Attributes:
        exchange: The ccxt id of the exchange, e.g. ``"binanceusdm"``.
        kind: ``"ip_not_whitelisted"``, ``"ip_banned"`` or ``"geo_restricted"``.
        confidence: ``"confirmed"``, ``"likely"`` or ``"possible"``: how sure we are
            that the IP is the cause (Binance's -2015 alone is only ``"possible"``).
        code: The exchange's error code as a string, if it sent one.
        http_status: The HTTP status of the response, if known.
        message: The exchange's message, redacted.
        reported_ip: The IP the exchange said it saw, parsed from its own words
            (its message, never ccxt's request URL); ``None`` also when the
            address it names cannot be a request's source on the internet
            (loopback, private, multicast...: the evidence says so).
        egress_ips: Public IPs detected for this host (IPv4 and/or IPv6); empty
            when detection was disabled or failed.
        egress_error: Why egress detection found no address, one short reason
            per provider (``"https://api.ipify.org: timed out after 2.0 s; …"``);
            ``None`` when it found one or when detection was disabled
            (``egress_ips`` then empty too).
        address_family: 4 or 6, the IP version the failing request used, when
            known: from the IP the exchange reported, or from the client's
            pinned family (``wrap(family=...)``).
        whitelisted: ``True``/``False`` if the IP the exchange saw (or, failing
            that, the egress IPs) is/is not on the documented whitelist; ``None``
            when there is no documented whitelist or no IP to check.
        hints: Environment clues (serverless, containers, proxies, IPv6, …).
        evidence: Why the confidence is what it is, one reason per line.
        remediation: The ordered steps that restore trading.
        banned_until: When a ban ends, as stated by the exchange; ``None``
            when unknown (not stated, already past, or implausibly far ahead).
        endpoint: Method and URL of the failing request, without its query string.
        ccxt_error: The name of the ccxt exception class that was raised.
        source: Where the matching rule comes from (an exchange doc or issue URL).
        key_fingerprint: The `fingerprint` of the API key the rejected client
            holds (``"sha256:3f9a0c1e"``, never the key), when known: it tells
            a bot's keys apart, and two keys on one exchange are two incidents.
        at: When the rejection was diagnosed (UTC).

    Added in *0.1.0*.
    """

    exchange: str = attrs.field(converter=_to_exchange)
    kind: Kind = attrs.field(validator=attrs.validators.in_(KINDS))
    confidence: Confidence = attrs.field(validator=attrs.validators.in_(CONFIDENCES))
    code: str | None = attrs.field(default=None, converter=_to_code)
    http_status: int | None = None
    message: str = attrs.field(default="", converter=_to_message)
    reported_ip: IPAddress | None = attrs.field(default=None, converter=_to_ip)
    egress_ips: tuple[IPAddress, ...] = attrs.field(default=(), converter=to_ips)
    egress_error: str | None = attrs.field(default=None, converter=_to_egress_error)
    address_family: int | None = attrs.field(
        default=None, validator=attrs.validators.optional(attrs.validators.in_((4, 6)))
    )
    whitelisted: bool | None = None
    hints: tuple[Hint, ...] = attrs.field(default=(), converter=_to_hints)
    evidence: tuple[str, ...] = attrs.field(default=(), converter=_to_items)
    remediation: tuple[str, ...] = attrs.field(default=(), converter=_to_items)
    banned_until: datetime | None = attrs.field(default=None, converter=_to_utc)
    endpoint: str | None = attrs.field(default=None, converter=_to_endpoint)
    ccxt_error: str | None = attrs.field(default=None, converter=_to_ccxt_error)
    source: str | None = attrs.field(default=None, converter=_to_source)
    key_fingerprint: str | None = attrs.field(default=None, converter=_to_fingerprint)
    at: datetime = attrs.field(factory=_now, converter=_to_utc)

    if not TYPE_CHECKING:  # for mypy, a missing attribute stays an error

        def __getattr__(self, name: str) -> Any:
            # Only called when a slot is empty: a field of a deferred diagnosis not read yet.
            if name in _EAGER_INDEX:
                _give(self)
            elif name in _DEFERRED:
                _settle(self)
            else:
                raise AttributeError(
                    f"{type(self).__name__!r} object has no attribute {name!r}", name=name, obj=self
                )
            return object.__getattribute__(self, name)

    @property
    def headline(self) -> str:
        """One line: what happened, where, and how sure we are."""
        return escape_controls(
            f"{self.exchange}: {_HEADLINES[self.kind]} (confidence: {self.confidence})"
        )

    def to_dict(self) -> dict[str, Any]:
        """
        Return the diagnosis as a JSON-safe dict.

        IP addresses become strings, datetimes ISO 8601 strings, tuples lists.
        """
        return attrs.asdict(self, value_serializer=_serialize)

    def __str__(self) -> str:
        lines = [f"IP rejection from {self.headline}"]
        said = " ".join(
            part
            for part in (
                f"code {self.code}" if self.code is not None else "",
                f"HTTP {self.http_status}" if self.http_status is not None else "",
            )
            if part
        )
        lines.append(
            f"  exchange said:   {self.message or '(no message)'}" + (f" [{said}]" if said else "")
        )
        if self.endpoint:
            lines.append(f"  request:         {self.endpoint}")
        if self.key_fingerprint:
            lines.append(f"  key fingerprint: {self.key_fingerprint}")
        lines.append(f"  IP it saw:       {self.reported_ip or 'not stated by the exchange'}")
        lines.append(f"  egress IP(s):    {self._egress_line()}")
        if self.address_family is not None:
            lines.append(f"  request used:    IPv{self.address_family}")
        if self.whitelisted is None and self.reported_ip is None and not self.egress_ips:
            # Without an address there was nothing to compare, whitelist or not.
            detection = "failed" if self.egress_error else "disabled"
            lines.append(
                f"  documented list: not compared: no IP known (none stated, egress detection "
                f"{detection})"
            )
        else:
            lines.append(f"  documented list: {_WHITELISTED[self.whitelisted]}")
        if self.banned_until is not None:
            lines.append(f"  banned until:    {self.banned_until.isoformat()}")
        lines.extend(f"  evidence:        {reason}" for reason in self.evidence)
        for hint in self.hints:
            lines.append(f"  environment:     {hint.summary}")
            lines.append(f"                   -> {hint.fix}")
        if self.remediation:
            lines.append("To restore trading:")
            lines.extend(f"  {n}. {step}" for n, step in enumerate(self.remediation, 1))
        if self.source:
            lines.append(f"Rule source: {self.source}")
        # Each line escaped: a newline inside a field cannot start a line of its own.
        return human_lines(lines)

    def _egress_line(self) -> str:
        if self.egress_ips:
            return ", ".join(map(str, self.egress_ips))
        if self.egress_error:
            return f"unknown (egress detection failed: {self.egress_error})"
        return "unknown (egress detection disabled)"


#: The fields a deferred diagnosis computes on first read: the text people read,
#: all of it redacted. Every other field (what hooks, incident keys and metrics
#: use) is worked out when the diagnosis is made (`eager`), and set when first read.
_DEFERRED = ("message", "hints", "evidence", "remediation", "endpoint")
_settle_lock = ForkSafeLock()
_GIVEN_SLOT: Any = _Deferrable.__dict__["_given"]
DEGRADED = "the full diagnosis could not be built (the ipwhitelist log has the error)"


#: The fields a diagnosis is given at once, in the order of `eager`'s values.
_EAGER = (
    "exchange",
    "kind",
    "confidence",
    "code",
    "http_status",
    "reported_ip",
    "egress_ips",
    "egress_error",
    "address_family",
    "whitelisted",
    "banned_until",
    "ccxt_error",
    "source",
    "key_fingerprint",
)
_EAGER_INDEX = {name: index for index, name in enumerate(_EAGER)}


def eager(
    *,
    exchange: str,
    kind: Kind,
    confidence: Confidence,
    code: str | None,
    http_status: int | None,
    reported_ip: IPAddress | None,
    egress_ips: tuple[IPAddress, ...],
    egress_error: str | None,
    address_family: int | None,
    whitelisted: bool | None,
    banned_until: datetime | None,
    ccxt_error: str | None,
    source: str | None,
    key_fingerprint: str | None = None,
    secrets: tuple[str, ...] = (),
) -> Given:
    """
    The values of the fields a `deferred` diagnosis is given (all but `at`).

    Each goes through its converter now, *secrets* known to the redaction: the
    text fields take `scrub` with their caps, as their converters do (str()
    first). The result holds no secret and does not change, so the diagnoses
    of a repeated rejection share it.
    """
    texts = scrub_fields(
        (
            str(exchange),
            _text(code),
            _text(egress_error),
            _text(ccxt_error),
            _text(source),
        ),
        _FIELD_CAPS,
        secrets,
    )
    return Given(
        texts[0],
        kind,
        confidence,
        texts[1],
        http_status,
        None if reported_ip is None else _to_ip(reported_ip),
        to_ips(egress_ips) if egress_ips else (),
        texts[2],
        address_family,
        whitelisted,
        _to_utc(banned_until),
        texts[3],
        texts[4],
        _to_fingerprint(key_fingerprint),
    )


def deferred(build: Callable[[datetime], Diagnosis], given: Given, at: datetime) -> Diagnosis:
    """
    A diagnosis made at *at*, with the fields *given* (`eager`), whose text *build* computes.

    Only `at` is set now: the given fields are set when one is first read
    (`_give`; the incident log of a repeated rejection reads none, see
    `incident_of`), and the text fields (`_DEFERRED`) when one of them is
    (`_settle`): ``build(at)`` returns the whole diagnosis, made the ordinary
    way from the same inputs, and only its deferred fields are kept. It runs
    at most once, under a lock; then it is dropped, and with it the inputs it
    holds (the redaction secrets among them), which nothing else shows:
    ``repr()``, ``str()``, equality, `to_dict`, pickling, copying and
    `attrs.evolve` read the fields, and reading one settles them all first.
    """
    diagnosis = object.__new__(Diagnosis)
    object.__setattr__(diagnosis, "at", _to_utc(at))
    object.__setattr__(diagnosis, "_given", given)
    object.__setattr__(diagnosis, "_deferred", build)
    return diagnosis


class Given:
    """
    The values of the fields a deferred diagnosis is given (`eager`), in `_EAGER`'s order.

    Scrubbed and converted: they hold no secret. The diagnoses of a repeated
    rejection share one; `incident` is their incident key once worked out
    (`_incidents.incident_key`), which is a function of these values only.
    """

    __slots__ = ("incident", "values")

    def __init__(self, *values: object) -> None:
        self.values = values
        self.incident: object = None


def _give(diagnosis: Diagnosis) -> None:
    """Set a deferred diagnosis's given fields (idempotent: racing threads set the same)."""
    given = object.__getattribute__(diagnosis, "_given")
    # One C-level pass (consumed by a deque that keeps nothing).
    deque(map(object.__setattr__, repeat(diagnosis), _EAGER, given.values), maxlen=0)


def given_of(diagnosis: Diagnosis) -> Given | None:
    """The `Given` a deferred diagnosis was made with, or ``None``."""
    try:
        given: Given = _GIVEN_SLOT.__get__(diagnosis, Diagnosis)
    except AttributeError:
        return None
    return given


def peek(diagnosis: Diagnosis, name: str) -> Any:
    """The given field *name* (one of `_EAGER`), read without setting a deferred diagnosis's."""
    try:
        values = _GIVEN_SLOT.__get__(diagnosis, Diagnosis).values
    except AttributeError:  # not deferred: its fields are set
        return getattr(diagnosis, name)
    return values[_EAGER_INDEX[name]]


def _text(value: object) -> str | None:
    return value if value is None or type(value) is str else str(value)


# exchange, code, egress_error, ccxt_error, source: the caps of their converters.
_FIELD_CAPS = (
    CAPS["exchange"],
    CAPS["code"],
    CAPS["egress_error"],
    CAPS["ccxt_error"],
    CAPS["source"],
)


def _settle(diagnosis: Diagnosis) -> None:
    """Compute a deferred diagnosis's text fields, once; never raises."""
    failure: Exception | None = None
    with _settle_lock:
        try:
            build = object.__getattribute__(diagnosis, "_deferred")
        except AttributeError:
            return  # settled by another thread meanwhile (or never deferred)
        try:
            full = build(object.__getattribute__(diagnosis, "at"))
            values = tuple(getattr(full, name) for name in _DEFERRED)
        except Exception as exc:  # noqa: BLE001 - logged below, outside the lock
            # Reading a diagnosis must never raise: keep the structured facts.
            failure = exc
            values = ("", (), (DEGRADED,), (), None)
        for name, value in zip(_DEFERRED, values, strict=True):
            object.__setattr__(diagnosis, name, value)
        object.__delattr__(diagnosis, "_deferred")
        del build
    if failure is not None:
        # Outside the lock: a log handler may read another deferred diagnosis.
        try:
            logger.error(
                "ipwhitelist: building the diagnosis failed; using a minimal one", exc_info=failure
            )
        finally:
            del failure  # its traceback holds this frame


_WHITELISTED = {
    True: "on the documented whitelist",
    False: "NOT on the documented whitelist",
    None: "no documented whitelist to compare with (pass whitelist= to wrap())",
}


def _serialize(_inst: object, _field: object, value: Any) -> Any:
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value
