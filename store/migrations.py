"""Versioned schema migrations, applied in order and recorded in ``schema_migrations``.

A fresh database gets the current shape of every table from migration 1 (``create_all``
creates what is missing); each later migration brings an *older* database up to date and
must therefore be idempotent (add a column only if it is missing, and so on).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, insert, inspect, select
from sqlalchemy.schema import CreateColumn

from rumordesk.store import schema
from rumordesk.store.db import Database


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


def _baseline(connection: Connection) -> None:
    schema.metadata.create_all(connection)


def _create_missing(*tables: str) -> Callable[[Connection], None]:
    def apply(connection: Connection) -> None:
        schema.metadata.create_all(connection, tables=[schema.metadata.tables[t] for t in tables])

    return apply


def _alerts(connection: Connection) -> None:
    schema.alerts.create(connection, checkfirst=True)
    schema.ix_rumors_updated_at.create(connection, checkfirst=True)


def _guardrails(connection: Connection) -> None:
    schema.search_config_log.create(connection, checkfirst=True)
    schema.ix_rumors_lead_post.create(connection, checkfirst=True)


def _add_column(connection: Connection, table: str, column: str) -> None:
    """``ALTER TABLE … ADD COLUMN`` as the current schema describes it, if it is missing."""
    if column in {c["name"] for c in inspect(connection).get_columns(table)}:
        return
    described = schema.metadata.tables[table].c[column]
    spec = CreateColumn(described).compile(dialect=connection.dialect)
    references = ""
    for key in described.foreign_keys:
        target = key.column
        references = f" REFERENCES {target.table.name} ({target.name})"
        if key.ondelete:
            references += f" ON DELETE {key.ondelete}"
    connection.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {spec}{references}")


def _threads_and_screenshots(connection: Connection) -> None:
    _add_column(connection, "posts", "in_reply_to")
    _add_column(connection, "posts", "reply_to_post_id")
    schema.ix_posts_in_reply_to.create(connection, checkfirst=True)
    schema.ix_posts_reply_to_post.create(connection, checkfirst=True)
    schema.screenshot_texts.create(connection, checkfirst=True)
    for index in schema.screenshot_texts.indexes:
        index.create(connection, checkfirst=True)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "baseline: sources, posts, metric snapshots, raw payloads", _baseline),
    Migration(2, "scores and rumours", _create_missing("rumors", "post_scores")),
    Migration(
        3, "triage: users, audit log, evidence", _create_missing("users", "audit_log", "evidence")
    ),
    Migration(5, "alerts: queue and delivery status, rumours by update time", _alerts),
    Migration(7, "guardrails: the collection-configuration log, rumours by lead post", _guardrails),
    Migration(
        12,
        "threads and screenshot text: replies linked to Department posts, OCR of staff screenshots",
        _threads_and_screenshots,
    ),
)


def current_version(db: Database) -> int:
    return max(_applied_versions(db), default=0)


def _applied_versions(db: Database) -> set[int]:
    with db.read() as connection:
        if not inspect(connection).has_table(schema.schema_migrations.name):
            return set()
        return set(connection.scalars(select(schema.schema_migrations.c.version)))


def migrate(db: Database) -> list[Migration]:
    """Apply every pending migration in one write transaction; return those applied.

    Processes that start together (the loop, the dashboard, a CLI command) all call this:
    the write transaction (``BEGIN IMMEDIATE`` on SQLite) makes them take turns, and each
    reads what is applied only once it holds the lock, so every migration runs once.
    """
    if {m.version for m in MIGRATIONS} <= _applied_versions(db):
        return []  # the common case: nothing pending, no write lock taken
    applied: list[Migration] = []
    with db.write() as connection:
        schema.schema_migrations.create(connection, checkfirst=True)
        done = set(connection.scalars(select(schema.schema_migrations.c.version)))
        for migration in MIGRATIONS:
            if migration.version in done:
                continue
            migration.apply(connection)
            connection.execute(
                insert(schema.schema_migrations).values(
                    version=migration.version, name=migration.name, applied_at=datetime.now(UTC)
                )
            )
            applied.append(migration)
    return applied
