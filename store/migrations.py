"""Versioned schema migrations, applied in order and recorded in ``schema_migrations``.

A fresh database gets the current shape of every table from migration 1 (``create_all``
creates what is missing); each later migration brings an *older* database up to date and
must therefore be idempotent (add a column only if it is missing, and so on).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, func, insert, inspect, select, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.schema import CreateColumn

from rumordesk.base.errors import RumorDeskError
from rumordesk.store import schema
from rumordesk.store.db import Database, lock

#: The advisory lock every migrating process takes first (PostgreSQL; SQLite's write
#: transaction already excludes other writers).
MIGRATION_LOCK = "rumordesk:migrations"


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


def _pending_scores(connection: Connection) -> None:
    schema.pending_scores.create(connection, checkfirst=True)


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


def _security(connection: Connection) -> None:
    """Accounts re-checked at each action, sign-in throttling per client, and the audit
    log's signed entries and head (the head starts where the existing chain ends)."""
    _add_column(connection, "users", "sessions_revoked_at")
    _add_column(connection, "audit_log", "mac")
    schema.sign_in_throttle.create(connection, checkfirst=True)
    schema.audit_head.create(connection, checkfirst=True)
    if connection.scalar(select(func.count()).select_from(schema.audit_head)):
        return
    log = schema.audit_log
    entries = connection.scalar(select(func.count()).select_from(log)) or 0
    last = connection.scalar(select(log.c.hash).order_by(log.c.id.desc()).limit(1))
    connection.execute(
        insert(schema.audit_head).values(
            id=1, seq=entries, hash=last or schema.AUDIT_GENESIS, updated_at=datetime.now(UTC)
        )
    )


def _browser_sessions(connection: Connection) -> None:
    schema.browser_sessions.create(connection, checkfirst=True)
    schema.ix_browser_sessions_user.create(connection, checkfirst=True)


def _scale_out(connection: Connection) -> None:
    schema.leases.create(connection, checkfirst=True)
    schema.shared_files.create(connection, checkfirst=True)
    if connection.dialect.name == "postgresql":
        connection.execute(text(schema.POSTGRES_APPEND_ONLY_FUNCTION))
        connection.execute(text(schema.POSTGRES_NO_TRUNCATE_IF_MISSING))
        connection.execute(text(schema.POSTGRES_AUDIT_PRIVILEGES))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "baseline: sources, posts, metric snapshots, raw payloads", _baseline),
    Migration(2, "scores and rumours", _create_missing("rumors", "post_scores")),
    Migration(
        3, "triage: users, audit log, evidence", _create_missing("users", "audit_log", "evidence")
    ),
    Migration(5, "alerts: queue and delivery status, rumours by update time", _alerts),
    Migration(7, "guardrails: the collection-configuration log, rumours by lead post", _guardrails),
    Migration(8, "scoring outbox: posts stored but not yet scored", _pending_scores),
    Migration(
        9,
        "security: session revocation, sign-in throttling, the audit log's signatures and head",
        _security,
    ),
    Migration(10, "dashboard sign-ins that survive a reload: browser sessions", _browser_sessions),
    Migration(11, "scale out: leases, shared files, the audit log refuses TRUNCATE", _scale_out),
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

    Processes that start together (collectors, dashboards, a CLI command, on one host or
    several) all call this. They take turns: SQLite's write transaction (``BEGIN
    IMMEDIATE``) and, on PostgreSQL, an advisory lock taken before anything is read; each
    reads what is applied only once it holds the lock, so every migration runs once.
    """
    if {m.version for m in MIGRATIONS} <= _applied_versions(db):
        return []  # the common case: nothing pending, no write lock taken
    applied: list[Migration] = []
    try:
        with db.write() as connection:
            lock(connection, MIGRATION_LOCK)
            schema.schema_migrations.create(connection, checkfirst=True)
            done = set(connection.scalars(select(schema.schema_migrations.c.version)))
            for migration in MIGRATIONS:
                if migration.version in done:
                    continue
                migration.apply(connection)
                connection.execute(
                    insert(schema.schema_migrations).values(
                        version=migration.version,
                        name=migration.name,
                        applied_at=datetime.now(UTC),
                    )
                )
                applied.append(migration)
    except ProgrammingError as exc:
        if "permission denied" not in str(exc.orig) and "must be owner" not in str(exc.orig):
            raise
        raise RumorDeskError(
            "the database needs an upgrade that this role may not make: run "
            "`rumordesk init` once with the owner role's URL (docs/postgresql/README.md)"
        ) from exc
    return applied
