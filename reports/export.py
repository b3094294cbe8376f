"""Turning tables into a file, and recording that it left the building.

A file is an Excel workbook (one sheet per table, :mod:`reports.xlsx`) or a zip of CSVs
(one per table, written by :func:`reports.tables.write_csv`, so cells a spreadsheet would
run as formulas are escaped exactly as in every other export).

Every export is an audited action ("export"): who, what, which period, which format —
public-records requests and leaks alike start with "who took a copy, and when?".
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rumordesk.base.errors import RumorDeskError
from rumordesk.reports import xlsx
from rumordesk.reports.tables import Table, write_csv
from rumordesk.store.db import Database
from rumordesk.triage.audit import record, record_now
from rumordesk.triage.authz import acting
from rumordesk.triage.roles import AUTOMATIC, Actor, Permission

FORMATS = ("xlsx", "csv")
CSV_ZIP_MEDIA_TYPE = "application/zip"


@dataclass(frozen=True, slots=True)
class ExportFile:
    filename: str
    content: bytes
    media_type: str


def render(tables: list[Table], *, stem: str, fmt: str, title: str) -> ExportFile:
    """``stem.xlsx`` (one sheet per table) or ``stem.zip`` (one CSV per table)."""
    if fmt == "xlsx":
        return ExportFile(f"{stem}.xlsx", xlsx.workbook_bytes(tables, title=title), xlsx.MEDIA_TYPE)
    if fmt == "csv":
        return ExportFile(f"{stem}.zip", csv_zip(tables, folder=stem), CSV_ZIP_MEDIA_TYPE)
    raise RumorDeskError(f"unknown export format {fmt!r} (expected {' or '.join(FORMATS)})")


def table_csv(table: Table) -> bytes:
    """One table as a UTF-8 CSV file with a header row."""
    text = io.StringIO(newline="")
    write_csv(table.rows, table.columns, text, headers=table.headings)
    return text.getvalue().encode("utf-8")


def csv_zip(tables: Sequence[Table], *, folder: str) -> bytes:
    """``folder/<table>.csv`` for each table (a folder, so unzipping makes no mess)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            archive.writestr(f"{folder}/{table.name}.csv", table_csv(table))
    return buffer.getvalue()


def audit_export(
    db: Database, actor: Actor, file: ExportFile, *, kind: str, detail: Mapping[str, Any]
) -> int:
    """Record the export in the audit log; returns the entry's id. A person's export is
    recorded only if their account may export now (triage/authz.py); the scheduler's and
    the command line's (the system actor) always are."""
    fields: dict[str, Any] = {
        "subject": f"{kind}: {file.filename}",
        "detail": {"kind": kind, "file": file.filename, "bytes": len(file.content), **detail},
    }
    if actor.account == AUTOMATIC:
        return record_now(db, actor, "export", **fields)
    with acting(db, actor, Permission.EXPORT) as connection:
        return record(connection, actor, "export", **fields)
