"""
The assessment: how sure a rejection is, and the `Diagnosis` that says so.

Pure: the rule that matched and the evidence at hand (the egress addresses,
the documented whitelist, whether the client authenticated before) in;
confidence, the reasons and the diagnosis out. The I/O that gathers the
evidence (the egress lookup, the environment's hints) happens above, in the
client layer, which hands its results in.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, runtime_checkable

import attrs

from . import advice
from .address import non_source
from .diagnosis import DEGRADED, Confidence, Diagnosis, Hint, IPAddress, deferred, eager
from .redact import escape_controls, known_secrets

if TYPE_CHECKING:
    from collections.abc import Callable

    from .classify import Match

__all__ = [
    "DEGRADED",
    "PRIVATE_ADDRESS_HINT",
    "Evidence",
    "Prepared",
    "SupportsAllows",
    "assess",
    "diagnosis",
    "message",
    "minimal",
    "private_sources",
    "source_ip",
]

logger = logging.getLogger("ipwhitelist")

_RANK: dict[Confidence, int] = {"possible": 0, "likely": 1, "confirmed": 2}


@runtime_checkable
class SupportsAllows(Protocol):
    """Anything that can say whether an exchange key allows an IP (e.g. a registry)."""

    def allows(self, exchange: str, ip: IPAddress) -> bool:
        """Return whether *ip* is documented as allowed for *exchange*."""


@attrs.frozen(kw_only=True)
class Evidence:
    """What is known about one rejection besides the exchange's response."""

    match: Match
    whitelist: SupportsAllows | None
    already_authenticated: bool
    ccxt_error: str | None
    egress_ips: tuple[IPAddress, ...] = ()
    #: Non-public addresses are real sources here (a lab, a private link): the
    #: egress detector accepts them, or the documented list holds one.
    private_sources: bool = False

    @property
    def reported_ip(self) -> IPAddress | None:
        """The address the exchange named, if it can be where the request came from."""
        return source_ip(self.match, private_sources=self.private_sources)


def private_sources(whitelist: object, detector: object) -> bool:
    """Whether the setup says non-public addresses are real sources (see `source_ip`)."""
    networks = getattr(whitelist, "networks", None) or ()
    return bool(getattr(detector, "allow_private", False)) or any(
        non_source(network.network_address) is not None for network in networks
    )


def source_ip(match: Match, *, private_sources: bool = False) -> IPAddress | None:
    """
    The address the exchange named, when it can be the one it saw; else ``None``.

    A loopback, private, link-local, multicast, reserved or unspecified address
    (`non_source`) is no request's source on the internet: a proxy or load
    balancer forwarded it, or the text means something else. It is not acted
    on, unless *private_sources* (a lab or a private link to the exchange,
    where such addresses are real sources: the documented list holds one, or
    the egress detector accepts them).
    """
    ip = match.reported_ip
    if ip is None or private_sources or non_source(ip) is None:
        return ip
    return None


def _not_a_source(match: Match, reported: IPAddress | None) -> list[str]:
    named = match.reported_ip
    if named is None or reported is not None:
        return []
    reason = (
        f"the exchange's message names {named}, {non_source(named)} address: no request "
        "reaches an exchange from it over the internet, so it is not taken as the IP the "
        "exchange saw (a proxy or load balancer in between may have forwarded it)"
    )
    return [reason]


def _raise_to(level: Confidence, to: Confidence) -> Confidence:
    return to if _RANK[to] > _RANK[level] else level


def _allows(whitelist: SupportsAllows, exchange: str, ip: IPAddress) -> bool:
    return bool(whitelist.allows(exchange, ip))


def _membership(
    whitelist: SupportsAllows | None,
    exchange: str,
    seen: tuple[IPAddress, ...],
    evidence: list[str],
) -> tuple[bool | None, bool]:
    """Whether *seen* is on the documented whitelist, and whether only partly."""
    if whitelist is None or not seen:
        return None, False
    missing = [ip for ip in seen if not _allows(whitelist, exchange, ip)]
    if missing:
        evidence.append(f"{', '.join(map(str, missing))} is not on the documented whitelist")
    else:
        evidence.append(f"{', '.join(map(str, seen))} is on the documented whitelist")
    return not missing, 0 < len(missing) < len(seen)


