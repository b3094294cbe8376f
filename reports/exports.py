"""Turning a report into a file, and recording that it left the building.

Every export is an audited action ("export"): who, what, which period, which format —
public-records requests and leaks alike start with "who took a copy, and when?".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rumordesk.base.errors import RumorDeskError
from rumordesk.reports import csv_export, xlsx
from rumordesk.reports.table import Table
from rumordesk.store.db import Database
from rumordesk.triage.audit import record_now
from rumordesk.triage.roles import Actor

FORMATS = ("xlsx", "csv")


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
        return ExportFile(
            f"{stem}.zip", csv_export.zip_bytes(tables, folder=stem), csv_export.MEDIA_TYPE
        )
    raise RumorDeskError(f"unknown export format {fmt!r} (expected {' or '.join(FORMATS)})")


def audit_export(
    db: Database, actor: Actor, file: ExportFile, *, kind: str, detail: Mapping[str, Any]
) -> int:
    """Record the export in the audit log; returns the entry's id."""
    return record_now(
        db,
        actor,
        "export",
        subject=f"{kind}: {file.filename}",
        detail={"kind": kind, "file": file.filename, "bytes": len(file.content), **detail},
    )
