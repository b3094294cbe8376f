"""A staff member's report ("screenshot it and forward it to the PIO") into the queue.

The report is stored by :func:`rumordesk.collectors.staff_report.submit` (a post, source
``staff_report``), scored like any post, and its rumour gets priority 1 so it sits above
the model's order. A report the model would not have flagged still reaches the PIO: it
opens a rumour of its own — the policy says the PIO sees what staff forward, not a filter.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from rumordesk.base.config import AppSettings
from rumordesk.classify import rumours
from rumordesk.collectors.ocr import Extracted
from rumordesk.collectors.staff_report import SOURCE, Reading, submit
from rumordesk.store.db import Database
from rumordesk.store.schema import audit_log, post_scores, posts, rumors
from rumordesk.triage import authz
from rumordesk.triage.audit import record
from rumordesk.triage.roles import Actor, Permission
from rumordesk.triage.workflow import DECISION_LABELS, STATUS_LABELS

STAFF_PRIORITY = 1
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Filed:
    post_id: int
    rumor_id: int
    #: What was read from the screenshot (None without one): its status, languages,
    #: confidence, and why nothing was read when nothing was.
    reading: Reading | None = None


def file_report(
    db: Database,
    settings: AppSettings,
    actor: Actor,
    *,
    url: str | None,
    text: str,
    where: str,
    note: str | None = None,
    screenshot: bytes | None = None,
    filename: str | None = None,
    score: Callable[[list[int]], Any] | None = None,
    extract: Callable[[bytes], Extracted] | None = None,
) -> Filed:
    """File a report (text, or a screenshot alone, or both), score it and put it in the
    PIO's queue. ``extract`` reads a screenshot (default: Tesseract)."""
    authz.check(db, actor, Permission.REPORT)  # before anything is stored
    stored = submit(
        db,
        settings,
        url=url,
        text=text,
        where=where,
        reported_by=str(actor),
        note=note,
        screenshot=screenshot,
        filename=filename,
        extract=extract,
    )
    post_id = stored.post_id
    if stored.new:
        with authz.acting(db, actor, Permission.REPORT) as connection:
            record(
                connection,
                actor,
                "staff_report",
                subject=f"post:{post_id}",
                detail={
                    "reported_by": str(actor),
                    "channel": stored.channel,
                    "screenshot_sha256": stored.screenshot["sha256"] if stored.screenshot else None,
                    "screenshot_text": stored.reading.status if stored.reading else None,
                },
            )
    if score is None:
        from rumordesk.classify.scoring import PostScorer

        score = PostScorer(settings, db).score
    try:
        score([post_id])
    except Exception:  # the report must reach the PIO even when the scorer cannot run
        log.exception("scoring staff report %d failed; it is queued unscored", post_id)
    return Filed(post_id, prioritise(db, post_id), stored.reading)


def describe_reading(reading: Reading) -> str:
    """One line for the reporter: what was read from the screenshot, or why not."""
    if reading.status == "read" and reading.text:
        sure = f", {reading.confidence:.0%} confident" if reading.confidence is not None else ""
        return f"screenshot text read ({reading.languages}{sure}): {len(reading.text)} characters"
    return f"screenshot text not read: {reading.message or reading.status}"


def prioritise(db: Database, post_id: int) -> int:
    """The report's rumour (its own when the model opened none), at staff priority."""
    with db.write() as connection:
        rumour_id = rumours.open_for_post(
            connection, post_id, datetime.now(UTC), reason="reported by staff"
        )
        rumours.set_priority(connection, rumour_id, STAFF_PRIORITY)
    return rumour_id


@dataclass(frozen=True, slots=True)
class MyReport:
    post_id: int
    reported_at: datetime
    channel: str
    text: str
    rumor_id: int | None
    status: str


def my_reports(db: Database, actor: Actor, *, limit: int = 100) -> list[MyReport]:
    """The actor's own reports, newest first, with what became of each (from the audit log:
    who filed a report is recorded there, not in a list of people)."""
    with authz.reading(db, actor, Permission.VIEW_OWN_REPORTS) as connection:
        filed = connection.execute(
            select(audit_log.c.at, audit_log.c.subject)
            .where(audit_log.c.actor == actor.username, audit_log.c.action == "staff_report")
            .order_by(audit_log.c.id.desc())
            .limit(limit)
        ).all()
        pairs = [
            (entry, int(entry.subject.split(":", 1)[1]))
            for entry in filed
            if (entry.subject or "").startswith("post:")
        ]
        ids = [post_id for _, post_id in pairs]
        found = {
            row.id: row
            for row in connection.execute(
                select(
                    posts.c.id,
                    posts.c.channel,
                    posts.c.text,
                    post_scores.c.rumor_id,
                    rumors.c.status,
                    rumors.c.closed_at,
                    rumors.c.escalated_at,
                    rumors.c.decision,
                )
                .select_from(posts)
                .outerjoin(post_scores, post_scores.c.post_id == posts.c.id)
                .outerjoin(rumors, rumors.c.id == post_scores.c.rumor_id)
                .where(posts.c.id.in_(ids), posts.c.source == SOURCE)
            )
        }
    reports = []
    for entry, post_id in pairs:
        row = found.get(post_id)
        if row is None:
            continue
        reports.append(
            MyReport(post_id, entry.at, row.channel, row.text, row.rumor_id, _status(row))
        )
    return reports


def _status(row: Any) -> str:
    if row.rumor_id is None:
        return "Received"
    if row.closed_at is not None:
        return "Closed"
    if row.decision:
        return f"Decided: {DECISION_LABELS.get(row.decision, row.decision)}"
    if row.escalated_at is not None:
        return "With the Chief's office"
    return {"new": "Received, not yet reviewed"}.get(
        row.status, STATUS_LABELS.get(row.status, row.status)
    )
