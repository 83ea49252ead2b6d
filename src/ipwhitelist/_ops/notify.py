"""
`NotifyHook`: one phone notification per incident, delivered off the bot's thread.

The hook decides *whether* to notify in the failing call's thread (the shared
incident bookkeeping of `_incidents`, a few microseconds) and hands the rest
to one daemon worker through a bounded queue: formatting, the JSON
attachment and the delivery itself (apprise, or a callable such as
freqtrade's RPC layer). A full queue drops the message and counts it; a slow
or dead endpoint only ever blocks the worker. ``import ipwhitelist`` never
imports apprise: the hook imports it when it is built.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import logging
import os
import queue
import re
import tempfile
import threading
import time
import weakref
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from .._core.fork import ForkSafeLock, reset_in_child
from .._core.hooks import get_on_rejection_hooks, set_on_rejection_hooks
from .._core.incidents import DEFAULT_MAX_INCIDENTS, Incidents
from .._core.redact import remove_values
from .notify_message import Note, check_note, egress_note, incident_note, recovery_note

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping

    from .._core.diagnosis import Diagnosis
    from .monitor import EgressChange

__all__ = [
    "ENV_VAR",
    "EnvironmentNotify",
    "NotifyHook",
    "build_apprise",
    "build_services",
    "notify_from_environment",
    "split_urls",
    "url_parts",
]

logger = logging.getLogger("ipwhitelist")

ENV_VAR = "IPWHITELIST_NOTIFY"
_INSTALL = "NotifyHook needs apprise: pip install 'ipwhitelist[notify]'"
_STOP = object()


# Any whitespace separates URLs; a comma only where the next URL's scheme
# follows: apprise URLs hold commas themselves (``mailto://…?to=a@x,b@y``).
_SEPARATOR = re.compile(r"\s+|,(?=\s*[A-Za-z][A-Za-z0-9+.-]*://)")


def split_urls(urls: str | Iterable[str]) -> tuple[str, ...]:
    """Apprise URLs from a string (separated by any whitespace, or commas), or an iterable."""
    items = _SEPARATOR.split(urls) if isinstance(urls, str) else urls
    stripped = (u.strip().strip(",").strip() for u in items if u)
    return tuple(u for u in stripped if u)


def _scheme(url: str) -> str:
    # Never the whole URL: apprise URLs carry bot tokens and passwords.
    return url.split("://", 1)[0][:20] + "://" if "://" in url else "(no scheme)"


class _ScrubURLs(logging.Filter):
    """
    Takes the secret parts of our notification URLs out of apprise's (and urllib3's) log records.

    An apprise URL carries the service's token or password, and apprise logs
    parts of it: the URL with only the password masked ("Loaded JSON URL:
    json://user:****@host/<token>"), the HTTP URL it posts to, an ntfy topic
    (which is the secret of an ntfy channel), a URL it cannot parse. So every
    piece of the URL after its scheme (user, password, host, path segments,
    query values), as written and percent-encoded, is removed from the records.
    """

    def __init__(self) -> None:
        super().__init__()
        self.urls: set[str] = set()
        self.parts: set[str] = set()

    def add(self, urls: Iterable[str]) -> None:
        for url in urls:
            self.urls.add(url)
            self.parts.update(url_parts(url))

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        found = [u for u in (*self.urls, *self.parts) if u in text]
        if found:
            record.msg, record.args = remove_values(text, found), ()
        return True


# Pieces too common to be anyone's secret, and short ones: never scrubbed.
_HARMLESS = frozenset({"localhost", "default", "private", "public", "upstream", "format"})
_MIN_PART = 5


def url_parts(url: str) -> set[str]:
    """The pieces of an apprise URL after its scheme that may be secret (see `_ScrubURLs`)."""
    rest = url.partition("://")[2] or url
    pieces = {p for p in re.split(r"[/:@?&=#,;\s]+", rest) if p}
    pieces |= {unquote(p) for p in pieces} | {quote(unquote(p), safe="") for p in pieces}
    return {p for p in pieces if len(p) >= _MIN_PART and p.lower() not in _HARMLESS}


_scrub = _ScrubURLs()


def build_apprise(urls: tuple[str, ...]) -> Any:
    """
    An ``apprise.Apprise`` holding *urls*.

    Raises:
        ImportError: apprise is not installed.
        ValueError: A URL is not one apprise understands (named by its scheme only).
    """
    notifier = _new_apprise(urls)
    for number, url in enumerate(urls, 1):
        _add(notifier, url, number)
    return notifier


def build_services(urls: tuple[str, ...]) -> tuple[Any, ...]:
    """One ``apprise.Apprise`` per URL, each service delivered to on its own; as `build_apprise`."""
    notifiers = []
    for number, url in enumerate(urls, 1):
        notifier = _new_apprise((url,))
        _add(notifier, url, number)
        notifiers.append(notifier)
    return tuple(notifiers)


def _new_apprise(urls: tuple[str, ...]) -> Any:
    try:
        import apprise  # noqa: PLC0415 - lazy: apprise takes long to import; the first notification loads it
    except ImportError:
        raise ImportError(_INSTALL) from None
    # apprise's logger, and urllib3's, whose DEBUG records show the path posted to.
    for name in ("apprise", "urllib3.connectionpool"):
        found = logging.getLogger(name)
        if _scrub not in found.filters:
            found.addFilter(_scrub)
    _scrub.add(urls)
    # Deliver in our own daemon worker, sequentially and without apprise's
    # per-service deadline: both make apprise run the delivery in a
    # ThreadPoolExecutor, whose threads the interpreter joins at exit, so a
    # hanging service would hold the bot's process open until it times out.
    # The URL's own timeouts (rto, cto) and NotifyHook(timeout=) bound it.
    options: dict[str, Any] = {"async_mode": False}
    if hasattr(apprise.AppriseAsset, "_service_timeout"):  # apprise 2.x
        options["service_timeout"] = 0
    return apprise.Apprise(asset=apprise.AppriseAsset(**options))


def _add(notifier: Any, url: str, number: int) -> None:
    if not notifier.add(url):
        raise ValueError(
            f"notification URL #{number} ({_scheme(url)}...) is not a valid apprise URL "
            "(see https://appriseit.com/ for the services and their URL formats)"
        )


class _Channel:
    """
    One service's bounded queue and daemon worker.

    Each service has its own, so a service that hangs (a dead chat server, a
    firewall that drops packets) delays only its own messages.
    """

    def __init__(self, name: str, size: int, transmit: Callable[[Note], bool]) -> None:
        self.name = name
        self.size = size
        self.transmit = transmit
        self.lock = ForkSafeLock()
        self.queue: queue.Queue[object] = queue.Queue(size)
        self.worker: threading.Thread | None = None

    def after_fork(self) -> None:
        # The parent's worker does not exist in a forked child, and its queue
        # (and the lock inside it) may be mid-use: start afresh, empty.
        self.queue = queue.Queue(self.size)
        self.worker = None

    def put(self, job: object) -> bool:
        """Queue *job*; False when the queue is full (the job is dropped)."""
        if self.worker is None:
            with self.lock:
                if self.worker is None:
                    self.worker = threading.Thread(
                        target=self.run,
                        args=(self.queue,),
                        name=f"ipwhitelist-notify-{self.name}",
                        daemon=True,
                    )
                    self.worker.start()
        try:
            self.queue.put_nowait(job)
        except queue.Full:
            return False
        return True

    def run(self, jobs: queue.Queue[object]) -> None:
        while True:
            job = jobs.get()
            try:
                if job is _STOP:
                    return
                assert callable(job)  # noqa: S101 - only NotifyHook queues jobs
                job(self)
            except Exception:
                logger.exception("ipwhitelist: building a notification failed")
            finally:
                jobs.task_done()

    def flush(self, deadline: float | None) -> bool:
        jobs = self.queue
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        with jobs.all_tasks_done:
            return jobs.all_tasks_done.wait_for(lambda: not jobs.unfinished_tasks, remaining)

    def stop(self, deadline: float | None) -> None:
        with self.lock:
            worker, self.worker = self.worker, None
        if worker is None:
            return
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            self.queue.put(_STOP, timeout=remaining)
        except queue.Full:
            return  # the worker is stuck in a delivery; it is a daemon thread
        worker.join(None if deadline is None else max(0.0, deadline - time.monotonic()))


def _with_timeouts(service: Any, url: str, timeout: float | None) -> None:
    """Bound a service's connect and read timeouts by *timeout*, unless its URL sets its own."""
    if timeout is None:
        return
    query = url.partition("?")[2].lower()
    given = {part.partition("=")[0] for part in query.split("&")}
    for option, attribute in (("cto", "socket_connect_timeout"), ("rto", "socket_read_timeout")):
        if option not in given and hasattr(service, attribute):
            setattr(service, attribute, timeout)


class NotifyHook:
    """
    An on-rejection hook that sends one notification per incident (apprise).

    Args:
        urls: Apprise URLs (``tgram://…``, ``discord://…``, ``ntfy://…``,
            ``mailto://…``, …): a list, or one string separated by any
            whitespace. Default: the ``IPWHITELIST_NOTIFY`` environment variable.
        send: Instead of *urls*, a callable ``send(title, body)`` that delivers
            one message (e.g. to freqtrade's RPC layer); raising or returning
            ``False`` counts as a failed delivery.
        window: Seconds during which repeats of an incident are only counted;
            a rejection after the window sends a follow-up with the count.
        max_incidents: How many incidents are remembered at most (as for
            `IncidentLog`).
        queue_size: Messages waiting for delivery at most, per service; past
            that new messages are dropped and counted in `dropped`.
        attach: Attach the full diagnosis as ``ipwhitelist-diagnosis.json``
            on services that take attachments.
        timeout: Seconds a service may take to connect, and to answer, per
            delivery (apprise's ``cto`` and ``rto``; a URL that sets its own
            keeps them). ``None``: apprise's defaults. A *send* callable is
            not interrupted; it only ever holds its own queue.
        exit_timeout: At interpreter exit, wait at most this many seconds for
            queued messages (a bot that dies right after its rejection still
            sends it); ``0`` does not wait.

    Messages: the first rejection of an incident; a follow-up with the repeat
    count when it recurs after *window*; "signed calls work again" when a
    wrapped client completes a signed request with that key after it (see
    `on_recovery`); and egress changes when passed to an `EgressMonitor`
    (`on_egress_change`). Everything is redacted and control characters are
    escaped. Delivery runs in one daemon thread per service: the failing call
    only queues the message, a hanging service delays only its own messages,
    and delivery errors are logged once per incident, never raised.

    `delivered`, `failed` and `dropped` count messages per service (one
    incident sent to two services is two deliveries).

    Raises:
        ImportError: *urls* are used and apprise is not installed.
        ValueError: No URL at all, a URL apprise does not understand, or both
            *urls* and *send*.

    Added in *0.1.0*.
    """

    def __init__(
        self,
        urls: str | Iterable[str] | None = None,
        *,
        send: Callable[[str, str], object] | None = None,
        window: float = 300.0,
        max_incidents: int = DEFAULT_MAX_INCIDENTS,
        queue_size: int = 64,
        attach: bool = True,
        timeout: float | None = 10.0,
        exit_timeout: float = 5.0,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        if send is not None and urls is not None:
            raise ValueError("pass either urls or send, not both")
        self._incidents = Incidents(window, max_incidents)
        self.attach = attach
        self.queue_size = queue_size
        self.timeout = timeout
        self.exit_timeout = exit_timeout
        if send is None:
            if urls is None:
                urls = (os.environ if environ is None else environ).get(ENV_VAR, "")
            found = split_urls(urls)
            if not found:
                raise ValueError(f"no notification URL: pass urls= or set {ENV_VAR}")
            services = build_services(found)
            for url, service in zip(found, services, strict=True):
                for plugin in service:
                    _with_timeouts(plugin, url, timeout)
            self._services = tuple(_scheme(u) for u in found)
            self._channels = tuple(
                _Channel(str(n), queue_size, functools.partial(self._notify, service))
                for n, service in enumerate(services, 1)
            )
        else:
            self._services = ("callable",)
            self._channels = (_Channel("1", queue_size, functools.partial(_call, send)),)
        self._lock = ForkSafeLock()
        # Incidents whose delivery failure was logged already (bounded like the incidents).
        self._failure_logged: OrderedDict[object, None] = OrderedDict()
        self.delivered = 0
        self.failed = 0
        self.dropped = 0
        reset_in_child(self)
        _live_hooks.add(self)

    def __repr__(self) -> str:
        return f"NotifyHook({', '.join(self._services)})"

    @property
    def services(self) -> tuple[str, ...]:
        """The services' URL schemes, e.g. ``("tgram://",)``; never the URLs (they hold tokens)."""
        return self._services

    @property
    def window(self) -> float:
        """Seconds during which repeats of an incident are only counted."""
        return self._incidents.window

    @window.setter
    def window(self, value: float) -> None:
        self._incidents.window = value

    def _after_fork_in_child(self) -> None:  # pragma: no cover - forked child (test_notify)
        for channel in self._channels:
            channel.after_fork()

    # -- the bot's side: decide and queue, nothing else -------------------------------

    def __call__(self, diagnosis: Diagnosis) -> None:
        """Queue a message for the first rejection of an incident (or a due follow-up)."""
        occurrence = self._incidents.observe(diagnosis)
        if occurrence is not None:
            self._put(incident_note, diagnosis, occurrence)

    def on_recovery(self, exchange: str, key: str | None = None) -> None:
        """Queue a "signed calls work again" message if the key (fingerprint) had open incidents."""
        closed = self._incidents.close(exchange, key)
        if closed:
            self._put(recovery_note, exchange, closed, key)

    def on_egress_change(self, change: EgressChange) -> None:
        """
        Queue a message for an `EgressMonitor` change (pass it in ``on_change=``).

        The first detection is reported only when it is not on the whitelist.
        """
        if change.old or change.whitelisted is False:
            self._put(egress_note, change)

    def _put(self, make: Callable[..., Note], *args: Any) -> None:
        # Built once, in the first worker that gets to it: formatting is off the bot's thread.
        job = _Job(make, args)
        for channel in self._channels:
            if channel.put(functools.partial(self._run_job, job)):
                continue
            with self._lock:
                self.dropped += 1
                first = self.dropped == 1
            if first:
                logger.warning(
                    "ipwhitelist: the notification queue is full (delivery is slow or stuck): "
                    "dropping messages; NotifyHook.dropped counts them"
                )

    # -- the workers' side ----------------------------------------------------------

    def _run_job(self, job: _Job, channel: _Channel) -> None:
        self._deliver(job.note(), channel.transmit)

    def _deliver(self, note: Note, transmit: Callable[[Note], bool]) -> bool:
        try:
            ok = transmit(note)
            reason = "the service did not accept it (the 'apprise' logger says why)"
        except Exception as exc:  # noqa: BLE001 - delivery must never reach the bot
            ok = False
            # The type only: an exception's text may quote the URL and its token.
            reason = f"{type(exc).__name__} raised"
        with self._lock:
            if ok:
                self.delivered += 1
                return True
            self.failed += 1
            first = note.incident not in self._failure_logged
            if first:
                self._failure_logged[note.incident] = None
                if len(self._failure_logged) > self._incidents.max_incidents:
                    self._failure_logged.popitem(last=False)
        if first:
            logger.warning(
                "ipwhitelist: a notification (%s) could not be delivered: %s; further "
                "failures for this incident are not logged",
                note.title,
                reason,
            )
        return False

    def _notify(self, service: Any, note: Note) -> bool:
        import apprise  # noqa: PLC0415 - lazy: apprise takes long to import; the first notification loads it

        with _attachment(note.details if self.attach else None) as attach:
            return bool(
                service.notify(
                    title=note.title,
                    body=note.body,
                    notify_type=getattr(apprise.NotifyType, note.level.upper()),
                    body_format=apprise.NotifyFormat.TEXT,
                    attach=attach,
                )
            )

    # -- control --------------------------------------------------------------------

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued message is delivered (or failed); False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        # Every channel, not only up to the first that times out.
        flushed = [channel.flush(deadline) for channel in self._channels]
        return all(flushed)

    def close(self, timeout: float | None = 10.0) -> None:
        """Deliver what is queued (waiting at most *timeout* in all), then stop the workers."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for channel in self._channels:
            channel.flush(deadline)
        for channel in self._channels:
            channel.stop(deadline)
        _live_hooks.discard(self)

    def send_test(self) -> bool:
        """
        Send a test message now, in this thread (blocking); return whether it was delivered.

        For ``ipwhitelist doctor --notify`` and start-up checks: it proves the
        channel works before an outage needs it. Every service must take it.
        """
        note = check_note()
        delivered = [self._deliver(note, channel.transmit) for channel in self._channels]
        return all(delivered)


class _Job:
    """One message for every service: built once, by the first worker that needs it."""

    __slots__ = ("_args", "_lock", "_make", "_note")

    def __init__(self, make: Callable[..., Note], args: tuple[Any, ...]) -> None:
        self._make, self._args = make, args
        self._lock = threading.Lock()
        self._note: Note | None = None

    def note(self) -> Note:
        with self._lock:
            if self._note is None:
                self._note = self._make(*self._args)
            return self._note


def _call(send: Callable[[str, str], object], note: Note) -> bool:
    return send(note.title, note.body) is not False


#: Hooks whose queued messages are flushed at exit (`_flush_at_exit`).
_live_hooks: weakref.WeakSet[NotifyHook] = weakref.WeakSet()


def _flush_at_exit() -> None:
    """Give queued messages up to each hook's *exit_timeout*: the last alert matters most."""
    for hook in list(_live_hooks):
        if hook.exit_timeout > 0:
            hook.flush(hook.exit_timeout)


class EnvironmentNotify:
    """
    The `NotifyHook` that ``IPWHITELIST_NOTIFY`` asks for, among the default hooks.

    Built at its first use, in a thread of its own: importing apprise takes
    longer than a failing call may be delayed, and ``import ipwhitelist``
    must not import it. Events before the hook exists wait (up to 64).
    """

    def __init__(self, urls: str) -> None:
        self._urls = urls
        self._lock = ForkSafeLock()
        self._hook: NotifyHook | None = None
        self._broken = False
        self._pending: list[tuple[str, Any]] = []
        self._builder: threading.Thread | None = None
        reset_in_child(self)

    def _after_fork_in_child(self) -> None:  # pragma: no cover - forked child (test_notify)
        if self._hook is None:
            # The parent's builder thread does not exist here: build again when needed;
            # what the parent had pending is the parent's to send.
            self._builder = None
            self._pending = []

    def __repr__(self) -> str:
        return f"EnvironmentNotify({ENV_VAR})"

    def __call__(self, diagnosis: Diagnosis) -> None:
        """Forward a rejection to the hook (queued until it exists)."""
        self._forward("rejection", diagnosis)

    def on_recovery(self, exchange: str, key: str | None = None) -> None:
        """Forward a recovery to the hook (queued until it exists)."""
        self._forward("recovery", (exchange, key))

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until the hook is built and has delivered what is queued; False on timeout."""
        builder = self._builder
        if builder is not None:
            builder.join(timeout)
            if builder.is_alive():
                return False
        hook = self._hook
        return hook.flush(timeout) if hook is not None else True

    def _forward(self, event: str, value: Any) -> None:
        hook = self._hook
        if hook is None:
            with self._lock:
                hook = self._hook
                if hook is None:
                    if not self._broken and len(self._pending) < 64:  # noqa: PLR2004
                        self._pending.append((event, value))
                    if self._builder is None:
                        self._builder = threading.Thread(
                            target=self._build, name="ipwhitelist-notify-setup", daemon=True
                        )
                        self._builder.start()
                    return
        _dispatch(hook, event, value)

    def _build(self) -> None:
        try:
            hook: NotifyHook | None = NotifyHook(self._urls)
        except (ImportError, ValueError) as exc:
            logger.error("ipwhitelist: %s is set but unusable: %s", ENV_VAR, exc)  # noqa: TRY400
            hook = None
        with self._lock:
            pending, self._pending = self._pending, []
            self._broken = hook is None
            self._hook = hook
        if hook is not None:
            for event, value in pending:
                _dispatch(hook, event, value)


#: Attachment files being delivered: removed at exit if a delivery is still stuck then.
_live_files: set[str] = set()


def _remove_live_files() -> None:
    for path in list(_live_files):
        Path(path).unlink(missing_ok=True)


@contextlib.contextmanager
def _attachment(details: str | None) -> Iterator[Any]:
    """
    The JSON details as an apprise file attachment, in a private temporary file.

    Not apprise's in-memory attachment: a third of apprise's services open
    ``attachment.path``, which for an in-memory attachment is its bare name,
    a file of that name in the current directory.
    """
    if details is None:
        yield None
        return
    from apprise.attachment.file import AttachFile  # noqa: PLC0415 - lazy: as apprise above

    fd, path = tempfile.mkstemp(prefix="ipwhitelist-", suffix=".json")  # mode 0600
    _live_files.add(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(details)
        yield AttachFile(  # type: ignore[no-untyped-call]
            path, name="ipwhitelist-diagnosis.json", mimetype="application/json"
        )
    finally:
        Path(path).unlink(missing_ok=True)
        _live_files.discard(path)


def _dispatch(hook: NotifyHook, event: str, value: Any) -> None:
    if event == "rejection":
        hook(value)
    else:
        hook.on_recovery(*value)


def notify_from_environment(environ: Mapping[str, str]) -> None:
    """Add the `EnvironmentNotify` hook ``IPWHITELIST_NOTIFY`` asks for, if set, to the hooks."""
    urls = environ.get(ENV_VAR, "").strip()
    if urls:
        set_on_rejection_hooks((*get_on_rejection_hooks(), EnvironmentNotify(urls)))


@atexit.register
def _at_exit() -> None:
    # Deliver first (bounded), then remove the files of deliveries still stuck.
    _flush_at_exit()
    _remove_live_files()
