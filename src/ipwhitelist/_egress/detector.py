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
import ipaddress
import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import TYPE_CHECKING, Any, Literal, SupportsIndex, TypeAlias

import attrs

from .._core.address import parse_ip
from .._core.fork import ForkSafeLock, ForkSafeRandom, reset_in_child
from .._core.redact import MAX_INPUT, redact, redact_url, url_secrets

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    import httpx
    import tenacity

    from .._core.diagnosis import IPAddress

__all__ = [
    "DEFAULT_PROVIDERS",
    "EgressDetector",
    "EgressError",
    "EgressReport",
    "Family",
    "Provider",
    "adetect_egress",
    "default_detector",
    "detect_egress",
    "failure",
]

Family: TypeAlias = Literal[4, 6]


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

    url: str
    family: Family | None = None
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


def _to_v4(value: str | ipaddress.IPv4Address | None) -> ipaddress.IPv4Address | None:
    # parse_ip: an IPv4-mapped IPv6 address is the IPv4 address it maps.
    ip = None if value is None else parse_ip(value)
    if ip is not None and not isinstance(ip, ipaddress.IPv4Address):
        raise ValueError(f"ipv4 must be an IPv4 address, not {value!r}")
    return ip


def _to_v6(value: str | ipaddress.IPv6Address | None) -> ipaddress.IPv6Address | None:
    # An IPv4-mapped address is IPv4 egress, and a scope id is not an address.
    ip = None if value is None else parse_ip(value)
    if ip is not None and not isinstance(ip, ipaddress.IPv6Address):
        raise ValueError(f"ipv6 must be an IPv6 address, not {value!r} (IPv4)")
    return ip


@attrs.frozen(kw_only=True)
class EgressReport:
    """
    The public IPs this host uses to reach the internet.

    Attributes:
        ipv4: The IPv4 egress address, if found.
        ipv6: The IPv6 egress address, if found.
        provider: URL of the provider whose answer came first, if any.
        elapsed: Seconds the lookup took (0.0 for a cached answer's original lookup time).
        errors: One line per provider that gave no address and whose answer
            was still wanted, saying why ("timed out after 2.0 s",
            "connect failed: …", "HTTP 503", …).
        answers: Every ``(provider URL, address)`` answer received; in
            agreement mode, one per provider that answered.

    Added in *0.1.0*.
    """

    ipv4: ipaddress.IPv4Address | None = attrs.field(default=None, converter=_to_v4)
    ipv6: ipaddress.IPv6Address | None = attrs.field(default=None, converter=_to_v6)
    provider: str | None = None
    elapsed: float = 0.0
    errors: tuple[str, ...] = ()
    answers: tuple[tuple[str, IPAddress], ...] = ()

    @property
    def ips(self) -> tuple[IPAddress, ...]:
        """The detected addresses, IPv4 first."""
        return tuple(ip for ip in (self.ipv4, self.ipv6) if ip is not None)

    @property
    def distinct(self) -> tuple[IPAddress, ...]:
        """Every distinct address the providers answered, in order of arrival."""
        return tuple(dict.fromkeys(ip for _, ip in self.answers))

    @property
    def agreed(self) -> bool | None:
        """
        Whether all answers of each family name the same address.

        ``None`` with fewer than two answers. ``False`` is a finding, not
        noise: behind a NAT pool (Kubernetes nodes without a NAT gateway, cloud
        NAT with several IPs, serverless) different connections leave from
        different addresses, and each one must be on the key's whitelist.
        """
        if len(self.answers) < 2:  # noqa: PLR2004
            return None
        per_family: dict[int, set[IPAddress]] = {}
        for _, ip in self.answers:
            per_family.setdefault(ip.version, set()).add(ip)
        return all(len(ips) == 1 for ips in per_family.values())


class EgressError(Exception):
    """A provider's answer was unusable (status, size, redirect, or not a public address)."""


