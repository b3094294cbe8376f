"""The scoring outbox: stored posts that still need scoring, kept until they are scored.

A rumour that never reaches the PIO is the worst loss Rumor Desk can have, and scoring runs
after the posts' transaction. So :func:`record` is called by
:func:`~rumordesk.store.posts.save_batch` at the end of the very transaction that stores
the posts: a post is never stored without the note that it must be scored. The scorer
removes a note (:func:`take`) only in the transaction that writes the post's score. A
process killed between the two leaves the note, and the next run (the loop, ``collect
--once``, ``import``) scores it first; it never needs a person to notice.

Two kinds of note: ``score`` (new or edited text: the text model reads it) and ``spread``
(engagement alone moved: the rumour's reach and spread are refreshed). A score note
covers a spread note for the same post. Each new reason bumps the note's ``generation``:
the scorer removes only the generation it read, so an edit stored while the post was
being scored is scored again. A post whose scoring fails is tried again later, with
doubling backoff, its error kept (:func:`failed`, :func:`summary`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Connection,
    Integer,
    String,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from rumordesk.base.backoff import doubling
from rumordesk.store.db import Database
from rumordesk.store.schema import UTCDateTime, pending_scores, posts

SCORE = "score"
SPREAD = "spread"
#: A post whose scoring failed waits this long, doubled per failure, at most the cap.
RETRY_SECONDS = 30.0
MAX_RETRY_SECONDS = 3600.0
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Pending:
    post_id: int
    kind: str
    attempts: int


@dataclass(frozen=True, slots=True)
class PendingSummary:
    """What ``rumordesk sources`` and ``collect --once`` say about the outbox."""

    waiting: int = 0
    #: Posts whose scoring failed at least once (tried again with backoff).
    failing: int = 0
    oldest: datetime | None = None
    last_error: str | None = None


def record(
    connection: Connection,
    score_ids: Sequence[int],
    spread_ids: Sequence[int],
    now: datetime,
) -> None:
    """Note, inside the caller's transaction, the posts that need scoring or a spread refresh."""
    scores = list(dict.fromkeys(int(i) for i in score_ids))
    noted = set(scores)
    spreads = [i for i in dict.fromkeys(int(i) for i in spread_ids) if i not in noted]
    dialect = connection.dialect.name
    for kind, ids in ((SCORE, scores), (SPREAD, spreads)):
        for chunk in _chunks(ids):
            if dialect in ("sqlite", "postgresql"):
                _upsert(connection, chunk, kind, now, dialect)
            else:
                _merge(connection, [{"post_id": i, "kind": kind, "queued_at": now} for i in chunk])


def _upsert(connection: Connection, ids: list[int], kind: str, now: datetime, dialect: str) -> None:
    """One ``INSERT … SELECT … ON CONFLICT`` per chunk: the values are bound once, not per post
    (this runs inside every ``save_batch``)."""
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    table = pending_scores
    rows = select(
        posts.c.id,
        literal(kind, String),
        literal(1, Integer),
        literal(now, UTCDateTime),
        literal(0, Integer),
    ).where(posts.c.id.in_(ids))
    statement = dialect_insert(table).from_select(
        ["post_id", "kind", "generation", "queued_at", "attempts"], rows
    )
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.post_id],
        set_={
            "kind": case((statement.excluded.kind == SCORE, SCORE), else_=table.c.kind),
            "generation": table.c.generation + 1,
            "queued_at": statement.excluded.queued_at,
            "attempts": 0,
            "retry_at": None,
            "last_error": None,
        },
    )
    connection.execute(statement)


def _merge(connection: Connection, rows: list[dict]) -> None:
    """The same as :func:`_upsert` for databases without ``ON CONFLICT`` (read, then write)."""
    by_id = {row["post_id"]: row for row in rows}
    present: dict[int, str] = {}
    for chunk in _chunks(list(by_id)):
        present.update(
            connection.execute(
                select(pending_scores.c.post_id, pending_scores.c.kind).where(
                    pending_scores.c.post_id.in_(chunk)
                )
            ).all()
        )
    fresh = [
        {**row, "generation": 1, "attempts": 0}
        for post_id, row in by_id.items()
        if post_id not in present
    ]
    if fresh:
        connection.execute(insert(pending_scores), fresh)
    again = [
        {
            "_id": post_id,
            "_kind": SCORE if SCORE in (row["kind"], present[post_id]) else SPREAD,
            "_at": row["queued_at"],
        }
        for post_id, row in by_id.items()
        if post_id in present
    ]
    if again:
        connection.execute(
            update(pending_scores)
            .where(pending_scores.c.post_id == bindparam("_id"))
            .values(
                kind=bindparam("_kind"),
                generation=pending_scores.c.generation + 1,
                queued_at=bindparam("_at"),
                attempts=0,
                retry_at=None,
                last_error=None,
            ),
            again,
        )


