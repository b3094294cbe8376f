"""Comments under the Department's Facebook Page posts and Instagram media, through the
Graph API: recorded bodies (``recorded/graph_*``, ``recorded/ig_*``) replayed under the
production HttpClient by ``responses`` — paging, the token header, hidden comments, the
Department's own replies, a deleted post and a rate limit."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
import responses
from sqlalchemy import select

from rumordesk.classify.scoring import PostScorer
from rumordesk.collectors.graph import FACEBOOK_TOKEN_ENV, INSTAGRAM_TOKEN_ENV
from rumordesk.collectors.runner import Runner
from rumordesk.store.posts import list_posts, save_batch
from rumordesk.store.records import Batch, Post, Provenance
from rumordesk.store.schema import post_scores, posts
from rumordesk.store.sources import load_cursor, source_health
from tests.collectors.replies_helpers import recorded, shifted
from tests.helpers.settings import make_settings

TOKEN = "EAAB-page-token-for-tests-only"
PAGE = "104958162837"
IG = "17841400008460056"
GRAPH = "https://graph.facebook.com/v24.0"
NOW = datetime.now(UTC)
VALLEY_FAIR = {"name": "Westfield Valley Fair", "aliases": ["Valley Fair"]}


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FACEBOOK_TOKEN_ENV, TOKEN)
    monkeypatch.delenv(INSTAGRAM_TOKEN_ENV, raising=False)


def sources(**extra) -> list[dict]:
    return [
        {"name": "scpd-facebook", "kind": "facebook_page", "page_id": PAGE, "enabled": False},
        {"name": "fb-comments", "kind": "facebook_comments", "department_page_id": PAGE, **extra},
    ]


def serve_threads() -> None:
    responses.get(f"{GRAPH}/{PAGE}/posts", json=recorded("graph_page_threads_1.json", now=NOW))
    responses.get(f"{GRAPH}/{PAGE}/posts", json=recorded("graph_page_threads_2.json", now=NOW))


def query(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def department_post(db, source_id: str, text: str, channel: str = "facebook") -> None:
    post = Post(
        source="scpd-facebook" if channel == "facebook" else f"scpd-{channel}",
        source_id=source_id,
        channel=channel,
        text=text,
        provenance=Provenance.now(None, "test"),
        created_at=shifted("2026-11-20T16:04:11Z", now=NOW),
        is_official=True,
    )
    save_batch(db, post.source, Batch((post,), {}))


@responses.activate
def test_comments_are_read_page_by_page_as_posts_of_their_thread(db):
    serve_threads()
    responses.get(f"{GRAPH}/{PAGE}_901/comments", json=recorded("graph_comments_1.json", now=NOW))
    responses.get(f"{GRAPH}/{PAGE}_901/comments", json=recorded("graph_comments_2.json", now=NOW))
    responses.get(
        f"{GRAPH}/{PAGE}_903/comments", json=recorded("graph_error_gone.json"), status=400
    )
    department_post(db, f"{PAGE}_901", "Police activity at Westfield Valley Fair. Avoid the area.")

    run = Runner(make_settings(sources()), db).run_once()[0]

    assert (run.status, run.new) == ("ok", 2), run
    urls = [c.request.url for c in responses.calls]
    assert all(c.request.headers["Authorization"] == f"Bearer {TOKEN}" for c in responses.calls)
    assert not any(TOKEN in url for url in urls)  # paging.next links lose their token
    assert [urlsplit(u).path for u in urls] == [
        f"/v24.0/{PAGE}/posts",
        f"/v24.0/{PAGE}/posts",
        f"/v24.0/{PAGE}_901/comments",
        f"/v24.0/{PAGE}_901/comments",
        f"/v24.0/{PAGE}_903/comments",  # 902 has no comments: never asked
    ]
    first_comments = query(responses.calls[2])
    assert first_comments["filter"] == ["stream"] and "is_hidden" in first_comments["fields"][0]
    assert query(responses.calls[3])["after"] == ["WTI5dGJXVnVkRjlqZFhKemIzSTZOekF3TXc9PQ=="]

    stored = {p["source_id"]: p for p in list_posts(db) if p["source"] == "fb-comments"}
    # the hidden one (7003) and the Department's own reply (7002) are not kept
    assert set(stored) == {"901_7001", "901_7004"}
    rumour = stored["901_7001"]
    assert rumour["text"] == "Is it true there's a shooter at Valley Fair?? My cousin says 3 dead"
    assert rumour["author"] == "Jordan Alvarez" and stored["901_7004"]["author"] is None
    assert (rumour["likes"], rumour["replies"]) == (12, 1)
    assert rumour["created_at"] == shifted("2026-11-20T16:11:02Z", now=NOW).replace(microsecond=0)
    assert not rumour["is_official"] and rumour["channel"] == "facebook"

    with db.read() as connection:
        parent = connection.scalar(select(posts.c.id).where(posts.c.source_id == f"{PAGE}_901"))
        links = dict(
            connection.execute(
                select(posts.c.source_id, posts.c.reply_to_post_id).where(
                    posts.c.source == "fb-comments"
                )
            ).all()
        )
        threads = set(
            connection.scalars(select(posts.c.in_reply_to).where(posts.c.source == "fb-comments"))
        )
    assert threads == {f"{PAGE}_901"}
    assert links == {"901_7001": parent, "901_7004": parent}

    # the deleted post's thread is dropped; the counts read are kept for next time
    assert load_cursor(db, "fb-comments")["threads"] == {
        f"{PAGE}_901": {"count": 4},
        f"{PAGE}_902": {},  # listed, nobody commented yet
        f"{PAGE}_903": {"gone": True},
    }
    responses.reset()
    serve_threads()  # the same listing: 901's count has not moved, 903 is known gone
    Runner(make_settings(sources()), db).run_once()
    again = [urlsplit(c.request.url).path for c in responses.calls]
    assert again == [f"/v24.0/{PAGE}/posts", f"/v24.0/{PAGE}/posts"]


@responses.activate
def test_a_rate_limit_keeps_what_was_stored_and_schedules_the_next_attempt(db):
    serve_threads()
    responses.get(f"{GRAPH}/{PAGE}_901/comments", json=recorded("graph_comments_1.json", now=NOW))
    responses.get(
        f"{GRAPH}/{PAGE}_901/comments",
        json=recorded("graph_error_rate_limit.json"),
        status=400,
        headers={
            "X-Business-Use-Case-Usage": (
                f'{{"{PAGE}": [{{"type": "pages", "call_count": 100, "total_cputime": 20, '
                '"total_time": 30, "estimated_time_to_regain_access": 12}]}'
            )
        },
    )
    run = Runner(make_settings(sources()), db).run_once()[0]

    assert run.status == "rate_limited" and "Graph API" in (run.error or "")
    [health] = source_health(db, ["fb-comments"])
    assert 11 * 60 <= (health.next_poll_at - datetime.now(UTC)).total_seconds() <= 13 * 60
    # the first page's comments are not stored on their own: a thread is one batch
    assert not [p for p in list_posts(db) if p["source"] == "fb-comments"]


@responses.activate
def test_instagram_comments_and_their_replies_hidden_ones_left_out(db):
    responses.get(f"{GRAPH}/{IG}/media", json=recorded("ig_media_threads.json", now=NOW))
    responses.get(f"{GRAPH}/17895695668004550/comments", json=recorded("ig_comments.json", now=NOW))
    settings = make_settings(
        [
            {"name": "scpd-ig", "kind": "instagram", "ig_user_id": IG, "enabled": False},
            {"name": "ig-comments", "kind": "instagram_comments", "department_ig_user_id": IG},
        ]
    )
    run = Runner(settings, db).run_once()[0]

    assert (run.status, run.new) == ("ok", 2)
    assert len(responses.calls) == 2  # the media without comments is not asked about
    assert "replies{" in query(responses.calls[1])["fields"][0]
    stored = {p["source_id"]: p for p in list_posts(db) if p["source"] == "ig-comments"}
    assert set(stored) == {"17858893269000001", "17858893269000002"}
    assert stored["17858893269000002"]["author"] == "@valleyfair_fan"
    with db.read() as connection:
        threads = set(
            connection.scalars(select(posts.c.in_reply_to).where(posts.c.source == "ig-comments"))
        )
    assert threads == {"17895695668004550"}


@pytest.mark.slow
@responses.activate
def test_a_comment_is_scored_with_its_threads_department_post_first(db):
    """The Department said "police activity" at Valley Fair; a comment under it, "heard
    gunshots … everyone is running", names no place: it is about Valley Fair, and it is
    read against its own thread's post, not any other — a first-hand report beside an
    investigation, so pending (never evidence of falsehood: issue 17)."""
    serve_threads()
    responses.get(f"{GRAPH}/{PAGE}_901/comments", json=recorded("graph_comments_2.json", now=NOW))
    responses.get(f"{GRAPH}/{PAGE}_903/comments", json={"data": [], "paging": {}})
    department_post(db, f"{PAGE}_901", "Police activity at Westfield Valley Fair. Avoid the area.")
    settings = make_settings(sources(), classify={"places": [VALLEY_FAIR]})
    scorer = PostScorer(settings, db, lambda texts: np.full(len(texts), 0.5))

    Runner(settings, db, on_stored=scorer).run_once()

    with db.read() as connection:
        parent = connection.scalar(select(posts.c.id).where(posts.c.source_id == f"{PAGE}_901"))
        row = connection.execute(
            select(post_scores.c.signals, post_scores.c.reasons, post_scores.c.cluster_key)
            .join(posts, posts.c.id == post_scores.c.post_id)
            .where(posts.c.source_id == "901_7004")
        ).one()
    signals = json.loads(row.signals)
    assert signals["official_post"] == str(parent)
    assert signals["places"] == ["Westfield Valley Fair"]  # the thread's place
    assert row.cluster_key == "claim:active_shooter@Westfield Valley Fair"
    assert signals["official"] == "pending"
