"""Local accounts: who may sign in, with which role. Passwords are kept only as argon2id hashes.

Managing accounts is the administrator's job (``Permission.MANAGE_USERS``, re-checked in
each change's own transaction by :mod:`triage.authz`); the command line acts as
:data:`triage.roles.SYSTEM`. Every change is audited in the same transaction. Accounts are
never deleted, only disabled: the audit log keeps naming who did what. Disabling an
account, changing its role or setting its password ends its open sessions
(``sessions_revoked_at``): a tab left open can no longer act. Passwords follow
:mod:`triage.passwords`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from sqlalchemy import func, insert, select, update

from rumordesk.base.errors import RumorDeskError
from rumordesk.base.times import utc_now
from rumordesk.store.db import Database
from rumordesk.store.schema import users
from rumordesk.triage import audit, passwords, throttle
from rumordesk.triage.authz import acting, reading
from rumordesk.triage.roles import SYSTEM, Actor, Permission, Role, require

#: argon2-cffi's defaults are the RFC 9106 "low memory" profile of argon2id.
HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")
#: Names the program itself uses in the audit log.
RESERVED_NAMES = frozenset({SYSTEM.username})


class UserError(RumorDeskError):
    """An account cannot be created or changed as asked (the message says why)."""


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    display_name: str
    role: Role
    email: str | None
    active: bool
    created_at: datetime
    failed_attempts: int
    locked_until: datetime | None
    last_login_at: datetime | None
    has_password: bool

    def actor(self) -> Actor:
        return Actor(self.username, self.role, self.display_name)


def _user(row) -> User:  # type: ignore[no-untyped-def]
    return User(
        id=row.id,
        username=row.username,
        display_name=row.display_name or "",
        role=Role(row.role),
        email=row.email,
        active=bool(row.active),
        created_at=row.created_at,
        failed_attempts=row.failed_attempts or 0,
        locked_until=row.locked_until,
        last_login_at=row.last_login_at,
        has_password=row.password_hash is not None,
    )


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise UserError(f"unknown role {value!r} (choose one of: {choices})") from None


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME.fullmatch(name):
        raise UserError(
            f"user name {username[:80]!r} is not valid: 2-64 characters, lower-case letters, "
            "digits and . _ @ - (starting with a letter or digit)"
        )
    if name in RESERVED_NAMES:
        raise UserError(f"user name {name!r} is reserved for Rumor Desk itself")
    return name


def check_password(password: str, *, username: str = "", display_name: str = "") -> None:
    """Raise :class:`UserError` saying every way ``password`` breaks the policy."""
    found = passwords.problems(password, username=username, context=tuple(display_name.split()))
    if found:
        raise UserError("; ".join(found))


def hash_password(password: str, *, username: str = "", display_name: str = "") -> str:
    check_password(password, username=username, display_name=display_name)
    return HASHER.hash(password)


def count_users(db: Database, *, active_only: bool = True) -> int:
    query = select(func.count()).select_from(users)
    if active_only:
        query = query.where(users.c.active.is_(True))
    with db.read() as connection:
        return int(connection.scalar(query) or 0)


def get_user(db: Database, username: str) -> User | None:
    with db.read() as connection:
        row = connection.execute(
            select(users).where(users.c.username == username.strip().lower())
        ).first()
    return _user(row) if row else None


def user_by_email(db: Database, email: str) -> User | None:
    with db.read() as connection:
        row = connection.execute(
            select(users).where(func.lower(users.c.email) == email.strip().lower()).limit(1)
        ).first()
    return _user(row) if row else None


def list_users(db: Database, actor: Actor) -> list[User]:
    with reading(db, actor, Permission.MANAGE_USERS) as connection:
        rows = connection.execute(select(users).order_by(users.c.username).limit(10_000)).all()
    return [_user(row) for row in rows]


def add_user(
    db: Database,
    actor: Actor,
    username: str,
    role: Role | str,
    *,
    password: str | None,
    display_name: str = "",
    email: str | None = None,
    now: datetime | None = None,
) -> User:
    """Create an account; ``password`` None makes an identity-provider-only account."""
    require(actor, Permission.MANAGE_USERS)
    name = check_username(username)
    role = role if isinstance(role, Role) else parse_role(role)
    digest = (
        hash_password(password, username=name, display_name=display_name)
        if password is not None
        else None
    )
    if digest is None and not email:
        raise UserError("an account without a password needs an e-mail (identity provider)")
    with acting(db, actor, Permission.MANAGE_USERS) as connection:
        if connection.scalar(select(users.c.id).where(users.c.username == name)) is not None:
            raise UserError(f"user {name!r} already exists")
        connection.execute(
            insert(users).values(
                username=name,
                display_name=display_name.strip(),
                role=role.value,
                email=(email or "").strip() or None,
                password_hash=digest,
                active=True,
                created_at=(now or datetime.now(UTC)),
                failed_attempts=0,
            )
        )
        audit.record(connection, actor, "user_add", subject=name, detail={"role": role.value})
    user = get_user(db, name)
    assert user is not None
    return user


def _change(db: Database, actor: Actor, username: str, action: str, values: dict, detail: dict):  # type: ignore[no-untyped-def]
    require(actor, Permission.MANAGE_USERS)
    name = username.strip().lower()
    with acting(db, actor, Permission.MANAGE_USERS) as connection:
        found = connection.execute(
            update(users).where(users.c.username == name).values(**values)
        ).rowcount
        if not found:
            raise UserError(f"no user named {name!r}")
        _end_sessions(connection, name, action)
        audit.record(connection, actor, action, subject=name, detail=detail)


def _end_sessions(connection, name: str, action: str) -> None:  # type: ignore[no-untyped-def]
    """Disabling an account, or changing its role or password, signs it out everywhere."""
    from rumordesk.triage.sessions import Ended, end_user  # sessions reads accounts here

    reason = {
        "user_disable": Ended.DISABLED,
        "user_role": Ended.ROLE_CHANGED,
        "user_password": Ended.PASSWORD_CHANGED,
    }.get(action)
    if reason is not None:
        email = connection.scalar(select(users.c.email).where(users.c.username == name))
        end_user(connection, name, reason, email=email)


def set_role(db: Database, actor: Actor, username: str, role: Role | str) -> None:
    role = role if isinstance(role, Role) else parse_role(role)
    if username.strip().lower() == actor.username and role is not Role.ADMIN:
        raise UserError("you cannot take away your own administrator role")
    values = {"role": role.value, "sessions_revoked_at": utc_now()}
    _change(db, actor, username, "user_role", values, {"role": role.value})


def set_active(db: Database, actor: Actor, username: str, active: bool) -> None:
    if not active and username.strip().lower() == actor.username:
        raise UserError("you cannot disable your own account")
    values: dict = {"active": active}
    if active:
        values |= {"failed_attempts": 0, "locked_until": None}
    else:
        values["sessions_revoked_at"] = utc_now()  # an open tab can no longer act
    _change(db, actor, username, "user_enable" if active else "user_disable", values, {})
    if active:
        with db.write() as connection:
            throttle.clear_user(connection, [username.strip().lower()])


def set_password(db: Database, actor: Actor, username: str, password: str) -> None:
    """A new password; every session of the account started before it ends."""
    existing = get_user(db, username)
    digest = hash_password(
        password,
        username=username.strip().lower(),
        display_name=existing.display_name if existing else "",
    )
    values = {
        "password_hash": digest,
        "failed_attempts": 0,
        "locked_until": None,
        "sessions_revoked_at": utc_now(),
    }
    _change(db, actor, username, "user_password", values, {})
    with db.write() as connection:
        throttle.clear_user(connection, [username.strip().lower()])
