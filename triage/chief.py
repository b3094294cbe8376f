"""The Office of the Chief's lists: rumours awaiting a decision, and the latest decisions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from rumordesk.store.db import Database
from rumordesk.store.schema import rumors
from rumordesk.triage.queue import QUEUE_COLUMNS, QueueRow, queue_row
from rumordesk.triage.roles import Actor, Permission, require


@dataclass(frozen=True, slots=True)
class Pending:
    row: QueueRow
    recommendation: str
    escalated_by: str | None


def awaiting_decision(db: Database, actor: Actor, *, limit: int = 100) -> list[Pending]:
    """Escalated and not yet decided, oldest escalation first (the longest wait on top)."""
    require(actor, Permission.VIEW_QUEUE)
    query = (
        select(*QUEUE_COLUMNS, rumors.c.recommendation, rumors.c.escalated_by)
        .where(rumors.c.escalated_at.is_not(None), rumors.c.decided_at.is_(None))
        .order_by(rumors.c.escalated_at, rumors.c.id)
        .limit(limit)
    )
    with db.read() as connection:
        return [
            Pending(queue_row(r), r.recommendation or "", r.escalated_by)
            for r in connection.execute(query)
        ]


@dataclass(frozen=True, slots=True)
class Decided:
    row: QueueRow
    decision: str
    reason: str
    decided_by: str | None
    decided_at: datetime


def recent_decisions(db: Database, actor: Actor, *, limit: int = 50) -> list[Decided]:
    """The latest decisions, newest first (what the PIO sees the moment the Chief decides)."""
    require(actor, Permission.VIEW_QUEUE)
    query = (
        select(*QUEUE_COLUMNS, rumors.c.decision_reason, rumors.c.decided_by)
        .where(rumors.c.decided_at.is_not(None))
        .order_by(rumors.c.decided_at.desc())
        .limit(limit)
    )
    with db.read() as connection:
        return [
            Decided(
                queue_row(r), r.decision or "", r.decision_reason or "", r.decided_by, r.decided_at
            )
            for r in connection.execute(query)
        ]
