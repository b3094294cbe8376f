"""Crash safety and concurrency on real SQLite files (and, where the behaviour is the
store's rather than SQLite's, on PostgreSQL too; tests/store/test_postgres_scale_out.py
has the PostgreSQL-only ones: several collectors, chores and migrations at once).

* A real ``rumordesk collect --once`` process, fetching from a real loopback server, is
  SIGKILLed mid-run: the file stays intact, every batch is stored whole with its cursor or
  not at all, and a re-run completes with every post exactly once.
* Readers and writers at the same time (several connections, as the dashboard and the
  collector have): no "database is locked", readers see consistent, growing data.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, select

from rumordesk.store import open_database
from rumordesk.store.migrations import MIGRATIONS
from rumordesk.store.posts import PostFilter, count_posts, list_posts, save_batch
from rumordesk.store.records import Batch, Post, Provenance
from rumordesk.store.schema import schema_migrations
from rumordesk.store.sources import load_cursor, sync_sources
from tests.helpers.settings import feed_source, make_settings, write_config

T0 = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)

# --- crash safety ----------------------------------------------------------------------

SOURCES = 6  # each a feed_search with QUERIES feeds, plus one plain feed per source
QUERIES = 3
ITEMS = 60


def _items(prefix: str) -> list[tuple[str, str]]:
    return [
        (
            f"{prefix}-{n}",
            f"Report {n} from {prefix} about traffic on El Camino Real " + "lorem ipsum " * 8,
        )
        for n in range(ITEMS)
    ]


def _rss(items: list[tuple[str, str]]) -> str:
    body = "".join(
        f"<item><guid isPermaLink='false'>{guid}</guid><title>{text}</title>"
        f"<link>https://example.org/{guid}</link>"
        f"<pubDate>Mon, 23 Nov 2026 19:00:00 GMT</pubDate></item>"
        for guid, text in items
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>t</title><link>https://example.org/</link>{body}</channel></rss>"
    )


def _serve_many(feed_server) -> tuple[str, dict[str, dict[str, set[str]]]]:
    """Sources for the config and, per source and feed URL, the ids that URL serves."""
    expected: dict[str, dict[str, set[str]]] = defaultdict(dict)
    blocks = []
    for s in range(SOURCES):
        search, plain = f"search-{s}", f"feed-{s}"
        template = feed_server.url(f"/s{s}/{{query}}.xml")
        queries = []
        for q in range(QUERIES):
            items = _items(f"{search}-q{q}")
            # trickled bodies keep the process busy for a few seconds, at different paces
            url = feed_server.serve(
                f"/s{s}/q{q}.xml",
                _rss(items),
                etag=f'"s{s}q{q}"',
                trickle=0.04 + 0.02 * ((s + q) % 4),
                chunk=2048,
            )
            expected[search][url] = {guid for guid, _ in items}
            queries.append(f'"q{q}"')
        items = _items(plain)
        url = feed_server.serve(
            f"/f{s}.xml", _rss(items), etag=f'"f{s}"', delay=0.1 * (s % 3), trickle=0.03, chunk=4096
        )
        expected[plain][url] = {guid for guid, _ in items}
        blocks.append(f"""
[[sources]]
name = "{search}"
kind = "feed_search"
channel = "reddit"
purpose = "Crash-safety test: several feeds per source."
url_template = "{template}"
queries = ["q0", "q1", "q2"]

