"""The PIO's and the Chief's actions on a rumour: each checked, applied and audited at once.

Every function here is what a page button calls. It re-reads the acting account in its
own transaction (:mod:`triage.authz`: role, account enabled, session not ended — so a
page that forgot to hide a button, or a tab left open, still cannot act), validates the
input, changes the rumour,
sets ``first_action_at`` the first time anyone acts (the response-time figure), and
writes an audit entry — all in one transaction, so the log and the store always agree.

The path the policy describes: new → reviewing → confirmed misinformation / accurate /
not relevant / duplicate; escalation to the Office of the Chief with a recommendation;
the Chief's decision with a reason; the Department's correction linked; closed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Row, select, update

from rumordesk.base.errors import RumorDeskError
from rumordesk.base.times import utc_now
from rumordesk.base.urls import safe_url
from rumordesk.classify.rumours import DECISIONS, STATUSES
from rumordesk.store import shared_files
from rumordesk.store.files import save_image
from rumordesk.store.schema import evidence, post_scores, posts, raw_payloads, rumors
from rumordesk.triage import audit
from rumordesk.triage.authz import acting, reading
from rumordesk.triage.roles import Actor, Permission, require

#: ``confirmed`` is confirmed misinformation.
STATUS_LABELS = {
    "new": "New",
    "reviewing": "Reviewing",
    "confirmed": "Confirmed misinformation",
    "accurate": "Accurate",
    "not_relevant": "Not relevant",
    "duplicate": "Duplicate",
}

DECISION_LABELS = {
    "correction": "Issue a public correction",
    "monitor": "Monitor",
    "no_action": "No action",
    "other": "Other",
}
#: The audit actions this module writes: the triage of a rumour.
ACTIONS = frozenset(
    {
        "assign",
        "status",
        "note",
        "evidence",
        "screenshot",
        "escalate",
        "decide",
        "correction",
        "close",
        "reopen",
        "bulk_status",
        "legal_hold",
    }
)
MAX_NOTE_CHARS = 5_000
MAX_BULK = 1_000
#: The most posts one evidence snapshot holds (a story bigger than this is summarised).
MAX_SNAPSHOT_POSTS = 2_000


class WorkflowError(RumorDeskError):
    """The action does not apply: unknown rumour, bad value, or the wrong moment for it."""


def _load(connection: Connection, rumor_id: int) -> Row[Any]:
    row = connection.execute(select(rumors).where(rumors.c.id == rumor_id)).first()
    if row is None:
        raise WorkflowError(f"there is no rumour {rumor_id}")
    return row


def _text(value: str | None, what: str, *, required: bool = True) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise WorkflowError(f"{what} is required")
    if len(cleaned) > MAX_NOTE_CHARS:
        raise WorkflowError(f"{what} is longer than {MAX_NOTE_CHARS:,} characters")
    return cleaned


def _apply(
    connection: Connection,
    actor: Actor,
    row: Row[Any],
    action: str,
    values: Mapping[str, Any],
    detail: Mapping[str, Any],
    now: datetime,
) -> None:
    """Update the rumour (first action stamped) and audit it, in the caller's transaction."""
    changes = dict(values)
    if row.first_action_at is None:
        changes["first_action_at"] = now
    if changes:
        connection.execute(update(rumors).where(rumors.c.id == row.id).values(**changes))
    audit.record(
        connection,
        actor,
        action,
        rumor_id=row.id,
        subject=f"rumour {row.id}",
        detail=detail,
        at=now,
    )


def _act(
    db: Any,
    actor: Actor,
    permission: Permission,
    rumor_id: int,
    action: str,
    decide: Any,
) -> None:
    """Check the account, load, let ``decide(row)`` say the changes and the detail, apply."""
    now = utc_now()
    with acting(db, actor, permission, now=now) as connection:
        row = _load(connection, rumor_id)
        values, detail = decide(row)
        _apply(connection, actor, row, action, values, detail, now)