def due(
    db: Database,
    now: datetime,
    *,
    ids: Iterable[int] | None = None,
    after: int = 0,
    limit: int = 5000,
) -> list[Pending]:
    """Notes to act on now (never tried, or past their retry time), by post id: every one
    of ``ids``, or the first ``limit`` after post id ``after``."""
    ready = or_(pending_scores.c.retry_at.is_(None), pending_scores.c.retry_at <= now)
    query = (
        select(pending_scores.c.post_id, pending_scores.c.kind, pending_scores.c.attempts)
        .where(ready)
        .order_by(pending_scores.c.post_id)
    )
    with db.read() as connection:
        if ids is None:
            rows = connection.execute(
                query.where(pending_scores.c.post_id > after).limit(limit)
            ).all()
        else:
            rows = []
            for chunk in _chunks(list(dict.fromkeys(int(i) for i in ids))):
                rows += connection.execute(query.where(pending_scores.c.post_id.in_(chunk))).all()
    return [Pending(int(post_id), kind, int(attempts)) for post_id, kind, attempts in rows]


def generations(
    connection: Connection, ids: Sequence[int], *, kind: str | None = None
) -> dict[int, int]:
    """The generation of each of ``ids`` noted (of ``kind`` only, if given), read with the
    posts the scorer is about to score."""
    found: dict[int, int] = {}
    for chunk in _chunks(list(ids)):
        query = select(pending_scores.c.post_id, pending_scores.c.generation).where(
            pending_scores.c.post_id.in_(chunk)
        )
        if kind is not None:
            query = query.where(pending_scores.c.kind == kind)
        found.update((int(p), int(g)) for p, g in connection.execute(query).all())
    return found


def take(connection: Connection, held: Mapping[int, int]) -> None:
    """Remove the notes read at these generations, in the transaction writing the scores; a
    note bumped since (the post edited meanwhile) stays, and is scored again."""
    if not held:
        return
    statement = delete(pending_scores).where(
        and_(
            pending_scores.c.post_id == bindparam("_id"),
            pending_scores.c.generation == bindparam("_gen"),
        )
    )
    connection.execute(statement, [{"_id": p, "_gen": g} for p, g in held.items()])


def failed(db: Database, ids: Sequence[int], error: str, now: datetime) -> None:
    """Scoring these posts failed: try again later (doubling backoff), keep the reason."""
    with db.write() as connection:
        for chunk in _chunks(list(ids)):
            attempts = dict(
                connection.execute(
                    select(pending_scores.c.post_id, pending_scores.c.attempts).where(
                        pending_scores.c.post_id.in_(chunk)
                    )
                ).all()
            )
            if not attempts:
                continue
            connection.execute(
                update(pending_scores)
                .where(pending_scores.c.post_id == bindparam("_id"))
                .values(
                    attempts=bindparam("_attempts"),
                    retry_at=bindparam("_retry"),
                    last_error=error[:2000],
                ),
                [
                    {
                        "_id": post_id,
                        "_attempts": tried + 1,
                        "_retry": now + doubling(RETRY_SECONDS, tried, MAX_RETRY_SECONDS),
                    }
                    for post_id, tried in attempts.items()
                ],
            )


def summary(db: Database) -> PendingSummary:
    with db.read() as connection:
        waiting, failing, oldest = connection.execute(
            select(
                func.count(),
                func.count(pending_scores.c.retry_at),
                func.min(pending_scores.c.queued_at),
            )
        ).one()
        last_error = connection.scalar(
            select(pending_scores.c.last_error)
            .where(pending_scores.c.last_error.is_not(None))
            .order_by(pending_scores.c.attempts.desc(), pending_scores.c.post_id)
            .limit(1)
        )
    return PendingSummary(int(waiting or 0), int(failing or 0), oldest, last_error)


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]
