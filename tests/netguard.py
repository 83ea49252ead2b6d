"""
The test suite's network guard: nothing a test runs may reach a non-loopback address.

`install()` patches the Python-level entry points every client library goes
through, so a test that would resolve a real name or connect to a real address
fails with `NetworkBlocked` before any packet leaves:

* ``socket.getaddrinfo`` and ``gethostbyname(_ex)`` refuse names other than
  ``localhost`` (IP literals resolve without a lookup, so they pass here and are
  judged at connect time); ``gethostbyaddr`` and a non-numeric ``getnameinfo``
  are always refused: a reverse lookup asks DNS unless ``/etc/hosts`` answers,
  even for a loopback address such as 127.0.0.3 or ::1;
* ``socket.socket.connect``, ``connect_ex`` and ``sendto`` refuse any IPv4/IPv6
  destination outside 127.0.0.0/8 and ``::1``. requests, urllib3, httpx,
  ``socket.create_connection`` and ``ssl`` connect through these; asyncio's
  ``loop.create_connection``/``sock_connect`` (hence aiohttp and websockets)
  resolve through ``socket.getaddrinfo`` in an executor and connect through
  ``socket.connect``, so they are covered by the same patches;
* pycares, the C resolver behind aiodns (which aiohttp uses when it is
  installed), sends its own UDP queries: its ``Channel`` lookups are refused too;
* every ``subprocess.Popen`` child gets ``sitecustomize.py`` from
  ``tests/netguard_site`` on its ``PYTHONPATH`` (also when the test passes its own
  ``env=``), which installs the same guard in the child, grandchildren included.

`NetworkBlocked` is a ``RuntimeError``, not an ``OSError``, so HTTP clients do
not turn it into a connection error that a test expecting "unreachable" would
accept. Because library code may still swallow it (an egress race, a CLI that
reports "could not determine"), every refusal is also recorded: in this
process, and in the file named by ``IPWHITELIST_NETGUARD_LOG`` for children.
The suite's autouse fixture fails the test that caused any refusal, wherever it
happened. `blocked()` lets the guard's own tests consume the refusals they provoke.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import subprocess
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

LOG_ENV = "IPWHITELIST_NETGUARD_LOG"
SITE_DIR = str(Path(__file__).with_name("netguard_site"))
# Only the name /etc/hosts answers everywhere: "*.localhost" (RFC 6761) and
# "localhost.localdomain" reach DNS on a resolver that does not special-case them.
LOOPBACK_NAMES = frozenset({"localhost"})

_lock = threading.Lock()
_refusals: list[str] = []
_installed = False


class NetworkBlocked(RuntimeError):  # noqa: N818 - reads as what happened
    """A test tried to reach an address outside the loopback range."""


def _is_loopback_name(host: str) -> bool:
    return host.lower() in LOOPBACK_NAMES


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0].strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_loopback_host(host: str) -> bool:
    literal = _literal(host)
    return literal.is_loopback if literal is not None else _is_loopback_name(host)


def _as_text(host: object) -> str | None:
    if isinstance(host, bytes):
        return host.decode("ascii", "replace")
    return host if isinstance(host, str) else None


def _refuse(what: str) -> NetworkBlocked:
    test = os.environ.get("PYTEST_CURRENT_TEST", "outside a test").rsplit(" (", 1)[0]
    message = (
        f"netguard: {what} refused in pid {os.getpid()} ({test}): tests reach only "
        "loopback (127.0.0.0/8, ::1, localhost); point the client at a loopback fake "
        "(see tests/netguard.py)"
    )
    path = os.environ.get(LOG_ENV)
    with _lock:
        if path:
            # One append-only file for the whole process tree: a child's refusal
            # fails the parent's test even when the child swallowed the error.
            with contextlib.suppress(OSError), Path(path).open("a", encoding="utf-8") as log:
                log.write(message + "\n")
        else:
            _refusals.append(message)
    return NetworkBlocked(message)


def check_name(host: object, what: str) -> None:
    """Refuse a name lookup that would leave the machine."""
    text = _as_text(host)
    if text is None or text == "" or _literal(text) is not None or _is_loopback_name(text):
        return
    raise _refuse(f"{what}({text!r})")


def check_address(family: int, address: object, what: str) -> None:
    """Refuse a connection or datagram to an IP destination outside loopback."""
    if family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
        return  # Unix sockets, netlink...: never off the machine.
    host = _as_text(address[0]) if address else None
    if host is None or not _is_loopback_host(host):
        raise _refuse(f"{what}({address!r})")


def _guard_lookup(original: Callable[..., Any], name: str) -> Callable[..., Any]:
    def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        check_name(host, name)
        return original(host, *args, **kwargs)

    lookup.__wrapped__ = original  # type: ignore[attr-defined]
    return lookup


def _guard_gethostbyaddr(original: Callable[..., Any]) -> Callable[..., Any]:
    # A reverse lookup asks DNS unless /etc/hosts happens to answer, even for
    # loopback (127.0.0.3, ::1): no test needs one, so none is allowed.
    def gethostbyaddr(address: Any) -> Any:
        raise _refuse(f"gethostbyaddr({address!r}) (a reverse lookup may query DNS)")

    gethostbyaddr.__wrapped__ = original  # type: ignore[attr-defined]
    return gethostbyaddr


def _guard_getnameinfo(original: Callable[..., Any]) -> Callable[..., Any]:
    numeric = socket.NI_NUMERICHOST | socket.NI_NUMERICSERV

    def getnameinfo(sockaddr: Any, flags: int) -> Any:
        if flags & numeric != numeric:
            raise _refuse(f"getnameinfo({sockaddr!r}, {flags}) (a reverse lookup may query DNS)")
        return original(sockaddr, flags)

    return getnameinfo


def _guard_connect(original: Callable[..., Any], name: str) -> Callable[..., Any]:
    def connect(self: socket.socket, address: Any) -> Any:
        try:
            check_address(self.family, address, name)
        except NetworkBlocked:
            # Callers clean up after OSError only: close here, or the refused
            # socket leaks (and warns) in every client library.
            self.close()
            raise
        return original(self, address)

    connect.__name__ = name
    return connect


def _guard_sendto(original: Callable[..., Any]) -> Callable[..., Any]:
    def sendto(self: socket.socket, data: Any, *args: Any) -> Any:
        # sendto(data, address) or sendto(data, flags, address).
        if args:
            try:
                check_address(self.family, args[-1], "sendto")
            except NetworkBlocked:
                self.close()
                raise
        return original(self, data, *args)

    return sendto


def _guard_popen(original: Callable[..., Any]) -> Callable[..., Any]:
    def __init__(self: subprocess.Popen[Any], *args: Any, **kwargs: Any) -> None:  # noqa: N807
        env = kwargs.get("env")
        kwargs["env"] = child_env(os.environ if env is None else env)
        original(self, *args, **kwargs)

    return __init__


def child_env(env: Any) -> dict[str, str]:
    """*env* with the guard's sitecustomize first on ``PYTHONPATH`` and the log path set."""
    merged = dict(env)
    paths = [p for p in merged.get("PYTHONPATH", "").split(os.pathsep) if p]
    if SITE_DIR not in paths:
        merged["PYTHONPATH"] = os.pathsep.join([SITE_DIR, *paths])
    log = os.environ.get(LOG_ENV)
    if log and LOG_ENV not in merged:
        merged[LOG_ENV] = log
    return merged


