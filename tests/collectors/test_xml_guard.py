"""Hostile XML through the production path: refused fast, in bounded memory, nothing leaked.

Each payload is served over loopback next to a good feed and collected by the real
:class:`Runner`; the hostile source must end ``rejected`` with nothing stored and its cursor
untouched, and the good source must still be collected in the same run.
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import feedparser
import pytest
from requests.structures import CaseInsensitiveDict

from rumordesk.collectors.errors import BodyIncomplete, FeedRejected, FeedUnreadable
from rumordesk.collectors.feeds import parse_feed
from rumordesk.collectors.http import Fetched
from rumordesk.collectors.runner import Runner, SourceRun
from rumordesk.collectors.xml_guard import ensure_complete_xml, ensure_safe_xml
from rumordesk.store.db import Database
from rumordesk.store.posts import PostFilter, count_posts, list_posts
from rumordesk.store.sources import load_cursor, source_health
from tests.helpers.server import FeedServer
from tests.helpers.settings import feed_source, make_settings, rss

ITEM = "<item><guid isPermaLink='false'>h1</guid><title>{title}</title></item>"


def feed_with_doctype(doctype: str, title: str, *, declaration: str = "") -> str:
    head = declaration or "<?xml version='1.0' encoding='utf-8'?>"
    return (
        f"{head}\n{doctype}\n<rss version='2.0'><channel><title>Hostile</title>"
        f"{ITEM.format(title=title)}</channel></rss>"
    )


def billion_laughs(levels: int = 10) -> str:
    entities = ["<!ENTITY lol0 'lol'>"] + [
        f"<!ENTITY lol{n} '{f'&lol{n - 1};' * 10}'>" for n in range(1, levels)
    ]
    return feed_with_doctype(f"<!DOCTYPE rss [{''.join(entities)}]>", f"&lol{levels - 1};")


def quadratic_blowup(size: int = 200_000, references: int = 20_000) -> str:
    doctype = f"<!DOCTYPE rss [<!ENTITY big '{'A' * size}'>]>"
    return feed_with_doctype(doctype, "&big;" * references)


def collect_with_a_good_neighbour(
    feed_server: FeedServer,
    db: Database,
    hostile: bytes | str,
    *,
    content_type: str = "application/rss+xml; charset=utf-8",
) -> dict[str, SourceRun]:
    good = feed_server.serve("/good.xml", rss(("g1", "Parade route announced")))
    bad = feed_server.serve("/hostile.xml", hostile, headers={"Content-Type": content_type})
    settings = make_settings([feed_source("good", good), feed_source("hostile", bad)])
    return {run.name: run for run in Runner(settings, db).run_once()}


#: The two refusals :func:`ensure_safe_xml` gives, with the name it read when it could.
DECLARES = "the feed declares an XML entity ({name!r}); refused as a possible entity-expansion"
DECLARES_EXTERNAL = "the feed declares an external entity ({name!r}); refused"
MALFORMED = "the malformed feed declares XML entities; refused"


def assert_refused_and_isolated(db: Database, runs: dict[str, SourceRun], reason: str) -> None:
    """The hostile source is ``rejected`` for ``reason`` and left no trace; its neighbour is
    collected in the same run."""
    hostile = runs["hostile"]
    assert hostile.status == "rejected", hostile
    assert hostile.error.startswith("http://127.0.0.1:"), hostile.error  # names the feed
    assert reason in hostile.error, hostile.error
    assert hostile.new == 0
    assert count_posts(db, source="hostile") == 0
    assert load_cursor(db, "hostile") == {}
    health = {h.name: h for h in source_health(db)}
    assert health["hostile"].status == "rejected"
    assert health["hostile"].last_error == hostile.error
    assert runs["good"].status == "ok" and runs["good"].new == 1
    assert count_posts(db, source="good") == 1


def database_bytes(db: Database) -> bytes:
    """The SQLite file and its WAL: everything the store has written."""
    path = Path(db.url.database)
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


# -- entity expansion ----------------------------------------------------------------------


EXPANSIONS = [
    pytest.param(billion_laughs(), DECLARES.format(name="lol0"), id="billion-laughs"),
    pytest.param(quadratic_blowup(), DECLARES.format(name="big"), id="quadratic"),
]


@pytest.mark.parametrize(("payload", "reason"), EXPANSIONS)
def test_entity_expansion_is_refused_fast(feed_server, db, payload, reason):
    started = time.monotonic()
    runs = collect_with_a_good_neighbour(feed_server, db, payload)
    elapsed = time.monotonic() - started

    assert_refused_and_isolated(db, runs, reason)
    assert elapsed < 2.0


@pytest.mark.parametrize(("payload", "reason"), EXPANSIONS)
def test_entity_expansion_is_refused_in_bounded_memory(feed_server, db, payload, reason):
    tracemalloc.start()
    try:
        runs = collect_with_a_good_neighbour(feed_server, db, payload)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert_refused_and_isolated(db, runs, reason)
    assert peak < 50 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_a_malformed_document_that_declares_an_entity_is_refused(feed_server, db):
    """Broken before the declaration, so no strict parser ever reaches it."""
    broken = feed_with_doctype(
        "<!-- a -- broken comment --><!DOCTYPE rss [<!ENTITY a 'aaaa'>]>", "&a;&a;"
    ).removesuffix("</channel></rss>")
    runs = collect_with_a_good_neighbour(feed_server, db, broken)

    assert_refused_and_isolated(db, runs, MALFORMED)


def test_a_lowercase_declaration_in_a_malformed_document_is_refused(feed_server, db):
    broken = "<rss version='2.0'><!doctype rss [<!entity a 'aaaa'>]><channel><item><title>&a;"
    runs = collect_with_a_good_neighbour(feed_server, db, broken)

    assert_refused_and_isolated(db, runs, MALFORMED)


def _in_ebcdic(text: str) -> bytes:
    return text.replace("encoding='utf-8'", "encoding='cp037'").encode("cp037")


def _as_unicode_escape(text: str) -> bytes:
    declaration = "<?xml version='1.0' encoding='unicode_escape'?>"
    body = text.replace("<?xml version='1.0' encoding='utf-8'?>", "")
    return (declaration + body.replace("<!", "\\u003c!")).encode("ascii")


@pytest.mark.parametrize(
    ("payload", "content_type", "reason"),
    [
        pytest.param(
            billion_laughs().encode("utf-16-le"),
            "application/xml",
            MALFORMED,  # no BOM and a declaration saying utf-8: only the raw scan sees it
            id="utf-16-without-bom",
        ),
        pytest.param(
            billion_laughs().replace("utf-8", "utf-16").encode("utf-16"),
            "application/xml",
            DECLARES.format(name="lol0"),
            id="utf-16-with-bom",
        ),
        pytest.param(
            _in_ebcdic(quadratic_blowup(2_000, 100)),
            "application/xml",
            DECLARES.format(name="big"),
            id="ebcdic",
        ),
        pytest.param(
            _as_unicode_escape(quadratic_blowup(2_000, 100)),
            "application/xml",
            DECLARES.format(name="big"),
            id="unicode-escape",
            # decoding with unicode_escape warns about the document's other backslashes
            marks=pytest.mark.filterwarnings("ignore::DeprecationWarning"),
        ),
        pytest.param(
            quadratic_blowup(2_000, 100).replace("<!", "+ADwAIQ-").encode("ascii"),
            "application/xml; charset=utf-7",
            DECLARES.format(name="big"),
            id="utf-7-by-http-charset",
        ),
    ],
)
def test_a_declaration_disguised_by_its_encoding_is_refused(
    feed_server, db, payload, content_type, reason
):
    """feedparser decodes whatever encoding the document or the server names; the guard
    must judge the document feedparser will read, not only its raw bytes."""
    runs = collect_with_a_good_neighbour(feed_server, db, payload, content_type=content_type)

    assert_refused_and_isolated(db, runs, reason)


# -- external entities (XXE) ----------------------------------------------------------------


@pytest.fixture
def secret(tmp_path: Path) -> tuple[Path, str]:
    marker = "RUMORDESK-SECRET-7f3a9c1e"
    path = tmp_path / "secret.txt"
    path.write_text(f"{marker}\n", encoding="utf-8")
    dtd = tmp_path / "secret.dtd"
    dtd.write_text(f"<!ENTITY leak '{marker}'>\n", encoding="utf-8")
    return tmp_path, marker


def _xxe_payloads(folder: Path) -> dict[str, str]:
    secret_uri = (folder / "secret.txt").as_uri()
    dtd_uri = (folder / "secret.dtd").as_uri()
    return {
        "general-entity": feed_with_doctype(
            f"<!DOCTYPE rss [<!ENTITY xxe SYSTEM '{secret_uri}'>]>", "&xxe;"
        ),
        "general-entity-plain-path": feed_with_doctype(
            f"<!DOCTYPE rss [<!ENTITY xxe SYSTEM '{folder / 'secret.txt'}'>]>", "&xxe;"
        ),
        "parameter-entity": feed_with_doctype(
            f"<!DOCTYPE rss [<!ENTITY % ext SYSTEM '{dtd_uri}'> %ext;]>", "&leak;"
        ),
    }


@pytest.mark.parametrize(
    ("kind", "entity"),
    [("general-entity", "xxe"), ("general-entity-plain-path", "xxe"), ("parameter-entity", "ext")],
)
def test_external_entities_are_refused_and_nothing_leaks(
    feed_server, db, secret, caplog, kind, entity
):
    folder, marker = secret
    caplog.set_level("DEBUG")
    runs = collect_with_a_good_neighbour(feed_server, db, _xxe_payloads(folder)[kind])

    assert_refused_and_isolated(db, runs, DECLARES_EXTERNAL.format(name=entity))
    assert marker not in runs["hostile"].error
    assert marker not in caplog.text
    assert marker.encode() not in database_bytes(db)


@pytest.mark.parametrize("doctype", ["SYSTEM '{dtd}'", "PUBLIC '-//Evil//DTD Leak//EN' '{dtd}'"])
def test_an_external_dtd_is_never_loaded(feed_server, db, secret, caplog, doctype):
    """A DOCTYPE that only names an external DTD declares nothing itself (old RSS 0.91 feeds
    name Netscape's), so it is collected, but the DTD must never be read: ``&leak;``
    stays undefined (kept as those characters) and the marker it would expand to appears
    nowhere."""
    folder, marker = secret
    caplog.set_level("DEBUG")
    dtd = (folder / "secret.dtd").as_uri()
    payload = feed_with_doctype(f"<!DOCTYPE rss {doctype.format(dtd=dtd)}>", "Title &leak;")

    runs = collect_with_a_good_neighbour(feed_server, db, payload)

    assert (runs["hostile"].status, runs["hostile"].new, runs["hostile"].error) == ("ok", 1, None)
    assert [p["text"] for p in list_posts(db, PostFilter(source="hostile"))] == ["Title &leak;"]
    assert (runs["good"].status, runs["good"].new) == ("ok", 1)
    assert marker not in caplog.text
    assert marker.encode() not in database_bytes(db)


def test_an_external_entity_pointing_at_a_url_is_never_fetched(feed_server, db):
    """XXE as server-side request forgery: the guard must refuse before any parser fetches."""
    target = feed_server.serve("/internal-admin", "INTERNAL-ONLY")
    payload = feed_with_doctype(f"<!DOCTYPE rss [<!ENTITY xxe SYSTEM '{target}'>]>", "&xxe;")

    runs = collect_with_a_good_neighbour(feed_server, db, payload)

    assert_refused_and_isolated(db, runs, DECLARES_EXTERNAL.format(name="xxe"))
    assert feed_server.hits("/internal-admin") == []
    assert b"INTERNAL-ONLY" not in database_bytes(db)


# -- the guard itself --------------------------------------------------------------------------


NETSCAPE_DOCTYPE = (
    '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
    '"http://my.netscape.com/publish/formats/rss-0.91.dtd">'
)
ABOUT_DTDS = "<![CDATA[How to write <!ENTITY x 'y'> in a DTD]]>"


def parse(body: bytes) -> feedparser.FeedParserDict:
    """The production parse of a fetched body: the guard, then feedparser."""
    headers = CaseInsensitiveDict({"Content-Type": "application/rss+xml"})
    return parse_feed(Fetched("https://example.org/feed", 200, body, headers))


@pytest.mark.parametrize(
    ("body", "titles", "malformed"),
    [
        pytest.param(rss(("a", "Plain feed")).encode(), ["Plain feed"], False, id="plain"),
        pytest.param(
            rss(("n", "Old feed")).replace("<rss", NETSCAPE_DOCTYPE + "<rss").encode(),
            ["Old feed"],
            False,
            id="doctype-naming-an-external-dtd",
        ),
        pytest.param(
            rss(("c", ABOUT_DTDS)).encode(),
            ["How to write <!ENTITY x 'y'> in a DTD"],
            False,
            id="declaration-as-text-in-cdata",
        ),
        pytest.param(
            rss(("c", ABOUT_DTDS)).replace("utf-8", "utf-16").encode("utf-16"),
            ["How to write <!ENTITY x 'y'> in a DTD"],
            False,
            id="declaration-as-text-in-utf-16",
        ),
        pytest.param(
            "<?xml version='1.0' encoding='utf-16'?><rss version='2.0'/>".encode("utf-16"),
            [],
            False,
            id="utf-16-without-items",
        ),
        pytest.param(
            b"<rss version='2.0'><channel><item><title>Fish & chips</title></item></channel></rss>",
            ["Fish & chips"],  # a bare ampersand: malformed, and feedparser recovers it
            True,
            id="malformed-without-declarations",
        ),
    ],
)
def test_documents_without_declarations_pass_the_guard_and_are_parsed(body, titles, malformed):
    assert ensure_safe_xml(body, origin="https://example.org/feed") is None
    parsed = parse(body)
    assert parsed.version == "rss20"
    assert [entry.get("title") for entry in parsed.entries] == titles
    assert bool(parsed.bozo) is malformed


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"<rss version='2.0'><channel><item><title>Unclosed", id="mid-title"),
        pytest.param(
            rss(("a", "Shooting at Valley Fair"), ("b", "Second")).encode()[:-30],
            id="after-an-item",
        ),
        pytest.param(
            rss(("a", "Sp\u00e4t")).replace("utf-8", "utf-16").encode("utf-16")[:-40],
            id="utf-16",
        ),
    ],
)
def test_a_document_cut_off_before_its_root_closes_is_refused_whole(body):
    """feedparser would recover the first items of a cut-off feed and they would be stored
    as the whole feed (a partial entry under an id made up from its partial text)."""
    assert ensure_safe_xml(body, origin="https://example.org/feed") is None  # not hostile
    with pytest.raises(BodyIncomplete, match="element is closed: cut off"):
        ensure_complete_xml(body, origin="https://example.org/feed")
    with pytest.raises(BodyIncomplete, match="https://example.org/feed: "):
        parse(body)


def test_a_self_closed_or_commented_root_is_complete():
    for body in (
        b"<?xml version='1.0'?><!-- a <note> --><rss version='2.0'/>",
        rss(("a", "Fine")).encode() + b"<!-- trailing </channel> -->\n",
    ):
        assert ensure_complete_xml(body, origin="https://example.org/feed") is None


def test_an_empty_body_passes_the_guard_and_is_unreadable_not_hostile():
    assert ensure_safe_xml(b"", origin="https://example.org/feed") is None
    with pytest.raises(FeedUnreadable, match="not a readable RSS/Atom feed"):
        parse(b"")


def test_the_refusal_names_the_feed_and_the_reason():
    with pytest.raises(FeedRejected) as caught:
        ensure_safe_xml(billion_laughs().encode(), origin="https://example.org/feed")
    assert str(caught.value).startswith("https://example.org/feed: ")
    assert DECLARES.format(name="lol0") in str(caught.value)
    assert caught.value.status == "rejected"
