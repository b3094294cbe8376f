"""Real third-party feeds through the production path: loopback HTTP, Runner, SQLite.

The bytes are read at test time from ``../shared/fixtures/feeds`` (see its README) and
served with the headers the README lists for them. What is asserted is what the rest of
Rumor Desk relies on: plain text, absolute http(s) links, stable ids, metrics as numbers,
and a clear, recorded error (never a crash) for whatever cannot be read.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from rumordesk.base.config import AppSettings
from rumordesk.collectors.errors import BodyIncomplete, FeedRejected, FeedUnreadable
from rumordesk.collectors.feeds import parse_feed
from rumordesk.collectors.http import HttpClient
from rumordesk.collectors.runner import Runner, SourceRun
from rumordesk.store import open_database
from rumordesk.store.db import Database
from rumordesk.store.posts import PostFilter, count_posts, list_posts, metric_history
from rumordesk.store.sources import source_health
from tests.helpers.paths import SHARED
from tests.helpers.server import FeedServer
from tests.helpers.settings import feed_source, make_settings, rss

FEEDPARSER_DIR = SHARED / "fixtures" / "feeds" / "feedparser"
ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"

#: Anything of markup, script or entity left in a post's text.
RAW_TAG = re.compile(r"<\s*/?\s*[A-Za-z!?][^>]*>")
ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[A-Za-z]+);")
SCRIPTY = ("<script", "javascript:", "alert(", "executeme", "onload", "onclick", "onmouseover")


def pseudo_headers(raw: bytes) -> dict[str, str]:
    """The ``Header:`` lines of an upstream feedparser fixture, as HTTP headers."""
    text = raw.decode("latin-1")
    headers = {}
    for name, value in re.findall(r"^Header:\s+([^:]+):(.*)$", text, re.MULTILINE):
        name = "Content-Type" if name.strip().lower() == "content-type" else name.strip()
        headers[name] = value.strip()
    headers.setdefault("Content-Type", "application/xml")
    return headers


def serve_file(feed_server: FeedServer, feeds_dir: Path, relative: str, **headers: str) -> str:
    raw = (feeds_dir / relative).read_bytes()
    return feed_server.serve("/" + relative, raw, headers={**pseudo_headers(raw), **headers})


def collect(settings: AppSettings, db: Database) -> dict[str, SourceRun]:
    return {run.name: run for run in Runner(settings, db).run_once()}


def stored(db: Database, source: str) -> list[dict[str, Any]]:
    return list_posts(db, PostFilter(source=source, limit=None))


def assert_plain(post: dict[str, Any]) -> None:
    text = post["text"]
    assert text and text == text.strip()
    assert not RAW_TAG.search(text), text
    assert not ENTITY.search(text), text
    assert not any(bad in text.lower() for bad in SCRIPTY), text
    assert "\x00" not in text and "\xa0" not in text
    assert post["url"] is None or re.match(r"https?://[^/\s]+", post["url"]), post["url"]


# -- YouTube ------------------------------------------------------------------------------------


def youtube_expectations(raw: bytes) -> dict[str, dict[str, Any]]:
    """What the channel feed says, read independently with ElementTree."""
    expected = {}
    for entry in ET.fromstring(raw).iter(f"{ATOM}entry"):
        group = entry.find(f"{MEDIA}group")
        expected[entry.findtext(f"{ATOM}id")] = {
            "title": entry.findtext(f"{ATOM}title"),
            "url": entry.find(f"{ATOM}link").get("href"),
            "published": datetime.fromisoformat(entry.findtext(f"{ATOM}published")),
            "views": int(group.find(f".//{MEDIA}statistics").get("views")),
            "likes": int(group.find(f".//{MEDIA}starRating").get("count")),
        }
    return expected


def youtube_settings(feed_server: FeedServer, **extra: Any) -> AppSettings:
    source = {
        "name": "scpd-youtube",
        "kind": "youtube",
        "channel_id": "UC9PBzalIcEQCsiIkq36PyUA",
        "feed_url_template": feed_server.url("/feeds/videos.xml") + "?channel_id={channel_id}",
        **extra,
    }
    return make_settings([source])


def test_youtube_channel_feed(feed_server, db, feeds_dir):
    raw = (feeds_dir / "real" / "youtube_channel.xml").read_bytes()
    feed_server.serve("/feeds/videos.xml", raw, headers={"Content-Type": "text/xml; charset=UTF-8"})
    expected = youtube_expectations(raw)

    runs = collect(youtube_settings(feed_server, official=True), db)

    assert runs["scpd-youtube"].status == "ok" and runs["scpd-youtube"].new == 15
    assert feed_server.hits("/feeds/videos.xml")[0].path.endswith(
        "channel_id=UC9PBzalIcEQCsiIkq36PyUA"
    )
    posts = stored(db, "scpd-youtube")
    assert {p["source_id"] for p in posts} == set(expected) and len(expected) == 15
    for post in posts:
        want = expected[post["source_id"]]
        assert post["source_id"].startswith("yt:video:")
        assert type(post["views"]) is int and post["views"] == want["views"]
        assert type(post["likes"]) is int and post["likes"] == want["likes"]
        assert post["replies"] is None and post["shares"] is None
        assert post["url"] == want["url"]
        assert post["created_at"] == want["published"]
        assert post["text"].startswith(want["title"])
        assert post["is_official"] is True
        assert post["channel"] == "youtube"
        assert post["author"] == "Digital Foundry"
        assert_plain(post)


def test_youtube_source_is_not_official_unless_configured(feed_server, db, feeds_dir):
    raw = (feeds_dir / "real" / "youtube_channel.xml").read_bytes()
    feed_server.serve("/feeds/videos.xml", raw)

    collect(youtube_settings(feed_server), db)

    assert not any(p["is_official"] for p in stored(db, "scpd-youtube"))


def test_youtube_engagement_is_updated_and_kept_as_history(feed_server, db, feeds_dir):
    raw = (feeds_dir / "real" / "youtube_channel.xml").read_bytes()
    assert b'views="23088"' in raw
    feed_server.serve("/feeds/videos.xml", raw)
    settings = youtube_settings(feed_server)
    collect(settings, db)

    feed_server.serve("/feeds/videos.xml", raw.replace(b'views="23088"', b'views="24000"'))
    runs = collect(settings, db)

    assert (runs["scpd-youtube"].new, runs["scpd-youtube"].updated) == (0, 1)
    post = next(p for p in stored(db, "scpd-youtube") if p["source_id"] == "yt:video:W_S7iKZZdHw")
    assert post["views"] == 24000
    assert [s["views"] for s in metric_history(db, post["id"])] == [23088, 24000]


# -- Reddit -------------------------------------------------------------------------------------


def reddit_expectations(raw: bytes) -> dict[str, dict[str, Any]]:
    expected = {}
    for entry in ET.fromstring(raw).iter(f"{ATOM}entry"):
        expected[entry.findtext(f"{ATOM}id")] = {
            "author": entry.find(f"{ATOM}author").findtext(f"{ATOM}name"),
            "url": entry.find(f"{ATOM}link").get("href"),
            "published": datetime.fromisoformat(entry.findtext(f"{ATOM}published")),
            "title": entry.findtext(f"{ATOM}title"),
        }
    return expected


def test_reddit_subreddit_feed(feed_server, db, feeds_dir):
    raw = (feeds_dir / "real" / "reddit_subreddit.xml").read_bytes()
    assert b"SC_OFF" in raw and b"&amp;#32;" in raw
    url = feed_server.serve(
        "/r/thinkpad/top/.rss",
        raw,
        headers={"Content-Type": "application/atom+xml; charset=UTF-8"},
    )
    expected = reddit_expectations(raw)

    runs = collect(make_settings([feed_source("reddit", url, channel="reddit")]), db)

    assert runs["reddit"].status == "ok" and runs["reddit"].new == 5
    posts = stored(db, "reddit")
    assert {p["source_id"] for p in posts} == set(expected), (
        "ids are the feed's own, e.g. t3_shueto"
    )
    for post in posts:
        want = expected[post["source_id"]]
        assert post["author"] == want["author"] and want["author"].startswith("/u/")
        assert post["url"] == want["url"]
        assert post["created_at"] == want["published"]
        assert f"submitted by {want['author']}" in post["text"]
        assert "SC_OFF" not in post["text"] and "SC_ON" not in post["text"]
        assert "&#32;" not in post["text"] and "&amp;" not in post["text"]
        assert post["channel"] == "reddit" and post["is_official"] is False
        assert_plain(post)
    titled = next(p for p in posts if p["source_id"] == "t3_sfef2f")
    assert titled["text"].startswith(expected["t3_sfef2f"]["title"] + "\n\n")


def test_reddit_ids_do_not_depend_on_the_feed_url(feed_server, db, feeds_dir):
    """Entry ids like ``t3_shueto`` are relative references; resolving them against the
    feed URL would store every post again whenever that URL changes."""
    raw = (feeds_dir / "real" / "reddit_subreddit.xml").read_bytes()
    top = feed_server.serve("/r/thinkpad/top/.rss", raw)
    new = feed_server.serve("/r/thinkpad/new/.rss", raw)

    collect(make_settings([feed_source("reddit", top, channel="reddit")]), db)
    runs = collect(make_settings([feed_source("reddit", new, channel="reddit")]), db)

    assert (runs["reddit"].new, runs["reddit"].updated) == (0, 0)
    assert count_posts(db, source="reddit") == 5


# -- Google News --------------------------------------------------------------------------------


def words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def test_google_news_search_feed(feed_server, db, feeds_dir):
    raw = (feeds_dir / "real" / "google_news_search.xml").read_bytes()
    items = ET.fromstring(raw).iter("item")
    expected = {item.findtext("guid"): item.findtext("title") for item in items}
    assert len(expected) == 92
    feed_server.serve(
        "/rss/search", raw, headers={"Content-Type": "application/xml; charset=utf-8"}
    )
    source = {
        "name": "google-news",
        "kind": "feed_search",
        "channel": "google_news",
        "url_template": feed_server.url("/rss/search") + "?q={query}&hl=en-US&gl=US&ceid=US:en",
        "queries": ['"Bears Ears" monument'],
        "purpose": "Coverage of a named place, to test the Google News search feed shape.",
    }
    settings = make_settings([source])

    runs = collect(settings, db)

    assert runs["google-news"].status == "ok" and runs["google-news"].new == 92
    assert "q=%22Bears+Ears%22+monument&hl=en-US" in feed_server.hits("/rss/search")[0].path
    posts = stored(db, "google-news")
    assert len({p["source_id"] for p in posts}) == 92
    assert max(len(guid) for guid in expected) > 500, "some guids are longer than the column"
    by_guid = {}
    for post in posts:
        assert len(post["source_id"]) <= 500
        [guid] = [
            g for g in expected if g == post["source_id"] or g.startswith(post["source_id"][:400])
        ]
        by_guid[guid] = post
    assert set(by_guid) == set(expected)
    for guid, post in by_guid.items():
        assert_plain(post)
        assert post["url"].startswith("https://news.google.com/rss/articles/")
        assert post["channel"] == "google_news"
        assert post["created_at"] is not None
        assert words(post["text"]).count(words(expected[guid])) == 1, post["text"]

    again = collect(settings, db)
    assert (again["google-news"].new, again["google-news"].updated) == (0, 0)


def test_long_ids_that_share_a_prefix_stay_separate_posts(feed_server, db):
    prefix = "CBMi" + "x" * 600
    url = feed_server.serve(
        "/long-ids.xml", rss((prefix + "A", "First story"), (prefix + "B", "Second"))
    )

    runs = collect(make_settings([feed_source("long", url)]), db)

    assert runs["long"].new == 2
    ids = [p["source_id"] for p in stored(db, "long")]
    assert len(set(ids)) == 2 and all(len(i) <= 500 and i.startswith("CBMi") for i in ids)
    assert (collect(make_settings([feed_source("long", url)]), db)["long"].new) == 0


# -- every feedparser fixture -------------------------------------------------------------------

#: What each fixture that is not collected must fail with; every other one must collect.
EXPECTED_FAILURES = {
    # Only a comment: no element at all.
    "illformed/rss_empty_document.xml": (FeedUnreadable, "error", "not a readable RSS/Atom feed"),
    # Ends inside its first item: a feed cut off on its way is refused whole (issue 14), not
    # recovered as a shorter feed whose partial entry would be stored under an invented id.
    "illformed/rss_incomplete_cdata.xml": (BodyIncomplete, "error", "cut off"),
    # Entity declarations are refused outright (collectors/xml_guard.py), even benign ones.
    "wellformed/rss/entity_in_doctype.xml": (FeedRejected, "rejected", "entity"),
    "wellformed/rdf/doctype_contains_entity_decl.xml": (FeedRejected, "rejected", "entity"),
}


def feedparser_fixtures() -> list[Any]:
    if not FEEDPARSER_DIR.is_dir():
        return [pytest.param(None, id="fixtures-missing")]
    return [
        pytest.param(
            str(path.relative_to(FEEDPARSER_DIR)), id=str(path.relative_to(FEEDPARSER_DIR))
        )
        for path in sorted(FEEDPARSER_DIR.rglob("*.xml"))
    ]


@pytest.fixture(scope="module")
def sweep_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """One store for the sweep (each fixture is its own source), to keep 81 runs quick."""
    database = open_database(f"sqlite:///{tmp_path_factory.mktemp('sweep') / 'sweep.db'}")
    yield database
    database.dispose()


def test_there_are_feedparser_fixtures(feeds_dir):
    assert len(list((feeds_dir / "feedparser").rglob("*.xml"))) == 81


@pytest.mark.parametrize("relative", feedparser_fixtures())
def test_every_feedparser_fixture_collects_or_fails_clearly(
    feed_server, sweep_db, feeds_dir, caplog, relative
):
    if relative is None:
        pytest.fail("the feedparser fixtures are listed from ../shared at collection time")
    url = serve_file(feed_server, feeds_dir / "feedparser", relative)
    name = "fp-" + re.sub(r"[^a-z0-9]+", "-", relative.lower())[:55]
    caplog.set_level("WARNING")

    run = collect(make_settings([feed_source(name, url)]), sweep_db)[name]

    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")], caplog.text
    assert "Traceback" not in caplog.text
    error, status, reason = EXPECTED_FAILURES.get(relative, (None, "ok", None))
    assert run.status == status, run
    posts = stored(sweep_db, name)
    if status == "ok":
        assert run.error is None
        assert len(posts) == run.new
        for post in posts:
            assert_plain(post)
            assert post["source_id"]
    else:
        assert reason in run.error and url in run.error
        assert "unexpected" not in run.error
        assert posts == []
        assert {h.name: h for h in source_health(sweep_db)}[name].last_error == run.error
        with pytest.raises(error):
            fetch_and_parse(url)


# -- encodings ----------------------------------------------------------------------------------


def fetch_and_parse(url: str):
    return parse_feed(HttpClient(make_settings([]).collect).get(url))


@pytest.mark.parametrize(
    ("relative", "encoding"),
    [
        ("utf-16be-bom.xml", "utf-16be"),
        ("utf-16le.xml", "utf-16le"),
        ("utf-16le-autodetect.xml", "utf-16le"),
        ("utf-32le-bom.xml", "utf-32le"),
        ("utf-8-bom.xml", "utf-8"),
    ],
)
def test_unicode_encodings_are_detected(feed_server, feeds_dir, caplog, relative, encoding):
    url = serve_file(feed_server, feeds_dir / "feedparser", "encoding/" + relative)
    parsed = fetch_and_parse(url)
    assert parsed.encoding == encoding
    assert not parsed.bozo and parsed.version == "rss"
    assert "malformed" not in caplog.text


@pytest.mark.parametrize("relative", ["utf-16be-bom.xml", "utf-32le-bom.xml", "utf-8-bom.xml"])
def test_a_byte_order_mark_outranks_a_wrong_charset_header(feed_server, feeds_dir, relative):
    url = serve_file(
        feed_server,
        feeds_dir / "feedparser",
        "encoding/" + relative,
        **{"Content-Type": "application/rss+xml; charset=iso-8859-1"},
    )
    parsed = fetch_and_parse(url)
    assert not parsed.bozo and parsed.version == "rss"


TEXT = "Iñtërnâtiônàlizætiøn — 서울 ’quote’ 🚓"


@pytest.mark.parametrize("codec", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32"])
@pytest.mark.parametrize(
    "content_type",
    ["application/xml", "text/xml", "application/rss+xml; charset=utf-8"],
)
def test_posts_in_unicode_encodings_keep_their_text(feed_server, db, caplog, codec, content_type):
    """With a byte-order mark, under an honest, a missing and a wrong charset alike."""
    declared = codec.removesuffix("-sig").removesuffix("-be")
    document = rss(("u1", TEXT)).replace("encoding='utf-8'", f"encoding='{declared}'")
    body = document.encode(codec)
    if codec == "utf-16-be":
        body = b"\xfe\xff" + body
    url = feed_server.serve("/unicode.xml", body, headers={"Content-Type": content_type})

    runs = collect(make_settings([feed_source("uni", url)]), db)

    assert runs["uni"].status == "ok", runs["uni"]
    assert [p["text"] for p in stored(db, "uni")] == [TEXT]
    assert "malformed" not in caplog.text


@pytest.mark.parametrize("content_type", ["text/xml", "application/xml", "application/rss+xml"])
def test_a_utf8_feed_without_a_charset_is_not_called_malformed(
    feed_server, db, caplog, content_type
):
    """nginx serves ``.xml`` as ``text/xml`` with no charset; RFC 7303 says the document's
    own declaration then decides (the us-ascii default of RFC 3023 is obsolete)."""
    url = feed_server.serve(
        "/plain.xml", rss(("p1", TEXT)).encode(), headers={"Content-Type": content_type}
    )
    caplog.set_level("WARNING")

    runs = collect(make_settings([feed_source("plain", url)]), db)

    assert runs["plain"].status == "ok"
    assert [p["text"] for p in stored(db, "plain")] == [TEXT]
    assert caplog.text == ""


def test_euc_kr_feed_title(feed_server, feeds_dir):
    url = serve_file(feed_server, feeds_dir / "feedparser", "encoding/euc-kr.xml")
    parsed = fetch_and_parse(url)
    assert parsed.feed.title == "\ub144"
    assert parsed.encoding == "euc-kr" and not parsed.bozo


def test_euc_kr_posts(feed_server, db):
    headline = "산타클라라 도로 폐쇄"
    document = rss(("k1", headline)).replace("encoding='utf-8'", "encoding='euc-kr'")
    url = feed_server.serve(
        "/euc-kr.xml", document.encode("euc-kr"), headers={"Content-Type": "application/xml"}
    )

    collect(make_settings([feed_source("korean", url)]), db)

    assert [p["text"] for p in stored(db, "korean")] == [headline]


def test_windows_1252_by_http_charset(feed_server, db, feeds_dir):
    relative = "encoding/http_text_xml_charset_overrides_encoding_2.xml"
    url = serve_file(feed_server, feeds_dir / "feedparser", relative)
    assert feed_server.routes["/" + relative].headers["Content-Type"] == (
        "text/xml; charset=windows-1252"
    )

    runs = collect(make_settings([feed_source("cp1252", url)]), db)

    assert runs["cp1252"].status == "ok"
    assert [p["text"] for p in stored(db, "cp1252")] == ["Foo\n\nThis is a \xa3\u201ctest.\u201d"]


def test_windows_1252_smart_quote_in_a_utf8_document(feed_server, db, feeds_dir):
    url = serve_file(feed_server, feeds_dir / "feedparser", "encoding/demoronize-1.xml")
    collect(make_settings([feed_source("demoronize", url)]), db)
    assert [p["text"] for p in stored(db, "demoronize")] == ["don\u2019t"]


@pytest.mark.parametrize("charset", ["undefined", "punycode"])
def test_a_charset_whose_codec_fails_is_a_clear_error(feed_server, db, charset):
    url = feed_server.serve(
        "/bad-charset.xml",
        rss(("c", "Hello")),
        headers={"Content-Type": f"application/rss+xml; charset={charset}"},
    )
    runs = collect(make_settings([feed_source("charset", url)]), db)
    assert runs["charset"].status == "error"
    assert "cannot be decoded" in runs["charset"].error


# -- sanitising ---------------------------------------------------------------------------------

#: Each sanitising fixture and the texts stored from it: the visible words, never a script.
#: An entry whose only content is markup (an image, an empty CDATA) has no text and is
#: not stored; a feed with no entries (only a hostile feed title) stores nothing.
SANITIZE = {
    "entry_content_iframe.xml": ["safe"],
    "entry_content_onload.xml": [],
    "entry_content_script_base64.xml": ["safe description"],
    "entry_content_script_cdata.xml": ["safe description"],
    "entry_content_style.xml": ["never trust your upstream platypus"],
    "feed_title_unacceptable_uri.xml": [],
    "item_content_encoded_script_nested_cdata.xml": [],
    "item_description_crazy.xml": [
        "Did The Javascript Execute?\n\nI will execute here, too, if you mouse over me"
    ],
    "item_description_object.xml": ["safe description"],
    "item_description_onclick.xml": [],
    "item_description_script.xml": ["safe description"],
}


@pytest.mark.parametrize(("relative", "texts"), SANITIZE.items())
def test_sanitize_fixtures_leave_no_script_in_the_text(feed_server, db, feeds_dir, relative, texts):
    url = serve_file(feed_server, feeds_dir / "feedparser", "wellformed/sanitize/" + relative)

    runs = collect(make_settings([feed_source("sanitize", url)]), db)

    assert (runs["sanitize"].status, runs["sanitize"].new) == ("ok", len(texts))
    posts = stored(db, "sanitize")
    assert [p["text"] for p in posts] == texts
    for post in posts:
        assert_plain(post)
        assert "function" not in post["text"] and "document." not in post["text"]
        assert "location.href" not in post["text"]


@pytest.mark.parametrize(
    "relative",
    [
        "entry_content_script_base64.xml",
        "entry_content_script_cdata.xml",
        "item_description_script.xml",
        "item_description_object.xml",
    ],
)
def test_sanitize_fixtures_keep_the_safe_words(feed_server, db, feeds_dir, relative):
    url = serve_file(feed_server, feeds_dir / "feedparser", "wellformed/sanitize/" + relative)
    collect(make_settings([feed_source("sanitize", url)]), db)
    assert [p["text"] for p in stored(db, "sanitize")] == ["safe description"]


def test_a_large_real_non_ascii_feed_parses_quickly(feed_server, db, feeds_dir):
    relative = "wellformed/sanitize/large_atom_feed_that_needs_css_sanitisation.xml"
    url = serve_file(feed_server, feeds_dir / "feedparser", relative)

    started = time.monotonic()
    runs = collect(make_settings([feed_source("touchnokia", url)]), db)

    assert time.monotonic() - started < 3
    assert runs["touchnokia"].status == "ok" and runs["touchnokia"].new == 15
    posts = stored(db, "touchnokia")
    assert all(re.search("[а-яА-Я]", p["text"]) for p in posts)
    assert all(p["url"].startswith("http://touchnokia.ru/") for p in posts)
    for post in posts:
        assert_plain(post)


# -- relative links -----------------------------------------------------------------------------


def with_title(raw: bytes, after: bytes, title: bytes = b"<title>Has words</title>") -> bytes:
    """A link-only fixture item given words, so that it becomes a post."""
    assert after in raw
    return raw.replace(after, after + title, 1)


def test_relative_link_resolves_against_the_fetched_url_not_content_location(
    feed_server, db, feeds_dir
):
    """RFC 7231 stopped using Content-Location as a base URI; a server naming another
    site there must not make our links point at it."""
    relative = "wellformed/base/http_item_link_base_content_location.xml"
    raw = with_title((feeds_dir / "feedparser" / relative).read_bytes(), b"<item>")
    headers = pseudo_headers(raw)
    assert headers["Content-Location"] == "http://example.com/"
    url = feed_server.serve("/site/feed.xml", raw, headers=headers)

    collect(make_settings([feed_source("relative", url)]), db)

    assert [p["url"] for p in stored(db, "relative")] == [feed_server.url("/relative/uri")]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param(
            "<feed xmlns='http://www.w3.org/2005/Atom' xml:base='http://example.com/test/'>"
            "<entry><id>e1</id><title>T</title><link href='page.html'/></entry></feed>",
            "http://example.com/test/page.html",
            id="atom-xml-base-inherited",
        ),
        pytest.param(
            "<feed xmlns='http://www.w3.org/2005/Atom' xml:base='http://example.com/'>"
            "<entry xml:base='test/'><id>e1</id><title>T</title><link href='page.html'/>"
            "</entry></feed>",
            "http://example.com/test/page.html",
            id="xml-base-relative-to-parent",
        ),
        pytest.param(
            "<feed xmlns='http://www.w3.org/2005/Atom' xml:base='/news/'>"
            "<entry><id>e1</id><title>T</title><link href='page.html'/></entry></feed>",
            "{server}/news/page.html",
            id="relative-xml-base-against-fetched-url",
        ),
        pytest.param(
            "<feed xmlns='http://www.w3.org/2005/Atom' xml:base='http://example.com/'>"
            "<entry xml:base=\"javascript:alert('unsafe')\"><id>e1</id><title>T</title>"
            "<link href='page.html'/></entry></feed>",
            "http://example.com/page.html",
            id="unsafe-xml-base-ignored",
        ),
        pytest.param(
            "<rss version='2.0' xml:base='http://any.test/'><channel><item><title>T</title>"
            "<link>\u00c0</link></item></channel></rss>",
            "http://any.test/\u00c0",
            id="non-ascii",
        ),
        pytest.param(
            "<rss version='2.0'><channel><item><title>T</title><link>/item/7</link></item>"
            "</channel></rss>",
            "{server}/item/7",
            id="rss-root-relative",
        ),
        pytest.param(
            "<rss version='2.0'><channel><item><title>T</title><guid>g</guid>"
            "<link>javascript:alert(1)</link></item></channel></rss>",
            None,
            id="javascript-link-dropped",
        ),
        pytest.param(
            "<rss version='2.0'><channel><item><title>T</title><guid>g</guid>"
            "<link>data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;</link></item>"
            "</channel></rss>",
            None,
            id="data-link-dropped",
        ),
    ],
)
def test_entry_links_become_absolute_http_or_nothing(feed_server, db, document, expected):
    url = feed_server.serve(
        "/feeds/site.xml", document.encode(), headers={"Content-Type": "application/xml"}
    )

    runs = collect(make_settings([feed_source("links", url)]), db)

    assert runs["links"].status == "ok"
    wanted = expected.format(server=feed_server.base) if expected else None
    assert [p["url"] for p in stored(db, "links")] == [wanted]


# -- damaged and wrong bodies -------------------------------------------------------------------


@pytest.mark.parametrize("relative", ["illformed/rss_item_link_corrupted_ampersands.xml"])
def test_recoverable_damage_is_a_warning_not_an_error(feed_server, db, feeds_dir, caplog, relative):
    url = serve_file(feed_server, feeds_dir / "feedparser", relative)
    caplog.set_level("WARNING", logger="rumordesk.collectors.feeds")

    runs = collect(make_settings([feed_source("damaged", url)]), db)
    parsed = fetch_and_parse(url)

    assert runs["damaged"].status == "ok" and runs["damaged"].error is None
    assert len(parsed.entries) == 1
    assert any(
        r.levelname == "WARNING" and "malformed feed, 1 entries recovered" in r.getMessage()
        for r in caplog.records
    ), caplog.text


def test_recovered_entries_are_stored(feed_server, db, feeds_dir, caplog):
    relative = "illformed/rss_item_link_corrupted_ampersands.xml"
    raw = with_title((feeds_dir / "feedparser" / relative).read_bytes(), b"<item>")
    url = feed_server.serve("/damaged.xml", raw, headers={"Content-Type": "application/xml"})

    runs = collect(make_settings([feed_source("damaged", url)]), db)

    assert runs["damaged"].status == "ok" and runs["damaged"].new == 1
    [post] = stored(db, "damaged")
    assert post["text"] == "Has words"
    assert post["url"] == "http://link/get?a=1&b=2"
    assert "malformed feed" in caplog.text


def test_an_empty_feed_with_a_broken_end_is_no_error(feed_server, db, feeds_dir, caplog):
    """``<rss version="2.0"></rss`` is a feed with nothing in it yet, not a failure."""
    url = serve_file(feed_server, feeds_dir / "feedparser", "illformed/aaa_illformed.xml")
    caplog.set_level("WARNING")

    runs = collect(make_settings([feed_source("empty", url)]), db)

    assert runs["empty"].status == "ok" and runs["empty"].new == 0
    assert "malformed feed, 0 entries recovered" in caplog.text


def test_a_well_formed_empty_feed_is_quietly_fine(feed_server, db, caplog):
    url = feed_server.serve("/quiet.xml", rss())
    caplog.set_level("WARNING")
    runs = collect(make_settings([feed_source("quiet", url)]), db)
    assert runs["quiet"].status == "ok" and runs["quiet"].new == 0
    assert caplog.text == ""


NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad "
    b"Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)
LOGIN_PAGE = (
    b"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Sign in</title>"
    b"<script>var a = 1 < 2;</script></head><body><p>Please sign in<br>to continue</body></html>"
)
XHTML_PAGE = (
    b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'><head><title>Down"
    b"</title></head><body><p>Down for maintenance</p></body></html>"
)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(NGINX_502, "text/html", id="nginx-error-page-as-html"),
        pytest.param(NGINX_502, "application/rss+xml; charset=utf-8", id="nginx-error-page-as-rss"),
        pytest.param(LOGIN_PAGE, "text/html; charset=utf-8", id="html5-login-page"),
        pytest.param(XHTML_PAGE, "application/rss+xml", id="well-formed-xhtml-page"),
        pytest.param(XHTML_PAGE, "text/html", id="well-formed-xhtml-as-html"),
        pytest.param(b"", "application/rss+xml", id="empty-body"),
        pytest.param(b'{"error": "not found"}', "application/json", id="json"),
    ],
)
def test_a_page_that_is_not_a_feed_is_feed_unreadable(feed_server, db, caplog, body, content_type):
    url = feed_server.serve("/not-a-feed", body, headers={"Content-Type": content_type})
    good = feed_server.serve("/good.xml", rss(("g", "Still collected")))

    runs = collect(make_settings([feed_source("page", url), feed_source("good", good)]), db)

    assert runs["page"].status == "error"
    assert "not a readable RSS/Atom feed" in runs["page"].error
    assert count_posts(db, source="page") == 0
    assert "Traceback" not in caplog.text
    assert runs["good"].status == "ok" and runs["good"].new == 1
