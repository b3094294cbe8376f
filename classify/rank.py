"""The queue's order: the text model's probability moved by context, with reasons.

``score`` is computed in log-odds so each signal shifts the model's belief by a fixed,
documented amount instead of overriding it (the text model stays the main evidence):

==============================================  =========================================
signal                                          shift in log-odds
==============================================  =========================================
claims harm (severity 0–1, not as a question)   + 0.8 × severity (not when elsewhere)
where (when harm is claimed)                    + 0.5 local … − 2.5 only elsewhere
elsewhere, no harm claimed                      − 1.0
no harm claimed at all                          − 0.5
a Department post denies the harm claimed       + 1.6
claims worse than the Department reported       + 1.2 ("police activity" → "3 dead")
passes on / agrees with a Department post       − 3.0 (relay or denial), − 0.6 otherwise
relays a denial, no Department post near        − 1.8
a denial ("no shooting") with no harm claimed   − 1.0
"official notice" from a non-Department account + 1.2 (only with a harm or order claimed)
hearsay ("my cousin works there")               + 0.4
a genuine question ("is it true?")              − 1.5
spread (engagement, growth, story size)         + 0.6 × spread
==============================================  =========================================

A post that passes on a matching Department post and claims no harm is capped at
log-odds −1.5 (≈ 0.18 before spread). The shifts were chosen on out-of-fold predictions
over the training slice (``data/training/posts.csv``); the validation slice is kept for
measuring. The Department's own posts are never ranked as rumours (score ≤ 0.02).
"""

from __future__ import annotations

import gc
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from rumordesk.base.config import ClassifySettings
from rumordesk.classify.cluster import assign_clusters, cluster_keys
from rumordesk.classify.signals import (
    Gazetteer,
    Locality,
    OfficialContext,
    OfficialStatus,
    Severity,
    Voice,
    fold,
    handle_of,
    is_department,
    severity,
    voice,
)
from rumordesk.classify.spread import Spread, reach

SHIFT_SEVERITY = 0.8
SHIFT_LOCAL = {"local": 0.5, "mixed": -0.6, "regional": -0.2, "unknown": -0.2, "elsewhere": -2.5}
SHIFT_ELSEWHERE_NO_HARM = -1.0
SHIFT_NO_HARM = -0.5
SHIFT_CONTRADICTS = 1.6
SHIFT_INFLATES = 1.2
SHIFT_RELAYS_OFFICIAL = -3.0
SHIFT_RELAYS_UNMATCHED = -1.8
SHIFT_AGREES = -0.6
SHIFT_DENIES = -1.0
SHIFT_IMPERSONATION = 1.2
SHIFT_HEARSAY = 0.4
SHIFT_QUESTION = -1.5
SHIFT_SPREAD = 0.6
OFFICIAL_CEILING = 0.02
#: Log-odds ceiling (before spread) of a post that relays a matching Department post.
RELAY_CEILING_LOGIT = -1.5


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
    #: When the engagement was read (for growth); defaults to the batch's latest time.
    observed_at: datetime | None = None
    #: A reply or comment under a Department post: that post's id (an official's ``id``).
    #: The reply is compared with its thread's post first, whenever that was published,
    #: and one that names no place is about the place its thread is about.
    in_reply_to_official_id: str | None = None


@dataclass(frozen=True, slots=True)
class OfficialInput:
    id: str
    text: str
    created_at: datetime | None = None
    channel: str | None = None


