"""The database connection: SQLite on one machine, PostgreSQL for several.

SQLite is tuned for one collector writing while the dashboard reads:

* WAL journal, so readers never block the writer and the writer never blocks readers;
* a busy timeout, so two writers wait for each other instead of failing;
* write transactions start with ``BEGIN IMMEDIATE``: a deferred transaction that reads
  and then writes can fail at once with "database is locked" when another writer got
  there first (SQLite cannot wait in that case), an immediate one waits its turn;
* switching a new file to WAL is retried until the busy timeout: SQLite answers
  ``PRAGMA journal_mode=WAL`` with SQLITE_BUSY at once, without calling the busy
  handler, while another connection holds a lock (several processes opening a new
  database together: the collector loop, the dashboard and a CLI command).

PostgreSQL (psycopg 3, ``pip install 'rumordesk[postgres]'``) runs several collectors and
dashboards on one database. It has no single writer lock, so nothing may rely on one:
writes are upserts or conditional updates, and what must happen once takes
:func:`lock` — a transaction-scoped advisory lock on a name (a story, the migrations) that
SQLite's ``BEGIN IMMEDIATE`` already gives for free. ``read()`` is one snapshot
(``REPEATABLE READ``, read only) on both: a page that reads several tables sees them as
they were at one moment.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError

from rumordesk.base.errors import ConfigError

BUSY_TIMEOUT_MS = 30_000
_WAL_RETRY_SECONDS = 0.005
_IMMEDIATE = "rumordesk_begin_immediate"
#: What the server lists in ``pg_stat_activity`` for our connections.
APPLICATION_NAME = "rumordesk"
SUPPORTED = ("sqlite", "postgresql")
#: PostgreSQL's "deadlock detected" and "could not serialize": the transaction was rolled
#: back as a whole and may simply run again.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
TRANSACT_ATTEMPTS = 3

log = logging.getLogger(__name__)
T = TypeVar("T")


def database_url(url: str | URL) -> URL:
    """The URL as given, with psycopg 3 as the PostgreSQL driver unless another is named."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


class Database:
    """An engine plus the two ways to use it: ``read()`` and ``write()``."""

    def __init__(self, url: str | URL, *, echo: bool = False) -> None:
        self.url = database_url(url)
        backend = self.url.get_backend_name()
        if backend not in SUPPORTED:
            raise ConfigError(
                f"Rumor Desk runs on SQLite or PostgreSQL, not {backend} "
                f"({self.url.render_as_string(hide_password=True)})"
            )
        self.is_sqlite = backend == "sqlite"
        self.is_postgresql = backend == "postgresql"
        if self.is_sqlite:
            if self.url.database and self.url.database != ":memory:":
                Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(
                self.url,
                echo=echo,
                connect_args={
                    "timeout": BUSY_TIMEOUT_MS / 1000,
                    "isolation_level": None,
                    "check_same_thread": False,
                },
            )
            _tune_sqlite(self.engine)
            self._reader = self.engine
        else:
            self.engine = create_engine(
                self.url,
                echo=echo,
                pool_pre_ping=True,
                # No server-side prepared statements: after a few runs PostgreSQL may switch
                # a prepared statement to a generic plan, and a generic ``IN (…500 values)``
                # filters every row of the source instead of probing the index (100× slower).
                # Planning each statement for its values costs far less; PgBouncer-safe too.
                connect_args={"application_name": APPLICATION_NAME, "prepare_threshold": None},
            )
            self._reader = self.engine.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        self._writer = self.engine.execution_options(**{_IMMEDIATE: True})

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only unit of work that sees one snapshot of every table it reads."""
        with self._reader.connect() as connection:
            yield connection

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A short write transaction: committed on success, rolled back on any error."""
        with self._writer.begin() as connection:
            yield connection

    def transact(self, work: Callable[[Connection], T], *, attempts: int = TRANSACT_ATTEMPTS) -> T:
        """``work(connection)`` in a write transaction, run again from the start when the
        server rolled it back to break a deadlock or a serialization conflict (nothing of the
        failed attempt stays). ``work`` must only touch the database."""
        for attempt in range(1, attempts + 1):
            try:
                with self.write() as connection:
                    return work(connection)
            except DBAPIError as exc:
                if attempt == attempts or not is_retryable(exc):
                    raise
                log.info("transaction rolled back (%s); running it again", exc.orig)
        raise AssertionError("unreachable")  # pragma: no cover

    def dispose(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r})"


def lock(connection: Connection, *names: str) -> None:
    """Hold a lock on each name until the transaction ends, so what the names stand for
    (a story, the migrations) is decided by one process at a time.

    PostgreSQL: transaction-scoped advisory locks, taken in one sorted order so two
    transactions locking overlapping names cannot deadlock. SQLite: nothing to do, the
    write transaction (``BEGIN IMMEDIATE``) already excludes every other writer.
    """
    if connection.dialect.name != "postgresql" or not names:
        return
    keys = sorted({lock_key(name) for name in names})
    connection.execute(
        text(
            "SELECT count(pg_advisory_xact_lock(k)) FROM "
            "(SELECT unnest(CAST(:keys AS bigint[])) AS k ORDER BY 1) AS ordered"
        ),
        {"keys": keys},
    )


def is_retryable(exc: DBAPIError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def lock_key(name: str) -> int:
    """A name as a signed 64-bit advisory lock key (a collision only serialises more)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def insert_for(connection: Connection, table: Table) -> Any:
    """The dialect's INSERT, which has ``on_conflict_do_nothing`` and ``…_do_update``."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _switch_to_wal(cursor: sqlite3.Cursor) -> None:
    """``PRAGMA journal_mode=WAL``, retried while another connection holds a lock.

    Only the first switch of a file needs the exclusive lock (WAL is persistent); SQLite
    reports the conflict at once instead of waiting, so this waits up to the busy timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(_WAL_RETRY_SECONDS)


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(exc) or "busy" in str(exc)
