"""
The race between providers: threads or tasks, a budget, one bounded retry each.

Sync lookups run in daemon threads: one stuck where no timeout reaches (the
resolver, a connect the firewall swallows) is abandoned at the budget and
never holds the process at exit.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from .._core.fork import ForkSafeRandom
from .._core.redact import MAX_INPUT, redact, redact_url, url_secrets
from .providers import EgressError
from .report import EgressReport

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable, Iterable, Sequence

    import httpx
    import tenacity

    from .._core.diagnosis import IPAddress
    from .providers import Provider

__all__ = [
    "Collector",
    "async_retrying",
    "check_deadline",
    "remaining",
    "retrying",
    "spawn",
    "unusable_proxy",
]


def unusable_proxy(proxy: str | None, exc: Exception) -> EgressReport:
    # The report reaches diagnoses and logs: never the proxy's password.
    return EgressReport(errors=(redact(f"proxy {proxy!r}: {exc}", url_secrets(proxy)),))


def spawn(
    func: Callable[[httpx.Client, Provider, Collector], IPAddress],
    client: httpx.Client,
    provider: Provider,
    collector: Collector,
) -> Future[IPAddress]:
    """
    Run one provider's lookup in a daemon thread; its outcome lands in the returned future.

    Not a ThreadPoolExecutor: the interpreter joins a pool's workers at exit,
    so one stuck in the resolver or in a connect the firewall swallows kept
    the process alive seconds after the budget.
    """
    future: Future[IPAddress] = Future()

    def run() -> None:
        future.set_running_or_notify_cancel()
        try:
            result = func(client, provider, collector)
        except BaseException as exc:  # noqa: BLE001 - handed over to the waiting caller
            future.set_exception(exc)
        else:
            future.set_result(result)

    threading.Thread(target=run, name="ipwhitelist-egress", daemon=True).start()
    return future


def _reason(error: BaseException, elapsed: float) -> str:
    """One provider's failure in a few words: timeouts and refused connects by name."""
    import httpx  # noqa: PLC0415 - lazy: `import ipwhitelist` stays free of httpx

    if isinstance(error, httpx.ConnectTimeout):
        return f"connect timed out after {elapsed:.1f} s"
    if isinstance(error, httpx.TimeoutException):
        return f"timed out after {elapsed:.1f} s"
    if isinstance(error, httpx.ConnectError):
        return f"connect failed: {str(error) or 'no reason given'}"
    if isinstance(error, EgressError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def remaining(deadline: float) -> float:
    # httpx needs a positive timeout; a spent budget fails the request at once.
    return max(0.001, deadline - time.monotonic())


def check_deadline(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise EgressError("answer arrived after the time budget")


def _retry_settings(collector: Collector) -> dict[str, Any]:
    """
    One bounded, jittered retry of a provider on a dropped or refused connection.

    Never past the lookup's budget, and never once the race is decided;
    timeouts and bad answers are not retried (the race has other providers).
    """
    import httpx  # noqa: PLC0415 - lazy: `import ipwhitelist` stays free of httpx
    import tenacity  # noqa: PLC0415 - lazy: only a lookup's retries need tenacity

    return {
        "stop": tenacity.stop_after_attempt(_ATTEMPTS)
        | tenacity.stop_after_delay(max(0.0, collector.deadline - time.monotonic()))
        | tenacity.stop_when_event_set(collector.decided),
        # Our own generator: the global one belongs to the application (and to
        # test frameworks that check nobody else draws from it).
        "wait": lambda _state: _JITTER.uniform(0, 0.05),
        "retry": tenacity.retry_if_exception_type(
            (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError)
        ),
        "reraise": True,
    }


def retrying(collector: Collector) -> tenacity.Retrying:
    import tenacity  # noqa: PLC0415 - lazy: only a lookup's retries need tenacity

    return tenacity.Retrying(**_retry_settings(collector))


def async_retrying(collector: Collector) -> tenacity.AsyncRetrying:
    import tenacity  # noqa: PLC0415 - lazy: only a lookup's retries need tenacity

    return tenacity.AsyncRetrying(**_retry_settings(collector))


_JITTER = ForkSafeRandom()  # jitter, not cryptography
_ATTEMPTS = 2


class Collector:
    """
    Collects the race's answers and decides when to stop.

    The race ends at the first answer unless a provider declared for the other
    address family is still running; that one gets a short grace period. A
    dual-stack provider (``family=None``) answers in one family only, so it is
    never waited for after the first answer.
    """

    def __init__(
        self,
        providers: Sequence[Provider],
        start: float,
        timeout: float,
        grace: float,
        *,
        agreement: bool = False,
        url_prefix: str | None = None,
        secrets: tuple[str, ...] = (),
    ) -> None:
        self._agreement = agreement
        self._url_prefix = url_prefix
        # The proxy's password: error texts may quote the proxy URL.
        self._secrets = secrets
        self._start = start
        self.deadline = start + timeout
        self._deadline = self.deadline
        self._grace = grace
        self._running: dict[int, int] = {}
        for p in providers:
            if p.family is not None:
                self._running[p.family] = self._running.get(p.family, 0) + 1
        self.found: dict[int, IPAddress] = {}
        self.answers: list[tuple[str, IPAddress]] = []
        self.first: str | None = None
        self.errors: list[str] = []
        #: Set when the race is over: stragglers must not retry.
        self.decided = threading.Event()

    def add(
        self,
        provider: Provider,
        error: BaseException | None,
        outcome: Future[IPAddress] | asyncio.Future[IPAddress],
    ) -> None:
        if provider.family is not None:
            self._running[provider.family] -= 1
        shown = redact_url(provider.url)
        if error is not None:
            text = f"{shown}: {_reason(error, time.monotonic() - self._start)}"
            self.errors.append(redact(text[:MAX_INPUT], self._secrets)[:300])
            return
        ip = outcome.result()
        self.answers.append((shown, ip))
        if ip.version in self.found:
            return
        self.found[ip.version] = ip
        if self.first is None:
            self.first = shown
            if not self._agreement:
                # Give the other family a short grace period, never past the budget.
                self._deadline = min(self._deadline, time.monotonic() + self._grace)

    def unfinished(self, providers: Iterable[Provider]) -> None:
        """
        Record the providers still running when the race ended, if their answer was wanted.

        Nothing found: each one timed out. Otherwise only those declared for a
        family still missing (the others were no longer needed).
        """
        elapsed = time.monotonic() - self._start
        for provider in providers:
            if self.found and (provider.family is None or provider.family in self.found):
                continue
            self.errors.append(f"{provider.url}: timed out after {elapsed:.1f} s"[:300])

    def url_for(self, provider: Provider) -> str:
        """The URL to request: through a URL-prefix proxy (ccxt ``proxyUrl``) if any."""
        return provider.url if not self._url_prefix else self._url_prefix + provider.url

    def remaining(self) -> float:
        # In agreement mode the race runs until every provider has answered
        # (the caller stops when none is pending) or the budget is spent.
        if (
            not self._agreement
            and self.found
            and not any(
                running and family not in self.found for family, running in self._running.items()
            )
        ):
            return 0.0
        return self._deadline - time.monotonic()

    def report(self) -> EgressReport:
        self.decided.set()
        v4 = self.found.get(4)
        v6 = self.found.get(6)
        return EgressReport(
            ipv4=v4 if isinstance(v4, ipaddress.IPv4Address) else None,
            ipv6=v6 if isinstance(v6, ipaddress.IPv6Address) else None,
            provider=self.first,
            elapsed=time.monotonic() - self._start,
            errors=tuple(self.errors),
            answers=tuple(self.answers),
        )
