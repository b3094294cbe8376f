"""Replies under the Department's own Bluesky posts, against a real XRPC server on
127.0.0.1 answering with the recorded bodies (``recorded/bluesky_*``): atproto's own
client signs in, reads the author feed and the thread as in production."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from rumordesk.collectors.bluesky import PASSWORD_ENV, forget_sessions
from rumordesk.collectors.runner import Runner
from rumordesk.store.posts import list_posts
from rumordesk.store.schema import posts
from rumordesk.store.sources import load_cursor, source_health
from tests.collectors.replies_helpers import recorded
from tests.collectors.test_bluesky_collector import DID, PASSWORD, XrpcServer, jwt
from tests.helpers.settings import make_settings

NOW = datetime.now(UTC)
ROOT = "at://did:plc:scpd4dept0000000000000000/app.bsky.feed.post/3lbdept0001"


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
            "handle": "scpd.bsky.social",
            "did": DID,
            "active": True,
        },
    )
    yield server, url
    server.httpd.shutdown()
    server.httpd.server_close()
    forget_sessions()


def sources(url: str) -> list[dict]:
    return [
        {"name": "scpd-bsky", "kind": "bluesky_author", "login": "scpd.bsky.social",
         "actor": "scpd.bsky.social", "service_url": url, "enabled": False},
        {"name": "bsky-replies", "kind": "bluesky_replies", "login": "scpd.bsky.social",
         "department_actor": "scpd.bsky.social", "service_url": url},
    ]  # fmt: skip


def test_replies_under_the_departments_posts_deleted_blocked_and_own_left_out(db, xrpc):
    server, url = xrpc
    server.answer("app.bsky.feed.getAuthorFeed", recorded("bluesky_author_feed.json", now=NOW))
    server.answer("app.bsky.feed.getPostThread", recorded("bluesky_thread.json", now=NOW))
    settings = make_settings(sources(url))

    run = Runner(settings, db).run_once()[0]

    assert (run.status, run.new) == ("ok", 1), run
    [feed] = server.calls("app.bsky.feed.getAuthorFeed")
    assert feed.query["filter"] == ["posts_no_replies"]
    [thread] = server.calls("app.bsky.feed.getPostThread")  # the repost is not a thread of ours
    assert thread.query["uri"] == [ROOT] and thread.query["depth"] == ["6"]
    [reply] = [p for p in list_posts(db) if p["source"] == "bsky-replies"]
    assert reply["text"] == "my cousin says 3 dead, is it a shooting??"
    assert reply["author"] == "@worried.bsky.social" and not reply["is_official"]
    with db.read() as connection:
        assert (
            connection.scalar(select(posts.c.in_reply_to).where(posts.c.source == "bsky-replies"))
            == ROOT
        )
    assert load_cursor(db, "bsky-replies")["threads"] == {ROOT: {"count": 3}}

    # the reply count has not moved: the thread is not read again
    Runner(settings, db).run_once()
    assert len(server.calls("app.bsky.feed.getPostThread")) == 1


def test_a_rate_limited_thread_read_is_scheduled_from_ratelimit_reset(db, xrpc):
    server, url = xrpc
    server.answer("app.bsky.feed.getAuthorFeed", recorded("bluesky_author_feed.json", now=NOW))
    reset = int(datetime.now(UTC).timestamp()) + 300
    server.answer(
        "app.bsky.feed.getPostThread",
        {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        status=429,
        **{"ratelimit-limit": "3000", "ratelimit-remaining": "0", "ratelimit-reset": str(reset)},
    )
    run = Runner(make_settings(sources(url)), db).run_once()[0]
    assert run.status == "rate_limited"
    [health] = source_health(db, ["bsky-replies"])
    assert abs(health.next_poll_at.timestamp() - reset) <= 2
