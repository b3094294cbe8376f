"""Stored posts → ``post_scores`` and ``rumors``: what the collector loop runs on new posts.

This is the one adapter from a stored post to the ranker's input (:func:`post_input`),
so the CLI's ``rank`` on a CSV and the live loop score the same way. Scoring is
incremental: only the posts the collector reports as new or changed are scored, in one
batch, against the Department's recent posts in the store; each joins the open rumour
of its story (same claim, or a near-copy, within the clustering window) or opens one,
and only the affected rumours' aggregates are recomputed (by the rumour's one owner,
:mod:`~rumordesk.classify.rumours`, which staff intake uses too). Posts whose engagement alone
moved (:meth:`PostScorer.refresh_engagement`, the collector's ``on_metrics`` hook) are not
read by the text model again: their rumours' reach and spread-dependent score are
recomputed from the store and the cached ``post_scores``. Scoring writes the rumour's
*scoring* columns only: the workflow's columns (status, assignee, decision, holds …)
belong to ``triage/`` and are never touched here.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Connection, func, select, update

from rumordesk.base.config import AppSettings
from rumordesk.base.times import stored_utc
from rumordesk.classify import rumours
from rumordesk.classify.rank import (
    OfficialInput,
    PostInput,
    ProbabilityModel,
    Ranker,
    Scored,
)
from rumordesk.classify.relation import RelationModel
from rumordesk.classify.spread import Spread, reach
from rumordesk.store import pending
from rumordesk.store.db import Database, insert_for
from rumordesk.store.schema import post_scores, posts, rumors

log = logging.getLogger(__name__)

_CHUNK = 500
#: Outbox notes scored per round of :meth:`PostScorer.score_pending` (the lock is held
#: for one round: a collector's fresh batch waits at most that long).
_DRAIN = 500
#: This many posts failing one after another, alone, is a failure of scoring itself.
_SYSTEMIC_FAILURES = 3
#: At most this many recent Department posts form the official context.
MAX_OFFICIAL_POSTS = 1000
#: At most this many posts of open stories are rescored when a Department post arrives.
MAX_RESCORED_POSTS = 5000


def post_input(row: Mapping[str, Any]) -> PostInput:
    """A stored post as the ranker sees it (engagement ``None`` stays unknown)."""
    return PostInput(
        id=str(row["id"]),
        text=row["text"] or "",
        author=row.get("author"),
        channel=row.get("channel"),
        created_at=row.get("created_at") or row.get("first_seen_at"),
        likes=row.get("likes"),
        shares=row.get("shares"),
        replies=row.get("replies"),
        quotes=row.get("quotes"),
        is_official=bool(row.get("is_official")),
        observed_at=row.get("metrics_at") or row.get("updated_at"),
        in_reply_to_official_id=(
            str(row["reply_to_post_id"]) if row.get("reply_to_post_id") is not None else None
        ),
    )


def official_input(row: Mapping[str, Any]) -> OfficialInput:
    return OfficialInput(
        id=str(row["id"]),
        text=row["text"] or "",
        created_at=row.get("created_at") or row.get("first_seen_at"),
        channel=row.get("channel"),
    )


def recent_officials(connection: Connection, start: datetime, end: datetime) -> list[OfficialInput]:
    """The Department's own posts published between ``start`` and ``end``."""
    published = func.coalesce(posts.c.created_at, posts.c.first_seen_at)
    rows = connection.execute(
        select(posts.c.id, posts.c.text, posts.c.created_at, posts.c.first_seen_at, posts.c.channel)
        .where(posts.c.is_official.is_(True), published >= start, published <= end)
        .order_by(published.desc())
        .limit(MAX_OFFICIAL_POSTS)
    ).mappings()
    return [official_input(row) for row in rows]


