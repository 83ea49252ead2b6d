"""
Exceptions raised for IP rejections.

The tree, with the ccxt class each one also is::

    ccxt.BaseError
    └── IPRejection          .diagnosis, .original
        ├── IPNotWhitelisted also ccxt.PermissionDenied (⊂ AuthenticationError ⊂ ExchangeError)
        ├── IPBanned         also ccxt.DDoSProtection (⊂ NetworkError); .banned_until
        └── GeoRestricted    also ccxt.RestrictedLocation (⊂ OperationRejected ⊂ ExchangeError)
                             (ccxt < 4.4.98 has no RestrictedLocation: there, OperationRejected)

Each class also subclasses the ccxt exception that existing bot code most plausibly
catches for that case, so old ``except ccxt.…`` handlers keep working.
``IPNotWhitelisted`` and ``GeoRestricted`` are deliberately *not* ``ccxt.NetworkError``
subclasses, even where ccxt raised a ``NetworkError`` (Binance's -2015 after a first
success becomes ``DDoSProtection``; HTTP 403/451 geo blocks become
``ExchangeNotAvailable``): bots retry ``NetworkError`` forever, and retrying cannot
fix an IP that is not on a key's whitelist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

import ccxt

from ._core.assess import message
from ._core.ccxt_compat import RestrictedLocation

if TYPE_CHECKING:
    from datetime import datetime

    from ._core.diagnosis import Diagnosis

__all__ = ["GeoRestricted", "IPBanned", "IPNotWhitelisted", "IPRejection"]


# BaseException's own slot: what str() and repr() show once the message is made.
_ARGS: Any = BaseException.args


def _rebuild(cls: type[IPRejection], message: str, diagnosis: Diagnosis, original: Any) -> Any:
    return cls(message, diagnosis=diagnosis, original=original)


class IPRejection(ccxt.BaseError):  # type: ignore[misc]
    """
    The exchange refused a request because of the IP address it came from.

    The common base of `IPNotWhitelisted`, `IPBanned` and `GeoRestricted`; it is a
    `ccxt.BaseError`, so ``except ccxt.BaseError`` still catches it.

    Attributes:
        diagnosis: What happened and how to fix it; see `ipwhitelist.Diagnosis`.
        original: The exception ccxt raised, unchanged; its text and chain may
            hold the signed request URL. The rejection is raised from a
            redacted stand-in of it (``__cause__``: same class and frames,
            message redacted), so logged tracebacks carry no credential.

    Added in *0.1.0*.
    """

    diagnosis: Diagnosis
    # The ccxt exception itself; __cause__ is only a redacted stand-in (for
    # tracebacks), does not survive pickling and is easy to lose when re-raising.
    original: BaseException | None

    def __init__(
        self, message: str, *, diagnosis: Diagnosis, original: BaseException | None = None
    ) -> None:
        """Build the exception; *diagnosis* and *original* are keyword-only."""
        super().__init__(message)
        self.diagnosis = diagnosis
        self.original = original

    @classmethod
    def _lazy(cls, diagnosis: Diagnosis, original: BaseException | None) -> Self:
        """The exception whose message `message` makes from *diagnosis* when first shown."""
        rejection = cls.__new__(cls)  # no args yet: see `args`
        rejection.diagnosis = diagnosis
        rejection.original = original
        return rejection

    @property
    def args(self) -> tuple[Any, ...]:
        """As for any exception: the message (made from the diagnosis when first read)."""
        args: tuple[Any, ...] = _ARGS.__get__(self)
        if not args:
            # Racing threads make the same text: no lock needed.
            args = (message(self.diagnosis),)
            _ARGS.__set__(self, args)
        return args

    @args.setter
    def args(self, value: tuple[Any, ...]) -> None:
        # () makes the message again from the diagnosis (mapping replaces it).
        _ARGS.__set__(self, value)

    def __str__(self) -> str:
        """The one-line message (see `ipwhitelist.Diagnosis` for the full story)."""
        _ = self.args
        return BaseException.__str__(self)

    def __repr__(self) -> str:
        """As for any exception: the class name and the message."""
        _ = self.args
        return BaseException.__repr__(self)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle support: exceptions cross process boundaries with their diagnosis."""
        # The keyword-only constructor defeats BaseException's default pickling.
        return (_rebuild, (type(self), str(self), self.diagnosis, self.original))

    @property
    def retryable(self) -> bool:
        """
        Whether retrying the same request can succeed without a human changing something.

        Always ``False``: an IP rejection needs a change of whitelist, of egress, or
        (for bans) waiting until the ban ends.
        """
        return False


class IPNotWhitelisted(IPRejection, ccxt.PermissionDenied):  # type: ignore[misc]
    """
    The API key is restricted to a list of IP addresses and this request's IP is not on it.

    Also a `ccxt.PermissionDenied` (hence `ccxt.AuthenticationError` and
    `ccxt.ExchangeError`), the class ccxt itself uses for Bybit's 10010 and OKX's
    50110, so handlers for authentication failures still run. Never a
    `ccxt.NetworkError`, even when ccxt raised Binance's -2015 as `ccxt.DDoSProtection`.

    Binance's -2015 does not say which of key, IP or permissions is wrong: check
    ``diagnosis.confidence`` before acting on it.

    Added in *0.1.0*.
    """


class IPBanned(IPRejection, ccxt.DDoSProtection):  # type: ignore[misc]
    """
    The exchange has banned or blocked this IP, usually for sending too many requests.

    Also a `ccxt.DDoSProtection`, the class ccxt raises for every Binance HTTP
    418 and 429 response, so rate-limit back-off handlers still run. A ban is lifted by
    waiting: retrying before `banned_until` extends Binance's bans (2 minutes up to
    3 days).

    Attributes:
        banned_until: When the exchange says the ban ends (timezone-aware UTC),
            or ``None`` if it did not say, or said an end that cannot be right
            (already past, or more than 30 days ahead).

    Added in *0.1.0*.
    """

    @property
    def banned_until(self) -> datetime | None:
        """When the ban ends, as stated by the exchange; ``None`` if unknown (see the class)."""
        return self.diagnosis.banned_until


class GeoRestricted(IPRejection, RestrictedLocation):  # type: ignore[misc]
    """
    The exchange refuses service to the location (country/jurisdiction) of this IP.

    Also a `ccxt.RestrictedLocation` (hence `ccxt.OperationRejected` and
    `ccxt.ExchangeError`). Never a `ccxt.NetworkError`, although ccxt raises
    Binance's HTTP 451 as `ccxt.ExchangeNotAvailable`: no retry can change where
    the server is. ccxt releases before 4.4.98 have no ``RestrictedLocation``;
    with those, it is a `ccxt.OperationRejected`, that class's parent.

    Added in *0.1.0*.
    """
