"""Many rows in one go: what ``save_batch`` sends when a collector stores a big feed.

On SQLite, SQLAlchemy's batched INSERT (a few multi-row statements). On PostgreSQL the
same multi-row statements are several times slower than the server needs: psycopg parses
the text of each 1,000-row statement again in Python (its statement cache keeps short
ones only) — two of the three seconds of 10,000 new posts. There, each column goes as one
array and the rows come out of ``unnest``: one short statement, one round trip.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY

from rumordesk.store.db import insert_for


def insert_rows(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    skip_conflicts_on: Sequence[str] = (),
    returning: Sequence[str] = (),
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (dicts with the same keys) in the caller's transaction.

    ``skip_conflicts_on``: columns of a unique key; a row clashing with a stored one is
    skipped (``ON CONFLICT DO NOTHING``). ``returning``: columns returned for each row
    actually inserted, in no particular order.
    """
    if not rows:
        return []
    if connection.dialect.name == "postgresql":
        return _unnested(connection, table, rows, skip_conflicts_on, returning)
    statement = insert_for(connection, table) if skip_conflicts_on else insert(table)
    if skip_conflicts_on:
        statement = statement.on_conflict_do_nothing(
            index_elements=[table.c[name] for name in skip_conflicts_on]
        )
    if not returning:
        connection.execute(statement, list(rows))
        return []
    statement = statement.returning(*(table.c[name] for name in returning))
    return [tuple(row) for row in connection.execute(statement, list(rows))]


def _unnested(
    connection: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    skip_conflicts_on: Sequence[str],
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    """``INSERT … SELECT * FROM unnest(column arrays)``: one short statement whatever the
    number of rows (values bound per element by the columns' own types)."""
    columns = list(rows[0])
    arrays = [bindparam(name, type_=ARRAY(table.c[name].type)) for name in columns]
    source = func.unnest(*arrays).table_valued(*columns).render_derived()
    statement = postgresql.insert(table).from_select(
        columns, select(*(source.c[name] for name in columns))
    )
    if skip_conflicts_on:
        statement = statement.on_conflict_do_nothing(
            index_elements=[table.c[name] for name in skip_conflicts_on]
        )
    if returning:
        statement = statement.returning(*(table.c[name] for name in returning))
    values = {name: [row[name] for row in rows] for name in columns}
    result = connection.execute(statement, values)
    return [tuple(row) for row in result] if returning else []
