"""The demo scenario: an invented evening replayed through the real store and scorer.

Why the real path: a newcomer should see exactly what a live night looks like (scores,
reasons, the Department's clarification contradicting the rumour), so the posts go in
through :func:`store.posts.save_batch` and are scored by :class:`classify.scoring.PostScorer`
like collected posts. They carry the source ``demo``; their rumours are marked
``is_demo``; :func:`remove_demo` deletes all of it (the audit log keeps what people did).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update

from rumordesk.base.config import AppSettings
from rumordesk.base.errors import RumorDeskError
from rumordesk.data import data_file
from rumordesk.store.db import Database
from rumordesk.store.posts import save_batch
from rumordesk.store.records import DEMO_SOURCE, Batch, Metrics, Post, Provenance
from rumordesk.store.schema import evidence, post_scores, posts, rumors
from rumordesk.triage import audit, authz
from rumordesk.triage.roles import Actor, Permission

SCENARIO = data_file("demo", "evening.json")
COLLECTOR = "demo-scenario"


class DemoError(RumorDeskError):
    """The demo scenario cannot be loaded or removed."""


@dataclass(frozen=True, slots=True)
class DemoResult:
    posts: int
    rumors: int


def _may_manage_demo(db: Database, actor: Actor) -> None:
    """The PIO or the administrator, with an account that may act now (triage/authz.py)."""
    authz.check(db, actor, Permission.MANAGE_DEMO)


def scenario_posts(path: Path = SCENARIO, *, now: datetime | None = None) -> list[Post]:
    """The scenario's posts, timed so that the last one is ``now``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DemoError(f"{path}: cannot read the demo scenario: {exc}") from None
    end = now or datetime.now(UTC)
    duration = float(data.get("duration_minutes") or max(p["minute"] for p in data["posts"]))
    retrieved = end
    built = []
    for item in data["posts"]:
        created = end - timedelta(minutes=duration - float(item["minute"]))
        built.append(
            Post(
                source=DEMO_SOURCE,
                source_id=str(item["id"]),
                channel=item["channel"],
                text=item["text"],
                url=item.get("url"),
                author=item.get("author"),
                created_at=created,
                lang=item.get("lang", "en"),
                is_official=bool(item.get("official", False)),
                metrics=Metrics(
                    likes=item.get("likes"),
                    shares=item.get("shares"),
                    replies=item.get("replies"),
                    views=item.get("views"),
                ),
                raw={"demo": True, **item},
                provenance=Provenance(retrieved, item.get("url"), COLLECTOR),
            )
        )
    return built


def has_demo(db: Database) -> bool:
    with db.read() as connection:
        return (
            connection.scalar(select(posts.c.id).where(posts.c.source == DEMO_SOURCE).limit(1))
            is not None
        )


def load_demo(
    db: Database,
    settings: AppSettings,
    actor: Actor,
    *,
    score: Callable[[list[int]], Any] | None = None,
    now: datetime | None = None,
    path: Path = SCENARIO,
) -> DemoResult:
    """Store and score the scenario (replacing an earlier load); returns what was created."""
    _may_manage_demo(db, actor)
    if has_demo(db):
        remove_demo(db, actor)
    batch = scenario_posts(path, now=now)
    saved = save_batch(db, DEMO_SOURCE, Batch(tuple(batch), {}), now=now)
    if score is None:
        from rumordesk.classify.scoring import PostScorer

        score = PostScorer(settings, db).score
    score(list(saved.changed_ids))
    demo_rumors = _demo_rumor_ids(db)
    with authz.acting(db, actor, Permission.MANAGE_DEMO) as connection:
        if demo_rumors:
            connection.execute(
                update(rumors).where(rumors.c.id.in_(demo_rumors)).values(is_demo=True)
            )
        audit.record(
            connection,
            actor,
            "demo_load",
            subject=path.name,
            detail={"posts": len(saved.changed_ids), "rumors": len(demo_rumors)},
        )
    return DemoResult(len(saved.changed_ids), len(demo_rumors))


def _demo_rumor_ids(db: Database) -> list[int]:
    query = (
        select(post_scores.c.rumor_id)
        .join(posts, posts.c.id == post_scores.c.post_id)
        .where(posts.c.source == DEMO_SOURCE, post_scores.c.rumor_id.is_not(None))
        .distinct()
    )
    with db.read() as connection:
        return [int(i) for i in connection.scalars(query)]


def _chunks(ids: list[int], size: int = 500) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def remove_demo(db: Database, actor: Actor) -> DemoResult:
    """Delete every demo post (with its scores, snapshots, raw payloads) and demo rumour."""
    _may_manage_demo(db, actor)
    rumor_ids = sorted(set(_demo_rumor_ids(db)) | _flagged_rumors(db))
    with authz.acting(db, actor, Permission.MANAGE_DEMO) as connection:
        post_ids = list(connection.scalars(select(posts.c.id).where(posts.c.source == DEMO_SOURCE)))
        for chunk in _chunks(rumor_ids):
            connection.execute(
                update(post_scores).where(post_scores.c.rumor_id.in_(chunk)).values(rumor_id=None)
            )
            connection.execute(
                update(rumors).where(rumors.c.duplicate_of.in_(chunk)).values(duplicate_of=None)
            )
            connection.execute(delete(evidence).where(evidence.c.rumor_id.in_(chunk)))
            connection.execute(delete(rumors).where(rumors.c.id.in_(chunk)))
        for chunk in _chunks(post_ids):
            connection.execute(delete(post_scores).where(post_scores.c.post_id.in_(chunk)))
            connection.execute(delete(posts).where(posts.c.id.in_(chunk)))
        audit.record(
            connection,
            actor,
            "demo_remove",
            subject="demo",
            detail={"posts": len(post_ids), "rumors": len(rumor_ids)},
        )
    return DemoResult(len(post_ids), len(rumor_ids))


def _flagged_rumors(db: Database) -> set[int]:
    with db.read() as connection:
        return {int(i) for i in connection.scalars(select(rumors.c.id).where(rumors.c.is_demo))}


def demo_rumor_count(db: Database) -> int:
    with db.read() as connection:
        return int(
            connection.scalar(select(func.count()).select_from(rumors).where(rumors.c.is_demo)) or 0
        )
