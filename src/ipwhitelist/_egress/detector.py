"""
Public egress-IP detection: ask independent "what is my IP" services, first valid answer wins.

Bounded in every dimension: a total time budget, a response-size cap, no
redirects, strict address validation, a TTL cache and single-flight so that a
burst of rejections causes one lookup. Sync lookups run in daemon threads:
one stuck where no timeout reaches (the resolver, a connect the firewall
swallows) is abandoned at the budget and never holds the process at exit.
"""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import TYPE_CHECKING, Any, SupportsIndex

from .._core.address import non_source, parse_ip
from .._core.fork import ForkSafeLock, reset_in_child
from .._core.redact import url_secrets
from .providers import DEFAULT_PROVIDERS, EgressError, Provider, to_provider
from .race import (
    Collector,
    async_retrying,
    check_deadline,
    remaining,
    retrying,
    spawn,
    unusable_proxy,
)
from .tls import tls_context

if TYPE_CHECKING:
    from collections.abc import Iterable

    import httpx

    from .._core.diagnosis import IPAddress
    from .report import EgressReport

__all__ = ["EgressDetector", "adetect_egress", "default_detector", "detect_egress"]


#: Most routes (proxy, URL prefix) whose answers are cached at once.
_MAX_ROUTES = 256


class EgressDetector:
    """
    Detects the egress IPs with a cache and single-flight; `wrap()` uses one.

    Args:
        providers: URLs (body = the address as text) or `Provider` objects;
            defaults to `DEFAULT_PROVIDERS`.
        timeout: Total time budget in seconds for one lookup.
        ttl: Seconds a successful answer is reused; failures are reused for at
            most 10 seconds so that an outage does not cost every caller the budget.
        grace: After the first answer, how long to wait for the other address family.
        max_body: Largest accepted response body, in bytes.
        allow_private: Accept private, loopback and other non-global addresses
            (for tests and the offline demo; never for real providers).
        transport: An ``httpx`` transport for the sync client (tests mount
            ``httpx.MockTransport``).
        async_transport: Same for the async client.
        agreement: Ask every provider and wait for all of them (within the
            budget) instead of stopping at the first answer; the report's
            ``agreed`` and ``distinct`` then show whether they disagree.

    Added in *0.1.0*.
    """

    def __init__(
        self,
        providers: Iterable[str | Provider] | None = None,
        *,
        timeout: float = 2.0,
        ttl: float = 300.0,
        grace: float = 0.3,
        max_body: int = 1024,
        allow_private: bool = False,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
        agreement: bool = False,
    ) -> None:
        self.providers: tuple[Provider, ...] = tuple(
            map(to_provider, DEFAULT_PROVIDERS if providers is None else providers)
        )
        if not self.providers:
            raise ValueError("EgressDetector needs at least one provider")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.timeout = timeout
        self.ttl = ttl
        self.grace = grace
        self.max_body = max_body
        self.allow_private = allow_private
        self.agreement = agreement
        self._transport = transport
        self._async_transport = async_transport
        self._cache: dict[tuple[str | None, str | None], tuple[float, EgressReport]] = {}
        self._lock = ForkSafeLock()
        self._inflight: dict[tuple[int, str | None, str | None], asyncio.Task[EgressReport]] = {}
        #: Number of lookups actually sent (not served from the cache).
        self.lookups = 0
        reset_in_child(self)

    def _after_fork_in_child(self) -> None:  # pragma: no cover - forked child (test_fork)
        # Lookups in flight belonged to the parent's threads and event loops;
        # the cache holds answers, which are still this host's.
        self._inflight = {}

    # -- pickling: wrapped clients carry their detector ---------------------------

    def __reduce_ex__(self, protocol: SupportsIndex) -> str | tuple[Any, ...]:
        # The process-wide default unpickles as the loading process's default
        # (which IPWHITELIST_EGRESS may turn off there); any other by its settings.
        if self is _default:
            return (default_detector, ())
        return super().__reduce_ex__(protocol)

    def __getstate__(self) -> dict[str, Any]:
        # Only the configuration: the lock cannot travel, and cached answers
        # belong to this host and this moment.
        state = dict(self.__dict__)
        for name in ("_lock", "_cache", "_inflight"):
            del state[name]
        state["lookups"] = 0
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._cache = {}
        self._lock = ForkSafeLock()
        self._inflight = {}
        reset_in_child(self)

    def invalidate(self) -> None:
        """Forget cached answers: the next call looks up again."""
        self._cache.clear()

    def cached(
        self, proxy: str | None = None, url_prefix: str | None = None
    ) -> EgressReport | None:
        """Return the cached report for this route (*proxy*, *url_prefix*) if still fresh."""
        entry = self._cache.get((proxy, url_prefix))
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        return None

    def _store(self, key: tuple[str | None, str | None], report: EgressReport) -> EgressReport:
        ttl = self.ttl if report.ips else min(self.ttl, 10.0)
        now = time.monotonic()
        cache = self._cache
        cache.pop(key, None)  # re-inserted last: the dict's order is the age
        if len(cache) >= _MAX_ROUTES:
            # A bot rotating proxies gives each request its own route: expired
            # answers go first, then the oldest, so the cache stays bounded.
            # list(): one step under the GIL (an async lookup may store meanwhile).
            for old, (expires, _) in list(cache.items()):
                if expires <= now:
                    cache.pop(old, None)
            for old in list(cache)[: max(0, len(cache) - _MAX_ROUTES + 1)]:
                cache.pop(old, None)
        cache[key] = (now + ttl, report)
        return report

    # -- validation (shared) -------------------------------------------------

    def _validate(self, provider: Provider, status: int, body: bytes) -> IPAddress:
        if status != 200:  # noqa: PLR2004
            raise EgressError(f"HTTP {status}")
        if len(body) > self.max_body:
            raise EgressError(f"body larger than {self.max_body} bytes")
        try:
            text = provider.parse(body.decode("ascii"))
            # One whole address: no scope id (it names an interface of the
            # provider's view, not an address); ::ffff:a.b.c.d is IPv4 egress.
            ip = parse_ip(text)
        except (UnicodeDecodeError, ValueError, TypeError):
            raise EgressError("answer is not an IP address") from None
        if provider.family is not None and ip.version != provider.family:
            raise EgressError(f"expected IPv{provider.family}, got {ip}")
        # is_global alone passes multicast (224.0.0.0/4, ff00::/8): no source either.
        if not self.allow_private and (not ip.is_global or non_source(ip) is not None):
            raise EgressError(f"{ip} is not a public address")
        return ip

    def _client_kwargs(self, proxy: str | None) -> dict[str, object]:
        if proxy and "://" not in proxy:
            proxy = f"http://{proxy}"  # as requests (and so ccxt) reads host:port
        return {
            "timeout": self.timeout,
            "follow_redirects": False,
            "proxy": proxy,
            "trust_env": False,
            # Shared: building a context is most of a client's ~20 ms set-up.
            "verify": tls_context(),
            "headers": {
                "User-Agent": "ipwhitelist",
                "Accept": "text/plain",
                "Accept-Encoding": "identity",
            },
        }

    # -- sync ------------------------------------------------------------------

    def detect(self, proxy: str | None = None, *, url_prefix: str | None = None) -> EgressReport:
        """
        Return this host's egress IPs (as seen through *proxy*, if given).

        *url_prefix* is ccxt's ``proxyUrl``: a proxy addressed by prefixing the
        target URL; the lookups are sent the same way.

        Never raises for network trouble: failures give a report with no IPs
        and an ``errors`` entry per provider. Blocks for at most the budget.
        """
        report = self.cached(proxy, url_prefix)
        if report is not None:
            return report
        with self._lock:
            report = self.cached(proxy, url_prefix)
            if report is None:
                self.lookups += 1
                report = self._store((proxy, url_prefix), self._race_sync(proxy, url_prefix))
        return report

    def _retry_sync(
        self, client: httpx.Client, provider: Provider, collector: Collector
    ) -> IPAddress:
        for attempt in retrying(collector):
            with attempt:
                return self._fetch_sync(client, provider, collector)
        raise AssertionError("unreachable")  # pragma: no cover - tenacity reraises

    def _fetch_sync(
        self, client: httpx.Client, provider: Provider, collector: Collector
    ) -> IPAddress:
        deadline = collector.deadline
        url = collector.url_for(provider)
        with client.stream("GET", url, timeout=remaining(deadline)) as response:
            body = b""
            if response.is_stream_consumed:  # an in-memory response, already read
                body = response.content
            else:
                # Raw bytes, counted as they arrive: a huge or endless body costs
                # at most one chunk past the cap, a trickling one (slow loris)
                # at most one read past the deadline.
                for chunk in response.iter_raw():
                    body += chunk
                    if len(body) > self.max_body or time.monotonic() > deadline:
                        break
            check_deadline(deadline)
            return self._validate(provider, response.status_code, body)

    def _collector(self, proxy: str | None, url_prefix: str | None) -> Collector:
        return Collector(
            self.providers,
            time.monotonic(),
            self.timeout,
            self.grace,
            agreement=self.agreement,
            url_prefix=url_prefix,
            secrets=url_secrets(proxy) + url_secrets(url_prefix),
        )

    def _race_sync(self, proxy: str | None, url_prefix: str | None) -> EgressReport:
        import httpx  # noqa: PLC0415 - lazy: `import ipwhitelist` stays free of httpx

        collector = self._collector(proxy, url_prefix)
        try:
            client = httpx.Client(transport=self._transport, **self._client_kwargs(proxy))  # type: ignore[arg-type]
        except (ValueError, ImportError, httpx.HTTPError) as exc:
            return unusable_proxy(proxy, exc)
        futures: dict[Future[IPAddress], Provider] = {}
        try:
            for p in self.providers:
                futures[spawn(self._retry_sync, client, p, collector)] = p
            pending: set[Future[IPAddress]] = set(futures)
            while pending and (remaining := collector.remaining()) > 0:
                done, pending = wait(pending, timeout=remaining, return_when=FIRST_COMPLETED)
                for future in done:
                    collector.add(futures[future], future.exception(), future)
        finally:
            # Stragglers are abandoned: those in httpx finish on their own
            # timeouts (closing the client under them makes them fail sooner),
            # any other is a daemon thread that the process does not wait for.
            client.close()
        collector.unfinished(futures[f] for f in pending)
        return collector.report()

    # -- async -----------------------------------------------------------------

    async def adetect(
        self, proxy: str | None = None, *, url_prefix: str | None = None
    ) -> EgressReport:
        """
        Async twin of `detect`: concurrent callers share one lookup.

        Never blocks the event loop.
        """
        report = self.cached(proxy, url_prefix)
        if report is not None:
            return report
        key = (id(asyncio.get_running_loop()), proxy, url_prefix)
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._lookup_async(proxy, url_prefix))
            self._inflight[key] = task
            task.add_done_callback(lambda _: self._inflight.pop(key, None))
        # shield: one caller being cancelled must not cancel the others' lookup.
        return await asyncio.shield(task)

    async def _lookup_async(self, proxy: str | None, url_prefix: str | None) -> EgressReport:
        self.lookups += 1
        return self._store((proxy, url_prefix), await self._race_async(proxy, url_prefix))

    async def _retry_async(
        self, client: httpx.AsyncClient, provider: Provider, collector: Collector
    ) -> IPAddress:
        async for attempt in async_retrying(collector):
            with attempt:
                return await self._fetch_async(client, provider, collector)
        raise AssertionError("unreachable")  # pragma: no cover - tenacity reraises

    async def _fetch_async(
        self, client: httpx.AsyncClient, provider: Provider, collector: Collector
    ) -> IPAddress:
        deadline = collector.deadline
        url = collector.url_for(provider)
        async with client.stream("GET", url, timeout=remaining(deadline)) as response:
            body = b""
            if response.is_stream_consumed:
                body = response.content
            else:
                async for chunk in response.aiter_raw():
                    body += chunk
                    if len(body) > self.max_body or time.monotonic() > deadline:
                        break
            check_deadline(deadline)
            return self._validate(provider, response.status_code, body)

    async def _race_async(self, proxy: str | None, url_prefix: str | None) -> EgressReport:
        import httpx  # noqa: PLC0415 - lazy: `import ipwhitelist` stays free of httpx

        collector = self._collector(proxy, url_prefix)
        try:
            client = httpx.AsyncClient(
                transport=self._async_transport,
                **self._client_kwargs(proxy),  # type: ignore[arg-type]
            )
        except (ValueError, ImportError, httpx.HTTPError) as exc:
            return unusable_proxy(proxy, exc)
        async with client:
            tasks: dict[asyncio.Future[IPAddress], Provider] = {
                asyncio.ensure_future(self._retry_async(client, p, collector)): p
                for p in self.providers
            }
            pending: set[asyncio.Future[IPAddress]] = set(tasks)
            try:
                while pending and (remaining := collector.remaining()) > 0:
                    done, pending = await asyncio.wait(
                        pending, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                    )
                    for task in done:
                        collector.add(tasks[task], task.exception(), task)
            finally:
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
        collector.unfinished(tasks[t] for t in pending)
        return collector.report()


