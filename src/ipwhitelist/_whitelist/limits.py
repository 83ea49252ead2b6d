"""
What each exchange accepts in a key's IP whitelist: how many entries, CIDR, IPv6.

Only facts with a source are recorded; ``None`` means "not documented", and
validation then neither accepts nor rejects on that point. Exchanges are keyed
by ccxt id; a ccxt subclass (``binanceusdm``) inherits its family's limits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from .._core.lineage import families_of_id

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["ExchangeLimits", "limits_for"]


@attrs.frozen(kw_only=True)
class ExchangeLimits:
    """
    The documented limits of one exchange's per-key IP whitelist.

    Attributes:
        exchange: The ccxt id the limits are written for.
        ip_whitelist: Whether a key can be bound to IP addresses at all
            (``False``: the exchange offers no per-key IP whitelist).
        max_entries: How many addresses (or networks) one key accepts.
        cidr: Whether networks in CIDR notation are accepted.
        ipv6: Whether IPv6 addresses are accepted.
        separator: How the key-management page wants several entries joined.
        sources: Where each fact comes from.

    Added in *0.1.0*.
    """

    exchange: str
    ip_whitelist: bool | None = None
    max_entries: int | None = None
    cidr: bool | None = None
    ipv6: bool | None = None
    separator: str = ","
    sources: tuple[str, ...] = ()

    def format(self, entries: Iterable[str]) -> str:
        """Join *entries* the way the exchange's input field expects them."""
        return self.separator.join(entries)


