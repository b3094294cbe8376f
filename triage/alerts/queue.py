"""The alert queue in the store: enqueue, claim, finish, recover, list.

Every state change is its own short write transaction, so what the queue says is true
after a crash at any point:

* enqueuing relies on the unique (rumour, target, kind) key — a restart that checks the
  same rumour again finds the rows and queues nothing;
* a delivery is *claimed* (``queued``/``retrying`` → ``sending``, attempts + 1) and
  committed before the network call, and finished (→ ``sent``/``retrying``/``failed``)
  after it; a claim succeeds for one process only;
* a row left in ``sending`` by a stopped process is resolved by :func:`recover_stale`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update

from rumordesk.base.config import AlertSettings
from rumordesk.base.redact import mask_optional
from rumordesk.store.db import Database, lock
from rumordesk.store.schema import alerts, rumors
from rumordesk.triage import audit
from rumordesk.triage.alerts import rules
from rumordesk.triage.alerts.message import AlertContent
from rumordesk.triage.roles import SYSTEM

STATUSES = ("queued", "sending", "sent", "retrying", "failed", "cancelled")
DUE = ("queued", "retrying")
KINDS = ("first", "growth")
#: What the message shows of each rumour (the claim and reasons are untrusted post text).
RUMOUR_COLUMNS = (
    rumors.c.id,
    rumors.c.cluster_key,
    rumors.c.status,
    rumors.c.score,
    rumors.c.severity,
    rumors.c.harm,
    rumors.c.places,
    rumors.c.channels,
    rumors.c.claim,
    rumors.c.top_reason,
    rumors.c.post_count,
    rumors.c.reach,
    rumors.c.first_seen_at,
    rumors.c.last_seen_at,
    rumors.c.updated_at,
    rumors.c.closed_at,
    rumors.c.duplicate_of,
    rumors.c.is_demo,
)
MAX_REASONS = 3


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One row of the queue, with the rumour's claim, for the CLI and the dashboard."""

    id: int
    rumor_id: int
    target: str
    kind: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    reach: int
    created_at: datetime
    sent_at: datetime | None
    claim: str


def changed_since(db: Database, since: datetime, limit: int = 2000) -> list[Mapping[str, Any]]:
    """Rumours updated at or after ``since`` (an index range scan: cheap when none are)."""
    query = (
        select(*RUMOUR_COLUMNS)
        .where(rumors.c.updated_at >= since)
        .order_by(rumors.c.updated_at, rumors.c.id)
        .limit(limit)
    )
    with db.read() as connection:
        return list(connection.execute(query).mappings())


def enqueue(
    db: Database,
    rumour: Mapping[str, Any],
    targets: Sequence[str],
    rule: AlertSettings,
    now: datetime,
) -> list[str]:
    """Queue what the rule asks for this rumour; returns the kinds queued (maybe none)."""
    if not targets or not rules.qualifies(rumour, rule):
        return []
    with db.write() as connection:
        # two loops (two hosts) checking the same rumour decide one after the other
        lock(connection, f"alerts:rumour:{rumour['id']}")
        existing = connection.execute(
            select(alerts.c.kind, alerts.c.target, alerts.c.reach, alerts.c.created_at).where(
                alerts.c.rumor_id == rumour["id"]
            )
        ).all()
        kinds = {row.kind for row in existing}
        if "first" not in kinds:
            quiet_since = now - timedelta(minutes=rule.quiet_minutes)
            recent_same_story = connection.scalar(
                select(func.count())
                .select_from(alerts.join(rumors, rumors.c.id == alerts.c.rumor_id))
                .where(
                    rumors.c.cluster_key == rumour["cluster_key"],
                    rumors.c.id != rumour["id"],
                    alerts.c.created_at >= quiet_since,
                )
            )
            if recent_same_story:
                return []
            _insert(connection, rumour, targets, "first", now, now)
            return ["first"]
        if "growth" in kinds:
            return []
        first = [row for row in existing if row.kind == "first"]
        first_reach = min(row.reach for row in first)
        if not rules.grew(int(rumour["reach"] or 0), first_reach, rule):
            return []
        held = max(now, rules.quiet_until(min(row.created_at for row in first), rule))
        _insert(connection, rumour, targets, "growth", now, held)
        return ["growth"]


