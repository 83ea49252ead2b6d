"""
The one place that turns a ccxt exception into an `IPRejection`.

`reject()` is pure (classification and a diagnosis without egress). The I/O
edge comes in twins, `complete_sync()` and `complete_async()`, which add the
egress lookup on the rejection path only and finish the diagnosis.
"""

from __future__ import annotations

import logging
import weakref
from typing import TYPE_CHECKING, Any

import attrs

from .._core import assess, classify, hooks
from .._core.chain import stand_in
from .._core.diagnosis import peek
from .._core.redact import known_secrets
from .._egress import hints
from .._exchanges import key_page
from .._whitelist.model import KeyEntry
from .._whitelist.whitelist import Whitelist
from ..errors import GeoRestricted, IPBanned, IPNotWhitelisted, IPRejection
from . import watch
from .introspect import key_fingerprint_of, route_of

if TYPE_CHECKING:
    from .._core.address import AddressFamily
    from .._core.assess import SupportsAllows
    from .._core.diagnosis import Diagnosis, Hint, IPAddress
    from .._egress.detector import EgressDetector
    from .._egress.report import EgressReport

__all__ = [
    "PREPARED_MAX",
    "Settings",
    "clear_memos",
    "complete_async",
    "complete_sync",
    "diagnose_deferred",
    "diagnose_match",
    "reject",
]

logger = logging.getLogger("ipwhitelist")

# Rejections raised before their egress lookup, and what finishing them needs.
# Weak: the bookkeeping lives and dies with the exception, and stays off it.
_waiting: weakref.WeakKeyDictionary[IPRejection, _Pending] = weakref.WeakKeyDictionary()

# The documented lists whose answers never change: the library's own.
_OWN_LISTS = frozenset({Whitelist, KeyEntry})

_CLASSES: dict[str, type[IPRejection]] = {
    "ip_not_whitelisted": IPNotWhitelisted,
    "ip_banned": IPBanned,
    "geo_restricted": GeoRestricted,
}


@attrs.frozen(kw_only=True)
class Settings:
    """What one `wrap()` / `diagnose()` call was configured with."""

    egress: EgressDetector | None = None
    whitelist: SupportsAllows | None = None
    family: AddressFamily | None = None
    #: SDK clients: raise an IP rejection the SDK returned as data (`wrap`'s
    #: *raise_returned*). One object carries it with the rest, so an SDK
    #: client is marked with one attribute (`sdk.base`).
    raise_returned: bool = False


@attrs.define(kw_only=True)
class _Pending:
    match: classify.Match
    settings: Settings
    # Credentials and proxy URLs: never in a repr.
    secrets: tuple[str, ...] = attrs.field(repr=False)
    proxy: str | None = attrs.field(repr=False)
    url_prefix: str | None = attrs.field(default=None, repr=False)
    #: The proxy is the environment's (the session trusts it), not the client's own.
    proxy_from_environment: bool = False
    already_authenticated: bool
    ccxt_error: str | None
    client: object = attrs.field(default=None, repr=False)
    key_fingerprint: str | None = None


def diagnose_match(pending: _Pending, egress: EgressReport | None) -> Diagnosis:
    """Assess the evidence and build the diagnosis (pure)."""
    # The diagnosis's converters remove the client's credentials from every
    # field built here, whatever text it came from.
    with known_secrets(pending.secrets):
        evidence, route, networks = _evidence(pending, egress)
        return assess.diagnosis(
            evidence,
            egress_error=_egress_error(pending, egress),
            address_family=pending.settings.family,
            hints=_hints_of(
                evidence.match.reported_ip,
                evidence.egress_ips,
                networks,
                pending.settings.family,
                route,
                from_environment=pending.proxy_from_environment,
            ),
            key_page=key_page(evidence.match.response.lineage),
            key_fingerprint=pending.key_fingerprint,
        )


