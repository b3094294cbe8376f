"""The rumour: one story told by one or more posts, and the one place that keeps it.

Everything that creates a rumour, attaches posts to it or recomputes what it shows goes
through here — the scorer (:mod:`~rumordesk.classify.scoring`) for collected posts, staff
intake (:mod:`rumordesk.triage.intake`) for reports. A rumour's *scoring* columns (score,
severity, reach, lead post, claim, reasons, places, channels, counts, times) are derived
from its posts by :func:`recompute`; its *workflow* columns (status, assignee, decision,
holds …) belong to ``triage/`` and are never written here, except the priority that
intake gives a staff report. The names of the statuses and decisions live here too, so
the workflow, the queue and the reports agree on them.

One rumour per story, however many processes attach posts to it: whoever looks a story up
in order to open or join its rumour first takes :func:`lock_stories` on its keys, in the
same transaction. On SQLite the write transaction already excludes every other writer; on
PostgreSQL (several collectors on one database) the keys' advisory locks make the second
process wait until the first has committed the rumour, and then find it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, case, func, insert, select, update

from rumordesk.base.times import stored_utc
from rumordesk.classify.rank import OFFICIAL_CEILING, story_score
from rumordesk.classify.spread import Spread, reach, reach_sql
from rumordesk.store.db import lock
from rumordesk.store.schema import post_scores, posts, rumors

#: Where a rumour stands in triage; ``new`` until someone acts on it.
STATUSES = ("new", "reviewing", "confirmed", "accurate", "not_relevant", "duplicate")
#: What the Office of the Chief may decide.
DECISIONS = ("correction", "monitor", "no_action", "other")
#: Reasons that describe the model or the spread are recomputed for the whole story.
STORY_REASON_PREFIXES = ("text model:",)


@dataclass(frozen=True, slots=True)
class Joined:
    """A post just scored into a rumour: what the rumour takes from it, and the log-odds
    from which the post's own score is recomputed under the story's spread."""

    post_id: int
    rumour_id: int
    base_logit: float
    department: bool
    places: tuple[str, ...]
    channel: str


# --- finding and creating ---------------------------------------------------------------


def lock_stories(
    connection: Connection, cluster_keys: Iterable[str], text_keys: Iterable[str] = ()
) -> None:
    """Hold these story keys (same claim at a place) and near-copy keys until the
    transaction ends; call it before :class:`Stories` looks them up, with every key the
    transaction will look up (all at once: locks taken one story at a time could deadlock)."""
    lock(
        connection,
        *(f"story:{key}" for key in cluster_keys),
        *(f"story-text:{key}" for key in text_keys if key),
    )


@dataclass(frozen=True, slots=True)
class _Open:
    id: int
    duplicate_of: int | None
    last_seen_at: datetime


class Stories:
    """The open rumours of a batch's stories: for each story, the rumour of any of its
    story keys (same claim at the same place) or, else, of its near-copy keys, seen since
    the story's window opened; duplicates lead to the rumour kept.

    Read with one query per kind of key and chunk of keys, not one per story (an import
    of 150,000 posts looked its stories up one at a time). Rumours the batch opens are
    added with :meth:`opened`, so a later story of the batch with the same key joins
    them; their near-copy keys come with their posts' scores, written after every story
    is placed. Take :func:`lock_stories` first."""

    def __init__(
        self,
        connection: Connection,
        cluster_keys: Iterable[str],
        text_keys: Iterable[str],
        since: datetime,
    ) -> None:
        self.connection = connection
        self._by_key: dict[str, list[_Open]] = {}
        self._by_text: dict[str, list[_Open]] = {}
        columns = (rumors.c.id, rumors.c.duplicate_of, rumors.c.last_seen_at)
        for chunk in _chunks(sorted(set(cluster_keys))):
            query = select(rumors.c.cluster_key, *columns).where(
                rumors.c.cluster_key.in_(chunk), rumors.c.last_seen_at >= since
            )
            for row in connection.execute(query):
                self._keep(self._by_key, row.cluster_key, row)
        for chunk in _chunks(sorted({key for key in text_keys if key})):
            query = (
                select(post_scores.c.text_key, *columns)
                .join(post_scores, post_scores.c.rumor_id == rumors.c.id)
                .where(post_scores.c.text_key.in_(chunk), rumors.c.last_seen_at >= since)
            )
            for row in connection.execute(query):
                self._keep(self._by_text, row.text_key, row)

    @staticmethod
    def _keep(index: dict[str, list[_Open]], key: str, row: Any) -> None:
        index.setdefault(key, []).append(_Open(row.id, row.duplicate_of, row.last_seen_at))

    def find(self, cluster_keys: set[str], text_keys: set[str], since: datetime) -> int | None:
        """The rumour these keys belong to (``since`` no earlier than the one given when
        the rumours were read), or None."""
        found = self._latest(self._by_key, cluster_keys, since)
        if found is None and text_keys:
            found = self._latest(self._by_text, text_keys, since)
        if found is None:
            return None
        return canonical(self.connection, found.id, found.duplicate_of)

    def opened(self, rumour_id: int, cluster_key: str, last_seen_at: datetime) -> None:
        """A rumour the batch has just opened under ``cluster_key``."""
        self._by_key.setdefault(cluster_key, []).append(_Open(rumour_id, None, last_seen_at))

    @staticmethod
    def _latest(index: dict[str, list[_Open]], keys: set[str], since: datetime) -> _Open | None:
        candidates = [
            rumour for key in keys for rumour in index.get(key, ()) if rumour.last_seen_at >= since
        ]
        return max(candidates, key=lambda rumour: rumour.last_seen_at, default=None)


def _chunks(keys: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for start in range(0, len(keys), size):
        yield keys[start : start + size]


def canonical(connection: Connection, rumour_id: int, duplicate_of: int | None) -> int:
    """Follow "duplicate of" links (set by triage) to the rumour the PIO keeps."""
    seen = {rumour_id}
    while duplicate_of is not None and duplicate_of not in seen:
        seen.add(duplicate_of)
        rumour_id = duplicate_of
        duplicate_of = connection.scalar(
            select(rumors.c.duplicate_of).where(rumors.c.id == rumour_id)
        )
    return rumour_id


def create(
    connection: Connection,
    *,
    cluster_key: str,
    score: float,
    severity: float,
    harm: str | None,
    top_reason: str,
    first_seen_at: datetime,
    last_seen_at: datetime,
    now: datetime,
    claim: str = "",
    channels: Sequence[str] = (),
    lead_post_id: int | None = None,
    post_count: int = 0,
) -> int:
    """A new rumour; its aggregates are filled in by :func:`recompute` once posts join."""
    values = {
        "cluster_key": cluster_key,
        "score": score,
        "severity": severity,
        "harm": harm,
        "places": "[]",
        "channels": json.dumps(list(channels), ensure_ascii=False),
        "lead_post_id": lead_post_id,
        "claim": claim,
        "top_reason": top_reason,
        "post_count": post_count,
        "reach": 0,
        "first_seen_at": first_seen_at,
        "last_seen_at": last_seen_at,
        "updated_at": now,
    }
    return int(connection.execute(insert(rumors).values(**values)).inserted_primary_key[0])


def open_for_post(connection: Connection, post_id: int, now: datetime, *, reason: str) -> int:
    """The post's rumour: the one it already belongs to, or a rumour of its own.

    Staff intake uses this so a report reaches the PIO even when the model would not have
    opened a rumour for it (or could not score it): ``reason`` leads its reasons.
    """
    lock_stories(connection, [f"report:{post_id}"])
    rumour_id = connection.scalar(
        select(post_scores.c.rumor_id).where(post_scores.c.post_id == post_id)
    )
    if rumour_id is not None:
        return int(rumour_id)
    post = connection.execute(select(posts).where(posts.c.id == post_id)).one()
    scored = connection.execute(select(post_scores).where(post_scores.c.post_id == post_id)).first()
    reasons = json.loads(scored.reasons) if scored is not None else []
    seen = post.created_at or post.first_seen_at
    rumour_id = create(
        connection,
        cluster_key=f"report:{post_id}",
        score=scored.score if scored is not None else 0.0,
        severity=scored.severity if scored is not None else 0.0,
        harm=scored.harm if scored is not None else None,
        top_reason=reason + (f"; {reasons[0]}" if reasons else ""),
        first_seen_at=seen,
        last_seen_at=seen,
        now=now,
        claim=post.text[:500],
        channels=[post.channel],
        lead_post_id=post_id,
        post_count=1,
    )
    if scored is not None:
        attach(connection, [post_id], rumour_id)
    return rumour_id


def attach(connection: Connection, post_ids: Iterable[int], rumour_id: int) -> None:
    """Scored posts join a rumour (call :func:`recompute` after)."""
    connection.execute(
        update(post_scores)
        .where(post_scores.c.post_id.in_(list(post_ids)))
        .values(rumor_id=rumour_id)
    )


def set_priority(connection: Connection, rumour_id: int, priority: int) -> None:
    connection.execute(update(rumors).where(rumors.c.id == rumour_id).values(priority=priority))


# --- recomputing what a rumour shows ----------------------------------------------------


def recompute(
    connection: Connection,
    rumour_ids: set[int],
    now: datetime,
    *,
    joined: Sequence[Joined] = (),
    restamp: Mapping[int, Sequence[Mapping[str, Any]]] | None = None,
    keep_unchanged: bool = False,
) -> set[int]:
    """Recompute the scoring columns of these rumours from their posts in the store;
    returns the rumours written.

    ``joined``: posts just scored into these rumours (their places and channels are added,
    their scores take the story's spread). ``restamp``: per rumour, cached post_scores rows
    that take the story's new spread before its lead is chosen. ``keep_unchanged``: a rumour
    whose columns would not change is not written (its ``updated_at`` stays, so nothing
    re-alerts on it).
    """
    written: set[int] = set()
    if not rumour_ids:
        return written
    stats = _totals(connection, rumour_ids)
    currents = {
        row["id"]: row
        for row in connection.execute(
            select(rumors.c.id, *_SCORING_COLUMNS).where(rumors.c.id.in_(rumour_ids))
        ).mappings()
    }
    plans: list[tuple[int, Any, Spread]] = []
    restamped: list[dict[str, Any]] = []
    for rumour_id in sorted(rumour_ids):  # one order of row locks for every writer
        row = stats.get(rumour_id)
        if row is None:  # every post moved to another story: keep the rumour, emptied
            connection.execute(
                update(rumors)
                .where(rumors.c.id == rumour_id)
                .values(post_count=0, reach=0, updated_at=now)
            )
            written.add(rumour_id)
            continue
        first = stored_utc(row["first"])
        age = (now - first).total_seconds() / 3600 if first else None
        spread = Spread(float(row["reach"] or 0), float(row["shares"] or 0), row["count"], age)
        current = currents[rumour_id]
        moved = (current["reach"], current["post_count"]) != (spread.reach, row["count"])
        if keep_unchanged and not moved:
            continue  # nothing spread further: time passing alone is not news
        restamped += [restamp_post(cached, spread) for cached in (restamp or {}).get(rumour_id, ())]
        plans.append((rumour_id, row, spread))
    write_restamped(connection, restamped)  # before the leads are chosen by score
    leads = _leads(connection, [rumour_id for rumour_id, _, _ in plans])
    changes: list[dict[str, Any]] = []
    member_scores: list[dict[str, Any]] = []
    for rumour_id, row, spread in plans:
        members = [j for j in joined if j.rumour_id == rumour_id]
        values = _shown(currents[rumour_id], leads[rumour_id], row, spread, members, now)
        if not (keep_unchanged and _same(currents[rumour_id], values)):
            changes.append({"_id": rumour_id, **values, "updated_at": now})
            written.add(rumour_id)
        # The batch's posts take their story's spread, so their scores agree with it.
        for member in members:
            story = story_score(member.base_logit, spread.weight)
            member_scores.append(
                {
                    "_post": member.post_id,
                    "_score": min(story, OFFICIAL_CEILING) if member.department else story,
                }
            )
    if member_scores:
        connection.execute(
            update(post_scores)
            .where(post_scores.c.post_id == bindparam("_post"))
            .values(score=bindparam("_score")),
            sorted(member_scores, key=lambda row: row["_post"]),
        )
    if changes:
        columns = [key for key in changes[0] if key != "_id"]
        statement = update(rumors).where(rumors.c.id == bindparam("_id"))
        connection.execute(statement.values({c: bindparam(c) for c in columns}), changes)
    return written


def _totals(connection: Connection, rumour_ids: set[int]) -> dict[int, Any]:
    """Per rumour: its posts, their reach and shares, the first and last publication."""
    published = func.coalesce(posts.c.created_at, posts.c.first_seen_at)
    rows = connection.execute(
        select(
            post_scores.c.rumor_id,
            func.count().label("count"),
            func.sum(reach_sql(posts)).label("reach"),
            func.sum(func.coalesce(posts.c.shares, 0)).label("shares"),
            func.min(published).label("first"),
            func.max(published).label("last"),
        )
        .join(posts, posts.c.id == post_scores.c.post_id)
        .where(post_scores.c.rumor_id.in_(rumour_ids))
        .group_by(post_scores.c.rumor_id)
    ).mappings()
    return {row["rumor_id"]: row for row in rows}


def _shown(
    current: Mapping[str, Any],
    lead: Any,
    row: Mapping[str, Any],
    spread: Spread,
    members: Sequence[Joined],
    now: datetime,
) -> dict[str, Any]:
    """What the rumour shows: its lead post's claim and reasons, the story's spread."""
    signals = json.loads(lead.signals)
    reasons = [
        r
        for r in json.loads(lead.reasons)
        if r != signals.get("spread_reason") and not r.startswith(STORY_REASON_PREFIXES)
    ]
    if described := spread.describe():
        reasons.append(described)
    return {
        "score": story_score(signals.get("base_logit", 0.0), spread.weight),
        "severity": lead.severity,
        "harm": lead.harm,
        "cluster_key": lead.cluster_key,
        "lead_post_id": lead.post_id,
        "claim": (lead.text or "")[:1000],
        "top_reason": "; ".join(reasons),
        "places": _union(current["places"], (p for m in members for p in m.places)),
        "channels": _union(current["channels"], (m.channel for m in members)),
        "post_count": row["count"],
        "reach": int(spread.reach),
        "first_seen_at": stored_utc(row["first"]) or now,
        "last_seen_at": stored_utc(row["last"]) or now,
    }


def _leads(connection: Connection, rumour_ids: Sequence[int]) -> dict[int, Any]:
    """Per rumour, the post that tells the story most alarmingly (earliest among equals):
    one windowed query for all of them."""
    if not rumour_ids:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=post_scores.c.rumor_id,
            order_by=(
                post_scores.c.score.desc(),
                case((posts.c.created_at.is_(None), 1), else_=0),
                posts.c.created_at,
                post_scores.c.post_id,
            ),
        )
        .label("rank")
    )
    ranked = (
        select(
            post_scores.c.rumor_id,
            post_scores.c.post_id,
            post_scores.c.signals,
            post_scores.c.reasons,
            post_scores.c.severity,
            post_scores.c.harm,
            post_scores.c.cluster_key,
            posts.c.text,
            rank,
        )
        .join(posts, posts.c.id == post_scores.c.post_id)
        .where(post_scores.c.rumor_id.in_(list(rumour_ids)))
        .subquery()
    )
    rows = connection.execute(select(ranked).where(ranked.c.rank == 1)).all()
    return {row.rumor_id: row for row in rows}


#: A rumour's scoring columns as :func:`recompute` writes them (to compare).
_SCORING_COLUMNS = (
    rumors.c.places,
    rumors.c.channels,
    rumors.c.score,
    rumors.c.severity,
    rumors.c.harm,
    rumors.c.cluster_key,
    rumors.c.lead_post_id,
    rumors.c.claim,
    rumors.c.top_reason,
    rumors.c.post_count,
    rumors.c.reach,
    rumors.c.first_seen_at,
    rumors.c.last_seen_at,
)


# --- a post under its story's spread ---------------------------------------------------


def restamp_post(row: Mapping[str, Any], spread: Spread) -> dict[str, Any]:
    """A scored post's score, spread signal and spread reason under ``spread``, from its
    cached log-odds before spread (the text model is not asked again): the update's values."""
    signals = json.loads(row["signals"] or "{}")
    reasons = list(json.loads(row["reasons"] or "[]"))
    stale = signals.get("spread_reason")
    described = spread.describe()
    score = story_score(float(signals.get("base_logit", 0.0)), spread.weight)
    if signals.get("department"):
        score = min(score, OFFICIAL_CEILING)
    else:
        reasons = [r for r in reasons if r != stale]
        if described:
            at = next(
                (i for i, r in enumerate(reasons) if r.startswith(STORY_REASON_PREFIXES)),
                len(reasons),
            )
            reasons.insert(at, described)
        signals.update(
            spread=round(spread.weight, 4), spread_reason=described, cluster_size=spread.posts
        )
    signals["reach"] = reach(row["likes"], row["shares"], row["replies"], row["quotes"])
    return {
        "_post": int(row["post_id"]),
        "score": score,
        "signals": json.dumps(signals, ensure_ascii=False),
        "reasons": json.dumps(reasons, ensure_ascii=False),
    }


def write_restamped(connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        statement = update(post_scores).where(post_scores.c.post_id == bindparam("_post"))
        connection.execute(
            statement.values(
                score=bindparam("score"),
                signals=bindparam("signals"),
                reasons=bindparam("reasons"),
            ),
            sorted(rows, key=lambda row: row["_post"]),  # one order of row locks
        )


def _same(current: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    for key, value in values.items():
        old = current[key]
        if isinstance(value, float):
            if old is None or abs(float(old) - value) > 1e-9:
                return False
        elif isinstance(value, datetime):
            if stored_utc(old) != stored_utc(value):
                return False
        elif old != value:
            return False
    return True


def _union(current: str, more: Iterable[str]) -> str:
    try:
        known = list(json.loads(current or "[]"))
    except ValueError:
        known = []
    merged = list(dict.fromkeys([*known, *(m for m in more if m)]))
    return json.dumps(merged, ensure_ascii=False)
