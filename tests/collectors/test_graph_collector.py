"""Facebook Page and Instagram via the Graph API: documented-shape bodies, real HttpClient.

``responses`` intercepts the HttpClient's requests session, so paging, the token header,
the body cap and the error mapping run as in production; only the host is simulated.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from sqlalchemy import func, select

from rumordesk.collectors.graph import FACEBOOK_TOKEN_ENV, INSTAGRAM_TOKEN_ENV
from rumordesk.collectors.runner import Runner
from rumordesk.store.posts import list_posts
from rumordesk.store.schema import metric_snapshots
from rumordesk.store.sources import source_health
from tests.helpers.settings import make_settings

TOKEN = "EAAB-page-token-for-tests-only"
PAGE = "104958162837"
IG = "17841400008460056"
POSTS = f"https://graph.facebook.com/v24.0/{PAGE}/posts"
MEDIA = f"https://graph.facebook.com/v24.0/{IG}/media"


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FACEBOOK_TOKEN_ENV, TOKEN)
    monkeypatch.delenv(INSTAGRAM_TOKEN_ENV, raising=False)


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%S+0000")


def fb_post(
    number: int, *, reactions: int, comments: int, shares: int | None, views: int, created: str
) -> dict:
    post = {
        "id": f"{PAGE}_{number}",
        "message": f"Department update {number}: there is no threat at Levi's Stadium.",
        "created_time": created,
        "permalink_url": f"https://www.facebook.com/{PAGE}/posts/{number}",
        "status_type": "mobile_status_update",
        "reactions": {"data": [], "summary": {"total_count": reactions, "viewer_reaction": "NONE"}},
        "comments": {
            "data": [],
            "summary": {"order": "ranked", "total_count": comments, "can_comment": True},
        },
        "insights": {
            "data": [
                {
                    "name": "post_media_view",
                    "period": "lifetime",
                    "values": [{"value": views}],
                    "title": "Views",
                    "id": f"{PAGE}_{number}/insights/post_media_view/lifetime",
                }
            ],
            "paging": {"previous": "https://graph.facebook.com/…", "next": "https://graph…"},
        },
    }
    if shares is not None:
        post["shares"] = {"count": shares}
    return post


def page(*items: dict, next_url: str | None = None) -> dict:
    body: dict = {
        "data": list(items),
        "paging": {"cursors": {"before": "QVFIUb", "after": "QVFIUa"}},
    }
    if next_url:
        body["paging"]["next"] = next_url
    return body


def graph_error(
    code: int, message: str, *, subcode: int | None = None, kind: str = "OAuthException"
) -> dict:
    error = {"message": message, "type": kind, "code": code, "fbtrace_id": "AbCdEf"}
    if subcode:
        error["error_subcode"] = subcode
    return {"error": error}


def facebook(**extra) -> dict:
    return {"name": "scpd-facebook", "kind": "facebook_page", "page_id": PAGE, **extra}


def instagram(**extra) -> dict:
    return {"name": "scpd-instagram", "kind": "instagram", "ig_user_id": IG, **extra}


def query(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


@responses.activate
def test_page_posts_are_paged_with_the_token_in_the_header_only(db):
    next_url = f"{POSTS}?access_token={TOKEN}&fields=id%2Cmessage&limit=25&after=QVFIUa"
    responses.get(
        POSTS,
        json=page(
            fb_post(1, reactions=52, comments=7, shares=4, views=2310, created=ago(hours=3)),
            next_url=next_url,
        ),
    )
    responses.get(
        POSTS,
        json=page(
            fb_post(2, reactions=3, comments=0, shares=None, views=140, created=ago(days=2)),
        ),
    )
    run = Runner(make_settings([facebook()]), db).run_once()[0]

    assert (run.status, run.new, run.requests) == ("ok", 2, 2)
    first, second = responses.calls
    assert all(c.request.headers["Authorization"] == f"Bearer {TOKEN}" for c in responses.calls)
    assert all(TOKEN not in c.request.url for c in responses.calls)
    fields = query(first)["fields"][0]
    assert "insights.metric(post_media_view){name,values}" in fields
    assert "reactions.summary(total_count).limit(0)" in fields
    since = int(query(first)["since"][0])
    assert abs(since - (datetime.now(UTC) - timedelta(days=7)).timestamp()) < 60
    assert query(second)["after"] == ["QVFIUa"]

    posts = {p["source_id"]: p for p in list_posts(db)}
    one, two = posts[f"{PAGE}_1"], posts[f"{PAGE}_2"]
    assert (one["likes"], one["replies"], one["shares"], one["views"]) == (52, 7, 4, 2310)
    assert two["shares"] == 0  # Graph leaves `shares` out when nobody shared
    assert one["is_official"] and one["channel"] == "facebook"
    assert one["url"] == f"https://www.facebook.com/{PAGE}/posts/1"
    assert one["text"].startswith("Department update 1")


@responses.activate
def test_each_run_rereads_recent_posts_so_engagement_snapshots_grow(db):
    created = ago(hours=5)
    responses.get(
        POSTS, json=page(fb_post(1, reactions=10, comments=1, shares=0, views=100, created=created))
    )
    responses.get(
        POSTS,
        json=page(fb_post(1, reactions=80, comments=9, shares=5, views=4000, created=created)),
    )
    settings = make_settings([facebook()])
    Runner(settings, db).run_once()
    second = Runner(settings, db).run_once()[0]
    assert (second.new, second.updated) == (0, 1)
    assert list_posts(db)[0]["views"] == 4000
    with db.read() as connection:
        assert connection.scalar(select(func.count()).select_from(metric_snapshots)) == 2


@pytest.mark.parametrize(
    ("status", "error", "expected", "phrase"),
    [
        (
            400,
            graph_error(190, "Error validating access token: Session has expired.", subcode=463),
            "misconfigured",
            "has expired or was revoked",
        ),
        (
            403,
            graph_error(10, "(#10) This endpoint requires the 'pages_read_engagement' permission"),
            "misconfigured",
            "lacks a permission",
        ),
        (400, graph_error(200, "(#200) Permissions error"), "misconfigured", "read_insights"),
        (
            400,
            graph_error(
                2,
                "An unexpected error has occurred. Please retry your request later.",
                kind="OAuthException",
            ),
            "error",
            "temporary",
        ),
        (
            400,
            graph_error(803, "(#803) Some of the aliases you requested do not exist"),
            "error",
            "Graph API error 803",
        ),
    ],
)
@responses.activate
def test_graph_error_bodies_become_clear_health_messages(db, status, error, expected, phrase):
    responses.get(POSTS, status=status, json=error)
    run = Runner(make_settings([facebook()]), db).run_once()[0]
    assert run.status == expected
    health = source_health(db)[0]
    assert phrase in health.last_error and TOKEN not in health.last_error
    if expected == "misconfigured":
        assert error["error"]["message"][:20] in health.last_error


@pytest.mark.parametrize("code", [4, 17, 32, 613])
@responses.activate
def test_rate_limit_codes_schedule_the_next_attempt(db, code):
    usage = {
        PAGE: [
            {
                "type": "pages",
                "call_count": 100,
                "total_cputime": 40,
                "total_time": 60,
                "estimated_time_to_regain_access": 30,
            }
        ]
    }
    responses.get(
        POSTS,
        status=400 if code != 613 else 403,
        json=graph_error(code, f"(#{code}) Application request limit reached"),
        headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
    )
    run = Runner(make_settings([facebook()]), db).run_once()[0]
    assert run.status == "rate_limited"
    wait = source_health(db)[0].next_poll_at - datetime.now(UTC)
    assert timedelta(minutes=29) < wait <= timedelta(minutes=30)


@responses.activate
def test_an_insight_the_api_refuses_is_dropped_and_the_posts_still_stored(db):
    responses.get(
        POSTS,
        status=400,
        json=graph_error(
            100, "(#100) The value must be a valid insights metric", kind="OAuthException"
        ),
    )
    item = fb_post(1, reactions=5, comments=1, shares=1, views=0, created=ago(hours=1))
    del item["insights"]
    responses.get(POSTS, json=page(item))
    run = Runner(make_settings([facebook()]), db).run_once()[0]
    assert (run.status, run.new) == ("ok", 1)
    assert "insights" not in query(responses.calls[1])["fields"][0]
    assert list_posts(db)[0]["views"] is None  # unknown, not zero


@responses.activate
def test_a_paging_link_to_another_host_is_not_followed(db):
    responses.get(
        POSTS,
        json=page(
            fb_post(1, reactions=1, comments=0, shares=0, views=1, created=ago(hours=1)),
            next_url="https://evil.example/v24.0/next?access_token=x",
        ),
    )
    run = Runner(make_settings([facebook()]), db).run_once()[0]
    assert run.status == "error" and "another host" in run.error
    assert run.new == 1 and len(responses.calls) == 1  # the first page is kept


def test_a_missing_token_is_a_misconfiguration(db, monkeypatch):
    monkeypatch.delenv(FACEBOOK_TOKEN_ENV)
    run = Runner(make_settings([facebook()]), db).run_once()[0]
    assert run.status == "misconfigured" and FACEBOOK_TOKEN_ENV in run.error


def ig_media(
    number: int, *, likes: int | None, comments: int, views: int, shares: int, timestamp: str
) -> dict:
    item = {
        "id": f"1790000000000{number}",
        "caption": f"Safety tip {number} #SantaClara",
        "media_type": "VIDEO",
        "media_product_type": "REELS",
        "permalink": f"https://www.instagram.com/reel/C{number}abc/",
        "timestamp": timestamp,
        "comments_count": comments,
        "insights": {
            "data": [
                {
                    "name": "views",
                    "period": "lifetime",
                    "values": [{"value": views}],
                    "title": "Views",
                    "id": f"1790000000000{number}/insights/views/lifetime",
                },
                {
                    "name": "shares",
                    "period": "lifetime",
                    "values": [{"value": shares}],
                    "title": "Shares",
                    "id": f"1790000000000{number}/insights/shares/lifetime",
                },
            ]
        },
    }
    if likes is not None:
        item["like_count"] = likes
    return item


@responses.activate
def test_instagram_media_with_likes_comments_and_insights(db):
    older_page = f"{MEDIA}?access_token={TOKEN}&limit=25&after=QVFIUa"
    responses.get(
        MEDIA,
        json=page(
            ig_media(1, likes=120, comments=8, views=5400, shares=12, timestamp=ago(hours=2)),
            ig_media(2, likes=None, comments=0, views=300, shares=0, timestamp=ago(days=3)),
            next_url=older_page,
        ),
    )
    responses.get(
        MEDIA,
        json=page(
            ig_media(3, likes=4, comments=0, views=10, shares=0, timestamp=ago(days=30)),
            next_url=older_page + "2",
        ),
    )
    run = Runner(make_settings([instagram()]), db).run_once()[0]
    # the second page reached posts older than the window: no third request
    assert (run.status, run.requests) == ("ok", 2)
    assert "insights.metric(views,shares){name,values}" in query(responses.calls[0])["fields"][0]
    posts = {p["source_id"]: p for p in list_posts(db)}
    reel = posts["17900000000001"]
    assert (reel["likes"], reel["replies"], reel["views"], reel["shares"]) == (120, 8, 5400, 12)
    assert reel["channel"] == "instagram" and reel["is_official"]
    assert posts["17900000000002"]["likes"] is None  # like counts hidden: unknown
    # the Instagram token falls back to the Page token
    assert responses.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


#: One instant, 2026-11-23 19:00 UTC, written three ways (the Department is in New York).
SAME_INSTANT = ("2026-11-23T14:00:00", "2026-11-23T19:00:00+0000", "2026-11-23T19:00:00Z")


@responses.activate
@pytest.mark.parametrize("kind", ["facebook_page", "instagram"])
def test_times_without_an_offset_are_the_departments(db, kind):
    if kind == "facebook_page":
        items = [
            fb_post(n, reactions=1, comments=0, shares=0, views=1, created=at)
            for n, at in enumerate(SAME_INSTANT, start=1)
        ]
        responses.get(POSTS, json=page(*items))
        source = facebook()
    else:
        items = [
            ig_media(n, likes=1, comments=0, views=1, shares=0, timestamp=at)
            for n, at in enumerate(SAME_INSTANT, start=1)
        ]
        responses.get(MEDIA, json=page(*items))
        source = instagram()
    settings = make_settings([source], department={"timezone": "America/New_York"})

    assert Runner(settings, db).run_once()[0].new == 3

    times = {p["created_at"] for p in list_posts(db)}
    assert times == {datetime(2026, 11, 23, 19, 0, tzinfo=UTC)}
