"""Real local counterparts for the alert tests: an SMTP server and a webhook receiver on
127.0.0.1, and rumours written straight into the store (SQLAlchemy Core) when a test needs
exact scores; tests/test_alerts_rules.py also builds one through the real scoring path."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import insert, select, update

from rumordesk.store.db import Database
from rumordesk.store.schema import alerts, rumors

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
SHOOTER = "ACTIVE SHOOTER at Great America right now, people running, stay away"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- SMTP -------------------------------------------------------------------------------


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class SmtpSink:
    """aiosmtpd on loopback; ``reply`` and ``delay`` change how it answers DATA."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.received: list[Received] = []
        self.replies: list[str] = []  # answered in turn before "250 OK"
        self.delay = 0.0
        self.arrived = threading.Event()
        self.controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.replies:
            return self.replies.pop(0)
        message = message_from_bytes(envelope.original_content, policy=policy.SMTP)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        self.arrived.set()
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        return "250 OK"

    def start(self) -> SmtpSink:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def settings(self) -> dict[str, Any]:
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "security": "none",
            "from_address": "rumordesk@santaclaraca.gov",
        }


# --- webhooks ---------------------------------------------------------------------------


@dataclass
class Hook:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HookRoute:
    statuses: list[int] = field(default_factory=list)  # answered in turn, then 200
    delays: list[float] = field(default_factory=list)  # seconds before answering, in turn


class WebhookServer:
    """A threaded HTTP server on loopback recording every POST and its answer."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.routes: dict[str, HookRoute] = {}
        self.hooks: list[Hook] = []
        self.arrived = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                route = server.routes.setdefault(self.path, HookRoute())
                status = route.statuses.pop(0) if route.statuses else 200
                delay = route.delays.pop(0) if route.delays else 0.0
                server.hooks.append(Hook(self.path, dict(self.headers), body, status))
                server.arrived.set()
                if delay:
                    time.sleep(delay)
                payload = b"ok" if status < 300 else b"error"
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self._handler = Handler
        self.httpd: ThreadingHTTPServer | None = None

    def start(self) -> WebhookServer:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler)
        self.httpd.daemon_threads = True
        # A short poll interval: stop() waits up to one interval (0.5 s by default).
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Hook]:
        return [h for h in self.hooks if h.path == path]

    def accepted(self, path: str) -> list[Hook]:
        """Deliveries the receiver acknowledged (what a chat channel would show)."""
        return [h for h in self.at(path) if h.status < 300]


def wait_for(predicate: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


# --- rumours and alerts in the store ------------------------------------------------------


def add_rumour(db: Database, *, at: datetime = NOW, **values: Any) -> int:
    row: dict[str, Any] = {
        "cluster_key": "claim:active_shooter@California's Great America",
        "status": "new",
        "score": 0.93,
        "severity": 1.0,
        "harm": "active_shooter",
        "places": json.dumps(["California's Great America"]),
        "channels": json.dumps(["reddit", "mastodon"]),
        "claim": SHOOTER,
        "top_reason": "claims an active shooter; local: California's Great America; "
        "no Department post about it; 12 posts tell this story",
        "post_count": 3,
        "reach": 40,
        "first_seen_at": at,
        "last_seen_at": at,
        "updated_at": at,
    }
    row.update(values)
    with db.write() as connection:
        return connection.execute(insert(rumors).values(**row)).inserted_primary_key[0]


def change_rumour(db: Database, rumor_id: int, *, at: datetime, **values: Any) -> None:
    with db.write() as connection:
        connection.execute(
            update(rumors).where(rumors.c.id == rumor_id).values(updated_at=at, **values)
        )


def alert_rows(db: Database, **where: Any) -> list[dict[str, Any]]:
    query = select(alerts).order_by(alerts.c.id)
    for key, value in where.items():
        query = query.where(alerts.c[key] == value)
    with db.read() as connection:
        return [dict(r) for r in connection.execute(query).mappings()]


def running(*servers: Any) -> Iterator[None]:
    for server in servers:
        server.start()
    try:
        yield
    finally:
        for server in servers:
            server.stop()