_default: EgressDetector | None = None
_default_lock = ForkSafeLock()


def default_detector() -> EgressDetector | None:
    """
    The process-wide detector used by ``wrap(egress=True)``.

    ``None`` when the environment variable ``IPWHITELIST_EGRESS`` is ``0``,
    ``off``, ``false`` or ``no``: a switch for CI and locked-down hosts.
    """
    global _default  # noqa: PLW0603
    if os.environ.get("IPWHITELIST_EGRESS", "").strip().lower() in {"0", "off", "false", "no"}:
        return None
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = EgressDetector()
    return _default


def detect_egress(
    *,
    providers: Iterable[str | Provider] | None = None,
    timeout: float = 2.0,
    proxy: str | None = None,
) -> EgressReport:
    """
    Detect this host's public egress IPs now (no cache).

    Args:
        providers: URLs or `Provider` objects; defaults to `DEFAULT_PROVIDERS`.
        timeout: Total time budget in seconds.
        proxy: Proxy URL to look up through (the exchange sees the proxy's IP).

    Added in *0.1.0*.
    """
    return EgressDetector(providers, timeout=timeout, ttl=0).detect(proxy)


async def adetect_egress(
    *,
    providers: Iterable[str | Provider] | None = None,
    timeout: float = 2.0,  # noqa: ASYNC109 - the budget is part of the public contract
    proxy: str | None = None,
) -> EgressReport:
    """Async twin of `detect_egress`. Added in *0.1.0*."""
    return await EgressDetector(providers, timeout=timeout, ttl=0).adetect(proxy)
