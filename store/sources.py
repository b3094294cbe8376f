"""Per-source state: cursor, health and schedule, as the runner and the health page see it."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from rumordesk.base.redact import mask
from rumordesk.base.source_settings import SourceBase
from rumordesk.store.db import Database, insert_for
from rumordesk.store.schema import sources


@dataclass(frozen=True, slots=True)
class SourceHealth:
    name: str
    kind: str
    channel: str
    status: str
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    consecutive_failures: int
    last_new: int
    last_updated: int
    last_requests: int
    next_poll_at: datetime | None


def sync_sources(db: Database, configured: Iterable[SourceBase]) -> None:
    """Make sure every configured source has a row; keep kind and channel current.

    Several processes may start together (collectors on several hosts): a row another one
    inserted a moment ago is kept (``ON CONFLICT DO NOTHING``) and then brought up to date.
    """
    with db.write() as connection:
        for source in sorted(configured, key=lambda s: s.name):
            values = {"kind": source.kind, "channel": source.channel}
            connection.execute(
                insert_for(connection, sources)
                .values(
                    name=source.name,
                    cursor="{}",
                    status="never",
                    consecutive_failures=0,
                    last_new=0,
                    last_updated=0,
                    last_requests=0,
                    **values,
                )
                .on_conflict_do_nothing(index_elements=[sources.c.name])
            )
            connection.execute(
                update(sources)
                .where(
                    sources.c.name == source.name,
                    (sources.c.kind != source.kind) | (sources.c.channel != source.channel),
                )
                .values(values)
            )


def load_cursor(db: Database, name: str) -> dict[str, Any]:
    with db.read() as connection:
        raw = connection.scalar(select(sources.c.cursor).where(sources.c.name == name))
    return json.loads(raw or "{}")


def record_success(
    db: Database,
    name: str,
    *,
    new: int,
    updated: int,
    requests: int,
    next_poll_at: datetime,
    now: datetime | None = None,
) -> None:
    now = now or datetime.now(UTC)
    with db.write() as connection:
        connection.execute(
            update(sources)
            .where(sources.c.name == name)
            .values(
                status="ok",
                last_attempt_at=now,
                last_success_at=now,
                consecutive_failures=0,
                last_new=new,
                last_updated=updated,
                last_requests=requests,
                next_poll_at=next_poll_at,
            )
        )


def record_failure(
    db: Database,
    name: str,
    *,
    status: str,
    error: str,
    new: int,
    updated: int,
    requests: int,
    next_poll_at: datetime,
    now: datetime | None = None,
) -> int:
    """Record a failed run (what was stored before the failure stays stored); the error is
    masked, since a platform's answer may quote the token it was sent."""
    now = now or datetime.now(UTC)
    with db.write() as connection:
        failures = connection.scalar(  # counted in the database: two collectors may both fail
            update(sources)
            .where(sources.c.name == name)
            .values(
                status=status,
                last_attempt_at=now,
                last_error=mask(error),
                last_error_at=now,
                consecutive_failures=sources.c.consecutive_failures + 1,
                last_new=new,
                last_updated=updated,
                last_requests=requests,
                next_poll_at=next_poll_at,
            )
            .returning(sources.c.consecutive_failures)
        )
    return int(failures or 0)


def consecutive_failures(db: Database, name: str) -> int:
    with db.read() as connection:
        return int(
            connection.scalar(select(sources.c.consecutive_failures).where(sources.c.name == name))
            or 0
        )


def source_health(db: Database, names: Iterable[str] | None = None) -> list[SourceHealth]:
    query = select(*(sources.c[f] for f in SourceHealth.__dataclass_fields__)).order_by(
        sources.c.name
    )
    if names is not None:
        query = query.where(sources.c.name.in_(list(names)))
    with db.read() as connection:
        return [SourceHealth(**row) for row in connection.execute(query).mappings()]
