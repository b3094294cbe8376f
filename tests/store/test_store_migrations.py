"""Migrations reach the current schema exactly, once; connections are tuned for concurrency.

The drift checks compare shapes as SQLite reports them (the schema and the migrations are
one description for both backends); applying, re-applying and idempotence run on both."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from rumordesk.store import open_database, schema
from rumordesk.store.db import BUSY_TIMEOUT_MS, Database
from rumordesk.store.migrations import MIGRATIONS, current_version, migrate

LATEST = MIGRATIONS[-1].version


def test_migration_versions_are_numbered_in_order():
    """Strictly increasing from 1; gaps are allowed (numbers are reserved per stage), and
    ``migrate`` applies each pending version on its own, so a gap filled later still runs."""
    versions = [m.version for m in MIGRATIONS]
    assert versions[0] == 1 and versions == sorted(set(versions))
    assert all(m.name for m in MIGRATIONS)


def test_fresh_database_reaches_the_latest_version(database_url: str):
    db = Database(database_url)
    assert current_version(db) == 0

    applied = migrate(db)

    assert [m.version for m in applied] == [m.version for m in MIGRATIONS]
    assert current_version(db) == LATEST
    with db.read() as connection:
        recorded = connection.execute(select(schema.schema_migrations)).mappings().all()
    assert [(r["version"], r["name"]) for r in recorded] == [
        (m.version, m.name) for m in MIGRATIONS
    ]
    assert all(r["applied_at"].tzinfo is not None for r in recorded)
    db.dispose()


def test_migrate_twice_applies_nothing_the_second_time(database_url: str):
    url = database_url
    first = Database(url)
    assert migrate(first)
    first.dispose()

    again = open_database(url)  # a new process opening the same file
    assert migrate(again) == []
    assert current_version(again) == LATEST
    with again.read() as connection:
        versions = connection.scalars(select(schema.schema_migrations.c.version)).all()
    assert sorted(versions) == [m.version for m in MIGRATIONS]
    again.dispose()


#: The schema exactly as migration 1 created it when it shipped (SQLite DDL, frozen).
#: Never edit this: a database created by version 1 looks like this forever, and the
#: migrations after 1 must bring it to the current ``store.schema``.
SCHEMA_V1 = """
CREATE TABLE schema_migrations (
    version INTEGER NOT NULL, name VARCHAR(200) NOT NULL, applied_at DATETIME NOT NULL,
    PRIMARY KEY (version));
CREATE TABLE sources (
    name VARCHAR(64) NOT NULL, kind VARCHAR(32) NOT NULL, channel VARCHAR(32) NOT NULL,
    cursor TEXT NOT NULL, status VARCHAR(20) NOT NULL, last_attempt_at DATETIME,
    last_success_at DATETIME, last_error TEXT, last_error_at DATETIME,
    consecutive_failures INTEGER NOT NULL, last_new INTEGER NOT NULL,
    last_updated INTEGER NOT NULL, last_requests INTEGER NOT NULL, next_poll_at DATETIME,
    PRIMARY KEY (name));
CREATE TABLE posts (
    id INTEGER NOT NULL, source VARCHAR(64) NOT NULL, source_id VARCHAR(500) NOT NULL,
    channel VARCHAR(32) NOT NULL, url TEXT, author VARCHAR(200), text TEXT NOT NULL,
    created_at DATETIME, lang VARCHAR(16), is_official BOOLEAN NOT NULL, likes BIGINT,
    shares BIGINT, replies BIGINT, quotes BIGINT, views BIGINT, metrics_at DATETIME,
    content_hash VARCHAR(64) NOT NULL, raw_sha256 VARCHAR(64) NOT NULL,
    first_seen_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, edited_at DATETIME,
    PRIMARY KEY (id),
    CONSTRAINT uq_posts_source_source_id UNIQUE (source, source_id));
CREATE INDEX ix_posts_created_at ON posts (created_at);
CREATE INDEX ix_posts_first_seen_at ON posts (first_seen_at);
CREATE INDEX ix_posts_official_created ON posts (is_official, created_at);
CREATE TABLE metric_snapshots (
    id INTEGER NOT NULL, post_id INTEGER NOT NULL, captured_at DATETIME NOT NULL,
    likes BIGINT, shares BIGINT, replies BIGINT, quotes BIGINT, views BIGINT,
    PRIMARY KEY (id), FOREIGN KEY(post_id) REFERENCES posts (id) ON DELETE CASCADE);
CREATE INDEX ix_metric_snapshots_post_time ON metric_snapshots (post_id, captured_at);
CREATE TABLE raw_payloads (
    id INTEGER NOT NULL, post_id INTEGER NOT NULL, retrieved_at DATETIME NOT NULL, url TEXT,
    collector VARCHAR(64) NOT NULL, sha256 VARCHAR(64) NOT NULL, payload TEXT NOT NULL,
    PRIMARY KEY (id), FOREIGN KEY(post_id) REFERENCES posts (id) ON DELETE CASCADE);
CREATE INDEX ix_raw_payloads_post ON raw_payloads (post_id, retrieved_at);
INSERT INTO schema_migrations VALUES
    (1, 'baseline: sources, posts, metric snapshots, raw payloads', '2026-11-01 00:00:00.000000');
