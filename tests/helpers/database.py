"""The test's database as the other parts of a test need it: a URL for a config file, and
a way to change it behind the application's back (what the audit chain must catch)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, text

from rumordesk.store.db import Database

#: SQLite's append-only triggers of the audit log and of its head row (store/schema.py); a
#: tamperer drops them first.
SQLITE_AUDIT_TRIGGERS = (
    "audit_log_no_update",
    "audit_log_no_delete",
    "audit_head_no_delete",
    "audit_head_forward",
)


def url_of(db: Database) -> str:
    """The database's URL, credentials included, for a config file or a subprocess."""
    return db.url.render_as_string(hide_password=False)


def storage_toml(db: Database) -> str:
    """A config file's ``[storage]`` section pointing at ``db``."""
    return f'[storage]\ndatabase_url = "{url_of(db)}"\n'


def tamper(db: Database, *statements: str, **params: Any) -> None:
    """Run ``statements`` as someone with direct access to the data, not the application:
    on SQLite a plain connection to the file that drops the triggers; on PostgreSQL the
    cluster's superuser with triggers switched off for the transaction."""
    engine = create_engine(db.url)
    try:
        with engine.begin() as connection:
            if db.is_sqlite:
                for trigger in SQLITE_AUDIT_TRIGGERS:
                    connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
            else:
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            for statement in statements:
                connection.execute(text(statement), params)
    finally:
        engine.dispose()


def query_plan(db: Database, statement: str, **params: Any) -> str:
    """How the database would run ``statement``, as text. PostgreSQL is told to avoid a
    table scan, so a tiny test table still shows whether an index *can* answer it."""
    with db.read() as connection:
        if db.is_sqlite:
            rows = connection.execute(text(f"EXPLAIN QUERY PLAN {statement}"), params).all()
        else:
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            rows = connection.execute(text(f"EXPLAIN {statement}"), params).all()
    return "\n".join(str(row) for row in rows)


def wait_for_lock_waiters(db: Database, count: int = 1, *, timeout: float = 30.0) -> None:
    """Poll PostgreSQL until ``count`` backends wait for an advisory lock (observed in
    ``pg_locks``, not guessed from timing)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        with db.read() as connection:
            waiting = connection.exec_driver_sql(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            ).scalar()
        if waiting >= count:
            return
        assert time.monotonic() < deadline, "nobody waited for the lock"
        time.sleep(0.005)  # the polling interval


class Raw:
    """A connection that runs SQL as written (``?`` placeholders), on either backend."""

    def __init__(self, connection: Any, sqlite: bool) -> None:
        self.connection, self.sqlite = connection, sqlite

    def execute(self, statement: str, params: tuple = ()) -> Any:  # type: ignore[type-arg]
        if not self.sqlite:
            statement = statement.replace("?", "%s")
        return self.connection.exec_driver_sql(statement, tuple(params))


@contextmanager
def owner(db: Database) -> Iterator[Raw]:
    """The database owner at the keyboard, past the append-only triggers (as :func:`tamper`):
    everything done in the block is committed at its end."""
    engine = create_engine(db.url)
    try:
        with engine.begin() as connection:
            if db.is_sqlite:
                for trigger in SQLITE_AUDIT_TRIGGERS:
                    connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
            else:
                connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            yield Raw(connection, db.is_sqlite)
    finally:
        engine.dispose()
