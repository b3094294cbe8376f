"""Stored posts are scored incrementally into post_scores and rumours, in a real SQLite file."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from rumordesk.classify.scoring import PostScorer, post_input
from rumordesk.collectors.runner import Runner
from rumordesk.store import open_database, pending
from rumordesk.store.posts import save_batch
from rumordesk.store.records import Batch, Metrics, Post, Provenance
from rumordesk.store.schema import post_scores, posts, rumors
from tests.helpers.classify import app_settings, at, text_model
from tests.helpers.settings import feed_source, make_settings, rss


@pytest.fixture
def store(database_url, tmp_path: Path):
    url = database_url
    db = open_database(url)
    yield app_settings(url), db
    db.dispose()


def stored(db, source: str, *items: Post) -> list[int]:
    return save_batch(db, source, Batch(tuple(items), {})).changed_ids


def public(sid: str, text: str, when: str, shares: int | None = None, **kw) -> Post:
    return Post(
        source="search",
        source_id=sid,
        channel=kw.pop("channel", "reddit"),
        text=text,
        provenance=Provenance(at(when), None, "test"),
        author=kw.pop("author", "someone"),
        created_at=at(when),
        metrics=Metrics(likes=kw.pop("likes", None), shares=shares),
        **kw,
    )


def department(sid: str, text: str, when: str) -> Post:
    return Post(
        source="scpd-x",
        source_id=sid,
        channel="x",
        text=text,
        provenance=Provenance(at(when), None, "test"),
        author="SantaClaraPD",
        created_at=at(when),
        is_official=True,
    )


def scorer(settings, db) -> PostScorer:
    return PostScorer(
        settings, db, text_model().predict_proba, model_version="test", clock=lambda: at("20:00")
    )


def rumor_rows(db) -> list[dict]:
    with db.read() as c:
        return [dict(r) for r in c.execute(select(rumors).order_by(rumors.c.id)).mappings()]


def score_rows(db) -> dict[int, dict]:
    with db.read() as c:
        return {r["post_id"]: dict(r) for r in c.execute(select(post_scores)).mappings()}


SHOOTER = [
    ("a1", "ACTIVE SHOOTER at Great America right now, people running, get out!!", "19:40", 2700),
    ("a2", "gunman at great america, my cousin is hiding in the Gold Striker line", "19:44", 300),
]


def test_a_false_shooter_story_becomes_one_rumour_with_the_departments_denial(store):
    settings, db = store
    [department_id] = stored(
        db, "scpd-x", department("d1", "There is no shooting at Great America.", "19:52")
    )
    ids = stored(db, "search", *(public(s, t, w, sh) for s, t, w, sh in SHOOTER))
    ids += stored(db, "search", public("b1", "Tacos at Mercado were a killer deal", "19:41"))

    result = scorer(settings, db).score(ids)

    assert result.scored == 3
    [rumor] = rumor_rows(db)
    assert rumor["post_count"] == 2
    assert rumor["reach"] == 2 * (2700 + 300)
    assert rumor["harm"] == "active_shooter"
    assert rumor["first_seen_at"] == at("19:40") and rumor["last_seen_at"] == at("19:44")
    assert "claims an active shooter at California's Great America" in rumor["top_reason"]
    assert 'Department said "no shooting" at 19:52' in rumor["top_reason"]
    assert "3,000 shares in 20 min across 2 posts" in rumor["top_reason"]
    assert json.loads(rumor["places"]) == ["California's Great America"]
    assert json.loads(rumor["channels"]) == ["reddit"]
    scores = score_rows(db)
    lead = scores[rumor["lead_post_id"]]
    assert rumor["score"] == pytest.approx(max(s["score"] for s in scores.values()))
    signals = json.loads(lead["signals"])
    assert signals["official"] == "contradicts"
    # The Department post and the relation persist with the score: which post, its kind
    # and time, the relation's probabilities and the difference named.
    assert signals["official_post"] == str(department_id)
    assert signals["official_kind"] == "denial"
    probabilities = signals["relation_probabilities"]
    assert max(probabilities, key=probabilities.__getitem__) == "contradicts"
    assert signals["difference"] == (
        'claims an active shooter; the Department said "no shooting" at 19:52'
    )
    assert 0 < signals["probability"] <= 1 and signals["probability_in_words"]
    benign = next(s for s in scores.values() if s["rumor_id"] is None)
    assert benign["score"] < 0.3 and benign["model_version"] == "test"
    scorer(settings, db).score([department_id])
    own = json.loads(score_rows(db)[department_id]["signals"])
    assert own["department"] and own["department_kind"] == "denial"


def test_later_posts_join_the_open_rumour_and_rescoring_does_not_duplicate(store):
    settings, db = store
    first = stored(db, "search", public(*SHOOTER[0]))
    job = scorer(settings, db)
    job.score(first)
    again = public("a3", "RT ACTIVE SHOOTER at Great America right now!!", "19:50", 40)
    copy = stored(db, "search", again)

    job.score(copy)
    job.score(first + copy)  # the same posts again: updated in place

    [rumor] = rumor_rows(db)
    assert rumor["post_count"] == 2
    assert rumor["reach"] == 2 * (2700 + 40)
    with db.read() as c:
        assert c.scalar(select(func.count()).select_from(post_scores)) == 2


def test_scoring_never_changes_the_workflow_columns(store):
    settings, db = store
    ids = stored(db, "search", public(*SHOOTER[0]))
    job = scorer(settings, db)
    job.score(ids)
    workflow = {
        "status": "investigating",
        "assignee": "pio1",
        "decision": "correction",
        "legal_hold": True,
        "is_demo": False,
        "priority": 1,
    }
    with db.write() as c:
        c.execute(update(rumors).values(**workflow))

    more = stored(db, "search", public(*SHOOTER[1]))
    job.score(more)
    job.score(ids)

    [rumor] = rumor_rows(db)
    assert {k: rumor[k] for k in workflow} == workflow
    assert rumor["post_count"] == 2


def test_a_post_marked_duplicate_joins_the_rumour_it_duplicates(store):
    settings, db = store
    job = scorer(settings, db)
    job.score(stored(db, "search", public(*SHOOTER[0])))
    job.score(stored(db, "search", public("v1", "Bomb threat at Valley Fair, evacuate", "19:41")))
    shooter, bomb = rumor_rows(db)
    with db.write() as c:
        marked = update(rumors).where(rumors.c.id == bomb["id"])
        c.execute(marked.values(duplicate_of=shooter["id"]))

    job.score(stored(db, "search", public("v2", "bomb at valley fair?? evacuating now", "19:47")))

    rows = {r["id"]: r for r in rumor_rows(db)}
    assert rows[shooter["id"]]["post_count"] == 2
    assert rows[bomb["id"]]["post_count"] == 1


def test_the_departments_posts_are_scored_but_never_a_rumour(store):
    settings, db = store
    ids = stored(db, "scpd-x", department("d1", "Active shooter drill at SCU today 10am.", "19:00"))

    scorer(settings, db).score(ids)

    [row] = score_rows(db).values()
    assert row["rumor_id"] is None
    assert row["score"] <= 0.02
    assert rumor_rows(db) == []


def test_edited_text_moves_a_post_to_its_new_story(store):
    settings, db = store
    job = scorer(settings, db)
    job.score(stored(db, "search", public(*SHOOTER[0]), public(*SHOOTER[1])))
    edited = public("a2", "Bomb found at Valley Fair, police evacuating the mall", "19:44", 300)

    job.score(stored(db, "search", edited))

    by_key = {r["cluster_key"]: r for r in rumor_rows(db)}
    assert by_key["claim:active_shooter@California's Great America"]["post_count"] == 1
    assert by_key["claim:explosive@Westfield Valley Fair"]["post_count"] == 1


def test_a_model_failure_is_logged_and_never_raised(store, caplog):
    settings, db = store
    ids = stored(db, "search", public(*SHOOTER[0]))

    def broken(texts):
        raise RuntimeError("model file is corrupt")

    job = PostScorer(settings, db, broken)
    with caplog.at_level(logging.ERROR):
        job(ids)  # the collector's hook

    assert f"post {ids[0]} could not be scored (RuntimeError: model file is corrupt)" in (
        caplog.text
    )
    assert score_rows(db) == {}
    # the post stays in the outbox with the reason, to be tried again later
    waiting = pending.summary(db)
    assert (waiting.waiting, waiting.failing) == (1, 1)
    assert waiting.last_error == "RuntimeError: model file is corrupt"


def test_the_adapter_keeps_unknown_engagement_unknown(store):
    settings, db = store
    [pid] = stored(db, "search", public("x1", "hello", "19:00"))
    with db.read() as c:
        row = c.execute(select(posts).where(posts.c.id == pid)).mappings().one()

    given = post_input(row)

    assert given.id == str(pid) and given.shares is None and given.likes is None
    assert given.created_at == at("19:00")


def test_the_collector_loop_scores_what_it_stores(database_url, feed_server, tmp_path: Path):
    url = feed_server.serve(
        "/feed.xml",
        rss(
            ("g1", "ACTIVE SHOOTER at Great America right now, get out"),
            ("g2", "Farmers market at Central Park has great peaches today"),
        ),
    )
    database = database_url
    settings = make_settings(
        [feed_source("community", url)],
        storage={"database_url": database},
        classify=app_settings(database).classify.model_dump(),
    )
    db = open_database(database)
    job = PostScorer(settings, db, text_model().predict_proba)

    [run] = Runner(settings, db, on_stored=job).run_once()

    assert run.status == "ok" and run.new == 2
    assert len(score_rows(db)) == 2
    [rumor] = rumor_rows(db)
    assert rumor["harm"] == "active_shooter"
    db.dispose()


def test_a_department_post_arriving_later_rescores_the_stories_it_answers(store):
    settings, db = store
    job = scorer(settings, db)
    job.score(stored(db, "search", *(public(s, t, w, sh) for s, t, w, sh in SHOOTER)))
    [before] = rumor_rows(db)
    assert "Department said" not in before["top_reason"]

    job.score(stored(db, "scpd-x", department("d1", "No shooting at Great America.", "19:52")))

    [after] = rumor_rows(db)
    assert 'Department said "no shooting" at 19:52' in after["top_reason"]
    assert after["score"] > before["score"]
    assert after["post_count"] == 2


@pytest.mark.backends("postgresql")
def test_two_scorers_of_one_story_at_once_open_one_rumour(store):
    """Two collectors (own connections) score posts of the same story at the same moment:
    each locks the story before looking it up, so the second finds the first's rumour.
    (Without the lock PostgreSQL let both open one: 50 rumours for 25 stories.)"""
    import threading

    from rumordesk.store.db import Database, lock
    from tests.helpers.database import wait_for_lock_waiters

    settings, db = store
    first = stored(db, "search", public("a", "ACTIVE SHOOTER at Great America right now", "19:00"))
    second = stored(db, "search", public("b", "Active shooter at Great America, run", "19:01"))
    url = db.url.render_as_string(hide_password=False)
    collectors = [Database(url), Database(url)]
    errors: list[Exception] = []

    def score(database: Database, ids: list[int]) -> None:
        try:
            scorer(settings, database).score(ids)
        except Exception as exc:  # asserted on below
            errors.append(exc)

    threads = [
        threading.Thread(target=score, args=(collectors[0], first)),
        threading.Thread(target=score, args=(collectors[1], second)),
    ]
    holder = Database(url)
    try:
        with holder.write() as connection:
            lock(connection, "story:claim:active_shooter@California's Great America")
            for thread in threads:
                thread.start()
            wait_for_lock_waiters(db, 2)  # both wait for the story, neither has looked it up
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for database in (holder, *collectors):
            database.dispose()
    assert errors == []
    [rumour] = rumor_rows(db)
    assert rumour["post_count"] == 2
    assert {row["rumor_id"] for row in score_rows(db).values()} == {rumour["id"]}
