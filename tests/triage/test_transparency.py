"""The annual transparency report: its figures match the store and the audit log, and
survive the retention purge (posts collected in a year still count once purged)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, insert, select

from rumordesk.cli.main import main
from rumordesk.store.db import Database
from rumordesk.store.posts import save_batch
from rumordesk.store.records import Batch, Post, Provenance
from rumordesk.store.schema import post_scores, posts, rumors
from rumordesk.triage import audit, config_log, transparency, workflow
from rumordesk.triage.retention import purge
from rumordesk.triage.roles import Actor, Role
from tests.helpers.accounts import enrol
from tests.helpers.database import storage_toml, tamper
from tests.helpers.settings import make_settings, write_config

PIO = Actor("pat", Role.PIO)
CHIEF = Actor("chris", Role.CHIEF)
#: The workflow's clock is fixed here, so the figures do not depend on today's date.
NOW = datetime(2026, 11, 30, 19, 0, tzinfo=UTC)
YEAR = NOW.year


@pytest.fixture(autouse=True)
def _accounts(db: Database) -> None:
    """Each actor here has an account: every action re-reads it (triage/authz.py)."""
    enrol(db, PIO, CHIEF)


def search(name: str, purpose: str) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "feed_search",
        "channel": "reddit",
        "purpose": purpose,
        "url_template": "https://example.org/search.rss?q={query}",
        "queries": ["shooting"],
    }


REDDIT = search("reddit-santaclara", "Claims of violence in the Santa Clara forum")
NEWS_SEARCH = search("google-news", "News reports of emergencies in Santa Clara")
CITY = {"name": "city-news", "kind": "feed", "channel": "website", "official": True,
        "url": "https://www.santaclaraca.gov/rss"}  # fmt: skip


def collect(db: Database, key: str, at: datetime, *, official: bool = False) -> int:
    post = Post(
        source="city-news" if official else "reddit-santaclara",
        source_id=key,
        channel="website" if official else "reddit",
        text=f"post {key}",
        provenance=Provenance(at, None, "feed/t"),
        author="someone",
        is_official=official,
    )
    save_batch(db, post.source, Batch((post,), {}), now=at)
    with db.read() as connection:
        return connection.scalar(select(posts.c.id).where(posts.c.source_id == key))


def rumour(db: Database, post_id: int) -> int:
    with db.write() as connection:
        rumor_id = connection.execute(
            insert(rumors).values(
                cluster_key=f"k{post_id}",
                first_seen_at=NOW - timedelta(hours=2),
                last_seen_at=NOW - timedelta(hours=2),
                updated_at=NOW,
            )
        ).inserted_primary_key[0]
        connection.execute(
            insert(post_scores).values(
                post_id=post_id,
                rumor_id=rumor_id,
                p_misinfo=0.9,
                score=0.9,
                severity=1.0,
                locality="local",
                cluster_key=f"k{post_id}",
                signals="{}",
                reasons="[]",
                model_version="t",
                scored_at=NOW,
            )
        )
    return rumor_id


@pytest.fixture
def year(db: Database, monkeypatch):  # type: ignore[no-untyped-def]
    """A year of use, built through the real functions, and what went into it."""
    monkeypatch.setenv(config_log.OPERATOR_ENV, "alex.it")
    monkeypatch.setattr(workflow, "utc_now", lambda: NOW)
    settings = make_settings([REDDIT, NEWS_SEARCH, CITY])
    config_log.record_changes(db, settings, now=NOW - timedelta(days=200))
    config_log.record_changes(db, make_settings([REDDIT, CITY]), now=NOW - timedelta(days=100))
    start = datetime(YEAR, 1, 1, tzinfo=UTC)
    recent = [collect(db, f"recent{i}", NOW - timedelta(hours=3)) for i in range(3)]
    old_public = [collect(db, f"old{i}", start + timedelta(days=14)) for i in range(2)]
    official = [collect(db, f"scpd{i}", start + timedelta(days=60), official=True) for i in (0, 1)]
    last_year = [collect(db, f"ly{i}", datetime(YEAR - 1, 6, 1, tzinfo=UTC)) for i in (0, 1)]
    r1, r2, r3 = (rumour(db, post_id) for post_id in recent)
    workflow.set_status(db, PIO, r1, "confirmed")
    workflow.escalate(db, PIO, r1, "Post a correction on X")
    workflow.decide(db, CHIEF, r1, "correction", "Widely shared; false")
    workflow.link_correction(db, PIO, r1, "https://x.com/SantaClaraPD/status/1")
    workflow.escalate(db, PIO, r2, "Watch it")
    workflow.decide(db, CHIEF, r2, "monitor", "Barely shared")
    workflow.set_legal_hold(db, PIO, r2, True, "claim for damages")
    for _ in range(2):
        audit.record_now(db, PIO, "export", subject="weekly_report: w.xlsx", at=NOW)
    for _ in range(3):
        audit.record_now(db, PIO, "sign_in", subject="pat", at=NOW)
    audit.record_now(db, PIO, "sign_in_failed", subject="pat", at=NOW)
    return {
        "settings": settings,
        "recent": recent,
        "old_public": old_public,
        "official": official,
        "last_year": last_year,
        "rumours": (r1, r2, r3),
    }


def _posts_collected_in(db: Database, year: int) -> dict[str, int]:
    with db.read() as connection:
        rows = connection.execute(
            select(posts.c.is_official, func.count())
            .where(posts.c.first_seen_at >= datetime(year, 1, 1, tzinfo=UTC))
            .where(posts.c.first_seen_at < datetime(year + 1, 1, 1, tzinfo=UTC))
            .group_by(posts.c.is_official)
        ).all()
    counts = {"public": 0, "official": 0}
    for official, count in rows:
        counts["official" if official else "public"] = count
    return counts


def test_the_figures_match_what_happened(db, year):
    report = transparency.build(db, year["settings"], YEAR)

    assert report.posts_collected == _posts_collected_in(db, YEAR)
    assert report.posts_collected == {"public": 5, "official": 2}
    assert report.posts_purged == {"public": 0, "official": 0} and report.purges == 0
    assert report.rumours_opened == 3
    assert report.rumours_triaged == 2  # r3 was never touched
    assert report.escalations == 2
    assert report.decisions == {"correction": 1, "monitor": 1}
    assert report.corrections_linked == 1
    assert report.legal_holds_placed == 1 and report.legal_holds_now == 1
    assert report.exports == 2
    assert (report.sign_ins, report.failed_sign_ins) == (3, 1)
    assert report.configuration_changes == 6  # 3 sources + 2 sections, then one removal
    assert len(report.configuration_log) == 6
    assert report.configuration_log[-1].name == "google-news"
    assert (report.configuration_log[-1].change, report.configuration_log[-1].operator) == (
        "removed",
        "alex.it",
    )
    assert [(s.name, s.purpose) for s in report.searches] == [
        ("google-news", NEWS_SEARCH["purpose"]),  # configured part of the year
        ("reddit-santaclara", REDDIT["purpose"]),
    ]
    assert report.audit_chain_ok
    assert report.audit_chain_entries == len(audit.entries(db, limit=None))
    assert sum(report.audit_entries.values()) == report.audit_chain_entries


def test_collected_figures_survive_the_purge(db, year):
    before = transparency.build(db, year["settings"], YEAR)
    earlier = transparency.build(db, year["settings"], YEAR - 1)

    purged = purge(db, year["settings"], now=NOW + timedelta(hours=1))

    assert purged.removed["posts"] == 4  # two old ones this year, two last year
    assert _posts_collected_in(db, YEAR) == {"public": 3, "official": 2}  # the store shrank
    after = transparency.build(db, year["settings"], YEAR)
    assert after.posts_collected == before.posts_collected == {"public": 5, "official": 2}
    assert after.posts_purged == {"public": 4, "official": 0} and after.purges == 1
    assert transparency.build(db, year["settings"], YEAR - 1).posts_collected == (
        earlier.posts_collected
    )
    assert earlier.posts_collected == {"public": 2, "official": 0}
    assert after.rumours_triaged == before.rumours_triaged


def test_another_year_counts_only_its_own(db, year):
    report = transparency.build(db, year["settings"], YEAR - 1)
    assert report.rumours_triaged == 0 and report.escalations == 0 and report.exports == 0
    assert report.searches == []  # nothing was configured yet then


def test_a_broken_audit_chain_shows_in_the_report(db, year, tmp_path: Path):
    tamper(db, "UPDATE audit_log SET actor = 'nobody' WHERE action = 'decide'")
    report = transparency.build(db, year["settings"], YEAR)
    assert not report.audit_chain_ok and "was edited" in report.audit_chain_problem
    assert "BROKEN" in transparency.render_text(report)


def test_rumordesk_transparency_text_and_json(db, year, tmp_path: Path):
    config = write_config(
        tmp_path / "config.toml",
        storage_toml(db),
    )
    runner = CliRunner()
    text = runner.invoke(main, ["--config", str(config), "transparency", "--year", str(YEAR)])
    assert text.exit_code == 0, text.output
    assert "Posts collected: 7 (5 public, 2 the Department's own)" in text.output
    assert "Escalations to the Office of the Chief: 2" in text.output
    assert "Decisions: correction 1, monitor 1" in text.output
    assert "  - reddit-santaclara (feed_search): Claims of violence" in text.output
    assert "Audit log: intact" in text.output
    assert "google-news removed by alex.it" in text.output
    assert "someone" not in text.output  # authors never appear

    out = tmp_path / "t.json"
    done = runner.invoke(
        main,
        ["--config", str(config), "transparency", "--year", str(YEAR), "--json", "--out", str(out)],
    )
    assert done.exit_code == 0, done.output
    figures = json.loads(out.read_text())
    assert figures["year"] == YEAR and figures["exports"] == 2
    assert figures["posts_collected"] == {"public": 5, "official": 2}


def test_the_demo_scenario_is_left_out(db, year):
    from sqlalchemy import update

    from rumordesk.demo import DEMO_SOURCE

    before = transparency.build(db, year["settings"], YEAR)
    post = Post(
        source=DEMO_SOURCE,
        source_id="demo-1",
        channel="x",
        text="Invented: shooting at Valley Fair",
        provenance=Provenance(NOW, None, "demo-scenario"),
    )
    save_batch(db, DEMO_SOURCE, Batch((post,), {}), now=NOW - timedelta(hours=1))
    with db.read() as connection:
        post_id = connection.scalar(select(posts.c.id).where(posts.c.source == DEMO_SOURCE))
    rumor_id = rumour(db, post_id)
    with db.write() as connection:
        connection.execute(update(rumors).where(rumors.c.id == rumor_id).values(is_demo=True))
    workflow.escalate(db, PIO, rumor_id, "Try the Chief's page")
    workflow.decide(db, CHIEF, rumor_id, "no_action", "Only the demo")

    after = transparency.build(db, year["settings"], YEAR)

    assert after.posts_collected == before.posts_collected
    assert after.rumours_opened == before.rumours_opened
    assert after.rumours_triaged == before.rumours_triaged
    assert (after.escalations, after.decisions) == (before.escalations, before.decisions)
