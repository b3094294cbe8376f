"""Authorisation at the point of action: the acting account is re-read in the action's own
transaction, every time.

A page decides what to show; it cannot be trusted to decide what may be done. A tab left
open keeps its actor (and a fragment refreshing on a timer never reloads the page): after
``rumordesk user disable pat``, a demotion, a password reset or the end of the session,
that actor must be refused — by the function, whichever page, fragment or script calls it.
Every workflow, intake, account, alert, demo and export function opens its transaction
through :func:`acting` (or :func:`reading`), which refuses, and records the refusal, when:

* the role does not grant the permission (as :func:`triage.roles.require` does);
* the session the actor acts through has ended (``Actor.session_expires_at``);
* the account is gone, disabled, or no longer has the actor's role;
* the administrator revoked the account's sessions after this one began (disable, role
  change, password set: ``users.sessions_revoked_at``).

The system actor (the loop, the scheduler, the command line run by someone with the
server's access) has no account to re-read; an identity-provider user without a local
account has only the session check (their role comes from the configuration).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection, select

from rumordesk.base.times import utc_now
from rumordesk.store.db import Database
from rumordesk.store.schema import users
from rumordesk.triage import audit
from rumordesk.triage.roles import AUTOMATIC, PROVIDER, Actor, Permission, PermissionDenied, require


class AccountRefused(PermissionDenied):
    """The actor's account or session may no longer act (the message says why)."""

    def __init__(self, actor: Actor, reason: str) -> None:
        self.actor, self.reason = actor, reason
        self.recorded = False  # in the audit log already (once, however deep the call)
        super().__init__(f"{actor.username}: {reason}; sign in again")


def require_current(
    connection: Connection,
    actor: Actor,
    permission: Permission,
    now: datetime,
    *,
    lock: bool = True,
) -> None:
    """Raise unless ``actor`` may take an action needing ``permission`` right now.

    ``lock``: in a write transaction the account row is read with a shared lock, so a
    concurrent disable waits for this action or wins; a read (a snapshot, read-only on
    PostgreSQL) reads the row as the snapshot has it."""
    require(actor, permission)
    if actor.account == AUTOMATIC:
        return
    if actor.session_expires_at is not None and now >= actor.session_expires_at:
        raise AccountRefused(actor, "the session has ended")
    if actor.account == PROVIDER:
        return
    query = select(users.c.active, users.c.role, users.c.sessions_revoked_at).where(
        users.c.username == actor.username
    )
    if lock:
        query = query.with_for_update(read=True)
    row = connection.execute(query).first()
    if row is None:
        raise AccountRefused(actor, "the account no longer exists")
    if not row.active:
        raise AccountRefused(actor, "the account is disabled")
    if row.role != actor.role.value:
        raise AccountRefused(actor, f"the account's role is now {row.role}")
    revoked = row.sessions_revoked_at
    if revoked is not None and (
        actor.session_started_at is None or actor.session_started_at < revoked
    ):
        raise AccountRefused(actor, "the administrator ended this account's sessions")


def _refused(db: Database, refusal: AccountRefused, permission: Permission) -> None:
    """The attempt goes in the audit log, in a transaction of its own (the action's was
    rolled back)."""
    if refusal.recorded:
        return
    refusal.recorded = True
    audit.record_now(
        db,
        refusal.actor,
        "action_refused",
        subject=refusal.actor.username,
        detail={"permission": permission.value, "reason": refusal.reason},
    )


@contextmanager
def acting(
    db: Database, actor: Actor, permission: Permission, *, now: datetime | None = None
) -> Iterator[Connection]:
    """A write transaction for ``actor``'s action, opened only if they may act now."""
    moment = now or utc_now()
    try:
        with db.write() as connection:
            require_current(connection, actor, permission, moment)
            yield connection
    except AccountRefused as refusal:
        _refused(db, refusal, permission)
        raise


@contextmanager
def reading(
    db: Database, actor: Actor, permission: Permission, *, now: datetime | None = None
) -> Iterator[Connection]:
    """A read transaction for what ``actor`` may see now (same checks as :func:`acting`)."""
    moment = now or utc_now()
    try:
        with db.read() as connection:
            require_current(connection, actor, permission, moment, lock=False)
            yield connection
    except AccountRefused as refusal:
        _refused(db, refusal, permission)
        raise


def check(db: Database, actor: Actor, permission: Permission) -> None:
    """The same check on its own, before work done outside the action's transaction
    (storing a screenshot, scoring) that the action then records."""
    with reading(db, actor, permission):
        pass
