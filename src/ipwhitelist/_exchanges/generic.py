"""
Rules that hold for every exchange.

HTTP semantics and the block pages of the CDNs that exchanges sit behind.
They are tried after the exchange's own rules.
"""

from __future__ import annotations

from .._core.rules import ANY_EXCHANGE, Rule

__all__ = ["RULES", "TITLE"]

TITLE = "Every exchange"

RULES = (
    Rule(
        name="cloudfront-country-block",
        exchange=ANY_EXCHANGE,
        message=r"configured to block access from your country",
        kind="geo_restricted",
        confidence="confirmed",
        source="https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/georestrictions.html",
        description="Amazon CloudFront geo restriction (used by Bybit and others): HTTP 403.",
    ),
    Rule(
        name="cloudflare-1009-country-banned",
        exchange=ANY_EXCHANGE,
        message=r"banned the country or region your IP address is in",
        kind="geo_restricted",
        confidence="confirmed",
        source="https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-1xxx-errors/error-1009/",
        description="Cloudflare error 1009: the site owner blocks the IP's country or region.",
    ),
    Rule(
        name="cloudflare-1006-ip-banned",
        exchange=ANY_EXCHANGE,
        message=r"has banned your IP address",
        kind="ip_banned",
        confidence="confirmed",
        source="https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-1xxx-errors/error-1006/",
        description="Cloudflare errors 1006-1008: the site owner banned this IP address.",
    ),
    Rule(
        name="http-451",
        exchange=ANY_EXCHANGE,
        http_status=451,
        kind="geo_restricted",
        confidence="likely",
        source="https://www.rfc-editor.org/rfc/rfc7725",
        description="HTTP 451 Unavailable For Legal Reasons: refused for legal reasons.",
    ),
)