def assess(evidence: Evidence) -> tuple[Confidence, bool | None, list[str]]:
    """Decide confidence and whitelist membership; also say why, one line per reason."""
    match = evidence.match
    egress_ips = evidence.egress_ips
    rule = match.rule
    confidence: Confidence = rule.confidence
    reported_ip = evidence.reported_ip
    reasons: list[str] = _not_a_source(match, reported_ip)
    if reported_ip is not None:
        reasons.append(f"the exchange's message names the IP it saw: {reported_ip}")
        if egress_ips and reported_ip not in egress_ips:
            reasons.append(
                f"the exchange saw {reported_ip} but this host's egress is "
                f"{', '.join(map(str, egress_ips))}: a proxy, NAT pool, VPN or the other "
                "address family stands between them"
            )
    if evidence.already_authenticated:
        # Only Binance's ccxt classes turn -2015 into DDoSProtection after a
        # success; elsewhere the option is the user's and ccxt's class stays.
        trap = " (ccxt raised the rejection as DDoSProtection)"
        reasons.append(
            "this client authenticated successfully earlier in this process, so the key and "
            "secret were valid then" + (trap if evidence.ccxt_error == "DDoSProtection" else "")
        )
    # The IP the exchange names is the one it saw; failing that, our egress IPs
    # are candidates (on a dual-stack host we cannot tell which family it used).
    seen = (reported_ip,) if reported_ip is not None else egress_ips
    whitelisted, partial = _membership(evidence.whitelist, match.response.exchange, seen, reasons)
    if rule.kind != "ip_not_whitelisted":
        return confidence, whitelisted, reasons
    if whitelisted is False and partial:
        reasons.append(
            "another egress address is on the list: the cause is confirmed only if the "
            "exchange is reached over the missing address's family"
        )
        confidence = _raise_to(confidence, "likely")
    elif whitelisted is False:
        confidence = "confirmed"
    elif whitelisted is True and rule.confidence == "confirmed":
        reasons.append(
            "the exchange refuses an IP that the documented whitelist allows: the key's "
            "actual list on the exchange differs from the documented one"
        )
    elif whitelisted is True:
        reasons.append("so the key, its secret or its permissions are the more likely cause")
    elif reported_ip is not None or evidence.already_authenticated:
        confidence = _raise_to(confidence, "likely")
    return confidence, whitelisted, reasons


#: The name of the hint that the exchange named a non-public address (`address_hints`).
PRIVATE_ADDRESS_HINT = "private_address"


def diagnosis(
    evidence: Evidence,
    *,
    egress_error: str | None,
    address_family: int | None,
    hints: tuple[Hint, ...],
    key_page: str,
    key_fingerprint: str | None = None,
) -> Diagnosis:
    """Assess *evidence* and build the diagnosis, with what the layers above found."""
    return Diagnosis(
        **_fields(
            evidence,
            _verdict(evidence),
            egress_error=egress_error,
            address_family=address_family,
            key_page=key_page,
        ),
        hints=_shown(evidence, hints),
        key_fingerprint=key_fingerprint,
    )


def _shown(evidence: Evidence, hints: tuple[Hint, ...]) -> tuple[Hint, ...]:
    """*hints* less those that would contradict the steps."""
    if evidence.private_sources:
        # The setup says non-public addresses are real sources (a lab, a private
        # link): the address the exchange named is acted on, so a hint
        # calling it a forwarded proxy's would contradict the steps.
        return tuple(h for h in hints if h.name != PRIVATE_ADDRESS_HINT)
    return hints


class Prepared:
    """
    What every diagnosis of one rejection's inputs shares, worked out once.

    The assessment, the fields a diagnosis is given at once (converted, the
    short texts scrubbed with the credentials known: `eager`) and what its
    text will be built from. `diagnosis` makes a deferred diagnosis of it;
    the client layer remembers a few (`mapping`), keyed by everything they
    are made from, credentials included, so that a bot's repeated rejection
    costs one lookup. It holds the credentials (to scrub the text when it is
    built) and shows nothing: no repr of its contents.
    """

    __slots__ = (
        "_egress_error",
        "_evidence",
        "_family",
        "_hints",
        "_key_page",
        "_secrets",
        "_verdict",
        "fingerprint",
        "given",
        "keep",
    )

    def __init__(
        self,
        evidence: Evidence,
        *,
        egress_error: str | None,
        address_family: int | None,
        hints: Callable[[], tuple[Hint, ...]],
        key_page: str,
        secrets: tuple[str, ...],
        key_fingerprint: str | None = None,
        keep: object = None,
    ) -> None:
        verdict = _verdict(evidence)
        match = evidence.match
        response = match.response
        reported = evidence.reported_ip
        self.given = eager(
            exchange=response.exchange,
            kind=match.rule.kind,
            confidence=verdict[0],
            code=response.code,
            http_status=response.http_status,
            reported_ip=reported,
            egress_ips=evidence.egress_ips,
            egress_error=egress_error,
            address_family=reported.version if reported is not None else address_family,
            whitelisted=verdict[1],
            banned_until=match.banned_until,
            ccxt_error=evidence.ccxt_error,
            source=match.rule.source,
            key_fingerprint=key_fingerprint,
            secrets=secrets,
        )
        # The reasons are a list for `_fields`' callers: a copy per build, never shared.
        self._verdict = (verdict[0], verdict[1], tuple(verdict[2]), verdict[3])
        self._evidence = evidence
        self._egress_error = egress_error
        self._family = address_family
        self._hints = hints
        self._key_page = key_page
        self._secrets = secrets
        self.fingerprint = key_fingerprint
        #: Objects the caller's memo key names by identity: alive as long as this is.
        self.keep = keep

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def diagnosis(self) -> Diagnosis:
        """A diagnosis made now, its text built from these inputs when first read."""
        return deferred(self, self.given, datetime.now(UTC))

    def __call__(self, at: datetime) -> Diagnosis:
        """The whole diagnosis made at *at* (what `deferred` calls: `build`)."""
        return self.build(at)

    def build(self, at: datetime) -> Diagnosis:
        """The whole diagnosis made at *at*, made the ordinary way (the text redacted)."""
        confidence, whitelisted, reasons, act_on = self._verdict
        evidence = self._evidence
        fields = _fields(
            evidence,
            (confidence, whitelisted, list(reasons), act_on),
            egress_error=self._egress_error,
            address_family=self._family,
            key_page=self._key_page,
        )
        with known_secrets(self._secrets):
            return Diagnosis(
                **fields,
                hints=_shown(evidence, self._hints()),
                key_fingerprint=self.fingerprint,
                at=at,
            )


