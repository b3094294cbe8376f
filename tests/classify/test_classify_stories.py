"""Which open rumour each story of a batch joins (classify/rumours.Stories): the latest
rumour of any of its story keys seen within its window, else of its near-copy keys,
followed to the rumour a duplicate points at; and one the batch itself just opened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, update

from rumordesk.classify import rumours
from rumordesk.store.posts import save_batch
from rumordesk.store.records import Batch, Post, Provenance
from rumordesk.store.schema import post_scores, rumors

NOW = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)


def _rumour(connection, key: str, last_seen: datetime) -> int:
    return connection.execute(
        insert(rumors).values(
            cluster_key=key, first_seen_at=last_seen, last_seen_at=last_seen, updated_at=NOW
        )
    ).inserted_primary_key[0]


def _scored_post(db, rumour: int, text_key: str) -> None:
    post = Post(
        source="search", source_id=text_key, channel="x", text=text_key,
        provenance=Provenance.now(None, "test"),
    )  # fmt: skip
    (post_id,) = save_batch(db, "search", Batch((post,), {})).changed_ids
    with db.write() as connection:
        connection.execute(
            insert(post_scores).values(
                post_id=post_id, rumor_id=rumour, p_misinfo=0.9, score=0.9, severity=1.0,
                locality="city", cluster_key="other", text_key=text_key, signals="{}",
                reasons="[]", model_version="test", scored_at=NOW,
            )
        )  # fmt: skip


def test_a_batch_finds_the_latest_rumour_of_its_keys_then_of_its_near_copies(db):
    with db.write() as connection:
        _rumour(connection, "shooter|valley fair", NOW - timedelta(hours=3))  # older
        latest = _rumour(connection, "shooter|valley fair", NOW - timedelta(hours=1))
        _rumour(connection, "bomb|levi's", NOW - timedelta(days=2))
        kept = _rumour(connection, "fire|mission college", NOW - timedelta(hours=2))
        merged = _rumour(connection, "fire|mission", NOW - timedelta(minutes=30))
        connection.execute(update(rumors).where(rumors.c.id == merged).values(duplicate_of=kept))
        copied = _rumour(connection, "gunman|great america", NOW - timedelta(hours=1))
    _scored_post(db, copied, "t:gunman-copy")
    since = NOW - timedelta(hours=6)
    with db.write() as connection:
        stories = rumours.Stories(
            connection,
            ["shooter|valley fair", "bomb|levi's", "fire|mission", "new|key", "none"],
            ["t:gunman-copy", ""],
            since - timedelta(days=1),
        )
        assert stories.find({"shooter|valley fair"}, set(), since) == latest
        assert stories.find({"shooter|valley fair"}, set(), NOW - timedelta(hours=2)) == latest
        assert stories.find({"shooter|valley fair"}, set(), NOW) is None  # both too old
        assert stories.find({"bomb|levi's"}, set(), since) is None  # outside the window
        assert stories.find({"fire|mission"}, set(), since) == kept  # the duplicate's target
        assert stories.find({"none"}, {"t:gunman-copy"}, since) == copied  # a near copy
        assert stories.find({"new|key"}, set(), since) is None
        opened = _rumour(connection, "new|key", NOW)
        stories.opened(opened, "new|key", NOW)
        assert stories.find({"new|key", "none"}, set(), since) == opened
