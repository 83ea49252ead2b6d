"""
The pre-live check: prove the key works from here and is refused elsewhere.

Positive: one signed, read-only call from this host succeeds, and the key's
restrictions are what the registry documents. Negative: a non-whitelisted
address is refused, shown by the exchange's own account of the key (IP
restriction on, list known) and, given a proxy, by a real signed call through
it that the exchange must reject. No order is ever placed: a signed read
exercises the same IP check, and the audit reports the trading permission.
"""

from __future__ import annotations

import copy
import os
from typing import TYPE_CHECKING, Any, Literal

import attrs
import ccxt

from .._core.redact import human_lines, redact_url, scrubbed_text
from .._whitelist.registry import KeyEntry, Registry
from ..errors import IPRejection
from .probe import egress_ips, signed_read

if TYPE_CHECKING:
    from .._core.diagnosis import Diagnosis
    from .audit import KeyAudit
    from .probe import EgressOption

__all__ = ["CheckReport", "CheckResult", "Outcome", "Verdict", "check"]

Outcome = Literal["pass", "fail", "unknown"]
Verdict = Literal["ok", "problem", "unverified"]


_EXIT_CODES: dict[Verdict, int] = {"ok": 0, "problem": 1, "unverified": 3}


@attrs.frozen(kw_only=True)
class CheckResult:
    """
    One test of a pre-live check.

    Attributes:
        name: ``"positive"``, ``"registry"``, ``"restriction"`` or ``"negative"``.
        outcome: ``"pass"``, ``"fail"`` or ``"unknown"`` (could not be decided,
            e.g. the network failed or the exchange does not report it).
        detail: What was done and seen, for people.

    Added in *0.1.0*.
    """

    name: str
    outcome: Outcome
    # The one redaction step and a cap: details quote proxies and exchanges.
    detail: str = attrs.field(converter=scrubbed_text)

    def to_dict(self) -> dict[str, str]:
        """A JSON-safe view."""
        return {"name": self.name, "outcome": self.outcome, "detail": self.detail}


