"""Writing and reading posts.

:func:`save_batch` is the only way posts enter the store. It is idempotent: a post is
keyed by ``(source, source_id)``; collecting it again updates edited text and current
engagement in place, adds a metric snapshot when engagement moved, and never duplicates.
The source's cursor is saved in the same transaction as the posts it covers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select, update

from rumordesk.store import pending
from rumordesk.store.bulk import insert_rows
from rumordesk.store.db import Database
from rumordesk.store.records import Batch, Metrics, Post
from rumordesk.store.schema import metric_snapshots, posts, raw_payloads, sources
from rumordesk.store.threads import link_threads

METRICS = Metrics.names()
#: The engagement that spreads a story (views alone do not: see classify.signals.engagement).
SPREAD_METRICS = ("likes", "shares", "replies", "quotes")
_LOOKUP_CHUNK = 500


@dataclass(slots=True)
class SaveResult:
    """What one batch did to the store."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Ids of posts that are new or whose text changed: these need (re)scoring.
    changed_ids: list[int] = field(default_factory=list)
    #: Ids of existing posts whose likes, shares, replies or quotes moved while their text
    #: did not: their rumours' reach and spread need refreshing, not the text model.
    metrics_changed_ids: list[int] = field(default_factory=list)

    def add(self, other: SaveResult) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.changed_ids += other.changed_ids
        self.metrics_changed_ids += other.metrics_changed_ids


def content_hash(post: Post) -> str:
    created = post.created_at.isoformat() if post.created_at else ""
    fields = [
        post.channel,
        post.text,
        post.url or "",
        post.author or "",
        created,
        post.lang or "",
        str(post.is_official),
    ]
    return hashlib.sha256("\x1f".join(fields).encode()).hexdigest()


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def save_batch(
    db: Database,
    source: str,
    batch: Batch,
    *,
    now: datetime | None = None,
    in_transaction: Callable[[Connection, SaveResult], object] | None = None,
) -> SaveResult:
    """Store ``batch`` and the source's new cursor atomically, with the note that its new
    and changed posts must be scored (:mod:`~rumordesk.store.pending`); ``in_transaction``
    writes what must commit with them (an import's audit entry)."""
    now = now or datetime.now(UTC)
    unique = _dedupe(batch.posts)

    def store(connection: Connection) -> SaveResult:
        result = _save_posts(connection, source, unique, now)
        if result.changed_ids and any(p.in_reply_to or p.is_official for p in unique):
            link_threads(connection, result.changed_ids)
        connection.execute(
            update(sources)
            .where(sources.c.name == source)
            .values(cursor=canonical_json(batch.cursor))
        )
        pending.record(connection, result.changed_ids, result.metrics_changed_ids, now)
        if in_transaction is not None:
            in_transaction(connection, result)
        return result

    return db.transact(store)


def _dedupe(batch_posts: Iterable[Post]) -> list[Post]:
    """One post per source_id within a batch (the last one wins, as it is the freshest)."""
    return list({post.source_id: post for post in batch_posts}.values())


@dataclass(slots=True)
class _Writes:
    """Everything one batch changes, sent as a few batched statements at the end."""

    content: list[dict[str, Any]] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    snapshots: list[dict[str, Any]] = field(default_factory=list)
    raws: list[dict[str, Any]] = field(default_factory=list)
    #: Known posts whose raw payload changed: their ``raw_sha256`` moves to the new one.
    raw_shas: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Incoming:
    """A post of the batch with its hashes, computed once."""

    post: Post
    digest: str
    raw_text: str
    raw_sha: str

    @classmethod
    def of(cls, post: Post) -> _Incoming:
        raw_text = canonical_json(post.raw)
        return cls(post, content_hash(post), raw_text, _sha(raw_text))

    def differs(self, row: dict[str, Any] | None) -> bool:
        """Whether saving it would change the stored ``row`` (no row: not a change)."""
        if row is None:
            return False
        if row["content_hash"] != self.digest or row["raw_sha256"] != self.raw_sha:
            return True
        metrics = self.post.metrics
        return any(_first_known(getattr(metrics, m), row[m]) != row[m] for m in METRICS)


