"""`rumordesk audit verify`: a clear message, and exit 1 when an entry was edited or removed.

The library is tested in tests/triage/test_triage_audit.py; here the command runs against a
real database (SQLite and PostgreSQL) that someone then edits behind the application's back
(tests.helpers.database.tamper: past the append-only triggers), with the same verdicts.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from rumordesk.cli.main import main
from rumordesk.store.db import Database
from rumordesk.triage import audit
from rumordesk.triage.roles import Actor, Role
from tests.helpers.database import storage_toml, tamper
from tests.helpers.settings import write_config

PIO = Actor("pat", Role.PIO)


@pytest.fixture
def config(tmp_path: Path, db: Database) -> Path:
    start = datetime(2026, 11, 30, 19, 0, tzinfo=UTC)
    for index in range(6):
        with db.write() as connection:
            audit.record(
                connection,
                PIO,
                "note",
                rumor_id=1,
                subject="rumour 1",
                detail={"note": f"checked with dispatch ({index})"},
                at=start + timedelta(minutes=index),
            )
    return write_config(tmp_path / "config.toml", storage_toml(db))


def verify(config: Path):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["--config", str(config), "audit", "verify"])


def test_an_intact_log_is_reported_as_intact(config):
    result = verify(config)
    assert result.exit_code == 0, result.output
    assert "audit log intact: 6 entries" in result.output


def test_an_edited_entry_fails_with_its_id(config, db):
    tamper(db, 'UPDATE audit_log SET detail = \'{"note": "nothing to see"}\' WHERE id = 3')
    result = verify(config)
    assert result.exit_code == 1
    assert "AUDIT LOG BROKEN at entry 3" in result.stderr
    assert "was edited" in result.stderr


def test_a_deleted_entry_fails_at_the_next_one(config, db):
    tamper(db, "DELETE FROM audit_log WHERE id = 4")
    result = verify(config)
    assert result.exit_code == 1
    assert "AUDIT LOG BROKEN at entry 5" in result.stderr
    assert "removed or altered" in result.stderr


def test_an_edit_that_recomputes_its_own_hash_still_breaks_the_chain(config, db):
    """A forger who rewrites an entry and its hash breaks the link to the next entry."""
    entry = audit.entries(db, newest_first=False)[1]
    forged = audit.entry_hash(
        entry.prev_hash,
        at=entry.at,
        actor="chris",
        role=entry.role,
        action=entry.action,
        rumor_id=entry.rumor_id,
        subject=entry.subject,
        detail='{"note": "checked with dispatch (1)"}',
    )
    tamper(db, f"UPDATE audit_log SET actor = 'chris', hash = '{forged}' WHERE id = {entry.id}")
    result = verify(config)
    assert result.exit_code == 1
    assert f"AUDIT LOG BROKEN at entry {entry.id + 1}" in result.stderr


def test_the_application_cannot_edit_or_delete_entries(config, db):
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    for statement in ("UPDATE audit_log SET actor = 'x' WHERE id = 1", "DELETE FROM audit_log"):
        with pytest.raises(IntegrityError, match="append-only"), db.write() as connection:
            connection.execute(text(statement))
    assert verify(config).exit_code == 0


# --- the ends of the log (issue: each passed `audit verify` once the triggers were dropped) --


@pytest.mark.parametrize(
    ("statement", "said"),
    [
        ("DELETE FROM audit_log WHERE id IN (1, 2)", "does not start from the genesis"),
        ("DELETE FROM audit_log WHERE id = 6", "entries at the end were removed"),
        ("DELETE FROM audit_log", "its head records 6"),
    ],
    ids=["first entries", "last entry", "every entry"],
)
def test_removing_either_end_or_everything_fails(config, db, statement, said):
    tamper(db, statement)
    result = verify(config)
    assert result.exit_code == 1, result.output
    assert "AUDIT LOG BROKEN" in result.stderr and said in result.stderr
    assert "intact" not in result.output


def test_rehashing_the_last_entry_fails(config, db):
    entry = audit.entries(db, limit=1)[0]
    forged = audit.entry_hash(
        entry.prev_hash,
        at=entry.at,
        actor=entry.actor,
        role=entry.role,
        action=entry.action,
        rumor_id=entry.rumor_id,
        subject=entry.subject,
        detail='{"note": "nothing to see"}',
    )
    tamper(
        db,
        f"UPDATE audit_log SET detail = '{{\"note\": \"nothing to see\"}}', hash = '{forged}' "
        f"WHERE id = {entry.id}",
    )
    result = verify(config)
    assert result.exit_code == 1 and "does not end where its head says" in result.stderr


def _checkpoint(config: Path, out: Path) -> None:
    result = CliRunner().invoke(
        main, ["--config", str(config), "audit", "checkpoint", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert f"checkpoint at entry 6 written to {out}" in result.output


def test_a_checkpoint_catches_a_tail_removed_with_the_head_rolled_back(config, db, tmp_path):
    kept = tmp_path / "checkpoint.json"
    _checkpoint(config, kept)
    last_kept = audit.entries(db, limit=3)[-1]  # the 4th entry
    tamper(
        db,
        "DELETE FROM audit_log WHERE id > 4",
        f"UPDATE audit_head SET seq = 4, hash = '{last_kept.hash}'",
    )
    assert verify(config).exit_code == 0  # the database alone cannot tell any more

    result = CliRunner().invoke(
        main, ["--config", str(config), "audit", "verify", "--checkpoint", str(kept)]
    )
    assert result.exit_code == 1
    assert "the log has 4 entries but the checkpoint" in result.stderr
    assert "records 6" in result.stderr


def test_a_checkpoint_matches_a_log_that_only_grew(config, db, tmp_path):
    kept = tmp_path / "checkpoint.json"
    _checkpoint(config, kept)
    with db.write() as connection:
        audit.record(connection, PIO, "note", rumor_id=1, subject="rumour 1")
    result = CliRunner().invoke(
        main, ["--config", str(config), "audit", "verify", "--checkpoint", str(kept)]
    )
    assert result.exit_code == 0, result.output
    assert (
        "intact: 7 entries" in result.output
        and "matches the checkpoint at entry 6" in result.output
    )
