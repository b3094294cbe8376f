"""Several processes on one PostgreSQL database, as a city deployment runs them: collectors
on overlapping feeds, audit writers, processes migrating a new database, and the chores of
two hosts' loops — real processes against the test cluster on loopback.

(On SQLite every writer waits for the single write lock; these are the cases where
PostgreSQL has no such lock and the store has to be right by itself.)
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from rumordesk.store import open_database
from rumordesk.store.migrations import MIGRATIONS
from rumordesk.store.posts import save_batch
from rumordesk.store.records import Batch, Post, Provenance
from rumordesk.store.schema import schema_migrations
from rumordesk.triage import audit
from tests.helpers import scale_out
from tests.helpers.alerts import SmtpSink
from tests.helpers.paths import PROJECT_ROOT
from tests.helpers.settings import write_config
from tests.helpers.weekly import build, scenario_settings, toml_sources, utc

pytestmark = [pytest.mark.backends("postgresql"), pytest.mark.slow]

FEEDS, ENTRIES = 4, 400


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUMORDESK_")}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    return env


# --- collectors -------------------------------------------------------------------------


@pytest.mark.parametrize("collectors", [2, 4])
def test_collectors_on_overlapping_feeds_store_each_post_once_and_each_story_once(
    collectors: int, database_url: str, feed_server, tmp_path: Path
):
    """Issue 18's case: every collector polls the same four feeds of 400 entries telling
    25 stories. Before: both exited 1 (a unique violation) with 50 rumours for 25 stories."""
    urls = scale_out.serve_feeds(feed_server, FEEDS, ENTRIES)
    config = tmp_path / "config.toml"
    config.write_text(scale_out.config_text(database_url, urls), encoding="utf-8")

    processes = scale_out.start_collectors(config, collectors, tmp_path)
    outputs = [process.communicate(timeout=240) for process in processes]

    for process, (_, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err.decode()[-3000:]
    reported = [re.search(rb"collected (\d+) new post", out) for out, _ in outputs]
    assert sum(int(found.group(1)) for found in reported if found) == FEEDS * ENTRIES
    db = open_database(database_url)
    try:
        counts = scale_out.store_counts(db)
        check = audit.verify(db)
    finally:
        db.dispose()
    assert counts == {
        "posts": FEEDS * ENTRIES,
        "distinct_posts": FEEDS * ENTRIES,
        "posts_without_payload": 0,
        "scored": FEEDS * ENTRIES,
        "rumours": scale_out.STORIES,
        "stories": scale_out.STORIES,
        "posts_in_rumours": FEEDS * ENTRIES,
    }
    assert check.ok, check  # the configuration was logged once, by one of them


# --- migrations -------------------------------------------------------------------------


def _migrate_in_child(url: str, start, results) -> None:  # type: ignore[no-untyped-def]
    try:
        start.wait(timeout=60)
        open_database(url).dispose()
        results.put("ok")
    except Exception as exc:
        results.put(repr(exc))


def test_processes_migrating_a_new_database_at_once_apply_each_migration_once(
    database_url: str,
):
    """Before: ``duplicate key … pg_type_typname_nsp_index`` (two CREATE TABLEs at once)."""
    spawn = multiprocessing.get_context("spawn")
    openers = 6
    start, results = spawn.Barrier(openers), spawn.Queue()
    children = [
        spawn.Process(target=_migrate_in_child, args=(database_url, start, results))
        for _ in range(openers)
    ]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=60)

    assert outcomes == ["ok"] * openers
    db = open_database(database_url)
    with db.read() as connection:
        versions = connection.scalars(select(schema_migrations.c.version)).all()
    db.dispose()
    assert sorted(versions) == [m.version for m in MIGRATIONS]


# --- audit writers ----------------------------------------------------------------------

AUDIT_WRITER = textwrap.dedent(
    """
    import sys
    from rumordesk.store import open_database
    from rumordesk.triage import audit
    from rumordesk.triage.roles import Actor, Role

    db = open_database(sys.argv[1])
    actor = Actor(sys.argv[2], Role.PIO)
    sys.stdin.readline()  # go
    for n in range(int(sys.argv[3])):
        audit.record_now(db, actor, "note", subject=f"note {n}", detail={"n": n})
    db.dispose()
    """
)


def test_concurrent_audit_writers_keep_one_chain(database_url: str):
    """Two processes appending 200 entries each: the chain stays one chain.

    Today's append reads the last hash without a lock, so on PostgreSQL two writers chain
    onto the same entry (the issue counted 121 forks); issue 15 serialises appends on a
    head row updated in the same transaction.
    """
    open_database(database_url).dispose()
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", AUDIT_WRITER, database_url, name, "200"],
            env=_env(),
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for name in ("pat", "chris")
    ]
    for writer in writers:
        writer.stdin.write(b"go\n")
        writer.stdin.flush()
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err.decode()
    db = open_database(database_url)
    try:
        assert audit.verify(db) == audit.ChainCheck(True, 400)
    finally:
        db.dispose()


# --- two hosts' chores ------------------------------------------------------------------

# Monday Oct 26 2026, 07:05 PDT: W43 has ended and its export moment (07:00) has passed.
MONDAY_0705 = utc(2026, 10, 26, 14, 5)

HOST_LOOP = textwrap.dedent(
    """
    import json, sys
    from datetime import datetime
    from rumordesk.base.chores import Chores
    from rumordesk.base.config import load_settings
    from rumordesk.loop import build_chores
    from rumordesk.store import open_database

    settings = load_settings(sys.argv[1])
    now = datetime.fromisoformat(sys.argv[2])
    db = open_database(settings.storage.database_url)
    chores = Chores(build_chores(settings, db), clock=lambda: now)
    sys.stdin.readline()  # go: both hosts tick at the same moment
    print(json.dumps(chores.run_due()))
    db.dispose()
    """
)


def test_two_hosts_loops_send_one_weekly_email_and_purge_once(database_url: str, tmp_path: Path):
    """Two loops on two hosts (each with its own reports folder, nothing shared but the
    database) tick at the same moment. Before: a lock file per host, so one e-mail each."""
    db = open_database(database_url)
    build(db, scenario_settings())
    expired = Post(  # a public post past the 30-day retention: the purge has work to do
        source="reddit-search",
        source_id="t3_old",
        channel="reddit",
        text="Old chatter about the game",
        provenance=Provenance.now("http://127.0.0.1:9/r.xml", "feed"),
        created_at=MONDAY_0705 - timedelta(days=60),
    )
    save_batch(db, "reddit-search", Batch((expired,), {}), now=MONDAY_0705 - timedelta(days=60))
    sink = SmtpSink().start()
    try:
        hosts = []
        for name in ("host-a", "host-b"):
            (tmp_path / name).mkdir()
            config = write_config(
                tmp_path / name / "config.toml",
                f'[storage]\ndatabase_url = "{database_url}"\n\n'
                f'[mail]\nhost = "127.0.0.1"\nport = {sink.port}\nsecurity = "none"\n\n'
                f'[reports]\nfolder = "{tmp_path / name / "exports"}"\n'
                'recipients = ["pio@santaclaraca.gov"]\n\n' + toml_sources(),
            )
            hosts.append(
                subprocess.Popen(
                    [sys.executable, "-c", HOST_LOOP, str(config), MONDAY_0705.isoformat()],
                    env=_env(),
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                )
            )
        for host in hosts:
            host.stdin.write(b"go\n")
            host.stdin.flush()
        ran = []
        for host in hosts:
            out, err = host.communicate(timeout=120)
            assert host.returncode == 0, err.decode()[-3000:]
            ran.append(json.loads(out.decode().strip().splitlines()[-1]))
    finally:
        sink.stop()

    assert len(sink.received) == 1, "one weekly e-mail between the two hosts"
    assert "weekly engagement report 2026-W43" in sink.received[0].message["Subject"]
    assert sorted(r.count("purge") for r in ran) == [0, 1], ran
    purges = audit.entries(db, action="purge")
    exports = audit.entries(db, action="export")
    assert len(purges) == 1 and purges[0].detail["removed"]["posts"] == 1
    assert {e.detail["file"] for e in exports} == {"weekly-report-2026-W43.xlsx"}
    assert len(exports) == 1
    written = [
        host
        for host in ("host-a", "host-b")
        if (tmp_path / host / "exports").is_dir()
        and any((tmp_path / host / "exports").glob("*.xlsx"))
    ]
    assert len(written) == 1
    db.dispose()
