"""A tenacity retry condition that never retries an IP rejection."""

from __future__ import annotations

import tenacity

from ..errors import IPRejection

__all__ = ["retry_unless_ip_rejection"]

#: Retry on exceptions except `IPRejection` (and never on success). Combine it
#: with your own condition, e.g. ``retry_if_exception_type(ccxt.NetworkError)
#: & retry_unless_ip_rejection``: an `IPBanned` is a ``ccxt.DDoSProtection``,
#: hence a ``NetworkError``, and retrying during a ban extends it. ccxt's own
#: retry loop (``maxRetriesOnFailure``) needs no condition: on a wrapped client
#: it never retries an IP rejection.
#:
#: Added in *0.1.0*.
retry_unless_ip_rejection: tenacity.retry_base = tenacity.retry_if_not_exception_type(IPRejection)