def _guard_pycares() -> None:
    # aiodns resolves through pycares, whose queries are UDP sockets in C.
    try:
        import pycares  # type: ignore[import-not-found]
    except ImportError:
        return
    guard_resolver_class(pycares.Channel)


def guard_resolver_class(channel: type) -> None:
    """Refuse lookups of non-loopback names on a c-ares style ``Channel`` class."""
    for name in ("getaddrinfo", "gethostbyname", "query", "search", "resolve"):
        original = channel.__dict__.get(name)
        if callable(original):

            def lookup(self: Any, host: Any, *args: Any, _o: Any = original, _n: str = name) -> Any:
                check_name(host, f"pycares.{_n}")
                return _o(self, host, *args)

            setattr(channel, name, lookup)


def install() -> None:
    """Install the guard in this process (idempotent)."""
    global _installed  # noqa: PLW0603 - one process-wide switch
    if _installed:
        return
    _installed = True
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        setattr(socket, name, _guard_lookup(getattr(socket, name), name))
    socket.gethostbyaddr = _guard_gethostbyaddr(socket.gethostbyaddr)
    socket.getnameinfo = _guard_getnameinfo(socket.getnameinfo)
    for name in ("connect", "connect_ex"):
        setattr(socket.socket, name, _guard_connect(getattr(socket.socket, name), name))
    socket.socket.sendto = _guard_sendto(socket.socket.sendto)  # type: ignore[method-assign]
    subprocess.Popen.__init__ = _guard_popen(subprocess.Popen.__init__)  # type: ignore[method-assign]
    _guard_pycares()


def refusals() -> list[str]:
    """Every refusal so far in this process and (through the log file) in its children."""
    path = os.environ.get(LOG_ENV)
    with _lock:
        if not path:
            return list(_refusals)
        try:
            return Path(path).read_text(encoding="utf-8").splitlines()
        except OSError:
            return []


def _keep(kept: list[str]) -> None:
    path = os.environ.get(LOG_ENV)
    with _lock:
        if not path:
            _refusals[:] = kept
            return
        Path(path).write_text("".join(line + "\n" for line in kept), encoding="utf-8")


def forget() -> None:
    """Drop every recorded refusal (after the suite's fixture has reported them)."""
    _keep([])


@contextlib.contextmanager
def blocked() -> Iterator[list[str]]:
    """Collect, and take off the record, the refusals provoked inside the block."""
    before = refusals()
    collected: list[str] = []
    try:
        yield collected
    finally:
        collected.extend(refusals()[len(before) :])
        _keep(before)


def main() -> None:
    """Entry point for ``sitecustomize``: guard this interpreter if the suite asked for it."""
    if os.environ.get(LOG_ENV):
        install()