def thread_officials(
    connection: Connection, inputs: Sequence[PostInput], known: Sequence[OfficialInput]
) -> list[OfficialInput]:
    """The Department posts that replies in ``inputs`` answer and that are not in
    ``known`` (older than the window): a reply is scored with its thread's post first."""
    have = {official.id for official in known}
    wanted = {
        int(p.in_reply_to_official_id)
        for p in inputs
        if p.in_reply_to_official_id and p.in_reply_to_official_id not in have
    }
    if not wanted:
        return []
    rows = connection.execute(
        select(
            posts.c.id, posts.c.text, posts.c.created_at, posts.c.first_seen_at, posts.c.channel
        ).where(posts.c.id.in_(wanted), posts.c.is_official.is_(True))
    ).mappings()
    return [official_input(row) for row in rows]


@dataclass(slots=True)
class ScoringResult:
    scored: int = 0
    #: Posts whose engagement alone moved, refreshed from their cached scores.
    refreshed: int = 0
    rumors_opened: int = 0
    rumors_updated: set[int] = field(default_factory=set)
    #: When the Department's posts in the batch were published (their stories are rescored).
    department_times: list[datetime] = field(default_factory=list)


class PostScorer:
    """Scores stored posts into ``post_scores`` and keeps their rumours' aggregates.

    Thread-safe: the collector's workers report batches concurrently, and two batches
    must not both open a rumour for the same story, so batches are scored one at a time.
    A post's note in the scoring outbox (:mod:`~rumordesk.store.pending`) is removed in the
    transaction that writes its score: :meth:`score_pending` finishes whatever a crash, a
    failure or another process left.
    """

    def __init__(
        self,
        settings: AppSettings,
        db: Database,
        predict: ProbabilityModel | None = None,
        *,
        model_version: str = "unknown",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.db = db
        self._predict = predict
        self.model_version = model_version
        self.clock = clock
        self._lock = threading.RLock()  # score_pending holds it around score()
        #: Fresh batches waiting to be scored: a catch-up of the outbox lets them go first.
        self._fresh = 0
        self._turns = threading.Condition()
        self._ranker: Ranker | None = None
        #: Text → p_misinfo already in post_scores, read instead of the model while set.
        self._known_p: dict[str, float] = {}

    @property
    def ranker(self) -> Ranker:
        if self._ranker is None:
            relations = None  # a model given in code: the relation step trained in memory
            if self._predict is None:
                self._predict, self.model_version = load_default_model(self.settings, self.db)
                relations = load_default_relations(self.settings)
            self._ranker = Ranker(
                self._probabilities,
                self.settings.classify,
                ZoneInfo(self.settings.department.timezone),
                relations=relations,
            )
        return self._ranker

    def _probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """The model's p_misinfo, except for texts whose stored p is known to be current."""
        assert self._predict is not None  # set by ``ranker`` before it builds the Ranker
        if not self._known_p:
            return np.asarray(self._predict(texts), dtype=float)
        missing = [t for t in dict.fromkeys(texts) if t not in self._known_p]
        fresh: dict[str, float] = {}
        if missing:
            found = np.asarray(self._predict(missing), dtype=float)
            fresh = dict(zip(missing, found.tolist(), strict=True))
        return np.array([self._known_p.get(t, fresh.get(t, 0.0)) for t in texts], dtype=float)

    def __call__(self, ids: list[int]) -> None:
        """The collector's ``on_stored`` hook: the batch's notes in the outbox are scored; a
        failure is recorded on them (tried again later), collection goes on."""
        self.score_pending(ids)

    def engagement_changed(self, ids: list[int]) -> None:
        """The collector's ``on_metrics`` hook: as ``on_stored``, for spread notes."""
        self.score_pending(ids)

    def score_pending(self, ids: Iterable[int] | None = None) -> ScoringResult:
        """Act on the scoring outbox: every note that is due, or only those of ``ids``.

        Never raises for a post's trouble: a batch that fails is halved until the posts
        that cannot be scored are alone, and those keep their notes with the error and a
        later retry time (the others are scored). Each note leaves in the transaction that
        writes its score, so stopping at any moment loses nothing. With ``ids`` (a
        collector's fresh batch) it goes first: a long catch-up of everything waiting
        yields to it between rounds of at most ``_DRAIN`` posts.
        """
        result = ScoringResult()
        if ids is not None:
            wanted = list(dict.fromkeys(int(i) for i in ids))
            if wanted:
                with self._turns:
                    self._fresh += 1
                try:
                    with self._lock:
                        self._round(pending.due(self.db, self.clock(), ids=wanted), result)
                finally:
                    with self._turns:
                        self._fresh -= 1
                        self._turns.notify_all()
            return result
        after = 0  # one pass over the outbox; a note queued again meanwhile waits for the next
        while True:
            with self._turns:
                self._turns.wait_for(lambda: self._fresh == 0)
            with self._lock:
                notes = pending.due(self.db, self.clock(), after=after, limit=_DRAIN)
                if not notes:
                    return result  # nothing left, or only what waits for its retry time
                after = notes[-1].post_id
                self._round(notes, result)

    def _round(self, notes: Sequence[pending.Pending], result: ScoringResult) -> None:
        self._act(self.score, [n.post_id for n in notes if n.kind == pending.SCORE], result)
        self._act(
            self.refresh_engagement,
            [n.post_id for n in notes if n.kind == pending.SPREAD],
            result,
        )

    def _act(
        self,
        action: Callable[[list[int]], ScoringResult],
        ids: list[int],
        result: ScoringResult,
    ) -> None:
        """``action`` on ``ids``; a batch that fails is halved until the posts that cannot
        be scored are alone, and only their notes keep the error (the others are scored)."""
        groups = [ids] if ids else []
        failures = 0
        while groups:
            group = groups.pop()
            try:
                _merge(result, action(group))
                continue
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
            # What the failed call left in the outbox (its chunks commit one by one).
            group = [note.post_id for note in pending.due(self.db, self.clock(), ids=group)]
            if len(group) > 1:
                half = len(group) // 2
                groups += [group[half:], group[:half]]
                continue
            if not group:
                continue
            log.error("post %d could not be scored (%s); tried again later", group[0], error)
            failures += 1
            if failures >= _SYSTEMIC_FAILURES:
                # Post after post fails alone (the model cannot load, the store refuses):
                # scoring itself is broken; say so on every note left instead of trying each.
                group += [post_id for rest in groups for post_id in rest]
                groups = []
            pending.failed(self.db, group, error, self.clock())

    def refresh_engagement(self, ids: Iterable[int]) -> ScoringResult:
        """Posts whose likes/shares/replies moved but whose text did not: refresh the reach,
        spread and score of their rumours (``updated_at`` too, so alerts see the growth).

        Cheap: the text model does not run on posts already scored (their p_misinfo and
        log-odds before spread are read from ``post_scores``). A post not yet in a rumour
        whose own spread lifts it over ``rumor_min_score`` is ranked again, with its cached
        p_misinfo, so it can open or join one; a post never scored is scored.
        """
        unique = list(dict.fromkeys(int(i) for i in ids))
        result = ScoringResult()
        with self._lock:
            for start in range(0, len(unique), _CHUNK):
                self._refresh_chunk(unique[start : start + _CHUNK], result)
        return result

    def _refresh_chunk(self, ids: list[int], result: ScoringResult) -> None:
        now = self.clock()
        with self.db.write() as connection:
            rows = (
                connection.execute(
                    select(*_CACHED_COLUMNS)
                    .join(posts, posts.c.id == post_scores.c.post_id)
                    .where(post_scores.c.post_id.in_(ids))
                )
                .mappings()
                .all()
            )
            in_story: dict[int, list[Mapping[str, Any]]] = {}
            alone = []
            for row in rows:
                if row["rumor_id"] is not None:
                    in_story.setdefault(row["rumor_id"], []).append(row)
                else:
                    alone.append(row)
            result.rumors_updated |= rumours.recompute(
                connection, set(in_story), now, restamp=in_story, keep_unchanged=True
            )
            rising = self._restamp_alone(connection, alone, now)
            # Spread notes end here, except for posts scored next (their notes end there).
            done = {int(row["post_id"]) for row in rows} - {int(r["post_id"]) for r in rising}
            held = pending.generations(connection, sorted(done), kind=pending.SPREAD)
            pending.take(connection, held)
        result.refreshed += len(rows)
        unscored = sorted(set(ids) - {int(row["post_id"]) for row in rows})
        if unscored:  # never scored (the scorer failed on its batch): score them now
            self._score_chunk(unscored, result)
        if rising:
            self.ranker  # noqa: B018 - loads the model (and its version) before comparing
            self._known_p = {
                row["text"] or "": float(row["p_misinfo"])
                for row in rising
                if row["model_version"] == self.model_version
            }
            try:
                self._score_chunk([int(row["post_id"]) for row in rising], result)
            finally:
                self._known_p = {}

    def _restamp_alone(
        self, connection: Connection, rows: Sequence[Mapping[str, Any]], now: datetime
    ) -> list[Mapping[str, Any]]:
        """Posts in no rumour take their own new spread; returns those now over the bar."""
        threshold = self.settings.classify.rumor_min_score
        rising, restamped = [], []
        for row in rows:
            signals = json.loads(row["signals"] or "{}")
            interactions = reach(row["likes"], row["shares"], row["replies"], row["quotes"])
            if signals.get("department") or signals.get("reach") == interactions:
                continue  # the Department's own post, or nothing spread further
            first = stored_utc(row["created_at"] or row["first_seen_at"])
            age = max((now - first).total_seconds() / 3600, 0.0) if first else None
            spread = Spread(interactions, float(row["shares"] or 0), 1, age)
            restamped.append(rumours.restamp_post(row, spread))
            if restamped[-1]["score"] >= threshold > float(row["score"] or 0):
                rising.append(row)
        rumours.write_restamped(connection, restamped)
        return rising

    def score(self, ids: Iterable[int]) -> ScoringResult:
        unique = list(dict.fromkeys(int(i) for i in ids))
        result = ScoringResult()
        with self._lock:
            for start in range(0, len(unique), _CHUNK):
                self._score_chunk(unique[start : start + _CHUNK], result)
            if result.department_times:
                # A new Department post ("no shooting at Valley Fair") changes what the
                # open stories near it mean: score their posts again against it.
                again = [i for i in self._stories_near(result.department_times) if i not in unique]
                for start in range(0, len(again), _CHUNK):
                    self._score_chunk(again[start : start + _CHUNK], result)
        return result

    def _stories_near(self, moments: list[datetime]) -> list[int]:
        window = timedelta(hours=self.settings.classify.official_window_hours)
        with self.db.read() as connection:
            return list(
                connection.scalars(
                    select(post_scores.c.post_id)
                    .join(rumors, rumors.c.id == post_scores.c.rumor_id)
                    .where(
                        rumors.c.last_seen_at >= min(moments) - window,
                        rumors.c.first_seen_at <= max(moments) + window,
                    )
                    .order_by(rumors.c.score.desc())
                    .limit(MAX_RESCORED_POSTS)
                )
            )

    def _score_chunk(self, ids: list[int], result: ScoringResult) -> None:
        ranker = self.ranker  # load the model outside the write transaction
        with self.db.read() as connection:
            rows = connection.execute(select(posts).where(posts.c.id.in_(ids))).mappings().all()
            if not rows:
                return
            # The notes these posts have in the outbox, as they are when the texts are read.
            held = pending.generations(connection, ids)
            inputs = [post_input(row) for row in rows]
            times = [p.created_at for p in inputs if p.created_at] or [self.clock()]
            window = timedelta(hours=self.settings.classify.official_window_hours)
            officials = recent_officials(connection, min(times) - window, max(times) + window)
            officials += thread_officials(connection, inputs, officials)
        scored = ranker.rank(inputs, officials, now=self.clock())
        now = self.clock()
        cluster_window = timedelta(hours=self.settings.classify.cluster_window_hours)
        by_id = {p.id: p for p in inputs}

        def write(connection: Connection) -> tuple[set[int], int]:
            # every story of the batch, locked at once before any is looked up (PostgreSQL:
            # another collector scoring the same story waits, then finds its rumour)
            public = [s for s in scored if not s.department]
            rumours.lock_stories(
                connection, {s.cluster_key for s in public}, {s.text_key for s in public}
            )
            previous = dict(
                connection.execute(
                    select(post_scores.c.post_id, post_scores.c.rumor_id).where(
                        post_scores.c.post_id.in_(ids)
                    )
                ).all()
            )
            opened = ScoringResult()
            rumor_of = self._assign(connection, scored, by_id, cluster_window, now, opened)
            self._write_scores(connection, scored, rumor_of, previous, now, by_id)
            affected = {r for r in rumor_of.values() if r is not None}
            affected |= {r for r in previous.values() if r is not None}
            joined = [
                rumours.Joined(
                    int(s.id),
                    rumour_id,
                    s.base_logit,
                    s.department,
                    tuple(s.locality.places),
                    by_id[s.id].channel or "",
                )
                for s in scored
                if (rumour_id := rumor_of.get(s.id)) is not None
            ]
            rumours.recompute(connection, affected, now, joined=joined)
            pending.take(connection, held)  # the notes leave with the scores, or stay
            return affected, opened.rumors_opened

        # run again from the start if the server broke a deadlock by rolling this back
        affected, opened = self.db.transact(write)
        result.rumors_opened += opened
        result.scored += len(scored)
        result.rumors_updated |= affected
        result.department_times += [by_id[s.id].created_at or now for s in scored if s.department]

    # --- which rumour each post belongs to ------------------------------------------------

    def _assign(
        self,
        connection: Connection,
        scored: Sequence[Scored],
        by_id: Mapping[str, PostInput],
        window: timedelta,
        now: datetime,
        result: ScoringResult,
    ) -> dict[str, int | None]:
        """Each batch story joins the open rumour of any of its keys, or opens one when it
        scores high enough; the Department's posts never belong to a rumour."""
        stories: dict[int, list[Scored]] = {}
        for s in scored:
            if not s.department:
                stories.setdefault(s.cluster_id, []).append(s)
        rumor_of: dict[str, int | None] = {s.id: None for s in scored}
        threshold = self.settings.classify.rumor_min_score
        moments_of = {
            cluster: [by_id[s.id].created_at or now for s in members]
            for cluster, members in stories.items()
        }
        known = rumours.Stories(
            connection,
            (s.cluster_key for members in stories.values() for s in members),
            (s.text_key for members in stories.values() for s in members),
            min((min(moments) for moments in moments_of.values()), default=now) - window,
        )
        for cluster, members in stories.items():
            moments = moments_of[cluster]
            since = min(moments) - window
            keys = {s.cluster_key for s in members}
            text_keys = {s.text_key for s in members if s.text_key}
            rumor = known.find(keys, text_keys, since)
            if rumor is None:
                lead = max(members, key=lambda s: s.score)
                if lead.score < threshold:
                    continue
                rumor = rumours.create(
                    connection,
                    cluster_key=lead.cluster_key,
                    score=lead.score,
                    severity=lead.severity.weight if lead.severity.claims_harm else 0.0,
                    harm=lead.severity.kind if lead.severity.claims_harm else None,
                    top_reason=lead.top_reason,
                    first_seen_at=min(moments),
                    last_seen_at=max(moments),
                    now=now,
                )
                known.opened(rumor, lead.cluster_key, max(moments))
                result.rumors_opened += 1
            for s in members:
                rumor_of[s.id] = rumor
        return rumor_of

    # --- writing ----------------------------------------------------------------------------

    def _write_scores(
        self,
        connection: Connection,
        scored: Sequence[Scored],
        rumor_of: Mapping[str, int | None],
        previous: Mapping[int, int | None],
        now: datetime,
        by_id: Mapping[str, PostInput],
    ) -> None:
        fresh, again = [], []
        for s in scored:
            p = by_id[s.id]
            # The post's own interactions when scored: a refresh skips a post they still match.
            signals = s.signals()
            signals["reach"] = reach(p.likes, p.shares, p.replies, p.quotes)
            row = {
                "post_id": int(s.id),
                "rumor_id": rumor_of[s.id],
                "p_misinfo": s.p_misinfo,
                "score": s.score,
                "severity": s.severity.weight if s.severity.claims_harm else 0.0,
                "harm": s.severity.kind if s.severity.claims_harm else None,
                "locality": s.locality.level,
                "cluster_key": s.cluster_key,
                "text_key": s.text_key,
                "signals": json.dumps(signals, ensure_ascii=False),
                "reasons": json.dumps(list(s.reasons), ensure_ascii=False),
                "model_version": self.model_version,
                "scored_at": now,
            }
            (again if int(s.id) in previous else fresh).append(row)
        if fresh:
            # another collector may have scored the same new post a moment ago: keep ours
            statement = insert_for(connection, post_scores)
            columns = [key for key in fresh[0] if key != "post_id"]
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=[post_scores.c.post_id],
                    set_={c: statement.excluded[c] for c in columns},
                ),
                sorted(fresh, key=lambda row: row["post_id"]),
            )
        for row in sorted(again, key=lambda row: row["post_id"]):
            connection.execute(
                update(post_scores).where(post_scores.c.post_id == row["post_id"]).values(**row)
            )


