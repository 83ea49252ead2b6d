"""When a ban ends: the exchange's stated end or Retry-After, believed only when plausible."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import body_of
from ipwhitelist._core import classify as _classify
from ipwhitelist._core.bans import MAX_BAN, find_banned_until, retry_after_seconds

# When Binance sent "IP banned until 1659761931230": a minute before that end.
SENT = datetime(2022, 8, 6, 4, 57, 51, tzinfo=UTC)
ENDS = datetime(2022, 8, 6, 4, 58, 51, 230000, tzinfo=UTC)


def banned_418(retry_after, msg="Way too much request weight used."):
    """The ban end a Binance 418 with this Retry-After header gives."""
    found = _classify.match(
        _classify.response_from_http(
            "binance",
            ("binance",),
            http_status=418,
            body=body_of({"code": -1003, "msg": msg}),
            headers={"Retry-After": retry_after},
        )
    )
    assert "ip_banned" == found.rule.kind
    return found.banned_until


class TestBannedUntil:
    def test_milliseconds(self):
        """13-digit values are epoch milliseconds."""
        assert ENDS == find_banned_until("IP banned until 1659761931230.", now=SENT)

    def test_bitvavo_ban_expires_at(self):
        """Bitvavo 105 words the end of a ban as "The ban expires at <ms>"."""
        assert ENDS == find_banned_until(
            "Your IP or API key has been banned for not respecting the rate limit. "
            "The ban expires at 1659761931230.",
            now=SENT,
        )

    def test_retry_after(self):
        """Without a stated end, Retry-After seconds are added to now."""
        now = datetime(2030, 1, 1, tzinfo=UTC)

        assert datetime(2030, 1, 1, 0, 2, tzinfo=UTC) == find_banned_until("", 120, now)

    @pytest.mark.parametrize(
        "text",
        [
            "IP banned until 1659761931230.",  # over: it ended before now
            "IP banned until 99999999999.",  # seconds in the year 5138
            "IP banned until 999999999999.",  # seconds beyond datetime's year 9999
            "IP banned until 1662440331230.",  # 31 days after that end
        ],
    )
    def test_a_stated_end_that_is_over_or_absurd_is_unknown(self, text):
        """An end in the past or beyond any real ban is no end at all: None."""
        assert find_banned_until(text, now=SENT + timedelta(hours=1)) is None

    def test_an_implausible_stated_end_falls_back_to_retry_after(self):
        """When the text's end cannot be right, the relative Retry-After still can."""
        now = SENT + timedelta(hours=1)

        assert now + timedelta(seconds=120) == find_banned_until(
            "IP banned until 1659761931230.", 120, now
        )

    @pytest.mark.parametrize(
        "value",
        ["-5", "0", "-0", " -120 ", "+120", "1e3", "Wed, 21 Oct 2015 07:28:00 GMT", "soon"],
    )
    def test_retry_after_that_is_not_ahead_is_unknown(self, value):
        """Retry-After of -5, 0, a past HTTP date or no delay-seconds gives no ban end."""
        assert banned_418(value) is None

    def test_retry_after_http_date(self):
        """A future HTTP-date Retry-After (RFC 9110 section 10.2.3) is the ban end."""
        when = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)

        until = banned_418(format_datetime(when, usegmt=True))

        assert until is not None
        assert abs(until - when) < timedelta(seconds=1)

    @given(st.integers(min_value=1, max_value=int(MAX_BAN.total_seconds())))
    def test_retry_after_delay_seconds(self, seconds):
        """Any delay up to the longest plausible ban gives an end that far ahead."""
        before = datetime.now(UTC)

        until = banned_418(str(seconds))

        assert until is not None
        assert before + timedelta(seconds=seconds) <= until
        assert until - timedelta(seconds=seconds) <= datetime.now(UTC)

    @given(st.integers(min_value=int(MAX_BAN.total_seconds()) + 1, max_value=10**30))
    def test_retry_after_beyond_any_ban_is_unknown(self, seconds):
        """A delay longer than any ban an exchange documents is not believed."""
        assert banned_418(str(seconds)) is None

    def test_retry_after_http_date_without_zone_is_utc(self):
        """An HTTP date with "-0000" (no zone known) is read as UTC."""
        when = datetime.now(UTC).replace(microsecond=0, tzinfo=None) + timedelta(minutes=10)

        until = banned_418(format_datetime(when))

        assert until is not None
        assert abs(until - when.replace(tzinfo=UTC)) < timedelta(seconds=1)

    @pytest.mark.parametrize(
        "headers", [[("Retry-After", "120")], {"Retry-After": 120}, {"Retry-After": "1" * 65}]
    )
    def test_headers_that_are_not_text_are_ignored(self, headers):
        """Headers of the wrong shape, a non-text or an overlong value give no delay."""
        assert retry_after_seconds(headers) is None
