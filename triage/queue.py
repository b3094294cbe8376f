"""The PIO's queue: one row per rumour, its filters, and the counters above it.

This and its neighbours are the read side of triage (:mod:`triage.detail` one rumour,
:mod:`triage.chief` the Chief's lists, :mod:`triage.response_times`); the write side is
:mod:`triage.workflow`, so that pages hold no SQL. Every query is bounded (LIMIT) and
served by an index on ``rumors``: with a million posts the queue still reads a few hundred
rows, never the posts table as a whole (nothing here loads all posts into memory or into
pandas).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from rumordesk.store.db import Database
from rumordesk.store.schema import posts, rumors
from rumordesk.triage.json_columns import json_list
from rumordesk.triage.roles import Actor, Permission, require
from rumordesk.triage.workflow import STATUS_LABELS

#: Statuses still needing the PIO (the queue's default view).
OPEN_STATUSES = ("new", "reviewing", "confirmed")
MAX_QUEUE = 2_000
#: The story key of a rumour that exists only because staff forwarded a post the model did
#: not flag (``classify.rumours.open_for_post``): it belongs in the staff band, not among
#: the model's findings.
STAFF_ONLY_PREFIX = "report:"
#: A decision in a few words, for a status column.
DECISION_SHORT = {
    "correction": "correct it",
    "monitor": "monitor",
    "no_action": "no action",
    "other": "other",
}
#: What "no harm claimed" shows as.
NO_SEVERITY = "—"


def severity_label(severity: float, high: float = 0.8) -> str:
    """A word for a number: what a tired reader takes in at a glance ("—": no harm claimed)."""
    if severity >= high:
        return "High"
    if severity >= 0.5:
        return "Medium"
    if severity > 0:
        return "Low"
    return NO_SEVERITY


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """The queue's filters; every one optional. ``search`` matches claim, places, reason."""

    since: datetime | None = None
    statuses: tuple[str, ...] = OPEN_STATUSES
    include_closed: bool = False
    min_severity: float = 0.0
    channel: str | None = None
    min_score: float = 0.0
    search: str | None = None
    limit: int = 200
    #: False: the model's queue (a rumour staff forwarded that the model also flagged is
    #: here too, marked); True: everything staff forwarded; None: both.
    forwarded: bool | None = False

    @property
    def narrow(self) -> bool:
        """A time window or the staff band: a small share of the rumours, which SQLite
        should find through the time or the priority index, not the status or the score
        index (nearly every rumour is open)."""
        return self.since is not None or self.forwarded is True


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    priority: int
    score: float
    severity: float
    harm: str | None
    claim: str
    places: list[str]
    channels: list[str]
    post_count: int
    reach: int
    first_seen_at: datetime
    last_seen_at: datetime
    status: str
    assignee: str | None
    top_reason: str
    escalated_at: datetime | None
    decided_at: datetime | None
    decision: str | None
    closed_at: datetime | None
    is_demo: bool
    first_action_at: datetime | None = None
    #: A member of staff forwarded a post of this rumour.
    forwarded_by_staff: bool = False

    @property
    def acted_on(self) -> bool:
        return self.first_action_at is not None

    @property
    def status_label(self) -> str:
        if self.closed_at is not None:
            return f"Closed ({STATUS_LABELS.get(self.status, self.status)})"
        if self.escalated_at is not None and self.decided_at is None:
            return "Awaiting the Chief"
        if self.decision:
            return f"Decided: {DECISION_SHORT.get(self.decision, self.decision)}"
        if self.status == "new" and self.acted_on:
            return "In progress"  # someone acted (a note, evidence …) but set no status
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True, slots=True)
class Counters:
    #: Open and not yet acted on by anyone (no assignment, note, status, escalation …).
    new: int
    high_severity: int
    escalated: int
    awaiting_decision: int
    #: Forwarded by staff, open and not yet acted on.
    forwarded_new: int = 0


#: The rumour columns of a :class:`QueueRow` (the Chief's lists read the same).
QUEUE_COLUMNS = (
    rumors.c.id,
    rumors.c.priority,
    rumors.c.score,
    rumors.c.severity,
    rumors.c.harm,
    rumors.c.claim,
    rumors.c.places,
    rumors.c.channels,
    rumors.c.post_count,
    rumors.c.reach,
    rumors.c.first_seen_at,
    rumors.c.last_seen_at,
    rumors.c.status,
    rumors.c.assignee,
    rumors.c.top_reason,
    rumors.c.escalated_at,
    rumors.c.decided_at,
    rumors.c.decision,
    rumors.c.closed_at,
    rumors.c.is_demo,
    rumors.c.first_action_at,
)


