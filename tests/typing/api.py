"""Type-checked (never run) use of every public name."""

from __future__ import annotations

from typing import Literal

import ccxt
import ccxt.async_support

import ipwhitelist
from ipwhitelist import errors

client = ipwhitelist.wrap(ccxt.binance(), egress=False, whitelist=["203.0.113.7"])
same: ccxt.binance = ipwhitelist.unwrap(client)
wrapped: bool = ipwhitelist.is_wrapped(client)

try:
    client.fetch_balance()
except ipwhitelist.IPNotWhitelisted as exc:
    d: ipwhitelist.Diagnosis = exc.diagnosis
    kind: ipwhitelist.Kind = d.kind
    confidence: ipwhitelist.Confidence = d.confidence
    data: dict[str, object] = d.to_dict()
    hints: tuple[ipwhitelist.Hint, ...] = d.hints
    egress_error: str | None = d.egress_error
except ipwhitelist.IPBanned as ban:
    until = ban.banned_until
except (ipwhitelist.GeoRestricted, errors.IPRejection) as other:
    original = other.original

detector = ipwhitelist.EgressDetector(
    [ipwhitelist.Provider(url="https://example.test", family=4), "https://x.test"], timeout=1.0
)
report: ipwhitelist.EgressReport = detector.detect()
providers: tuple[ipwhitelist.Provider, ...] = ipwhitelist.DEFAULT_PROVIDERS
report2: ipwhitelist.EgressReport = ipwhitelist.detect_egress(timeout=1.0)


async def use_async() -> ipwhitelist.EgressReport:
    """Async surface."""
    async with ipwhitelist.diagnosing(exchange="okx"):
        pass
    audited: ipwhitelist.KeyAudit = await ipwhitelist.aaudit(ccxt.async_support.okx())
    assert audited.ok is not None
    return await ipwhitelist.adetect_egress()


@ipwhitelist.diagnose
def decorated(x: int) -> str:
    """Bare decorator keeps the signature."""
    return str(x)


@ipwhitelist.diagnose(exchange="bybit", egress=False)
def decorated_with_options(x: int) -> str:
    """Decorator with options keeps the signature."""
    return str(x)


text: str = decorated(1) + decorated_with_options(2)
whitelist = ipwhitelist.Whitelist(["203.0.113.0/24"])
rule = ipwhitelist.Rule(
    name="n", exchange="binance", code="-1", kind="ip_banned", confidence="likely", source="s"
)
ipwhitelist.register_rule(rule)
active: tuple[ipwhitelist.Rule, ...] = ipwhitelist.rules("binance")
ipwhitelist.unregister_rule("n")

log = ipwhitelist.IncidentLog(window=60.0, max_incidents=100)
notify: ipwhitelist.OnRejectionHook = ipwhitelist.NotifyHook(
    ["tgram://token/chat"],
    window=600.0,
    max_incidents=100,
    queue_size=16,
    attach=False,
    timeout=5.0,
    exit_timeout=1.0,
)
forward = ipwhitelist.NotifyHook(send=lambda title, body: None)
delivered: bool = forward.flush(5.0) and forward.send_test()
counts: tuple[int, int, int] = (forward.delivered, forward.failed, forward.dropped)
forward.on_recovery("binance")
forward.on_recovery("binance", "sha256:3f9a0c1e")
forward.close(timeout=1.0)


def alert(diagnosis: ipwhitelist.Diagnosis) -> None:
    """A user hook."""


hook: ipwhitelist.OnRejectionHook = alert
otel: ipwhitelist.OnRejectionHook = ipwhitelist.OpenTelemetryHook(record_ip=False)
ipwhitelist.set_on_rejection_hooks([log, alert, otel])
hooks: tuple[ipwhitelist.OnRejectionHook, ...] = ipwhitelist.get_on_rejection_hooks()
condition = ipwhitelist.retry_unless_ip_rejection
pinned = ipwhitelist.wrap(ccxt.okx(), family=4)
returned = ipwhitelist.wrap(ccxt.okx(), raise_returned=True)
agreeing = ipwhitelist.EgressDetector(agreement=True).detect(url_prefix=None).agreed
with ipwhitelist.EgressMonitor(
    interval=30.0, on_change=[print, forward.on_egress_change]
) as monitor:
    change: ipwhitelist.EgressChange | None = monitor.check()
review: ipwhitelist.RecoveryReview = ipwhitelist.review_positions(ccxt.binanceusdm())
unprotected: tuple[ipwhitelist.PositionCheck, ...] = review.unprotected
verdict: Literal["ok", "problem", "unverified"] = ipwhitelist.check(ccxt.okx()).verdict
documents: ipwhitelist.KeyEntry | None = ipwhitelist.Registry().entry_for("okx", api_key="k")
own: ipwhitelist.KeyEntry | None = ipwhitelist.Registry().for_client(ccxt.okx(), label=None)