"""


def _shape(connection) -> dict[str, dict[str, object]]:
    """Tables, columns (type, nullability), primary keys, indexes, unique and foreign keys."""
    inspector = inspect(connection)
    shape: dict[str, dict[str, object]] = {}
    for table in inspector.get_table_names():
        shape[table] = {
            "columns": {
                c["name"]: (str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
            },
            "primary_key": tuple(inspector.get_pk_constraint(table)["constrained_columns"]),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
            ),
            "unique": sorted(
                tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
            ),
            "foreign_keys": _foreign_keys(connection, inspector, table),
        }
    return shape


def _foreign_keys(connection, inspector, table: str) -> list[tuple[object, ...]]:
    """``(columns, referred table, ON DELETE)``. On SQLite the rule is read from the
    database itself (``PRAGMA foreign_key_list``): SQLAlchemy parses it only from a
    table-level ``FOREIGN KEY`` clause, and a column added by ``ALTER TABLE`` (migration
    12) can only carry its reference inline."""
    if connection.dialect.name != "sqlite":
        return sorted(
            (
                tuple(f["constrained_columns"]),
                f["referred_table"],
                f.get("options", {}).get("ondelete"),
            )
            for f in inspector.get_foreign_keys(table)
        )
    keys: dict[int, tuple[list[str], str, str | None]] = {}
    for row in connection.exec_driver_sql(f"PRAGMA foreign_key_list('{table}')"):
        columns, referred, rule = keys.setdefault(
            row[0], ([], row[2], None if row[6] == "NO ACTION" else row[6])
        )
        columns.append(row[3])
    return sorted((tuple(c), referred, rule) for c, referred, rule in keys.values())


def _models_shape(tmp_path: Path) -> dict[str, dict[str, object]]:
    """What store/schema.py describes, as SQLite creates it on an empty file."""
    reference = Database(f"sqlite:///{tmp_path / 'reference.db'}")
    with reference.write() as connection:
        schema.metadata.create_all(connection)
    with reference.read() as connection:
        shape = _shape(connection)
    reference.dispose()
    assert sorted(shape) == sorted(schema.metadata.tables)
    return shape


def _assert_same(got: dict, expected: dict) -> None:
    assert sorted(got) == sorted(expected), "tables differ from store/schema.py"
    for table in expected:
        assert got[table] == expected[table], f"table {table} differs from store/schema.py"


def test_fresh_database_matches_the_models(tmp_path: Path):
    migrated = open_database(f"sqlite:///{tmp_path / 'fresh.db'}")
    with migrated.read() as connection:
        got = _shape(connection)
    migrated.dispose()

    _assert_same(got, _models_shape(tmp_path))
    for name, table in schema.metadata.tables.items():  # names, not only shapes
        assert set(got[name]["columns"]) == {c.name for c in table.columns}, name


def test_version_1_database_upgrades_to_the_models(tmp_path: Path):
    """A change to store/schema.py without a migration fails here.

    A fresh file gets the current tables from migration 1, so only a database created by an
    *older* release shows drift: this one is built from the frozen version-1 DDL, holds a
    post, and must reach exactly the shape of store/schema.py through ``migrate``.
    """
    path = tmp_path / "v1.db"
    with sqlite3.connect(path) as raw:
        raw.executescript(SCHEMA_V1)
        raw.execute(
            "INSERT INTO posts (source, source_id, channel, text, is_official, content_hash,"
            " raw_sha256, first_seen_at, updated_at) VALUES ('news', 'a', 'website', 'kept',"
            " 0, 'h', 'r', '2026-11-01 00:00:00.000000', '2026-11-01 00:00:00.000000')"
        )
    raw.close()
    old = Database(f"sqlite:///{path}")

    applied = migrate(old)

    assert [m.version for m in applied] == [m.version for m in MIGRATIONS if m.version > 1]
    assert current_version(old) == LATEST
    with old.read() as connection:
        got = _shape(connection)
        kept = connection.scalars(select(schema.posts.c.text)).all()
    old.dispose()
    _assert_same(got, _models_shape(tmp_path))
    assert kept == ["kept"]


def test_every_migration_is_idempotent(db):
    """Later migrations may meet a database that already has their change (from create_all)."""
    with db.read() as connection:
        before = _shape(connection)
    for migration in MIGRATIONS:
        with db.write() as connection:
            migration.apply(connection)
    with db.read() as connection:
        assert _shape(connection) == before


@pytest.mark.backends("sqlite")
def test_connections_use_wal_busy_timeout_and_foreign_keys(db):
    for use in (db.read, db.write):
        with use() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    path = db.url.database
    # WAL is a property of the file: a plain sqlite3 connection sees it too
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    raw.close()


@pytest.mark.backends("sqlite")
def test_write_takes_the_write_lock_at_begin(db):
    """``write()`` is BEGIN IMMEDIATE: another writer is held off before any statement runs."""
    with db.write():
        other = sqlite3.connect(db.url.database, timeout=0, isolation_level=None)
        try:
            try:
                other.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                assert "locked" in str(exc)
            else:
                raise AssertionError("a second writer got the lock while write() held it")
            # readers are not blocked by the writer (WAL)
            assert other.execute("SELECT count(*) FROM posts").fetchone() == (0,)
        finally:
            other.close()