def queue_row(row: Any) -> QueueRow:
    """A row read with :data:`QUEUE_COLUMNS`, with unknowns as zero or empty."""
    return QueueRow(
        id=row.id,
        priority=row.priority or 0,
        score=float(row.score or 0),
        severity=float(row.severity or 0),
        harm=row.harm,
        claim=row.claim or "",
        places=json_list(row.places),
        channels=json_list(row.channels),
        post_count=row.post_count or 0,
        reach=int(row.reach or 0),
        first_seen_at=row.first_seen_at,
        last_seen_at=row.last_seen_at,
        status=row.status,
        assignee=row.assignee,
        top_reason=row.top_reason or "",
        escalated_at=row.escalated_at,
        decided_at=row.decided_at,
        decision=row.decision,
        closed_at=row.closed_at,
        is_demo=bool(row.is_demo),
        first_action_at=row.first_action_at,
        forwarded_by_staff=bool(row.priority),
    )


def _where(where: QueueFilter) -> list[Any]:
    conditions: list[Any] = []
    if where.since is not None:
        conditions.append(rumors.c.last_seen_at >= where.since)
    if where.statuses:
        status = rumors.c.status
        if where.narrow:
            status = status.concat("")  # "|| ''": not through the status index
        conditions.append(status.in_(where.statuses))
    if not where.include_closed:
        conditions.append(rumors.c.closed_at.is_(None))
    if where.min_severity > 0:
        conditions.append(rumors.c.severity >= where.min_severity)
    if where.min_score > 0:
        conditions.append(rumors.c.score >= where.min_score)
    if where.channel:
        # channels is a JSON list of names: match the quoted name, not a substring of another
        conditions.append(rumors.c.channels.contains(json.dumps(where.channel), autoescape=True))
    if where.forwarded is True:
        conditions.append(rumors.c.priority > 0)
    elif where.forwarded is False:
        # Most rumours have priority 0: only the few staff touched need the key looked at.
        conditions.append(
            or_(
                rumors.c.priority == 0,
                ~rumors.c.cluster_key.startswith(STAFF_ONLY_PREFIX, autoescape=True),
            )
        )
    if where.search and where.search.strip():
        term = where.search.strip()
        conditions.append(
            or_(
                rumors.c.claim.icontains(term, autoescape=True),
                rumors.c.places.icontains(term, autoescape=True),
                rumors.c.top_reason.icontains(term, autoescape=True),
            )
        )
    return conditions


def queue(db: Database, actor: Actor, where: QueueFilter = QueueFilter()) -> list[QueueRow]:
    """One row per rumour, the highest score first.

    Staff reports do not jump the queue (a 0.00 parking question above an untouched bomb
    threat): the model's queue is in score order, and what staff forwarded has its own band
    (``forwarded=True``), where each report is scored and explained like any post.
    """
    require(actor, Permission.VIEW_QUEUE)
    limit = max(1, min(where.limit, MAX_QUEUE))
    score = rumors.c.score
    if where.narrow:
        # read the few through their index and sort them ("+ 0" keeps SQLite from walking
        # the whole score index instead, skipping the others on the way)
        score = score + 0
    query = (
        select(*QUEUE_COLUMNS)
        .where(and_(True, *_where(where)))
        .order_by(score.desc(), rumors.c.id.desc())
        .limit(limit)
    )
    with db.read() as connection:
        return [queue_row(row) for row in connection.execute(query)]


def counters(
    db: Database, actor: Actor, *, since: datetime | None = None, high_severity: float = 0.8
) -> Counters:
    """The numbers at the top of the queue; "awaiting decision" ignores the window.

    "New" is honest: open and not yet acted on by anyone, so a note, evidence, an
    escalation or the Chief's decision each take a rumour out of it.
    """
    require(actor, Permission.VIEW_QUEUE)
    open_ = rumors.c.closed_at.is_(None)
    untouched = and_(open_, rumors.c.first_action_at.is_(None))

    def total(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    windowed = select(
        total(untouched),
        total(and_(open_, rumors.c.severity >= high_severity, rumors.c.status.in_(OPEN_STATUSES))),
        total(rumors.c.escalated_at.is_not(None)),
        total(and_(untouched, rumors.c.priority > 0)),
    )
    if since is not None:
        windowed = windowed.where(rumors.c.last_seen_at >= since)  # ix_rumors_last_seen
    waiting = (
        select(func.count())
        .select_from(rumors)
        .where(rumors.c.escalated_at.is_not(None), rumors.c.decided_at.is_(None))
    )  # ix_rumors_awaiting
    with db.read() as connection:
        new, high, escalated, forwarded = connection.execute(windowed).one()
        awaiting = connection.scalar(waiting)
    return Counters(int(new), int(high), int(escalated), int(awaiting or 0), int(forwarded))


def channels_in_use(db: Database, *, recent: int = 500) -> list[str]:
    """Channels for the channel filter: the configured sources' and the recent rumours'.

    Not ``SELECT DISTINCT channel FROM posts``: that reads every post on each refresh.
    """
    from rumordesk.store.schema import sources

    with db.read() as connection:
        names = set(connection.scalars(select(sources.c.channel).distinct()))
        for text in connection.scalars(
            select(rumors.c.channels).order_by(rumors.c.last_seen_at.desc()).limit(recent)
        ):
            names.update(json_list(text))
    return sorted(names)


def store_is_empty(db: Database) -> bool:
    with db.read() as connection:
        return connection.scalar(select(posts.c.id).limit(1)) is None
