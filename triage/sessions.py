"""Dashboard sign-ins that survive a reload, belong to one browser, and end on time.

Why a table and not Streamlit's memory: a session kept in the tab's ``st.session_state``
dies with a reload or a new tab (an alert's link opened in a new tab asked the PIO to sign
in again), and whoever presented the tab's Streamlit session id could take it over. Here a
sign-in hands the browser a fresh random secret (a cookie, see ``rumordesk/web/``); only
its SHA-256 is stored, so the table alone lets nobody in. Every page run presents the
secret again and :func:`check` decides, from the store, whether it still stands:

* it ends after ``[auth] session_idle_minutes`` without a page run and
  ``session_max_hours`` after sign-in, whichever comes first;
* it ends at once when the account is disabled, removed, gets another role or a new
  password (:func:`end_user`, called by ``triage/users.py``), and it is never revived;
* signing out or signing in again (the secret rotates) ends it, in every tab.

Users of the city's identity provider keep Streamlit's own identity cookie; its hash is
the key of their row (:func:`adopt`), so the same limits apply and an expired cookie cannot
sign them straight back in: only a new sign-in with the provider (a new cookie) can.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Connection, delete, insert, or_, select, update

from rumordesk.base.config import AuthSettings
from rumordesk.base.times import stored_utc, utc_now
from rumordesk.store.db import Database
from rumordesk.store.schema import browser_sessions
from rumordesk.triage import audit
from rumordesk.triage.auth import role_for_email
from rumordesk.triage.roles import PROVIDER, Actor, Role
from rumordesk.triage.users import get_user, user_by_email

#: The cookie that carries a local sign-in's secret (HttpOnly, SameSite=Strict).
COOKIE = "rumordesk_session"
#: A page run moves ``last_seen_at`` at most this often (one write per half minute, not
#: one per click); the idle limit is therefore exact to within this much.
TOUCH_EVERY = timedelta(seconds=30)
#: Ended rows are kept this long after sign-in (longer than Streamlit's 30-day identity
#: cookie lives, so an ended OIDC cookie stays refused), then deleted at the next sign-in.
KEEP_DAYS = 31


class Ended(StrEnum):
    """Why a session ended (stored, audited, and told to the user in plain words)."""

    SIGNED_OUT = "signed out"
    ROTATED = "signed in again"
    IDLE = "idle"
    TOO_OLD = "too old"
    DISABLED = "account disabled"
    ROLE_CHANGED = "role changed"
    PASSWORD_CHANGED = "password changed"  # noqa: S105 (a reason, not a password)
    UNKNOWN = "unknown session"


@dataclass(frozen=True, slots=True)
class SessionCheck:
    """The outcome of presenting a secret: who is signed in, or why nobody is."""

    actor: Actor | None
    ended: Ended | None = None
    #: True when this check opened the session (an identity-provider sign-in just landed).
    started: bool = False


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def start(
    db: Database,
    actor: Actor,
    method: str,
    *,
    replacing: str | None = None,
    now: datetime | None = None,
) -> str:
    """A new session for ``actor`` (already authenticated); returns the browser's secret.

    ``replacing`` is the secret the browser presented, if any: it ends here (the secret
    rotates at every sign-in, so a secret seen before sign-in is worth nothing after).
    """
    now = now or utc_now()
    secret = secrets.token_urlsafe(32)
    with db.write() as connection:
        if replacing:
            _end_where(connection, browser_sessions.c.token_hash == token_hash(replacing), now)
        connection.execute(
            delete(browser_sessions).where(
                browser_sessions.c.started_at < now - timedelta(days=KEEP_DAYS)
            )
        )
        _insert(connection, token_hash(secret), actor, method, now)
    return secret


def adopt(db: Database, token: str, actor: Actor, *, now: datetime | None = None) -> bool:
    """Open a session keyed by an identity-provider cookie; False if that cookie was
    seen before (its session may have ended: it never starts a second one)."""
    now = now or utc_now()
    digest = token_hash(token)
    with db.write() as connection:
        known = connection.scalar(
            select(browser_sessions.c.id).where(browser_sessions.c.token_hash == digest)
        )
        if known is not None:
            return False
        _insert(connection, digest, actor, "oidc", now)
    return True


def _insert(connection: Connection, digest: str, actor: Actor, method: str, now: datetime) -> None:
    connection.execute(
        insert(browser_sessions).values(
            token_hash=digest,
            username=actor.username,
            method=method,
            role=actor.role.value,
            started_at=now,
            last_seen_at=now,
        )
    )


def check(
    db: Database,
    settings: AuthSettings,
    secret: str | None,
    *,
    touch: bool = True,
    now: datetime | None = None,
) -> SessionCheck:
    """Who ``secret`` signs in now, or why nobody: checked against the store on every run.

    ``touch``: this run is the user's doing (a click, a page), so it counts as activity;
    a section refreshing itself on a timer checks without touching, so an unattended
    screen still reaches the idle limit.
    """
    if not secret:
        return SessionCheck(None)
    now = now or utc_now()
    with db.read() as connection:
        row = connection.execute(
            select(browser_sessions).where(browser_sessions.c.token_hash == token_hash(secret))
        ).first()
    if row is None:
        return SessionCheck(None, Ended.UNKNOWN)
    if row.ended_at is not None:
        return SessionCheck(None, _reason(row.end_reason))
    actor = account(db, settings, row.username, row.method)
    ended = _why_ended(settings, row, actor, now)
    if ended is not None:
        _end(db, row.id, ended, actor or Actor(row.username, Role(row.role)), now)
        return SessionCheck(None, ended)
    if touch and now - stored_utc(row.last_seen_at) >= TOUCH_EVERY:
        with db.write() as connection:
            connection.execute(
                update(browser_sessions)
                .where(browser_sessions.c.id == row.id)
                .values(last_seen_at=now)
            )
    return SessionCheck(_in_window(settings, actor, row, now if touch else None))


def _in_window(settings: AuthSettings, actor: Actor, row, touched_at: datetime | None) -> Actor:  # type: ignore[no-untyped-def]
    """The actor carrying its session's start and end, so every action can refuse an
    expired session on its own (triage/authz.py): the idle limit from the latest activity
    (this run, when it counts as one), capped by the maximum lifetime."""
    started = stored_utc(row.started_at)
    seen = touched_at or stored_utc(row.last_seen_at)
    ends = min(
        seen + timedelta(minutes=settings.session_idle_minutes),
        started + timedelta(hours=settings.session_max_hours),
    )
    return replace(actor, session_started_at=started, session_expires_at=ends)


def account(db: Database, settings: AuthSettings, username: str, method: str) -> Actor | None:
    """The session's user as the store has them now (None: removed, disabled, no role)."""
    if method == "oidc":
        user = user_by_email(db, username)
        if user is not None:
            return user.actor() if user.active else None
        role = role_for_email(settings, username)
        return Actor(username, role, account=PROVIDER) if role else None
    user = get_user(db, username)
    return user.actor() if user is not None and user.active else None


