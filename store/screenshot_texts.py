"""The text read from a staff report's screenshot, kept beside the report.

One row per report (``post_id``), with the screenshot's SHA-256 (the same file under
``[staff_reports].screenshot_dir``), what read it, how sure it was, and the PIO's
correction when there is one. A screenshot sent again is not read again: its last text
(corrected, if the PIO corrected it) is reused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from rumordesk.store.db import Database
from rumordesk.store.schema import screenshot_texts

#: status values
READ, UNAVAILABLE, FAILED = "read", "unavailable", "failed"


@dataclass(frozen=True, slots=True)
class ScreenshotText:
    post_id: int
    sha256: str
    status: str
    engine: str
    languages: str
    confidence: float | None
    text: str
    details: Mapping[str, Any]
    message: str | None
    extracted_at: datetime
    corrected_text: str | None
    corrected_by: str | None
    corrected_at: datetime | None

    @property
    def current(self) -> str:
        """The text as it stands: the PIO's correction, else what was read."""
        return self.corrected_text if self.corrected_text is not None else self.text


def _row(row: Any) -> ScreenshotText:
    return ScreenshotText(
        post_id=row.post_id,
        sha256=row.sha256,
        status=row.status,
        engine=row.engine,
        languages=row.languages,
        confidence=row.confidence,
        text=row.text,
        details=json.loads(row.details or "{}"),
        message=row.message,
        extracted_at=row.extracted_at,
        corrected_text=row.corrected_text,
        corrected_by=row.corrected_by,
        corrected_at=row.corrected_at,
    )


def record_text(connection: Connection, values: Mapping[str, Any]) -> None:
    """Keep what was read for a report (once: a report filed twice keeps its first row)."""
    found = connection.scalar(
        select(screenshot_texts.c.id).where(screenshot_texts.c.post_id == values["post_id"])
    )
    if found is None:
        row = dict(values)
        row["details"] = json.dumps(row.get("details") or {}, ensure_ascii=False)
        connection.execute(insert(screenshot_texts).values(**row))


def text_of(db: Database, post_id: int) -> ScreenshotText | None:
    with db.read() as connection:
        row = connection.execute(
            select(screenshot_texts).where(screenshot_texts.c.post_id == post_id)
        ).first()
    return _row(row) if row else None


def texts_of(db: Database, post_ids: list[int]) -> dict[int, ScreenshotText]:
    if not post_ids:
        return {}
    with db.read() as connection:
        rows = connection.execute(
            select(screenshot_texts).where(screenshot_texts.c.post_id.in_(post_ids))
        ).all()
    return {row.post_id: _row(row) for row in rows}


def known_text(db: Database, sha256: str) -> ScreenshotText | None:
    """The latest successful reading of the same screenshot, if it was read before."""
    with db.read() as connection:
        row = connection.execute(
            select(screenshot_texts)
            .where(screenshot_texts.c.sha256 == sha256, screenshot_texts.c.status == READ)
            .order_by(screenshot_texts.c.id.desc())
            .limit(1)
        ).first()
    return _row(row) if row else None


def set_correction(
    connection: Connection, post_id: int, text: str, *, by: str, at: datetime
) -> None:
    connection.execute(
        update(screenshot_texts)
        .where(screenshot_texts.c.post_id == post_id)
        .values(corrected_text=text, corrected_by=by, corrected_at=at)
    )
