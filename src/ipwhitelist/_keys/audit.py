"""
`audit()` / `aaudit()`: ask the exchange how an API key is restricted, and judge it.

One signed, read-only GET per audit, through the client's own ccxt implicit
method (so ccxt signs it, proxies it and maps its errors); nothing is ever
changed on the exchange. Each endpoint and its answer are described in the
exchange's module (``ipwhitelist/_exchanges/<id>.py``), the rules that judge
them in `findings`.

Parsing and judging are pure (`parse_response`, `judge`); only the I/O edge
comes in twins.
"""

from __future__ import annotations

import asyncio
import warnings
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import attrs

from .._client.decorators import diagnosing
from .._client.introspect import credentials_of, proxy_of, url_prefix_of
from .._core.lineage import lineage_of
from .._core.redact import human_lines, redact, scrubbed_items
from .._egress import detector as egress_detector
from .._egress.detector import EgressDetector
from .._egress.report import EgressReport, failure
from .._exchanges import all_restrictions, title
from .._whitelist.fingerprint import fingerprint
from .._whitelist.whitelist import Whitelist
from .findings import judge
from .restrictions import parse_response, reader_for

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .._core.keyfacts import Finding, Restrictions
__all__ = ["AuditUnsupported", "KeyAudit", "aaudit", "audit", "audit_async"]


# What the exchange answered is untrusted: every entry scrubbed and capped
# (a 200 KB "address" must not reach str(), JSON or the findings).
def _strings(value: Iterable[str] | None) -> tuple[str, ...] | None:
    return scrubbed_items(value)


def _texts(value: Iterable[str]) -> tuple[str, ...]:
    return scrubbed_items(value) or ()