def _save_posts(
    connection: Connection, source: str, batch: list[Post], now: datetime
) -> SaveResult:
    """New posts are inserted, known ones compared and updated, in batched statements.

    Safe with several collectors storing the same posts at once (PostgreSQL): a known post
    about to change is re-read under its row lock (the other writer's change is compared,
    not overwritten); a new post is inserted with ``ON CONFLICT DO NOTHING``, and one that
    another writer inserted first is compared with what it stored instead. Rows are locked
    and inserted in one order (ids, source ids), so two writers cannot deadlock.
    """
    result = SaveResult()
    if not batch:
        return result
    writes = _Writes()
    incoming = [_Incoming.of(post) for post in batch]
    existing = _existing(connection, source, [post.source_id for post in batch])
    changing = [i.post.source_id for i in incoming if i.differs(existing.get(i.post.source_id))]
    if changing and connection.dialect.name == "postgresql":
        existing.update(_existing(connection, source, changing, lock=True))
    fresh = [i for i in incoming if i.post.source_id not in existing]
    for item in incoming:
        if (row := existing.get(item.post.source_id)) is not None:
            _compare(item, row, now, result, writes)
    raced = _insert_new(connection, source, fresh, now, result, writes)
    if raced:  # another collector stored them between our look-up and our insert
        stored = _existing(connection, source, [i.post.source_id for i in raced])
        for item in raced:
            _compare(item, stored[item.post.source_id], now, result, writes)
    _apply_writes(connection, writes)
    return result


def _compare(
    item: _Incoming, row: dict[str, Any], now: datetime, result: SaveResult, writes: _Writes
) -> None:
    post = item.post
    changed_text = row["content_hash"] != item.digest
    merged = {name: _first_known(getattr(post.metrics, name), row[name]) for name in METRICS}
    changed_metrics = any(merged[name] != row[name] for name in METRICS)
    if changed_text:
        writes.content.append(
            {
                "_id": row["id"],
                **_content_values(post),
                "content_hash": item.digest,
                "edited_at": now,
                "updated_at": now,
            }
        )
        result.changed_ids.append(row["id"])
    if changed_metrics:
        writes.metrics.append({"_id": row["id"], **merged, "metrics_at": now, "updated_at": now})
        writes.snapshots.append({"post_id": row["id"], "captured_at": now, **merged})
        if not changed_text and any(merged[m] != row[m] for m in SPREAD_METRICS):
            result.metrics_changed_ids.append(row["id"])
    if row["raw_sha256"] != item.raw_sha:
        writes.raws.append(_raw_row(row["id"], post, item.raw_text, item.raw_sha))
        writes.raw_shas.append({"_post": row["id"], "_sha": item.raw_sha})
    if changed_text or changed_metrics:
        result.updated += 1
    else:
        result.unchanged += 1


def _insert_new(
    connection: Connection,
    source: str,
    fresh: list[_Incoming],
    now: datetime,
    result: SaveResult,
    writes: _Writes,
) -> list[_Incoming]:
    """Insert ``fresh`` in one batched statement; returns those another writer stored first."""
    if not fresh:
        return []
    rows = [_new_row(source, item, now) for item in sorted(fresh, key=lambda i: i.post.source_id)]
    returned = insert_rows(
        connection,
        posts,
        rows,
        skip_conflicts_on=("source", "source_id"),
        returning=("id", "source_id"),
    )
    inserted = {source_id: post_id for post_id, source_id in returned}
    raced = []
    for item in fresh:  # in the batch's order, as the ids are reported
        post, post_id = item.post, inserted.get(item.post.source_id)
        if post_id is None:
            raced.append(item)
            continue
        result.changed_ids.append(post_id)
        writes.raws.append(_raw_row(post_id, post, item.raw_text, item.raw_sha))
        if post.metrics.known:
            writes.snapshots.append(
                {"post_id": post_id, "captured_at": now, **post.metrics.as_dict()}
            )
    result.new += len(inserted)
    return raced


def _apply_writes(connection: Connection, writes: _Writes) -> None:
    """Updates in id order (the order rows are locked in), then the appended rows."""
    by_id = itemgetter("_id")
    if writes.content:
        columns = [key for key in writes.content[0] if key != "_id"]
        statement = update(posts).where(posts.c.id == bindparam("_id"))
        connection.execute(
            statement.values({c: bindparam(c) for c in columns}), sorted(writes.content, key=by_id)
        )
    if writes.metrics:
        columns = [*METRICS, "metrics_at", "updated_at"]
        statement = update(posts).where(posts.c.id == bindparam("_id"))
        connection.execute(
            statement.values({c: bindparam(c) for c in columns}), sorted(writes.metrics, key=by_id)
        )
    if writes.raw_shas:
        connection.execute(
            update(posts)
            .where(posts.c.id == bindparam("_post"))
            .values(raw_sha256=bindparam("_sha")),
            sorted(writes.raw_shas, key=itemgetter("_post")),
        )
    insert_rows(connection, raw_payloads, writes.raws)
    insert_rows(connection, metric_snapshots, writes.snapshots)


