"""Leases: work that one process does for every process and host sharing the database.

A lease is a row named after what it guards — ``chore:purge``, ``chore:alerts``,
``weekly-export:2026-W42`` — held by one process until it expires. Taking it is one
conditional statement (insert it if absent, or take it over if it has expired), so two
processes asking at once cannot both get it, on SQLite or PostgreSQL. A process that dies
while holding one lets go by itself when it expires; one that finishes may *settle* it:
keep a small JSON state with it (what the weekly export wrote, whether its mail went out)
and say how long it stays taken (for good, for a week that was exported).

Times are the callers' clocks (the collector loop's ``now``): hosts that share a database
keep their clocks in step (NTP), as they do for every timestamp they write.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from rumordesk.store.db import Database, insert_for
from rumordesk.store.schema import leases

#: Who holds a lease taken by this process: host, process id, and a random part (a pid
#: can come back after a restart).
THIS_PROCESS = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
#: A lease settled for good (a week that was exported stays exported).
FOREVER = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Lease:
    name: str
    holder: str
    acquired_at: datetime
    expires_at: datetime
    state: dict[str, Any]


def acquire(
    db: Database,
    name: str,
    *,
    now: datetime,
    ttl: timedelta,
    renew: bool = False,
    holder: str = THIS_PROCESS,
) -> bool:
    """Take ``name`` until ``now + ttl`` if it is free or has expired — or, with ``renew``,
    if this holder has it already. True when the caller now holds it."""
    until = now + ttl
    with db.write() as connection:
        created = connection.execute(
            insert_for(connection, leases)
            .values(name=name, holder=holder, acquired_at=now, expires_at=until, state="{}")
            .on_conflict_do_nothing(index_elements=[leases.c.name])
            .returning(leases.c.name)
        ).first()
        if created is not None:
            return True
        free = leases.c.expires_at <= now
        if renew:
            free = free | (leases.c.holder == holder)
        taken = connection.execute(
            update(leases)
            .where(leases.c.name == name, free)
            .values(holder=holder, acquired_at=now, expires_at=until)
        ).rowcount
    return taken == 1


def settle(
    db: Database,
    name: str,
    *,
    state: dict[str, Any],
    until: datetime,
    holder: str = THIS_PROCESS,
) -> bool:
    """Keep ``state`` with the lease and hold it until ``until``, if this holder still has
    it (a holder whose lease expired and was taken over changes nothing: False)."""
    with db.write() as connection:
        changed = connection.execute(
            update(leases)
            .where(leases.c.name == name, leases.c.holder == holder)
            .values(state=json.dumps(state, sort_keys=True, default=str), expires_at=until)
        ).rowcount
    return changed == 1


def release(db: Database, name: str, *, now: datetime, holder: str = THIS_PROCESS) -> None:
    """Let go of a lease this holder has (another process may take it at once)."""
    with db.write() as connection:
        connection.execute(
            update(leases)
            .where(leases.c.name == name, leases.c.holder == holder)
            .values(expires_at=now)
        )


def find(db: Database, name: str) -> Lease | None:
    with db.read() as connection:
        row = connection.execute(select(leases).where(leases.c.name == name)).mappings().first()
    if row is None:
        return None
    return Lease(
        name=row["name"],
        holder=row["holder"],
        acquired_at=row["acquired_at"],
        expires_at=row["expires_at"],
        state=json.loads(row["state"] or "{}"),
    )


@dataclass
class LeaseGate:
    """A chore's gate (``Chore.gate``): may this process run it now?

    ``renew=False`` — once per ``ttl`` across all processes (the purge: whoever comes first
    each hour runs it, the others skip). ``renew=True`` — one process at a time, as long as
    it keeps running (the alert chore: the holder renews its lease, which it asks the
    database for only once half of it has passed; another takes over ``ttl`` after the
    holder stopped).
    """

    db: Database
    name: str
    ttl: timedelta
    renew: bool = False
    holder: str = THIS_PROCESS
    _held_until: datetime | None = field(default=None, init=False, repr=False)

    def __call__(self, now: datetime) -> bool:
        if self.renew and self._held_until is not None and now < self._held_until - self.ttl / 2:
            return True
        if acquire(self.db, self.name, now=now, ttl=self.ttl, renew=self.renew, holder=self.holder):
            self._held_until = now + self.ttl
            return True
        self._held_until = None
        return False
