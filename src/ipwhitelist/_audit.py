"""
`audit()` / `audit_async()`: ask the exchange how an API key is restricted, and judge it.

One signed, read-only GET per audit, through the client's own ccxt implicit
method (so ccxt signs it, proxies it and maps its errors); nothing is ever
changed on the exchange:

| family  | ccxt method                          | endpoint                                 |
|---------|--------------------------------------|------------------------------------------|
| binance | ``sapi_get_account_apirestrictions`` | ``GET /sapi/v1/account/apiRestrictions`` |
| bybit   | ``private_get_v5_user_query_api``    | ``GET /v5/user/query-api``               |
| okx     | ``private_get_account_config``       | ``GET /api/v5/account/config``           |

Response shapes:

* Binance, https://developers.binance.com/docs/wallet/account/api-key-permission:
  ``ipRestrict``, ``createTime``, ``enable*``/``permits*`` flags and, for keys
  without trusted IPs, ``tradingAuthorityExpirationTime``. It does not list
  the allowed IPs: ``GET /sapi/v1/account/apiRestrictions/ipRestriction``
  (still in ccxt) was discontinued on 2021-11-17 (Binance API change log,
  https://binance-docs.github.io/apidocs/spot/en/#change-log) and the
  endpoints that return ``ipList`` are for sub-account keys queried by the
  master account (https://developers.binance.com/docs/sub_account/api-management).
* Bybit, https://bybit-exchange.github.io/docs/v5/user/apikey-info: ``ips``
  (``["*"]`` when unbound), ``readOnly``, ``permissions`` (``Wallet`` holds
  ``Withdraw``), ``expiredAt``/``deadlineDay`` ("only for those api key with
  no IP bound or the password has been changed"). It also returns the API
  key itself, which is never kept.
* OKX, https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-account-configuration:
  ``data[0].ip`` (comma-separated, ``""`` when none is bound) and
  ``data[0].perm`` (``read_only,trade,withdraw``).

Parsing and judging are pure (`parse_response`, `judge`); only the I/O edge
comes in twins.
"""

from __future__ import annotations

import asyncio
import ipaddress
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import attrs
import ccxt

from ._decorators import diagnosing
from ._families import families_of
from ._fingerprint import fingerprint
from ._limits import limits_for

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ._egress import EgressDetector, EgressReport

Family: TypeAlias = Literal["binance", "bybit", "okx"]
Severity: TypeAlias = Literal["critical", "warning", "info"]

_METHODS: dict[Family, tuple[str, str]] = {
    "binance": ("sapi_get_account_apirestrictions", "GET /sapi/v1/account/apiRestrictions"),
    "bybit": ("private_get_v5_user_query_api", "GET /v5/user/query-api"),
    "okx": ("private_get_account_config", "GET /api/v5/account/config"),
}


