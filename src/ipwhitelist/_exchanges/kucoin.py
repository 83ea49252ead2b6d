"""
KuCoin: one ``code``/``msg`` envelope; 400006 names the refused address.

Covers ccxt ``kucoin`` (spot, margin) and ``kucoinfutures``, which derives from
it; both answer ``{"code": "<6 digits>", "msg": "..."}``. 400006 refuses an
address outside the key's IP whitelist and, in current responses, names the
address KuCoin saw ("Invalid request ip, the current clientIp is:<ip>"). The
4003xx gateway codes and a few trading codes refuse a region; only those that
say the IP (or the location) decides are typed. A Cloudflare error 1015 page
is KuCoin's per-IP rate limit, which blocks the IP for 30 s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core.keyfacts import Facts, Restrictions, Unexpected, entries, granted
from .._core.limits import ExchangeLimits
from .._core.rules import Rule

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["LIMITS", "RESTRICTIONS", "RULES", "SHARED_KEYS", "TITLE"]

TITLE = "KuCoin"

#: One KuCoin account, one key: futures is a permission of the same key.
SHARED_KEYS = {
    "kucoinfutures": "https://www.kucoin.com/docs-new/authentication",
}

_GATEWAY_ERRORS = "https://www.kucoin.com/docs-new/error-code/websocket"
_FUTURES_ERRORS = (
    "https://github.com/Kucoin/kucoin-futures-api-docs/blob/master/"
    "source/localizable/index.en.html.md"
)
_RATE_LIMIT = "https://www.kucoin.com/docs/basic-info/request-rate-limit/rest-api"
_CCXT = "https://github.com/ccxt/ccxt/blob/master/ts/src/kucoin.ts"
_OCTOBOT = (
    "https://github.com/Drakkar-Software/OctoBot-Tentacles/blob/master/"
    "Trading/Exchange/kucoin/kucoin_exchange.py"
)

RULES = (
    Rule(
        name="kucoin-400006-ip-not-whitelisted",
        exchange="kucoin",
        code="400006",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source=_GATEWAY_ERRORS,
        description=(
            "400006 Invalid request IP, the current client IP is: %s. (older docs: 'The "
            "requested IP address is not in the API whitelist'); HTTP 403."
        ),
    ),
    Rule(
        name="kucoin-invalid-request-ip-message",
        exchange="kucoin",
        message=r"invalid request ip|ip address is not (?:in|on) the api whitelist",
        kind="ip_not_whitelisted",
        confidence="confirmed",
        source="https://github.com/Kucoin/kucoin-api-docs/issues/395",
        description="The 400006 message without its code (e.g. relayed by another layer).",
    ),
    Rule(
        name="kucoin-400302-ip-region",
        exchange="kucoin",
        code="400302",
        kind="geo_restricted",
        confidence="confirmed",
        source=_GATEWAY_ERRORS,
        description=(
            "400302 Based on your IP, services are unavailable in your region due to "
            "regulations. Please contact support."
        ),
    ),
    Rule(
        name="kucoin-126046-ip-region",
        exchange="kucoin",
        code="126046",
        kind="geo_restricted",
        # Per asset, but the text says the IP's region decides.
        confidence="confirmed",
        source=_CCXT,
        description=(
            "126046 (high-frequency margin) This digital asset does not support your IP "
            "region, thank you for your understanding!"
        ),
    ),
    Rule(
        name="kucoin-600004-location",
        exchange="kucoin",
        code="600004",
        message=r"unavailable in your location",
        kind="geo_restricted",
        # "country, region, or IP": the account's country may decide, not the IP.
        confidence="likely",
        source=_OCTOBOT,
        description=(
            "600004 Unfortunately, trading is currently unavailable in your location due "
            "to country, region, or IP restrictions."
        ),
    ),
    Rule(
        name="kucoin-400500-token-region",
        exchange="kucoin",
        code="400500",
        kind="geo_restricted",
        # One token only; reported from a US cloud IP, not from a home IP.
        confidence="likely",
        source="https://github.com/hummingbot/hummingbot/issues/5105",
        description=(
            "400500 Your located country/region is currently not supported for the "
            "trading of this token."
        ),
    ),
    Rule(
        name="kucoinfutures-40010-region",
        exchange="kucoinfutures",
        code="40010",
        kind="geo_restricted",
        # Identity, IP or phone number: the IP is one of three possible reasons.
        confidence="likely",
        source=_FUTURES_ERRORS,
        description=(
            "40010 Unavailable to place orders. Your identity information/IP/phone number "
            "shows you're at a country/region that is restricted from this service."
        ),
    ),
    Rule(
        name="kucoin-cloudflare-1015-ip-rate-limit",
        exchange="kucoin",
        message=r"banned you temporarily from accessing this website",
        kind="ip_banned",
        confidence="confirmed",
        source=_RATE_LIMIT,
        description=(
            "Cloudflare error 1015 page: 'according to the IP rate limit ... block 30s' "
            "('The owner of this website (api.kucoin.com) has banned you temporarily')."
        ),
    ),
)

LIMITS = ExchangeLimits(
    exchange="kucoin",
    ip_whitelist=True,
    sources=("https://www.kucoin.com/support/360015102174",),
)


# -- the key ------------------------------------------------------------------

# GET /api/v1/user/api-key (``kucoin`` and ``kucoinfutures``, whose private
# host is the same),
# https://www.kucoin.com/docs-new/rest/account-info/account-funding/get-apikey-info:
# ``data.ipWhitelist`` (a comma-separated string, ``""`` when none is bound,
# with the middle of each address masked: ``"203.**.154,103.**.34"`` in the
# page's example; KuCoin's broker API masks the same way,
# https://www.kucoin.com/docs-broker/3470563e0) and ``data.permission``
# (``"General,Futures,Spot,Earn,InnerTransfer,Transfer,Margin"``). Field
# names and values as in the ``GetApikeyInfoResp`` model KuCoin's SDK
# generator writes from that page ("possible values: General, Spot, Margin,
# Futures, InnerTransfer, Transfer, Earn"; read in a copy,
# https://github.com/zainkhan-afk/kucoin-universal-sdk/blob/10c5124c787045740d03d3f6df3df9303889e0f4/sdk/python/kucoin_universal_sdk/generate/account/account/model_get_apikey_info_resp.py).
# "Transfer" is the withdrawal permission: "This permission allows you to
# withdraw assets ... To use this permission, you must enable IP Restriction"
# (https://github.com/Kucoin/kucoin-api-docs/blob/master/source/localizable/index.html.md,
# "API KEY PERMISSIONS"). No expiry is reported.

# The documented permission names, and the ones that place orders.
_NAMES = {"General", "Spot", "Margin", "Futures", "InnerTransfer", "Transfer", "Earn"}
_TRADE = {"Spot", "Margin", "Futures"}


def _parse(response: object, _now: datetime) -> Facts:
    data = response.get("data") if isinstance(response, dict) else None
    if not isinstance(data, dict):
        raise Unexpected("no data object")
    perm = data.get("permission")
    names = tuple(sorted(set(entries([perm])))) if isinstance(perm, str) else None
    ips = data.get("ipWhitelist")
    allowed = tuple(entries([ips])) if isinstance(ips, str) else None
    return Facts(
        ip_restricted=None if allowed is None else bool(allowed),
        allowed_ips=allowed,
        can_read=None if names is None else granted(names, {"General"}, _NAMES),
        can_trade=None if names is None else granted(names, _TRADE, _NAMES),
        can_withdraw=None if names is None else granted(names, {"Transfer"}, _NAMES),
        permissions=names or (),
        expires_at=None,
    )


RESTRICTIONS = Restrictions(
    method="private_get_user_api_key",
    endpoint="GET /api/v1/user/api-key",
    parse=_parse,
)
