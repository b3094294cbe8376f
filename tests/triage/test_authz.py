"""Authorisation at the point of action: a tab left open keeps its actor, and every function
that acts refuses it once the account is disabled, demoted, its sessions revoked, or the
session has ended — whichever page, fragment or script calls the function.

The actors here are made as the dashboard makes them, from a session
(:func:`triage.auth.session_actor`), at the moment the tab was opened.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image
from sqlalchemy import func, select

from rumordesk.base.config import AuthSettings
from rumordesk.cli.main import main
from rumordesk.demo import load_demo, remove_demo
from rumordesk.reports.export import ExportFile, audit_export
from rumordesk.store.db import Database
from rumordesk.store.schema import evidence, posts, rumors
from rumordesk.triage import audit, auth, intake, users, workflow
from rumordesk.triage.alerts import send_test
from rumordesk.triage.authz import AccountRefused
from rumordesk.triage.roles import SYSTEM, Actor, PermissionDenied, Role
from tests.helpers.alerts import add_rumour
from tests.helpers.database import storage_toml
from tests.helpers.settings import make_settings, write_config

PASSWORD = "Stanford-Crossing-Lights-42"
CONFIG = AuthSettings(session_idle_minutes=30)


@pytest.fixture(autouse=True)
def light_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests sign accounts in; the hash's cost is tested in test_auth.py."""
    from argon2 import PasswordHasher

    light = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    monkeypatch.setattr(users, "HASHER", light)
    monkeypatch.setattr(auth, "HASHER", light)


def account(db: Database, name: str, role: Role) -> None:
    users.add_user(db, SYSTEM, name, role, password=PASSWORD, display_name=name.title())


def open_tab(
    db: Database, name: str, *, settings: AuthSettings = CONFIG, at: datetime | None = None
) -> Actor:
    """Sign in at ``at`` (now by default) and keep the actor, as an open tab does."""
    moment = at or datetime.now(UTC)
    session = auth.sign_in(db, settings, name, PASSWORD, client="198.51.100.4", now=moment)
    actor = auth.session_actor(db, settings, session, now=moment)
    assert actor is not None
    return actor


def cli(db: Database, tmp_path: Path, *args: str) -> None:
    config = write_config(tmp_path / "config.toml", storage_toml(db))
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    assert result.exit_code == 0, result.output


def statuses(db: Database, ids: list[int]) -> list[str]:
    with db.read() as connection:
        return list(connection.scalars(select(rumors.c.status).where(rumors.c.id.in_(ids))))


def refusals(db: Database) -> list[dict[str, Any]]:
    return [e.detail for e in audit.entries(db, action="action_refused", newest_first=False)]


def test_a_disabled_pios_open_tab_cannot_bulk_set_fifteen_rumours(db, tmp_path):
    account(db, "pat", Role.PIO)
    ids = [add_rumour(db, cluster_key=f"claim:{n}") for n in range(15)]
    tab = open_tab(db, "pat")

    cli(db, tmp_path, "user", "disable", "pat")

    with pytest.raises(AccountRefused, match="the account is disabled"):
        workflow.bulk_set_status(db, tab, ids, "not_relevant")
    assert statuses(db, ids) == ["new"] * 15
    assert refusals(db) == [{"permission": "triage", "reason": "the account is disabled"}]


def test_a_disabled_chiefs_open_tab_cannot_record_a_decision(db, tmp_path):
    account(db, "pat", Role.PIO)
    account(db, "chris", Role.CHIEF)
    rumour = add_rumour(db)
    workflow.escalate(db, open_tab(db, "pat"), rumour, "Correct it now.")
    chief = open_tab(db, "chris")

    cli(db, tmp_path, "user", "disable", "chris")

    with pytest.raises(AccountRefused, match="disabled"):
        workflow.decide(db, chief, rumour, "no_action", "false alarm")
    with db.read() as connection:
        row = connection.execute(select(rumors).where(rumors.c.id == rumour)).one()
    assert (row.decision, row.decided_by, row.decided_at) == (None, None, None)


def test_an_action_85_seconds_after_sign_in_with_a_1_minute_idle_limit_is_refused(db):
    account(db, "pat", Role.PIO)
    ids = [add_rumour(db, cluster_key=f"claim:{n}") for n in range(3)]
    one_minute = AuthSettings(session_idle_minutes=1)
    tab = open_tab(db, "pat", settings=one_minute, at=datetime.now(UTC) - timedelta(seconds=85))

    with pytest.raises(AccountRefused, match="the session has ended"):
        workflow.bulk_set_status(db, tab, ids, "not_relevant")
    assert statuses(db, ids) == ["new"] * 3
    assert refusals(db)[-1]["reason"] == "the session has ended"


def test_a_demoted_pio_cannot_triage_from_the_old_tab(db):
    account(db, "pat", Role.PIO)
    rumour = add_rumour(db)
    tab = open_tab(db, "pat")
    users.set_role(db, SYSTEM, "pat", "staff")

    with pytest.raises(AccountRefused, match="role is now staff"):
        workflow.assign(db, tab, rumour, "pat")


def test_a_password_reset_ends_earlier_sessions_but_not_later_ones(db):
    account(db, "pat", Role.PIO)
    rumour = add_rumour(db)
    old = open_tab(db, "pat", at=datetime.now(UTC) - timedelta(minutes=5))
    users.set_password(db, SYSTEM, "pat", PASSWORD)  # the administrator resets it

    with pytest.raises(AccountRefused, match="ended this account's sessions"):
        workflow.add_note(db, old, rumour, "still here")
    workflow.add_note(db, open_tab(db, "pat"), rumour, "signed in again")
    assert [e.detail.get("note") for e in audit.entries(db, action="note")] == ["signed in again"]