[[sources]]
name = "{plain}"
kind = "feed"
channel = "website"
url = "{url}"
""")
    return "".join(blocks), expected


def _collect_process(config: Path, cwd: Path) -> subprocess.Popen:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("RUMORDESK_DATABASE_URL", "RUMORDESK_CONFIG")
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from rumordesk.cli.main import main; main()",
            "--config",
            str(config),
            "collect",
            "--once",
        ],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _stored_count(path: Path) -> int:
    if not path.exists():
        return 0
    raw = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    try:
        return raw.execute("SELECT count(*) FROM posts").fetchone()[0]
    except sqlite3.OperationalError:  # the schema is not created yet
        return 0
    finally:
        raw.close()


def _check_consistent(path: Path, expected: dict[str, dict[str, set[str]]]) -> int:
    """Integrity, no duplicates, and each feed's posts stored iff its cursor was saved."""
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        duplicates = raw.execute(
            "SELECT source, source_id, count(*) FROM posts"
            " GROUP BY source, source_id HAVING count(*) > 1"
        ).fetchall()
        assert duplicates == []
        orphans = raw.execute(
            "SELECT count(*) FROM posts p WHERE NOT EXISTS"
            " (SELECT 1 FROM raw_payloads r WHERE r.post_id = p.id)"
        ).fetchone()
        assert orphans == (0,), "a post was stored without its raw payload"
        stored: dict[str, set[str]] = defaultdict(set)
        for source, source_id in raw.execute("SELECT source, source_id FROM posts"):
            stored[source].add(source_id)
        cursors = {
            name: json.loads(cursor)
            for name, cursor in raw.execute("SELECT name, cursor FROM sources")
        }
    raw.close()
    total = 0
    for source, feeds in expected.items():
        validators = cursors.get(source, {}).get("validators", {})
        for url, ids in feeds.items():
            present = ids & stored[source]
            if url in validators:
                assert present == ids, f"{url}: cursor saved but {len(ids - present)} posts lost"
                total += len(ids)
            else:
                assert present == set(), f"{url}: {len(present)} posts stored without the cursor"
        every_id = set().union(*feeds.values())
        assert stored[source] <= every_id
    return total


def _wait_until_stored(path: Path, at_least: int, process: subprocess.Popen) -> None:
    """Poll the file (read-only) until ``at_least`` posts are committed, while the
    collecting process is still running."""
    deadline = time.monotonic() + 30
    while _stored_count(path) < at_least:
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, f"fewer than {at_least} posts stored after 30 s"
        time.sleep(0.01)  # the polling interval, not a guess at when the commit happens


@pytest.mark.slow
@pytest.mark.backends("sqlite")
def test_sigkill_mid_collect_loses_and_duplicates_nothing(feed_server, tmp_path: Path):
    sources, expected = _serve_many(feed_server)
    config = write_config(
        tmp_path / "config.toml",
        f"""
[storage]
database_url = "sqlite:///data/crash.db"

[collect]
workers = 6
connect_timeout = 2.0
read_timeout = 5.0
retries = 0
backoff_seconds = 0.01
{sources}""",
    )
    database = tmp_path / "data" / "crash.db"
    everything = sum(len(ids) for feeds in expected.values() for ids in feeds.values())

    # Kill two runs at different points: right after the first batch is committed, then
    # once three more batches are (each feed URL is one batch of ITEMS posts).
    for round_number, batches in enumerate((1, 3)):
        before = _stored_count(database)
        process = _collect_process(config, tmp_path)
        _wait_until_stored(database, before + batches * ITEMS, process)
        assert process.poll() is None, f"round {round_number}: the run finished before the kill"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        process.stderr.close()
        assert process.returncode == -signal.SIGKILL

        stored = _check_consistent(database, expected)
        assert before < stored < everything, f"round {round_number}: not killed mid-run"

    # The server gets fast again; a full run completes what the killed ones left.
    for route in feed_server.routes.values():
        route.trickle = route.delay = 0.0
    final = _collect_process(config, tmp_path)
    _, errors = final.communicate(timeout=60)
    assert final.returncode == 0, errors.decode()

    assert _check_consistent(database, expected) == everything
    with sqlite3.connect(database) as raw:
        assert raw.execute("SELECT count(*) FROM posts").fetchone() == (everything,)
        assert raw.execute("SELECT count(*) FROM sources WHERE status != 'ok'").fetchone() == (0,)
    raw.close()


# --- concurrency -----------------------------------------------------------------------


def _post(source: str, n: int) -> Post:
    return Post(
        source=source,
        source_id=f"{source}-{n}",
        channel="website",
        text=f"Post {n} about Santa Clara",
        created_at=T0 + timedelta(seconds=n),
        provenance=Provenance(T0, "http://127.0.0.1:9/feed.xml", "feed/test"),
        raw={"n": n},
    )


def _register(db, *names: str) -> None:
    sync_sources(
        db, make_settings([feed_source(n, f"http://127.0.0.1:9/{n}.xml") for n in names]).sources
    )


def _write_batches(url: str, source: str, batches: int, size: int, errors: list) -> None:
    """A writer with its own Database object (own connections), as a second process has."""
    db = open_database(url)
    try:
        for b in range(batches):
            items = tuple(_post(source, b * size + i) for i in range(size))
            save_batch(db, source, Batch(items, {"batch": b}))
    except Exception as exc:  # collected and asserted on in the test's thread
        errors.append(exc)
    finally:
        db.dispose()


