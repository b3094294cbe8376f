"""Bluesky through atproto against a real XRPC server on 127.0.0.1.

The server answers createSession, searchPosts and getAuthorFeed with bodies shaped as the
lexicons document them; atproto's own httpx client talks to it, so sign-in, parameters,
model parsing and error handling all run as in production.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from rumordesk.collectors.bluesky import PASSWORD_ENV, forget_sessions
from rumordesk.collectors.runner import Runner
from rumordesk.store.posts import list_posts
from rumordesk.store.sources import load_cursor, source_health
from tests.helpers.settings import make_settings

PASSWORD = "abcd-efgh-ijkl-mnop"
DID = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"
CID = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def jwt(scope: str) -> str:
    now = int(time.time())
    claims = {"scope": scope, "sub": DID, "iat": now, "exp": now + 7200, "aud": "did:web:pds"}
    return f"{_b64({'typ': 'at+jwt', 'alg': 'ES256K'})}.{_b64(claims)}.c2ln"


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any = None


@dataclass
class XrpcServer:
    """Scripted answers per XRPC method: a list of (status, body, headers), last one repeats."""

    answers: dict[str, list[tuple[int, Any, dict[str, str]]]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def answer(self, method: str, body: Any, status: int = 200, **headers: str) -> None:
        self.answers.setdefault(method, []).append((status, body, headers))

    def calls(self, method: str) -> list[Seen]:
        return [s for s in self.seen if s.path == f"/xrpc/{method}"]

    def start(self) -> str:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self, payload: Any = None) -> None:
                parts = urlsplit(self.path)
                server.seen.append(
                    Seen(
                        self.command, parts.path, parse_qs(parts.query), dict(self.headers), payload
                    )
                )
                queue = server.answers.get(parts.path.removeprefix("/xrpc/"))
                if not queue:
                    status, body, headers = 501, {"error": "MethodNotImplemented"}, {}
                else:
                    status, body, headers = queue.pop(0) if len(queue) > 1 else queue[0]
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                for key, value in headers.items():
                    self.send_header(key.replace("_", "-"), value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                self._serve()

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                self._serve(json.loads(self.rfile.read(length) or b"null"))

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        # A short poll interval: shutdown() waits up to one interval (0.5 s by default).
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"


@pytest.fixture
def xrpc(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[XrpcServer, str]]:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    forget_sessions()
    server = XrpcServer()
    url = server.start()
    server.answer(
        "com.atproto.server.createSession",
        {
            "accessJwt": jwt("com.atproto.appPass"),
            "refreshJwt": jwt("com.atproto.refresh"),
            "handle": "scpd-pio.bsky.social",
            "did": DID,
            "active": True,
        },
    )
    yield server, url
    server.httpd.shutdown()
    server.httpd.server_close()
    forget_sessions()


def view(
    rkey: str,
    text: str,
    *,
    handle: str = "neighbour.bsky.social",
    did: str = DID,
    likes: int = 0,
    reposts: int = 0,
    replies: int = 0,
    quotes: int = 0,
    at: datetime | None = None,
) -> dict:
    moment = (at or datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {
        "uri": f"at://{did}/app.bsky.feed.post/{rkey}",
        "cid": CID,
        "author": {"did": did, "handle": handle, "displayName": "A neighbour", "labels": []},
        "record": {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": moment,
            "langs": ["en"],
        },
        "replyCount": replies,
        "repostCount": reposts,
        "likeCount": likes,
        "quoteCount": quotes,
        "indexedAt": moment,
        "labels": [],
    }


def search_source(url: str, **extra) -> dict:
    return {
        "name": "bsky-local",
        "kind": "bluesky_search",
        "login": "scpd-pio.bsky.social",
        "service_url": url,
        "purpose": "Find claims of violence in Santa Clara so the PIO can confirm or correct them.",
        "queries": ['"Santa Clara" shooting'],
        **extra,
    }


def test_search_signs_in_once_pages_and_moves_since_after_the_last_page(db, xrpc):
    server, url = xrpc
    t1 = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
    server.answer(
        "app.bsky.feed.searchPosts",
        {
            "cursor": "page2",
            "hitsTotal": 3,
            "posts": [
                view(
                    "3kaaa",
                    "Shooting at  Valley Fair??",
                    likes=5,
                    reposts=2,
                    replies=1,
                    quotes=1,
                    at=t1,
                ),
                view("3kaab", "Heard gunshots near Santa Clara Square", at=t1 - timedelta(1)),
            ],
        },
    )
    server.answer(
        "app.bsky.feed.searchPosts",
        {"posts": [view("3kaac", "Police at Central Park", at=t1 - timedelta(2))]},
    )
    settings = make_settings([search_source(url)])

    run = Runner(settings, db).run_once()[0]
    assert (run.status, run.new) == ("ok", 3)
    [login] = server.calls("com.atproto.server.createSession")
    assert login.body == {"identifier": "scpd-pio.bsky.social", "password": PASSWORD}
    first, second = server.calls("app.bsky.feed.searchPosts")
    assert first.query["q"] == ['"Santa Clara" shooting'] and first.query["sort"] == ["latest"]
    assert first.headers["Authorization"].startswith("Bearer ")
    assert "since" in first.query  # a first run looks back a week only
    assert "cursor" not in first.query and second.query["cursor"] == ["page2"]

    posts = {p["source_id"]: p for p in list_posts(db)}
    top = posts[f"at://{DID}/app.bsky.feed.post/3kaaa"]
    assert top["text"] == "Shooting at Valley Fair??"
    assert (top["likes"], top["shares"], top["replies"], top["quotes"]) == (5, 2, 1, 1)
    assert top["url"] == "https://bsky.app/profile/neighbour.bsky.social/post/3kaaa"
    assert top["created_at"] == t1 and top["lang"] == "en" and not top["is_official"]
    state = load_cursor(db, "bsky-local")["queries"]['"Santa Clara" shooting']
    assert state == {"since": "2026-11-30T18:00:00.000Z"}

    server.answer("app.bsky.feed.searchPosts", {"posts": []})
    Runner(settings, db).run_once()
    third = server.calls("app.bsky.feed.searchPosts")[-1]
    assert third.query["since"] == ["2026-11-30T18:00:00.000Z"]
    assert len(server.calls("com.atproto.server.createSession")) == 1  # session reused


def test_the_post_cap_stops_a_run_and_the_next_resumes_with_the_page_cursor(db, xrpc):
    server, url = xrpc
    server.answer(
        "app.bsky.feed.searchPosts",
        {"cursor": "next-2", "posts": [view(f"3k{i}", f"threat {i}") for i in range(2)]},
    )
    server.answer("app.bsky.feed.searchPosts", {"posts": [view("3kz", "last")]})
    settings = make_settings([search_source(url, max_posts_per_run=2, page_size=2)])
    assert Runner(settings, db).run_once()[0].new == 2
    assert len(server.calls("app.bsky.feed.searchPosts")) == 1
    assert server.calls("app.bsky.feed.searchPosts")[0].query["limit"] == ["2"]
    Runner(settings, db).run_once()
    assert server.calls("app.bsky.feed.searchPosts")[1].query["cursor"] == ["next-2"]
    assert len(list_posts(db)) == 3


def test_the_departments_feed_keeps_its_counts_current_and_skips_reposts(db, xrpc):
    server, url = xrpc
    scpd = "did:plc:scpdscpdscpdscpdscpdscpd"
    own = view(
        "3kown", "No threat at Levi's Stadium.", handle="scpd.bsky.social", did=scpd, likes=10
    )
    other = view("3koth", "Someone else's post", handle="news.bsky.social")
    repost = {
        "post": other,
        "reason": {
            "$type": "app.bsky.feed.defs#reasonRepost",
            "by": {"did": scpd, "handle": "scpd.bsky.social"},
            "indexedAt": other["indexedAt"],
        },
    }
    server.answer("app.bsky.feed.getAuthorFeed", {"feed": [{"post": own}, repost]})
    server.answer("app.bsky.feed.getAuthorFeed", {"feed": [{"post": {**own, "likeCount": 99}}]})
    source = {
        "name": "scpd-bsky",
        "kind": "bluesky_author",
        "login": "scpd-pio.bsky.social",
        "actor": "scpd.bsky.social",
        "service_url": url,
    }
    settings = make_settings([source])
    assert Runner(settings, db).run_once()[0].new == 1
    [post] = list_posts(db)
    assert post["is_official"] and post["likes"] == 10 and post["channel"] == "bluesky"
    call = server.calls("app.bsky.feed.getAuthorFeed")[0]
    assert call.query["actor"] == ["scpd.bsky.social"]
    second = Runner(settings, db).run_once()[0]
    assert second.updated == 1 and list_posts(db)[0]["likes"] == 99


def test_a_refused_sign_in_is_misconfigured_without_the_password(db, xrpc):
    server, url = xrpc
    server.answers["com.atproto.server.createSession"] = [
        (401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}, {})
    ]
    run = Runner(make_settings([search_source(url)]), db).run_once()[0]
    assert run.status == "misconfigured"
    assert PASSWORD_ENV in run.error and "Invalid identifier or password" in run.error
    assert PASSWORD not in (source_health(db)[0].last_error or "")


def test_a_429_schedules_from_ratelimit_reset(db, xrpc):
    server, url = xrpc
    reset = int(time.time()) + 600
    server.answer(
        "app.bsky.feed.searchPosts",
        {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        status=429,
        **{
            "ratelimit-limit": "3000",
            "ratelimit-remaining": "0",
            "ratelimit-reset": str(reset),
            "ratelimit-policy": "3000;w=300",
        },
    )
    run = Runner(make_settings([search_source(url)]), db).run_once()[0]
    assert run.status == "rate_limited"
    assert source_health(db)[0].next_poll_at == datetime.fromtimestamp(reset, UTC)


def test_a_server_error_is_transient(db, xrpc):
    server, url = xrpc
    server.answer("app.bsky.feed.searchPosts", {"error": "InternalServerError"}, status=500)
    run = Runner(make_settings([search_source(url)]), db).run_once()[0]
    assert run.status == "error" and "500" in run.error


def test_a_missing_app_password_is_a_misconfiguration(db, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    forget_sessions()
    run = Runner(make_settings([search_source("http://127.0.0.1:9")]), db).run_once()[0]
    assert run.status == "misconfigured" and f"${PASSWORD_ENV} is not set" in run.error


def test_bluesky_searches_may_not_target_people():
    from rumordesk.base.errors import ConfigError

    with pytest.raises(ConfigError, match="targets individuals"):
        make_settings([search_source("https://bsky.social", queries=["from:someone shooting"])])


def test_a_session_refused_later_is_dropped_and_the_next_run_signs_in_again(db, xrpc):
    server, url = xrpc
    settings = make_settings([search_source(url)])
    server.answer("app.bsky.feed.searchPosts", {"posts": []})
    Runner(settings, db).run_once()
    server.answers["app.bsky.feed.searchPosts"] = [
        (401, {"error": "ExpiredToken", "message": "Token has expired"}, {}),
        (200, {"posts": [view("3kback", "back again")]}, {}),
    ]
    failed = Runner(settings, db).run_once()[0]
    assert failed.status == "misconfigured" and "ExpiredToken" in failed.error
    assert Runner(settings, db).run_once()[0].new == 1
    assert len(server.calls("com.atproto.server.createSession")) == 2


def test_times_without_an_offset_are_the_departments(db, xrpc):
    server, url = xrpc
    # one instant, 2026-11-23 19:00 UTC, written three ways; the Department is in New York
    written = {
        "3kaaa": "2026-11-23T14:00:00",
        "3kaab": "2026-11-23T11:00:00-08:00",
        "3kaac": "2026-11-23T19:00:00.000Z",
    }
    posts = []
    for rkey, at in written.items():
        post = view(rkey, "Shooting at Valley Fair??")
        post["record"]["createdAt"] = post["indexedAt"] = at
        posts.append(post)
    server.answer("app.bsky.feed.searchPosts", {"posts": posts})
    settings = make_settings([search_source(url)], department={"timezone": "America/New_York"})

    assert Runner(settings, db).run_once()[0].new == 3

    times = {p["source_id"].rsplit("/", 1)[-1]: p["created_at"] for p in list_posts(db)}
    assert times == dict.fromkeys(written, datetime(2026, 11, 23, 19, 0, tzinfo=UTC))