def diagnose_deferred(pending: _Pending, egress: EgressReport | None) -> Diagnosis:
    """`diagnose_match`, its text built when first read (`assess.Prepared`)."""
    key = _prepared_key(pending, egress)
    found = _prepared.get(key)
    if found is not None:
        return found.diagnosis()
    prepared = _prepare(pending, egress, keep=(pending.match, pending.settings, egress))
    if _rememberable(pending):
        if len(_prepared) >= PREPARED_MAX:
            _prepared.clear()
        _prepared[key] = prepared
    return prepared.diagnosis()


# A bot that lost its whitelist repeats one rejection many times a second:
# what its diagnoses share is worked out once (`assess.Prepared`) and
# remembered, at most this many, the memo emptied when full.
PREPARED_MAX = 64
_prepared: dict[tuple[object, ...], assess.Prepared] = {}


def clear_memos() -> None:
    """Forget every remembered classification and diagnosis (tests; nothing else needs to)."""
    _prepared.clear()
    classify.clear_memos()


def _prepared_key(pending: _Pending, egress: EgressReport | None) -> tuple[object, ...]:
    """
    What the diagnoses of *pending* are made from, as a memo key.

    Everything `_prepare` reads is in it: the match, the settings and the
    egress report by identity (the `assess.Prepared` keeps them, so no other
    object can take their id while it is remembered), and by value the
    credentials and the route, so that a client whose key or proxy changes
    gets its text scrubbed afresh, and never another client's.
    """
    return (
        id(pending.match),
        id(pending.settings),
        id(egress),
        # Read at each rejection: the detector's switch may be flipped.
        getattr(pending.settings.egress, "allow_private", False) is True,
        pending.secrets,
        pending.proxy,
        pending.url_prefix,
        pending.proxy_from_environment,
        pending.already_authenticated,
        pending.ccxt_error,
        pending.key_fingerprint,
    )


def _rememberable(pending: _Pending) -> bool:
    """
    Whether the diagnoses of *pending* may be made from a remembered `assess.Prepared`.

    Not: bans (their end depends on the time), answers with a Retry-After or
    longer than `classify.MEMO_BODY`, and documented lists other than the
    library's own (another object's answer may change). Asked only before
    remembering: the match and the settings are in the key (frozen), so a
    key found was rememberable when it was stored.
    """
    match = pending.match
    response = match.response
    whitelist = pending.settings.whitelist
    return (
        match.banned_until is None
        and match.rule.kind != "ip_banned"
        and response.retry_after is None
        and len(response.body) <= classify.MEMO_BODY
        and len(response.message) <= classify.MEMO_BODY
        and (whitelist is None or type(whitelist) in _OWN_LISTS)
    )


def _prepare(pending: _Pending, egress: EgressReport | None, keep: object) -> assess.Prepared:
    evidence, route, networks = _evidence(pending, egress)
    family = pending.settings.family
    from_environment = pending.proxy_from_environment
    reported, egress_ips = evidence.match.reported_ip, evidence.egress_ips

    def found() -> tuple[Hint, ...]:
        # Holds what the hints need: addresses, networks, the proxy URL; not the client.
        return _hints_of(
            reported, egress_ips, networks, family, route, from_environment=from_environment
        )

    return assess.Prepared(
        evidence,
        egress_error=_egress_error(pending, egress),
        address_family=family,
        hints=found,
        key_page=key_page(evidence.match.response.lineage),
        secrets=pending.secrets,
        key_fingerprint=pending.key_fingerprint,
        keep=keep,
    )


def _evidence(
    pending: _Pending, egress: EgressReport | None
) -> tuple[assess.Evidence, str | None, tuple[Any, ...]]:
    egress_ips = egress.ips if egress is not None else ()
    whitelist = pending.settings.whitelist
    evidence = assess.Evidence(
        match=pending.match,
        whitelist=whitelist,
        already_authenticated=pending.already_authenticated,
        ccxt_error=pending.ccxt_error,
        egress_ips=egress_ips,
        private_sources=assess.private_sources(whitelist, pending.settings.egress),
    )
    networks = tuple(getattr(whitelist, "networks", ()))
    return evidence, pending.proxy or pending.url_prefix, networks


