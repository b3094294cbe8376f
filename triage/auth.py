"""Signing in: checking a password, throttling guessers, and ending stale sessions.

Why here and not in the page: the page only shows a form; the rules (a locked account
stays locked, an unknown name costs as much time as a known one, every attempt is in the
audit log) must hold for any caller. Sessions are kept by Streamlit per browser tab
(``st.session_state``); :class:`Session` is what is kept and :func:`still_valid` decides
when it ends. The role is re-read from the store on every page run, so disabling an
account or changing its role takes effect at once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update

from rumordesk.base.backoff import doubling
from rumordesk.base.config import AuthSettings
from rumordesk.base.errors import RumorDeskError
from rumordesk.store.db import Database
from rumordesk.store.schema import users
from rumordesk.triage import audit
from rumordesk.triage.roles import SYSTEM, Actor, Role
from rumordesk.triage.users import HASHER, User, get_user, user_by_email

#: Checked against when the user name is unknown, so that a wrong name takes as long as a
#: wrong password (no telling which names exist by timing).
_DUMMY_HASH = HASHER.hash("not a real password, only for timing")
FIRST_ACCOUNT_COMMAND = "rumordesk user add NAME --role admin"


class SignInError(RumorDeskError):
    """The sign-in failed. The message never says whether the name or the password was wrong."""


class AccountLocked(SignInError):
    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__("too many failed sign-ins: this account is locked for a while")


@dataclass(frozen=True, slots=True)
class Session:
    username: str
    method: str  # "password" | "oidc"
    started_at: datetime
    last_seen_at: datetime


def lock_delay(settings: AuthSettings, failures: int) -> timedelta | None:
    """How long an account is locked after ``failures`` failures in a row (None: not locked)."""
    if failures < settings.lockout_after:
        return None
    doublings = failures - settings.lockout_after
    return doubling(settings.lockout_seconds, doublings, settings.lockout_max_seconds)


def _short(name: str) -> str:
    return name.strip()[:64]


def sign_in(
    db: Database,
    settings: AuthSettings,
    username: str,
    password: str,
    *,
    now: datetime | None = None,
) -> Session:
    """Check a local account's password; returns a new session or raises :class:`SignInError`."""
    now = now or datetime.now(UTC)
    user = get_user(db, username) if username.strip() else None
    if user is None or not user.active or not user.has_password:
        _verify(_DUMMY_HASH, password)
        reason = "unknown user" if user is None else "disabled or no password"
        audit.record_now(
            db, SYSTEM, "sign_in_failed", subject=_short(username), detail={"reason": reason}
        )
        raise SignInError("wrong user name or password")
    if user.locked_until is not None and user.locked_until > now:
        audit.record_now(
            db,
            user.actor(),
            "sign_in_failed",
            subject=user.username,
            detail={"reason": "locked", "locked_until": user.locked_until},
        )
        raise AccountLocked(user.locked_until)
    with db.read() as connection:
        digest = connection.scalar(select(users.c.password_hash).where(users.c.id == user.id))
    if not _verify(digest, password):
        failures = user.failed_attempts + 1
        delay = lock_delay(settings, failures)
        locked_until = now + delay if delay else None
        with db.write() as connection:
            connection.execute(
                update(users)
                .where(users.c.id == user.id)
                .values(failed_attempts=users.c.failed_attempts + 1, locked_until=locked_until)
            )
            audit.record(
                connection,
                user.actor(),
                "sign_in_failed",
                subject=user.username,
                detail={
                    "reason": "wrong password",
                    "failures": failures,
                    "locked_until": locked_until,
                },
            )
        if locked_until:
            raise AccountLocked(locked_until)
        raise SignInError("wrong user name or password")
    with db.write() as connection:
        values: dict = {"failed_attempts": 0, "locked_until": None, "last_login_at": now}
        if HASHER.check_needs_rehash(digest):
            values["password_hash"] = HASHER.hash(password)
        connection.execute(update(users).where(users.c.id == user.id).values(**values))
        audit.record(
            connection,
            user.actor(),
            "sign_in",
            subject=user.username,
            detail={"method": "password"},
        )
    return Session(user.username, "password", now, now)


def _verify(digest: str | None, password: str) -> bool:
    try:
        return HASHER.verify(digest or _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def role_for_email(settings: AuthSettings, email: str) -> Role | None:
    """The role config.toml ``[auth.roles]`` gives this e-mail: an exact address wins over
    a domain; with several domain matches the least privileged wins."""
    address = email.strip().lower()
    if "@" not in address:
        return None
    domain = "@" + address.rsplit("@", 1)[1]
    order = (Role.STAFF, Role.CHIEF, Role.PIO, Role.ADMIN)
    listed = {
        role: {e.strip().lower() for e in getattr(settings.roles, role.value)} for role in order
    }
    for role in order:
        if address in listed[role]:
            return role
    for role in order:
        if domain in listed[role]:
            return role
    return None


def sign_in_oidc(
    db: Database,
    settings: AuthSettings,
    email: str,
    name: str = "",
    *,
    now: datetime | None = None,
) -> Session:
    """A user the identity provider vouched for: a local account with that e-mail decides
    the role (and may be disabled); otherwise ``[auth.roles]`` does."""
    now = now or datetime.now(UTC)
    if not settings.oidc:
        raise SignInError("sign-in through the identity provider is not enabled")
    user = user_by_email(db, email)
    if user is not None and not user.active:
        audit.record_now(
            db,
            user.actor(),
            "sign_in_failed",
            subject=user.username,
            detail={"reason": "disabled", "method": "oidc"},
        )
        raise SignInError("this account is disabled")
    if user is None and role_for_email(settings, email) is None:
        audit.record_now(
            db,
            SYSTEM,
            "sign_in_failed",
            subject=_short(email),
            detail={"reason": "no role for this e-mail", "method": "oidc"},
        )
        raise SignInError(f"{email} has no role in Rumor Desk; ask the administrator")
    username = user.username if user else email.strip().lower()
    actor = user.actor() if user else Actor(username, role_for_email(settings, email), name)  # type: ignore[arg-type]
    audit.record_now(db, actor, "sign_in", subject=username, detail={"method": "oidc"})
    return Session(email.strip().lower(), "oidc", now, now)


def still_valid(session: Session, settings: AuthSettings, *, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    idle = now - session.last_seen_at > timedelta(minutes=settings.session_idle_minutes)
    too_old = now - session.started_at > timedelta(hours=settings.session_max_hours)
    return not (idle or too_old)


def touch(session: Session, *, now: datetime | None = None) -> Session:
    return replace(session, last_seen_at=now or datetime.now(UTC))


def session_actor(
    db: Database, settings: AuthSettings, session: Session, name: str = ""
) -> Actor | None:
    """The session's user as they are *now* in the store (None if disabled or gone)."""
    if session.method == "oidc":
        user = user_by_email(db, session.username)
        if user is not None:
            return user.actor() if user.active else None
        role = role_for_email(settings, session.username)
        return Actor(session.username, role, name) if role else None
    user: User | None = get_user(db, session.username)
    if user is None or not user.active:
        return None
    return user.actor()


def sign_out(db: Database, actor: Actor, *, reason: str = "signed out") -> None:
    audit.record_now(db, actor, "sign_out", subject=actor.username, detail={"reason": reason})
