"""The audit log: append-only in the database, and a hash chain that shows tampering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from rumordesk.store.db import Database
from rumordesk.triage import audit
from rumordesk.triage.roles import Actor, Role
from tests.helpers.database import tamper

PIO = Actor("pat", Role.PIO, "Pat Lee")
CHIEF = Actor("chris", Role.CHIEF)


def _fill(db: Database, count: int = 5) -> None:
    start = datetime(2026, 11, 30, 19, 0, tzinfo=UTC)
    for index in range(count):
        with db.write() as connection:
            audit.record(
                connection,
                PIO if index % 2 else CHIEF,
                "note",
                rumor_id=index,
                subject=f"rumour {index}",
                detail={"text": f"note {index}", "ünïcode": "✓"},
                at=start + timedelta(minutes=index),
            )


def test_entries_chain_onto_each_other_and_verify(db: Database):
    _fill(db)
    rows = audit.entries(db, newest_first=False)
    assert [row.prev_hash for row in rows[1:]] == [row.hash for row in rows[:-1]]
    assert rows[0].prev_hash == audit.GENESIS
    assert rows[2].detail == {"text": "note 2", "ünïcode": "✓"}
    assert audit.verify(db) == audit.ChainCheck(True, 5)


def test_the_database_refuses_update_and_delete(db: Database):
    _fill(db, 2)
    for statement in ("UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(IntegrityError, match="append-only"), db.write() as connection:
            connection.execute(text(statement))
    assert len(audit.entries(db)) == 2


def test_an_edited_entry_is_detected(db: Database):
    _fill(db)
    target = audit.entries(db, newest_first=False)[2].id
    tamper(db, "UPDATE audit_log SET detail = '{}' WHERE id = :id", id=target)
    check = audit.verify(db)
    assert not check.ok and check.first_bad_id == target and "edited" in check.problem


def test_a_deleted_entry_is_detected(db: Database):
    _fill(db)
    target = audit.entries(db, newest_first=False)[1].id
    tamper(db, "DELETE FROM audit_log WHERE id = :id", id=target)
    check = audit.verify(db)
    assert not check.ok and check.first_bad_id == target + 1 and "removed" in check.problem


def test_a_rehashed_edit_still_breaks_the_next_link(db: Database):
    """Recomputing the edited row's own hash is not enough: the next row points at the old one."""
    _fill(db)
    row = audit.entries(db, newest_first=False)[1]
    forged = audit.entry_hash(
        row.prev_hash,
        at=row.at,
        actor="mallory",
        role=row.role,
        action=row.action,
        rumor_id=row.rumor_id,
        subject=row.subject,
        detail='{"text": "note 1"}',
    )
    tamper(
        db,
        "UPDATE audit_log SET actor = 'mallory', detail = :detail, hash = :hash WHERE id = :id",
        detail='{"text": "note 1"}',
        hash=forged,
        id=row.id,
    )
    check = audit.verify(db)
    assert not check.ok and check.first_bad_id == row.id + 1


def test_filters_select_by_actor_action_rumour_and_time(db: Database):
    _fill(db)
    assert {e.actor for e in audit.entries(db, actor="pat")} == {"pat"}
    assert [e.rumor_id for e in audit.entries(db, rumor_id=3)] == [3]
    since = datetime(2026, 11, 30, 19, 2, tzinfo=UTC)
    until = datetime(2026, 11, 30, 19, 4, tzinfo=UTC)
    assert [e.rumor_id for e in audit.entries(db, since=since, until=until)] == [3, 2]
    assert audit.entries(db, action="escalate") == []


@pytest.mark.backends("postgresql")
def test_postgresql_refuses_truncate_too(db: Database):
    """TRUNCATE fires no row trigger: a statement trigger refuses it (SQLite has none)."""
    _fill(db, 3)
    with pytest.raises(IntegrityError, match="append-only"), db.write() as connection:
        connection.execute(text("TRUNCATE audit_log"))
    assert audit.verify(db) == audit.ChainCheck(True, 3)
