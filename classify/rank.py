"""The queue's order: the text model's probability moved by context, with reasons.

``score`` is computed in log-odds so each signal shifts the model's belief by a fixed,
documented amount instead of overriding it:

====================================  =======================================
signal                                shift in log-odds
====================================  =======================================
claims harm (severity 0–1)            + 1.0 × severity
about the city / only elsewhere       + 0.8 (local) … − 2.2 (elsewhere)
a Department post says otherwise      + 1.6
passes on what the Department said    − 1.6
"official notice" from a non-account  + 1.4
hearsay ("my cousin works there")     + 0.4
spread (engagement, story size)       + 0.8 × spread
====================================  =======================================

The Department's own posts are never ranked as rumours (score ≤ 0.02).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from classify.cluster import assign_clusters, cluster_key
from classify.signals import (
    Gazetteer,
    Locality,
    OfficialContext,
    OfficialStatus,
    Severity,
    Voice,
    engagement,
    is_department,
    severity,
    spread_weight,
    voice,
)
from rumordesk.config import ClassifySettings

SHIFT_SEVERITY = 1.0
SHIFT_LOCAL = {"local": 0.8, "mixed": 0.2, "regional": 0.0, "unknown": -0.3, "elsewhere": -2.2}
SHIFT_CONTRADICTS = 1.6
SHIFT_RELAYS_OFFICIAL = -1.6
SHIFT_IMPERSONATION = 1.4
SHIFT_HEARSAY = 0.4
SHIFT_SPREAD = 0.8
OFFICIAL_CEILING = 0.02


@dataclass(frozen=True, slots=True)
class PostInput:
    """What the ranker needs of a post; engagement ``None`` means unknown."""

    id: str
    text: str
    author: str | None = None
    channel: str | None = None
    created_at: datetime | None = None
    likes: float | None = None
    shares: float | None = None
    replies: float | None = None
    quotes: float | None = None
    is_official: bool = False


@dataclass(frozen=True, slots=True)
class OfficialInput:
    id: str
    text: str
    created_at: datetime | None = None
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class Scored:
    id: str
    p_misinfo: float
    score: float
    severity: Severity
    locality: Locality
    official: OfficialStatus
    impersonation: bool
    hearsay: bool
    spread: float
    cluster_key: str
    cluster_id: int
    cluster_size: int
    reasons: tuple[str, ...] = field(default=())

    @property
    def top_reason(self) -> str:
        return self.reasons[0] if self.reasons else ""

    def signals(self) -> dict[str, object]:
        """Each signal separately, for the score breakdown and the store."""
        return {
            "p_misinfo": round(self.p_misinfo, 4),
            "severity": self.severity.weight,
            "harm": self.severity.kind,
            "locality": self.locality.level,
            "places": list(self.locality.places),
            "elsewhere": list(self.locality.elsewhere),
            "official": self.official.relation,
            "official_post": self.official.post.id if self.official.post else None,
            "impersonation": self.impersonation,
            "hearsay": self.hearsay,
            "spread": round(self.spread, 4),
            "cluster_size": self.cluster_size,
        }


ProbabilityModel = Callable[[Sequence[str]], np.ndarray]


class Ranker:
    """Scores posts against the Department's recent posts; one call ranks a whole batch."""

    def __init__(
        self,
        predict: ProbabilityModel,
        settings: ClassifySettings,
        timezone: ZoneInfo | None = None,
    ) -> None:
        self.predict = predict
        self.settings = settings
        self.gazetteer = Gazetteer.from_settings(settings)
        self.timezone = timezone

    def official_context(self, officials: Sequence[OfficialInput]) -> OfficialContext:
        context = OfficialContext(
            self.gazetteer, timedelta(hours=self.settings.official_window_hours)
        )
        for post in officials:
            context.add(post.id, post.text, post.created_at)
        return context

    def rank(
        self,
        posts: Sequence[PostInput],
        officials: Sequence[OfficialInput],
        *,
        cluster_sizes: dict[str, int] | None = None,
    ) -> list[Scored]:
        """Score every post; the result is in input order (sort by ``score`` to rank)."""
        if not posts:
            return []
        probabilities = np.asarray(self.predict([p.text for p in posts]), dtype=float)
        context = self.official_context(officials)
        found = [(severity(p.text), self.gazetteer.locate(p.text), voice(p.text)) for p in posts]
        keys = [
            cluster_key(p.text, harm, where)
            for p, (harm, where, _) in zip(posts, found, strict=True)
        ]
        window = timedelta(hours=self.settings.cluster_window_hours)
        clusters = assign_clusters(keys, [p.created_at for p in posts], window)
        sizes = np.bincount(clusters)
        reach = np.zeros(len(sizes))
        for post, cluster in zip(posts, clusters, strict=True):
            reach[cluster] += engagement(post.likes, post.shares, post.replies, post.quotes)
        scored = []
        for index, post in enumerate(posts):
            harm, where, own = found[index]
            cluster = clusters[index]
            size = int(sizes[cluster]) + (cluster_sizes or {}).get(keys[index], 0)
            scored.append(
                self._score(
                    post,
                    float(probabilities[index]),
                    harm,
                    where,
                    own,
                    context,
                    keys[index],
                    cluster,
                    size,
                    float(reach[cluster]),
                )
            )
        return scored

    def _score(
        self,
        post: PostInput,
        p: float,
        harm: Severity,
        where: Locality,
        own: Voice,
        context: OfficialContext,
        key: str,
        cluster: int,
        size: int,
        reach: float,
    ) -> Scored:
        department = post.is_official or is_department(
            post.author, self.settings.department_accounts
        )
        status = context.status(harm, where, post.created_at, own)
        impersonation = own.official_notice and not department
        spread = spread_weight(reach, size)
        z = _logit(p) + SHIFT_SEVERITY * harm.weight + SHIFT_LOCAL[where.level]
        if status.relation == "contradicts":
            z += SHIFT_CONTRADICTS
        elif status.relation == "agrees" and (own.relay or own.denial):
            z += SHIFT_RELAYS_OFFICIAL
        if impersonation:
            z += SHIFT_IMPERSONATION
        if own.hearsay and harm.claims_harm:
            z += SHIFT_HEARSAY
        z += SHIFT_SPREAD * spread
        score = 1 / (1 + math.exp(-z))
        if department:
            score = min(score, OFFICIAL_CEILING)
        result = Scored(
            post.id,
            p,
            score,
            harm,
            where,
            status,
            impersonation,
            own.hearsay,
            spread,
            key,
            cluster,
            size,
        )
        reasons = self._reasons(result, department, reach)
        return replace(result, reasons=reasons)

    def _reasons(self, s: Scored, department: bool, reach: float) -> tuple[str, ...]:
        reasons: list[str] = []
        if department:
            return ("the Department's own post",)
        where = f" at {', '.join(s.locality.places)}" if s.locality.places else ""
        if s.severity.claims_harm:
            reasons.append(f"claims {s.severity.label}{where}")
        if s.official.relation == "contradicts" and s.official.post:
            reasons.append(
                f'Department said "{s.official.post.excerpt}"'
                + self._at(s.official.post.created_at)
            )
        if s.impersonation:
            reasons.append("reads like an official notice but is not from the Department")
        if s.hearsay and s.severity.claims_harm:
            reasons.append("unverified hearsay")
        if s.locality.level == "elsewhere":
            reasons.append(f"about {', '.join(s.locality.elsewhere)}, not Santa Clara")
        elif s.locality.level == "unknown" and s.severity.claims_harm:
            reasons.append("no place named")
        if s.official.relation == "agrees" and s.official.post:
            reasons.append(f'consistent with the Department\'s post "{s.official.post.excerpt}"')
        if reach >= 1 or s.cluster_size > 1:
            reasons.append(
                f"{reach:,.0f} interactions across {s.cluster_size} post"
                f"{'s' if s.cluster_size != 1 else ''} in this story"
            )
        reasons.append(f"text model: {s.p_misinfo:.0%} likely misinformation")
        return tuple(reasons)

    def _at(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        local = moment.astimezone(self.timezone) if self.timezone else moment
        return f" at {local:%H:%M}"


def _logit(p: float) -> float:
    p = min(max(p, 1e-3), 1 - 1e-3)
    return math.log(p / (1 - p))