def _existing(
    connection: Connection, source: str, ids: Sequence[str], *, lock: bool = False
) -> dict[str, dict[str, Any]]:
    """The stored rows of these source ids; ``lock``: under their row locks, in id order."""
    columns = [
        posts.c.id,
        posts.c.source_id,
        posts.c.content_hash,
        posts.c.raw_sha256,
        *(posts.c[name] for name in METRICS),
    ]
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), _LOOKUP_CHUNK):
        chunk = ids[start : start + _LOOKUP_CHUNK]
        query = select(*columns).where(and_(posts.c.source == source, posts.c.source_id.in_(chunk)))
        if lock:
            query = query.order_by(posts.c.id).with_for_update()
        for row in connection.execute(query).mappings():
            found[row["source_id"]] = dict(row)
    return found


def _first_known(new: int | None, old: int | None) -> int | None:
    return old if new is None else new


def _content_values(post: Post) -> dict[str, Any]:
    return {
        "channel": post.channel,
        "url": post.url,
        "author": post.author,
        "text": post.text,
        "created_at": post.created_at,
        "lang": post.lang,
        "is_official": post.is_official,
        "in_reply_to": post.in_reply_to,
    }


def _new_row(source: str, item: _Incoming, now: datetime) -> dict[str, Any]:
    post = item.post
    return {
        "source": source,
        "source_id": post.source_id,
        **_content_values(post),
        **post.metrics.as_dict(),
        "metrics_at": now if post.metrics.known else None,
        "content_hash": item.digest,
        "raw_sha256": item.raw_sha,
        "first_seen_at": now,
        "updated_at": now,
        "edited_at": None,
    }


def _raw_row(post_id: int, post: Post, raw_text: str, digest: str) -> dict[str, Any]:
    provenance = post.provenance
    return {
        "post_id": post_id,
        "retrieved_at": provenance.retrieved_at,
        "url": provenance.url,
        "collector": provenance.collector,
        "payload": raw_text,
        "sha256": digest,
    }


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class PostFilter:
    """What ``rumordesk posts`` and the dashboard may ask for."""

    source: str | None = None
    official: bool | None = None
    since: datetime | None = None
    search: str | None = None
    limit: int | None = 200


def list_posts(db: Database, where: PostFilter = PostFilter()) -> list[dict[str, Any]]:
    """Newest first (by published time, then by when we first saw it)."""
    return list(iter_posts(db, where))


def iter_posts(db: Database, where: PostFilter = PostFilter()) -> Iterator[dict[str, Any]]:
    columns = [
        posts.c.id,
        posts.c.source,
        posts.c.source_id,
        posts.c.channel,
        posts.c.created_at,
        posts.c.first_seen_at,
        posts.c.author,
        posts.c.text,
        posts.c.url,
        posts.c.lang,
        posts.c.is_official,
        *(posts.c[name] for name in METRICS),
        posts.c.edited_at,
    ]
    query = select(*columns)
    if where.source:
        query = query.where(posts.c.source == where.source)
    if where.official is not None:
        query = query.where(posts.c.is_official == where.official)
    if where.since:
        query = query.where(func.coalesce(posts.c.created_at, posts.c.first_seen_at) >= where.since)
    if where.search:
        # autoescape: a search for "100%" or "a_b" means those characters, not LIKE wildcards
        query = query.where(posts.c.text.icontains(where.search, autoescape=True))
    query = query.order_by(
        func.coalesce(posts.c.created_at, posts.c.first_seen_at).desc(), posts.c.id.desc()
    )
    if where.limit:
        query = query.limit(where.limit)
    with db.read() as connection:
        for row in connection.execute(query).mappings():
            yield dict(row)


def count_posts(db: Database, *, source: str | None = None) -> int:
    query = select(func.count()).select_from(posts)
    if source:
        query = query.where(posts.c.source == source)
    with db.read() as connection:
        return int(connection.scalar(query) or 0)


def metric_history(db: Database, post_id: int) -> list[dict[str, Any]]:
    query = (
        select(metric_snapshots)
        .where(metric_snapshots.c.post_id == post_id)
        .order_by(metric_snapshots.c.captured_at)
    )
    with db.read() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]