_Verdict: TypeAlias = tuple[Confidence, bool | None, list[str], IPAddress | None]


def _verdict(evidence: Evidence) -> _Verdict:
    """`assess`, and the address the remediation acts on."""
    match = evidence.match
    egress_ips = evidence.egress_ips
    whitelist = evidence.whitelist
    confidence, whitelisted, reasons = assess(evidence)
    reported_ip = evidence.reported_ip
    seen = (reported_ip,) if reported_ip is not None else egress_ips
    # Act on the address the exchange named; else on an egress address that is
    # not on the documented list (on a dual-stack host, the one that needs adding).
    act_on = seen[0] if seen else None
    if reported_ip is None and whitelist is not None:
        exchange = match.response.exchange
        act_on = next((ip for ip in egress_ips if not whitelist.allows(exchange, ip)), act_on)
    return confidence, whitelisted, reasons, act_on


def _fields(
    evidence: Evidence,
    verdict: _Verdict,
    *,
    egress_error: str | None,
    address_family: int | None,
    key_page: str,
) -> dict[str, Any]:
    """Every field of the diagnosis but its hints, as raw values (the converters run later)."""
    match = evidence.match
    response = match.response
    rule = match.rule
    reported_ip = evidence.reported_ip
    confidence, whitelisted, reasons, act_on = verdict
    endpoint = f"{response.method or 'GET'} {response.url}" if response.url is not None else None
    return {
        "exchange": response.exchange,
        "kind": rule.kind,
        "confidence": confidence,
        "code": response.code,
        "http_status": response.http_status,
        "message": response.message or response.body,
        "reported_ip": reported_ip,
        "egress_ips": evidence.egress_ips,
        "egress_error": egress_error,
        "address_family": reported_ip.version if reported_ip is not None else address_family,
        "whitelisted": whitelisted,
        "evidence": reasons,
        "remediation": advice.steps(
            rule.kind,
            key_page,
            act_on,
            ambiguous=confidence != "confirmed" and rule.kind == "ip_not_whitelisted",
            reported=reported_ip is not None,
        ),
        "banned_until": match.banned_until,
        "endpoint": endpoint,
        "ccxt_error": evidence.ccxt_error,
        "source": rule.source,
    }


def message(diagnosis: Diagnosis) -> str:
    """The exception's one-line message; the full story is ``str(exc.diagnosis)``."""
    # One line for logs that print str(exc), whatever the exchange said.
    parts = [diagnosis.headline]
    if diagnosis.message:
        parts.append(f"exchange said: {diagnosis.message}")
    if diagnosis.reported_ip is not None:
        parts.append(f"IP seen by the exchange: {diagnosis.reported_ip}")
    if diagnosis.egress_ips:
        parts.append(f"egress: {', '.join(map(str, diagnosis.egress_ips))}")
    elif diagnosis.egress_error:
        parts.append("egress: unknown (detection failed)")
    if diagnosis.whitelisted is not None:
        parts.append(
            "on the documented whitelist"
            if diagnosis.whitelisted
            else "NOT on the documented whitelist"
        )
    # One line, whatever the exchange's message holds: log lines cannot be forged.
    return escape_controls("; ".join(parts))


def minimal(
    match: Match,
    ccxt_error: str | None,
    secrets: tuple[str, ...] | None,
    key_fingerprint: str | None = None,
) -> Diagnosis:
    """What the rule alone says; *secrets* ``None`` means the credentials are unknown."""
    response = match.response
    rule = match.rule
    try:
        with known_secrets(secrets or ()):
            return Diagnosis(
                exchange=response.exchange,
                kind=rule.kind,
                confidence=rule.confidence,
                code=response.code,
                http_status=response.http_status,
                message=response.message if secrets is not None else "",
                reported_ip=source_ip(match),
                banned_until=match.banned_until,
                evidence=(DEGRADED,),
                ccxt_error=ccxt_error,
                source=rule.source,
                key_fingerprint=key_fingerprint,
            )
    except Exception:
        # Even the exchange's own words failed to convert (redaction, a
        # malformed field): keep only what the rule itself states.
        logger.exception("ipwhitelist: the minimal diagnosis failed; using the rule alone")
        return Diagnosis(
            exchange=str(response.exchange),
            kind=rule.kind,
            confidence=rule.confidence,
            evidence=(DEGRADED,),
            source=rule.source,
        )
