"""Writing and reading posts.

:func:`save_batch` is the only way posts enter the store. It is idempotent: a post is
keyed by ``(source, source_id)``; collecting it again updates edited text and current
engagement in place, adds a metric snapshot when engagement moved, and never duplicates.
The source's cursor is saved in the same transaction as the posts it covers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, select, update

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
    db: Database, source: str, batch: Batch, *, now: datetime | None = None
) -> SaveResult:
    """Store ``batch`` and the source's new cursor atomically."""
    now = now or datetime.now(UTC)
    with db.write() as connection:
        unique = _dedupe(batch.posts)
        result = _save_posts(connection, source, unique, now)
        if result.changed_ids and any(p.in_reply_to or p.is_official for p in unique):
            link_threads(connection, result.changed_ids)
        connection.execute(
            update(sources)
            .where(sources.c.name == source)
            .values(cursor=canonical_json(batch.cursor))
        )
    return result


def _dedupe(batch_posts: Iterable[Post]) -> list[Post]:
    """One post per source_id within a batch (the last one wins, as it is the freshest)."""
    return list({post.source_id: post for post in batch_posts}.values())


def _save_posts(
    connection: Connection, source: str, batch: list[Post], now: datetime
) -> SaveResult:
    result = SaveResult()
    if not batch:
        return result
    existing = _existing(connection, source, [post.source_id for post in batch])
    fresh: list[tuple[Post, str, str]] = []
    content_updates: list[dict[str, Any]] = []
    metric_updates: list[dict[str, Any]] = []
    snapshots: list[dict[str, Any]] = []
    raws: list[dict[str, Any]] = []
    for post in batch:
        digest, raw_text = content_hash(post), canonical_json(post.raw)
        raw_digest = hashlib.sha256(raw_text.encode()).hexdigest()
        row = existing.get(post.source_id)
        if row is None:
            fresh.append((post, digest, raw_text))
            continue
        changed_text = row["content_hash"] != digest
        merged = {name: _first_known(getattr(post.metrics, name), row[name]) for name in METRICS}
        changed_metrics = any(merged[name] != row[name] for name in METRICS)
        if changed_text:
            content_updates.append(
                {
                    "_id": row["id"],
                    **_content_values(post),
                    "content_hash": digest,
                    "edited_at": now,
                    "updated_at": now,
                }
            )
            result.changed_ids.append(row["id"])
        if changed_metrics:
            metric_updates.append(
                {"_id": row["id"], **merged, "metrics_at": now, "updated_at": now}
            )
            snapshots.append({"post_id": row["id"], "captured_at": now, **merged})
            if not changed_text and any(merged[m] != row[m] for m in SPREAD_METRICS):
                result.metrics_changed_ids.append(row["id"])
        if row["raw_sha256"] != raw_digest:
            raws.append(_raw_row(row["id"], post, raw_text, raw_digest))
        if changed_text or changed_metrics:
            result.updated += 1
        else:
            result.unchanged += 1

    if fresh:
        rows = [_new_row(source, post, digest, raw_text, now) for post, digest, raw_text in fresh]
        inserted = connection.execute(
            insert(posts).returning(posts.c.id, posts.c.source_id, sort_by_parameter_order=True),
            rows,
        ).all()
        for (post_id, _), (post, _digest, raw_text) in zip(inserted, fresh, strict=True):
            result.changed_ids.append(post_id)
            raws.append(_raw_row(post_id, post, raw_text, None))
            if post.metrics.known:
                snapshots.append({"post_id": post_id, "captured_at": now, **post.metrics.as_dict()})
        result.new += len(inserted)

    _apply_updates(connection, content_updates, metric_updates, raws)
    if snapshots:
        connection.execute(insert(metric_snapshots), snapshots)
    return result


def _apply_updates(
    connection: Connection,
    content: list[dict[str, Any]],
    metrics: list[dict[str, Any]],
    raws: list[dict[str, Any]],
) -> None:
    if content:
        columns = [key for key in content[0] if key != "_id"]
        statement = update(posts).where(posts.c.id == bindparam("_id"))
        connection.execute(statement.values({c: bindparam(c) for c in columns}), content)
    if metrics:
        columns = [*METRICS, "metrics_at", "updated_at"]
        statement = update(posts).where(posts.c.id == bindparam("_id"))
        connection.execute(statement.values({c: bindparam(c) for c in columns}), metrics)
    if raws:
        connection.execute(insert(raw_payloads), raws)
        connection.execute(
            update(posts)
            .where(posts.c.id == bindparam("_post"))
            .values(raw_sha256=bindparam("_sha")),
            [{"_post": r["post_id"], "_sha": r["sha256"]} for r in raws],
        )


def _existing(connection: Connection, source: str, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
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


def _new_row(source: str, post: Post, digest: str, raw_text: str, now: datetime) -> dict[str, Any]:
    return {
        "source": source,
        "source_id": post.source_id,
        **_content_values(post),
        **post.metrics.as_dict(),
        "metrics_at": now if post.metrics.known else None,
        "content_hash": digest,
        "raw_sha256": hashlib.sha256(raw_text.encode()).hexdigest(),
        "first_seen_at": now,
        "updated_at": now,
        "edited_at": None,
    }


def _raw_row(post_id: int, post: Post, raw_text: str, digest: str | None) -> dict[str, Any]:
    provenance = post.provenance
    return {
        "post_id": post_id,
        "retrieved_at": provenance.retrieved_at,
        "url": provenance.url,
        "collector": provenance.collector,
        "payload": raw_text,
        "sha256": digest or hashlib.sha256(raw_text.encode()).hexdigest(),
    }


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