_LIMITS = {
    limits.exchange: limits
    for limits in (
        ExchangeLimits(
            exchange="binance",
            ip_whitelist=True,
            max_entries=30,
            sources=(
                # The ip parameter: "Can be added in batches, separated by commas.
                # Max 30 for an API key".
                "https://developers.binance.com/docs/margin_trading/trade/Edit-ip-for-Special-Key-of-Low-Latency-Trading",
                "https://developers.binance.com/docs/sub_account/api-management/Add-IP-Restriction-for-Sub-Account-API-key",
            ),
        ),
        ExchangeLimits(
            exchange="blofin",
            ip_whitelist=True,
            max_entries=20,
            sources=("https://github.com/blofin/blofin-api-docs/blob/main/index.md",),
        ),
        ExchangeLimits(
            exchange="bybit",
            ip_whitelist=True,
            # ips: 'Set the IP bind. example: "192.168.0.1,192.168.0.2"'.
            sources=("https://bybit-exchange.github.io/docs/v5/user/create-subuid-apikey",),
        ),
        ExchangeLimits(
            exchange="kraken",
            ip_whitelist=True,
            sources=("https://docs.kraken.com/home/guides/quickstart",),
        ),
        ExchangeLimits(
            exchange="kucoin",
            ip_whitelist=True,
            sources=("https://www.kucoin.com/support/360015102174",),
        ),
        ExchangeLimits(
            exchange="mexc",
            ip_whitelist=True,
            # apiKeyInfo: "up to 20", "separated by commas".
            max_entries=20,
            sources=("https://www.mexc.in/api-docs/spot-v3/spot-account-trade/api-key-info",),
        ),
        ExchangeLimits(
            exchange="okx",
            ip_whitelist=True,
            max_entries=20,
            sources=("https://www.okx.com/help/api-faq",),
        ),
        ExchangeLimits(
            exchange="bitget",
            ip_whitelist=True,
            # A copy of Bitget's API docs: withdrawals only from a whitelisted IP.
            sources=(
                "https://github.com/rosssaunders/coincise/blob/main/docs/bitget/authentication.md",
            ),
        ),
        ExchangeLimits(
            exchange="bitstamp",
            ip_whitelist=True,
            sources=("https://blog.bitstamp.net/post/api-key-implementation/",),
        ),
        ExchangeLimits(
            exchange="bitvavo",
            ip_whitelist=True,
            sources=(
                "https://support.bitvavo.com/l/en/article/on9e1brlqq-what-are-api-keys-and-how-do-i-make-one",
            ),
        ),
        ExchangeLimits(
            exchange="coinbase",
            ip_whitelist=True,
            # CDP keys: "IPs or CIDRs", "IPv4 and IPv6 supported", one entry at a time.
            cidr=True,
            ipv6=True,
            sources=(
                "https://docs.cdp.coinbase.com/get-started/authentication/security-best-practices",
            ),
        ),
        ExchangeLimits(
            exchange="cryptocom",
            ip_whitelist=True,
            # A copy of the Exchange v1 docs' "Authentication" section.
            sources=(
                "https://github.com/rosssaunders/coincise/blob/c836b49695f84aa1216c5494ecc2f8063418da5b/docs/cryptocom/authentication.md",
            ),
        ),
        ExchangeLimits(
            exchange="delta",
            ip_whitelist=True,
            ipv6=True,
            sources=(
                "https://github.com/delta-exchange/slate/blob/7f0d2d00f05961c70a6fed755688b1b36ae6db20/source/includes/_authentication.md",
            ),
        ),
        ExchangeLimits(
            exchange="deribit",
            ip_whitelist=True,
            sources=(
                "https://docs.deribit.com/api-reference/account-management/private-edit_api_key",
            ),
        ),
        ExchangeLimits(
            exchange="gate",
            ip_whitelist=True,
            sources=("https://github.com/gateio/gateapi-go/issues/3",),
        ),
        ExchangeLimits(
            exchange="gemini",
            ip_whitelist=True,
            # "IP Allowlist" with "Trusted IPs only", addresses added one at a time.
            sources=("https://help.3commas.io/en/articles/5539049",),
        ),
        ExchangeLimits(
            exchange="hollaex",
            ip_whitelist=True,
            # Kit keys carry whitelisted_ips, matched with ip-range-check.
            cidr=True,
            sources=(
                "https://github.com/hollaex/hollaex-kit/blob/master/server/api/swagger/user.yaml",
                "https://github.com/hollaex/hollaex-kit/blob/master/server/tools/security.js",
            ),
        ),
        ExchangeLimits(
            exchange="htx",
            ip_whitelist=True,
            max_entries=20,
            cidr=True,
            ipv6=True,
            sources=("https://www.htx.com/en-us/apikey/",),
        ),
        ExchangeLimits(
            exchange="bingx",
            ip_whitelist=True,
            max_entries=20,
            sources=("https://bingx.pro/de-de/accounts/api",),
        ),
        ExchangeLimits(
            exchange="coinex",
            ip_whitelist=True,
            max_entries=50,
            sources=("https://docs.coinex.com/api/v2/account/subs/http/create-sub-api",),
        ),
        ExchangeLimits(
            exchange="phemex",
            ip_whitelist=True,
            sources=("https://phemex.com/help-center/how-to-share-api-keys-from-Main-to-Sub",),
        ),
        ExchangeLimits(
            exchange="poloniex",
            ip_whitelist=True,
            sources=("https://support.poloniex.com/hc/en-us/articles/360039541214",),
        ),
        ExchangeLimits(
            exchange="upbit",
            ip_whitelist=True,
            max_entries=10,
            sources=("https://docs.upbit.com/changelog/improved_ip_count",),
        ),
        ExchangeLimits(
            exchange="weex",
            ip_whitelist=True,
            max_entries=10,
            ipv6=False,
            sources=("https://github.com/enarjord/passivbot/pull/1397",),
        ),
        ExchangeLimits(
            exchange="whitebit",
            ip_whitelist=True,
            max_entries=50,
            sources=(
                "https://docs.whitebit.com/api-reference/sub-accounts/create-sub-account-api-key-ip-address",
            ),
        ),
        ExchangeLimits(
            # NotAllowIP: the key's allowed client IPs.
            exchange="bithumb",
            ip_whitelist=True,
            sources=(
                "https://apidocs.bithumb.com/docs/api-%EC%A3%BC%EC%9A%94-%EC%97%90%EB%9F%AC-%EC%BD%94%EB%93%9C",
            ),
        ),
        ExchangeLimits(
            # -1023 BIND_IP_WHITE_LIST_FIRST: API use needs an IP whitelist.
            exchange="coinsph",
            ip_whitelist=True,
            sources=("https://coins-docs.github.io/errors/",),
        ),
        ExchangeLimits(
            # 14029: a session key's IP whitelist.
            exchange="derive",
            ip_whitelist=True,
            sources=("https://github.com/ccxt/ccxt/blob/master/python/ccxt/derive.py",),
        ),
        ExchangeLimits(
            # 2005: the API key's trusted list of addresses.
            exchange="foxbit",
            ip_whitelist=True,
            sources=("https://github.com/ccxt/ccxt/blob/master/python/ccxt/foxbit.py",),
        ),
        ExchangeLimits(
            # 1008: the key's IP whitelist.
            exchange="grvt",
            ip_whitelist=True,
            sources=("https://github.com/ccxt/ccxt/blob/master/python/ccxt/grvt.py",),
        ),
        ExchangeLimits(
            # INVALID_IP_RESTRICTION: the API key's IP restriction.
            exchange="onetrading",
            ip_whitelist=True,
            sources=("https://github.com/ccxt/ccxt/blob/master/python/ccxt/onetrading.py",),
        ),
        ExchangeLimits(
            # agent/ip_whitelist/{list,add,remove,toggle}: an agent key's IP whitelist.
            exchange="pacifica",
            ip_whitelist=True,
            sources=("https://github.com/ccxt/ccxt/blob/master/python/ccxt/pacifica.py",),
        ),
        ExchangeLimits(
            # -1023 BIND_IP_WHITE_LIST_FIRST: API use needs an IP whitelist.
            exchange="toobit",
            ip_whitelist=True,
            sources=("https://toobit-docs.github.io/apidocs/spot/v1/en/#error-codes",),
        ),
        ExchangeLimits(
            exchange="xt",
            ip_whitelist=True,
            sources=("https://xtsupport.zendesk.com/hc/en-us/articles/900006868163",),
        ),
    )
}


# ccxt ids that name the same account system under another name.
_ALIASES = {"huobi": "htx"}


def limits_for(exchange: str) -> ExchangeLimits | None:
    """
    Return the documented whitelist limits for a ccxt exchange id, or ``None``.

    ``binanceusdm`` gets Binance's limits, ``okxus`` OKX's: limits belong to the
    account system, which a ccxt family shares.

    Added in *0.1.0*.
    """
    for family in (*(families_of_id(exchange) or (exchange,)), _ALIASES.get(exchange, "")):
        if family in _LIMITS:
            return _LIMITS[family]
    return None