def _to_provider(value: str | Provider) -> Provider:
    return value if isinstance(value, Provider) else Provider(url=value)


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
            map(_to_provider, DEFAULT_PROVIDERS if providers is None else providers)
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
        self._cache[key] = (time.monotonic() + ttl, report)
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
        if not self.allow_private and not ip.is_global:
            raise EgressError(f"{ip} is not a public address")
        return ip

    def _client_kwargs(self, proxy: str | None) -> dict[str, object]:
        return {
            "timeout": self.timeout,
            "follow_redirects": False,
            "proxy": proxy,
            "trust_env": False,
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
        self, client: httpx.Client, provider: Provider, collector: _Collector
    ) -> IPAddress:
        for attempt in _retrying(collector):
            with attempt:
                return self._fetch_sync(client, provider, collector)
        raise AssertionError("unreachable")  # pragma: no cover - tenacity reraises

    def _fetch_sync(
        self, client: httpx.Client, provider: Provider, collector: _Collector
    ) -> IPAddress:
        deadline = collector.deadline
        url = collector.url_for(provider)
        with client.stream("GET", url, timeout=_remaining(deadline)) as response:
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
            _check_deadline(deadline)
            return self._validate(provider, response.status_code, body)

    def _collector(self, proxy: str | None, url_prefix: str | None) -> _Collector:
        return _Collector(
            self.providers,
            time.monotonic(),
            self.timeout,
            self.grace,
            agreement=self.agreement,
            url_prefix=url_prefix,
            secrets=url_secrets(proxy) + url_secrets(url_prefix),
        )

    def _race_sync(self, proxy: str | None, url_prefix: str | None) -> EgressReport:
        import httpx

        collector = self._collector(proxy, url_prefix)
        try:
            client = httpx.Client(transport=self._transport, **self._client_kwargs(proxy))  # type: ignore[arg-type]
        except (ValueError, ImportError, httpx.HTTPError) as exc:
            return _unusable_proxy(proxy, exc)
        futures: dict[Future[IPAddress], Provider] = {}
        try:
            for p in self.providers:
                futures[_spawn(self._retry_sync, client, p, collector)] = p
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
        self, client: httpx.AsyncClient, provider: Provider, collector: _Collector
    ) -> IPAddress:
        async for attempt in _async_retrying(collector):
            with attempt:
                return await self._fetch_async(client, provider, collector)
        raise AssertionError("unreachable")  # pragma: no cover - tenacity reraises

    async def _fetch_async(
        self, client: httpx.AsyncClient, provider: Provider, collector: _Collector
    ) -> IPAddress:
        deadline = collector.deadline
        url = collector.url_for(provider)
        async with client.stream("GET", url, timeout=_remaining(deadline)) as response:
            body = b""
            if response.is_stream_consumed:
                body = response.content
            else:
                async for chunk in response.aiter_raw():
                    body += chunk
                    if len(body) > self.max_body or time.monotonic() > deadline:
                        break
            _check_deadline(deadline)
            return self._validate(provider, response.status_code, body)

    async def _race_async(self, proxy: str | None, url_prefix: str | None) -> EgressReport:
        import httpx

        collector = self._collector(proxy, url_prefix)
        try:
            client = httpx.AsyncClient(
                transport=self._async_transport,
                **self._client_kwargs(proxy),  # type: ignore[arg-type]
            )
        except (ValueError, ImportError, httpx.HTTPError) as exc:
            return _unusable_proxy(proxy, exc)
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


def _unusable_proxy(proxy: str | None, exc: Exception) -> EgressReport:
    # The report reaches diagnoses and logs: never the proxy's password.
    return EgressReport(errors=(redact(f"proxy {proxy!r}: {exc}", url_secrets(proxy)),))


def _spawn(
    func: Callable[[httpx.Client, Provider, _Collector], IPAddress],
    client: httpx.Client,
    provider: Provider,
    collector: _Collector,
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


def failure(report: EgressReport) -> str | None:
    """
    Why a lookup found no address, in one line (``None`` when it found one).

    The providers' own reasons, by host: the diagnosis shows this line.
    """
    if report.ips:
        return None
    reasons = "; ".join(report.errors) or "no provider answered"
    return reasons if len(reasons) <= _FAILURE_CAP else reasons[: _FAILURE_CAP - 1] + "…"


_FAILURE_CAP = 600


def _reason(error: BaseException, elapsed: float) -> str:
    """One provider's failure in a few words: timeouts and refused connects by name."""
    import httpx

    if isinstance(error, httpx.ConnectTimeout):
        return f"connect timed out after {elapsed:.1f} s"
    if isinstance(error, httpx.TimeoutException):
        return f"timed out after {elapsed:.1f} s"
    if isinstance(error, httpx.ConnectError):
        return f"connect failed: {str(error) or 'no reason given'}"
    if isinstance(error, EgressError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def _remaining(deadline: float) -> float:
    # httpx needs a positive timeout; a spent budget fails the request at once.
    return max(0.001, deadline - time.monotonic())


def _check_deadline(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise EgressError("answer arrived after the time budget")


def _retry_settings(collector: _Collector) -> dict[str, Any]:
    """
    One bounded, jittered retry of a provider on a dropped or refused connection.

    Never past the lookup's budget, and never once the race is decided;
    timeouts and bad answers are not retried (the race has other providers).
    """
    import httpx
    import tenacity

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


def _retrying(collector: _Collector) -> tenacity.Retrying:
    import tenacity

    return tenacity.Retrying(**_retry_settings(collector))


def _async_retrying(collector: _Collector) -> tenacity.AsyncRetrying:
    import tenacity

    return tenacity.AsyncRetrying(**_retry_settings(collector))


_JITTER = ForkSafeRandom()  # jitter, not cryptography
_ATTEMPTS = 2


class _Collector:
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
