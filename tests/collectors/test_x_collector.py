"""X API v2 through tweepy: real recorded bodies replayed under tweepy's own session.

``responses`` intercepts the requests session tweepy sends through, so the production path
runs end to end (tweepy builds the URL and parses the body; our session adds timeouts).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from click.testing import CliRunner
from sqlalchemy import func, select

from rumordesk.base.errors import ConfigError
from rumordesk.collectors.runner import Runner
from rumordesk.collectors.x import BEARER_ENV
from rumordesk.store.posts import list_posts
from rumordesk.store.schema import metric_snapshots
from rumordesk.store.sources import load_cursor, source_health
from tests.helpers.settings import make_settings, write_config

TOKEN = "AAAA-test-bearer-token-never-logged-ZZZZ"
SEARCH = "https://api.twitter.com/2/tweets/search/recent"
USERS_BY = "https://api.twitter.com/2/users/by"
TWEETS = "https://api.twitter.com/2/tweets"


@pytest.fixture
def x_dir(shared_dir: Path) -> Path:
    return shared_dir / "fixtures" / "x"


@pytest.fixture(autouse=True)
def bearer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BEARER_ENV, TOKEN)


def body(path: Path) -> dict:
    return json.loads(path.read_bytes())


def search_source(**extra) -> dict:
    return {
        "name": "x-local",
        "kind": "x_search",
        "purpose": "Find claims of violence in Santa Clara so the PIO can confirm or correct them.",
        "terms": ["shooting", "active shooter"],
        "places": ["Santa Clara", "Levi's Stadium"],
        **extra,
    }


def timeline_source(**extra) -> dict:
    return {"name": "scpd-x", "kind": "x_timeline", "accounts": ["@TwitterDev"], **extra}


def params(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


@responses.activate
def test_search_pages_through_real_bodies_and_moves_since_id_after_the_last(db, x_dir):
    page1 = body(x_dir / "supplementary" / "search_recent_expanded_page1.json")
    page2 = body(x_dir / "supplementary" / "search_recent_expanded_page2.json")
    responses.get(SEARCH, json=page1)
    responses.get(SEARCH, json=page2)
    settings = make_settings([search_source()])

    run = Runner(settings, db).run_once()[0]

    assert (run.status, run.new, run.requests) == ("ok", 20, 2)
    first, second = (params(c) for c in responses.calls)
    query = first["query"][0]
    assert query == (
        '(shooting OR "active shooter") ("Santa Clara" OR "Levi\'s Stadium") -is:retweet lang:en'
    )
    assert "since_id" not in first and "next_token" not in first
    assert second["next_token"] == [page1["meta"]["next_token"]]
    assert first["expansions"] == ["author_id"]
    assert set(first["tweet.fields"][0].split(",")) >= {"public_metrics", "conversation_id"}
    # every request carried a timeout (tweepy itself passes none)
    assert all(c.request.req_kwargs["timeout"] == (2.0, 2.0) for c in responses.calls)

    cursor = load_cursor(db, "x-local")
    assert cursor["queries"][query] == {"since_id": page1["meta"]["newest_id"]}
    assert cursor["reads"]["spent"] == 20

    posts = {p["source_id"]: p for p in list_posts(db)}
    tweet = page1["data"][0]
    stored = posts[tweet["id"]]
    author = next(u for u in page1["includes"]["users"] if u["id"] == tweet["author_id"])
    assert stored["author"] == f"@{author['username']}"
    assert stored["url"] == f"https://x.com/{author['username']}/status/{tweet['id']}"
    assert stored["shares"] == tweet["public_metrics"]["retweet_count"]
    assert stored["likes"] == tweet["public_metrics"]["like_count"]
    assert stored["views"] is None  # no impression_count in the body: unknown, not zero
    assert "&amp;" in tweet["text"] and "&amp;" not in stored["text"] and "&" in stored["text"]
    assert stored["created_at"] == datetime(2020, 11, 27, 15, 25, 39, tzinfo=UTC)
    assert stored["lang"] == "en" and not stored["is_official"]

    # the next run asks only for what is newer
    responses.get(SEARCH, json={"meta": {"result_count": 0}})
    assert Runner(settings, db).run_once()[0].new == 0
    assert params(responses.calls[2])["since_id"] == [page1["meta"]["newest_id"]]


@responses.activate
def test_the_read_budget_stops_a_search_and_the_next_run_resumes_the_same_pages(db, x_dir):
    page = body(x_dir / "search_recent.json")  # tweepy's recording: 10 tweets, next_token
    responses.get(SEARCH, json=page)
    settings = make_settings([search_source(max_reads_per_run=15, page_size=100)])

    run = Runner(settings, db).run_once()[0]
    # 15 left allowed one page of 15 asked; 10 came; 5 left is below the 10 minimum
    assert (run.new, len(responses.calls)) == (10, 1)
    assert params(responses.calls[0])["max_results"] == ["15"]
    query = settings.sources[0].search_queries()[0]
    state = load_cursor(db, "x-local")["queries"][query]
    assert state == {
        "pending": {
            "next_token": page["meta"]["next_token"],
            "newest_id": page["meta"]["newest_id"],
        }
    }

    responses.get(SEARCH, json={"data": [], "meta": {"result_count": 0}})
    Runner(settings, db).run_once()
    resumed = params(responses.calls[1])
    assert resumed["next_token"] == [page["meta"]["next_token"]]
    assert "since_id" not in resumed
    # the last page done: since_id is the newest id of the FIRST page of that pass
    assert load_cursor(db, "x-local")["queries"][query] == {"since_id": page["meta"]["newest_id"]}


@responses.activate
def test_the_daily_cap_is_kept_across_runs_and_shown_by_sources(db, x_dir, tmp_path):
    responses.get(SEARCH, json=body(x_dir / "search_recent.json"))
    settings = make_settings([search_source(max_reads_per_run=100, max_reads_per_day=20)])
    runner = Runner(settings, db)
    runner.run_once()
    runner.run_once()
    # 10 + 10 = the day's 20: the third run sends nothing at all
    runner.run_once()
    assert len(responses.calls) == 2
    assert load_cursor(db, "x-local")["reads"]["spent"] == 20

    config = write_config(
        tmp_path / "x.toml",
        f"""