def _insert(
    connection: Any,
    rumour: Mapping[str, Any],
    targets: Sequence[str],
    kind: str,
    now: datetime,
    due: datetime,
) -> None:
    connection.execute(
        insert(alerts),
        [
            {
                "rumor_id": rumour["id"],
                "target": target,
                "kind": kind,
                "status": "queued",
                "attempts": 0,
                "next_attempt_at": due,
                "score": float(rumour["score"] or 0),
                "severity": float(rumour["severity"] or 0),
                "reach": int(rumour["reach"] or 0),
                "post_count": int(rumour["post_count"] or 0),
                "created_at": now,
            }
            for target in targets
        ],
    )
    # the alert itself is an action of the system's, audited with the rumour it is about
    audit.record(
        connection,
        SYSTEM,
        "alert",
        rumor_id=rumour["id"],
        subject=kind,
        detail={
            "targets": list(targets),
            "score": round(float(rumour["score"] or 0), 4),
            "severity": round(float(rumour["severity"] or 0), 4),
            "reach": int(rumour["reach"] or 0),
            "due": due.isoformat(),
        },
        at=now,
    )


def due(db: Database, now: datetime, limit: int) -> list[Mapping[str, Any]]:
    """Alerts whose next attempt is due, oldest first."""
    query = (
        select(alerts)
        .where(alerts.c.status.in_(DUE), alerts.c.next_attempt_at <= now)
        .order_by(alerts.c.next_attempt_at, alerts.c.id)
        .limit(limit)
    )
    with db.read() as connection:
        return list(connection.execute(query).mappings())


