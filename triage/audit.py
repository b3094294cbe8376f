"""The audit log: append-only, chained by SHA-256 from a fixed genesis, signed, and anchored.

Every action is recorded in the same transaction as the change it describes, so the log
can neither miss an action nor record one that did not happen. What protects it:

* the database refuses UPDATE and DELETE on the table (triggers in :mod:`store.schema`);
* each entry's hash covers the previous entry's hash, and the first entry's previous hash
  is the fixed :data:`GENESIS`: an entry edited or removed anywhere, the first ones
  included, breaks the chain;
* the head row (``audit_head``: how many entries, the last one's hash) moves forward in
  the same transaction as each append; taking its row lock first serialises appenders on
  every backend (two cannot chain onto the same entry), and a log whose end was cut off,
  or emptied, no longer matches it;
* with ``$RUMORDESK_AUDIT_KEY`` set, each entry carries an HMAC of its hash: an entry
  forged or re-chained by someone without the key (a database owner who dropped the
  triggers) fails :func:`verify`;
* the head is checkpointed outside the database, signed with the same key
  (:mod:`triage.checkpoint`: each weekly export, ``rumordesk audit checkpoint``), so
  removing the end of the log *and* rolling the head back is detected against the last
  checkpoint kept elsewhere.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select, update

from rumordesk.base.errors import ConfigError, RumorDeskError
from rumordesk.base.secrets import get_secret
from rumordesk.store.db import Database
from rumordesk.store.schema import AUDIT_GENESIS, audit_head, audit_log
from rumordesk.triage.roles import Actor

if TYPE_CHECKING:
    from rumordesk.triage.checkpoint import Checkpoint

#: The ``prev_hash`` of the very first entry.
GENESIS = AUDIT_GENESIS
#: The environment variable (or .streamlit/secrets.toml key) holding the signing key.
AUDIT_KEY_ENV = "RUMORDESK_AUDIT_KEY"
MIN_KEY_CHARS = 32


class AuditError(RumorDeskError):
    """The audit log cannot be appended to (its head is missing: not migrated, or tampered)."""


def audit_key() -> bytes | None:
    """The signing key, or None when it is not configured (entries are then unsigned)."""
    key = get_secret(AUDIT_KEY_ENV)
    if key is None:
        return None
    if len(key) < MIN_KEY_CHARS:
        raise ConfigError(
            f"${AUDIT_KEY_ENV} is too short: use at least {MIN_KEY_CHARS} random characters "
            "(e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    return key.encode()


def sign(key: bytes, purpose: str, text: str) -> str:
    """HMAC-SHA256 of ``text`` for one ``purpose`` (an entry, a checkpoint), in hex."""
    return hmac.new(key, f"rumordesk-{purpose}\x1f{text}".encode(), hashlib.sha256).hexdigest()


def signature_matches(key: bytes, purpose: str, text: str, signature: str | None) -> bool:
    return bool(signature) and hmac.compare_digest(sign(key, purpose, text), signature or "")


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
class Head:
    """The end of the chain: ``seq`` entries, the last one's ``hash``."""

    seq: int
    hash: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """What :func:`verify` found: ``ok``, how many entries, and the first problem."""

    ok: bool
    entries: int
    first_bad_id: int | None = None
    problem: str = ""
    #: Entries whose signature was checked; entries written before signing began.
    signed: int = 0
    unsigned: int = 0
    #: Whether signatures could be checked ($RUMORDESK_AUDIT_KEY set).
    key: bool = False
    #: The checkpoint checked against, if any.
    checkpoint_seq: int | None = None

    def describe(self) -> str:
        """One line for a report: intact (with what was checked) or where it broke."""
        if not self.ok:
            where = f" at entry {self.first_bad_id}" if self.first_bad_id is not None else ""
            return f"BROKEN{where}: {self.problem}"
        parts = [f"intact: {self.entries:,} entries from the genesis to the head"]
        if self.key:
            parts.append(f"{self.signed:,} signatures checked")
            if self.unsigned:
                parts.append(f"{self.unsigned:,} older entries written before signing began")
        else:
            parts.append(f"signatures not checked (${AUDIT_KEY_ENV} is not set)")
        if self.checkpoint_seq is not None:
            parts.append(f"matches the checkpoint at entry {self.checkpoint_seq:,}")
        return "; ".join(parts)


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

    The head row is read with its row lock first (``SELECT … FOR UPDATE``; on SQLite the
    write transaction already holds the database's write lock): a second appender waits
    for this transaction and then chains onto this entry, never onto the same one.
    """
    at = (at or datetime.now(UTC)).astimezone(UTC)
    # Stored times have microsecond precision; hash what will be read back.
    detail_text = json.dumps(dict(detail or {}), sort_keys=True, ensure_ascii=False, default=str)
    head = connection.execute(
        select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1).with_for_update()
    ).first()
    if head is None:
        raise AuditError(
            "the audit log has no head row: the database was not migrated (rumordesk init) "
            "or the row was removed; nothing is recorded until it is restored"
        )
    digest = entry_hash(
        head.hash,
        at=at,
        actor=actor.username,
        role=actor.role.value,
        action=action,
        rumor_id=rumor_id,
        subject=subject,
        detail=detail_text,
    )
    key = audit_key()
    entry_id = connection.execute(
        insert(audit_log).values(
            at=at,
            actor=actor.username,
            role=actor.role.value,
            action=action,
            rumor_id=rumor_id,
            subject=subject,
            detail=detail_text,
            prev_hash=head.hash,
            hash=digest,
            mac=sign(key, "audit-entry", digest) if key else None,
        )
    ).inserted_primary_key[0]
    connection.execute(
        update(audit_head)
        .where(audit_head.c.id == 1)
        .values(seq=head.seq + 1, hash=digest, updated_at=datetime.now(UTC))
    )
    return entry_id


def read_head(connection: Connection) -> Head | None:
    row = connection.execute(select(audit_head).where(audit_head.c.id == 1)).first()
    return None if row is None else Head(row.seq, row.hash, row.updated_at)


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


def _in_order(connection: Connection, batch: int = 5_000) -> Iterator[Any]:
    """Every entry, oldest first, streamed from one snapshot of the log."""
    result = connection.execution_options(yield_per=batch).execute(
        select(audit_log).order_by(audit_log.c.id)
    )
    yield from result


def _snapshot(connection: Connection) -> Connection:
    """One consistent view of the log and its head for the whole check: SQLite's read
    transaction is one; PostgreSQL needs REPEATABLE READ for it."""
    if connection.dialect.name == "postgresql":
        return connection.execution_options(isolation_level="REPEATABLE READ")
    return connection


def verify(db: Database, *, checkpoint: Checkpoint | None = None) -> ChainCheck:
    """Recompute the chain from :data:`GENESIS` to the head; the first problem is reported.

    Broken when: the first entry does not start from the genesis (entries before it were
    removed); an entry does not chain onto the one before it (removed or reordered) or
    does not match its hash (edited); with the key, a signature does not match, or an
    entry after the first signed one has none (appended without the key: forged); the
    log does not end where its head says (the end was cut off, or entries were appended
    around the application); with a ``checkpoint``, the entry at its position differs
    (rewritten) or the log is shorter than it (the end removed, head rolled back too).
    """
    key = audit_key()
    with db.read() as reader:
        connection = _snapshot(reader)
        head = read_head(connection)
        return _check(_in_order(connection), head, key, checkpoint)


def _check(
    rows: Iterator[Any], head: Head | None, key: bytes | None, checkpoint: Checkpoint | None
) -> ChainCheck:
    count = signed = unsigned = 0
    expected = GENESIS
    extra = {"key": key is not None, "checkpoint_seq": checkpoint.seq if checkpoint else None}

    def broken(row_id: int | None, problem: str) -> ChainCheck:
        return ChainCheck(False, count, row_id, problem, signed, unsigned, **extra)

    if head is None:
        return broken(None, "the head row (audit_head) is missing: it was deleted")
    for row in rows:
        count += 1
        if row.prev_hash != expected:
            if count == 1:
                return broken(
                    row.id,
                    "the first entry does not start from the genesis hash "
                    "(the entries before it were removed)",
                )
            return broken(
                row.id, "does not chain onto the entry before it (an entry was removed or altered)"
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
            return broken(row.id, "its contents do not match its hash (the entry was edited)")
        if key is not None:
            if row.mac is not None:
                if not signature_matches(key, "audit-entry", row.hash, row.mac):
                    return broken(
                        row.id,
                        "its signature does not match (forged or re-chained without the audit key)",
                    )
                signed += 1
            elif signed:
                return broken(
                    row.id,
                    "it has no signature although the entries before it "
                    "are signed (appended without the audit key)",
                )
            else:
                unsigned += 1
        if checkpoint is not None and count == checkpoint.seq and row.hash != checkpoint.hash:
            return broken(
                row.id,
                f"differs from the checkpoint of {checkpoint.at:%Y-%m-%d %H:%M} "
                "UTC (the log was rewritten up to here)",
            )
        expected = row.hash
    if checkpoint is not None and count < checkpoint.seq:
        return broken(
            None,
            f"the log has {count:,} entries but the checkpoint of "
            f"{checkpoint.at:%Y-%m-%d %H:%M} UTC records {checkpoint.seq:,}: "
            "entries at the end were removed",
        )
    if count < head.seq:
        return broken(
            None,
            f"the log ends after {count:,} entries but its head records "
            f"{head.seq:,}: entries at the end were removed",
        )
    if count > head.seq or expected != head.hash:
        return broken(
            None,
            f"the log does not end where its head says (entry {head.seq:,}): "
            "entries were added or replaced around the application",
        )
    return ChainCheck(True, count, None, "", signed, unsigned, **extra)