[storage]
database_url = "sqlite:///{db.url.database}"
[[sources]]
name = "x-local"
kind = "x_search"
purpose = "Find claims of violence in Santa Clara so the PIO can confirm them."
terms = ["shooting", "active shooter"]
places = ["Santa Clara", "Levi's Stadium"]
max_reads_per_run = 100
max_reads_per_day = 20
""",
    )
    from rumordesk.cli.main import main

    result = CliRunner().invoke(main, ["--config", str(config), "sources"])
    assert result.exit_code == 0, result.output
    assert "20/20 today" in result.output


@responses.activate
def test_timeline_resolves_handles_once_refreshes_metrics_and_snapshots_grow(
    db, x_dir, monkeypatch
):
    now = [datetime(2021, 2, 24, 12, 0, tzinfo=UTC)]
    users = body(x_dir / "users_by_usernames.json")
    timeline = body(x_dir / "supplementary" / "users_tweets_public_metrics.json")
    responses.get(USERS_BY, json=users)
    timeline_url = "https://api.twitter.com/2/users/2244994945/tweets"
    responses.get(timeline_url, json=timeline)
    responses.get(timeline_url, json={"meta": {"result_count": 0}})
    settings = make_settings([timeline_source(refresh_every_seconds=3600)])

    runner = Runner(settings, db, clock=lambda: now[0])
    monkeypatch.setattr("rumordesk.collectors.x.utc_now", lambda: now[0])
    if True:  # noqa: SIM108 - keeps the two phases visibly apart
        first = runner.run_once()[0]
        assert (first.status, first.new) == ("ok", 5)
        assert [urlsplit(c.request.url).path for c in responses.calls] == [
            "/2/users/by",
            "/2/users/2244994945/tweets",
            "/2/users/2244994945/tweets",
        ]
        initial = params(responses.calls[1])
        assert initial["start_time"] == ["2021-02-17T12:00:00Z"]  # backfill_days = 7
        assert params(responses.calls[2])["pagination_token"] == [timeline["meta"]["next_token"]]
        cursor = load_cursor(db, "scpd-x")
        assert cursor["user_ids"] == {"twitterdev": "2244994945"}
        assert cursor["timelines"]["twitterdev"]["since_id"] == timeline["meta"]["newest_id"]
        posts = list_posts(db)
        assert all(p["is_official"] and p["channel"] == "x" for p in posts)

        # two hours later: nothing new on the timeline, metrics of the recent posts re-read
        now[0] += timedelta(hours=2)
        bumped = {
            "data": [
                {**t, "public_metrics": {**t["public_metrics"], "like_count": 1000}}
                for t in timeline["data"]
            ]
        }
        responses.get(timeline_url, json={"meta": {"result_count": 0}})
        responses.get(TWEETS, json=bumped)
        second = runner.run_once()[0]
        assert second.status == "ok" and second.updated == 5
        calls = [urlsplit(c.request.url).path for c in responses.calls[3:]]
        assert calls == ["/2/users/2244994945/tweets", "/2/tweets"]  # no second user lookup
        assert params(responses.calls[3])["since_id"] == [timeline["meta"]["newest_id"]]
        asked = set(params(responses.calls[4])["ids"][0].split(","))
        assert asked == {t["id"] for t in timeline["data"]}
        assert {p["likes"] for p in list_posts(db)} == {1000}
        with db.read() as connection:
            snapshots = connection.scalar(select(func.count()).select_from(metric_snapshots))
        assert snapshots == 10  # one at first sight, one when the likes moved


@responses.activate
def test_a_429_schedules_the_next_attempt_from_the_reset_header(db):
    reset = int(time.time()) + 900
    responses.get(
        SEARCH,
        status=429,
        json={"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
        headers={
            "x-rate-limit-limit": "450",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(reset),
        },
    )
    settings = make_settings([search_source()])
    started = time.monotonic()
    run = Runner(settings, db).run_once()[0]
    assert time.monotonic() - started < 5  # scheduled, not slept on
    assert run.status == "rate_limited"
    health = source_health(db)[0]
    assert health.next_poll_at == datetime.fromtimestamp(reset, UTC)
    # while rate limited, a manual run skips the source instead of calling X again
    skipped = Runner(settings, db).run_once()[0]
    assert skipped.status == "skipped" and len(responses.calls) == 1


@responses.activate
def test_401_marks_the_source_misconfigured_without_the_token_anywhere(db, caplog):
    caplog.set_level(logging.DEBUG)
    responses.get(
        SEARCH,
        status=401,
        json={
            "title": "Unauthorized",
            "type": "about:blank",
            "status": 401,
            "detail": "Unauthorized",
        },
    )
    run = Runner(make_settings([search_source()]), db).run_once()[0]
    assert run.status == "misconfigured"
    assert BEARER_ENV in run.error and "401" in run.error
    health = source_health(db)[0]
    assert TOKEN not in (health.last_error or "")
    assert TOKEN not in caplog.text
    # the request itself did carry it
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_missing_token_is_a_clear_misconfiguration(db, monkeypatch):
    monkeypatch.delenv(BEARER_ENV)
    run = Runner(make_settings([search_source()]), db).run_once()[0]
    assert run.status == "misconfigured" and f"${BEARER_ENV} is not set" in run.error


@responses.activate
def test_503_is_transient_and_keeps_what_was_stored(db, x_dir):
    page = body(x_dir / "search_recent.json")
    responses.get(SEARCH, json=page)
    responses.get(SEARCH, status=503, json={"title": "Service Unavailable"})
    run = Runner(make_settings([search_source()]), db).run_once()[0]
    assert (run.status, run.new) == ("error", 10)
    assert "503" in run.error
    query = make_settings([search_source()]).sources[0].search_queries()[0]
    # the first page is stored with its cursor: the next run resumes at page two
    pending = load_cursor(db, "x-local")["queries"][query]["pending"]
    assert pending["next_token"] == page["meta"]["next_token"]


def test_long_place_lists_are_split_into_queries_that_fit():
    places = [f"Place number {i}" for i in range(40)]
    settings = make_settings([search_source(places=places, langs=["en", "es"])])
    queries = settings.sources[0].search_queries()
    assert len(queries) > 1
    assert all(len(q) <= 512 for q in queries)
    assert all(q.endswith("-is:retweet (lang:en OR lang:es)") for q in queries)
    joined = " ".join(queries)
    assert all(f'"{p}"' in joined for p in places)


@pytest.mark.parametrize(
    ("field", "value", "found"),
    [
        ("queries", ["from:someone shooting"], "from:"),
        ("terms", ["@someone", "shooting"], "@someone"),
        ("queries", ["url:example.org lockdown"], "url:"),
        ("queries", ["list:123 threat"], "list:"),
        ("queries", ["to:SantaClaraPD url:x.com"], "url:"),
        ("queries", ["-from:SantaClaraPD shooting"], "-from:"),
    ],
)
def test_user_targeting_x_queries_are_refused_at_start_up(field, value, found):
    with pytest.raises(ConfigError) as error:
        make_settings([timeline_source(accounts=["SantaClaraPD"]), search_source(**{field: value})])
    assert "targets individuals" in str(error.value) and found in str(error.value)
    assert "x-local" in str(error.value)


def test_the_departments_own_accounts_may_be_named_in_x_searches():
    settings = make_settings(
        [
            timeline_source(accounts=["SantaClaraPD"]),
            search_source(queries=["to:SantaClaraPD shooting", "@SantaClaraPD lockdown"]),
        ]
    )
    queries = settings.sources[1].search_queries()
    assert "to:SantaClaraPD shooting -is:retweet" in queries


@responses.activate
def test_a_query_removed_from_the_configuration_leaves_the_cursor(db, x_dir):
    responses.get(SEARCH, json={"data": [], "meta": {"result_count": 0, "newest_id": "5"}})
    Runner(make_settings([search_source()]), db).run_once()
    old = make_settings([search_source()]).sources[0].search_queries()[0]
    assert set(load_cursor(db, "x-local")["queries"]) == {old}
    changed = make_settings([search_source(terms=["lockdown"])])
    Runner(changed, db).run_once()
    assert set(load_cursor(db, "x-local")["queries"]) == set(changed.sources[0].search_queries())


@responses.activate
def test_403_names_the_access_level_problem(db):
    responses.get(
        SEARCH,
        status=403,
        json={
            "title": "Client Forbidden",
            "detail": "When authenticating requests to the Twitter API v2 endpoints, you must "
            "use keys and tokens from a Twitter developer App that is attached to a Project.",
            "reason": "client-not-enrolled",
            "type": "https://api.twitter.com/2/problems/client-forbidden",
        },
    )
    run = Runner(make_settings([search_source()]), db).run_once()[0]
    assert run.status == "misconfigured"
    assert "403 Forbidden" in run.error and "attached to a Project" in run.error
    assert TOKEN not in run.error


@responses.activate
def test_an_unknown_department_handle_is_a_misconfiguration(db, x_dir):
    responses.get(
        USERS_BY,
        json={
            "errors": [
                {
                    "value": "NoSuchPD",
                    "detail": "Could not find user with usernames: [NoSuchPD].",
                    "title": "Not Found Error",
                }
            ]
        },
    )
    run = Runner(make_settings([timeline_source(accounts=["NoSuchPD"])]), db).run_once()[0]
    assert run.status == "misconfigured" and "X has no account @NoSuchPD" in run.error


def test_the_reads_shown_start_from_zero_each_utc_day():
    from rumordesk.collectors.budget import describe_reads

    cursor = {"reads": {"day": "2026-11-30", "spent": 150, "per_day": 2000, "last_run": 50}}
    assert describe_reads(cursor, today="2026-11-30") == "150/2000 today"
    assert describe_reads(cursor, today="2026-12-01") == "0/2000 today"
    assert describe_reads({}, today="2026-12-01", per_day=300) == "0/300 today"
    assert describe_reads({"validators": {}}, today="2026-12-01") == ""


@responses.activate
def test_tweet_times_without_an_offset_are_the_departments(db):
    # one instant, 2026-11-23 19:00 UTC, written three ways; the Department is in New York
    tweets = [
        ("1", "2026-11-23T14:00:00"),
        ("2", "2026-11-23T11:00:00-08:00"),
        ("3", "2026-11-23T19:00:00.000Z"),
    ]
    responses.get(
        SEARCH,
        json={
            "data": [
                {"id": i, "text": "Shooting at Levi's?", "created_at": at, "author_id": "9"}
                for i, at in tweets
            ],
            "includes": {"users": [{"id": "9", "username": "neighbour", "name": "N"}]},
            "meta": {"newest_id": "3", "oldest_id": "1", "result_count": 3},
        },
    )
    settings = make_settings([search_source()], department={"timezone": "America/New_York"})

    assert Runner(settings, db).run_once()[0].new == 3

    times = {p["source_id"]: p["created_at"] for p in list_posts(db)}
    assert times == dict.fromkeys(("1", "2", "3"), datetime(2026, 11, 23, 19, 0, tzinfo=UTC))
