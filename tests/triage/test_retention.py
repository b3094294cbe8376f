"""The retention purge, with a fake clock, over plain, un-acted, acted-on, held and official
posts: what goes, what stays, the files with their records, and a dry run that changes nothing."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from sqlalchemy import func, insert, select

from rumordesk.base.chores import Chores
from rumordesk.base.config import AppSettings
from rumordesk.cli.main import main
from rumordesk.collectors.staff_report import submit
from rumordesk.loop import build_chores
from rumordesk.store.db import Database
from rumordesk.store.posts import save_batch
from rumordesk.store.records import Batch, Metrics, Post, Provenance
from rumordesk.store.schema import (
    audit_log,
    evidence,
    metric_snapshots,
    post_scores,
    posts,
    raw_payloads,
    rumors,
    shared_files,
)
from rumordesk.triage import audit, workflow
from rumordesk.triage.retention import purge
from rumordesk.triage.roles import Actor, Role
from tests.helpers.accounts import enrol
from tests.helpers.database import storage_toml
from tests.helpers.settings import make_settings, write_config

PIO = Actor("pat", Role.PIO)
TABLES = {
    "posts": posts,
    "metric_snapshots": metric_snapshots,
    "raw_payloads": raw_payloads,
    "post_scores": post_scores,
    "rumors": rumors,
    "evidence": evidence,
    "audit_log": audit_log,
}


@pytest.fixture(autouse=True)
def _accounts(db: Database) -> None:
    """Each actor here has an account: every action re-reads it (triage/authz.py)."""
    enrol(db, PIO)


def shared_screenshots(db: Database) -> set[str]:
    with db.read() as connection:
        return set(
            connection.scalars(
                select(shared_files.c.sha256).where(shared_files.c.kind == "screenshot")
            )
        )


def sha_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def png(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, format="PNG")
    return out.getvalue()


def collect(db: Database, source: str, key: str, *, at: datetime, official: bool = False) -> int:
    """One post through the store's own API, collected at ``at``, with two metric readings."""
    for likes in (1, 5):  # engagement moved: a second metric snapshot
        post = Post(
            source=source,
            source_id=key,
            channel="website" if official else "reddit",
            text=f"post {key}: shots fired near Valley Fair?",
            provenance=Provenance(at, f"https://example.org/{key}", "feed/t"),
            url=f"https://example.org/{key}",
            author="someone" if not official else "SantaClaraPD",
            created_at=at,
            is_official=official,
            metrics=Metrics(likes=likes),
            raw={"id": key, "likes": likes},
        )
        save_batch(db, source, Batch((post,), {}), now=at)
    with db.read() as connection:
        return connection.scalar(select(posts.c.id).where(posts.c.source_id == key))


def rumour(db: Database, post_ids: list[int], *, at: datetime) -> int:
    """A rumour and its posts' scores, as the classifier writes them (tested elsewhere)."""
    with db.write() as connection:
        rumor_id = connection.execute(
            insert(rumors).values(
                cluster_key=f"claim:shooting@{post_ids}",
                score=0.8,
                severity=0.9,
                lead_post_id=post_ids[0],
                claim="shots fired near Valley Fair",
                post_count=len(post_ids),
                first_seen_at=at,
                last_seen_at=at,
                updated_at=at,
            )
        ).inserted_primary_key[0]
        for post_id in post_ids:
            connection.execute(
                insert(post_scores).values(
                    post_id=post_id,
                    rumor_id=rumor_id,
                    p_misinfo=0.8,
                    score=0.8,
                    severity=0.9,
                    locality="local",
                    cluster_key="claim:shooting",
                    signals="{}",
                    reasons="[]",
                    model_version="t",
                    scored_at=at,
                )
            )
    return rumor_id


def counts(db: Database) -> dict[str, int]:
    with db.read() as connection:
        return {
            name: connection.scalar(select(func.count()).select_from(table))
            for name, table in TABLES.items()
        }


