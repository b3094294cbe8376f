"""The triage and audit log for a date range, for a public-records request.

Everything the log holds for the period, oldest first, with the result of re-checking
the hash chain (so the recipient knows the copy matches an unbroken log), and the
current state of every rumour the period's entries touch.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from rumordesk.base.errors import RumorDeskError
from rumordesk.reports.tables import Table
from rumordesk.store.db import Database
from rumordesk.store.schema import rumors
from rumordesk.triage.audit import entries, verify

AUDIT_COLUMNS = (
    "id",
    "at",
    "at_utc",
    "actor",
    "role",
    "action",
    "rumor_id",
    "subject",
    "detail",
    "prev_hash",
    "hash",
)
RUMOUR_COLUMNS = (
    "id",
    "claim",
    "status",
    "assignee",
    "first_seen",
    "first_action",
    "escalated",
    "recommendation",
    "decision",
    "decision_reason",
    "decided_by",
    "decided",
    "correction_url",
    "closed",
    "legal_hold",
)


def local_range(since: date, until: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """From local midnight of ``since`` to the local midnight after ``until`` (inclusive)."""
    if until < since:
        raise RumorDeskError(f"the range ends ({until}) before it starts ({since})")
    start = datetime.combine(since, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(until + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def audit_tables(
    db: Database, since: date, until: date, tz: ZoneInfo, *, now: datetime | None = None
) -> list[Table]:
    start, end = local_range(since, until, tz)
    now = now or datetime.now(UTC)

    def local(moment: datetime | None) -> datetime | None:
        return None if moment is None else moment.astimezone(tz).replace(tzinfo=None)

    found = entries(db, since=start, until=end, limit=None, newest_first=False)
    log = [
        {
            "id": e.id,
            "at": local(e.at),
            "at_utc": e.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": e.actor,
            "role": e.role,
            "action": e.action,
            "rumor_id": e.rumor_id,
            "subject": e.subject,
            "detail": json.dumps(e.detail, sort_keys=True, ensure_ascii=False, default=str),
            "prev_hash": e.prev_hash,
            "hash": e.hash,
        }
        for e in found
    ]
    ids = sorted({e.rumor_id for e in found if e.rumor_id is not None})
    with db.read() as connection:
        rows = connection.execute(select(rumors).where(rumors.c.id.in_(ids))).all() if ids else []
    rumour_rows = [
        {
            "id": r.id,
            "claim": r.claim,
            "status": r.status,
            "assignee": r.assignee,
            "first_seen": local(r.first_seen_at),
            "first_action": local(r.first_action_at),
            "escalated": local(r.escalated_at),
            "recommendation": r.recommendation,
            "decision": r.decision,
            "decision_reason": r.decision_reason,
            "decided_by": r.decided_by,
            "decided": local(r.decided_at),
            "correction_url": r.correction_url,
            "closed": local(r.closed_at),
            "legal_hold": bool(r.legal_hold),
        }
        for r in sorted(rows, key=lambda r: r.id)
    ]
    chain = verify(db)
    summary = [
        {"item": "export", "value": "Triage and audit log"},
        {"item": "from", "value": local(start)},
        {"item": "until (exclusive)", "value": local(end)},
        {"item": "timezone", "value": tz.key},
        {"item": "generated", "value": local(now)},
        {"item": "entries", "value": len(log)},
        {"item": "rumours referenced", "value": len(rumour_rows)},
        {
            "item": "hash chain",
            "value": chain.describe(),
        },
    ]
    if not log:
        summary.append({"item": "note", "value": "The log holds no entry for this period."})
    return [
        Table("summary", "Summary", ("item", "value"), summary),
        Table("audit_log", "Audit log", AUDIT_COLUMNS, log),
        Table("rumours", "Rumours", RUMOUR_COLUMNS, rumour_rows),
    ]
