"""The audit log: append-only, each entry chained to the previous one by SHA-256.

Every action is recorded in the same transaction as the change it describes, so the log
can neither miss an action nor record one that did not happen. The database refuses
UPDATE and DELETE on the table (triggers in :mod:`store.schema`); the hash chain makes an
edit made behind the application's back — or a deleted row — detectable by :func:`verify`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from rumordesk.store.db import Database
from rumordesk.store.schema import audit_log
from rumordesk.triage.roles import Actor

#: The ``prev_hash`` of the very first entry.
GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    rumor_id: int | None
    subject: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """What :func:`verify` found: ``ok``, how many entries, and the first broken one."""

    ok: bool
    entries: int
    first_bad_id: int | None = None
    problem: str = ""


def entry_hash(
    prev_hash: str,
    *,
    at: datetime,
    actor: str,
    role: str,
    action: str,
    rumor_id: int | None,
    subject: str | None,
    detail: str,
) -> str:
    """The hash of one entry: every field, in a fixed order, plus the previous hash."""
    fields = [
        prev_hash,
        at.astimezone(UTC).isoformat(timespec="microseconds"),
        actor,
        role,
        action,
        "" if rumor_id is None else str(rumor_id),
        subject or "",
        detail,
    ]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def record(
    connection: Connection,
    actor: Actor,
    action: str,
    *,
    rumor_id: int | None = None,
    subject: str | None = None,
    detail: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> int:
    """Append one entry inside the caller's write transaction; returns its id.

    Call it with the connection of ``Database.write()``: on SQLite that transaction holds
    the write lock from its start, so two writers cannot chain onto the same previous entry.
    """
    at = (at or datetime.now(UTC)).astimezone(UTC)
    # Stored times have microsecond precision; hash what will be read back.
    detail_text = json.dumps(dict(detail or {}), sort_keys=True, ensure_ascii=False, default=str)
    prev = connection.scalar(select(audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1))
    prev_hash = prev or GENESIS
    digest = entry_hash(
        prev_hash,
        at=at,
        actor=actor.username,
        role=actor.role.value,
        action=action,
        rumor_id=rumor_id,
        subject=subject,
        detail=detail_text,
    )
    return connection.execute(
        insert(audit_log).values(
            at=at,
            actor=actor.username,
            role=actor.role.value,
            action=action,
            rumor_id=rumor_id,
            subject=subject,
            detail=detail_text,
            prev_hash=prev_hash,
            hash=digest,
        )
    ).inserted_primary_key[0]


def record_now(db: Database, actor: Actor, action: str, **fields: Any) -> int:
    """An entry in a transaction of its own (sign-ins, exports: nothing else changes)."""
    with db.write() as connection:
        return record(connection, actor, action, **fields)


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor=row.actor,
        role=row.role,
        action=row.action,
        rumor_id=row.rumor_id,
        subject=row.subject,
        detail=json.loads(row.detail or "{}"),
        prev_hash=row.prev_hash,
        hash=row.hash,
    )


def entries(
    db: Database,
    *,
    actor: str | None = None,
    action: str | None = None,
    rumor_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = 500,
    newest_first: bool = True,
) -> list[AuditEntry]:
    """Entries matching every given filter (``until`` exclusive), newest first by default."""
    query = select(audit_log)
    if actor:
        query = query.where(audit_log.c.actor == actor)
    if action:
        query = query.where(audit_log.c.action == action)
    if rumor_id is not None:
        query = query.where(audit_log.c.rumor_id == rumor_id)
    if since:
        query = query.where(audit_log.c.at >= since)
    if until:
        query = query.where(audit_log.c.at < until)
    query = query.order_by(audit_log.c.id.desc() if newest_first else audit_log.c.id)
    if limit is not None:
        query = query.limit(limit)
    with db.read() as connection:
        return [_entry(row) for row in connection.execute(query)]


def actions_in_use(db: Database) -> list[str]:
    """Every action name the log holds (read through its index), for filter menus."""
    with db.read() as connection:
        return sorted(connection.scalars(select(audit_log.c.action).distinct()))


def _all_in_order(db: Database, batch: int = 5_000) -> Iterator[Any]:
    last = 0
    while True:
        with db.read() as connection:
            rows = connection.execute(
                select(audit_log).where(audit_log.c.id > last).order_by(audit_log.c.id).limit(batch)
            ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


def verify(db: Database) -> ChainCheck:
    """Recompute the chain from the oldest kept entry; the first mismatch is reported.

    The oldest kept entry's ``prev_hash`` is taken as given (entries past the records
    period may have been retired); from there on, each must chain onto the one before.
    """
    count = 0
    expected: str | None = None
    for row in _all_in_order(db):
        count += 1
        if expected is not None and row.prev_hash != expected:
            return ChainCheck(
                False,
                count,
                row.id,
                "does not chain onto the entry before it (an entry was removed or altered)",
            )
        digest = entry_hash(
            row.prev_hash,
            at=row.at,
            actor=row.actor,
            role=row.role,
            action=row.action,
            rumor_id=row.rumor_id,
            subject=row.subject,
            detail=row.detail,
        )
        if digest != row.hash:
            return ChainCheck(
                False, count, row.id, "its contents do not match its hash (the entry was edited)"
            )
        expected = row.hash
    return ChainCheck(True, count)
