"""Accounts for the actors a test builds by hand.

Every action re-reads the acting account in its own transaction (triage/authz.py), so an
``Actor("pat", Role.PIO)`` acts only if the store has an enabled account ``pat`` with that
role. :func:`enrol` writes those rows straight into ``users`` — identity-provider accounts,
no password to hash, and no audit entry, so a test's audit log holds only what it did."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from rumordesk.store.db import Database
from rumordesk.store.schema import users
from rumordesk.triage.roles import Actor


def enrol(db: Database, *actors: Actor) -> None:
    """An enabled account with each actor's name and role (left as it is if it exists)."""
    with db.write() as connection:
        for actor in actors:
            if connection.scalar(select(users.c.id).where(users.c.username == actor.username)):
                continue
            connection.execute(
                insert(users).values(
                    username=actor.username,
                    display_name=actor.display_name,
                    role=actor.role.value,
                    email=f"{actor.username}@santaclaraca.gov",
                    password_hash=None,
                    active=True,
                    created_at=datetime.now(UTC),
                    failed_attempts=0,
                )
            )
