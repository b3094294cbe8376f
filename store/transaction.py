"""Several writes as one transaction: a ``Database`` whose ``write()`` joins an open one.

:func:`~rumordesk.store.posts.save_batch` writes a batch in a transaction of its own. A CSV
import of 150,000 rows must be one transaction (all rows or none) without holding every
post in memory at once: :func:`one_transaction` hands out a database view on which each
``save_batch`` call of a chunk writes into the same, still open, transaction; it commits
when the ``with`` block ends and rolls everything back if anything in it raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from rumordesk.store.db import Database


class JoinedDatabase(Database):
    """``db`` seen from inside an open write transaction: reads and writes join it."""

    def __init__(self, db: Database, connection: Connection) -> None:  # no new engine
        self.url = db.url
        self.is_sqlite = db.is_sqlite
        self.engine = db.engine
        self._writer = db._writer
        self.connection = connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        yield self.connection

    @contextmanager
    def write(self) -> Iterator[Connection]:
        yield self.connection  # committed or rolled back by one_transaction, not here

    def transact(self, work, *, attempts: int = 1):  # type: ignore[no-untyped-def]
        """``work`` in the open transaction, once: only the transaction's owner could run
        it again (a PostgreSQL transaction rolled back to break a deadlock is over)."""
        return work(self.connection)

    def dispose(self) -> None:  # the engine belongs to the database this view was made from
        pass


@contextmanager
def one_transaction(db: Database) -> Iterator[JoinedDatabase]:
    """A write transaction that several ``save_batch`` calls share."""
    with db.write() as connection:
        yield JoinedDatabase(db, connection)
