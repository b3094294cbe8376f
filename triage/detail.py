"""One rumour in full: its posts, the lead post's score breakdown, the Department's posts
it contradicts, inflates or agrees with, staff reports, and its audit history.

Bounded like the queue (at most ``MAX_DETAIL_POSTS`` posts, served by the index on
``post_scores.rumor_id``). Post text is returned as plain strings; showing it literally is
the page's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from rumordesk.base.urls import safe_url
from rumordesk.store.db import Database
from rumordesk.store.records import DEMO_SOURCE
from rumordesk.store.schema import post_scores, posts, raw_payloads, rumors
from rumordesk.triage import audit
from rumordesk.triage.json_columns import json_dict, json_list
from rumordesk.triage.queue import QueueRow, queue_row
from rumordesk.triage.roles import Actor, Permission, require

MAX_DETAIL_POSTS = 500
#: collectors/staff_report.py's source name (not imported: the read side needs no collector).
STAFF_REPORT_SOURCE = "staff_report"


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
    relation: str  # contradicts | distorts | pending | agrees | debunks
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
    #: The leading post's own address (http(s) only), to check the original at once.
    lead_link: str | None = None


#: A post with its score, as the detail shows it.
_POST_COLUMNS = (
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


def _post_view(row: Any) -> PostView:
    signals = json_dict(row.signals) if row.signals is not None else {}
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
        reasons=json_list(row.reasons) if row.reasons is not None else [],
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
    with db.read() as connection:
        rumor = connection.execute(select(rumors).where(rumors.c.id == rumor_id)).first()
        if rumor is None:
            return None
        member = post_scores.c.rumor_id == rumor_id
        total = int(connection.scalar(select(func.count()).where(member)) or 0)
        rows = connection.execute(
            select(*_POST_COLUMNS)
            .join(post_scores, post_scores.c.post_id == posts.c.id)
            .where(member)
            .order_by(func.coalesce(posts.c.created_at, posts.c.first_seen_at), posts.c.id)
            .limit(max(1, min(post_limit, MAX_DETAIL_POSTS)))
        ).all()
        lead = next((r for r in rows if r.id == rumor.lead_post_id), None)
        if lead is None and rumor.lead_post_id is not None:
            lead = connection.execute(
                select(*_POST_COLUMNS)
                .join(post_scores, post_scores.c.post_id == posts.c.id)
                .where(posts.c.id == rumor.lead_post_id)
            ).first()
        if lead is None and rows:
            lead = max(rows, key=lambda r: r.score or 0)
        department = _department_posts(connection, rows)
        # The demo's invented staff report is a demo post shaped like a real one.
        reported = [r.id for r in rows if r.source in (STAFF_REPORT_SOURCE, DEMO_SOURCE)][:50]
        staff = _staff_reports(connection, reported)
    history = audit.entries(db, rumor_id=rumor_id, newest_first=False, limit=500)
    return RumorDetail(
        row=queue_row(rumor),
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
        signals=json_dict(lead.signals) if lead is not None else {},
        reasons=json_list(lead.reasons) if lead is not None else [],
        p_misinfo=lead.p_misinfo if lead is not None else None,
        model_version=lead.model_version if lead is not None else None,
        department=department,
        history=history,
        staff_reports=staff,
        lead_link=safe_url(lead.url) if lead is not None else None,
    )


def _department_posts(connection: Any, rows: list[Any]) -> list[DepartmentPost]:
    """The Department's posts the rumour's posts were scored against, each with the
    strongest relation any of them has to it, oldest first."""
    relations: dict[int, str] = {}
    for row in rows:
        signals = json_dict(row.signals)
        official_id = _int(signals.get("official_post"))
        relation = signals.get("official")
        if official_id is not None and relation and relation != "none":
            # against the Department (contradicts, distorts) outranks pending outranks
            # beside it (agrees, debunks) for the same post; "inflates" is the older
            # name of "distorts" in scores stored before the relation step
            order = {
                "contradicts": 4,
                "distorts": 3,
                "inflates": 3,
                "pending": 2,
                "agrees": 1,
                "debunks": 1,
            }
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
    return sorted(department, key=lambda d: d.at or datetime.min.replace(tzinfo=UTC))


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
        payload = json_dict(row.payload)
        if not payload.get("reported_by"):
            continue  # a demo post that is not a staff report
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