def _merge(total: ScoringResult, part: ScoringResult) -> None:
    total.scored += part.scored
    total.refreshed += part.refreshed
    total.rumors_opened += part.rumors_opened
    total.rumors_updated |= part.rumors_updated
    total.department_times += part.department_times


#: What :meth:`PostScorer.refresh_engagement` reads of a scored post instead of the model.
_CACHED_COLUMNS = (
    post_scores.c.post_id,
    post_scores.c.rumor_id,
    post_scores.c.p_misinfo,
    post_scores.c.score,
    post_scores.c.signals,
    post_scores.c.reasons,
    post_scores.c.model_version,
    posts.c.text,
    posts.c.likes,
    posts.c.shares,
    posts.c.replies,
    posts.c.quotes,
    posts.c.created_at,
    posts.c.first_seen_at,
)


def load_default_model(
    settings: AppSettings, db: Database | None = None
) -> tuple[ProbabilityModel, str]:
    """The configured model (trained on first use when missing), as a predict callable;
    with ``db``, the one pinned in the database, so every host scores with the same."""
    from rumordesk.classify.shared_model import pinned_model
    from rumordesk.classify.training import default_model

    model = pinned_model(settings, db) if db is not None else default_model(settings)
    version = getattr(model, "version", None) or getattr(model, "model_version", None)
    return model.predict_proba, str(version or "unknown")


def load_default_relations(settings: AppSettings) -> RelationModel:
    """The official-relation step's saved model (trained on first use when missing)."""
    from rumordesk.classify.training import default_relations

    return default_relations(settings)


def rescore_recent(
    scorer: PostScorer, *, since: datetime | None = None, limit: int | None = None
) -> ScoringResult:
    """Score stored public and official posts published since ``since`` (``rumordesk score``)."""
    published = func.coalesce(posts.c.created_at, posts.c.first_seen_at)
    query = select(posts.c.id).order_by(published)
    if since is not None:
        query = query.where(published >= since)
    if limit:
        query = query.limit(limit)
    with scorer.db.read() as connection:
        ids = list(connection.scalars(query))
    return scorer.score(ids)


__all__ = [
    "PostScorer",
    "ScoringResult",
    "load_default_model",
    "load_default_relations",
    "official_input",
    "post_input",
    "recent_officials",
    "rescore_recent",
    "thread_officials",
]