@pytest.mark.slow
def test_readers_never_blocked_and_see_growing_consistent_data(db):
    _register(db, "news")
    url = db.url.render_as_string(hide_password=False)
    second = open_database(url)  # the dashboard's own Database object on the same file
    errors: list[Exception] = []
    observed: dict[str, list[int]] = defaultdict(list)
    done = threading.Event()

    def read(name: str, database) -> None:
        try:
            while not done.is_set():
                observed[name].append(count_posts(database))
                list_posts(database, PostFilter(search="Santa Clara", limit=20))
                with database.read() as connection:  # one snapshot: posts and payloads agree
                    posts_n = connection.exec_driver_sql("SELECT count(*) FROM posts").scalar()
                    raw_n = connection.exec_driver_sql("SELECT count(*) FROM raw_payloads").scalar()
                assert posts_n == raw_n, f"{name} saw {posts_n} posts, {raw_n} payloads"
        except Exception as exc:
            errors.append(exc)

    readers = [
        threading.Thread(target=read, args=("same-object", db)),
        threading.Thread(target=read, args=("second-object", second)),
    ]
    writer = threading.Thread(target=_write_batches, args=(url, "news", 60, 25, errors))
    for thread in readers:
        thread.start()
    writer.start()
    writer.join(timeout=60)
    done.set()
    for thread in readers:
        thread.join(timeout=10)
    second.dispose()

    assert errors == []
    assert count_posts(db) == 60 * 25
    assert load_cursor(db, "news") == {"batch": 59}
    for name, counts in observed.items():
        assert len(counts) >= 5, f"{name} hardly read while the writer ran"
        assert counts == sorted(counts), f"{name} saw the count go down"
        assert len(set(counts)) > 1, f"{name} never saw the writer's progress"


def test_two_writers_at_once_both_succeed(db):
    _register(db, "a", "b")
    url = db.url.render_as_string(hide_password=False)
    errors: list[Exception] = []
    writers = [
        threading.Thread(target=_write_batches, args=(url, name, 40, 20, errors))
        for name in ("a", "b")
    ]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=60)

    assert errors == []
    assert count_posts(db, source="a") == count_posts(db, source="b") == 800
    assert load_cursor(db, "a") == load_cursor(db, "b") == {"batch": 39}


@pytest.mark.backends("sqlite")
def test_writer_waits_for_a_held_lock_instead_of_failing(db):
    """The busy timeout: a writer arriving while another holds the lock waits its turn.

    Observed, not timed: SQLite's trace callback says the writer's ``BEGIN IMMEDIATE`` has
    started executing; the writer's thread is then seen asleep (Linux ``/proc``), which,
    inside that statement, is SQLite's busy handler waiting for the lock, or a writer that
    already failed. The lock is held all along (a second connection with no busy timeout is
    refused), and the statement returns only after the holder commits. With no busy timeout
    the writer fails at once with "database is locked".
    """
    if not Path(f"/proc/self/task/{threading.get_native_id()}/stat").exists():
        pytest.skip("needs Linux /proc to see the writer's thread waiting")
    _register(db, "news")
    path = db.url.database
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    assert _write_lock_is_held(path)
    writer_db = open_database(db.url.render_as_string(hide_password=False))
    attempting, released = threading.Event(), threading.Event()
    began_after_release: list[bool] = []

    def trace(statement: str) -> None:
        if statement == "BEGIN IMMEDIATE":
            attempting.set()

    @event.listens_for(writer_db.engine, "checkout")
    def _trace(dbapi_connection, *args):  # type: ignore[no-untyped-def]
        dbapi_connection.set_trace_callback(trace)

    @event.listens_for(writer_db.engine, "after_cursor_execute")
    def _after(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if statement == "BEGIN IMMEDIATE":
            began_after_release.append(released.is_set())

    errors: list[Exception] = []

    def write() -> None:
        try:
            save_batch(writer_db, "news", Batch(tuple(_post("news", n) for n in range(5)), {}))
        except Exception as exc:  # asserted on in the test's thread
            errors.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert attempting.wait(timeout=30), "the writer never began its transaction"
        _wait_until_asleep_or_ended(writer)
        # Still held: the writer cannot have got past BEGIN IMMEDIATE, nor given up.
        assert _write_lock_is_held(path)
        assert count_posts(db) == 0  # and a reader is not blocked by either of them
        assert began_after_release == [] and errors == [] and writer.is_alive()
    finally:
        released.set()
        holder.execute("COMMIT")
        holder.close()
        writer.join(timeout=30)
        writer_db.dispose()

    assert errors == []
    assert began_after_release == [True], "BEGIN IMMEDIATE returned while the lock was held"
    assert count_posts(db) == 5


def _wait_until_asleep_or_ended(thread: threading.Thread) -> None:
    """Poll until the OS reports ``thread`` sleeping (state S in ``/proc``), or it ended."""
    stat = Path(f"/proc/self/task/{thread.native_id}/stat")
    deadline = time.monotonic() + 30
    while thread.is_alive():
        try:
            if stat.read_text().rpartition(")")[2].split()[0] == "S":
                return
        except FileNotFoundError:  # the thread ended meanwhile
            return
        assert time.monotonic() < deadline, "the writer never waited"
        time.sleep(0.001)  # the polling interval


def _write_lock_is_held(path: str) -> bool:
    """Whether another connection holds the write lock: a ``BEGIN IMMEDIATE`` with no busy
    timeout is refused at once."""
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc), exc
        return True
    else:
        probe.execute("ROLLBACK")
        return False
    finally:
        probe.close()