def claim(db: Database, alert_id: int, now: datetime) -> AlertContent | str | None:
    """Mark the alert 'sending' before it goes out; returns what to send.

    ``None``: another process claimed it first. A string: the alert was cancelled (its
    rumour was closed or judged since), with the reason.
    """
    with db.write() as connection:
        row = (
            connection.execute(
                select(alerts).where(alerts.c.id == alert_id, alerts.c.status.in_(DUE))
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        rumour = (
            connection.execute(select(*RUMOUR_COLUMNS).where(rumors.c.id == row["rumor_id"]))
            .mappings()
            .first()
        )
        if not rules.still_wanted(rumour):
            reason = f"not sent: the rumour is {rumour['status'] if rumour else 'gone'}"
            connection.execute(
                update(alerts)
                .where(alerts.c.id == alert_id)
                .values(status="cancelled", last_error=reason)
            )
            return reason
        taken = connection.execute(
            update(alerts)
            .where(alerts.c.id == alert_id, alerts.c.status.in_(DUE))
            .values(status="sending", sending_at=now, attempts=alerts.c.attempts + 1)
        ).rowcount
        if taken != 1:
            return None
        previous = None
        if row["kind"] == "growth":
            previous = connection.scalar(
                select(func.min(alerts.c.reach)).where(
                    alerts.c.rumor_id == row["rumor_id"], alerts.c.kind == "first"
                )
            )
    return content_for(row, rumour, previous)


def content_for(
    alert: Mapping[str, Any], rumour: Mapping[str, Any], previous_reach: int | None
) -> AlertContent:
    reasons = [r.strip() for r in (rumour["top_reason"] or "").split(";") if r.strip()]
    return AlertContent(
        rumor_id=rumour["id"],
        kind=alert["kind"],
        claim=rumour["claim"] or "",
        harm=rumour["harm"],
        places=_json_list(rumour["places"]),
        channels=_json_list(rumour["channels"]),
        score=float(alert["score"]),
        severity=float(alert["severity"]),
        post_count=int(alert["post_count"]),
        reach=int(alert["reach"]),
        first_seen_at=rumour["first_seen_at"],
        last_seen_at=rumour["last_seen_at"],
        reasons=tuple(reasons[:MAX_REASONS]),
        link="",  # set by the caller, which knows the dashboard's address
        previous_reach=previous_reach,
        alert_id=f"rumordesk-alert-{alert['id']}",
    )


def _json_list(value: str | None) -> tuple[str, ...]:
    try:
        items = json.loads(value or "[]")
    except ValueError:
        return ()
    return tuple(str(item) for item in items if item) if isinstance(items, list) else ()


def finish(
    db: Database,
    alert_id: int,
    *,
    status: str,
    now: datetime,
    error: str | None = None,
    retry_at: datetime | None = None,
) -> None:
    """Record the outcome of the attempt that :func:`claim` started (the error masked: a
    target's answer may quote its own secret URL)."""
    values: dict[str, Any] = {"status": status, "last_error": mask_optional(error)}
    if status == "sent":
        values["sent_at"] = now
    if status == "retrying":
        values["next_attempt_at"] = retry_at
    with db.write() as connection:
        connection.execute(
            update(alerts)
            .where(alerts.c.id == alert_id, alerts.c.status == "sending")
            .values(**values)
        )


def fail_unknown_target(db: Database, alert_id: int, target: str) -> None:
    with db.write() as connection:
        connection.execute(
            update(alerts)
            .where(alerts.c.id == alert_id, alerts.c.status.in_(DUE))
            .values(status="failed", last_error=f"{target} is no longer configured")
        )


def recover_stale(
    db: Database, now: datetime, rule: AlertSettings, resend: Iterable[str]
) -> tuple[int, int]:
    """Resolve deliveries a stopped process left 'sending'; returns (resent, failed).

    Targets in ``resend`` drop repeats (idempotent webhooks): their alert is sent again.
    Any other target may already have shown it, so it is marked failed, never resent —
    at most once; the dashboard and ``rumordesk alerts`` show it for the PIO to check.
    """
    cutoff = now - rules.stale_after(rule)
    resend = tuple(resend)
    stale = and_(alerts.c.status == "sending", alerts.c.sending_at < cutoff)
    with db.write() as connection:
        again = connection.execute(
            update(alerts)
            .where(stale, alerts.c.target.in_(resend), alerts.c.attempts < rule.max_attempts)
            .values(
                status="retrying",
                next_attempt_at=now,
                last_error="interrupted while sending (Rumor Desk stopped); sending again",
            )
        ).rowcount
        failed = connection.execute(
            update(alerts)
            .where(stale)
            .values(
                status="failed",
                last_error="interrupted while sending (Rumor Desk stopped): it may have "
                "arrived, so it is not sent again (at most once); check the target",
            )
        ).rowcount
    return again, failed


def recent(db: Database, *, limit: int = 100, status: str | None = None) -> list[AlertRecord]:
    """The newest alerts first, with their rumour's claim."""
    query = (
        select(alerts, rumors.c.claim)
        .join(rumors, rumors.c.id == alerts.c.rumor_id)
        .order_by(alerts.c.created_at.desc(), alerts.c.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(alerts.c.status == status)
    with db.read() as connection:
        rows = connection.execute(query).mappings().all()
    return [
        AlertRecord(
            id=r["id"],
            rumor_id=r["rumor_id"],
            target=r["target"],
            kind=r["kind"],
            status=r["status"],
            attempts=r["attempts"],
            next_attempt_at=r["next_attempt_at"],
            last_error=r["last_error"],
            reach=r["reach"],
            created_at=r["created_at"],
            sent_at=r["sent_at"],
            claim=r["claim"] or "",
        )
        for r in rows
    ]


def counts(db: Database, *, since: datetime | None = None) -> dict[str, int]:
    """How many alerts are in each status (since a time, if given)."""
    query = select(alerts.c.status, func.count()).group_by(alerts.c.status)
    if since is not None:
        query = query.where(or_(alerts.c.created_at >= since, alerts.c.status.in_(DUE)))
    with db.read() as connection:
        found = {row[0]: row[1] for row in connection.execute(query)}
    return {status: int(found.get(status, 0)) for status in STATUSES}
