"""X replies (conversation searches under the Department's own posts) and YouTube
comments (Data API v3): recorded bodies replayed under tweepy's session and the production
HttpClient by ``responses`` — paging, the read budget, the Department's own replies, a
conversation that is not the Department's, comments turned off, quota and rate limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from sqlalchemy import select

from rumordesk.collectors.runner import Runner
from rumordesk.collectors.x import BEARER_ENV
from rumordesk.collectors.youtube_comments import API_KEY_ENV
from rumordesk.store.posts import list_posts
from rumordesk.store.schema import posts
from rumordesk.store.sources import load_cursor, source_health
from tests.collectors.replies_helpers import recorded
from tests.helpers.settings import make_settings

NOW = datetime.now(UTC)
X_API = "https://api.twitter.com/2"
DEPARTMENT_X = "2244994945"
ROOT = "1859000000000000001"
YT_API = "https://www.googleapis.com/youtube/v3"
CHANNEL = "UC" + "a" * 22
KEY = "AIzaSy-test-key-never-in-a-url"


@pytest.fixture(autouse=True)
def secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BEARER_ENV, "AAAA-test-bearer")
    monkeypatch.setenv(API_KEY_ENV, KEY)


def query(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


def x_sources(**extra) -> list[dict]:
    return [
        {"name": "scpd-x", "kind": "x_timeline", "accounts": ["@SantaClaraPD"], "enabled": False},
        {"name": "x-replies", "kind": "x_replies", "department_accounts": ["@SantaClaraPD"],
         **extra},
    ]  # fmt: skip


def serve_x_department() -> None:
    responses.get(
        f"{X_API}/users/by",
        json={
            "data": [{"id": DEPARTMENT_X, "name": "Santa Clara Police", "username": "SantaClaraPD"}]
        },
    )
    responses.get(
        f"{X_API}/users/{DEPARTMENT_X}/tweets",
        json=recorded("x_department_timeline.json", now=NOW),
    )


@responses.activate
def test_replies_are_searched_by_the_departments_conversations_within_the_budget(db):
    serve_x_department()
    search = f"{X_API}/tweets/search/recent"
    responses.get(search, json=recorded("x_conversation_1.json", now=NOW))
    responses.get(search, json=recorded("x_conversation_2.json", now=NOW))

    run = Runner(make_settings(x_sources()), db).run_once()[0]

    assert run.status == "ok", run
    timeline = query(responses.calls[1])
    assert timeline["exclude"] == ["retweets,replies"] and "start_time" in timeline
    first, second = (query(c) for c in responses.calls[2:4])
    assert first["query"] == [f"conversation_id:{ROOT} -is:retweet"]
    assert "in_reply_to_user_id" in first["tweet.fields"][0]
    assert "conversation_id" in first["tweet.fields"][0]
    assert second["next_token"] == ["b26v89c19zqg8o3fosbui1wuyzrlnp2cf7lxqbv4n7ewt"]

    stored = {p["source_id"]: p for p in list_posts(db) if p["source"] == "x-replies"}
    # 105 is the Department's own reply; 099 is another conversation: neither is kept
    assert set(stored) == {"1859000000000000107", "1859000000000000103"}
    reply = stored["1859000000000000107"]
    assert reply["author"] == "@samk_sc" and reply["views"] == 2210 and reply["likes"] == 17
    with db.read() as connection:
        threads = set(
            connection.scalars(select(posts.c.in_reply_to).where(posts.c.source == "x-replies"))
        )
    assert threads == {ROOT}

    cursor = load_cursor(db, "x-replies")
    assert cursor["reads"]["spent"] == 1 + 2 + 2  # the root, two pages of two
    assert cursor["roots"][ROOT]["since"] == "1859000000000000107"
    assert cursor["timelines"]["santaclarapd"] == ROOT

    # the next run asks the timeline for newer posts and each conversation for newer replies
    responses.reset()
    responses.get(f"{X_API}/users/{DEPARTMENT_X}/tweets", json={"meta": {"result_count": 0}})
    responses.get(search, json={"meta": {"result_count": 0}})
    Runner(make_settings(x_sources()), db).run_once()
    assert query(responses.calls[0])["since_id"] == [ROOT]
    assert query(responses.calls[1])["since_id"] == ["1859000000000000107"]


@responses.activate
def test_the_read_budget_bounds_the_replies_search(db):
    serve_x_department()
    responses.get(f"{X_API}/tweets/search/recent", json=recorded("x_conversation_1.json", now=NOW))
    Runner(make_settings(x_sources(max_reads_per_run=12)), db).run_once()
    # 1 read for the root leaves 11: one page of 11 asked, 2 came; 9 left is below 10
    assert [query(c).get("max_results") for c in responses.calls[2:]] == [["11"]]
    assert load_cursor(db, "x-replies")["reads"]["spent"] == 3
    assert "since" not in load_cursor(db, "x-replies")["roots"][ROOT]  # resumed next run


@responses.activate
def test_a_429_from_the_search_becomes_rate_limited_until_the_reset(db):
    serve_x_department()
    reset = int((datetime.now(UTC) + timedelta(minutes=14)).timestamp())
    responses.get(
        f"{X_API}/tweets/search/recent",
        json=recorded("x_too_many_requests.json"),
        status=429,
        headers={"x-rate-limit-limit": "450", "x-rate-limit-remaining": "0",
                 "x-rate-limit-reset": str(reset)},
    )  # fmt: skip
    run = Runner(make_settings(x_sources()), db).run_once()[0]
    assert run.status == "rate_limited"
    [health] = source_health(db, ["x-replies"])
    assert abs(health.next_poll_at.timestamp() - reset) <= 2
    assert load_cursor(db, "x-replies")["roots"][ROOT]  # the roots read are kept


def yt_sources(**extra) -> list[dict]:
    return [
        {"name": "scpd-youtube", "kind": "youtube", "official": True, "channel_id": CHANNEL,
         "enabled": False},
        {"name": "yt-comments", "kind": "youtube_comments", "department_channel_id": CHANNEL,
         **extra},
    ]  # fmt: skip


@responses.activate
def test_youtube_comments_are_read_with_the_key_in_a_header_and_paged(db):
    responses.get(f"{YT_API}/playlistItems", json=recorded("youtube_uploads.json", now=NOW))
    responses.get(f"{YT_API}/commentThreads", json=recorded("youtube_threads_1.json", now=NOW))
    responses.get(f"{YT_API}/commentThreads", json=recorded("youtube_threads_2.json", now=NOW))

    run = Runner(make_settings(yt_sources()), db).run_once()[0]

    assert (run.status, run.new) == ("ok", 3), run
    assert all(c.request.headers["X-Goog-Api-Key"] == KEY for c in responses.calls)
    assert not any(KEY in c.request.url for c in responses.calls)
    uploads, first, second = (query(c) for c in responses.calls)
    assert uploads["playlistId"] == ["UU" + "a" * 22]
    # the old video (published 50 days before) is outside the window: never asked about
    assert first["videoId"] == ["dQw4w9WgXcQ"] and first["order"] == ["time"]
    assert second["pageToken"] == ["QURTSl9pMXFzZ2ZfQ3JDRVZLc2FfR0tCa3Vfc0hJc2V0"]
    stored = {p["source_id"]: p for p in list_posts(db) if p["source"] == "yt-comments"}
    # the Department's own reply (UgzThread0001.9xReply0001) is not kept
    assert set(stored) == {"UgzThread0001", "UgzThread0002", "UgzThread0003"}
    bomb = stored["UgzThread0001"]
    assert bomb["text"] == "my friend said there was a bomb at Levi's Stadium, is that why?"
    assert bomb["author"] == "@curious_viewer" and bomb["likes"] == 7
    with db.read() as connection:
        threads = set(
            connection.scalars(select(posts.c.in_reply_to).where(posts.c.source == "yt-comments"))
        )
    assert threads == {"yt:video:dQw4w9WgXcQ"}  # the youtube feed source's id of the video


@responses.activate
def test_youtube_comments_turned_off_are_skipped_and_the_quota_waits_a_day(db):
    responses.get(f"{YT_API}/playlistItems", json=recorded("youtube_uploads.json", now=NOW))
    responses.get(
        f"{YT_API}/commentThreads", json=recorded("youtube_comments_disabled.json"), status=403
    )
    assert Runner(make_settings(yt_sources()), db).run_once()[0].status == "ok"

    responses.reset()
    responses.get(f"{YT_API}/playlistItems", json=recorded("youtube_quota.json"), status=403)
    run = Runner(make_settings(yt_sources()), db).run_once()[0]
    assert run.status == "rate_limited" and "daily quota" in (run.error or "")
    [health] = source_health(db, ["yt-comments"])
    assert timedelta(0) < health.next_poll_at - datetime.now(UTC) <= timedelta(hours=25)


def test_youtube_comments_without_a_key_say_which_variable(db, monkeypatch):
    monkeypatch.delenv(API_KEY_ENV)
    run = Runner(make_settings(yt_sources()), db).run_once()[0]
    assert run.status == "misconfigured" and API_KEY_ENV in (run.error or "")
