"""Browser sessions: a secret only its browser holds, checked against the store, ended on
time and on every change to the account, in every tab at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text, update

from rumordesk.base.config import AuthSettings, RoleEmails
from rumordesk.store.schema import browser_sessions
from rumordesk.triage import audit, sessions, users
from rumordesk.triage.roles import PROVIDER, SYSTEM, Actor, Role
from rumordesk.triage.sessions import Ended

T0 = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
LIMITS = AuthSettings(session_idle_minutes=30, session_max_hours=12)


@pytest.fixture
def pat(db):
    return users.add_user(db, SYSTEM, "pat", Role.PIO, password="correct horse battery")


def _start(db, name="pat", *, at=T0, replacing=None):
    actor = sessions.account(db, LIMITS, name, "password")
    return sessions.start(db, actor, "password", replacing=replacing, now=at)


def _sign_outs(db):
    return [
        e.detail.get("reason")
        for e in audit.entries(db, newest_first=False)
        if e.action == "sign_out"
    ]


def test_the_store_keeps_only_a_hash_of_the_browsers_secret(db, pat):
    secret = _start(db)
    assert len(secret) >= 40  # 32 random bytes, URL-safe
    with db.read() as connection:
        stored = connection.execute(select(browser_sessions)).one()
        every_cell = " ".join(
            str(v)
            for row in connection.execute(text("SELECT * FROM browser_sessions"))
            for v in row
        )
    assert stored.token_hash == sessions.token_hash(secret) != secret
    assert secret not in every_cell
    assert (stored.username, stored.role, stored.method) == ("pat", "pio", "password")


def test_a_valid_secret_signs_the_user_in_and_activity_moves_the_idle_clock(db, pat):
    secret = _start(db)
    seen = sessions.check(db, LIMITS, secret, now=T0 + timedelta(minutes=20))
    assert seen.ended is None and seen.actor is not None
    assert (seen.actor.username, seen.actor.role) == ("pat", Role.PIO)
    # the actor carries its session's window, so every action can refuse it once it ends
    assert seen.actor.session_started_at == T0
    idle = timedelta(minutes=LIMITS.session_idle_minutes)
    assert seen.actor.session_expires_at == T0 + timedelta(minutes=20) + idle
    # 20 minutes of activity later the idle limit counts from the last page run, not sign-in
    later = sessions.check(db, LIMITS, secret, now=T0 + timedelta(minutes=45))
    assert later.actor is not None


def test_a_timed_refresh_does_not_count_as_activity(db, pat):
    secret = _start(db)
    for minutes in (10, 20, 29):
        assert sessions.check(
            db, LIMITS, secret, touch=False, now=T0 + timedelta(minutes=minutes)
        ).actor
    ended = sessions.check(db, LIMITS, secret, touch=False, now=T0 + timedelta(minutes=31))
    assert (ended.actor, ended.ended) == (None, Ended.IDLE)


def test_idle_and_maximum_lifetimes_end_it_once_and_for_good(db, pat):
    secret = _start(db)
    gone = sessions.check(db, LIMITS, secret, now=T0 + timedelta(minutes=31))
    assert (gone.actor, gone.ended) == (None, Ended.IDLE)
    again = sessions.check(db, LIMITS, secret, now=T0 + timedelta(minutes=32))
    assert (again.actor, again.ended) == (None, Ended.IDLE)
    assert _sign_outs(db) == ["idle"]  # audited once, by the run that ended it

    busy = _start(db)
    for hour in range(1, 12):  # active every hour, with a 2-hour idle limit
        seen = sessions.check(
            db, AuthSettings(session_idle_minutes=120), busy, now=T0 + timedelta(hours=hour)
        )
        assert seen.actor is not None
    old = sessions.check(
        db, AuthSettings(session_idle_minutes=120), busy, now=T0 + timedelta(hours=12, minutes=1)
    )
    assert (old.actor, old.ended) == (None, Ended.TOO_OLD)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda db: users.set_active(db, SYSTEM, "pat", False), Ended.DISABLED),
        (lambda db: users.set_role(db, SYSTEM, "pat", "chief"), Ended.ROLE_CHANGED),
        (
            lambda db: users.set_password(db, SYSTEM, "pat", "another long secret"),
            Ended.PASSWORD_CHANGED,
        ),
    ],
)
def test_a_change_to_the_account_ends_every_session_of_it(db, pat, change, reason):
    first, second = _start(db), _start(db)  # two browsers
    change(db)
    for secret in (first, second):
        seen = sessions.check(db, LIMITS, secret, now=T0 + timedelta(minutes=1))
        assert (seen.actor, seen.ended) == (None, reason)


def test_re_enabling_an_account_does_not_revive_its_sessions(db, pat):
    secret = _start(db)
    users.set_active(db, SYSTEM, "pat", False)
    users.set_active(db, SYSTEM, "pat", True)
    seen = sessions.check(db, LIMITS, secret, now=T0 + timedelta(minutes=1))
    assert (seen.actor, seen.ended) == (None, Ended.DISABLED)
    assert sessions.check(db, LIMITS, _start(db), now=T0 + timedelta(minutes=1)).actor


def test_a_role_changed_behind_the_sessions_back_ends_it_at_the_next_check(db, pat):
    secret = _start(db)
    from rumordesk.store.schema import users as users_table

    with db.write() as connection:  # not through set_role: the check itself notices
        connection.execute(update(users_table).values(role="staff"))
    seen = sessions.check(db, LIMITS, secret, now=T0 + timedelta(minutes=1))
    assert (seen.actor, seen.ended) == (None, Ended.ROLE_CHANGED)


def test_signing_in_again_rotates_the_secret(db, pat):
    old = _start(db)
    new = _start(db, replacing=old, at=T0 + timedelta(minutes=1))
    assert new != old
    assert sessions.check(db, LIMITS, old, now=T0 + timedelta(minutes=2)).ended is Ended.ROTATED
    assert sessions.check(db, LIMITS, new, now=T0 + timedelta(minutes=2)).actor is not None


def test_signing_out_ends_the_session_for_every_tab_that_holds_it(db, pat):
    secret = _start(db)
    assert sessions.sign_out(db, secret, now=T0 + timedelta(minutes=1)) == Actor("pat", Role.PIO)
    assert sessions.sign_out(db, secret) is None  # once
    seen = sessions.check(db, LIMITS, secret, now=T0 + timedelta(minutes=2))
    assert (seen.actor, seen.ended) == (None, Ended.SIGNED_OUT)
    assert _sign_outs(db) == ["signed out"]


def test_no_secret_or_an_unknown_one_signs_nobody_in(db, pat):
    _start(db)
    assert sessions.check(db, LIMITS, None) == sessions.SessionCheck(None)
    assert sessions.check(db, LIMITS, "made-up") == sessions.SessionCheck(None, Ended.UNKNOWN)


def test_an_identity_provider_cookie_starts_one_session_and_never_a_second(db):
    oidc = AuthSettings(oidc=True, roles=RoleEmails(pio=["@santaclaraca.gov"]))
    actor = sessions.account(db, oidc, "lee@santaclaraca.gov", "oidc")
    assert actor == Actor("lee@santaclaraca.gov", Role.PIO, account=PROVIDER)
    assert sessions.adopt(db, "streamlit-cookie-1", actor, now=T0)
    assert not sessions.adopt(db, "streamlit-cookie-1", actor, now=T0)
    assert sessions.check(db, oidc, "streamlit-cookie-1", now=T0 + timedelta(minutes=5)).actor
    expired = sessions.check(db, oidc, "streamlit-cookie-1", now=T0 + timedelta(hours=13))
    assert expired.ended is Ended.TOO_OLD  # the 12-hour limit holds for them too
    # the same cookie presented again cannot start a fresh session: a new sign-in is needed
    assert not sessions.adopt(db, "streamlit-cookie-1", actor, now=T0 + timedelta(hours=14))
    assert sessions.check(db, oidc, "streamlit-cookie-1").actor is None
    assert sessions.adopt(db, "streamlit-cookie-2", actor, now=T0 + timedelta(hours=14))


def test_old_rows_are_deleted_at_a_later_sign_in(db, pat):
    _start(db, at=T0)
    _start(db, at=T0 + timedelta(days=sessions.KEEP_DAYS, minutes=1))
    with db.read() as connection:
        starts = list(connection.scalars(select(browser_sessions.c.started_at)))
    assert len(starts) == 1
    assert sessions.open_sessions(db, "pat") == 2 - 1
