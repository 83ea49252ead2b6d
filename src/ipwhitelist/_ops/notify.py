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
import logging
import os
import queue
import re
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._core.fork import ForkSafeLock
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
    "notify_from_environment",
    "split_urls",
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
    Takes our notification URLs out of apprise's own log records.

    apprise logs a URL it cannot parse in full ("Unparseable URL ..."), and
    an apprise URL carries the service's token or password.
    """

    def __init__(self) -> None:
        super().__init__()
        self.urls: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        found = [u for u in self.urls if u in text]
        if found:
            record.msg, record.args = remove_values(text, found), ()
        return True


_scrub = _ScrubURLs()


def build_apprise(urls: tuple[str, ...]) -> Any:
    """
    An ``apprise.Apprise`` holding *urls*.

    Raises:
        ImportError: apprise is not installed.
        ValueError: A URL is not one apprise understands (named by its scheme only).
    """
    try:
        import apprise  # noqa: PLC0415 - lazy: apprise takes long to import; the first notification loads it
    except ImportError:
        raise ImportError(_INSTALL) from None
    apprise_logger = logging.getLogger("apprise")
    if _scrub not in apprise_logger.filters:
        apprise_logger.addFilter(_scrub)
    # The whole URL, and without its scheme (how apprise quotes parts of it).
    _scrub.urls.update(urls)
    _scrub.urls.update(u.split("://", 1)[1] for u in urls if "://" in u)
    # Deliver in our own daemon worker, sequentially and without apprise's
    # per-service deadline: both make apprise run the delivery in a
    # ThreadPoolExecutor, whose threads the interpreter joins at exit, so a
    # hanging service would hold the bot's process open until it times out.
    # The URL's own timeouts (rto, cto: 4 s each by default) still bound it.
    options: dict[str, Any] = {"async_mode": False}
    if hasattr(apprise.AppriseAsset, "_service_timeout"):  # apprise 2.x
        options["service_timeout"] = 0
    notifier = apprise.Apprise(asset=apprise.AppriseAsset(**options))
    for number, url in enumerate(urls, 1):
        if not notifier.add(url):
            raise ValueError(
                f"notification URL #{number} ({_scheme(url)}...) is not a valid apprise URL "
                "(see https://appriseit.com/ for the services and their URL formats)"
            )
    return notifier


class NotifyHook:
    """
    An on-rejection hook that sends one notification per incident (apprise).

    Args:
        urls: Apprise URLs (``tgram://…``, ``discord://…``, ``ntfy://…``,
            ``mailto://…``, …): a list, or one string separated by spaces or
            commas. Default: the ``IPWHITELIST_NOTIFY`` environment variable.
        send: Instead of *urls*, a callable ``send(title, body)`` that delivers
            one message (e.g. to freqtrade's RPC layer); raising or returning
            ``False`` counts as a failed delivery.
        window: Seconds during which repeats of an incident are only counted;
            a rejection after the window sends a follow-up with the count.
        max_incidents: How many incidents are remembered at most (as for
            `IncidentLog`).
        queue_size: Messages waiting for delivery at most; past that new
            messages are dropped and counted in `dropped`.
        attach: Attach the full diagnosis as ``ipwhitelist-diagnosis.json``
            on services that take attachments.

    Messages: the first rejection of an incident; a follow-up with the repeat
    count when it recurs after *window*; "signed calls work again" when a
    wrapped client of that exchange completes a signed request after it (see
    `on_recovery`); and egress changes when passed to an `EgressMonitor`
    (`on_egress_change`). Everything is redacted and control characters are
    escaped. Delivery runs in one daemon thread: the failing call only
    queues the message, and delivery errors are logged once per incident,
    never raised.

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
        environ: Mapping[str, str] | None = None,
    ) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        if send is not None and urls is not None:
            raise ValueError("pass either urls or send, not both")
        self._incidents = Incidents(window, max_incidents)
        self._send = send
        self._apprise: Any = None
        self._services: tuple[str, ...] = ("callable",)
        if send is None:
            if urls is None:
                urls = (os.environ if environ is None else environ).get(ENV_VAR, "")
            found = split_urls(urls)
            if not found:
                raise ValueError(f"no notification URL: pass urls= or set {ENV_VAR}")
            self._apprise = build_apprise(found)
            self._services = tuple(_scheme(u) for u in found)
        self.attach = attach
        self.queue_size = queue_size
        self._lock = ForkSafeLock()
        self._queue: queue.Queue[object] = queue.Queue(queue_size)
        self._worker: threading.Thread | None = None
        self._pid = os.getpid()
        # Incidents whose delivery failure was logged already (bounded like the incidents).
        self._failure_logged: OrderedDict[object, None] = OrderedDict()
        self.delivered = 0
        self.failed = 0
        self.dropped = 0

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

    # -- the bot's side: decide and queue, nothing else -------------------------------

    def __call__(self, diagnosis: Diagnosis) -> None:
        """Queue a message for the first rejection of an incident (or a due follow-up)."""
        occurrence = self._incidents.observe(diagnosis)
        if occurrence is not None:
            self._put((incident_note, diagnosis, occurrence))

    def on_recovery(self, exchange: str, key: str | None = None) -> None:
        """Queue a "signed calls work again" message if the key (fingerprint) had open incidents."""
        closed = self._incidents.close(exchange, key)
        if closed:
            self._put((recovery_note, exchange, closed, key))

    def on_egress_change(self, change: EgressChange) -> None:
        """
        Queue a message for an `EgressMonitor` change (pass it in ``on_change=``).

        The first detection is reported only when it is not on the whitelist.
        """
        if change.old or change.whitelisted is False:
            self._put((egress_note, change))

    def _put(self, job: tuple[Any, ...]) -> None:
        self._ensure_worker()
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            with self._lock:
                self.dropped += 1
                first = self.dropped == 1
            if first:
                logger.warning(
                    "ipwhitelist: the notification queue is full (delivery is slow or stuck): "
                    "dropping messages; NotifyHook.dropped counts them"
                )

    def _ensure_worker(self) -> None:
        if self._worker is not None and self._pid == os.getpid():
            return
        with self._lock:
            if self._pid != os.getpid():
                # A forked child: the parent's worker thread does not exist here.
                self._pid = os.getpid()
                self._queue = queue.Queue(self.queue_size)
                self._worker = None
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._run, args=(self._queue,), name="ipwhitelist-notify", daemon=True
                )
                self._worker.start()

    # -- the worker's side ----------------------------------------------------------

    def _run(self, jobs: queue.Queue[object]) -> None:
        while True:
            job = jobs.get()
            try:
                if job is _STOP:
                    return
                assert isinstance(job, tuple)  # noqa: S101 - only _put queues jobs
                make, *args = job
                self._deliver(make(*args))
            except Exception:
                logger.exception("ipwhitelist: building a notification failed")
            finally:
                jobs.task_done()

    def _deliver(self, note: Note) -> bool:
        try:
            ok = self._transmit(note)
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

    def _transmit(self, note: Note) -> bool:
        if self._send is not None:
            return self._send(note.title, note.body) is not False
        import apprise  # noqa: PLC0415 - lazy: apprise takes long to import; the first notification loads it

        with _attachment(note.details if self.attach else None) as attach:
            return bool(
                self._apprise.notify(
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
        jobs = self._queue
        with jobs.all_tasks_done:
            return jobs.all_tasks_done.wait_for(lambda: not jobs.unfinished_tasks, timeout)

    def close(self, timeout: float | None = 10.0) -> None:
        """Deliver what is queued (waiting at most *timeout*), then stop the worker."""
        self.flush(timeout)
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            try:
                self._queue.put(_STOP, timeout=timeout)
            except queue.Full:
                return  # the worker is stuck in a delivery; it is a daemon thread
            worker.join(timeout)

    def send_test(self) -> bool:
        """
        Send a test message now, in this thread (blocking); return whether it was delivered.

        For ``ipwhitelist doctor --notify`` and start-up checks: it proves the
        channel works before an outage needs it.
        """
        return self._deliver(check_note())


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


@atexit.register
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
