"""Feed collection end to end: a real HTTP server, the production runner, a real SQLite file."""

from __future__ import annotations

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
