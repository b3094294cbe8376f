"""The demo scenario: loaded through the real store and scorer, marked as demo, removable
with one command without touching real data; `rumordesk init` offers it on an empty store."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from rumordesk.cli.main import main
from rumordesk.demo import SCENARIO, has_demo, history_batches, scenario_posts
from rumordesk.reports.weekly import build_report
from rumordesk.reports.weeks import Week
from rumordesk.store.posts import save_batch
from rumordesk.store.records import DEMO_SOURCE, Batch, Post, Provenance
from rumordesk.store.schema import metric_snapshots, post_scores, posts, raw_payloads, rumors
from rumordesk.triage import audit, queue, workflow
from rumordesk.triage.detail import rumor_detail
from rumordesk.triage.queue import QueueFilter
from tests.helpers.dashboard import open_desk


@pytest.fixture
def desk(tmp_path, monkeypatch):
    yield from open_desk(tmp_path, monkeypatch)


@pytest.fixture
def cli(desk):
    runner = CliRunner()
    config = str(desk.root / "config.toml")
    return lambda *args: runner.invoke(main, ["--config", config, *args])


def _count(desk, table, *where):
    with desk.db.read() as connection:
        return connection.scalar(select(func.count()).select_from(table).where(*where))


def test_scenario_is_an_invented_evening_ending_now():
    data = json.loads(SCENARIO.read_text(encoding="utf-8"))
    assert data["title"].startswith("DEMO")
    now = datetime(2026, 11, 23, 21, 15, tzinfo=UTC)
    built = scenario_posts(now=now)
    assert len(built) == len(data["posts"])
    assert now - timedelta(minutes=1) <= max(p.created_at for p in built) <= now
    assert min(p.created_at for p in built) == now - timedelta(minutes=data["duration_minutes"])
    assert all(p.source == DEMO_SOURCE and p.raw["demo"] for p in built)
    assert all(p.url.startswith("https://example.org/demo/") for p in built)
    assert any(p.is_official and "NO shooting" in p.text for p in built)
    reports = [p for p in built if p.raw.get("reported_by")]
    assert len(reports) == 2 and all(p.raw["where"] for p in reports)


def test_the_department_s_two_weeks_are_measured_several_times_each():
    now = datetime(2026, 11, 23, 21, 15, tzinfo=UTC)
    batches = history_batches(now=now)
    times = [at for at, _ in batches]
    assert times == sorted(times) and times[-1] <= now
    assert now - times[0] > timedelta(days=12)  # two weeks back
    measured: dict[str, int] = {}
    for _, batch in batches:
        assert all(p.is_official and p.source == DEMO_SOURCE for p in batch)
        for post in batch:
            measured[post.source_id] = measured.get(post.source_id, 0) + 1
    assert len(measured) >= 10 and max(measured.values()) >= 3


def test_init_offers_the_demo_and_the_first_account(cli):
    shown = cli("init").output
    assert "rumordesk demo load" in shown
    assert "no dashboard accounts yet" not in shown  # the desk has accounts
    assert "rumordesk user add" not in shown


@pytest.mark.slow
def test_demo_load_and_remove(desk, cli):
    # a real post and its rumour, which removal must leave alone
    real = save_batch(
        desk.db,
        "news",
        Batch(
            (
                Post(
                    source="news",
                    source_id="real-1",
                    channel="reddit",
                    text="Shots fired at Mission College, everyone run",
                    provenance=Provenance.now("http://127.0.0.1:9/x", "feed"),
                ),
            ),
            {},
        ),
    )
    desk.scorer().score(real.changed_ids)
    real_rumours = _count(desk, rumors)
    assert real_rumours == 1

    loaded = cli("demo", "load")
    assert loaded.exit_code == 0, loaded.output
    assert "DEMO scenario" in loaded.output and "rumordesk demo remove" in loaded.output
    history = {p.source_id for _, batch in history_batches() for p in batch}
    scenario = len(scenario_posts()) + len(history)
    assert _count(desk, posts, posts.c.source == DEMO_SOURCE) == scenario
    demo_rumours = _count(desk, rumors, rumors.c.is_demo)
    assert demo_rumours >= 6
    assert _count(desk, rumors, rumors.c.is_demo.is_(False)) == real_rumours
    scored = _count(desk, post_scores)
    assert scored == scenario + 1  # scored by the real scorer, official posts too
    snapshots = _count(desk, metric_snapshots)
    assert snapshots > scenario  # the Department's posts measured over time
    pio = desk.actor("pat")
    top = queue.queue(desk.db, pio, QueueFilter(statuses=()))
    assert top[0].is_demo and top[0].harm == "active_shooter"
    assert len({queue.severity_label(r.severity) for r in top}) >= 2  # not all High
    decided = [r for r in top if r.decision]
    assert len(decided) == 1 and decided[0].decided_at is not None
    staff = queue.queue(desk.db, pio, QueueFilter(statuses=(), forwarded=True))
    assert len(staff) == 2 and all(r.forwarded_by_staff for r in staff)
    parking = next(r for r in staff if "parking" in r.claim)
    assert parking.id not in [r.id for r in top]  # its own band, not above a threat
    reported = rumor_detail(desk.db, pio, parking.id).staff_reports
    assert [r.reported_by for r in reported] == ["Ofc. Diaz (demo)"]
    # the weekly report: real reports leave the demo out; the labelled demo view shows it
    week = Week.containing(datetime.now(UTC), desk.settings.department.tz).previous()
    real_report = build_report(desk.db, week, sources=desk.settings.sources)
    demo_report = build_report(desk.db, week, sources=desk.settings.sources, include_demo=True)
    assert not real_report.posts and demo_report.posts
    assert any("DEMO" in note for note in demo_report.notes)

    again = cli("demo", "load")  # loading twice replaces, never duplicates
    assert again.exit_code == 0
    assert _count(desk, posts, posts.c.source == DEMO_SOURCE) == scenario
    assert _count(desk, rumors, rumors.c.is_demo) == demo_rumours

    # someone acted on a demo rumour: its evidence goes too, the audit log stays
    first = queue.queue(desk.db, desk.actor("pat"))[0].id
    workflow.preserve_evidence(desk.db, desk.actor("pat"), first)
    removed = cli("demo", "remove")
    assert removed.exit_code == 0, removed.output
    assert not has_demo(desk.db)
    assert _count(desk, posts, posts.c.source == DEMO_SOURCE) == 0
    assert _count(desk, rumors, rumors.c.is_demo) == 0
    assert _count(desk, rumors) == real_rumours
    assert _count(desk, posts) == 1 and _count(desk, post_scores) == 1
    assert _count(desk, raw_payloads) == 1
    actions = [e.action for e in audit.entries(desk.db, newest_first=False)]
    assert actions[-5:] == ["demo_load", "demo_remove", "demo_load", "evidence", "demo_remove"]
    assert audit.verify(desk.db).ok
