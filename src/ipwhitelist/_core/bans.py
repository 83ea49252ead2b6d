"""
When an IP ban ends: the exchange's stated end, else its Retry-After header.

Pure, like `_classify`, which calls it for ``ip_banned`` rules. An end is
believed only when it lies ahead and within `MAX_BAN`: anything else says
nothing true about when to retry, and the end is then unknown (``None``).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

__all__ = ["MAX_BAN", "find_banned_until", "retry_after_seconds"]

# Only this much text is scanned, as in _classify (MAX_SCAN), which imports this module.
_MAX_SCAN = 16_384

# A ban end is believed only when it lies ahead of now and at most this far:
# Binance's bans last "from 2 minutes to 3 days"
# (https://developers.binance.com/en/docs/products/oms/basics/4.rate-limits).
# An end already past (the ban is over, or a clock is wrong), a negative or
# zero Retry-After, or an end months away (a unit mistake, a hostile header)
# says nothing true about when to retry: the end is then unknown (None).
MAX_BAN = timedelta(days=30)
# Binance -1003 "IP banned until <ms>"; Bitvavo 105 "The ban expires at <ms>"
# (https://support.bitvavo.com/hc/de/articles/10122205636753).
_BANNED_UNTIL = re.compile(r"(?i)(?:banned\s+until|ban\s+expires\s+at)\s+(\d{10,13})\b")


def _now() -> datetime:
    # One clock for ban ends; the corpus replay sets it to when a message was sent.
    return datetime.now(UTC)


def find_banned_until(
    text: str, retry_after: float | None = None, now: datetime | None = None
) -> datetime | None:
    """
    When the ban ends: "banned until <epoch ms or s>" in *text*, else now + *retry_after*.

    An end that is not ahead of *now*, or more than `MAX_BAN` ahead, is unknown
    (``None``); a stated end that cannot be right gives way to *retry_after*,
    which does not depend on this host's clock agreeing with the exchange's.
    """
    now = now or _now()
    found = _BANNED_UNTIL.search(text[:_MAX_SCAN])
    if found:
        value = int(found.group(1))
        seconds = value / 1000 if len(found.group(1)) == 13 else value  # noqa: PLR2004
        try:
            end = datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            end = None
        if end is not None and now < end <= now + MAX_BAN:
            return end
    if retry_after is not None:
        try:
            end = now + timedelta(seconds=retry_after)
        except (OverflowError, ValueError):  # nan, inf, or beyond year 9999
            return None
        if now < end <= now + MAX_BAN:
            return end
    return None


# Retry-After is delay-seconds (1*DIGIT) or an HTTP-date (RFC 9110 section 10.2.3,
# https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3); a sign, an exponent,
# nan or inf is neither. Fractions are tolerated.
_DELAY_SECONDS = re.compile(r"\d{1,40}(?:\.\d{1,9})?", re.ASCII)
_MAX_HEADER = 64
# The header mappings of requests and aiohttp (multidict) ignore case: a second
# lookup would only miss again (raising and catching a KeyError, on every
# rejection), so only other mappings (a plain dict) get one.
_CASE_INSENSITIVE = frozenset({"CaseInsensitiveDict", "CIMultiDict", "CIMultiDictProxy"})


def retry_after_seconds(headers: Any) -> float | None:
    """Seconds from now that a Retry-After header names, or None."""
    try:
        store = getattr(headers, "_store", None)
        if type(store) is OrderedDict and type(headers).__name__ == "CaseInsensitiveDict":
            # requests' mapping, {lowered name: (name, value)} since requests 1.0:
            # its get() raises and catches a KeyError when the header is absent.
            found = store.get("retry-after")
            raw = found[1] if type(found) is tuple and len(found) == 2 else None  # noqa: PLR2004
        else:
            raw = headers.get("Retry-After")
            if not raw and type(headers).__name__ not in _CASE_INSENSITIVE:
                raw = headers.get("retry-after")
    except (AttributeError, TypeError):
        return None
    if not isinstance(raw, str) or len(raw) > _MAX_HEADER:
        return None
    raw = raw.strip()
    if _DELAY_SECONDS.fullmatch(raw):
        return float(raw)
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000": UTC, no zone known (RFC 5322)
        when = when.replace(tzinfo=UTC)
    return (when - _now()).total_seconds()
