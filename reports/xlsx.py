"""Excel workbooks a communications office can open, sort and forward, built with openpyxl.

One sheet per table: a bold, frozen header row with a filter, widths that fit the content,
counts with thousands separators, rates as percentages, and dates as real (local, naive)
spreadsheet dates. Nothing taken from data becomes a formula: openpyxl writes any string
starting with ``=`` as one, so every text cell first loses the control characters XML
cannot hold and is then escaped by :func:`reports.tables.escape_cell` — the same rule
the CSV exports follow (``=``, ``+``, ``-``, ``@``, tab, CR, NUL get a leading apostrophe).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from rumordesk.reports.tables import Table, escape_cell

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
MAX_WIDTH = 60
MIN_WIDTH = 8
_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
#: Excel's own limit on a cell's text.
MAX_CELL_CHARS = 32_767


def text_cell(value: str) -> str:
    """A string openpyxl will store as text, never as a formula."""
    cleaned = ILLEGAL_CHARACTERS_RE.sub("", value)  # before escaping: "\x01=1" must not pass
    return escape_cell(cleaned)[:MAX_CELL_CHARS]


def _number_format(column: str, value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return DATETIME_FORMAT
    if isinstance(value, date):
        return DATE_FORMAT
    if isinstance(value, int):
        return "#,##0"
    if isinstance(value, float):
        if column.endswith("rate"):
            return "0.00%"
        if column.endswith("pct") or column.endswith("(%)"):
            return '0.0"%"'
        return "#,##0.0"
    return None


def _cell_value(value: Any) -> Any:
    if isinstance(value, str):
        return text_cell(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        raise ValueError("spreadsheet dates must be naive local times")  # a bug, not input
    if value is None or isinstance(value, int | float | date | bool):
        return value
    return text_cell(str(value))


def sheet_title(title: str, taken: set[str]) -> str:
    base = _SHEET_NAME.sub(" ", title).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def add_table(sheet: Worksheet, table: Table) -> None:
    sheet.append(table.headings)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(c) for c in table.headings]
    for row in table.rows:
        values = [row.get(column) for column in table.columns]
        sheet.append([_cell_value(v) for v in values])
        for index, (column, value) in enumerate(zip(table.columns, values, strict=True)):
            cell = sheet.cell(row=sheet.max_row, column=index + 1)
            number_format = _number_format(column, value)
            if number_format:
                cell.number_format = number_format
            if isinstance(value, str) and len(value) > MAX_WIDTH:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            widths[index] = max(widths[index], _shown_width(value))
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = min(
            MAX_WIDTH, max(MIN_WIDTH, width + 2)
        )
    sheet.freeze_panes = "A2"
    if table.rows:
        last = get_column_letter(len(table.columns))
        sheet.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"


def _shown_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, float):
        return 10
    if isinstance(value, int) and not isinstance(value, bool):
        return len(f"{value:,}")
    return len(str(value))


def workbook_bytes(tables: Sequence[Table], *, title: str = "Rumor Desk export") -> bytes:
    """The tables as an .xlsx file, one sheet each, in order."""
    book = Workbook()
    book.remove(book.active)
    book.properties.title = text_cell(title)
    book.properties.creator = "Rumor Desk"
    taken: set[str] = set()
    for table in tables:
        add_table(book.create_sheet(sheet_title(table.title, taken)), table)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
