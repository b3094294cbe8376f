"""Three weeks of Department posts on several channels, stored through the store's own API.

Weeks (America/Los_Angeles): 2026-W42 = Oct 12-18, W43 = Oct 19-25, W44 = Oct 26 - Nov 1
(the week daylight saving ends: Monday 07:00 UTC to Monday 08:00 UTC, 169 hours). Every
post and every metric change goes through ``store.posts.save_batch`` at a given ``now``,
exactly as a collector would store it; the tests compute the expected figures by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert

from rumordesk.base.config import AppSettings
from rumordesk.store.db import Database
from rumordesk.store.posts import save_batch
from rumordesk.store.records import Batch, Metrics, Post, Provenance
from rumordesk.store.schema import rumors
from rumordesk.store.sources import record_failure, record_success, sync_sources
from tests.helpers.settings import make_settings

HOSTILE = ('=HYPERLINK("http://evil.invalid","x")', "+cmd", "@SUM(A1)", "\t=1", "-2+3")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def scenario_sources() -> list[dict[str, Any]]:
    def feed(name: str, channel: str, **extra: Any) -> dict[str, Any]:
        return {
            "name": name,
            "kind": "feed",
            "channel": channel,
            "official": True,
            "url": f"http://127.0.0.1:9/{name}.xml",
            **extra,
        }

    return [
        feed("scpd-x", "x"),
        feed("scpd-facebook", "facebook"),
        feed("scpd-youtube", "youtube"),
        feed("city-news", "website"),
        feed("scpd-nixle", "nixle"),
        feed("scpd-pinterest", "pinterest", enabled=False),
        {
            "name": "reddit-search",
            "kind": "feed",
            "channel": "reddit",
            "url": "http://127.0.0.1:9/reddit.xml",
        },
    ]


def toml_sources() -> str:
    """The same sources as ``[[sources]]`` blocks of a config.toml."""
    blocks = []
    for source in scenario_sources():
        lines = ["[[sources]]"]
        for key, value in source.items():
            shown = str(value).lower() if isinstance(value, bool) else f'"{value}"'
            lines.append(f"{key} = {shown}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def scenario_settings(**sections: Any) -> AppSettings:
    return make_settings(scenario_sources(), **sections)


def post(
    source: str, source_id: str, channel: str, published: datetime, text: str, **m: Any
) -> Post:
    return Post(
        source=source,
        source_id=source_id,
        channel=channel,
        text=text,
        provenance=Provenance.now(f"http://127.0.0.1:9/{source}.xml", "feed"),
        url=f"https://example.org/{source_id}",
        created_at=published,
        is_official=source != "reddit-search",
        metrics=Metrics(**m),
    )


def store(db: Database, at: datetime, *items: Post) -> None:
    """Each item in its own source's batch, as the collector would, at time ``at``."""
    for item in items:
        save_batch(db, item.source, Batch((item,), {}), now=at)


# Published times (UTC). PDT = UTC-7 until Sunday Nov 1 02:00 local, PST = UTC-8 after.
X1 = utc(2026, 10, 14, 17)  # Wed Oct 14, W42
YT1 = utc(2026, 10, 13, 19)  # Tue Oct 13, W42
FB0 = utc(2026, 10, 5, 17)  # W41, first collected only in W43
X2 = utc(2026, 10, 21, 16)  # Wed Oct 21, W43
FB1 = utc(2026, 10, 20, 17)  # Tue Oct 20, W43
FB2 = utc(2026, 10, 23, 17)  # Fri Oct 23, W43
NEWS1 = utc(2026, 10, 21, 18)  # W43, a website feed: no metrics
NEWS2 = utc(2026, 10, 28, 18)  # W44
X3 = utc(2026, 11, 2, 7)  # Sun Nov 1 23:00 PST: still W44 (ends Nov 2 08:00 UTC)
REDDIT = utc(2026, 10, 21, 17)  # a public post: never in the Department's report


