"""The redacted stand-in a rejection is raised from: what tracebacks show of ccxt's exception."""

from __future__ import annotations

import pickle
import traceback

import ccxt

from ipwhitelist._core.chain import RedactedError, stand_in

SIGNATURE = "c0ffee" * 10 + "abcd"  # 64 hex digits
URL = f"https://api.binance.com/api/v3/account?timestamp=1&signature={SIGNATURE}"


def _chained() -> ccxt.AuthenticationError:
    try:
        try:
            raise OSError(f"401 Client Error for url: {URL}")  # noqa: TRY301 - the chain is the subject
        except OSError:
            raise ccxt.AuthenticationError('binance {"code":-2015}') from None
    except ccxt.AuthenticationError as exc:
        return exc


class TestStandIn:
    def test_none(self):
        """No exception, no stand-in."""
        assert stand_in(None, ()) is None

    def test_same_class_frames_and_flags(self):
        """Named like the original, same frames, same chain flags, redacted text."""
        exc = _chained()

        copy = stand_in(exc, ())

        assert isinstance(copy, ccxt.AuthenticationError)
        assert type(copy).__qualname__ == "AuthenticationError"
        assert copy.__traceback__ is exc.__traceback__
        assert copy.__suppress_context__ is exc.__suppress_context__
        assert isinstance(copy.__context__, OSError)
        assert SIGNATURE not in "".join(traceback.format_exception(copy))

    def test_known_values_removed(self):
        """The client's credentials are removed by value as well."""
        exc = ccxt.AuthenticationError("binance key=AKIAEXAMPLEKEY12 said no to AKIAEXAMPLEKEY12")

        assert "AKIAEXAMPLEKEY12" not in str(stand_in(exc, ("AKIAEXAMPLEKEY12",)))

    def test_cycles_and_depth(self):
        """A cyclic chain is copied once per link; a very deep one is cut."""
        first, second = ValueError("a"), ValueError("b")
        first.__context__, second.__context__ = second, first

        cyclic = stand_in(first, ())
        links, link = 0, stand_in(_deep(20), ())
        while link is not None:
            links, link = links + 1, link.__cause__

        assert cyclic.__context__.__context__ is cyclic
        assert 9 == links

    def test_broken_str(self):
        """An exception whose str() raises is shown as such, not as a crash."""

        class BrokenError(Exception):
            def __str__(self) -> str:
                raise RuntimeError("no")

        copy = stand_in(BrokenError(), ())

        assert "str() failed" in str(copy)

    def test_objects_stay_on_the_original(self):
        """Numbers are copied; objects and text attributes are None on the stand-in."""
        exc = ccxt.AuthenticationError("x")
        exc.status, exc.response, exc.url = 401, object(), URL

        copy = stand_in(exc, ())

        assert (401, None, None) == (copy.status, copy.response, copy.url)

    def test_pickles_as_redacted_error(self):
        """A pickled stand-in is a plain RedactedError with the redacted text."""
        copy = stand_in(ccxt.AuthenticationError(URL), ())

        again = pickle.loads(pickle.dumps(copy))

        assert isinstance(again, RedactedError)
        assert "ccxt.base.errors.AuthenticationError: " in str(again)
        assert SIGNATURE not in str(again)
        assert SIGNATURE not in repr(copy) + repr(copy.args)

    def test_not_rendered_until_shown(self):
        """Building a stand-in does not read the original's text."""
        reads = []

        class CountingError(Exception):
            def __str__(self) -> str:
                reads.append(1)
                return "text"

        copy = stand_in(CountingError(), ())
        before = len(reads)
        str(copy), str(copy)

        assert (0, 1) == (before, len(reads))


def _deep(n: int) -> BaseException:
    exc: BaseException = ValueError("0")
    for i in range(1, n):
        outer = ValueError(str(i))
        outer.__cause__ = exc
        exc = outer
    return exc
