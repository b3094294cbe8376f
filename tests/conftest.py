"""Shared test parts: a real HTTP server on loopback, a real SQLite file, real shared data."""

from __future__ import annotations

import os
import threading
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from rumordesk.config import AppSettings, parse_settings
from store import open_database
from store.db import Database

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED = PROJECT_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared``: real third-party data. Absent only outside CI, where tests skip."""
    if not SHARED.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{SHARED} is missing; CI must run with shared/ beside the repository")
        pytest.skip(f"{SHARED} not found: real fixtures and data sets live beside the repository")
    return SHARED


@pytest.fixture(scope="session")
def feeds_dir(shared_dir: Path) -> Path:
    return shared_dir / "fixtures" / "feeds"


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


class FeedServer:
    """A threaded HTTP server on 127.0.0.1 whose answers the test sets per path."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[SeenRequest] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                server.requests.append(SeenRequest(self.path, dict(self.headers)))
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

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

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


@pytest.fixture(scope="module")
def _module_feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def feed_server(_module_feed_server: FeedServer) -> FeedServer:
    """A loopback server with no routes and no requests seen, started once per module
    (shutting a server down takes ~0.5 s; a new one per test would add minutes)."""
    _module_feed_server.routes.clear()
    _module_feed_server.requests.clear()
    return _module_feed_server


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    """A real, migrated SQLite file."""
    database = open_database(f"sqlite:///{tmp_path / 'rumordesk.db'}")
    yield database
    database.dispose()


FAST_COLLECT = {"connect_timeout": 2.0, "read_timeout": 2.0, "retries": 1, "backoff_seconds": 0.01}


def make_settings(sources: list[dict[str, Any]], **sections: Any) -> AppSettings:
    """Settings as the loader builds them, from plain dicts (as TOML would give)."""
    raw: dict[str, Any] = {
        "collect": {**FAST_COLLECT, **sections.pop("collect", {})},
        "sources": sources,
        **sections,
    }
    return parse_settings(raw, origin="test config")


def feed_source(name: str, url: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "feed",
        "channel": extra.pop("channel", "website"),
        "url": url,
        **extra,
    }


def write_config(path: Path, text: str) -> Path:
    tomllib.loads(text)  # a typo in a test's TOML should fail here, not look like a config bug
    path.write_text(text, encoding="utf-8")
    return path


def rss(*items: tuple[str, str], title: str = "Test feed", extra_item_xml: str = "") -> str:
    """A small RSS 2.0 document; each item is (guid, title)."""
    body = "".join(
        f"<item><guid isPermaLink='false'>{guid}</guid><title>{text}</title>"
        f"<link>https://example.org/{guid}</link>"
        f"<pubDate>Mon, 23 Nov 2026 19:00:00 GMT</pubDate>{extra_item_xml}</item>"
        for guid, text in items
    )
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>{title}</title><link>https://example.org/</link>{body}</channel></rss>"
    )
