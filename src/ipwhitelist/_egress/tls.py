"""
One TLS context for every egress lookup in the process.

Building an ``ssl.SSLContext`` (loading certifi's CA bundle) is most of what
creating an ``httpx`` client costs: about 20 ms, against a lookup of about
1 ms. Every lookup makes a fresh client (its connections belong to one
lookup, one proxy route and one event loop), so each used to pay it. The
context holds no connection and no per-route state: one is built, lazily, the
first time a lookup needs it, and every client of every detector, sync or
async, through a proxy or not, verifies the providers with it.

``SSLContext`` is safe to share between threads. A forked child builds its
own: the parent's context may be mid-use in another thread (httpcore sets its
ALPN protocols per connection) and carries the parent's TLS session cache.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core.fork import ForkSafeLock, reset_in_child

if TYPE_CHECKING:
    import ssl

__all__ = ["tls_context"]


class _Shared:
    """The process's context, built on first use and dropped in a forked child."""

    def __init__(self) -> None:
        self.context: ssl.SSLContext | None = None
        self.lock = ForkSafeLock()
        reset_in_child(self)

    def _after_fork_in_child(self) -> None:  # pragma: no cover - forked child (test_fork)
        self.context = None

    def get(self) -> ssl.SSLContext:
        context = self.context
        if context is None:
            with self.lock:
                context = self.context
                if context is None:
                    import httpx  # noqa: PLC0415 - lazy: `import ipwhitelist` stays free of httpx

                    # What httpx builds for verify=True with trust_env=False (the
                    # lookups' setting): certifi's bundle, hostname checks on.
                    context = self.context = httpx.create_ssl_context(trust_env=False)
        return context


_shared = _Shared()


def tls_context() -> ssl.SSLContext:
    """The TLS context egress lookups verify the providers' certificates with."""
    return _shared.get()
