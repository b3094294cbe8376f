"""save_batch and the post queries, on a real migrated SQLite file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import StatementError

from rumordesk.store.posts import PostFilter, count_posts, list_posts, metric_history, save_batch
from rumordesk.store.records import Batch, Metrics, Post, Provenance
from rumordesk.store.schema import metric_snapshots, posts, raw_payloads, schema_migrations
from rumordesk.store.sources import load_cursor, sync_sources
from tests.helpers.settings import feed_source, make_settings

T0 = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)


@pytest.fixture
def store(db):
    """The ``db`` fixture with two registered sources, as the runner registers them."""
    sync_sources(
        db,
        make_settings(
            [
                feed_source("news", "http://127.0.0.1:9/news.xml"),
                feed_source("reddit", "http://127.0.0.1:9/r.xml"),
            ]
        ).sources,
    )
    return db


def make_post(
    source_id: str,
    text: str = "Road closed on El Camino",
    *,
    source: str = "news",
    metrics: Metrics | None = None,
    raw: dict[str, Any] | None = None,
    created_at: datetime | None = T0,
    official: bool = False,
    retrieved_at: datetime = T0,
    fetched_from: str = "http://127.0.0.1:9/news.xml",
    collector: str = "feed/0.1.0",
) -> Post:
    return Post(
        source=source,
        source_id=source_id,
        channel="website",
        text=text,
        provenance=Provenance(retrieved_at, fetched_from, collector),
        url=f"https://example.org/{source_id}",
        author="City of Santa Clara",
        created_at=created_at,
        is_official=official,
        metrics=metrics or Metrics(),
        raw=raw if raw is not None else {"id": source_id, "title": text},
    )


def batch(*items: Post, cursor: dict[str, Any] | None = None) -> Batch:
    return Batch(tuple(items), cursor or {})


def rows(db, table, **where: Any) -> list[dict[str, Any]]:
    query = select(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    with db.read() as connection:
        return [dict(row) for row in connection.execute(query.order_by(table.c.id)).mappings()]


def post_row(db, source_id: str, source: str = "news") -> dict[str, Any]:
    [row] = rows(db, posts, source=source, source_id=source_id)
    return row


# --- idempotency -----------------------------------------------------------------------


def test_same_batch_twice_stores_each_post_once(store):
    items = [make_post(f"id-{n}", f"Post number {n}", metrics=Metrics(likes=n)) for n in range(3)]

    first = save_batch(store, "news", batch(*items), now=T0)
    before = rows(store, posts)
    second = save_batch(store, "news", batch(*items), now=T0 + timedelta(minutes=5))

    assert (first.new, first.updated, first.unchanged) == (3, 0, 0)
    assert len(first.changed_ids) == 3
    assert (second.new, second.updated, second.unchanged) == (0, 0, 3)
    assert second.changed_ids == []
    assert rows(store, posts) == before  # not even updated_at moved
    assert len(rows(store, raw_payloads)) == 3
    # one snapshot per post with known metrics (likes=0 is known: zero is not unknown)
    assert len(rows(store, metric_snapshots)) == 3


def test_a_large_batch_is_idempotent_across_lookup_chunks(store):
    items = [make_post(f"big-{n}", f"Item {n}") for n in range(1234)]

    first = save_batch(store, "news", batch(*items), now=T0)
    second = save_batch(store, "news", batch(*items), now=T0)

    assert (first.new, second.new, second.unchanged) == (1234, 0, 1234)
    assert count_posts(store) == 1234


def test_counts_mix_new_updated_and_unchanged(store):
    save_batch(
        store, "news", batch(make_post("a"), make_post("b", metrics=Metrics(likes=1))), now=T0
    )

    result = save_batch(
        store,
        "news",
        batch(
            make_post("a"),  # unchanged
            make_post("b", metrics=Metrics(likes=2)),  # metrics moved
            make_post("c"),  # new
        ),
        now=T0 + timedelta(minutes=1),
    )

    assert (result.new, result.updated, result.unchanged) == (1, 1, 1)
    # a metrics-only change needs no rescoring: only the new post is reported
    assert result.changed_ids == [post_row(store, "c")["id"]]


# --- edits -----------------------------------------------------------------------------


def test_edited_text_updates_in_place(store):
    save_batch(store, "news", batch(make_post("a", "Shots fired near Valley Fair")), now=T0)
    original = post_row(store, "a")
    assert original["edited_at"] is None
    later = T0 + timedelta(hours=1)

    result = save_batch(
        store,
        "news",
        batch(make_post("a", "UPDATE: no shots fired near Valley Fair; it was fireworks")),
        now=later,
    )

    edited = post_row(store, "a")
    assert (result.new, result.updated, result.unchanged) == (0, 1, 0)
    assert result.changed_ids == [original["id"]]
    assert edited["id"] == original["id"]
    assert edited["text"] == "UPDATE: no shots fired near Valley Fair; it was fireworks"
    assert edited["edited_at"] == later and edited["updated_at"] == later
    assert edited["first_seen_at"] == original["first_seen_at"] == T0
    assert count_posts(store) == 1


# --- metrics ---------------------------------------------------------------------------


def test_metric_change_updates_current_values_and_adds_a_snapshot(store):
    save_batch(store, "news", batch(make_post("v", metrics=Metrics(likes=5, views=100))), now=T0)
    post_id = post_row(store, "v")["id"]
    later = T0 + timedelta(minutes=10)

    result = save_batch(
        store, "news", batch(make_post("v", metrics=Metrics(likes=9, views=250))), now=later
    )

    row = post_row(store, "v")
    assert (result.updated, result.unchanged) == (1, 0)
    assert (row["likes"], row["views"], row["metrics_at"]) == (9, 250, later)
    assert row["edited_at"] is None  # engagement moving is not an edit
    history = metric_history(store, post_id)
    assert [(h["captured_at"], h["likes"], h["views"]) for h in history] == [
        (T0, 5, 100),
        (later, 9, 250),
    ]


def test_unchanged_metrics_add_no_snapshot(store):
    item = make_post("v", metrics=Metrics(likes=5, views=100))
    save_batch(store, "news", batch(item), now=T0)
    save_batch(store, "news", batch(item), now=T0 + timedelta(minutes=5))
    save_batch(store, "news", batch(item), now=T0 + timedelta(minutes=10))

    assert len(metric_history(store, post_row(store, "v")["id"])) == 1
    assert post_row(store, "v")["metrics_at"] == T0


def test_unknown_metric_does_not_erase_a_known_value(store):
    save_batch(store, "news", batch(make_post("v", metrics=Metrics(likes=5, views=100))), now=T0)

    # The platform stops reporting likes: nothing changed as far as we know.
    quiet = save_batch(
        store,
        "news",
        batch(make_post("v", metrics=Metrics(views=100))),
        now=T0 + timedelta(minutes=5),
    )
    # Views move while likes are still unknown: likes keep their last known value.
    moved = save_batch(
        store,
        "news",
        batch(make_post("v", metrics=Metrics(views=300))),
        now=T0 + timedelta(minutes=10),
    )

    row = post_row(store, "v")
    assert (quiet.unchanged, moved.updated) == (1, 1)
    assert (row["likes"], row["views"]) == (5, 300)
    history = metric_history(store, row["id"])
    assert [(h["likes"], h["views"]) for h in history] == [(5, 100), (5, 300)]


def test_post_without_metrics_is_null_not_zero(store):
    save_batch(store, "news", batch(make_post("n")), now=T0)

    row = post_row(store, "n")
    assert [row[name] for name in Metrics.names()] == [None] * 5
    assert row["metrics_at"] is None
    assert metric_history(store, row["id"]) == []

    save_batch(store, "news", batch(make_post("n", metrics=Metrics(views=0))), now=T0)
    assert post_row(store, "n")["views"] == 0
    assert len(metric_history(store, row["id"])) == 1


# --- raw payloads ----------------------------------------------------------------------


def test_raw_payload_kept_with_provenance_when_it_changes(store):
    first_fetch = T0
    save_batch(
        store,
        "news",
        batch(make_post("a", raw={"title": "x", "n": 1}, retrieved_at=first_fetch)),
        now=T0,
    )
    # the same payload collected again later: no new evidence row
    save_batch(
        store,
        "news",
        batch(make_post("a", raw={"title": "x", "n": 1}, retrieved_at=T0 + timedelta(minutes=5))),
        now=T0,
    )
    # the payload changes although the text does not (e.g. a new field): a new row
    second_fetch = T0 + timedelta(minutes=10)
    result = save_batch(
        store,
        "news",
        batch(
            make_post(
                "a",
                raw={"title": "x", "n": 2},
                retrieved_at=second_fetch,
                fetched_from="http://127.0.0.1:9/news.xml?page=2",
                collector="feed/0.2.0",
            )
        ),
        now=T0,
    )

    post_id = post_row(store, "a")["id"]
    stored = rows(store, raw_payloads, post_id=post_id)
    assert result.unchanged == 1
    assert [(r["retrieved_at"], r["url"], r["collector"]) for r in stored] == [
        (first_fetch, "http://127.0.0.1:9/news.xml", "feed/0.1.0"),
        (second_fetch, "http://127.0.0.1:9/news.xml?page=2", "feed/0.2.0"),
    ]
    assert [r["payload"] for r in stored] == ['{"n":1,"title":"x"}', '{"n":2,"title":"x"}']
    assert post_row(store, "a")["raw_sha256"] == stored[-1]["sha256"]


# --- keys ------------------------------------------------------------------------------


def test_duplicate_source_ids_in_one_batch_are_stored_once(store):
    result = save_batch(
        store,
        "news",
        batch(
            make_post("dup", "first version"),
            make_post("other"),
            make_post("dup", "fresher version"),
        ),
        now=T0,
    )

    assert result.new == 2
    assert count_posts(store) == 2
    assert post_row(store, "dup")["text"] == "fresher version"
    assert len(rows(store, raw_payloads)) == 2


def test_same_source_id_under_two_sources_is_two_posts(store):
    save_batch(store, "news", batch(make_post("42", "From the city site")), now=T0)
    result = save_batch(
        store, "reddit", batch(make_post("42", "From reddit", source="reddit")), now=T0
    )

    assert result.new == 1
    assert count_posts(store) == 2
    assert count_posts(store, source="news") == count_posts(store, source="reddit") == 1
    assert post_row(store, "42", "news")["text"] == "From the city site"
    assert post_row(store, "42", "reddit")["text"] == "From reddit"


# --- cursor ----------------------------------------------------------------------------


def test_cursor_is_saved_with_the_posts(store):
    cursor = {"validators": {"http://127.0.0.1:9/news.xml": {"etag": '"v1"'}}, "since": "a"}
    save_batch(store, "news", batch(make_post("a"), cursor=cursor), now=T0)

    assert load_cursor(store, "news") == cursor
    assert load_cursor(store, "reddit") == {}


def test_empty_batch_still_saves_the_cursor(store):
    """A 304 yields no posts but fresh validators, which must be kept."""
    save_batch(store, "news", batch(cursor={"validators": {"u": {"etag": '"v2"'}}}), now=T0)

    assert load_cursor(store, "news") == {"validators": {"u": {"etag": '"v2"'}}}


def test_failed_batch_saves_neither_posts_nor_cursor(store):
    save_batch(store, "news", batch(make_post("a"), cursor={"page": 1}), now=T0)
    broken = make_post("b", created_at=datetime(2026, 11, 23, 19, 0))  # naive: refused

    with pytest.raises(StatementError, match="naive datetime"):
        save_batch(store, "news", batch(make_post("c"), broken, cursor={"page": 2}), now=T0)

    assert load_cursor(store, "news") == {"page": 1}
    assert {row["source_id"] for row in rows(store, posts)} == {"a"}


# --- queries ---------------------------------------------------------------------------


@pytest.fixture
def varied(store):
    save_batch(
        store,
        "news",
        batch(
            make_post(
                "old",
                "Road closure on Lawrence Expressway",
                created_at=T0 - timedelta(days=3),
                official=True,
            ),
            make_post(
                "new",
                "Santa Clara police: all clear at Levi's Stadium",
                created_at=T0,
                official=True,
            ),
            make_post(
                "undated", "Update about 100% of lanes reopened", created_at=None, official=True
            ),
        ),
        now=T0 - timedelta(days=1),
    )
    save_batch(
        store,
        "reddit",
        batch(
            make_post(
                "r1",
                "Heard SHOTS near levi's stadium??",
                source="reddit",
                created_at=T0 - timedelta(hours=2),
            ),
            make_post(
                "r2",
                "Traffic is bad; 1000 people at the game",
                source="reddit",
                created_at=T0 - timedelta(days=2),
            ),
        ),
        now=T0,
    )
    return store


def ids(found: list[dict[str, Any]]) -> list[str]:
    return [row["source_id"] for row in found]


def test_list_posts_newest_first_by_published_then_first_seen(varied):
    # "undated" has no published time: it sorts by when it was first seen (T0 - 1 day)
    assert ids(list_posts(varied)) == ["new", "r1", "undated", "r2", "old"]


def test_list_posts_ties_break_by_newest_id(store):
    save_batch(store, "news", batch(make_post("first"), make_post("second")), now=T0)
    assert ids(list_posts(store)) == ["second", "first"]


def test_list_posts_filters(varied):
    assert ids(list_posts(varied, PostFilter(source="reddit"))) == ["r1", "r2"]
    assert ids(list_posts(varied, PostFilter(official=True))) == ["new", "undated", "old"]
    assert ids(list_posts(varied, PostFilter(official=False))) == ["r1", "r2"]
    since = PostFilter(since=T0 - timedelta(days=1, hours=1))
    assert ids(list_posts(varied, since)) == ["new", "r1", "undated"]
    assert ids(list_posts(varied, PostFilter(search="LEVI'S STADIUM"))) == ["new", "r1"]
    combined = PostFilter(source="news", official=True, since=T0 - timedelta(days=5), search="levi")
    assert ids(list_posts(varied, combined)) == ["new"]
    assert ids(list_posts(varied, PostFilter(limit=2))) == ["new", "r1"]
    assert len(list_posts(varied, PostFilter(limit=None))) == 5


def test_search_treats_like_wildcards_literally(varied):
    assert ids(list_posts(varied, PostFilter(search="100%"))) == ["undated"]
    assert list_posts(varied, PostFilter(search="_")) == []
    assert ids(list_posts(varied, PostFilter(search="%"))) == ["undated"]


def test_since_accepts_any_timezone(varied):
    pacific = timezone(timedelta(hours=-8))
    since = (T0 - timedelta(hours=3)).astimezone(pacific)
    assert ids(list_posts(varied, PostFilter(since=since))) == ["new", "r1"]


def test_returned_times_are_aware_utc(varied):
    found = list_posts(varied)
    times = [row[c] for row in found for c in ("created_at", "first_seen_at") if row[c] is not None]

    assert len(found) == 5
    assert len(times) == 9  # every first_seen_at, and every created_at but "undated"'s
    assert [t.utcoffset() for t in times] == [timedelta(0)] * 9
    assert {t.tzinfo for t in times} == {UTC}


# --- UTCDateTime -----------------------------------------------------------------------


def test_utc_datetime_refuses_naive_and_returns_aware_utc(db):
    with pytest.raises(StatementError, match="naive datetime"), db.write() as connection:
        connection.execute(
            insert(schema_migrations).values(
                version=900, name="naive", applied_at=datetime(2026, 1, 1, 12, 0)
            )
        )

    pacific = timezone(timedelta(hours=-8))
    with db.write() as connection:
        connection.execute(
            insert(schema_migrations).values(
                version=901, name="pacific", applied_at=datetime(2026, 1, 1, 4, 0, tzinfo=pacific)
            )
        )
    with db.read() as connection:
        stored = connection.scalar(
            select(schema_migrations.c.applied_at).where(schema_migrations.c.version == 901)
        )
        naive_rows = connection.scalar(
            select(func.count())
            .select_from(schema_migrations)
            .where(schema_migrations.c.version == 900)
        )
    assert stored == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert stored.tzinfo is UTC
    assert naive_rows == 0
