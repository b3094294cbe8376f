"""The audit log is anchored at both ends: a fixed genesis, a head moved in the same
transaction as every append, signatures with the audit key, and checkpoints kept outside.

Every attack here is the database owner's (tests.helpers.database.owner): past the
append-only triggers (and the head's), editing the data behind the application's back, on
SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from rumordesk.store.db import Database
from rumordesk.triage import audit, checkpoint
from rumordesk.triage.roles import Actor, Role
from tests.helpers.database import Raw, owner

PIO = Actor("pat", Role.PIO, "Pat Lee")
CHIEF = Actor("chris", Role.CHIEF)
KEY = "k3Hq9-audit-key-for-tests-only-7f2Lw0pZ"
START = datetime(2026, 11, 30, 19, 0, tzinfo=UTC)


@pytest.fixture
def keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(audit.AUDIT_KEY_ENV, KEY)


@pytest.fixture(autouse=True)
def no_key_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(audit.AUDIT_KEY_ENV, raising=False)


def _fill(db: Database, count: int = 6) -> None:
    for index in range(count):
        with db.write() as connection:
            audit.record(
                connection,
                PIO if index % 2 else CHIEF,
                "note",
                rumor_id=index,
                subject=f"rumour {index}",
                detail={"note": f"note {index}"},
                at=START + timedelta(minutes=index),
            )


def _rows(raw: Raw) -> list[tuple]:
    return raw.execute(
        "SELECT id, at, actor, role, action, rumor_id, subject, detail, prev_hash, hash "
        "FROM audit_log ORDER BY id"
    ).fetchall()


def _hash(prev: str, row: tuple, **changes: object) -> str:
    fields = dict(
        zip(
            ("at", "actor", "role", "action", "rumor_id", "subject", "detail"),
            row[1:8],
            strict=True,
        )
    )
    fields.update(changes)
    at = datetime.fromisoformat(str(fields.pop("at"))).replace(tzinfo=UTC)
    return audit.entry_hash(prev, at=at, **fields)  # type: ignore[arg-type]


def _rechain_from(raw: Raw, first_id: int) -> None:
    """Recompute every hash from ``first_id`` on and move the head to the new end."""
    rows = _rows(raw)
    prev = (
        next(r[9] for r in reversed(rows) if r[0] < first_id)
        if first_id > rows[0][0]
        else audit.GENESIS
    )
    for row in rows:
        if row[0] < first_id:
            continue
        digest = _hash(prev, row)
        raw.execute(
            "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, row[0])
        )
        prev = digest
    count = raw.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    raw.execute("UPDATE audit_head SET seq = ?, hash = ?", (count, prev))


def _move_head_to_the_end(raw: Raw) -> None:
    rows = _rows(raw)
    raw.execute(
        "UPDATE audit_head SET seq = ?, hash = ?",
        (len(rows), rows[-1][9] if rows else audit.GENESIS),
    )


# --- the genesis and the head ----------------------------------------------------------


def test_an_intact_log_ends_at_its_head(db):
    _fill(db)
    check = audit.verify(db)
    assert check.ok and check.entries == 6
    with db.read() as connection:
        head = audit.read_head(connection)
    assert head is not None and head.seq == 6
    assert head.hash == audit.entries(db, limit=1)[0].hash


def test_deleting_the_first_entries_is_detected(db):
    _fill(db)
    with owner(db) as raw:
        raw.execute("DELETE FROM audit_log WHERE id IN (1, 2)")
    check = audit.verify(db)
    assert not check.ok and check.first_bad_id == 3
    assert "does not start from the genesis" in check.problem


def test_deleting_the_last_entry_is_detected(db):
    _fill(db)
    with owner(db) as raw:
        raw.execute("DELETE FROM audit_log WHERE id = 6")
    check = audit.verify(db)
    assert not check.ok and "end were removed" in check.problem and check.entries == 5


def test_deleting_every_entry_is_detected(db):
    _fill(db)
    with owner(db) as raw:
        raw.execute("DELETE FROM audit_log")
    check = audit.verify(db)
    assert not check.ok and check.entries == 0
    assert "its head records 6" in check.problem


def test_rehashing_the_last_entry_is_detected(db):
    _fill(db)
    with owner(db) as raw:
        last = _rows(raw)[-1]
        forged = _hash(last[8], last, detail='{"note": "nothing happened"}')
        raw.execute(
            "UPDATE audit_log SET detail = ?, hash = ? WHERE id = ?",
            ('{"note": "nothing happened"}', forged, last[0]),
        )
    check = audit.verify(db)
    assert not check.ok and "does not end where its head says" in check.problem


def test_a_deleted_head_row_is_detected_and_nothing_more_is_recorded(db):
    _fill(db, 2)
    with owner(db) as raw:
        raw.execute("DELETE FROM audit_head")
    assert not audit.verify(db).ok
    with pytest.raises(audit.AuditError, match="no head row"), db.write() as connection:
        audit.record(connection, PIO, "note")


def test_the_database_refuses_to_move_the_head_back_or_delete_it(db):
    _fill(db, 3)
    for statement in (
        "UPDATE audit_head SET seq = 1",
        "UPDATE audit_head SET seq = seq + 2",
        "DELETE FROM audit_head",
    ):
        with pytest.raises(IntegrityError, match="only moves forward"), db.write() as connection:
            connection.execute(text(statement))
    assert audit.verify(db).ok


def test_an_empty_new_log_is_intact_at_its_genesis(db):
    check = audit.verify(db)
    assert check.ok and check.entries == 0


# --- signatures: forging needs the key -------------------------------------------------


def test_with_the_key_every_entry_is_signed_and_checked(db, keyed):
    _fill(db)
    check = audit.verify(db)
    assert check.ok and (check.signed, check.unsigned, check.key) == (6, 0, True)


def test_rechaining_after_an_edit_is_detected_by_the_signatures(db, keyed):
    _fill(db)
    with owner(db) as raw:
        raw.execute("UPDATE audit_log SET actor = 'mallory' WHERE id = 3")
        _rechain_from(raw, 3)
    check = audit.verify(db)
    assert not check.ok and check.first_bad_id == 3 and "signature does not match" in check.problem


def test_a_forged_decision_appended_without_the_key_is_detected(db, keyed):
    _fill(db)
    with owner(db) as raw:
        last = _rows(raw)[-1]
        row = (
            0,
            "2026-11-30 20:00:00.000000",
            "chris",
            "chief",
            "decide",
            1,
            "rumour 1",
            '{"decision": "no_action", "reason": "false alarm"}',
        )
        digest = _hash(last[9], row)
        raw.execute(
            "INSERT INTO audit_log (at, actor, role, action, rumor_id, subject, detail, "
            "prev_hash, hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (*row[1:], last[9], digest),
        )
        _move_head_to_the_end(raw)
    check = audit.verify(db)
    assert not check.ok and check.first_bad_id == 7 and "no signature" in check.problem


def test_entries_before_the_key_was_set_are_counted_not_failed(db, monkeypatch):
    _fill(db, 2)
    monkeypatch.setenv(audit.AUDIT_KEY_ENV, KEY)
    _fill(db, 3)
    check = audit.verify(db)
    assert check.ok and (check.unsigned, check.signed) == (2, 3)
    assert "2 older entries written before signing began" in check.describe()


def test_a_short_key_is_refused(db, monkeypatch):
    monkeypatch.setenv(audit.AUDIT_KEY_ENV, "short")
    with pytest.raises(Exception, match="too short"), db.write() as connection:
        audit.record(connection, PIO, "note")


# --- checkpoints: the end of the log, kept elsewhere ---------------------------------


def test_cutting_the_end_off_and_rolling_the_head_back_fails_against_a_checkpoint(db, keyed):
    _fill(db)
    kept = checkpoint.parse(checkpoint.take(db).to_json())
    assert checkpoint.check_signature(kept) == "signature valid"
    with owner(db) as raw:
        raw.execute("DELETE FROM audit_log WHERE id > 4")
        _move_head_to_the_end(raw)
    assert audit.verify(db).ok  # signatures and head agree: only the checkpoint can tell
    check = audit.verify(db, checkpoint=kept)
    assert not check.ok and "checkpoint" in check.problem and "records 6" in check.problem


def test_rechaining_without_the_key_fails_against_a_checkpoint(db):
    _fill(db)
    kept = checkpoint.take(db)
    with owner(db) as raw:
        raw.execute("UPDATE audit_log SET detail = '{}' WHERE id = 2")
        _rechain_from(raw, 2)
    assert audit.verify(db).ok  # unsigned: a clean re-chain passes on its own
    check = audit.verify(db, checkpoint=kept)
    assert not check.ok and check.first_bad_id == 6 and "rewritten" in check.problem


def test_a_log_that_grew_after_the_checkpoint_still_matches_it(db, keyed):
    _fill(db, 3)
    kept = checkpoint.take(db)
    _fill(db, 2)
    check = audit.verify(db, checkpoint=kept)
    assert check.ok and check.entries == 5 and check.checkpoint_seq == 3


def test_a_forged_or_altered_checkpoint_is_refused(db, keyed):
    _fill(db, 3)
    text_ = checkpoint.take(db).to_json()
    lowered = checkpoint.parse(text_.replace('"seq": 3', '"seq": 2'))
    with pytest.raises(checkpoint.CheckpointError, match="signature does not match"):
        checkpoint.check_signature(lowered)
    unsigned = checkpoint.Checkpoint(3, lowered.hash, lowered.at, None)
    with pytest.raises(checkpoint.CheckpointError, match="not signed"):
        checkpoint.check_signature(unsigned)
    with pytest.raises(checkpoint.CheckpointError, match="not a Rumor Desk audit checkpoint"):
        checkpoint.parse('{"seq": 3}')


# --- concurrency: appenders take turns on the head --------------------------------------


def test_concurrent_appenders_never_fork_the_chain(db):
    writers, each = 4, 25
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def append(number: int) -> None:
        try:
            barrier.wait()
            for index in range(each):
                with db.write() as connection:
                    audit.record(connection, PIO, "note", detail={"w": number, "i": index})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    check = audit.verify(db)
    assert check.ok and check.entries == writers * each
    with db.read() as connection:
        prevs = connection.scalars(text("SELECT prev_hash FROM audit_log")).all()
    assert len(set(prevs)) == len(prevs)  # no two entries chain onto the same one
