"""Every kind of source the configuration accepts has a collector, and the reverse; the
collector the registry builds for a source collects it."""

from __future__ import annotations

import typing

from rumordesk.base import source_settings
from rumordesk.collectors.http import HttpClient
from rumordesk.collectors.registry import COLLECTORS, build_collector
from rumordesk.collectors.runner import Runner
from rumordesk.store.posts import PostFilter, list_posts
from tests.helpers.settings import feed_source, make_settings, rss

CHANNEL_ID = "UC9PBzalIcEQCsiIkq36PyUA"

#: A YouTube channel feed as YouTube serves it: views and likes in the media namespace.
VIDEOS = """<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"
      xmlns:yt="http://www.youtube.com/xml/schemas/2015">
  <title>Santa Clara Police</title>
  <entry>
    <id>yt:video:abc123</id>
    <title>Chief's update on the Valley Fair call</title>
    <link rel="alternate" href="https://www.youtube.com/watch?v=abc123"/>
    <published>2026-11-23T19:00:00+00:00</published>
    <media:group>
      <media:title>Chief's update on the Valley Fair call</media:title>
      <media:community>
        <media:starRating count="42" average="5.00" min="1" max="5"/>
        <media:statistics views="1234"/>
      </media:community>
    </media:group>
  </entry>
</feed>"""


def _source_classes() -> list[type]:
    union = typing.get_args(source_settings.SourceSettings)[0]
    return list(typing.get_args(union))


def test_every_configurable_kind_is_registered_and_named_in_errors():
    kinds = {typing.get_args(cls.model_fields["kind"].annotation)[0] for cls in _source_classes()}
    assert len(kinds) >= 11  # the kinds so far: an empty union cannot pass
    assert kinds == set(COLLECTORS)
    assert kinds == set(source_settings.SOURCE_KINDS)  # the "unknown kind" message lists them all


def test_each_collector_class_declares_the_kind_it_is_registered_under():
    assert len(COLLECTORS) >= 11
    assert {kind: cls.kind for kind, cls in COLLECTORS.items()} == {
        kind: kind for kind in COLLECTORS
    }


def test_the_collector_built_for_each_feed_kind_collects_and_stores_its_posts(feed_server, db):
    """The three kinds a loopback server can stand in for, collected by the real runner
    through ``build_collector``: each source's own posts are stored, with what only its
    kind's collector reads (the search's queries, YouTube's views and likes)."""
    news = feed_server.serve("/news.xml", rss(("n1", "Road closed on El Camino")))
    feed_server.serve("/search/valley+fair.xml", rss(("s1", "Crowds at Valley Fair tonight")))
    feed_server.serve("/search/levi%27s.xml", rss(("s2", "Traffic after the game at Levi's")))
    feed_server.serve(
        "/feeds/videos.xml", VIDEOS, headers={"Content-Type": "text/xml; charset=UTF-8"}
    )
    settings = make_settings(
        [
            feed_source("news", news),
            {
                "name": "search",
                "kind": "feed_search",
                "channel": "reddit",
                "url_template": feed_server.url("/search/{query}.xml"),
                "queries": ["valley fair", "levi's"],
                "purpose": "Claims about public safety at named places in Santa Clara.",
            },
            {
                "name": "videos",
                "kind": "youtube",
                "official": True,
                "channel_id": CHANNEL_ID,
                "feed_url_template": feed_server.url("/feeds/videos.xml?channel_id={channel_id}"),
            },
        ]
    )
    http = HttpClient(settings.collect)
    zone = settings.department.tz
    built = {
        source.name: type(build_collector(source, http, zone=zone)) for source in settings.sources
    }
    http.close()
    assert built == {
        "news": COLLECTORS["feed"],
        "search": COLLECTORS["feed_search"],
        "videos": COLLECTORS["youtube"],
    }

    runs = {run.name: (run.status, run.new) for run in Runner(settings, db).run_once()}

    assert runs == {"news": ("ok", 1), "search": ("ok", 2), "videos": ("ok", 1)}
    stored = {
        source.name: list_posts(db, PostFilter(source=source.name)) for source in settings.sources
    }
    assert [(p["source_id"], p["text"], p["channel"]) for p in stored["news"]] == [
        ("n1", "Road closed on El Camino", "website")
    ]
    assert sorted((p["source_id"], p["text"]) for p in stored["search"]) == [
        ("s1", "Crowds at Valley Fair tonight"),
        ("s2", "Traffic after the game at Levi's"),
    ]
    assert len(feed_server.hits("/search/valley+fair.xml")) == 1
    assert len(feed_server.hits("/search/levi%27s.xml")) == 1
    [video] = stored["videos"]
    assert (video["source_id"], video["channel"], video["is_official"]) == (
        "yt:video:abc123",
        "youtube",
        True,
    )
    assert video["text"].startswith("Chief's update on the Valley Fair call")
    assert (video["views"], video["likes"]) == (1234, 42)
    assert feed_server.hits("/feeds/videos.xml")[0].path.endswith(f"channel_id={CHANNEL_ID}")
