"""Local accounts (argon2id), throttled sign-in, expiring sessions, OIDC role mapping, and
the `rumordesk user` commands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from rumordesk.base.config import AuthSettings, RoleEmails
from rumordesk.cli.main import main
from rumordesk.store.schema import users as users_table
from rumordesk.triage import audit, auth, throttle, users
from rumordesk.triage.roles import SYSTEM, Actor, PermissionDenied, Role
from tests.helpers.settings import write_config

SECRET = "correct horse battery"
T0 = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
FAST = AuthSettings(lockout_after=3, lockout_seconds=10, lockout_max_seconds=35)


@pytest.fixture
def pat(db):
    return users.add_user(db, SYSTEM, "pat", Role.PIO, password=SECRET, display_name="Pat")


def _hash(db, name):
    with db.read() as connection:
        return connection.scalar(
            select(users_table.c.password_hash).where(users_table.c.username == name)
        )


def test_passwords_are_kept_only_as_argon2id_hashes(db, pat):
    digest = _hash(db, "pat")
    assert digest.startswith("$argon2id$") and SECRET not in digest
    assert users.HASHER.verify(digest, SECRET)
    assert [e.action for e in audit.entries(db)] == ["user_add"]


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("Bad Name", SECRET, "not valid"),
        ("pat2", "short", "at least 12"),
        ("pat3", " padded password ", "spaces"),
    ],
)
def test_bad_accounts_are_refused_with_a_reason(db, name, password, message):
    with pytest.raises(users.UserError, match=message):
        users.add_user(db, SYSTEM, name, "pio", password=password)
    assert users.count_users(db) == 0


def test_duplicate_and_unknown_roles_are_refused(db, pat):
    with pytest.raises(users.UserError, match="already exists"):
        users.add_user(db, SYSTEM, "PAT", "chief", password=SECRET)
    with pytest.raises(users.UserError, match="unknown role"):
        users.add_user(db, SYSTEM, "kim", "sheriff", password=SECRET)


def test_sign_in_succeeds_and_is_audited(db, pat):
    session = auth.sign_in(db, FAST, "Pat", SECRET, now=T0)
    assert session.username == "pat" and session.started_at == T0
    assert users.get_user(db, "pat").last_login_at == T0
    entry = audit.entries(db)[0]
    assert (entry.action, entry.actor, entry.detail["method"]) == ("sign_in", "pat", "password")
    actor = auth.session_actor(db, FAST, session, now=T0)
    assert (actor.username, actor.role, actor.display_name) == ("pat", Role.PIO, "Pat")
    # the actor carries its session's window: every action checks it (triage/authz.py)
    assert actor.session_started_at == T0
    assert actor.session_expires_at == T0 + timedelta(minutes=FAST.session_idle_minutes)


@pytest.mark.slow
def test_failed_sign_ins_hold_back_the_address_with_a_growing_delay(db, pat):
    here = "203.0.113.7"
    for attempt in range(2):
        with pytest.raises(auth.SignInError) as caught:
            auth.sign_in(db, FAST, "pat", "not the password", client=here, now=T0)
        assert not isinstance(caught.value, auth.TooManyAttempts), attempt
    with pytest.raises(auth.TooManyAttempts) as third:
        auth.sign_in(db, FAST, "pat", "not the password", client=here, now=T0)
    assert third.value.until == T0 + timedelta(seconds=10)
    # while held back, even the right password is refused from that address
    with pytest.raises(auth.TooManyAttempts):
        auth.sign_in(db, FAST, "pat", SECRET, client=here, now=T0 + timedelta(seconds=5))
    # after the wait, a fourth failure waits twice as long, then the cap applies
    later = T0 + timedelta(seconds=11)
    with pytest.raises(auth.TooManyAttempts) as fourth:
        auth.sign_in(db, FAST, "pat", "still wrong", client=here, now=later)
    assert fourth.value.until == later + timedelta(seconds=20)
    latest = later + timedelta(seconds=21)
    with pytest.raises(auth.TooManyAttempts) as fifth:
        auth.sign_in(db, FAST, "pat", "still wrong", client=here, now=latest)
    assert fifth.value.until == latest + timedelta(seconds=35)
    # the right password after the wait works and resets the count
    auth.sign_in(db, FAST, "pat", SECRET, client=here, now=latest + timedelta(seconds=36))
    assert users.get_user(db, "pat").failed_attempts == 0
    failed = [e for e in audit.entries(db) if e.action == "sign_in_failed"]
    assert len(failed) == 6 and {e.subject for e in failed} == {"pat"}
    assert {e.detail["reason"] for e in failed} == {"wrong password", "throttled"}
    assert {e.detail["client"] for e in failed} == {here}


def test_the_wait_doubles_from_lockout_seconds_up_to_the_maximum():
    settings = AuthSettings(lockout_after=5, lockout_seconds=30, lockout_max_seconds=3600)
    delays = [throttle.delay(settings, failures, 5) for failures in range(4, 13)]
    assert delays == [None] + [timedelta(seconds=s) for s in (30, 60, 120, 240, 480, 960, 1920)] + [
        timedelta(seconds=3600)
    ]
    # thousands of failures in a row still wait the maximum (no float overflow)
    assert throttle.delay(settings, 5000, 5) == timedelta(seconds=3600)


def test_unknown_and_disabled_accounts_fail_the_same_way(db, pat):
    with pytest.raises(auth.SignInError, match="wrong user name or password") as unknown:
        auth.sign_in(db, FAST, "nobody", SECRET)
    users.set_active(db, SYSTEM, "pat", False)
    with pytest.raises(auth.SignInError, match="wrong user name or password") as disabled:
        auth.sign_in(db, FAST, "pat", SECRET)
    assert str(unknown.value) == str(disabled.value)
    entry = audit.entries(db, action="sign_in_failed")[-1]
    assert (entry.actor, entry.subject) == ("system", "nobody")


def test_sessions_expire_when_idle_and_after_the_maximum(db, pat):
    config = AuthSettings(session_idle_minutes=30, session_max_hours=2)
    session = auth.sign_in(db, config, "pat", SECRET, now=T0)
    assert auth.still_valid(session, config, now=T0 + timedelta(minutes=29))
    assert not auth.still_valid(session, config, now=T0 + timedelta(minutes=31))
    kept = session
    for minutes in range(20, 120, 20):
        kept = auth.touch(kept, now=T0 + timedelta(minutes=minutes))
        assert auth.still_valid(kept, config, now=T0 + timedelta(minutes=minutes + 10))
    assert not auth.still_valid(kept, config, now=T0 + timedelta(minutes=121))


def test_a_role_change_or_disable_applies_to_open_sessions(db, pat):
    session = auth.sign_in(db, FAST, "pat", SECRET)
    users.set_role(db, SYSTEM, "pat", "chief")
    assert auth.session_actor(db, FAST, session).role is Role.CHIEF
    users.set_active(db, SYSTEM, "pat", False)
    assert auth.session_actor(db, FAST, session) is None


def test_only_the_administrator_manages_accounts(db, pat):
    admin = users.add_user(db, SYSTEM, "ada", "admin", password=SECRET).actor()
    for role in (Role.PIO, Role.CHIEF, Role.STAFF):
        with pytest.raises(PermissionDenied):
            users.add_user(db, Actor("x", role), "kim", "staff", password=SECRET)
        with pytest.raises(PermissionDenied):
            users.set_role(db, Actor("x", role), "pat", "admin")
    with pytest.raises(users.UserError, match="your own"):
        users.set_active(db, admin, "ada", False)
    with pytest.raises(users.UserError, match="your own"):
        users.set_role(db, admin, "ada", "pio")
    users.set_role(db, admin, "pat", "staff")
    assert users.get_user(db, "pat").role is Role.STAFF
    assert audit.entries(db)[0].actor == "ada"


def test_oidc_roles_come_from_config_and_local_accounts(db, pat):
    roles = RoleEmails(pio=("pio@santaclaraca.gov",), staff=("@santaclaraca.gov",))
    config = AuthSettings(oidc=True, roles=roles)
    assert auth.role_for_email(config, "PIO@santaclaraca.gov") is Role.PIO
    assert auth.role_for_email(config, "officer@santaclaraca.gov") is Role.STAFF
    assert auth.role_for_email(config, "someone@example.org") is None
    session = auth.sign_in_oidc(db, config, "officer@santaclaraca.gov", "Officer")
    assert auth.session_actor(db, config, session).role is Role.STAFF
    with pytest.raises(auth.SignInError, match="no role"):
        auth.sign_in_oidc(db, config, "someone@example.org")
    with pytest.raises(auth.SignInError, match="not enabled"):
        auth.sign_in_oidc(db, AuthSettings(), "pio@santaclaraca.gov")
    # a local account with that e-mail decides, and can be disabled
    users.add_user(db, SYSTEM, "chief1", "chief", password=None, email="chief@santaclaraca.gov")
    chief = auth.sign_in_oidc(db, config, "chief@santaclaraca.gov")
    assert auth.session_actor(db, config, chief).role is Role.CHIEF
    users.set_active(db, SYSTEM, "chief1", False)
    assert auth.session_actor(db, config, chief) is None
    with pytest.raises(auth.SignInError, match="disabled"):
        auth.sign_in_oidc(db, config, "chief@santaclaraca.gov")
    assert {e.detail.get("method") for e in audit.entries(db, action="sign_in")} == {"oidc"}


def test_identity_provider_accounts_cannot_sign_in_with_a_password(db):
    users.add_user(db, SYSTEM, "idp", "pio", password=None, email="idp@santaclaraca.gov")
    for attempt in ("", "any password at all"):
        with pytest.raises(auth.SignInError, match="wrong user name or password"):
            auth.sign_in(db, FAST, "idp", attempt)
    failed = audit.entries(db, action="sign_in_failed")
    assert [(e.subject, e.detail["reason"]) for e in failed] == [
        ("idp", "disabled or no password")
    ] * 2
    assert users.get_user(db, "idp").last_login_at is None


@pytest.fixture
def cli(tmp_path, database_url):
    config = write_config(tmp_path / "config.toml", f'[storage]\ndatabase_url = "{database_url}"\n')
    runner = CliRunner()
    return lambda *args, **kw: runner.invoke(main, ["--config", str(config), *args], **kw)


@pytest.mark.slow
def test_user_commands(cli):
    empty = cli("user", "list")
    assert empty.exit_code == 0 and "rumordesk user add NAME --role admin" in empty.output
    added = cli("user", "add", "pat", "--role", "pio", "--password-stdin", input=SECRET + "\n")
    assert added.exit_code == 0, added.output
    assert "created pat (pio)" in added.output
    prompted = cli("user", "add", "ada", "--role", "admin", input=f"{SECRET}\n{SECRET}\n")
    assert prompted.exit_code == 0, prompted.output
    assert cli("user", "set-role", "pat", "chief").exit_code == 0
    assert cli("user", "disable", "pat").exit_code == 0
    listed = cli("user", "list").output
    assert "pat   chief  disabled" in listed and "ada   admin  active" in listed
    short = cli("user", "add", "kim", "--role", "staff", "--password-stdin", input="short\n")
    assert short.exit_code == 1 and "at least 12" in short.output
    twice = cli("user", "add", "ada", "--role", "pio", "--password-stdin", input=SECRET + "\n")
    assert twice.exit_code == 1 and "already exists" in twice.output
    unknown = cli("user", "disable", "nobody")
    assert unknown.exit_code == 1 and "no user named 'nobody'" in unknown.output
    bad_role = cli("user", "add", "kim", "--role", "sheriff")
    assert bad_role.exit_code == 2
