"""A real HTTP server on loopback that serves the routes a test gives it and records
every request (feeds, APIs, webhooks: the production clients talk to it unchanged)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    #: Serve 304 when the request's If-None-Match equals this ETag.
    etag: str | None = None
    #: Answer with these statuses first (one per request), then with ``status``.
    sequence: list[int] = field(default_factory=list)
    #: Stream the body slowly: seconds to wait between chunks of ``chunk`` bytes.
    trickle: float = 0.0
    chunk: int = 1024


@dataclass
class SeenRequest:
    path: str
    headers: dict[str, str]
    #: When the request arrived (time.monotonic()).
    at: float = 0.0


class FeedServer:
    """A threaded HTTP server on 127.0.0.1 (or another loopback address) whose answers
    the test sets per path."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[SeenRequest] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                server.requests.append(SeenRequest(self.path, dict(self.headers), time.monotonic()))
                route = server.routes.get(self.path.split("?")[0]) or server.routes.get(self.path)
                if route is None:
                    return self._send(404, b"not found", {})
                if route.delay:
                    time.sleep(route.delay)
                status = route.sequence.pop(0) if route.sequence else route.status
                headers = dict(route.headers)
                if route.etag:
                    headers["ETag"] = route.etag
                    if self.headers.get("If-None-Match") == route.etag and status == 200:
                        return self._send(304, b"", headers)
                self._send(
                    status,
                    route.body if status == 200 else b"error",
                    headers,
                    trickle=route.trickle,
                    chunk=route.chunk,
                )

            def _send(
                self,
                status: int,
                body: bytes,
                headers: dict[str, str],
                *,
                trickle: float = 0.0,
                chunk: int = 1024,
            ) -> None:
                self.send_response(status)
                headers.setdefault("Content-Type", "application/rss+xml; charset=utf-8")
                for key, value in headers.items():
                    self.send_header(key, value)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    if not trickle:
                        self.wfile.write(body)
                        return
                    for start in range(0, len(body), chunk):
                        self.wfile.write(body[start : start + chunk])
                        self.wfile.flush()
                        time.sleep(trickle)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        # A short poll interval: shutdown() waits up to one interval (0.5 s by default).
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def serve(self, path: str, body: bytes | str = b"", **options: Any) -> str:
        """Answer ``path`` with ``body`` (and options of :class:`Route`); returns its URL."""
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = Route(body=data, **options)
        return self.url(path)

    def hits(self, path: str) -> list[SeenRequest]:
        return [r for r in self.requests if r.path.split("?")[0] == path]
