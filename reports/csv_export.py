"""Tables as CSV: one UTF-8 file per table, with a header row, together in one zip.

Each file is written by :func:`reports.tabular.write_csv`, so cells a spreadsheet would
run as formulas are escaped exactly as in every other export.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from rumordesk.reports.table import Table
from rumordesk.reports.tabular import write_csv

MEDIA_TYPE = "application/zip"


def table_csv(table: Table) -> bytes:
    text = io.StringIO(newline="")
    write_csv(table.rows, table.columns, text)
    return text.getvalue().encode("utf-8")


def zip_bytes(tables: Sequence[Table], *, folder: str) -> bytes:
    """``folder/<table>.csv`` for each table (a folder, so unzipping makes no mess)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            archive.writestr(f"{folder}/{table.name}.csv", table_csv(table))
    return buffer.getvalue()
