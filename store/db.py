"""The database connection: SQLite by default, any SQLAlchemy URL in a bigger deployment.

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
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

BUSY_TIMEOUT_MS = 30_000
_WAL_RETRY_SECONDS = 0.005
_IMMEDIATE = "rumordesk_begin_immediate"


class Database:
    """An engine plus the two ways to use it: ``read()`` and ``write()``."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
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
        else:
            self.engine = create_engine(self.url, echo=echo, pool_pre_ping=True)
        self._writer = self.engine.execution_options(**{_IMMEDIATE: True})

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only unit of work (a snapshot on SQLite in WAL mode)."""
        with self.engine.connect() as connection:
            yield connection

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A short write transaction: committed on success, rolled back on any error."""
        with self._writer.begin() as connection:
            yield connection

    def dispose(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Database({self.url.render_as_string(hide_password=True)!r})"


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
