"""
Bitget: one ``code``/``msg`` envelope for spot, futures (mix) and margin.

Covers ccxt ``bitget``. Errors read ``{"code": "<5 digits>", "msg": "...",
"requestTime": <ms>, "data": null}``. 40018 ("Invalid IP") and 40038 refuse an
address outside the key's IP whitelist, 49003 does so for broker (custody)
keys, and 30011 ("invalid IP") did so on the retired v1 API; none of them
names the address. 40103/40104 refuse the IP's country.
22010 ("Please bind ip whitelist address") is left alone: the key has no IP
binding at all, which no address can fix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core.keyfacts import Facts, Restrictions, Unexpected, entries, granted
from .._core.limits import ExchangeLimits
from .._core.rules import Rule

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["LIMITS", "RESTRICTIONS", "RULES", "TITLE"]

TITLE = "Bitget"

# A copy of https://www.bitget.com/api-doc/common/error-code kept in a repository.
_ERRORS = "https://github.com/rosssaunders/coincise/blob/main/docs/bitget/error_codes.md"

RULES = (
    Rule(
        name="bitget-40018-invalid-ip",
        exchange="bitget",
        code="40018",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_ERRORS,
        description="40018 Invalid IP",
    ),
    Rule(
        name="bitget-40038-ip-not-in-whitelist",
        exchange="bitget",
        code="40038",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_ERRORS,
        description="40038 The current ip is not in the apikey ip whitelist",
    ),
    Rule(
        name="bitget-ip-whitelist-message",
        exchange="bitget",
        message=r"not in the apikey ip whitelist",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_ERRORS,
        description="The 40038 message without its code (e.g. a websocket login reply).",
    ),
    Rule(
        name="bitget-30011-legacy-invalid-ip",
        exchange="bitget",
        code="30011",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source="https://github.com/ccxt/ccxt/blob/master/python/ccxt/bitget.py",
        description=(
            "30011 invalid IP, the retired v1 API's code for the same refusal (ccxt: "
            '`\'30011\': PermissionDenied,  # { "code": 30011, "message": "invalid IP" }`).'
        ),
    ),
    Rule(
        name="bitget-49003-broker-illegal-ip",
        exchange="bitget",
        code="49003",
        kind="ip_not_whitelisted",
        # Documented among the broker/custody (ACCESS-BROKER-KEY) codes only.
        confidence="likely",
        source=_ERRORS,
        description="49003 illegal IP, access deny (broker custody keys)",
    ),
    Rule(
        name="bitget-40103-ip-region",
        exchange="bitget",
        code="40103",
        kind="geo_restricted",
        confidence="confirmed",
        source=_ERRORS,
        description=(
            "40103 based on your IP address, it appears that you are located in a country "
            "or region where we are currently unable to provide services"
        ),
    ),
    Rule(
        name="bitget-ip-region-message",
        exchange="bitget",
        # 40104 carries this text and, elsewhere, a withdrawal error: match the text.
        message=r"based on your IP address\W+it appears that you are located in a country",
        kind="geo_restricted",
        confidence="confirmed",
        source=_ERRORS,
        description="40104 (or 40103) with the 'based on your IP address' text.",
    ),
    Rule(
        name="bitget-40100-hong-kong-ip",
        exchange="bitget",
        code="40100",
        kind="geo_restricted",
        # Triggered by the IP, but identity verification also lifts it.
        confidence="likely",
        source=_ERRORS,
        description=(
            "40100 Due to regulatory requirements, Hong Kong IPs are required to complete "
            "identity verification first"
        ),
    ),
    Rule(
        name="bitget-40000-mainland-china",
        exchange="bitget",
        code="40000",
        message=r"unable to provide services to your region",
        kind="geo_restricted",
        # The text does not say whether the IP or the account's country decides.
        confidence="possible",
        source=_ERRORS,
        description=(
            "40000 ... Bitget is currently unable to provide services to your region "
            "(Mainland China) and you do not have access to open positions."
        ),
    ),
)

LIMITS = ExchangeLimits(
    exchange="bitget",
    ip_whitelist=True,
    # A copy of Bitget's API docs: withdrawals only from a whitelisted IP.
    sources=("https://github.com/rosssaunders/coincise/blob/main/docs/bitget/authentication.md",),
)


# -- the key ------------------------------------------------------------------

# GET /api/v2/spot/account/info, https://www.bitget.com/api-doc/spot/account/Get-Account-Info
# (copied in
# https://github.com/rosssaunders/coincise/blob/main/docs/bitget/endpoints/private/get_api_v2_spot_account_info.md):
# ``data.ips`` ("IP whitelist", a string; the page shows one address, so
# several are read as comma-separated, as KuCoin and OKX send them) and
# ``data.authorities``, codes ending in ``r`` (read only) or ``w`` (read and
# write): ``stow`` spot, ``smow`` margin, ``coow``/``cpow`` futures orders and
# holdings, ``ttow`` copy trading, ``wwow`` "wallet withdrawl"; the page's
# example shows ``["trade", "readonly"]``. No expiry is reported.

# The documented authority codes (read-only ones end in "r"), the page
# example's "trade" and "readonly", and the codes that trade.
_NAMES = {
    *("coor", "cpor", "stor", "smor", "ttor", "wtor", "taxr", "chor", "p2pr", "pllr"),
    *("coow", "cpow", "stow", "smow", "ttow", "wtow", "wwow", "chow", "p2p", "pllw", "taxw"),
    *("trade", "readonly"),
}
_TRADE = {"coow", "cpow", "stow", "smow", "ttow", "trade"}


def _parse(response: object, _now: datetime) -> Facts:
    data = response.get("data") if isinstance(response, dict) else None
    if not isinstance(data, dict):
        raise Unexpected("no data object")
    authorities = data.get("authorities")
    names = tuple(sorted(set(entries(authorities)))) if isinstance(authorities, list) else None
    ips = data.get("ips")
    allowed = (
        tuple(entries([ips] if isinstance(ips, str) else ips))
        if isinstance(ips, str | list)
        else None
    )
    return Facts(
        ip_restricted=None if allowed is None else bool(allowed),
        allowed_ips=allowed,
        can_read=True if names else None,  # every authority reads its area
        can_trade=None if names is None else granted(names, _TRADE, _NAMES),
        can_withdraw=None if names is None else granted(names, {"wwow"}, _NAMES),
        permissions=names or (),
        expires_at=None,
    )


RESTRICTIONS = Restrictions(
    method="private_spot_get_v2_spot_account_info",
    endpoint="GET /api/v2/spot/account/info",
    parse=_parse,
)
