"""The "what is my IP" services a lookup asks, and the default list."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from .._core.redact import redact_url

if TYPE_CHECKING:
    from collections.abc import Callable

    from .._core.address import AddressFamily

__all__ = ["DEFAULT_PROVIDERS", "EgressError", "Provider", "to_provider"]


def _plain(body: str) -> str:
    return body.strip()


def _cloudflare_trace(body: str) -> str:
    for line in body.splitlines():
        key, _, value = line.partition("=")
        if key == "ip":
            return value.strip()
    return ""


@attrs.frozen(kw_only=True)
class Provider:
    """
    A "what is my IP" service.

    Attributes:
        url: The URL to GET.
        family: 4 or 6 if the service answers only over that family (its answer
            must then be of that family), ``None`` for dual-stack services.
        parse: Turns the response body into the address text.

    Added in *0.1.0*.
    """

    # Shown without userinfo or credential-looking query values.
    url: str = attrs.field(repr=lambda url: repr(redact_url(url)))
    family: AddressFamily | None = None
    parse: Callable[[str], str] = _plain


#: The default providers: independent operators (ipify, AWS, Cloudflare/icanhazip),
#: separately for IPv4 and IPv6.
DEFAULT_PROVIDERS: tuple[Provider, ...] = (
    Provider(url="https://api.ipify.org", family=4),
    Provider(url="https://checkip.amazonaws.com", family=4),
    Provider(url="https://1.1.1.1/cdn-cgi/trace", family=4, parse=_cloudflare_trace),
    Provider(url="https://ipv4.icanhazip.com", family=4),
    Provider(url="https://api6.ipify.org", family=6),
    Provider(url="https://ipv6.icanhazip.com", family=6),
)


class EgressError(Exception):
    """A provider's answer was unusable (status, size, redirect, or not a public address)."""


def to_provider(value: str | Provider) -> Provider:
    """A `Provider` for a plain URL (its body is the address as text)."""
    return value if isinstance(value, Provider) else Provider(url=value)
