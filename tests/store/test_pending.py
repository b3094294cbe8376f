"""The scoring outbox: a stored post is never without its note, and a note leaves only with
the score that answers it (store/pending.py, classify/scoring.py's score_pending)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from rumordesk.classify.baseline import KeywordBaseline
from rumordesk.classify.scoring import PostScorer
from rumordesk.store import pending
from rumordesk.store.posts import save_batch
from rumordesk.store.records import Batch, Metrics, Post, Provenance
from rumordesk.store.schema import audit_log, pending_scores, post_scores, posts
from rumordesk.store.sources import load_cursor, sync_sources
from tests.helpers.settings import feed_source, make_settings

T0 = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)
SETTINGS = make_settings([feed_source("news", "http://127.0.0.1:9/news.xml")])


def post(n: int, text: str | None = None, likes: int | None = None) -> Post:
    return Post(
        source="news",
        source_id=f"p{n}",
        channel="website",
        text=text or f"Post {n}: road closed on El Camino Real in Santa Clara",
        created_at=T0 + timedelta(minutes=n),
        provenance=Provenance(T0, "http://127.0.0.1:9/news.xml", "feed/test"),
        metrics=Metrics(likes=likes),
        raw={"n": n, "likes": likes},
    )


def notes(db) -> dict[int, tuple[str, int, int]]:
    """post id → (kind, generation, attempts)."""
    with db.read() as connection:
        rows = connection.execute(
            select(
                pending_scores.c.post_id,
                pending_scores.c.kind,
                pending_scores.c.generation,
                pending_scores.c.attempts,
            )
        ).all()
    return {int(p): (kind, int(g), int(a)) for p, kind, g, a in rows}


def scored_ids(db) -> set[int]:
    with db.read() as connection:
        return set(connection.scalars(select(post_scores.c.post_id)))


def ids_of(db) -> dict[str, int]:
    with db.read() as connection:
        return dict(connection.execute(select(posts.c.source_id, posts.c.id)).all())


@pytest.fixture
def store(db):
    sync_sources(db, SETTINGS.sources)
    return db


def scorer(db, predict=None) -> PostScorer:
    return PostScorer(
        SETTINGS, db, predict or KeywordBaseline().predict_proba, model_version="keyword"
    )


def test_save_batch_notes_new_edited_and_engagement_moved_posts(store):
    first = save_batch(store, "news", Batch((post(1), post(2, likes=1)), {"n": 1}))
    assert notes(store) == {i: ("score", 1, 0) for i in first.changed_ids}

    ids = ids_of(store)
    with store.write() as connection:  # as if the scorer had answered both notes
        pending.take(connection, {i: 1 for i in first.changed_ids})
    save_batch(store, "news", Batch((post(1, "Post 1, edited"), post(2, likes=9)), {"n": 2}))

    assert notes(store) == {ids["p1"]: ("score", 1, 0), ids["p2"]: ("spread", 1, 0)}
    save_batch(store, "news", Batch((post(1, "Post 1, edited"), post(2, likes=9)), {"n": 3}))
    assert notes(store) == {ids["p1"]: ("score", 1, 0), ids["p2"]: ("spread", 1, 0)}


def test_a_score_note_covers_a_spread_note_and_each_new_reason_bumps_it(store):
    save_batch(store, "news", Batch((post(1, likes=1),), {}))
    [post_id] = ids_of(store).values()
    save_batch(store, "news", Batch((post(1, likes=5),), {}))  # engagement alone moved
    assert notes(store) == {post_id: ("score", 2, 0)}  # still a score: never scored yet
    with store.write() as connection:
        pending.take(connection, {post_id: 2})
    save_batch(store, "news", Batch((post(1, likes=6),), {}))
    save_batch(store, "news", Batch((post(1, "now edited", likes=6),), {}))
    assert notes(store) == {post_id: ("score", 2, 0)}  # spread, then upgraded to score


def test_a_note_read_before_an_edit_survives_the_scoring_of_the_older_text(store):
    save_batch(store, "news", Batch((post(1),), {}))
    [post_id] = ids_of(store).values()
    with store.read() as connection:
        held = pending.generations(connection, [post_id])
    save_batch(store, "news", Batch((post(1, "edited while being scored"),), {}))
    with store.write() as connection:
        pending.take(connection, held)  # the scorer answers what it read
    assert notes(store) == {post_id: ("score", 2, 0)}  # the edit still waits


def test_the_in_transaction_hook_commits_with_the_posts_or_not_at_all(store):
    from rumordesk.triage.audit import record
    from rumordesk.triage.roles import SYSTEM

    def audit_then_fail(connection, result):
        record(connection, SYSTEM, "import", detail={"new": result.new})
        raise RuntimeError("the process dies before the commit")

    with pytest.raises(RuntimeError):
        save_batch(store, "news", Batch((post(1),), {"n": 1}), in_transaction=audit_then_fail)
    assert ids_of(store) == {} and notes(store) == {} and load_cursor(store, "news") == {}
    with store.read() as connection:
        assert connection.execute(select(audit_log)).all() == []

    saved = save_batch(
        store,
        "news",
        Batch((post(1),), {"n": 1}),
        in_transaction=lambda c, r: record(c, SYSTEM, "import", detail={"new": r.new}),
    )
    with store.read() as connection:
        [entry] = connection.execute(select(audit_log.c.action, audit_log.c.detail)).all()
    assert entry == ("import", '{"new": 1}')
    assert set(notes(store)) == set(saved.changed_ids)


@pytest.mark.slow
def test_score_pending_scores_every_note_and_removes_it_with_the_score(store):
    for start in range(0, 1200, 300):  # several batches, more notes than one round
        save_batch(store, "news", Batch(tuple(post(n) for n in range(start, start + 300)), {}))

    result = scorer(store).score_pending()

    assert result.scored == 1200
    assert notes(store) == {}
    assert scored_ids(store) == set(ids_of(store).values())


def test_the_collectors_hook_scores_only_its_own_batch(store):
    other = save_batch(store, "news", Batch((post(1),), {})).changed_ids
    mine = save_batch(store, "news", Batch((post(2),), {})).changed_ids

    scorer(store)(mine)  # the runner's on_stored hook

    assert scored_ids(store) == set(mine)
    assert set(notes(store)) == set(other)


def test_one_post_that_cannot_be_scored_keeps_its_note_and_the_others_are_scored(store):
    texts = [f"Post {n}: all quiet at Central Park" for n in range(40)]
    texts[17] = "POISON"
    save_batch(store, "news", Batch(tuple(post(n, text) for n, text in enumerate(texts)), {}))
    baseline = KeywordBaseline().predict_proba

    def predict(batch):
        if "POISON" in batch:
            raise ValueError("the model cannot read this text")
        return baseline(batch)

    now = datetime.now(UTC)
    job = scorer(store, predict)
    job.clock = lambda: now
    job.score_pending()

    poisoned = ids_of(store)["p17"]
    assert scored_ids(store) == set(ids_of(store).values()) - {poisoned}
    assert notes(store) == {poisoned: ("score", 1, 1)}
    waiting = pending.summary(store)
    assert (waiting.waiting, waiting.failing) == (1, 1)
    assert waiting.last_error == "ValueError: the model cannot read this text"

    # not tried again before its retry time; tried (and failing again) after it
    assert job.score_pending().scored == 0
    job.clock = lambda: now + timedelta(seconds=pending.RETRY_SECONDS + 1)
    job.score_pending()
    assert notes(store) == {poisoned: ("score", 1, 2)}
    # once the text is fixed (an edit re-notes it), it is scored at once
    save_batch(store, "news", Batch((post(17, "Post 17: fixed"),), {}))
    assert job.score_pending().scored == 1 and notes(store) == {}


def test_when_nothing_can_be_scored_every_note_keeps_the_error_without_one_call_each(store):
    save_batch(store, "news", Batch(tuple(post(n) for n in range(200)), {}))
    calls = []

    def broken(batch):
        calls.append(len(batch))
        raise OSError("model file missing")

    scorer(store, broken).score_pending()

    assert len(calls) < 30  # halving, then three posts alone: not two hundred calls
    assert {note[2] for note in notes(store).values()} == {1}
    assert pending.summary(store).failing == 200