@attrs.frozen(kw_only=True)
class CheckReport:
    """
    The outcome of `check` for one key, with a three-state `verdict`.

    Gate on ``report.ok``: it is True only when the positive test passed, the
    key's IP restriction was proven (key audit or negative test) and nothing
    failed; never when something could not be verified.

    Attributes:
        exchange: The ccxt id.
        label: The key's registry label, if documented.
        egress_ips: This host's egress as detected.
        results: Each test, in the order run.
        audit: The key audit, when the exchange has one and the call succeeded.
        diagnosis: The IP rejection's diagnosis when the positive test was refused.

    Added in *0.1.0*.
    """

    exchange: str
    label: str | None
    egress_ips: tuple[str, ...]
    results: tuple[CheckResult, ...]
    audit: KeyAudit | None = None
    diagnosis: Diagnosis | None = None

    @property
    def verdict(self) -> Verdict:
        """
        The three-state verdict: ``"ok"``, ``"problem"`` or ``"unverified"``.

        ``"problem"``: a test failed or the audit found something critical;
        ``"unverified"``: nothing failed, but something was not proven: the
        positive test did not pass (e.g. the exchange could not be reached),
        or nothing showed that other addresses are refused (no key audit that
        reads the IP restriction, no negative test through a proxy);
        ``"ok"``: the positive test passed, the restriction was proven (the
        key audit shows it, or a call through *proxy* was refused) and
        nothing failed.

        Added in *0.1.0*.
        """
        audit_ok = self.audit is None or self.audit.ok
        if not audit_ok or any(r.outcome == "fail" for r in self.results):
            return "problem"
        passed = {r.name for r in self.results if r.outcome == "pass"}
        if "positive" in passed and passed & {"restriction", "negative"}:
            return "ok"
        return "unverified"

    @property
    def ok(self) -> bool:
        """True only when the verdict is ``"ok"``: use it as the go-live gate."""
        return self.verdict == "ok"

    @property
    def exit_code(self) -> int:
        """0 ok, 1 a problem was found, 3 unverified (the key or its restriction unproven)."""
        return _EXIT_CODES[self.verdict]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe view; no secret is ever part of a report."""
        return {
            "exchange": self.exchange,
            "label": self.label,
            "ok": self.ok,
            "verdict": self.verdict,
            "egress_ips": list(self.egress_ips),
            "results": [r.to_dict() for r in self.results],
            "audit": None if self.audit is None else self.audit.to_dict(),
            "diagnosis": None if self.diagnosis is None else self.diagnosis.to_dict(),
        }

    def __str__(self) -> str:
        name = self.exchange + (f".{self.label}" if self.label else "")
        lines = [f"Pre-live check of {name}: {self.verdict.upper()}"]
        lines += [f"  {r.outcome.upper():7} {r.name}: {r.detail}" for r in self.results]
        if self.audit is not None:
            lines += [
                f"  {f.severity.upper():7} {f.code}: {f.message} Fix: {f.fix}"
                for f in self.audit.findings
            ]
        return human_lines(lines)


def check(
    exchange: Any,
    *,
    registry: Registry | str | os.PathLike[str] | None = None,
    label: str | None = None,
    proxy: str | None = None,
    egress: EgressOption = True,
) -> CheckReport:
    """
    Run the pre-live check for the key a ccxt client holds.

    Args:
        exchange: A sync ccxt client with credentials.
        registry: The documented whitelists (`Registry` or file path).
        label: The key's label in the registry (default: `Registry.for_client`).
        proxy: A proxy URL (``http://``, ``socks5://``) whose egress is NOT
            whitelisted: a signed call through it must be refused.
        egress: This host's egress: detect it (``True``), skip it
            (``False``), a report or detector, or the addresses.

    Returns:
        A `CheckReport`; ``report.exit_code`` is what ``ipwhitelist check`` exits with.

    Raises:
        KeyError: *label* is not in the registry, or its entry's fingerprint
            names another key than the client's (see `Registry.entry_for`).

    Added in *0.1.0*.
    """
    reg = Registry.load(registry) if isinstance(registry, str | os.PathLike) else registry
    entry = _entry(reg, exchange, label)
    # An empty documented list documents nothing (on an exchange it means any IP).
    documented = entry.entries if entry is not None and entry.entries else None
    egress_found = egress_ips(exchange, egress)
    results: list[CheckResult] = []
    audit: KeyAudit | None = None
    diagnosis: Diagnosis | None = None
    here = ", ".join(map(str, egress_found)) or "this host"

    try:
        audit = signed_read(exchange, documented)
    except IPRejection as exc:
        diagnosis = exc.diagnosis
        results.append(CheckResult(name="positive", outcome="fail", detail=diagnosis.headline))
    except ccxt.NetworkError as exc:
        results.append(
            CheckResult(
                name="positive",
                outcome="unknown",
                detail=f"could not reach {exchange.id} ({type(exc).__name__}): check this "
                "host's DNS, firewall and proxy, and the exchange's status page",
            )
        )
    except ccxt.BaseError as exc:
        results.append(
            CheckResult(
                name="positive",
                outcome="fail",
                detail=f"the signed call failed, not because of the IP: {type(exc).__name__}",
            )
        )
    else:
        results.append(
            CheckResult(
                name="positive",
                outcome="pass",
                detail=f"a signed read-only call from {here} succeeded",
            )
        )

    results.append(_registry_result(entry, egress_found))
    results.append(_restriction_result(audit, diagnosis, positive=results[0].outcome))
    if proxy is not None:
        results.append(_through_proxy(exchange, proxy, documented, signed_read))
    return CheckReport(
        exchange=exchange.id,
        label=None if entry is None else entry.label,
        egress_ips=tuple(map(str, egress_found)),
        results=tuple(results),
        audit=audit,
        diagnosis=diagnosis,
    )


def _entry(reg: Registry | None, exchange: Any, label: str | None) -> KeyEntry | None:
    # The one rule (Registry.entry_for): never an entry documenting another key.
    return None if reg is None else reg.for_client(exchange, label=label)


def _registry_result(entry: KeyEntry | None, egress: tuple[Any, ...]) -> CheckResult:
    if entry is None:
        return CheckResult(
            name="registry", outcome="unknown", detail="no documented whitelist for this key"
        )
    if not entry.networks:
        return CheckResult(
            name="registry",
            outcome="unknown",
            detail=f"the documented whitelist of {entry.exchange}.{entry.label} is empty: "
            "nothing to compare with",
        )
    if not egress:
        return CheckResult(
            name="registry",
            outcome="unknown",
            detail="egress unknown; cannot compare with the documented whitelist",
        )
    missing = [str(ip) for ip in egress if not entry.allows(entry.exchange, ip)]
    if missing:
        return CheckResult(
            name="registry",
            outcome="fail",
            detail=f"egress {', '.join(missing)} is not on the documented whitelist "
            f"of {entry.exchange}.{entry.label} ({entry.paste() or 'empty'})",
        )
    return CheckResult(
        name="registry",
        outcome="pass",
        detail=f"egress is on the documented whitelist of {entry.exchange}.{entry.label}",
    )


def _restriction_result(
    audit: KeyAudit | None, diagnosis: Diagnosis | None, *, positive: str
) -> CheckResult:
    if audit is None or audit.ip_restricted is None:
        if diagnosis:
            reason = "the exchange refused this host"
        elif positive == "unknown":
            reason = "the exchange could not be reached"
        elif positive == "fail":
            reason = "the signed call failed"
        elif audit is None:
            reason = "no key audit for it"
        else:
            reason = "the exchange's answer does not say"
        return CheckResult(
            name="restriction",
            outcome="unknown",
            detail=f"cannot read the key's IP restriction ({reason})",
        )
    if not audit.ip_restricted:
        return CheckResult(
            name="restriction",
            outcome="fail",
            detail="the key has no IP restriction: any address can use it",
        )
    listed = "" if audit.allowed_ips is None else f" ({', '.join(audit.allowed_ips)})"
    return CheckResult(
        name="restriction",
        outcome="pass",
        detail=f"the exchange restricts the key to its whitelist{listed}; other IPs are refused",
    )


def _through_proxy(exchange: Any, proxy: str, documented: Any, signed_read: Any) -> CheckResult:
    shown = redact_url(proxy)
    other = _clone_through(exchange, proxy)
    try:
        signed_read(other, documented)
    except IPRejection as exc:
        return CheckResult(
            name="negative",
            outcome="pass",
            detail=f"a signed call through {shown} was refused: {exc.diagnosis.headline}",
        )
    except ccxt.BaseError as exc:
        return CheckResult(
            name="negative",
            outcome="unknown",
            detail=f"the call through {shown} failed for another reason: {type(exc).__name__}",
        )
    return CheckResult(
        name="negative",
        outcome="fail",
        detail=f"a signed call through {shown} was ACCEPTED: the whitelist does not hold",
    )


def _clone_through(exchange: Any, proxy: str) -> Any:
    """A fresh client of the same ccxt class and key, sending through *proxy*."""
    base = next(c for c in type(exchange).__mro__ if c.__module__.startswith("ccxt."))
    config = {
        name: getattr(exchange, name)
        for name in ("apiKey", "secret", "password", "uid", "privateKey", "walletAddress")
        if getattr(exchange, name, None)
    }
    clone = base({**config, "enableRateLimit": False, "timeout": exchange.timeout})
    clone.urls = copy.deepcopy(exchange.urls)
    clone.options = copy.deepcopy(exchange.options)
    if proxy.startswith("socks"):
        clone.socksProxy = proxy
    elif "http://" in str(exchange.urls.get("api")):
        # ccxt sends http:// URLs through httpProxy only, https:// through httpsProxy.
        clone.httpProxy = proxy
    else:
        clone.httpsProxy = proxy
    return clone