def test_processes_starting_together_migrate_once(database_url: str):
    """`make run` starts the CLI and the dashboard at once: both open (and migrate) it."""
    url = database_url
    errors: list[Exception] = []
    start = threading.Barrier(4)

    def open_it() -> None:
        try:
            start.wait()
            open_database(url).dispose()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    db = open_database(url)
    with db.read() as connection:
        versions = connection.scalars(select(schema_migrations.c.version)).all()
    db.dispose()
    assert sorted(versions) == [m.version for m in MIGRATIONS]


def _open_in_child(url: str, start, results) -> None:  # type: ignore[no-untyped-def]
    """A separate process (spawned, as a CLI command or the dashboard would be)."""
    try:
        start.wait(timeout=60)
        open_database(url).dispose()
        results.put("ok")
    except Exception as exc:
        results.put(repr(exc))


@pytest.mark.slow
@pytest.mark.backends("sqlite")
def test_real_processes_starting_together_migrate_once(tmp_path: Path):
    """Eight processes open one brand-new file at the same moment: all succeed, each
    migration is applied once (the WAL switch returns SQLITE_BUSY without waiting)."""
    import multiprocessing

    spawn = multiprocessing.get_context("spawn")
    openers = 8
    url = f"sqlite:///{tmp_path / 'together.db'}"
    start = spawn.Barrier(openers)
    results = spawn.Queue()
    children = [
        spawn.Process(target=_open_in_child, args=(url, start, results)) for _ in range(openers)
    ]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=60)

    assert outcomes == ["ok"] * openers
    with sqlite3.connect(tmp_path / "together.db") as raw:
        versions = [v for (v,) in raw.execute("SELECT version FROM schema_migrations")]
        mode = raw.execute("PRAGMA journal_mode").fetchone()[0]
    raw.close()
    assert sorted(versions) == [m.version for m in MIGRATIONS]
    assert mode == "wal"


@pytest.mark.backends("sqlite")
def test_switch_to_wal_waits_for_a_lock_instead_of_failing(tmp_path: Path, monkeypatch):
    """SQLite refuses the WAL switch at once while another connection holds a lock; the
    opener retries until the lock is released instead of failing with "database is locked"."""
    import rumordesk.store.db as store_db

    path = tmp_path / "held.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")  # a rollback-journal file, not yet WAL
    holder.execute("BEGIN IMMEDIATE")  # a writer: the switch gets SQLITE_BUSY at once
    retried = threading.Event()
    real_sleep = time.sleep

    def sleep_and_signal(seconds: float) -> None:
        retried.set()
        real_sleep(seconds)

    monkeypatch.setattr(store_db.time, "sleep", sleep_and_signal)
    outcome: list[object] = []

    def open_it() -> None:
        try:
            db = store_db.Database(f"sqlite:///{path}")
            with db.read() as connection:
                outcome.append(connection.exec_driver_sql("PRAGMA journal_mode").scalar())
            db.dispose()
        except Exception as exc:
            outcome.append(exc)

    opener = threading.Thread(target=open_it)
    opener.start()
    assert retried.wait(timeout=30), "the WAL switch was never retried"
    holder.execute("COMMIT")
    holder.close()
    opener.join(timeout=30)
    assert outcome == ["wal"]