def build(db: Database, settings: AppSettings, *, hostile: bool = False) -> None:
    sync_sources(db, settings.sources)
    x1 = lambda **m: post("scpd-x", "x-1", "x", X1, "Road closure on Lafayette St", **m)  # noqa: E731
    yt = lambda **m: post("scpd-youtube", "yt-1", "youtube", YT1, "Chief's update", **m)  # noqa: E731
    fb0 = lambda **m: post("scpd-facebook", "fb-0", "facebook", FB0, "Coffee with a cop", **m)  # noqa: E731
    fb1 = lambda **m: post("scpd-facebook", "fb-1", "facebook", FB1, "Missing person found", **m)  # noqa: E731
    x2_text = HOSTILE[0] if hostile else "Traffic advisory for the game"

    # --- W42 ---
    store(db, utc(2026, 10, 13, 20), yt(views=100, likes=5))
    store(db, utc(2026, 10, 14, 18), x1(likes=10, shares=2, replies=1, quotes=0, views=1000))
    store(db, utc(2026, 10, 18, 12), x1(likes=30, shares=5, replies=3, quotes=1, views=3000))
    # exactly at the W42/W43 boundary: "at or before" the end of W42, the start of W43
    store(db, utc(2026, 10, 19, 7), yt(views=500, likes=20))

    # --- W43 ---
    store(db, utc(2026, 10, 20, 18), fb1(likes=100, shares=20, replies=10))
    store(
        db,
        utc(2026, 10, 21, 17),
        post("scpd-x", "x-2", "x", X2, x2_text, likes=7, shares=1, replies=0, quotes=0, views=500),
        post("reddit-search", "r-1", "reddit", REDDIT, "Public post", likes=999, views=99999),
    )
    store(db, utc(2026, 10, 21, 19), post("city-news", "news-1", "website", NEWS1, "Press release"))
    store(db, utc(2026, 10, 21, 20), fb0(likes=500, shares=40, replies=30))  # first seen mid-week
    store(db, utc(2026, 10, 22, 20), x1(likes=40, shares=6, replies=4, quotes=1, views=4000))
    store(db, utc(2026, 10, 23, 18), fb0(likes=520, shares=40, replies=30))
    store(
        db,
        utc(2026, 10, 23, 18),
        post(
            "scpd-facebook",
            "fb-2",
            "facebook",
            FB2,
            "Bike rodeo Saturday",
            likes=50,
            shares=0,
            replies=2,
        ),
    )
    store(db, utc(2026, 10, 24, 18), fb1(likes=150, shares=30, replies=12))
    store(db, utc(2026, 10, 25, 18), yt(views=2000, likes=50))

    # --- W44 (DST ends Sunday Nov 1) ---
    store(db, utc(2026, 10, 27, 18), fb1(likes=160, shares=30, replies=12))
    store(db, utc(2026, 10, 28, 18), x1(likes=41, shares=6, replies=4, quotes=1, views=4100))
    store(db, utc(2026, 10, 28, 19), post("city-news", "news-2", "website", NEWS2, "Newsletter"))
    store(db, utc(2026, 11, 2, 7, 10), post("scpd-x", "x-3", "x", X3, "Late night notice", likes=3))
    store(db, utc(2026, 11, 2, 7, 30), yt(views=2600, likes=56))  # Sun 23:30 PST, still W44

    # --- W45 ---
    store(db, utc(2026, 11, 2, 8, 30), yt(views=2700, likes=57))

    now = utc(2026, 11, 30, 12)
    for name in ("scpd-x", "scpd-facebook", "scpd-youtube", "city-news"):
        record_success(db, name, new=0, updated=0, requests=1, next_poll_at=now, now=now)
    record_failure(
        db,
        "scpd-nixle",
        status="error",
        error="HTTP 503 from rss.nixle.com",
        new=0,
        updated=0,
        requests=1,
        next_poll_at=now,
        now=utc(2026, 10, 10),
    )


def add_rumour(db: Database, first_seen: datetime, claim: str = "Shots at Great America") -> int:
    """A rumour as the classifier opens one (its creation is the classifier's)."""
    with db.write() as connection:
        return int(
            connection.execute(
                insert(rumors).values(
                    cluster_key=f"claim:{claim}",
                    claim=claim,
                    first_seen_at=first_seen,
                    last_seen_at=first_seen,
                    updated_at=first_seen,
                )
            ).inserted_primary_key[0]
        )