@attrs.frozen(kw_only=True)
class Finding:
    """
    One problem with a key, with what to do about it.

    Attributes:
        code: A stable identifier: ``no-ip-restriction``, ``withdrawals-enabled``,
            ``key-expiring``, ``expires-without-ip``, ``deleted-without-ip``,
            ``egress-not-allowed``, ``registry-drift``, ``near-limit``,
            ``broad-cidr`` or ``egress-unknown``.
        severity: ``"critical"`` (trading is or will be broken, or funds are
            exposed), ``"warning"`` or ``"info"``.
        message: What is wrong, with the addresses, dates and counts.
        fix: What to do.

    Added in *0.1.0*.
    """

    code: str
    severity: Severity
    message: str
    fix: str

    def to_dict(self) -> dict[str, str]:
        """A JSON-safe dict."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
        }


@attrs.frozen(kw_only=True)
class Facts:
    """What a restriction endpoint said, in the exchange-neutral form `judge` reads."""

    ip_restricted: bool | None
    allowed_ips: tuple[str, ...] | None
    can_read: bool | None
    can_trade: bool | None
    can_withdraw: bool | None
    permissions: tuple[str, ...]
    expires_at: datetime | None


def _strings(value: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


def _texts(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _findings(value: Iterable[Finding]) -> tuple[Finding, ...]:
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
            exchange does not report it (Binance).
        can_read: Reading permission.
        can_trade: Any trading permission.
        can_withdraw: Withdrawal permission.
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
    findings: tuple[Finding, ...] = attrs.field(converter=_findings)

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
        return "\n".join(lines)


class AuditUnsupported(Exception):  # noqa: N818 - the public name is fixed by the design
    """
    The exchange has no key-restriction endpoint that `audit` knows.

    Raised before any network call. Added in *0.1.0*.
    """


# -- parsing (pure) ------------------------------------------------------------------


def _bad(family: str, what: str) -> ccxt.BadResponse:
    # Never the body: Bybit's answer carries the API key.
    return ccxt.BadResponse(f"{family} {_METHODS[family][1]}: unexpected response ({what})")  # type: ignore[index]


def _flag(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _from_ms(value: object) -> datetime | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
        return None
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _from_iso(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    if value.strip().isdigit():
        return _from_ms(value)
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _entries(values: Iterable[object]) -> list[str]:
    out: list[str] = []
    for value in values:
        if isinstance(value, str):
            out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


# Binance flags that let a key place orders (the API key permission page's
# trading switches).
_BINANCE_TRADE = (
    "enableSpotAndMarginTrading",
    "enableMargin",
    "enableFutures",
    "enableVanillaOptions",
    "enablePortfolioMarginTrading",
    "enableFixApiTrade",
)


def _parse_binance(response: object) -> Facts:
    if not isinstance(response, dict):
        raise _bad("binance", "not an object")
    ip_restricted = _flag(response.get("ipRestrict"))
    if ip_restricted is None:
        raise _bad("binance", "no ipRestrict")
    flags = {
        key: _flag(value)
        for key, value in response.items()
        if isinstance(key, str) and key.startswith(("enable", "permits"))
    }
    trade = [flags[k] for k in _BINANCE_TRADE if flags.get(k) is not None]
    return Facts(
        ip_restricted=ip_restricted,
        allowed_ips=None,
        can_read=flags.get("enableReading"),
        can_trade=any(trade) if trade else None,
        can_withdraw=flags.get("enableWithdrawals"),
        permissions=tuple(sorted(k for k, on in flags.items() if on)),
        expires_at=_from_ms(response.get("tradingAuthorityExpirationTime")),
    )


# Bybit permission groups that place orders or convert funds.
_BYBIT_TRADE = ("ContractTrade", "Spot", "Options", "Derivatives", "CopyTrading", "BlockTrade")


def _parse_bybit(response: object, now: datetime) -> Facts:
    result = response.get("result") if isinstance(response, dict) else None
    if not isinstance(result, dict):
        raise _bad("bybit", "no result object")
    ips = result.get("ips")
    if not isinstance(ips, list):
        raise _bad("bybit", "no ips list")
    entries = _entries(ips)
    groups = result.get("permissions")
    groups = groups if isinstance(groups, dict) else {}
    enabled = sorted(
        f"{group}:{name}"
        for group, names in groups.items()
        if isinstance(group, str) and isinstance(names, list)
        for name in _entries(names)
    )
    read_only = _flag(result.get("readOnly"))
    traded = any(p.split(":", 1)[0] in _BYBIT_TRADE for p in enabled)
    expires_at = _from_iso(result.get("expiredAt"))
    days = result.get("deadlineDay")
    if expires_at is None and isinstance(days, int) and not isinstance(days, bool) and days > 0:
        # Only when expiredAt is absent: a bare day count is the remainder, not a date.
        expires_at = now + timedelta(days=min(days, 36_500))
    return Facts(
        ip_restricted="*" not in entries and bool(entries),
        allowed_ips=tuple(e for e in entries if e != "*"),
        can_read=True,  # "Any permission can access this endpoint"
        can_trade=None if read_only is None else (not read_only and (traded or not groups)),
        can_withdraw=False if read_only else "Wallet:Withdraw" in enabled,
        permissions=tuple(enabled),
        expires_at=expires_at,
    )


def _parse_okx(response: object) -> Facts:
    data = response.get("data") if isinstance(response, dict) else None
    first = data[0] if isinstance(data, list) and data else None
    if not isinstance(first, dict):
        raise _bad("okx", "no data[0] object")
    perm = first.get("perm")
    names = tuple(sorted(set(_entries([perm])))) if isinstance(perm, str) else ()
    ip = first.get("ip")
    allowed = tuple(_entries([ip])) if isinstance(ip, str) else None
    known = isinstance(perm, str)
    return Facts(
        ip_restricted=None if allowed is None else bool(allowed),
        allowed_ips=allowed,
        can_read=("read_only" in names) if known else None,
        can_trade=("trade" in names) if known else None,
        can_withdraw=("withdraw" in names) if known else None,
        permissions=names,
        expires_at=None,
    )


def parse_response(family: Family, response: object, now: datetime) -> Facts:
    """
    Turn a restriction endpoint's answer into `Facts` (pure).

    Raises:
        ccxt.BadResponse: The answer does not have the documented shape.
    """
    if family == "binance":
        return _parse_binance(response)
    if family == "bybit":
        return _parse_bybit(response, now)
    return _parse_okx(response)


# -- judging (pure) -------------------------------------------------------------------

_NAMES: dict[str, str] = {"binance": "Binance", "bybit": "Bybit", "okx": "OKX"}
_RANK: dict[str, int] = {"critical": 0, "warning": 1, "info": 2}
_EXPIRY_WARNING = timedelta(days=14)
_EXPIRY_CRITICAL = timedelta(days=3)
_NEAR_LIMIT = 0.8
# Narrower than a /24 (IPv4) or a /48 (IPv6, a typical site allocation) is
# what one customer plausibly owns; anything broader lets others through.
_MIN_PREFIX = {4: 24, 6: 48}
_READ_ONLY = {"enableReading", "enableFixReadOnly"}

Network: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network


def _network(entry: str) -> Network | None:
    try:
        return ipaddress.ip_network(entry.strip(), strict=False)
    except ValueError:
        return None


def _canonical(entry: str) -> str:
    network = _network(entry)
    if network is None:
        return entry.strip()
    single = network.prefixlen == network.max_prefixlen
    return str(network.network_address if single else network)


def _join(values: Iterable[str]) -> str:
    return ", ".join(values) or "none"


def _when(moment: datetime, now: datetime) -> str:
    left = moment - now
    date = f"{moment:%Y-%m-%d %H:%M} UTC"
    if left <= timedelta(0):
        return f"on {date}, which has passed"
    if left.days:
        return f"on {date}, in {left.days} day(s)"
    return f"on {date}, in {left.seconds // 3600} hour(s)"


def _where(egress_ips: tuple[str, ...]) -> str:
    if egress_ips:
        return f"this host's egress IP ({', '.join(egress_ips)})"
    return "your server's fixed egress IP (`ipwhitelist egress` shows it)"


def _restriction(name: str, facts: Facts, where: str) -> list[Finding]:
    findings = []
    if facts.ip_restricted is False:
        risky = [
            w for w, on in (("trade", facts.can_trade), ("withdraw", facts.can_withdraw)) if on
        ]
        findings.append(
            Finding(
                code="no-ip-restriction",
                severity="critical" if risky else "warning",
                message="The key has no IP restriction: it works from any address on the "
                "internet" + (f" and it can {' and '.join(risky)}" if risky else "") + ".",
                fix=f"On {name}'s API management page, restrict the key to {where}.",
            )
        )
    if facts.can_withdraw:
        findings.append(
            Finding(
                code="withdrawals-enabled",
                severity="warning",
                message="The key can withdraw funds: whoever holds the key and secret (and "
                "passes the IP check) can move assets off the exchange.",
                fix="Turn withdrawals off for this key: a trading bot needs read and trade only. "
                "Keep withdrawals, if at all, on a separate IP-restricted key.",
            )
        )
    return findings


def _expiry(family: Family, facts: Facts, now: datetime, where: str) -> list[Finding]:
    findings = []
    expires = facts.expires_at
    what = (
        "the key's Spot & Margin trading permission expires"
        if family == "binance"
        else "the key expires"
    )
    if expires is not None and expires - now <= _EXPIRY_WARNING:
        unbound = facts.ip_restricted is False
        if family == "binance" and unbound:
            # IP-restricted keys keep the permission: Binance announcement (2021-07-08),
            # https://www.binance.com/en-IN/support/announcement/cda0a4b53da04396b5d27881e93abf78
            fix = (
                f"Restrict the key to {where}: Binance does not expire the trading permission "
                "of keys with trusted IPs. Then enable Spot & Margin trading again."
            )
        elif family == "binance":
            fix = "Enable Spot & Margin trading again on the key's page before then."
        elif family == "bybit" and unbound:
            # expiredAt is set "only for those api key with no IP bound or the password
            # has been changed": https://bybit-exchange.github.io/docs/v5/user/apikey-info
            fix = (
                f"Bind the key to {where}, or create a new key before then: Bybit sets no "
                "expiry date on keys with bound IPs unless the password changed."
            )
        else:
            fix = "Create a new key before then and switch the bot to it."
        findings.append(
            Finding(
                code="key-expiring",
                severity="critical" if expires - now <= _EXPIRY_CRITICAL else "warning",
                message=f"{what[0].upper()}{what[1:]} {_when(expires, now)}.",
                fix=fix,
            )
        )
    if facts.ip_restricted is not False:
        return findings
    if family == "binance" and expires is not None:
        # Same announcement: "valid for 30 days from the activation time" without trusted IPs.
        findings.append(
            Finding(
                code="expires-without-ip",
                severity="warning",
                message="Binance keeps the Spot & Margin trading permission of a key without "
                f"trusted IPs for 30 days: this key's expires {_when(expires, now)}.",
                fix=f"Restrict the key to {where}; the permission then no longer expires.",
            )
        )
    if family == "bybit":
        # Third-party reports put the lifetime of unbound keys at 3 months:
        # https://github.com/ScavengerBot/ScavengerBot/issues/48
        findings.append(
            Finding(
                code="expires-without-ip",
                severity="warning",
                message="Bybit sets an expiry date on keys without bound IPs: "
                + (
                    f"this key expires {_when(expires, now)}."
                    if expires is not None
                    else "users report 3 months; Bybit reported no date for this key."
                ),
                fix=f"Bind the key to {where}; it then stops expiring.",
            )
        )
    if family == "binance" and any(p not in _READ_ONLY for p in facts.permissions):
        # Users quote Binance's key page (not its API docs):
        # https://github.com/freqtrade/freqtrade/issues/13089
        findings.append(
            Finding(
                code="deleted-without-ip",
                severity="warning",
                message="Binance's API management page warns that a key with no IP restriction "
                "and any permission other than Reading will be deleted (reported by users; "
                "not in Binance's API documentation).",
                fix=f"Restrict the key to {where} before Binance deletes it.",
            )
        )
    if family == "okx" and (facts.can_trade or facts.can_withdraw):
        # Third-party report citing OKX's help centre, not OKX's API docs:
        # https://www.quotaguard.com/blog/okx-api-key-14-day-deletion-static-ip-fix
        findings.append(
            Finding(
                code="deleted-without-ip",
                severity="warning",
                message="OKX deletes keys that can trade or withdraw and have no bound IP after "
                "14 days without use (third-party report citing OKX's help centre; not in "
                "OKX's API documentation).",
                fix=f"Bind the key to {where} before OKX deletes it.",
            )
        )
    return findings


def _egress_findings(
    facts: Facts, egress_ips: tuple[str, ...], egress_error: str | None
) -> list[Finding]:
    findings = []
    if egress_error is not None:
        findings.append(
            Finding(
                code="egress-unknown",
                severity="info",
                message=f"This host's egress IP could not be detected ({egress_error}); whether "
                "it is on the key's whitelist was not checked.",
                fix="Allow outbound HTTPS to the what-is-my-IP providers, or pass "
                "egress=EgressReport(...) or an EgressDetector whose providers you can reach.",
            )
        )
    allowed = facts.allowed_ips
    if not facts.ip_restricted or allowed is None or not egress_ips:
        return findings
    networks = [n for n in map(_network, allowed) if n is not None]
    missing = [ip for ip in egress_ips if not any(ipaddress.ip_address(ip) in n for n in networks)]
    if missing:
        partly = len(missing) < len(egress_ips)
        findings.append(
            Finding(
                code="egress-not-allowed",
                severity="warning" if partly else "critical",
                message=f"This host's egress {_join(missing)} is not on the key's whitelist "
                f"({_join(allowed)})"
                + (
                    ": requests that leave over that address (the other address family, "
                    "another NAT address) are rejected."
                    if partly
                    else ": private calls from this host are rejected."
                ),
                fix=f"Add {_join(missing)} to the key's whitelist on the exchange (and to the "
                "documented list), or route the bot through an address that is listed.",
            )
        )
    return findings


def _list_findings(
    name: str, exchange_id: str, facts: Facts, documented: tuple[str, ...] | None
) -> list[Finding]:
    findings: list[Finding] = []
    allowed = facts.allowed_ips
    if allowed is None:
        return []
    if documented is not None:
        ours = {_canonical(e) for e in documented}
        theirs = {_canonical(e) for e in allowed}
        added, missing = sorted(theirs - ours), sorted(ours - theirs)
        parts = [f"on the exchange but not documented: {', '.join(added)}"] if added else []
        parts += [f"documented but not on the exchange: {', '.join(missing)}"] if missing else []
        if parts:
            findings.append(
                Finding(
                    code="registry-drift",
                    severity="warning",
                    message=f"The documented whitelist differs from the key's list on {name}: "
                    + "; ".join(parts)
                    + ".",
                    fix="Make them agree: update the documented list to what the key allows, or "
                    "change the key on the exchange, so diagnoses and migrations start from "
                    "the truth.",
                )
            )
    # Entry limits and their sources live in _limits.py.
    limits = limits_for(exchange_id)
    if (
        limits is not None
        and limits.max_entries
        and len(allowed) >= _NEAR_LIMIT * limits.max_entries
    ):
        full = len(allowed) >= limits.max_entries
        findings.append(
            Finding(
                code="near-limit",
                severity="warning" if full else "info",
                message=f"The key uses {len(allowed)} of the {limits.max_entries} IP entries "
                f"{name} allows"
                + (": there is no room for a new egress address." if full else "."),
                fix="Remove addresses nothing uses any more before you need to add a new one.",
            )
        )
    for entry in allowed:
        network = _network(entry)
        if network is None or network.prefixlen >= _MIN_PREFIX[network.version]:
            continue
        everything = network.prefixlen == 0
        findings.append(
            Finding(
                code="broad-cidr",
                severity="critical" if everything else "warning",
                message=f"{entry} allows every IPv{network.version} address: the whitelist "
                "restricts nothing."
                if everything
                else f"{entry} allows {network.num_addresses:,} addresses: anyone in that "
                "range passes the IP check.",
                fix=f"Replace {entry} with the exact egress addresses, or the narrowest range "
                "your provider assigns to you alone.",
            )
        )
    return findings


def judge(
    family: Family,
    exchange_id: str,
    facts: Facts,
    *,
    egress_ips: tuple[str, ...],
    egress_error: str | None,
    documented: tuple[str, ...] | None,
    now: datetime,
) -> tuple[Finding, ...]:
    """Every finding for *facts* (pure), most severe first."""
    name = _NAMES[family]
    where = _where(egress_ips)
    findings = [
        *_restriction(name, facts, where),
        *_expiry(family, facts, now, where),
        *_egress_findings(facts, egress_ips, egress_error),
        *_list_findings(name, exchange_id, facts, documented),
    ]
    return tuple(sorted(findings, key=lambda f: _RANK[f.severity]))


# -- the I/O edge ---------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Plan:
    family: Family
    method: str
    endpoint: str
    documented: tuple[str, ...] | None
    now: datetime
    report: EgressReport | None
    detector: EgressDetector | None


def _family(exchange: object) -> Family:
    for name in families_of(exchange):
        if name in _METHODS:
            return name
    exchange_id = getattr(exchange, "id", None) or type(exchange).__name__
    raise AuditUnsupported(
        f"no key-restriction endpoint is known for {exchange_id!r}: audit() supports the "
        "Binance family (binance, binanceusdm, binancecoinm, ...), Bybit and the OKX family"
    )


def _documented(documented: Iterable[str] | None) -> tuple[str, ...] | None:
    from ._whitelist import Whitelist

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
    from ._egress import EgressDetector, EgressReport, default_detector

    family = _family(exchange)
    is_async = asyncio.iscoroutinefunction(getattr(type(exchange), "fetch", None))
    if is_async != asynchronous:
        raise TypeError(
            "audit_async() needs an async ccxt client (ccxt.async_support or ccxt.pro)"
            if asynchronous
            else "audit() needs a sync ccxt client; use `await audit_async(...)` for async ones"
        )
    now = datetime.now(UTC) if now is None else now
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    detector: EgressDetector | None = None
    report: EgressReport | None = None
    if egress is True:
        detector = default_detector()
    elif isinstance(egress, EgressDetector):
        detector = egress
    elif isinstance(egress, EgressReport):
        report = egress
    elif egress is not False:
        raise TypeError(f"egress must be a bool, an EgressReport or an EgressDetector: {egress!r}")
    method, endpoint = _METHODS[family]
    return _Plan(
        family=family,
        method=method,
        endpoint=endpoint,
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
    facts = parse_response(plan.family, response, plan.now)
    egress_ips = tuple(str(ip) for ip in report.ips) if report is not None else ()
    if failed is None and report is not None and not egress_ips:
        failed = "; ".join(report.errors) or "no provider answered"
    return KeyAudit(
        exchange=str(getattr(exchange, "id", plan.family)),
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
            plan.family,
            str(getattr(exchange, "id", plan.family)),
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
        exchange: A ``ccxt`` client of the Binance family, Bybit or the OKX
            family, wrapped or not.
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
        from ._mapping import proxy_of, url_prefix_of

        try:
            report = plan.detector.detect(proxy_of(exchange), url_prefix=url_prefix_of(exchange))
        except Exception as exc:  # noqa: BLE001 - egress trouble must not fail the audit
            failed = f"{type(exc).__name__}: {exc}"
    return _result(exchange, plan, response, report, failed)


async def audit_async(
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
        from ._mapping import proxy_of, url_prefix_of

        try:
            report = await plan.detector.adetect(
                proxy_of(exchange), url_prefix=url_prefix_of(exchange)
            )
        except Exception as exc:  # noqa: BLE001 - egress trouble must not fail the audit
            failed = f"{type(exc).__name__}: {exc}"
    return _result(exchange, plan, response, report, failed)
