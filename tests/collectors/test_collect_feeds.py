"""Feed collection end to end: a real HTTP server, the production runner, a real SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rumordesk.collectors.runner import Runner
from rumordesk.store.posts import PostFilter, count_posts, list_posts
from rumordesk.store.sources import source_health
from tests.helpers.settings import feed_source, make_settings, rss


def test_collects_a_feed_and_is_idempotent(feed_server, db):
    url = feed_server.serve("/news.xml", rss(("a", "Road closed on El Camino"), ("b", "Tips")))
    runner = Runner(make_settings([feed_source("news", url, official=True)]), db)

    first = runner.run_once()
    second = runner.run_once()

    assert [(r.status, r.new) for r in first] == [("ok", 2)]
    assert [(r.status, r.new, r.updated) for r in second] == [("ok", 0, 0)]
    assert count_posts(db) == 2
    stored = list_posts(db, PostFilter(source="news"))
    assert {p["text"] for p in stored} == {"Road closed on El Camino", "Tips"}
    assert all(p["is_official"] for p in stored)


def test_one_bad_source_does_not_stop_the_others(feed_server, db):
    good = feed_server.serve("/good.xml", rss(("g1", "All clear at Levi's Stadium")))
    broken = feed_server.serve("/broken.xml", status=500)
    hostile = feed_server.serve(
        "/bomb.xml",
        "<?xml version='1.0'?><!DOCTYPE r [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;'>]>"
        "<rss version='2.0'><channel><item><title>&b;</title></item></channel></rss>",
    )
    settings = make_settings(
        [feed_source("good", good), feed_source("broken", broken), feed_source("hostile", hostile)]
    )
    runs = {run.name: run for run in Runner(settings, db).run_once()}

    assert runs["good"].status == "ok" and runs["good"].new == 1
    assert runs["broken"].status == "error" and "HTTP 500" in runs["broken"].error
    assert runs["hostile"].status == "rejected" and "entity" in runs["hostile"].error
    health = {h.name: h for h in source_health(db)}
    assert health["broken"].consecutive_failures == 1
    assert health["good"].last_success_at is not None
    assert count_posts(db) == 1


#: One instant, 2026-11-23 19:00 UTC (14:00 in New York, where these tests put the Department).
INSTANT = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)


def test_atom_times_without_an_offset_are_the_departments(feed_server, db):
    written = {
        "naive": "2026-11-23T14:00:00",
        "offset": "2026-11-23T11:00:00-08:00",
        "zulu": "2026-11-23T19:00:00Z",
        "fraction": "2026-11-23T19:00:00.000+00:00",
    }
    entries = "".join(
        f"<entry><id>{name}</id><title>Post {name}</title><published>{at}</published>"
        f"<updated>2026-01-01T00:00:00Z</updated></entry>"
        for name, at in written.items()
    )
    url = feed_server.serve(
        "/atom.xml",
        "<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>t</title><id>urn:t</id><updated>2026-11-23T19:00:00Z</updated>{entries}</feed>",
    )
    settings = make_settings(
        [feed_source("atom", url)], department={"timezone": "America/New_York"}
    )

    assert Runner(settings, db).run_once()[0].new == 4

    times = {p["source_id"]: p["created_at"] for p in list_posts(db)}
    assert times == dict.fromkeys(written, INSTANT)


@pytest.mark.parametrize(
    "published",
    [
        "Mon, 23 Nov 2026 19:00:00 GMT",
        "Mon, 23 Nov 2026 14:00:00 -0500",
        "Mon, 23 Nov 2026 11:00:00 PST",
        "2026-11-23T14:00:00",
    ],
)
def test_rss_dates_land_on_the_same_instant(feed_server, db, published):
    body = rss(("a", "Road closed on El Camino")).replace(
        "Mon, 23 Nov 2026 19:00:00 GMT", published
    )
    url = feed_server.serve("/rss.xml", body)
    settings = make_settings([feed_source("rss", url)], department={"timezone": "America/New_York"})

    Runner(settings, db).run_once()

    [post] = list_posts(db)
    assert post["created_at"] == INSTANT


def test_an_entry_without_a_readable_time_has_none(feed_server, db):
    body = rss(("a", "Road closed on El Camino")).replace(
        "Mon, 23 Nov 2026 19:00:00 GMT", "sometime last week"
    )
    url = feed_server.serve("/rss.xml", body)

    Runner(make_settings([feed_source("rss", url)]), db).run_once()

    [post] = list_posts(db)
    assert post["created_at"] is None