def assign(db: Any, actor: Actor, rumor_id: int, assignee: str | None) -> None:
    """Give the rumour to someone (``None`` to unassign)."""
    who = (assignee or "").strip() or None
    _act(
        db,
        actor,
        Permission.TRIAGE,
        rumor_id,
        "assign",
        lambda row: ({"assignee": who}, {"from": row.assignee, "to": who}),
    )


def set_status(
    db: Any,
    actor: Actor,
    rumor_id: int,
    status: str,
    *,
    duplicate_of: int | None = None,
    note: str | None = None,
) -> None:
    """Move the rumour along: reviewing, or one of the outcomes."""
    if status not in STATUSES or status == "new":
        raise WorkflowError(f"status must be one of {', '.join(STATUSES[1:])}, not {status!r}")
    if (status == "duplicate") != (duplicate_of is not None):
        raise WorkflowError("a duplicate names the rumour it duplicates (and only a duplicate)")
    comment = _text(note, "the note", required=False)

    def decide(row: Row[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        if duplicate_of is not None:
            if duplicate_of == row.id:
                raise WorkflowError("a rumour cannot duplicate itself")
            with db.read() as reader:
                _load(reader, duplicate_of)
        values = {"status": status, "duplicate_of": duplicate_of}
        detail = {"from": row.status, "to": status, "duplicate_of": duplicate_of}
        if comment:
            detail["note"] = comment
        return values, detail

    _act(db, actor, Permission.TRIAGE, rumor_id, "status", decide)


def add_note(db: Any, actor: Actor, rumor_id: int, text: str) -> None:
    """A note in the rumour's history (the Chief may add one too)."""
    note = _text(text, "the note")
    permission = Permission.DECIDE if actor.can(Permission.DECIDE) else Permission.TRIAGE
    _act(db, actor, permission, rumor_id, "note", lambda row: ({}, {"note": note}))


def escalate(db: Any, actor: Actor, rumor_id: int, recommendation: str) -> None:
    """Send the rumour to the Office of the Chief with the PIO's recommendation."""
    advice = _text(recommendation, "a recommendation")

    def decide(row: Row[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        if row.escalated_at is not None and row.decided_at is None:
            raise WorkflowError(f"rumour {row.id} is already awaiting the Chief's decision")
        if row.decided_at is not None:
            # The decision stays on the rumour: the Office of the Chief's record, not ours
            # to clear. New developments go to the Chief's office as a note.
            raise WorkflowError(
                f"rumour {row.id} was already decided by {row.decided_by}; add a note for the "
                "Chief's office instead of escalating again"
            )
        if row.closed_at is not None:
            raise WorkflowError(f"rumour {row.id} is closed; reopen it first")
        values = {
            "recommendation": advice,
            "escalated_at": utc_now(),
            "escalated_by": actor.username,
        }
        return values, {"recommendation": advice}

    _act(db, actor, Permission.TRIAGE, rumor_id, "escalate", decide)


def decide(db: Any, actor: Actor, rumor_id: int, decision: str, reason: str) -> None:
    """The Office of the Chief's decision on an escalated rumour, with its reason."""
    if decision not in DECISIONS:
        raise WorkflowError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
    why = _text(reason, "the reason for the decision")

    def choose(row: Row[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        if row.escalated_at is None:
            raise WorkflowError(f"rumour {row.id} has not been escalated")
        if row.decided_at is not None:
            raise WorkflowError(f"rumour {row.id} was already decided by {row.decided_by}")
        values = {
            "decision": decision,
            "decision_reason": why,
            "decided_by": actor.username,
            "decided_at": utc_now(),
        }
        return values, {"decision": decision, "reason": why}

    _act(db, actor, Permission.DECIDE, rumor_id, "decide", choose)


def link_correction(db: Any, actor: Actor, rumor_id: int, url: str) -> None:
    """Link the Department's correction post (http or https only)."""
    link = safe_url(url)
    if link is None:
        raise WorkflowError("the correction's link must be an http:// or https:// address")
    _act(
        db,
        actor,
        Permission.TRIAGE,
        rumor_id,
        "correction",
        lambda row: ({"correction_url": link}, {"url": link, "previous": row.correction_url}),
    )


def close(db: Any, actor: Actor, rumor_id: int, *, note: str | None = None) -> None:
    """Close the rumour; it leaves the open queue but keeps its history."""
    comment = _text(note, "the note", required=False)

    def decide(row: Row[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        if row.closed_at is not None:
            raise WorkflowError(f"rumour {row.id} is already closed")
        if row.escalated_at is not None and row.decided_at is None:
            raise WorkflowError(f"rumour {row.id} is awaiting the Chief's decision")
        values: dict[str, Any] = {"closed_at": utc_now(), "closed_by": actor.username}
        if row.status == "new":
            values["status"] = "reviewing"
        return values, {"status": values.get("status", row.status), "note": comment}

    _act(db, actor, Permission.TRIAGE, rumor_id, "close", decide)


def reopen(db: Any, actor: Actor, rumor_id: int) -> None:
    def decide(row: Row[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        if row.closed_at is None:
            raise WorkflowError(f"rumour {row.id} is not closed")
        return {"closed_at": None, "closed_by": None}, {"closed_by": row.closed_by}

    _act(db, actor, Permission.TRIAGE, rumor_id, "reopen", decide)


def set_legal_hold(db: Any, actor: Actor, rumor_id: int, held: bool, reason: str) -> None:
    """A legal hold keeps the rumour, its posts and evidence from the retention purge."""
    why = _text(reason, "the reason for the hold")
    _act(
        db,
        actor,
        Permission.TRIAGE,
        rumor_id,
        "legal_hold",
        lambda row: ({"legal_hold": held}, {"held": held, "reason": why}),
    )


def bulk_set_status(db: Any, actor: Actor, rumor_ids: Iterable[int], status: str) -> int:
    """One status for many low-value rumours at once (one audit entry each); returns count."""
    require(actor, Permission.TRIAGE)  # the role first: a clear message before validation
    if status not in ("reviewing", "accurate", "not_relevant"):
        raise WorkflowError("bulk actions may set reviewing, accurate or not relevant only")
    ids = sorted(set(rumor_ids))
    if len(ids) > MAX_BULK:
        raise WorkflowError(f"at most {MAX_BULK:,} rumours at once")
    now = utc_now()
    with acting(db, actor, Permission.TRIAGE, now=now) as connection:
        rows = connection.execute(select(rumors).where(rumors.c.id.in_(ids))).all()
        missing = set(ids) - {row.id for row in rows}
        if missing:
            raise WorkflowError(f"there is no rumour {min(missing)}")
        for row in rows:
            if row.status == status:
                continue
            _apply(
                connection,
                actor,
                row,
                "bulk_status",
                {"status": status},
                {"from": row.status, "to": status, "batch": len(ids)},
                now,
            )
    return sum(1 for row in rows if row.status != status)


# --- evidence ----------------------------------------------------------------------


def _snapshot(connection: Connection, rumor_id: int) -> dict[str, Any]:
    members = connection.execute(
        select(posts)
        .join(post_scores, post_scores.c.post_id == posts.c.id)
        .where(post_scores.c.rumor_id == rumor_id)
        .order_by(posts.c.created_at, posts.c.id)
        .limit(MAX_SNAPSHOT_POSTS)
    ).all()
    ids = [row.id for row in members]
    latest: dict[int, Any] = {}
    if ids:
        for raw in connection.execute(
            select(raw_payloads)
            .where(raw_payloads.c.post_id.in_(ids))
            .order_by(raw_payloads.c.retrieved_at)
        ):
            latest[raw.post_id] = raw  # the last one wins: the newest payload
    items = []
    for row in members:
        raw = latest.get(row.id)
        items.append(
            {
                "post_id": row.id,
                "source": row.source,
                "source_id": row.source_id,
                "channel": row.channel,
                "url": row.url,
                "author": row.author,
                "created_at": row.created_at,
                "text": row.text,
                "metrics": {
                    m: getattr(row, m) for m in ("likes", "shares", "replies", "quotes", "views")
                },
                "raw": None
                if raw is None
                else {
                    "retrieved_at": raw.retrieved_at,
                    "url": raw.url,
                    "collector": raw.collector,
                    "sha256": raw.sha256,
                    "payload": raw.payload,
                },
            }
        )
    return {"rumor_id": rumor_id, "posts": items}


def preserve_evidence(db: Any, actor: Actor, rumor_id: int, *, note: str | None = None) -> int:
    """Freeze the posts' text and raw payloads as they are now, with time and SHA-256."""
    require(actor, Permission.TRIAGE)
    comment = _text(note, "the note", required=False) or None
    now = utc_now()
    with acting(db, actor, Permission.TRIAGE, now=now) as connection:
        row = _load(connection, rumor_id)
        snapshot = _snapshot(connection, rumor_id)
        snapshot["captured_at"] = now
        snapshot["captured_by"] = actor.username
        content = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, default=str)
        digest = hashlib.sha256(content.encode()).hexdigest()
        evidence_id = connection.execute(
            evidence.insert().values(
                rumor_id=rumor_id,
                kind="snapshot",
                captured_at=now,
                captured_by=actor.username,
                sha256=digest,
                content=content,
                media_type="application/json",
                size=len(content.encode()),
                note=comment,
            )
        ).inserted_primary_key[0]
        _apply(
            connection,
            actor,
            row,
            "evidence",
            {},
            {"evidence_id": evidence_id, "sha256": digest, "posts": len(snapshot["posts"])},
            now,
        )
    return evidence_id


def attach_screenshot(
    db: Any,
    actor: Actor,
    rumor_id: int,
    *,
    data: bytes,
    filename: str,
    folder: Path,
    note: str | None = None,
) -> int:
    """Keep a screenshot (PNG/JPEG/WebP, re-encoded) as evidence of the rumour."""
    require(actor, Permission.TRIAGE)
    comment = _text(note, "the note", required=False) or None
    with reading(db, actor, Permission.TRIAGE) as reader:
        _load(reader, rumor_id)
    saved = save_image(data, folder=folder)
    now = saved.captured_at
    with acting(db, actor, Permission.TRIAGE, now=now) as connection:
        row = _load(connection, rumor_id)
        # every host's dashboard shows it, not only this one's (store/shared_files.py)
        shared_files.put(  # the re-encoded image, kept under its own SHA-256
            connection,
            shared_files.SCREENSHOT,
            saved.path.read_bytes(),
            media_type=saved.media_type,
            now=now,
        )
        evidence_id = connection.execute(
            evidence.insert().values(
                rumor_id=rumor_id,
                kind="screenshot",
                captured_at=now,
                captured_by=actor.username,
                sha256=saved.sha256,
                path=str(saved.path),
                media_type=saved.media_type,
                size=saved.size,
                note=comment or (filename or None),
            )
        ).inserted_primary_key[0]
        _apply(
            connection,
            actor,
            row,
            "screenshot",
            {},
            {
                "evidence_id": evidence_id,
                "sha256": saved.sha256,
                "filename": filename,
                "size": saved.size,
            },
            now,
        )
    return evidence_id


def evidence_for(db: Any, actor: Actor, rumor_id: int) -> list[Row[Any]]:
    """The rumour's evidence, oldest first (what the Chief reviews before deciding)."""
    with reading(db, actor, Permission.VIEW_QUEUE) as connection:
        return connection.execute(
            select(evidence).where(evidence.c.rumor_id == rumor_id).order_by(evidence.c.id)
        ).all()
