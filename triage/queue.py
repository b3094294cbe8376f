"""What the dashboard reads: the queue, a rumour's detail, the Chief's list, response times.

The write side is :mod:`triage.workflow`; this is the read side, so that pages hold no SQL.
Every query is bounded (LIMIT) and served by an index on ``rumors``, ``post_scores`` or
``audit_log``: with a million posts the queue still reads a few hundred rows, never the
posts table as a whole (nothing here loads all posts into memory or into pandas).
Post text is returned as plain strings; showing it literally is the page's job.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from rumordesk.base.urls import safe_url
from rumordesk.store.db import Database
from rumordesk.store.schema import post_scores, posts, raw_payloads, rumors
from rumordesk.triage import audit
from rumordesk.triage.roles import Actor, Permission, require
from rumordesk.triage.workflow import DECISION_LABELS, STATUS_LABELS

#: Statuses still needing the PIO (the queue's default view).
OPEN_STATUSES = ("new", "reviewing", "confirmed")
MAX_QUEUE = 2_000
MAX_DETAIL_POSTS = 500
#: collectors/staff_report.py's source name (not imported: the read side needs no collector).
STAFF_REPORT_SOURCE = "staff_report"


def severity_label(severity: float, high: float = 0.8) -> str:
    """A word for a number: what a tired reader takes in at a glance."""
    if severity >= high:
        return "High"
    if severity >= 0.5:
        return "Medium"
    if severity > 0:
        return "Low"
    return "None"


def _json_list(text: str | None) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _json_dict(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


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

    @property
    def status_label(self) -> str:
        if self.closed_at is not None:
            return f"Closed ({STATUS_LABELS.get(self.status, self.status)})"
        if self.escalated_at is not None and self.decided_at is None:
            return "Awaiting the Chief"
        if self.decision:
            return f"Decided: {DECISION_LABELS.get(self.decision, self.decision)}"
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True, slots=True)
class Counters:
    new: int
    high_severity: int
    escalated: int
    awaiting_decision: int


_QUEUE_COLUMNS = (
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
)


def _queue_row(row: Any) -> QueueRow:
    return QueueRow(
        id=row.id,
        priority=row.priority or 0,
        score=float(row.score or 0),
        severity=float(row.severity or 0),
        harm=row.harm,
        claim=row.claim or "",
        places=_json_list(row.places),
        channels=_json_list(row.channels),
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
    )


def _where(where: QueueFilter) -> list[Any]:
    conditions: list[Any] = []
    if where.since is not None:
        conditions.append(rumors.c.last_seen_at >= where.since)
    if where.statuses:
        conditions.append(rumors.c.status.in_(where.statuses))
    if not where.include_closed:
        conditions.append(rumors.c.closed_at.is_(None))
    if where.min_severity > 0:
        conditions.append(rumors.c.severity >= where.min_severity)
    if where.min_score > 0:
        conditions.append(rumors.c.score >= where.min_score)
    if where.channel:
        # channels is a JSON list of names: match the quoted name, not a substring of another
        conditions.append(rumors.c.channels.contains(json.dumps(where.channel), autoescape=True))
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
    """One row per rumour: staff reports first, then by score, highest first."""
    require(actor, Permission.VIEW_QUEUE)
    limit = max(1, min(where.limit, MAX_QUEUE))
    priority, score = rumors.c.priority, rumors.c.score
    if where.since is not None:
        # The window holds a small share of the rumours: let SQLite read them through the
        # time index and sort them ("+ 0" keeps it from walking the whole priority index
        # instead, skipping every old rumour on the way).
        priority, score = priority + 0, score + 0
    query = (
        select(*_QUEUE_COLUMNS)
        .where(and_(True, *_where(where)))
        .order_by(priority.desc(), score.desc(), rumors.c.id.desc())
        .limit(limit)
    )
    with db.read() as connection:
        return [_queue_row(row) for row in connection.execute(query)]


def counters(
    db: Database, actor: Actor, *, since: datetime | None = None, high_severity: float = 0.8
) -> Counters:
    """The four numbers at the top of the queue; "awaiting decision" ignores the window."""
    require(actor, Permission.VIEW_QUEUE)
    open_ = rumors.c.closed_at.is_(None)

    def total(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    windowed = select(
        total(and_(open_, rumors.c.status == "new")),
        total(and_(open_, rumors.c.severity >= high_severity, rumors.c.status.in_(OPEN_STATUSES))),
        total(rumors.c.escalated_at.is_not(None)),
    )
    if since is not None:
        windowed = windowed.where(rumors.c.last_seen_at >= since)  # ix_rumors_last_seen
    waiting = (
        select(func.count())
        .select_from(rumors)
        .where(rumors.c.escalated_at.is_not(None), rumors.c.decided_at.is_(None))
    )  # ix_rumors_awaiting
    with db.read() as connection:
        new, high, escalated = connection.execute(windowed).one()
        awaiting = connection.scalar(waiting)
    return Counters(int(new), int(high), int(escalated), int(awaiting or 0))


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
            names.update(_json_list(text))
    return sorted(names)


def store_is_empty(db: Database) -> bool:
    with db.read() as connection:
        return connection.scalar(select(posts.c.id).limit(1)) is None


# --- one rumour ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PostView:
    id: int
    text: str
    author: str
    channel: str
    source: str
    at: datetime | None
    likes: int | None
    shares: int | None
    replies: int | None
    views: int | None
    link: str | None
    is_official: bool
    score: float | None
    reasons: list[str]
    official_relation: str | None


@dataclass(frozen=True, slots=True)
class DepartmentPost:
    id: int
    relation: str  # contradicts | inflates | agrees
    text: str
    channel: str
    at: datetime | None
    link: str | None


@dataclass(frozen=True, slots=True)
class StaffReportView:
    """What a member of staff forwarded: who, where, their note, and the screenshot file."""

    post_id: int
    reported_by: str
    where: str
    note: str
    screenshot_path: str | None
    screenshot_sha256: str | None


@dataclass(frozen=True, slots=True)
class RumorDetail:
    row: QueueRow
    recommendation: str | None
    escalated_by: str | None
    decision_reason: str | None
    decided_by: str | None
    correction_url: str | None
    duplicate_of: int | None
    closed_by: str | None
    legal_hold: bool
    first_action_at: datetime | None
    cluster_key: str
    posts: list[PostView]
    total_posts: int
    signals: dict[str, Any]
    reasons: list[str]
    p_misinfo: float | None
    model_version: str | None
    department: list[DepartmentPost]
    history: list[audit.AuditEntry] = field(default_factory=list)
    staff_reports: list[StaffReportView] = field(default_factory=list)


def _post_view(row: Any) -> PostView:
    signals = _json_dict(row.signals) if row.signals is not None else {}
    return PostView(
        id=row.id,
        text=row.text or "",
        author=row.author or "",
        channel=row.channel,
        source=row.source,
        at=row.created_at or row.first_seen_at,
        likes=row.likes,
        shares=row.shares,
        replies=row.replies,
        views=row.views,
        link=safe_url(row.url),
        is_official=bool(row.is_official),
        score=row.score,
        reasons=_json_list(row.reasons) if row.reasons is not None else [],
        official_relation=signals.get("official"),
    )


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def rumor_detail(
    db: Database, actor: Actor, rumor_id: int, *, post_limit: int = MAX_DETAIL_POSTS
) -> RumorDetail | None:
    """Everything the PIO (or the Chief) needs to judge one rumour; None if it is gone."""
    require(actor, Permission.VIEW_QUEUE)
    post_columns = (
        posts.c.id,
        posts.c.text,
        posts.c.author,
        posts.c.channel,
        posts.c.source,
        posts.c.created_at,
        posts.c.first_seen_at,
        posts.c.likes,
        posts.c.shares,
        posts.c.replies,
        posts.c.views,
        posts.c.url,
        posts.c.is_official,
        post_scores.c.score,
        post_scores.c.reasons,
        post_scores.c.signals,
        post_scores.c.p_misinfo,
        post_scores.c.model_version,
    )
    with db.read() as connection:
        rumor = connection.execute(select(rumors).where(rumors.c.id == rumor_id)).first()
        if rumor is None:
            return None
        member = post_scores.c.rumor_id == rumor_id
        total = int(connection.scalar(select(func.count()).where(member)) or 0)
        rows = connection.execute(
            select(*post_columns)
            .join(post_scores, post_scores.c.post_id == posts.c.id)
            .where(member)
            .order_by(func.coalesce(posts.c.created_at, posts.c.first_seen_at), posts.c.id)
            .limit(max(1, min(post_limit, MAX_DETAIL_POSTS)))
        ).all()
        lead = next((r for r in rows if r.id == rumor.lead_post_id), None)
        if lead is None and rumor.lead_post_id is not None:
            lead = connection.execute(
                select(*post_columns)
                .join(post_scores, post_scores.c.post_id == posts.c.id)
                .where(posts.c.id == rumor.lead_post_id)
            ).first()
        if lead is None and rows:
            lead = max(rows, key=lambda r: r.score or 0)
        relations: dict[int, str] = {}
        for row in rows:
            signals = _json_dict(row.signals)
            official_id = _int(signals.get("official_post"))
            relation = signals.get("official")
            if official_id is not None and relation and relation != "none":
                # "contradicts" outranks "inflates" outranks "agrees" for the same post
                order = {"contradicts": 3, "inflates": 2, "agrees": 1}
                if order.get(relation, 0) > order.get(relations.get(official_id, ""), 0):
                    relations[official_id] = relation
        department: list[DepartmentPost] = []
        if relations:
            for row in connection.execute(
                select(
                    posts.c.id,
                    posts.c.text,
                    posts.c.channel,
                    posts.c.created_at,
                    posts.c.first_seen_at,
                    posts.c.url,
                ).where(posts.c.id.in_(list(relations)[:100]))
            ):
                department.append(
                    DepartmentPost(
                        id=row.id,
                        relation=relations[row.id],
                        text=row.text or "",
                        channel=row.channel,
                        at=row.created_at or row.first_seen_at,
                        link=safe_url(row.url),
                    )
                )
        reported = [r.id for r in rows if r.source == STAFF_REPORT_SOURCE][:50]
        staff = _staff_reports(connection, reported)
    history = audit.entries(db, rumor_id=rumor_id, newest_first=False, limit=500)
    return RumorDetail(
        row=_queue_row(rumor),
        recommendation=rumor.recommendation,
        escalated_by=rumor.escalated_by,
        decision_reason=rumor.decision_reason,
        decided_by=rumor.decided_by,
        correction_url=safe_url(rumor.correction_url),
        duplicate_of=rumor.duplicate_of,
        closed_by=rumor.closed_by,
        legal_hold=bool(rumor.legal_hold),
        first_action_at=rumor.first_action_at,
        cluster_key=rumor.cluster_key,
        posts=[_post_view(r) for r in rows],
        total_posts=total,
        signals=_json_dict(lead.signals) if lead is not None else {},
        reasons=_json_list(lead.reasons) if lead is not None else [],
        p_misinfo=lead.p_misinfo if lead is not None else None,
        model_version=lead.model_version if lead is not None else None,
        department=sorted(department, key=lambda d: d.at or datetime.min.replace(tzinfo=UTC)),
        history=history,
        staff_reports=staff,
    )


def _staff_reports(connection: Any, post_ids: list[int]) -> list[StaffReportView]:
    """Each reported post's latest raw payload (``collectors/staff_report.py`` keeps the
    reporter, the note and the screenshot there)."""
    if not post_ids:
        return []
    latest = (
        select(raw_payloads.c.post_id, func.max(raw_payloads.c.id).label("id"))
        .where(raw_payloads.c.post_id.in_(post_ids))
        .group_by(raw_payloads.c.post_id)
        .subquery()
    )
    found = []
    for row in connection.execute(
        select(raw_payloads.c.post_id, raw_payloads.c.payload).join(
            latest, latest.c.id == raw_payloads.c.id
        )
    ):
        payload = _json_dict(row.payload)
        shot = payload.get("screenshot") if isinstance(payload.get("screenshot"), dict) else {}
        found.append(
            StaffReportView(
                post_id=row.post_id,
                reported_by=str(payload.get("reported_by") or ""),
                where=str(payload.get("where") or ""),
                note=str(payload.get("note") or ""),
                screenshot_path=shot.get("path") if shot else None,
                screenshot_sha256=shot.get("sha256") if shot else None,
            )
        )
    return sorted(found, key=lambda r: r.post_id)


# --- the Office of the Chief --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pending:
    row: QueueRow
    recommendation: str
    escalated_by: str | None


def awaiting_decision(db: Database, actor: Actor, *, limit: int = 100) -> list[Pending]:
    """Escalated and not yet decided, oldest escalation first (the longest wait on top)."""
    require(actor, Permission.VIEW_QUEUE)
    query = (
        select(*_QUEUE_COLUMNS, rumors.c.recommendation, rumors.c.escalated_by)
        .where(rumors.c.escalated_at.is_not(None), rumors.c.decided_at.is_(None))
        .order_by(rumors.c.escalated_at, rumors.c.id)
        .limit(limit)
    )
    with db.read() as connection:
        return [
            Pending(_queue_row(r), r.recommendation or "", r.escalated_by)
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
        select(*_QUEUE_COLUMNS, rumors.c.decision_reason, rumors.c.decided_by)
        .where(rumors.c.decided_at.is_not(None))
        .order_by(rumors.c.decided_at.desc())
        .limit(limit)
    )
    with db.read() as connection:
        return [
            Decided(
                _queue_row(r), r.decision or "", r.decision_reason or "", r.decided_by, r.decided_at
            )
            for r in connection.execute(query)
        ]


# --- response times -----------------------------------------------------------------------


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
