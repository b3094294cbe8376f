"""The demo scenario: an invented evening replayed through the real store and scorer.

Why the real path: a newcomer should see exactly what a live night looks like (scores,
reasons, the Department's clarification contradicting the rumour), so the posts go in
through :func:`store.posts.save_batch` and are scored by :class:`classify.scoring.PostScorer`
like collected posts. They carry the source ``demo``; their rumours are marked
``is_demo``; :func:`remove_demo` deletes all of it (the audit log keeps what people did).

The evening has several stories across severities, low-value chatter to close in bulk, two
staff reports (one the model would not flag), an impersonated "official notice" already
escalated and decided, and two weeks of the Department's own posts measured several times
each, so the weekly report has figures and charts (its demo view; exports never include
demo data). The decision is written as data, not through the workflow: nobody took it, so
it leaves no entry in the audit log, whose entries cannot be removed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
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


def _scenario(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DemoError(f"{path}: cannot read the demo scenario: {exc}") from None


def scenario_posts(path: Path = SCENARIO, *, now: datetime | None = None) -> list[Post]:
    """The evening's posts, timed so that the last one is ``now``."""
    data = _scenario(path)
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
                # A staff report keeps who forwarded it where a real one does (the payload).
                raw={"demo": True, **item, **item.get("staff_report", {})},
                provenance=Provenance(retrieved, item.get("url"), COLLECTOR),
            )
        )
    return built


def history_batches(
    path: Path = SCENARIO, *, now: datetime | None = None, tz: tzinfo = UTC
) -> list[tuple[datetime, list[Post]]]:
    """The Department's posts of the previous two weeks, as the collector would have seen
    them: at each measurement time, each post with its engagement then (oldest first)."""
    data = _scenario(path)
    end = now or datetime.now(UTC)
    today = end.astimezone(tz).date()
    measured: dict[datetime, list[Post]] = {}
    for item in data.get("department_history", []):
        day = today - timedelta(days=int(item["day"]))
        published = datetime.combine(day, time(int(item.get("hour", 12))), tz).astimezone(UTC)
        for hours, likes, shares, replies, views in item["snapshots"]:
            at = published + timedelta(hours=float(hours))
            if at > end:
                continue
            post = Post(
                source=DEMO_SOURCE,
                source_id=str(item["id"]),
                channel=item["channel"],
                text=item["text"],
                url=item.get("url"),
                author=item.get("author", "SantaClaraPD"),
                created_at=published,
                lang="en",
                is_official=True,
                metrics=Metrics(likes=likes, shares=shares, replies=replies, views=views),
                raw={"demo": True, **item},
                provenance=Provenance(at, item.get("url"), COLLECTOR),
            )
            measured.setdefault(at, []).append(post)
    return sorted(measured.items())


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
    now = now or datetime.now(UTC)
    stored: set[int] = set()
    for at, measured in history_batches(path, now=now, tz=settings.department.tz):
        stored |= set(save_batch(db, DEMO_SOURCE, Batch(tuple(measured), {}), now=at).changed_ids)
    batch = scenario_posts(path, now=now)
    saved = save_batch(db, DEMO_SOURCE, Batch(tuple(batch), {}), now=now)
    stored |= set(saved.changed_ids)
    if score is None:
        from rumordesk.classify.scoring import PostScorer

        score = PostScorer(settings, db).score
    score(sorted(stored))
    data = _scenario(path)
    _forward_staff_reports(db, data, now)
    demo_rumors = _demo_rumor_ids(db)
    with authz.acting(db, actor, Permission.MANAGE_DEMO) as connection:
        if demo_rumors:
            connection.execute(
                update(rumors).where(rumors.c.id.in_(demo_rumors)).values(is_demo=True)
            )
        _decided(connection, data.get("decided"), now)
        audit.record(
            connection,
            actor,
            "demo_load",
            subject=path.name,
            detail={"posts": len(stored), "rumors": len(demo_rumors)},
        )
    return DemoResult(len(stored), len(demo_rumors))


def _demo_post_ids(connection: Any, source_ids: list[str]) -> dict[str, int]:
    return {
        row.source_id: row.id
        for row in connection.execute(
            select(posts.c.id, posts.c.source_id).where(
                posts.c.source == DEMO_SOURCE, posts.c.source_id.in_(source_ids)
            )
        )
    }


def _forward_staff_reports(db: Database, data: dict[str, Any], now: datetime) -> None:
    """The invented staff reports reach the PIO as real ones do (triage/intake.py): the
    post's rumour, or one of its own when the model flagged nothing, marked as forwarded."""
    from rumordesk.classify import rumours

    reported = [str(p["id"]) for p in data["posts"] if p.get("staff_report")]
    with db.write() as connection:
        for post_id in _demo_post_ids(connection, reported).values():
            rumour_id = rumours.open_for_post(connection, post_id, now, reason="reported by staff")
            rumours.set_priority(connection, rumour_id, 1)


def _decided(connection: Any, decided: dict[str, Any] | None, now: datetime) -> None:
    """The rumour of ``decided["post"]`` as the PIO and the Chief's office left it."""
    if not decided:
        return
    post_id = _demo_post_ids(connection, [str(decided["post"])]).get(str(decided["post"]))
    rumour_id = connection.scalar(
        select(post_scores.c.rumor_id).where(post_scores.c.post_id == post_id)
    )
    if rumour_id is None:
        return

    def ago(key: str) -> datetime:
        return now - timedelta(minutes=float(decided[key]))

    connection.execute(
        update(rumors)
        .where(rumors.c.id == rumour_id)
        .values(
            status=decided["status"],
            assignee=decided["assignee"],
            first_action_at=ago("first_action_minutes_ago"),
            recommendation=decided["recommendation"],
            escalated_at=ago("escalated_minutes_ago"),
            escalated_by=decided["escalated_by"],
            decision=decided["decision"],
            decision_reason=decided["reason"],
            decided_by=decided["decided_by"],
            decided_at=ago("decided_minutes_ago"),
            correction_url=decided.get("correction_url"),
        )
    )


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