def test_an_account_that_never_existed_cannot_act(db):
    rumour = add_rumour(db)
    with pytest.raises(AccountRefused, match="no longer exists"):
        workflow.assign(db, Actor("mallory", Role.PIO), rumour, "mallory")


def test_a_wrong_role_is_still_refused_before_the_account_is_read(db):
    account(db, "sam", Role.STAFF)
    with pytest.raises(PermissionDenied, match="may not triage") as caught:
        workflow.assign(db, open_tab(db, "sam"), add_rumour(db), "sam")
    assert not isinstance(caught.value, AccountRefused)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "navy").save(buffer, "PNG")
    return buffer.getvalue()


#: Every function that acts (or reads for an actor), the role that may call it, and a call.
ACTIONS: list[tuple[str, Role, Callable[..., Any]]] = [
    ("assign", Role.PIO, lambda c: workflow.assign(c.db, c.actor, c.rumour, "pat")),
    ("set_status", Role.PIO, lambda c: workflow.set_status(c.db, c.actor, c.rumour, "accurate")),
    ("add_note", Role.PIO, lambda c: workflow.add_note(c.db, c.actor, c.rumour, "x")),
    ("escalate", Role.PIO, lambda c: workflow.escalate(c.db, c.actor, c.rumour, "x")),
    ("decide", Role.CHIEF, lambda c: workflow.decide(c.db, c.actor, c.rumour, "monitor", "x")),
    (
        "link_correction",
        Role.PIO,
        lambda c: workflow.link_correction(c.db, c.actor, c.rumour, "https://x.org/a"),
    ),
    ("close", Role.PIO, lambda c: workflow.close(c.db, c.actor, c.rumour)),
    ("reopen", Role.PIO, lambda c: workflow.reopen(c.db, c.actor, c.rumour)),
    (
        "set_legal_hold",
        Role.PIO,
        lambda c: workflow.set_legal_hold(c.db, c.actor, c.rumour, True, "x"),
    ),
    (
        "bulk_set_status",
        Role.PIO,
        lambda c: workflow.bulk_set_status(c.db, c.actor, [c.rumour], "accurate"),
    ),
    ("preserve_evidence", Role.PIO, lambda c: workflow.preserve_evidence(c.db, c.actor, c.rumour)),
    (
        "attach_screenshot",
        Role.PIO,
        lambda c: workflow.attach_screenshot(
            c.db, c.actor, c.rumour, data=_png(), filename="s.png", folder=c.tmp / "shots"
        ),
    ),
    ("evidence_for", Role.CHIEF, lambda c: workflow.evidence_for(c.db, c.actor, c.rumour)),
    (
        "add_user",
        Role.ADMIN,
        lambda c: users.add_user(c.db, c.actor, "kim", "staff", password=None, email="k@x.org"),
    ),
    ("set_role", Role.ADMIN, lambda c: users.set_role(c.db, c.actor, "other", "chief")),
    ("set_active", Role.ADMIN, lambda c: users.set_active(c.db, c.actor, "other", False)),
    ("set_password", Role.ADMIN, lambda c: users.set_password(c.db, c.actor, "other", PASSWORD)),
    ("list_users", Role.ADMIN, lambda c: users.list_users(c.db, c.actor)),
    (
        "file_report",
        Role.STAFF,
        lambda c: intake.file_report(
            c.db, c.settings, c.actor, url=None, text="shots at the mall", where="Facebook"
        ),
    ),
    ("my_reports", Role.STAFF, lambda c: intake.my_reports(c.db, c.actor)),
    ("load_demo", Role.PIO, lambda c: load_demo(c.db, c.settings, c.actor)),
    ("remove_demo", Role.ADMIN, lambda c: remove_demo(c.db, c.actor)),
    (
        "audit_export",
        Role.CHIEF,
        lambda c: audit_export(
            c.db, c.actor, ExportFile("w.xlsx", b"x", "application/x"), kind="weekly", detail={}
        ),
    ),
    ("send_test", Role.PIO, lambda c: send_test(c.settings, c.db, c.actor)),
]


class Case:
    def __init__(self, db: Database, actor: Actor, rumour: int, tmp: Path) -> None:
        self.db, self.actor, self.rumour, self.tmp = db, actor, rumour, tmp
        self.settings = make_settings(
            [],
            alerts={"webhooks": [{"name": "h", "kind": "generic", "url": "http://127.0.0.1:9/"}]},
            staff_reports={"screenshot_dir": str(tmp / "shots")},
        )


def _footprint(db: Database) -> tuple[int, int, int]:
    with db.read() as connection:
        return (
            connection.scalar(select(func.count()).select_from(posts)),
            connection.scalar(select(func.count()).select_from(evidence)),
            len(audit.entries(db, limit=None)),
        )


@pytest.mark.parametrize(("name", "role", "call"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_every_action_refuses_a_disabled_account(db, tmp_path, name, role, call):
    account(db, "actor1", role)
    account(db, "other", Role.STAFF)
    rumour = add_rumour(db)
    case = Case(db, open_tab(db, "actor1"), rumour, tmp_path)
    users.set_active(db, SYSTEM, "actor1", False)
    before = _footprint(db)

    with pytest.raises(AccountRefused, match="disabled"):
        call(case)

    posts_, evidence_, entries = _footprint(db)
    assert (posts_, evidence_) == before[:2], f"{name} changed the store"
    assert entries == before[2] + 1  # the refusal, and nothing else
    assert audit.entries(db, limit=1)[0].action == "action_refused"
    assert not any((tmp_path / "shots").glob("*")), f"{name} stored a screenshot"
