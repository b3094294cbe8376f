"""Tables, and writing rows as CSV or JSON that a spreadsheet cannot turn into code.

:class:`Table` is the shape every export (CSV, XLSX) and the dashboard page share.

Post text and author names are untrusted. A cell starting with ``=``, ``+``, ``-``, ``@``,
a tab, a carriage return or a NUL can run as a formula when the file is opened in Excel
or LibreOffice (CSV injection), so such cells get a leading apostrophe
(:func:`escape_cell`, also used by :mod:`reports.xlsx`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\x00")


@dataclass(frozen=True, slots=True)
class Table:
    """Columns in order, and rows keyed by column; ``None`` is an unavailable figure.

    ``headers`` are what a person reads above each column (a file's header row, the page's
    table); code keeps using the column keys."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
    headers: dict[str, str] = field(default_factory=dict)

    def heading(self, column: str) -> str:
        return self.headers.get(column, column)

    @property
    def headings(self) -> list[str]:
        return [self.heading(c) for c in self.columns]


def escape_cell(value: Any) -> Any:
    """Neutralise a text cell that a spreadsheet would read as a formula; others unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def write_csv(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    out: IO[str],
    *,
    headers: Sequence[str] | None = None,
) -> int:
    """Write a header (``headers``, else the column keys) and the rows (UTF-8 text stream
    expected); returns rows written."""
    # CRLF, as RFC 4180 says: with a bare "\n" terminator the csv module leaves a cell that
    # holds a lone "\r" unquoted, and a spreadsheet starts a new row (and a new, unescaped
    # cell, e.g. "=cmd") there.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers or columns)
    count = 0
    for row in rows:
        writer.writerow([escape_cell(_plain(row.get(column))) for column in columns])
        count += 1
    return count


def write_json(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], out: IO[str]) -> int:
    """JSON Lines: one object per row, with ISO dates. JSON is data, so nothing is escaped."""
    count = 0
    for row in rows:
        out.write(json.dumps({c: _plain(row.get(c)) for c in columns}, ensure_ascii=False) + "\n")
        count += 1
    return count