def _why_ended(settings: AuthSettings, row, actor: Actor | None, now: datetime) -> Ended | None:  # type: ignore[no-untyped-def]
    if actor is None:
        return Ended.DISABLED
    if actor.role.value != row.role:
        return Ended.ROLE_CHANGED
    if now - stored_utc(row.started_at) > timedelta(hours=settings.session_max_hours):
        return Ended.TOO_OLD
    if now - stored_utc(row.last_seen_at) > timedelta(minutes=settings.session_idle_minutes):
        return Ended.IDLE
    return None


def _reason(text: str | None) -> Ended:
    try:
        return Ended(text or "")
    except ValueError:
        return Ended.UNKNOWN


def _end(db: Database, session_id: int, reason: Ended, actor: Actor, now: datetime) -> None:
    """End one session; audited once, by whichever run ended it first."""
    with db.write() as connection:
        if _end_where(connection, browser_sessions.c.id == session_id, now, reason):
            audit.record(
                connection,
                actor,
                "sign_out",
                subject=actor.username,
                detail={"reason": reason.value},
                at=now,
            )


def _end_where(
    connection: Connection, condition, now: datetime, reason: Ended = Ended.ROTATED
) -> int:  # type: ignore[no-untyped-def]
    return connection.execute(
        update(browser_sessions)
        .where(condition, browser_sessions.c.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason.value)
    ).rowcount


def sign_out(db: Database, secret: str | None, *, now: datetime | None = None) -> Actor | None:
    """End the session ``secret`` holds (every tab of this browser signs out); returns
    who was signed in, or None if it had ended already."""
    if not secret:
        return None
    now = now or utc_now()
    with db.write() as connection:
        row = connection.execute(
            select(browser_sessions).where(browser_sessions.c.token_hash == token_hash(secret))
        ).first()
        if row is None or row.ended_at is not None:
            return None
        _end_where(connection, browser_sessions.c.id == row.id, now, Ended.SIGNED_OUT)
        actor = Actor(row.username, Role(row.role))
        audit.record(
            connection,
            actor,
            "sign_out",
            subject=row.username,
            detail={"reason": Ended.SIGNED_OUT.value},
            at=now,
        )
    return actor


def end_user(
    connection: Connection,
    username: str,
    reason: Ended,
    *,
    email: str | None = None,
    now: datetime | None = None,
) -> int:
    """End every open session of an account, in the caller's transaction (disabling it,
    changing its role or password); returns how many ended."""
    names = [username.strip().lower()]
    if email:
        names.append(email.strip().lower())
    return _end_where(
        connection,
        or_(*(browser_sessions.c.username == name for name in names)),
        now or utc_now(),
        reason,
    )


def open_sessions(db: Database, username: str) -> int:
    """How many sessions of ``username`` are open (the Users page shows it)."""
    with db.read() as connection:
        return len(
            connection.scalars(
                select(browser_sessions.c.id).where(
                    browser_sessions.c.username == username.strip().lower(),
                    browser_sessions.c.ended_at.is_(None),
                )
            ).all()
        )
