"""Response times: how long from a rumour's first post to the first action and to the
Chief's decision, per rumour and as medians (the audit page)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from rumordesk.store.db import Database
from rumordesk.store.schema import rumors
from rumordesk.triage.roles import Actor, Permission, require


@dataclass(frozen=True, slots=True)
class ResponseTime:
    rumor_id: int
    claim: str
    first_seen_at: datetime
    to_first_action: timedelta | None
    to_decision: timedelta | None
    is_demo: bool


@dataclass(frozen=True, slots=True)
class ResponseSummary:
    rows: list[ResponseTime]
    median_to_first_action: timedelta | None
    median_to_decision: timedelta | None


def _median(values: Sequence[timedelta]) -> timedelta | None:
    if not values:
        return None
    return timedelta(seconds=statistics.median(v.total_seconds() for v in values))


def response_times(
    db: Database, actor: Actor, *, since: datetime | None = None, limit: int = 500
) -> ResponseSummary:
    """Per rumour: first post → first action, first post → the Chief's decision."""
    require(actor, Permission.VIEW_AUDIT)
    query = select(
        rumors.c.id,
        rumors.c.claim,
        rumors.c.first_seen_at,
        rumors.c.first_action_at,
        rumors.c.decided_at,
        rumors.c.is_demo,
    ).where(rumors.c.first_action_at.is_not(None))
    if since is not None:
        query = query.where(rumors.c.first_action_at >= since)
    query = query.order_by(rumors.c.first_action_at.desc()).limit(limit)
    with db.read() as connection:
        rows = [
            ResponseTime(
                r.id,
                r.claim or "",
                r.first_seen_at,
                max(r.first_action_at - r.first_seen_at, timedelta(0)),
                max(r.decided_at - r.first_seen_at, timedelta(0)) if r.decided_at else None,
                bool(r.is_demo),
            )
            for r in connection.execute(query)
        ]
    return ResponseSummary(
        rows,
        _median([r.to_first_action for r in rows if r.to_first_action is not None]),
        _median([r.to_decision for r in rows if r.to_decision is not None]),
    )


def duration_text(value: timedelta | None) -> str:
    """``4 min``, ``2 h 05 min``, ``3 d 4 h`` — or an empty string."""
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"