def ids(db: Database, table) -> set[int]:  # type: ignore[no-untyped-def]
    with db.read() as connection:
        return set(connection.scalars(select(table.c.id)))


@pytest.fixture
def world(db: Database, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Posts collected at T0 of every kind the policy distinguishes, and rumours around them.

    The workflow (triage/workflow.py) stamps real times, so T0 is an hour ago and the purge
    runs with a clock moved into the future.
    """
    t0 = datetime.now(UTC) - timedelta(hours=1)
    shots = tmp_path / "screenshots"
    settings = make_settings([], staff_reports={"screenshot_dir": str(shots)})
    w = {"db": db, "t0": t0, "settings": settings, "shots": shots}
    w["plain"] = collect(db, "search", "plain", at=t0)
    w["recent"] = collect(db, "search", "recent", at=t0 + timedelta(days=20))
    w["unacted"] = collect(db, "search", "unacted", at=t0)
    w["acted"] = collect(db, "search", "acted", at=t0)
    w["held"] = collect(db, "search", "held", at=t0)
    w["official"] = collect(db, "news", "official", at=t0, official=True)
    w["r_new"] = rumour(db, [w["unacted"]], at=t0)
    w["r_acted"] = rumour(db, [w["acted"]], at=t0)
    w["r_held"] = rumour(db, [w["held"]], at=t0)
    workflow.set_status(db, PIO, w["r_acted"], "reviewing")
    w["e_acted"] = workflow.attach_screenshot(
        db, PIO, w["r_acted"], data=png((255, 0, 0)), filename="red.png", folder=shots
    )
    workflow.preserve_evidence(db, PIO, w["r_acted"])
    # The same screenshot attached to both: one file on disk, kept while the held one is.
    for rumor_id in (w["r_acted"], w["r_held"]):
        workflow.attach_screenshot(
            db, PIO, rumor_id, data=png((0, 0, 255)), filename="blue.png", folder=shots
        )
    workflow.set_legal_hold(db, PIO, w["r_held"], True, "records request 26-114")
    with db.read() as connection:
        w["files"] = {
            row.id: Path(row.path)
            for row in connection.execute(select(evidence).where(evidence.c.path.is_not(None)))
        }
    return w


def test_after_30_days_plain_and_unacted_posts_go_the_rest_stays(world):
    db, t0 = world["db"], world["t0"]
    before = counts(db)

    report = purge(db, world["settings"], now=t0 + timedelta(days=31))

    assert ids(db, posts) == {
        world["recent"],
        world["acted"],
        world["held"],
        world["official"],
    }
    assert ids(db, rumors) == {world["r_acted"], world["r_held"]}  # the emptied one went
    after = counts(db)
    assert report.removed == {
        "posts": 2,
        "metric_snapshots": 4,  # two readings each
        "raw_payloads": 4,  # the payload changed with the likes
        "post_scores": 1,
        "rumors": 1,
    }
    for name in ("posts", "metric_snapshots", "raw_payloads", "post_scores", "rumors"):
        assert before[name] - after[name] == report.removed[name], name
    assert after["evidence"] == before["evidence"]
    assert report.kept["held_rumors"] == 1 and report.kept["acted_on_rumors"] == 1
    assert report.posts_by_year == {str(t0.year): {"public": 2}}
    assert all(path.exists() for path in world["files"].values())

    entry = audit.entries(db, action="purge")[0]
    assert entry.actor == "system" and entry.id == report.audit_id
    assert entry.detail["via"] == "loop"
    assert entry.detail["removed"] == report.removed
    assert entry.detail["posts_by_year"] == {str(t0.year): {"public": 2}}
    assert audit.verify(db).ok


def test_a_dry_run_reports_the_same_and_changes_nothing(world):
    db, later = world["db"], world["t0"] + timedelta(days=800)
    before = counts(db)

    dry = purge(db, world["settings"], now=later, dry_run=True)

    assert counts(db) == before
    assert all(path.exists() for path in world["files"].values())
    assert dry.audit_id is None and dry.removed
    real = purge(db, world["settings"], now=later)
    assert real.removed == dry.removed and sorted(real.files) == sorted(dry.files)


def test_past_the_records_period_only_held_records_remain(world):
    db, t0 = world["db"], world["t0"]

    report = purge(db, world["settings"], now=t0 + timedelta(days=731))

    assert ids(db, posts) == {world["held"]}
    assert ids(db, rumors) == {world["r_held"]}
    assert report.removed["official_posts"] == 1
    assert report.removed["expired_records"] == 1
    assert report.removed["evidence"] == 3  # red screenshot, snapshot, blue screenshot
    with db.read() as connection:
        kept = connection.execute(select(evidence.c.rumor_id, evidence.c.path)).all()
    assert {row.rumor_id for row in kept} == {world["r_held"]}
    files = world["files"]
    assert not files[world["e_acted"]].exists()  # the red file went with its record
    assert [Path(p) for p in report.files] == [files[world["e_acted"]]]
    assert all(Path(row.path).exists() for row in kept)  # the blue file is still used
    # the database's copies (for every host's dashboard) go and stay the same way
    assert shared_screenshots(db) == {sha_of(Path(row.path)) for row in kept}
    assert audit.verify(db).ok


def test_a_legal_hold_keeps_everything_however_old(world):
    db, t0 = world["db"], world["t0"]
    purge(db, world["settings"], now=t0 + timedelta(days=20_000))

    assert world["held"] in ids(db, posts) and world["r_held"] in ids(db, rumors)
    with db.read() as connection:
        held = connection.execute(
            select(evidence.c.path).where(evidence.c.rumor_id == world["r_held"])
        ).all()
    assert held and all(Path(row.path).exists() for row in held)

    workflow.set_legal_hold(db, PIO, world["r_held"], False, "request closed")
    purge(db, world["settings"], now=t0 + timedelta(days=20_000))
    assert world["held"] not in ids(db, posts) and not ids(db, rumors)
    assert not any(path.exists() for path in world["files"].values())


def test_the_audit_log_is_never_purged(world):
    db = world["db"]
    before = counts(db)["audit_log"]
    purge(db, world["settings"], now=world["t0"] + timedelta(days=20_000))
    assert counts(db)["audit_log"] == before + 1  # only the purge's own entry was added
    assert audit.verify(db).ok


def test_a_purge_with_nothing_to_do_writes_no_entry(world):
    db = world["db"]
    report = purge(db, world["settings"], now=world["t0"] + timedelta(days=1))
    assert report.removed == {} and report.audit_id is None
    assert audit.entries(db, action="purge") == []


@pytest.mark.slow
def test_a_staff_reports_screenshot_goes_with_the_report(db: Database, tmp_path: Path):
    shots = tmp_path / "shots"
    settings = make_settings([], staff_reports={"screenshot_dir": str(shots)})
    post_id = submit(
        db,
        settings,
        url="https://nextdoor.com/p/abc",
        text="Someone says there is a shooter at the Convention Center",
        where="nextdoor",
        reported_by="Officer Diaz",
        screenshot=png((0, 200, 0)),
        filename="nextdoor.png",
    ).post_id
    (shot,) = list(shots.glob("*.png"))
    assert shared_screenshots(db) == {sha_of(shot)}  # any host's dashboard can show it
    # Kept while it is recent.
    assert purge(db, settings, now=datetime.now(UTC) + timedelta(days=5)).removed == {}
    assert shot.exists()

    report = purge(db, settings, now=datetime.now(UTC) + timedelta(days=31))

    assert post_id not in ids(db, posts)
    assert report.files == [str(shot)] and not shot.exists()
    assert shared_screenshots(db) == set()


def test_a_file_outside_the_screenshot_folders_is_never_deleted(world, tmp_path: Path):
    db = world["db"]
    outside = tmp_path / "elsewhere" / "important.png"
    outside.parent.mkdir()
    outside.write_bytes(png((1, 2, 3)))
    with db.write() as connection:
        connection.execute(
            insert(evidence).values(
                rumor_id=world["r_acted"],
                kind="screenshot",
                captured_at=world["t0"],
                captured_by="pat",
                sha256="0" * 64,
                path=str(outside),
                size=1,
            )
        )
    report = purge(db, world["settings"], now=world["t0"] + timedelta(days=800))
    assert str(outside) in report.files and report.files_failed == 1
    assert outside.exists()


def test_the_collector_loop_runs_the_purge_hourly(world):
    db, settings = world["db"], world["settings"]
    clock = [world["t0"] + timedelta(days=31)]
    chores = Chores(build_chores(settings, db), clock=lambda: clock[0])
    (chore,) = [c for c in chores.chores if c.name == "purge"]
    assert chore.every == timedelta(hours=1)

    assert "purge" in chores.run_due()
    assert world["plain"] not in ids(db, posts)
    clock[0] += timedelta(minutes=30)
    assert "purge" not in chores.run_due()  # not due again for an hour


def _cli_config(tmp_path: Path, db: Database) -> Path:
    return write_config(
        tmp_path / "config.toml",
        storage_toml(db) + f'[staff_reports]\nscreenshot_dir = "{tmp_path / "screenshots"}"\n',
    )


def test_rumordesk_purge_dry_run_then_purge(db: Database, tmp_path: Path):
    long_ago = datetime.now(UTC) - timedelta(days=45)
    old = collect(db, "search", "old", at=long_ago)
    fresh = collect(db, "search", "fresh", at=datetime.now(UTC) - timedelta(days=2))
    config = _cli_config(tmp_path, db)
    runner = CliRunner()

    dry = runner.invoke(main, ["--config", str(config), "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would remove: 1 posts, 2 metric snapshots, 2 raw payloads" in dry.output
    assert ids(db, posts) == {old, fresh}

    done = runner.invoke(main, ["--config", str(config), "purge", "--json"])
    assert done.exit_code == 0, done.output
    figures = json.loads(done.output)
    assert figures["dry_run"] is False and figures["removed"]["posts"] == 1
    assert ids(db, posts) == {fresh}
    entry = audit.entries(db, action="purge")[0]
    assert figures["audit_id"] == entry.id and entry.detail["via"].startswith("cli by ")


def test_retention_settings_are_checked():
    from rumordesk.base.errors import ConfigError

    with pytest.raises(ConfigError, match="records_days must be at least post_days"):
        make_settings([], retention={"post_days": 90, "records_days": 30})
    with pytest.raises(ConfigError, match="retention.post_days"):
        make_settings([], retention={"post_days": 0})
    assert isinstance(make_settings([], retention={"post_days": 7}), AppSettings)


def test_rows_of_later_tables_go_with_their_rumour(world):
    """Tables found through the schema's foreign keys (here: alerts) are purged and counted."""
    from rumordesk.store.schema import alerts

    db, t0 = world["db"], world["t0"]
    with db.write() as connection:
        for rumor_id in (world["r_new"], world["r_acted"]):
            connection.execute(
                insert(alerts).values(
                    rumor_id=rumor_id, target="email:pio@example.org", kind="first", created_at=t0
                )
            )
    report = purge(db, world["settings"], now=t0 + timedelta(days=31))
    assert report.removed["alerts"] == 1
    with db.read() as connection:
        assert connection.scalars(select(alerts.c.rumor_id)).all() == [world["r_acted"]]


def test_foreign_keys_cascade_in_the_database_too(world):
    """The purge deletes dependants itself; the schema's ON DELETE rules agree with it."""
    from sqlalchemy import delete

    db = world["db"]
    with db.write() as connection:
        connection.execute(delete(posts).where(posts.c.id == world["unacted"]))
    with db.read() as connection:
        for table in (metric_snapshots, raw_payloads, post_scores):
            left = connection.scalar(
                select(func.count()).select_from(table).where(table.c.post_id == world["unacted"])
            )
            assert left == 0, table.name
