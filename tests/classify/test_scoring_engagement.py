"""Engagement that grows without a text change refreshes its rumour's reach, spread and
score (and ``updated_at``, so the growth re-alert sees it), without the text model.

Everything goes through the real path: posts stored with ``save_batch`` (or collected by
the runner from a CSV inbox), scored by ``PostScorer`` with a small real sklearn model,
then stored again with more shares.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select, update

from rumordesk.base.config import parse_settings
from rumordesk.classify.rank import story_score
from rumordesk.classify.scoring import PostScorer
from rumordesk.collectors.runner import Runner
from rumordesk.store import open_database
from rumordesk.store.posts import SaveResult, save_batch
from rumordesk.store.records import Batch, Metrics, Post, Provenance
from rumordesk.store.schema import post_scores, rumors
from rumordesk.triage.alerts.chore import Alerter
from tests.helpers.alerts import WebhookServer
from tests.helpers.classify import app_settings, at, shipped_classify_section, text_model
from tests.helpers.settings import make_settings

SHOOTER = "ACTIVE SHOOTER at Great America right now, people running, get out!!"
GUNMAN = "gunman at great america, my cousin is hiding in the Gold Striker line"
TACOS = "Tacos at Mercado were a killer deal"


class Clock:
    """The scorer's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class CountingModel:
    """The real text model, counting the texts it is asked about."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += list(texts)
        return text_model().predict_proba(texts)


@pytest.fixture
def store(database_url, tmp_path: Path) -> Iterator[tuple]:
    url = database_url
    db = open_database(url)
    yield app_settings(url), db
    db.dispose()


def public(sid: str, text: str, when: str, shares: int | None, likes: int | None = None) -> Post:
    return Post(
        source="search",
        source_id=sid,
        channel="reddit",
        text=text,
        provenance=Provenance(at(when), None, "test"),
        author="someone",
        created_at=at(when),
        metrics=Metrics(likes=likes, shares=shares),
    )


def save(db, *items: Post) -> SaveResult:
    return save_batch(db, "search", Batch(tuple(items), {}))


def the_rumour(db) -> dict:
    with db.read() as c:
        [row] = c.execute(select(rumors)).mappings().all()
        return dict(row)


def scores(db) -> dict[int, dict]:
    with db.read() as c:
        return {r["post_id"]: dict(r) for r in c.execute(select(post_scores)).mappings()}


def utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def scored_story(settings, db, shares: tuple[int, int] = (2700, 300)):
    model, clock = CountingModel(), Clock(at("20:00"))
    job = PostScorer(settings, db, model, model_version="test", clock=clock)
    saved = save(db, public("a1", SHOOTER, "19:40", shares[0]), public("a2", GUNMAN, "19:44", 0))
    saved.add(save(db, public("b1", TACOS, "19:41", 5)))
    job.score(saved.changed_ids)
    return job, model, clock


# --- what save_batch reports -------------------------------------------------------------


def test_save_batch_reports_engagement_only_changes_apart_from_text_changes(store):
    _, db = store
    first = save(db, public("a1", SHOOTER, "19:40", 10), public("a2", GUNMAN, "19:44", 1))
    assert len(first.changed_ids) == 2 and first.metrics_changed_ids == []

    same = save(db, public("a1", SHOOTER, "19:40", 10), public("a2", GUNMAN, "19:44", 1))
    assert (same.changed_ids, same.metrics_changed_ids, same.unchanged) == ([], [], 2)

    grew = save(db, public("a1", SHOOTER, "19:40", 500), public("a2", GUNMAN + "!", "19:44", 9))
    a1, a2 = first.changed_ids
    assert grew.changed_ids == [a2]  # edited text: rescored, as before
    assert grew.metrics_changed_ids == [a1]  # engagement alone: refreshed
    assert grew.updated == 2

    unknown = save(db, public("a1", SHOOTER, "19:40", None))  # unknown is not zero
    assert unknown.metrics_changed_ids == [] and unknown.unchanged == 1


# --- the scorer ----------------------------------------------------------------------------


def test_growing_shares_refresh_reach_score_and_reasons_without_the_text_model(store):
    settings, db = store
    job, model, clock = scored_story(settings, db)
    before, post_before = the_rumour(db), scores(db)
    assert before["reach"] == 2 * 2700 and before["post_count"] == 2
    assert "2,700 shares" in before["top_reason"]
    asked = len(model.texts)

    clock.now = at("20:10")
    saved = save(db, public("a1", SHOOTER, "19:40", 27000), public("a2", GUNMAN, "19:44", 3000))
    assert saved.changed_ids == [] and len(saved.metrics_changed_ids) == 2
    result = job.refresh_engagement(saved.metrics_changed_ids)

    after = the_rumour(db)
    assert len(model.texts) == asked  # the text model was not asked again
    assert result.refreshed == 2 and result.rumors_updated == {before["id"]}
    assert after["reach"] == 2 * (27000 + 3000)
    assert after["post_count"] == 2
    assert utc(after["updated_at"]) == at("20:10") > utc(before["updated_at"])
    assert after["score"] > before["score"]
    assert "30,000 shares in 30 min across 2 posts" in after["top_reason"]
    assert "2,700 shares" not in after["top_reason"]
    post_after = scores(db)
    lead = after["lead_post_id"]
    assert post_after[lead]["score"] > post_before[lead]["score"]
    assert post_after[lead]["p_misinfo"] == post_before[lead]["p_misinfo"]
    reasons = json.loads(post_after[lead]["reasons"])
    assert "30,000 shares in 30 min across 2 posts" in reasons
    assert reasons[-1].startswith("text model:")  # the spread reason keeps its place
    assert (
        json.loads(post_after[lead]["signals"])["spread"]
        > json.loads(post_before[lead]["signals"])["spread"]
    )


def test_unchanged_engagement_changes_nothing(store):
    settings, db = store
    job, model, clock = scored_story(settings, db)
    before, post_before = the_rumour(db), scores(db)

    clock.now = at("20:10")
    again = save(db, public("a1", SHOOTER, "19:40", 2700), public("a2", GUNMAN, "19:44", 0))
    assert again.metrics_changed_ids == []
    # Views are stored, but they are not engagement that spreads a story.
    seen = replace(public("a2", GUNMAN, "19:44", 0), metrics=Metrics(shares=0, views=900))
    views = save(db, seen)
    assert views.updated == 1 and views.metrics_changed_ids == []
    # Asked anyway (a caller passing ids whose engagement is as scored): nothing is written,
    # though ten minutes have passed (time alone is not spread).
    result = job.refresh_engagement(list(post_before))
    assert result.rumors_updated == set() and len(model.texts) == 3

    assert the_rumour(db) == before
    assert {k: v["score"] for k, v in scores(db).items()} == {
        k: v["score"] for k, v in post_before.items()
    }


def test_refreshing_never_touches_the_workflow_columns(store):
    settings, db = store
    job, _, clock = scored_story(settings, db)
    rumour_id = the_rumour(db)["id"]
    workflow = {
        "status": "investigating",
        "assignee": "pio1",
        "decision": "correction",
        "legal_hold": True,
        "priority": 1,
    }
    with db.write() as c:
        c.execute(update(rumors).where(rumors.c.id == rumour_id).values(**workflow))

    clock.now = at("20:05")
    saved = save(db, public("a1", SHOOTER, "19:40", 9000))
    job.refresh_engagement(saved.metrics_changed_ids)

    after = the_rumour(db)
    assert after["reach"] == 2 * 9000
    assert {key: after[key] for key in workflow} == workflow


def test_a_post_in_no_rumour_that_starts_spreading_opens_one_from_its_cached_score(
    database_url, tmp_path
):
    url = database_url
    db = open_database(url)
    model, clock = CountingModel(), Clock(at("20:00"))
    job = PostScorer(app_settings(url), db, model, model_version="test", clock=clock)
    saved = save(db, public("q1", TACOS, "19:58", 0))
    job.score(saved.changed_ids)
    [row] = scores(db).values()
    assert row["rumor_id"] is None
    # A bar this post clears only once it spreads widely (spread weight over 0.5).
    base = json.loads(row["signals"])["base_logit"]
    bar = story_score(base, 0.5)
    job = PostScorer(
        app_settings(url, rumor_min_score=bar), db, model, model_version="test", clock=clock
    )
    asked = len(model.texts)

    clock.now = at("20:30")
    job.refresh_engagement(save(db, public("q1", TACOS, "19:58", 3)).metrics_changed_ids)
    some = scores(db)[row["post_id"]]
    assert row["score"] < some["score"] < bar and some["rumor_id"] is None
    assert "3 shares in 32 min" in json.loads(some["reasons"])

    job.refresh_engagement(save(db, public("q1", TACOS, "19:58", 90000)).metrics_changed_ids)

    wide = scores(db)[row["post_id"]]
    rumour = the_rumour(db)
    assert wide["rumor_id"] == rumour["id"] and rumour["lead_post_id"] == row["post_id"]
    assert rumour["reach"] == 180000 and rumour["score"] >= bar
    assert wide["p_misinfo"] == pytest.approx(row["p_misinfo"])
    assert len(model.texts) == asked  # its stored p_misinfo stood in for the model
    db.dispose()


# --- through the collector loop ----------------------------------------------------------


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_the_runner_hands_engagement_changes_to_the_scorer(database_url, tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    database = database_url
    settings = make_settings(
        [
            {
                "name": "sheet",
                "kind": "csv_import",
                "channel": "manual",
                "format": "spreadsheet",
                "inbox": str(inbox),
            }
        ],
        storage={"database_url": database},
        classify=shipped_classify_section(),
    )
    db = open_database(database)
    model = CountingModel()
    job = PostScorer(settings, db, model, model_version="test")
    runner = Runner(settings, db, on_stored=job, on_metrics=job.engagement_changed)
    header = ["id", "text", "date", "shares"]
    when = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    write_csv(inbox / "1.csv", [header, ["s1", SHOOTER, when, "40"]])
    [run] = runner.run_once()
    assert run.status == "ok" and run.new == 1
    before = the_rumour(db)
    asked = len(model.texts)

    write_csv(inbox / "2.csv", [header, ["s1", SHOOTER, when, "4000"]])
    [run] = runner.run_once()

    assert run.status == "ok" and (run.new, run.updated) == (0, 1)
    after = the_rumour(db)
    assert (before["reach"], after["reach"]) == (80, 8000)
    assert after["score"] > before["score"] and after["updated_at"] > before["updated_at"]
    assert len(model.texts) == asked
    db.dispose()


# --- end to end: the growth re-alert -----------------------------------------------------


def test_engagement_alone_growing_five_fold_re_alerts_once(database_url, tmp_path: Path):
    hooks = WebhookServer().start()
    try:
        settings = parse_settings(
            {
                "storage": {"database_url": database_url},
                "classify": shipped_classify_section(),
                "alerts": {
                    "min_score": 0.7,
                    "min_severity": 0.6,
                    "quiet_minutes": 30,
                    "growth_factor": 5,
                    "growth_min_reach": 100,
                    "timeout_seconds": 2,
                    "webhooks": [{"name": "ops", "kind": "generic", "url": hooks.url("/ops")}],
                },
            }
        )
        db = open_database(settings.storage.database_url)
        start = datetime.now(UTC).replace(microsecond=0)
        clock = Clock(start)
        job = PostScorer(settings, db, text_model().predict_proba, clock=clock)
        alerter = Alerter(settings, db)

        def post(likes: int, shares: int) -> Post:
            return Post(
                source="reddit-santaclara",
                source_id="t3_shooter",
                channel="reddit",
                text=SHOOTER,
                provenance=Provenance(start, None, "test"),
                author="someone",
                created_at=start - timedelta(minutes=5),
                metrics=Metrics(likes=likes, shares=shares),
            )

        def collect(likes: int, shares: int) -> None:
            saved = save_batch(db, "reddit-santaclara", Batch((post(likes, shares),), {}))
            job.score(saved.changed_ids)
            job.engagement_changed(saved.metrics_changed_ids)

        collect(30, 12)  # reach 54
        alerter(clock.now)
        assert [h.json["kind"] for h in hooks.accepted("/ops")] == ["first"]

        clock.now = start + timedelta(minutes=31)  # after the quiet window
        collect(60, 24)  # ×2: no alert
        alerter(clock.now)
        assert len(hooks.accepted("/ops")) == 1

        clock.now = start + timedelta(minutes=32)
        collect(150, 60)  # ×5 on engagement alone (reach 270): alerts again, once
        assert the_rumour(db)["reach"] == 270
        for minute in range(3):
            alerter(clock.now + timedelta(seconds=minute))
        got = hooks.accepted("/ops")
        assert [h.json["kind"] for h in got] == ["first", "growth"]
        assert got[1].json["rumour"]["reach"] == 270

        clock.now = start + timedelta(minutes=70)
        collect(3000, 1500)  # ×5 again: a growth alert is never repeated
        alerter(clock.now)
        assert len(hooks.accepted("/ops")) == 2
        db.dispose()
    finally:
        hooks.stop()


@pytest.mark.slow
def test_importing_an_export_again_with_more_shares_refreshes_the_rumour(
    database_url, tmp_path, monkeypatch
):
    from click.testing import CliRunner

    from rumordesk.classify import scoring
    from rumordesk.classify.baseline import KeywordBaseline
    from rumordesk.cli.main import main

    # the configured model would be trained on first use; the keyword baseline stands in
    keyword, asked_about = KeywordBaseline(), []

    def predict(texts: Sequence[str]) -> np.ndarray:
        asked_about.extend(texts)
        return keyword.predict_proba(texts)

    monkeypatch.setattr(scoring, "load_default_model", lambda *_: (predict, "keyword"))
    config = tmp_path / "c.toml"
    config.write_text(
        f'[storage]\ndatabase_url = "{database_url}"\n'
        '[[sources]]\nname = "sheet"\nkind = "csv_import"\nchannel = "manual"\n'
        'format = "spreadsheet"\n',
        encoding="utf-8",
    )
    header = ["id", "text", "date", "shares"]
    when = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()

    def run_import(name: str, shares: str) -> None:
        path = write_csv(tmp_path / name, [header, ["s1", SHOOTER, when, shares]])
        done = CliRunner().invoke(
            main, ["--config", str(config), "import", str(path), "--source", "sheet"]
        )
        assert done.exit_code == 0, done.output

    run_import("1.csv", "40")
    db = open_database(database_url)
    before = the_rumour(db)
    asked = len(asked_about)
    run_import("2.csv", "5000")

    after = the_rumour(db)
    assert (before["reach"], after["reach"]) == (80, 10000)
    assert after["updated_at"] > before["updated_at"]
    assert len(asked_about) == asked  # the second import did not run the model
    db.dispose()
