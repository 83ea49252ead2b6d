"""Shared steps of `check` and `migrate`: this host's egress and one signed read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeAlias

from .._client.decorators import diagnosing
from .._client.introspect import proxy_of, url_prefix_of
from .._core.address import parse_ip
from .._egress import detector as egress_detector
from .._egress.detector import EgressDetector
from .._egress.providers import EgressError
from .._egress.report import EgressReport
from .audit import AuditUnsupported, audit

if TYPE_CHECKING:
    from .._core.diagnosis import IPAddress
    from .audit import KeyAudit

__all__ = ["EgressOption", "egress_ips", "signed_read"]

#: What `check`/`migrate` accept for ``egress=``: look it up (``True``), don't
#: (``False``), a report or detector to use, or the addresses themselves.
EgressOption: TypeAlias = "bool | EgressReport | EgressDetector | Iterable[str]"


def egress_ips(exchange: Any, egress: EgressOption) -> tuple[IPAddress, ...]:
    """This host's egress addresses as the client reaches the exchange (its proxy)."""
    if egress is False:
        return ()
    if isinstance(egress, EgressReport):
        return egress.ips
    if isinstance(egress, Iterable) and not isinstance(egress, str | bytes):
        return tuple(parse_ip(str(ip)) for ip in egress)
    detector = egress if isinstance(egress, EgressDetector) else egress_detector.default_detector()
    if detector is None:
        return ()
    try:
        report = detector.detect(proxy_of(exchange), url_prefix=url_prefix_of(exchange))
    except EgressError:
        return ()
    return report.ips


def signed_read(exchange: Any, documented: Iterable[str] | None) -> KeyAudit | None:
    """
    Make one signed, read-only call and return the key audit when the exchange has one.

    The audit endpoint is itself a signed private call, so its success proves
    the key works from here; exchanges without one get ``fetch_balance``.
    IP rejections come out typed even from an unwrapped client.

    Raises:
        IPRejection: The exchange refused this host's IP.
        ccxt.BaseError: Any other failure, exactly as ccxt raised it.
    """
    try:
        return audit(exchange, documented=documented, egress=False)
    except AuditUnsupported:
        pass
    with diagnosing(
        exchange=exchange, egress=False, whitelist=None if documented is None else list(documented)
    ):
        exchange.fetch_balance()
    return None
