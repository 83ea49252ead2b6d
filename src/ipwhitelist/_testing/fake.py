"""
A loopback fake exchange for the demo and the test suite.

A real HTTP server on 127.0.0.0/8 (or [::1]) that real ccxt clients talk to:
it sees the client's actual source address, so binding a client to 127.0.0.2
plays "the egress IP changed". Routes are plain callables.
"""

from __future__ import annotations

import json
import socket
import socketserver
import sys
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import attrs

# Not a fake, but what every user of the fakes needs next to them.
from .._client.urls import point_at

__all__ = ["FakeServer", "Reply", "Request", "Route", "point_at"]


@attrs.frozen(kw_only=True)
class Request:
    """What the fake server received."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    client_ip: str
    # The query string as sent: signatures cover it byte for byte, and
    # parse_qs() drops empty values.
    raw_query: str = ""


@attrs.frozen(kw_only=True)
class Reply:
    """What the fake server sends back."""

    status: int = 200
    body: str | bytes = ""
    headers: Mapping[str, str] = attrs.field(factory=dict)

    @classmethod
    def json(cls, obj: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
        """A JSON reply."""
        return cls(
            status=status,
            body=json.dumps(obj, separators=(",", ":")),
            headers={"Content-Type": "application/json", **(headers or {})},
        )


#: A route answers a request; ``None`` drops the connection without an answer.
Route = Callable[[Request], "Reply | None"]


class FakeServer:
    """
    A threaded HTTP server on loopback with pluggable routes.

    Args:
        host: The loopback address to listen on.
        routes: ``{(METHOD, path): route}``; ``("*", path)`` matches any method;
            a path ending in ``*`` matches by prefix.
        default: The route for anything unmatched (404 by default).

    Use as a context manager; `url` is the base URL, `requests` what arrived.
    `intercept`, when set, sees every request before the routes: it returns
    the request to route (possibly changed) or a `Reply` to answer at once.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        routes: Mapping[tuple[str, str], Route] | None = None,
        default: Route | None = None,
    ) -> None:
        if not (host.startswith("127.") or host in {"::1", "localhost"}):
            raise ValueError("the fake exchange listens on loopback only")
        self.routes: dict[tuple[str, str], Route] = dict(routes or {})
        self.default: Route = default or (lambda _r: Reply.json({"error": "not found"}, 404))
        self.requests: list[Request] = []
        self.intercept: Callable[[Request], Request | Reply] | None = None
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in two writes: without this, Nagle's
                # algorithm and delayed ACKs add 40 ms to every keep-alive reply.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _handle(self) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(
                    method=self.command,
                    path=split.path,
                    query=parse_qs(split.query),
                    raw_query=split.query,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    client_ip=self.client_address[0],
                )
                intercept = server.intercept
                seen = request if intercept is None else intercept(request)
                if isinstance(seen, Request):
                    request = seen
                with server._lock:
                    server.requests.append(request)
                reply = seen if isinstance(seen, Reply) else server.route(request)
                if reply is None:  # the route asks to drop the connection unanswered
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _handle  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        family_server = _server_class(host)
        self._httpd = family_server((host, 0), Handler)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def route(self, request: Request) -> Reply | None:
        """Find and run the route for *request*."""
        for (method, path), route in self.routes.items():
            if method not in ("*", request.method):
                continue
            if path == request.path or (path.endswith("*") and request.path.startswith(path[:-1])):
                return route(request)
        return self.default(request)

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        host, port = self._httpd.server_address[:2]
        text = host.decode() if isinstance(host, bytes) else str(host)
        text = f"[{text}]" if ":" in text else text
        return f"http://{text}:{port}"

    def start(self) -> Self:
        """Start serving in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _server_class(host: str) -> type[ThreadingHTTPServer]:
    class Server(ThreadingHTTPServer):
        def server_bind(self) -> None:
            # HTTPServer.server_bind() names the server with socket.getfqdn(): a
            # reverse DNS query, sent to the network for any address /etc/hosts
            # does not list (127.0.0.3, ::1). A loopback fake asks nobody.
            socketserver.TCPServer.server_bind(self)
            host, port = self.server_address[:2]
            self.server_name, self.server_port = str(host), int(port)

        def handle_error(self, request: Any, client_address: Any) -> None:
            # Clients that hang up (timeouts, cancelled races) are expected here.
            if not isinstance(sys.exc_info()[1], ConnectionError):
                super().handle_error(request, client_address)

        daemon_threads = True
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # A loopback fake must not collide with a previous run's TIME_WAIT socket.
        allow_reuse_address = True
        # Concurrency tests open hundreds of connections at once.
        request_queue_size = 1024

    return Server