@dataclass(slots=True)
class Scored:
    id: str
    p_misinfo: float
    score: float
    severity: Severity
    locality: Locality
    official: OfficialStatus
    impersonation: bool
    hearsay: bool
    question: bool
    department: bool
    spread: float
    cluster_key: str
    cluster_id: int
    cluster_size: int
    #: Log-odds before the spread shift: the story's score is recomputed from it as the
    #: story grows (see :func:`story_score`).
    base_logit: float
    reasons: tuple[str, ...] = field(default=())
    text_key: str = ""
    #: The reason that describes the story's spread (recomputed as the story grows).
    spread_reason: str | None = None

    @property
    def top_reason(self) -> str:
        return self.reasons[0] if self.reasons else ""

    def signals(self) -> dict[str, object]:
        """Each signal separately, for the score breakdown and the store."""
        return {
            "p_misinfo": round(self.p_misinfo, 4),
            "severity": self.severity.weight if self.severity.claims_harm else 0.0,
            "harm": self.severity.kind if self.severity.claims_harm else None,
            "harm_denied": self.severity.denied,
            "locality": self.locality.level,
            "places": list(self.locality.places),
            "elsewhere": list(self.locality.elsewhere),
            "official": self.official.relation,
            "official_post": self.official.post.id if self.official.post else None,
            "impersonation": self.impersonation,
            "hearsay": self.hearsay,
            "question": self.question,
            "department": self.department,
            "spread": round(self.spread, 4),
            "cluster_size": self.cluster_size,
            "base_logit": round(self.base_logit, 4),
            "spread_reason": self.spread_reason,
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
        self.accounts = frozenset(handle_of(a) for a in settings.department_accounts)

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
        officials: Sequence[OfficialInput] | OfficialContext,
        *,
        now: datetime | None = None,
    ) -> list[Scored]:
        """Score every post; the result is in input order (sort by ``score`` to rank).

        ``now`` is when the engagement was read (growth is measured up to it); by default
        the latest time in the batch.
        """
        if not posts:
            return []
        with _without_collection_pauses():
            return self._rank(posts, officials, now)

    def _rank(
        self,
        posts: Sequence[PostInput],
        officials: Sequence[OfficialInput] | OfficialContext,
        now: datetime | None,
    ) -> list[Scored]:
        probabilities = np.asarray(self.predict([p.text for p in posts]), dtype=float)
        if probabilities.shape != (len(posts),):
            raise ValueError(f"the model returned {probabilities.shape} for {len(posts)} posts")
        context = (
            officials
            if isinstance(officials, OfficialContext)
            else self.official_context(officials)
        )
        now = now or _latest(posts, officials)
        departments = [p.is_official or is_department(p.author, self.accounts) for p in posts]
        # Copies (retweets, forwards) are common: each distinct text is read once.
        read: dict[str, tuple[Severity, Locality, Voice, str]] = {}
        for p in posts:
            if p.text not in read:
                folded = fold(p.text)
                read[p.text] = (
                    severity(p.text),
                    self.gazetteer.locate(p.text, folded),
                    voice(p.text),
                    folded,
                )
        found = [read[p.text][:3] for p in posts]
        threads = self._threads(posts, officials, context)
        for index, post in enumerate(posts):
            thread = threads.get(post.in_reply_to_official_id or "")
            if thread is not None and found[index][1].level == "unknown":
                harm, _, own = found[index]
                found[index] = (harm, thread.where, own)
        keys = [
            cluster_keys(p.text, harm if not dept else _NO_CLAIM, where, read[p.text][3])
            for p, (harm, where, _), dept in zip(posts, found, departments, strict=True)
        ]
        window = timedelta(hours=self.settings.cluster_window_hours)
        clusters = assign_clusters(keys, [p.created_at for p in posts], window)
        stories = _stories(posts, clusters, now)
        # A story's spread and its description are the same for each of its posts.
        told: dict[int, tuple[float, str | None]] = {}
        scored = []
        for index, post in enumerate(posts):
            harm, where, own = found[index]
            cluster = clusters[index]
            spread = stories[cluster]
            if (story := told.get(cluster)) is None:
                story = told[cluster] = (spread.weight, spread.describe())
            scored.append(
                self._score(
                    post,
                    float(probabilities[index]),
                    harm,
                    where,
                    own,
                    departments[index],
                    threads.get(post.in_reply_to_official_id or "", context),
                    keys[index].primary,
                    keys[index].text,
                    cluster,
                    spread,
                    *story,
                )
            )
        return scored

    def _threads(
        self,
        posts: Sequence[PostInput],
        officials: Sequence[OfficialInput] | OfficialContext,
        context: OfficialContext,
    ) -> dict[str, ThreadFirst]:
        """For each Department post that replies in this batch answer: a context that
        compares a reply with that post first (at any distance in time), then with the
        others as for any post."""
        wanted = {p.in_reply_to_official_id for p in posts if p.in_reply_to_official_id}
        if not wanted:
            return {}
        given = officials.posts if isinstance(officials, OfficialContext) else officials
        threads: dict[str, ThreadFirst] = {}
        for official in given:
            if official.id in wanted and official.id not in threads:
                own = OfficialContext(self.gazetteer, THREAD_WINDOW)
                own.add(official.id, official.text, official.created_at)
                threads[official.id] = ThreadFirst(
                    own, context, self.gazetteer.locate(official.text)
                )
        return threads

    def _score(
        self,
        post: PostInput,
        p: float,
        harm: Severity,
        where: Locality,
        own: Voice,
        department: bool,
        context: OfficialContext | ThreadFirst,
        key: str,
        text_key: str,
        cluster: int,
        spread: Spread,
        weight: float,
        described: str | None,
    ) -> Scored:
        status = context.status(harm, where, post.created_at, own)
        claims = harm.claims_harm and not own.question
        denies = own.denial or harm.denied
        impersonation = own.official_notice and harm.claims_harm and not (department or denies)
        z = _logit(p)
        if claims and where.level == "elsewhere":
            z += SHIFT_LOCAL["elsewhere"]  # a harm in another city is not ours to weigh
        elif claims:
            z += SHIFT_SEVERITY * harm.weight + SHIFT_LOCAL[where.level]
        elif where.level == "elsewhere":
            z += SHIFT_ELSEWHERE_NO_HARM
        elif not harm.claims_harm and not own.official_notice:
            z += SHIFT_NO_HARM
        if status.relation == "contradicts":
            z += SHIFT_CONTRADICTS
        elif status.relation == "inflates":
            z += SHIFT_INFLATES
        elif status.relation == "agrees":
            z += SHIFT_RELAYS_OFFICIAL if (own.relay or denies) else SHIFT_AGREES
        elif own.relay and denies and not harm.claims_harm:
            z += SHIFT_RELAYS_UNMATCHED
        elif denies and not harm.claims_harm:
            z += SHIFT_DENIES
        if impersonation:
            z += SHIFT_IMPERSONATION
        if own.hearsay and claims:
            z += SHIFT_HEARSAY
        if own.question:
            z += SHIFT_QUESTION
        if status.relation == "agrees" and not harm.claims_harm and (own.relay or denies):
            # Passing on what the Department said is the opposite of a rumour, however
            # alarming its words sound to the text model.
            z = min(z, RELAY_CEILING_LOGIT)
        base = z
        score = story_score(base, weight)
        if department:
            score = min(score, OFFICIAL_CEILING)
        result = Scored(
            id=post.id,
            p_misinfo=p,
            score=score,
            severity=harm,
            locality=where,
            official=status,
            impersonation=impersonation,
            hearsay=own.hearsay and claims,
            question=own.question,
            department=department,
            spread=weight,
            cluster_key=key,
            cluster_id=cluster,
            cluster_size=spread.posts,
            base_logit=base,
            text_key=text_key,
        )
        result.spread_reason = described
        result.reasons = self.reasons(result, None)
        return result

    def reasons(self, s: Scored, spread: Spread | None = None) -> tuple[str, ...]:
        """Plain-language reasons, most telling first (``spread``: describe this one
        instead of the post's own ``spread_reason``)."""
        if s.department:
            return ("the Department's own post",)
        reasons: list[str] = []
        where = f" at {', '.join(s.locality.places)}" if s.locality.places else ""
        if s.severity.claims_harm:
            asks = "asks about" if s.question else "claims"
            reasons.append(f"{asks} {s.severity.label}{where}")
        elif s.severity.denied:
            reasons.append(f'says "{s.severity.phrase}"')
        post = s.official.post
        if s.official.relation == "contradicts" and post:
            reasons.append(f'Department said "{post.quote}"' + self._at(post.created_at))
        elif s.official.relation == "inflates" and post:
            reasons.append(f'Department said only "{post.quote}"' + self._at(post.created_at))
        if s.impersonation:
            reasons.append("reads like an official notice but is not from the Department")
        if s.hearsay:
            reasons.append("unverified hearsay")
        if s.locality.level in ("elsewhere", "mixed") and s.locality.elsewhere:
            names = ", ".join(dict.fromkeys(s.locality.elsewhere))
            place = "not Santa Clara" if s.locality.level == "elsewhere" else "as well as here"
            reasons.append(f"about {names}, {place}")
        elif s.locality.level == "unknown" and s.severity.claims_harm:
            reasons.append("no place named")
        if s.official.relation == "agrees" and post:
            reasons.append(f'consistent with the Department\'s post "{post.excerpt}"')
        described = s.spread_reason if spread is None else spread.describe()
        if described:
            reasons.append(described)
        reasons.append(f"text model: {s.p_misinfo:.0%} likely misinformation")
        return tuple(reasons)

    def _at(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        local = moment.astimezone(self.timezone) if self.timezone else moment
        return f" at {local:%H:%M}"


_NO_CLAIM = Severity(None, 0.0, None)
#: A reply is compared with the Department post it answers however long after it came.
THREAD_WINDOW = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class ThreadFirst:
    """The official context of a reply: its thread's Department post first, then the
    Department's other recent posts (when its own says nothing about what it claims)."""

    thread: OfficialContext
    rest: OfficialContext
    #: Where the thread's Department post is about (a reply naming no place is about it).
    where: Locality

    def status(
        self, claim: Severity, locality: Locality, created_at: datetime | None, own: Voice
    ) -> OfficialStatus:
        found = self.thread.status(claim, locality, created_at, own)
        if found.relation != "none":
            return found
        return self.rest.status(claim, locality, created_at, own)


@contextmanager
def _without_collection_pauses() -> Iterator[None]:
    """Ranking a batch makes several objects per post, all kept until the batch is done;
    the cyclic garbage collector would stop again and again to walk them (and the whole
    heap with the loaded model) and find nothing to free: up to a tenth of the time of a
    10,000-post batch. It is paused for the batch and runs as usual afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def story_score(base_logit: float, spread: float) -> float:
    """The 0–1 score from the log-odds before spread and the story's spread weight."""
    z = base_logit + SHIFT_SPREAD * spread
    return 1 / (1 + math.exp(-z))


def _stories(posts: Sequence[PostInput], clusters: list[int], now: datetime | None) -> list[Spread]:
    """Per cluster: reach, shares, post count and the age of its first post."""
    count = max(clusters) + 1
    total = [0.0] * count
    shares = [0.0] * count
    sizes = [0] * count
    first: list[datetime | None] = [None] * count
    for post, cluster in zip(posts, clusters, strict=True):
        total[cluster] += reach(post.likes, post.shares, post.replies, post.quotes)
        shares[cluster] += post.shares or 0
        sizes[cluster] += 1
        if post.created_at and (first[cluster] is None or post.created_at < first[cluster]):
            first[cluster] = post.created_at
    stories = []
    for cluster in range(count):
        age = None
        if now is not None and first[cluster] is not None:
            age = max((now - first[cluster]).total_seconds() / 3600, 0.0)
        stories.append(Spread(total[cluster], shares[cluster], sizes[cluster], age))
    return stories


def _latest(
    posts: Sequence[PostInput], officials: Sequence[OfficialInput] | OfficialContext
) -> datetime | None:
    """The latest moment either file speaks of: when the ranking is taking place."""
    times = [t for p in posts for t in (p.observed_at, p.created_at) if t is not None]
    if isinstance(officials, OfficialContext):
        times += [p.created_at for p in officials.posts if p.created_at is not None]
    else:
        times += [p.created_at for p in officials if p.created_at is not None]
    return max(times) if times else None


def _logit(p: float) -> float:
    p = min(max(p, 1e-3), 1 - 1e-3)
    return math.log(p / (1 - p))
