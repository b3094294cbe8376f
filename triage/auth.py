"""Signing in: checking a password, slowing guessers down, and ending stale sessions.

Why here and not in the page: the page only shows a form; the rules must hold for any
caller. An unknown name, a disabled account and a wrong password get the same answer
after the same work (one argon2 verification, one write); failures are counted per
client address (:mod:`triage.throttle`), so a guesser is slowed down where they are and
nobody can lock the PIO out by failing on purpose; every attempt is in the audit log.
Sessions are kept by the dashboard per browser tab; :class:`Session` is what is kept,
:func:`still_valid` decides when it ends, and :func:`session_actor` gives the actor the
session's end, so every action checks it again (:mod:`triage.authz`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update

from rumordesk.base.config import AuthSettings
from rumordesk.base.errors import RumorDeskError
from rumordesk.store.db import Database
from rumordesk.store.schema import users
from rumordesk.triage import audit, passwords, throttle
from rumordesk.triage.roles import PROVIDER, SYSTEM, Actor, Role
from rumordesk.triage.users import HASHER, User, get_user, user_by_email

#: Checked against when the user name is unknown, so that a wrong name takes as long as a
#: wrong password (no telling which names exist by timing).
_DUMMY_HASH = HASHER.hash("not a real password, only for timing")
FIRST_ACCOUNT_COMMAND = "rumordesk user add NAME --role admin"
WRONG = "wrong user name or password"


class SignInError(RumorDeskError):
    """The sign-in failed. The message never says whether the name or the password was wrong."""


class TooManyAttempts(SignInError):
    """This client address must wait before trying (this name) again: the same answer
    whether or not the name exists."""

    def __init__(self, until: datetime) -> None:
        self.until = until
        super().__init__("too many failed sign-ins from this address: wait before trying again")


#: The earlier name; nothing is locked per account any more.
AccountLocked = TooManyAttempts


@dataclass(frozen=True, slots=True)
class Session:
    username: str
    method: str  # "password" | "oidc"
    started_at: datetime
    last_seen_at: datetime


def client_address(
    ip_address: str | None, headers: Mapping[str, str] | None, settings: AuthSettings
) -> str:
    """Who is asking, for throttling: the connection's address, or — behind a reverse proxy
    named in ``client_address_header`` — the last address that proxy appended."""
    if settings.client_address_header and headers:
        forwarded = headers.get(settings.client_address_header)
        last = forwarded.split(",")[-1].strip() if isinstance(forwarded, str) else ""
        if last:
            return last[:200]
    return ip_address[:200] if isinstance(ip_address, str) and ip_address else "unknown"


def _short(name: str) -> str:
    return name.strip().lower()[:64]


def sign_in(
    db: Database,
    settings: AuthSettings,
    username: str,
    password: str,
    *,
    client: str = "unknown",
    now: datetime | None = None,
) -> Session:
    """Check a local account's password; returns a new session or raises :class:`SignInError`
    (:class:`TooManyAttempts` while this address must wait)."""
    now = now or datetime.now(UTC)
    name = _short(username)
    keys = throttle.Keys.of(client, name)
    with db.read() as connection:
        waiting = throttle.blocked_until(connection, keys, now)
    if waiting is not None:
        audit.record_now(
            db,
            SYSTEM,
            "sign_in_failed",
            subject=name,
            detail={"reason": "throttled", "client": client, "until": waiting},
        )
        raise TooManyAttempts(waiting)
    user = get_user(db, name) if name else None
    if user is not None and user.active and user.has_password:
        with db.read() as connection:
            digest = connection.scalar(select(users.c.password_hash).where(users.c.id == user.id))
        reason = "wrong password"
    else:
        digest = None  # the dummy hash: the same work as a real check
        reason = "unknown user" if user is None else "disabled or no password"
    # A password over the policy's maximum was never set: check a bounded prefix, so a
    # megabyte costs no more than a passphrase.
    if _verify(digest, password[: passwords.MAX_LENGTH + 1]) and digest is not None:
        return _signed_in(db, user, keys, password, digest, now)  # type: ignore[arg-type]
    with db.write() as connection:
        until = throttle.count_failure(connection, settings, keys, now)
        # Known or not, one UPDATE (it matches no row for an unknown name).
        connection.execute(
            update(users)
            .where(users.c.username == name)
            .values(failed_attempts=users.c.failed_attempts + 1)
        )
        audit.record(
            connection,
            user.actor() if user is not None else SYSTEM,
            "sign_in_failed",
            subject=name,
            detail={"reason": reason, "client": client, "until": until},
        )
    if until is not None:
        raise TooManyAttempts(until)
    raise SignInError(WRONG)


def _signed_in(
    db: Database, user: User, keys: throttle.Keys, password: str, digest: str, now: datetime
) -> Session:
    with db.write() as connection:
        throttle.clear(connection, keys)
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
    actor = (
        user.actor()
        if user
        else Actor(username, role_for_email(settings, email), name, account=PROVIDER)  # type: ignore[arg-type]
    )
    audit.record_now(db, actor, "sign_in", subject=username, detail={"method": "oidc"})
    return Session(email.strip().lower(), "oidc", now, now)


def still_valid(session: Session, settings: AuthSettings, *, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    idle = now - session.last_seen_at > timedelta(minutes=settings.session_idle_minutes)
    too_old = now - session.started_at > timedelta(hours=settings.session_max_hours)
    return not (idle or too_old)


def ends_at(session: Session, settings: AuthSettings, *, now: datetime | None = None) -> datetime:
    """When the session ends if nothing more happens: ``now`` is the latest activity of a
    session still valid (the page run that asks), else its last activity stands."""
    now = now or datetime.now(UTC)
    seen = now if still_valid(session, settings, now=now) else session.last_seen_at
    idle_end = seen + timedelta(minutes=settings.session_idle_minutes)
    return min(idle_end, session.started_at + timedelta(hours=settings.session_max_hours))


def touch(session: Session, *, now: datetime | None = None) -> Session:
    return replace(session, last_seen_at=now or datetime.now(UTC))


def session_actor(
    db: Database,
    settings: AuthSettings,
    session: Session,
    name: str = "",
    *,
    now: datetime | None = None,
) -> Actor | None:
    """The session's user as they are *now* in the store (None if disabled or gone),
    carrying the session's start and end: each action re-checks both (triage/authz.py)."""
    window = {
        "session_started_at": session.started_at,
        "session_expires_at": ends_at(session, settings, now=now),
    }
    if session.method == "oidc":
        user = user_by_email(db, session.username)
        if user is not None:
            return replace(user.actor(), **window) if user.active else None
        role = role_for_email(settings, session.username)
        return Actor(session.username, role, name, account=PROVIDER, **window) if role else None
    user: User | None = get_user(db, session.username)
    if user is None or not user.active:
        return None
    return replace(user.actor(), **window)


def sign_out(db: Database, actor: Actor, *, reason: str = "signed out") -> None:
    audit.record_now(db, actor, "sign_out", subject=actor.username, detail={"reason": reason})