def _hints_of(
    reported: IPAddress | None,
    egress_ips: tuple[IPAddress, ...],
    networks: tuple[Any, ...],
    family: AddressFamily | None,
    route: str | None,
    *,
    from_environment: bool,
) -> tuple[Hint, ...]:
    return (
        *hints.address_hints(reported, egress_ips, networks, family),
        *hints.client_hints(route, from_environment=from_environment),
        *hints.process_hints(),
    )


def _egress_error(pending: _Pending, egress: EgressReport | None) -> str | None:
    """Why the lookup found no address; ``None`` when it found one or was disabled."""
    if pending.settings.egress is None:
        return None
    if egress is None:
        # complete_sync/async replace this diagnosis once the lookup is done.
        return "not looked up yet"
    if egress.ips:
        return None  # what `failure` says, without importing it on every rejection
    # The report came from there: loaded with the detector, not with `import ipwhitelist`.
    from .._egress.report import failure  # noqa: PLC0415 - lazy: loaded with the detector

    return failure(egress)


def _lookup_raised(exc: Exception) -> EgressReport:
    from .._egress.report import EgressReport  # noqa: PLC0415 - lazy: loaded with the detector

    return EgressReport(errors=(f"the lookup raised {type(exc).__name__} (see the log)",))


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
        diagnosis = assess.minimal(match, type(exc).__name__ if exc is not None else None, None)
        _emit(diagnosis, exchange)
        return _rejection(diagnosis, exc, ())
    # A fresh cached egress answer needs no I/O: finish the diagnosis now and
    # build it once. Otherwise the I/O edge finishes it (complete_sync/async).
    cached = _cached(settings.egress, pending)
    diagnosis = _safe_diagnose(pending, cached, deferred=True)
    rejection = _rejection(diagnosis, exc, pending.secrets)
    if settings.egress is not None and cached is None:
        _waiting[rejection] = pending
    else:
        _emit(diagnosis, exchange)
    return rejection


def _rejection(
    diagnosis: Diagnosis, exc: BaseException | None, secrets: tuple[str, ...]
) -> IPRejection:
    # Its message is made from the diagnosis when first shown: a rejection
    # that is caught and counted never builds the diagnosis's text.
    rejection = _CLASSES[peek(diagnosis, "kind")]._lazy(diagnosis, exc)
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
        watch.arm(client, peek(diagnosis, "exchange"))


def _pending(
    match: classify.Match, exc: BaseException | None, settings: Settings, exchange: object
) -> _Pending:
    options = getattr(exchange, "options", None)
    secrets, proxy, url_prefix, from_environment = (
        route_of(exchange, match.response.url) if exchange is not None else ((), None, None, False)
    )
    return _Pending(
        match=match,
        settings=settings,
        secrets=secrets,
        proxy=proxy,
        proxy_from_environment=from_environment,
        url_prefix=url_prefix,
        already_authenticated=bool(
            isinstance(options, dict) and options.get("hasAlreadyAuthenticatedSuccessfully")
        ),
        ccxt_error=type(exc).__name__ if exc is not None else None,
        client=exchange,
        key_fingerprint=key_fingerprint_of(exchange),
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


def _safe_diagnose(
    pending: _Pending, egress: EgressReport | None, *, deferred: bool = False
) -> Diagnosis:
    try:
        if deferred:
            return diagnose_deferred(pending, egress)
        return diagnose_match(pending, egress)
    except Exception:
        # Diagnosis building must never turn a rejection into a crash.
        logger.exception("ipwhitelist: building the diagnosis failed; using a minimal one")
        return assess.minimal(
            pending.match, pending.ccxt_error, pending.secrets, pending.key_fingerprint
        )


def _finish(rejection: IPRejection, pending: _Pending, egress: EgressReport) -> None:
    diagnosis = _safe_diagnose(pending, egress)
    rejection.diagnosis = diagnosis
    rejection.args = ()  # its message is made from the new diagnosis when shown
    _emit(diagnosis, pending.client)


def _take(rejection: IPRejection) -> _Pending | None:
    # Nothing waiting (no egress lookup configured): no weak reference made to look.
    return _waiting.pop(rejection, None) if _waiting else None


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