def _finding_tuple(value: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(value)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


@attrs.frozen(kw_only=True)
class KeyAudit:
    """
    What the exchange says about one API key, and what is wrong with it.

    Attributes:
        exchange: The ccxt id of the audited client.
        endpoint: The request that was made, e.g. ``"GET /v5/user/query-api"``.
        fingerprint: `fingerprint` of the client's API key (never the key).
        ip_restricted: Whether the key only works from listed addresses.
        allowed_ips: The key's IP whitelist on the exchange; ``None`` when the
            exchange does not report it (Binance). KuCoin masks the middle of
            each address (``203.**.154``); such entries are kept as shown.
        can_read: Reading permission.
        can_trade: Any trading permission.
        can_withdraw: Withdrawal permission. Like ``can_read`` and
            ``can_trade``, ``None`` when the exchange does not say (Gate
            reports no permissions at all).
        permissions: The exchange's own names of the enabled permissions, sorted.
        expires_at: When the key (Bybit) or its trading permission (Binance)
            expires, in UTC.
        egress_ips: This host's detected egress addresses (empty when not looked up).
        documented: The whitelist the caller documented, if given.
        findings: The problems found, most severe first.

    Added in *0.1.0*.
    """

    exchange: str
    endpoint: str
    fingerprint: str | None
    ip_restricted: bool | None
    allowed_ips: tuple[str, ...] | None = attrs.field(converter=_strings)
    can_read: bool | None
    can_trade: bool | None
    can_withdraw: bool | None
    permissions: tuple[str, ...] = attrs.field(converter=_texts)
    expires_at: datetime | None
    egress_ips: tuple[str, ...] = attrs.field(converter=_texts)
    documented: tuple[str, ...] | None = attrs.field(converter=_strings)
    findings: tuple[Finding, ...] = attrs.field(converter=_finding_tuple)

    @property
    def ok(self) -> bool:
        """``True`` when no finding is critical."""
        return not any(f.severity == "critical" for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict with stable keys; datetimes in ISO 8601."""
        return {
            "exchange": self.exchange,
            "endpoint": self.endpoint,
            "fingerprint": self.fingerprint,
            "ok": self.ok,
            "ip_restricted": self.ip_restricted,
            "allowed_ips": None if self.allowed_ips is None else list(self.allowed_ips),
            "can_read": self.can_read,
            "can_trade": self.can_trade,
            "can_withdraw": self.can_withdraw,
            "permissions": list(self.permissions),
            "expires_at": _iso(self.expires_at),
            "egress_ips": list(self.egress_ips),
            "documented": None if self.documented is None else list(self.documented),
            "findings": [f.to_dict() for f in self.findings],
        }

    def __str__(self) -> str:
        def yes_no(value: bool | None) -> str:
            return "unknown" if value is None else ("yes" if value else "no")

        def listing(values: tuple[str, ...] | None, none: str) -> str:
            return none if values is None else (", ".join(values) or "(empty)")

        critical = sum(f.severity == "critical" for f in self.findings)
        lines = [
            f"Key audit: {self.exchange} {self.fingerprint or '(no key)'} via {self.endpoint}",
            f"  result:        {'OK' if self.ok else f'NOT OK ({critical} critical)'}",
            f"  IP restricted: {yes_no(self.ip_restricted)}",
            f"  allowed IPs:   {listing(self.allowed_ips, 'not reported by the exchange')}",
            (
                f"  permissions:   read {yes_no(self.can_read)}, "
                f"trade {yes_no(self.can_trade)}, withdraw {yes_no(self.can_withdraw)} "
                f"({', '.join(self.permissions) or 'none'})"
            ),
            "  expires:       "
            + (f"{self.expires_at:%Y-%m-%d %H:%M} UTC" if self.expires_at else "not reported"),
            f"  egress IPs:    {listing(self.egress_ips or None, 'none')}",
            f"  documented:    {listing(self.documented, 'not given')}",
        ]
        if not self.findings:
            lines.append("Findings: none")
        else:
            lines.append("Findings:")
            for finding in self.findings:
                lines.append(f"  [{finding.severity.upper()}] {finding.code}: {finding.message}")
                lines.append(f"      fix: {finding.fix}")
        return human_lines(lines)


class AuditUnsupported(Exception):  # noqa: N818 - the public name is fixed by the design
    """
    The exchange has no key-restriction endpoint that `audit` knows.

    Raised before any network call. Added in *0.1.0*.
    """


# -- the I/O edge ---------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Plan:
    # The ccxt id along the client's lineage whose module declares the endpoint.
    root: str
    method: str
    endpoint: str
    documented: tuple[str, ...] | None
    now: datetime
    report: EgressReport | None
    detector: EgressDetector | None


def _reader(exchange: object) -> tuple[str, Restrictions]:
    found = reader_for(lineage_of(exchange))
    if found is not None:
        return found
    exchange_id = getattr(exchange, "id", None) or type(exchange).__name__
    *most, last = sorted(title(name) for name in all_restrictions())
    raise AuditUnsupported(
        f"no key-restriction endpoint is known for {exchange_id!r}: audit() supports "
        f"{', '.join(most)} and {last}, and the ccxt exchanges derived from them "
        "(binanceusdm, kucoinfutures, ...)"
    )


def _documented(documented: Iterable[str] | None) -> tuple[str, ...] | None:
    if documented is None:
        return None
    entries = (documented,) if isinstance(documented, str) else tuple(documented)
    entries = tuple(str(entry).strip() for entry in entries)
    Whitelist(entries)  # the same validation (and messages) as wrap(whitelist=...)
    return entries


def _plan(
    exchange: object,
    documented: Iterable[str] | None,
    egress: object,
    now: datetime | None,
    *,
    asynchronous: bool,
) -> _Plan:
    root, restrictions = _reader(exchange)
    is_async = asyncio.iscoroutinefunction(getattr(type(exchange), "fetch", None))
    if is_async != asynchronous:
        raise TypeError(
            "aaudit() needs an async ccxt client (ccxt.async_support or ccxt.pro)"
            if asynchronous
            else "audit() needs a sync ccxt client; use `await aaudit(...)` for async ones"
        )
    now = datetime.now(UTC) if now is None else now
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    detector: EgressDetector | None = None
    report: EgressReport | None = None
    if egress is True:
        detector = egress_detector.default_detector()
    elif isinstance(egress, EgressDetector):
        detector = egress
    elif isinstance(egress, EgressReport):
        report = egress
    elif egress is not False:
        raise TypeError(f"egress must be a bool, an EgressReport or an EgressDetector: {egress!r}")
    return _Plan(
        root=root,
        method=restrictions.method,
        endpoint=restrictions.endpoint,
        documented=_documented(documented),
        now=now.astimezone(UTC),
        report=report,
        detector=detector,
    )


def _key_fingerprint(exchange: object) -> str | None:
    key = getattr(exchange, "apiKey", None)
    return fingerprint(key) if isinstance(key, str) and key.strip() else None


def _result(
    exchange: Any, plan: _Plan, response: object, report: EgressReport | None, failed: str | None
) -> KeyAudit:
    facts = parse_response(plan.root, response, plan.now)
    egress_ips = tuple(str(ip) for ip in report.ips) if report is not None else ()
    if failed is None and report is not None:
        failed = failure(report)
    return KeyAudit(
        exchange=str(getattr(exchange, "id", plan.root)),
        endpoint=plan.endpoint,
        fingerprint=_key_fingerprint(exchange),
        ip_restricted=facts.ip_restricted,
        allowed_ips=facts.allowed_ips,
        can_read=facts.can_read,
        can_trade=facts.can_trade,
        can_withdraw=facts.can_withdraw,
        permissions=facts.permissions,
        expires_at=facts.expires_at,
        egress_ips=egress_ips,
        documented=plan.documented,
        findings=judge(
            plan.root,
            str(getattr(exchange, "id", plan.root)),
            facts,
            egress_ips=egress_ips,
            egress_error=failed,
            documented=plan.documented,
            now=plan.now,
        ),
    )


def audit(
    exchange: Any,
    *,
    documented: Iterable[str] | None = None,
    egress: bool | EgressReport | EgressDetector = True,
    now: datetime | None = None,
) -> KeyAudit:
    """
    Audit the API key of a sync ccxt client: one read-only request to the exchange.

    Args:
        exchange: A ``ccxt`` client of the Binance lineage, Bybit, the OKX
            lineage, KuCoin (``kucoin``, ``kucoinfutures``), Bitget or Gate,
            wrapped or not.
        documented: The whitelist you documented for this key; compared with
            the exchange's list when the exchange reports one.
        egress: ``True`` looks up this host's egress IP (through the client's
            proxy) with the default detector, ``False`` does not; an
            `EgressReport` is used as is; an `EgressDetector` is asked.
        now: The current time (tz-aware), for expiry maths; defaults to now.

    Returns:
        The `KeyAudit`. A failed egress lookup never fails the audit.

    Raises:
        AuditUnsupported: No key-restriction endpoint is known for the
            exchange (raised before any request).
        IPRejection: The exchange refused this host's IP (typed even on an
            unwrapped client).
        ccxt.BaseError: Anything else ccxt raised, unchanged, or
            ``ccxt.BadResponse`` for an answer of an unknown shape.

    Added in *0.1.0*.
    """
    plan = _plan(exchange, documented, egress, now, asynchronous=False)
    with diagnosing(exchange=exchange, egress=plan.detector or False, whitelist=plan.documented):
        response = getattr(exchange, plan.method)()
    report, failed = plan.report, None
    if plan.detector is not None:
        try:
            report = plan.detector.detect(proxy_of(exchange), url_prefix=url_prefix_of(exchange))
        except Exception as exc:  # noqa: BLE001 - egress trouble must not fail the audit
            failed = redact(f"{type(exc).__name__}: {exc}", credentials_of(exchange))
    return _result(exchange, plan, response, report, failed)


async def aaudit(
    exchange: Any,
    *,
    documented: Iterable[str] | None = None,
    egress: bool | EgressReport | EgressDetector = True,
    now: datetime | None = None,
) -> KeyAudit:
    """
    Async twin of `audit` for ``ccxt.async_support`` and ``ccxt.pro`` clients.

    The egress lookup never blocks the event loop. Added in *0.1.0*.
    """
    plan = _plan(exchange, documented, egress, now, asynchronous=True)
    async with diagnosing(
        exchange=exchange, egress=plan.detector or False, whitelist=plan.documented
    ):
        response = await getattr(exchange, plan.method)()
    report, failed = plan.report, None
    if plan.detector is not None:
        try:
            report = await plan.detector.adetect(
                proxy_of(exchange), url_prefix=url_prefix_of(exchange)
            )
        except Exception as exc:  # noqa: BLE001 - egress trouble must not fail the audit
            failed = redact(f"{type(exc).__name__}: {exc}", credentials_of(exchange))
    return _result(exchange, plan, response, report, failed)


async def audit_async(
    exchange: Any,
    *,
    documented: Iterable[str] | None = None,
    egress: bool | EgressReport | EgressDetector = True,
    now: datetime | None = None,
) -> KeyAudit:
    """
    Deprecated alias of `aaudit`: the ``a`` prefix names every async twin.

    Warns with ``DeprecationWarning``, then does what `aaudit` does.

    Deprecated in *0.1.0*: use `aaudit`, as `adetect_egress` and
    `areview_positions`.
    """
    warnings.warn(
        "ipwhitelist.audit_async() is deprecated; use ipwhitelist.aaudit()",
        DeprecationWarning,
        stacklevel=2,
    )
    return await aaudit(exchange, documented=documented, egress=egress, now=now)
