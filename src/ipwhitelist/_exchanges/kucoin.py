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

from .._core.rules import Rule

__all__ = ["RULES", "TITLE"]

TITLE = "KuCoin"

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
