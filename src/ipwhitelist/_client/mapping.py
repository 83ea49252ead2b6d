"""
The one place that turns a ccxt exception into an `IPRejection`.

`reject()` is pure (classification and a diagnosis without egress). The I/O
edge comes in twins, `complete_sync()` and `complete_async()`, which add the
egress lookup on the rejection path only and finish the diagnosis.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import attrs

from .._core import advice, classify, hooks
from .._core.chain import stand_in
from .._core.diagnosis import Confidence, Diagnosis, IPAddress
from .._core.redact import credentials_of, escape_controls, known_secrets
from .._egress import hints
from ..errors import GeoRestricted, IPBanned, IPNotWhitelisted, IPRejection
from . import watch

if TYPE_CHECKING:
    from .._egress.detector import EgressDetector, EgressReport
    from .._whitelist.whitelist import SupportsAllows
    from .ipversion import AddressFamily

__all__ = [
    "Settings",
    "complete_async",
    "complete_sync",
    "diagnose_match",
    "needs_egress",
    "proxy_of",
    "reject",
    "url_prefix_of",
]

logger = logging.getLogger("ipwhitelist")

_CLASSES: dict[str, type[IPRejection]] = {
    "ip_not_whitelisted": IPNotWhitelisted,
    "ip_banned": IPBanned,
    "geo_restricted": GeoRestricted,
}
_RANK: dict[Confidence, int] = {"possible": 0, "likely": 1, "confirmed": 2}


@attrs.frozen(kw_only=True)
class Settings:
    """What one `wrap()` / `diagnose()` call was configured with."""

    egress: EgressDetector | None = None
    whitelist: SupportsAllows | None = None
    family: AddressFamily | None = None


@attrs.define(kw_only=True)
class _Pending:
    match: classify.Match
    settings: Settings
    # Credentials and proxy URLs: never in a repr.
    secrets: tuple[str, ...] = attrs.field(repr=False)
    proxy: str | None = attrs.field(repr=False)
    url_prefix: str | None = attrs.field(default=None, repr=False)
    already_authenticated: bool
    ccxt_error: str | None
    client: object = attrs.field(default=None, repr=False)


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


def _assess(
    pending: _Pending, egress_ips: tuple[IPAddress, ...]
) -> tuple[Confidence, bool | None, list[str]]:
    """Decide confidence and whitelist membership from the evidence at hand."""
    match = pending.match
    rule = match.rule
    confidence: Confidence = rule.confidence
    evidence: list[str] = []
    if match.reported_ip is not None:
        evidence.append(f"the exchange's message names the IP it saw: {match.reported_ip}")
        if egress_ips and match.reported_ip not in egress_ips:
            evidence.append(
                f"the exchange saw {match.reported_ip} but this host's egress is "
                f"{', '.join(map(str, egress_ips))}: a proxy, NAT pool, VPN or the other "
                "address family stands between them"
            )
    if pending.already_authenticated:
        # Only Binance's ccxt classes turn -2015 into DDoSProtection after a
        # success; elsewhere the option is the user's and ccxt's class stays.
        trap = " (ccxt raised the rejection as DDoSProtection)"
        evidence.append(
            "this client authenticated successfully earlier in this process, so the key and "
            "secret were valid then" + (trap if pending.ccxt_error == "DDoSProtection" else "")
        )
    # The IP the exchange names is the one it saw; failing that, our egress IPs
    # are candidates (on a dual-stack host we cannot tell which family it used).
    seen = (match.reported_ip,) if match.reported_ip is not None else egress_ips
    whitelisted, partial = _membership(
        pending.settings.whitelist, match.response.exchange, seen, evidence
    )
    if rule.kind != "ip_not_whitelisted":
        return confidence, whitelisted, evidence
    if whitelisted is False and partial:
        evidence.append(
            "another egress address is on the list: the cause is confirmed only if the "
            "exchange is reached over the missing address's family"
        )
        confidence = _raise_to(confidence, "likely")
    elif whitelisted is False:
        confidence = "confirmed"
    elif whitelisted is True and rule.confidence == "confirmed":
        evidence.append(
            "the exchange refuses an IP that the documented whitelist allows: the key's "
            "actual list on the exchange differs from the documented one"
        )
    elif whitelisted is True:
        evidence.append("so the key, its secret or its permissions are the more likely cause")
    elif match.reported_ip is not None or pending.already_authenticated:
        confidence = _raise_to(confidence, "likely")
    return confidence, whitelisted, evidence


def diagnose_match(pending: _Pending, egress: EgressReport | None) -> Diagnosis:
    """Assess the evidence and build the diagnosis (pure)."""
    # The diagnosis's converters remove the client's credentials from every
    # field built here, whatever text it came from.
    with known_secrets(pending.secrets):
        return _diagnose(pending, egress)


def _diagnose(pending: _Pending, egress: EgressReport | None) -> Diagnosis:
    match = pending.match
    response = match.response
    rule = match.rule
    egress_ips = egress.ips if egress is not None else ()
    whitelist = pending.settings.whitelist
    confidence, whitelisted, evidence = _assess(pending, egress_ips)
    seen = (match.reported_ip,) if match.reported_ip is not None else egress_ips
    # Act on the address the exchange named; else on an egress address that is
    # not on the documented list (on a dual-stack host, the one that needs adding).
    act_on = seen[0] if seen else None
    if match.reported_ip is None and whitelist is not None:
        act_on = next(
            (ip for ip in egress_ips if not whitelist.allows(response.exchange, ip)), act_on
        )
    found = (
        *hints.address_hints(
            match.reported_ip,
            egress_ips,
            getattr(whitelist, "networks", ()),
            pending.settings.family,
        ),
        *hints.client_hints(pending.proxy or pending.url_prefix),
        *hints.process_hints(),
    )
    endpoint = f"{response.method or 'GET'} {response.url}" if response.url is not None else None
    return Diagnosis(
        exchange=response.exchange,
        kind=rule.kind,
        confidence=confidence,
        code=response.code,
        http_status=response.http_status,
        message=response.message or response.body,
        reported_ip=match.reported_ip,
        egress_ips=egress_ips,
        egress_error=_egress_error(pending, egress),
        address_family=match.reported_ip.version
        if match.reported_ip is not None
        else pending.settings.family,
        whitelisted=whitelisted,
        hints=found,
        evidence=evidence,
        remediation=advice.steps(
            rule.kind,
            response.families,
            act_on,
            ambiguous=confidence != "confirmed" and rule.kind == "ip_not_whitelisted",
            reported=match.reported_ip is not None,
        ),
        banned_until=match.banned_until,
        endpoint=endpoint,
        ccxt_error=pending.ccxt_error,
        source=rule.source,
    )


def _egress_error(pending: _Pending, egress: EgressReport | None) -> str | None:
    """Why the lookup found no address; ``None`` when it found one or was disabled."""
    if pending.settings.egress is None:
        return None
    if egress is None:
        # complete_sync/async replace this diagnosis once the lookup is done.
        return "not looked up yet"
    # Already loaded: the settings' detector comes from that module.
    from .._egress.detector import failure

    return failure(egress)


def _lookup_raised(exc: Exception) -> EgressReport:
    from .._egress.detector import EgressReport  # already loaded, as in _egress_error

    return EgressReport(errors=(f"the lookup raised {type(exc).__name__} (see the log)",))


def _message(diagnosis: Diagnosis) -> str:
    # One line for logs that print str(exc); the full story is str(exc.diagnosis).
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


def reject(
    exc: BaseException | None,
    response: classify.Response,
    *,
    settings: Settings,
    exchange: object = None,
) -> IPRejection | None:
    """
    Classify *response*; return an `IPRejection` (egress not yet looked up) or ``None``.

    *exchange* is the ccxt client, when known: its credentials are redacted,
    its proxy settings route the egress lookup, and its options tell whether
    it authenticated before. The caller raises the result ``from exc``;
    `complete_sync` / `complete_async` add the egress lookup first when the
    settings ask for one.
    """
    try:
        match = classify.match(response)
    except Exception:  # a broken user rule must not break the bot
        logger.exception("ipwhitelist: classification failed; passing the error through")
        return None
    if match is None:
        return None
    try:
        pending = _pending(match, exc, settings, exchange)
    except Exception:
        # A client whose attributes raise: its credentials are unknown, so the
        # diagnosis cannot be redacted by value and quotes nothing from the exchange.
        logger.exception("ipwhitelist: reading the client failed; using a minimal diagnosis")
        diagnosis = _minimal(match, type(exc).__name__ if exc is not None else None, None)
        _emit(diagnosis, exchange)
        return _rejection(diagnosis, exc, ())
    # A fresh cached egress answer needs no I/O: finish the diagnosis now and
    # build it once. Otherwise the I/O edge finishes it (complete_sync/async).
    cached = _cached(settings.egress, pending)
    diagnosis = _safe_diagnose(pending, cached)
    rejection = _rejection(diagnosis, exc, pending.secrets)
    if settings.egress is not None and cached is None:
        rejection._ipw_pending = pending
    else:
        _emit(diagnosis, exchange)
    return rejection


def _rejection(
    diagnosis: Diagnosis, exc: BaseException | None, secrets: tuple[str, ...]
) -> IPRejection:
    rejection = _CLASSES[diagnosis.kind](_message(diagnosis), diagnosis=diagnosis, original=exc)
    try:
        # What tracebacks show: every raise site raises the rejection from it.
        rejection.__cause__ = stand_in(exc, secrets)
    except Exception:
        # No redacted copy, no chain shown: .original still has it all.
        logger.exception("ipwhitelist: copying the ccxt error for tracebacks failed")
    return rejection


def _emit(diagnosis: Diagnosis, client: object) -> None:
    """Tell the hooks; then watch *client* (when known) for calls that succeed again."""
    hooks.emit(diagnosis)
    if client is not None:
        # After the hooks: the incident is open before its end can be seen.
        watch.arm(client)


def _pending(
    match: classify.Match, exc: BaseException | None, settings: Settings, exchange: object
) -> _Pending:
    options = getattr(exchange, "options", None)
    return _Pending(
        match=match,
        settings=settings,
        secrets=credentials_of(exchange) if exchange is not None else (),
        proxy=proxy_of(exchange) if exchange is not None else None,
        url_prefix=url_prefix_of(exchange) if exchange is not None else None,
        already_authenticated=bool(
            isinstance(options, dict) and options.get("hasAlreadyAuthenticatedSuccessfully")
        ),
        ccxt_error=type(exc).__name__ if exc is not None else None,
        client=exchange,
    )


def _cached(egress: EgressDetector | None, pending: _Pending) -> EgressReport | None:
    if egress is None:
        return None
    try:
        return egress.cached(pending.proxy, pending.url_prefix)
    except Exception:
        # The lookup in complete_sync/async runs the same guarded way.
        logger.exception("ipwhitelist: reading the egress cache failed")
        return None


def _safe_diagnose(pending: _Pending, egress: EgressReport | None) -> Diagnosis:
    try:
        return diagnose_match(pending, egress)
    except Exception:
        # Diagnosis building must never turn a rejection into a crash.
        logger.exception("ipwhitelist: building the diagnosis failed; using a minimal one")
        return _minimal(pending.match, pending.ccxt_error, pending.secrets)


_DEGRADED = "the full diagnosis could not be built (the ipwhitelist log has the error)"


def _minimal(
    match: classify.Match, ccxt_error: str | None, secrets: tuple[str, ...] | None
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
                reported_ip=match.reported_ip,
                banned_until=match.banned_until,
                evidence=(_DEGRADED,),
                ccxt_error=ccxt_error,
                source=rule.source,
            )
    except Exception:
        # Even the exchange's own words failed to convert (redaction, a
        # malformed field): keep only what the rule itself states.
        logger.exception("ipwhitelist: the minimal diagnosis failed; using the rule alone")
        return Diagnosis(
            exchange=str(response.exchange),
            kind=rule.kind,
            confidence=rule.confidence,
            evidence=(_DEGRADED,),
            source=rule.source,
        )


def _finish(rejection: IPRejection, pending: _Pending, egress: EgressReport) -> None:
    diagnosis = _safe_diagnose(pending, egress)
    rejection.diagnosis = diagnosis
    rejection.args = (_message(diagnosis),)
    _emit(diagnosis, pending.client)


def needs_egress(rejection: IPRejection) -> bool:
    """Whether *rejection* still waits for its egress lookup."""
    return getattr(rejection, "_ipw_pending", None) is not None


def _take(rejection: IPRejection) -> _Pending | None:
    pending: _Pending | None = getattr(rejection, "_ipw_pending", None)
    if pending is not None:
        rejection._ipw_pending = None
    return pending


def complete_sync(rejection: IPRejection) -> None:
    """Look up the egress (blocking, bounded) and finish the diagnosis."""
    pending = _take(rejection)
    if pending is None or pending.settings.egress is None:
        return
    try:
        report = pending.settings.egress.detect(pending.proxy, url_prefix=pending.url_prefix)
    except Exception as exc:
        logger.exception("ipwhitelist: egress lookup failed")
        report = _lookup_raised(exc)
    _finish(rejection, pending, report)


async def complete_async(rejection: IPRejection) -> None:
    """Async twin of `complete_sync`: never blocks the event loop."""
    pending = _take(rejection)
    if pending is None or pending.settings.egress is None:
        return
    try:
        report = await pending.settings.egress.adetect(pending.proxy, url_prefix=pending.url_prefix)
    except Exception as exc:
        logger.exception("ipwhitelist: egress lookup failed")
        report = _lookup_raised(exc)
    _finish(rejection, pending, report)


def url_prefix_of(exchange: Any) -> str | None:
    """Ccxt's URL-prefix proxy (``proxyUrl``, ``proxy_url``, legacy ``proxy``), if set."""
    for name in ("proxyUrl", "proxy_url", "proxy"):
        value = getattr(exchange, name, None)
        if isinstance(value, str) and value:
            return value
    return None


def proxy_of(exchange: Any) -> str | None:
    """The proxy URL a ccxt client sends requests through, if any."""
    for name in (
        "httpsProxy",
        "https_proxy",
        "httpProxy",
        "http_proxy",
        "socksProxy",
        "socks_proxy",
        "aiohttp_proxy",
    ):
        value = getattr(exchange, name, None)
        if isinstance(value, str) and value:
            return value
    proxies = getattr(exchange, "proxies", None)
    if isinstance(proxies, dict):
        value = proxies.get("https") or proxies.get("http")
        if isinstance(value, str) and value:
            return value
    return None
