"""The queue's order: the probability that a post is misinformation, read with what the
Department said, and the reasons for it.

``probability`` is one logistic combination, in log-odds, of the text model's belief and the
context signals — each signal a documented, explainable term, and the weights *learned*:
fitted by logistic regression on out-of-fold predictions over the training data
(``data/training/posts.csv`` and the scenarios in ``data/training/scenarios``, whole
scenarios left out; ``bench/fit_context.py`` refits and prints them), so that 0.8 means
about eight in ten on posts like those. ``score``, the queue's order, is that probability
moved by the story's spread (engagement, its growth, the story's size).

The terms (:data:`CONTEXT_FEATURES`, weights in :data:`WEIGHTS`):

* the text model's log-odds (``p_misinfo``);
* the harm claimed (severity 0–1) and where (local, mixed, regional, no place, another
  city or another Santa Clara), or that no harm is claimed at all;
* the official-relation step (:mod:`rumordesk.classify.relation`): the probability of each
  relation to the Department post the post answers — contradicts, distorts, agrees,
  debunks, pending, unrelated;
* an "official notice" from an account that is not the Department's, hearsay, a genuine
  question, a denial, a relay of a denial no Department post backs.

Three rules stand over the learned weights: the Department's own posts are never ranked as
rumours (score ≤ 0.02); a post *pending* behind an investigation is never evidence of
falsehood (probability ≤ 0.35, and its score stays ≤ 0.5 however far it spreads); and
probabilities are shown in words ("very likely", "unclear"), never as "100%".
"""

from __future__ import annotations

import gc
import math
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from rumordesk.base.config import ClassifySettings
from rumordesk.classify.claims import Claim, read_claim
from rumordesk.classify.cluster import assign_clusters, cluster_keys
from rumordesk.classify.relation import (
    NO_RELATION,
    RELATIONS,
    DepartmentContext,
    DepartmentPost,
    Relation,
    RelationModel,
    _micros,
)
from rumordesk.classify.signals import (
    Gazetteer,
    Locality,
    Severity,
    fold,
    handle_of,
    is_department,
)
from rumordesk.classify.spread import Spread, reach

SHIFT_SPREAD = 0.6
OFFICIAL_CEILING = 0.02
#: At most this many Department posts are kept read between batches.
_MOST_DEPARTMENT_POSTS = 5000
#: Log-odds ceiling (before spread) of a post pending behind an investigation: 0.35, and
#: with the most spread (+0.6) still 0.5 — a real incident is never shown as misinformation.
PENDING_CEILING_LOGIT = -SHIFT_SPREAD

#: The terms of the probability, in order (see the module's docstring).
CONTEXT_FEATURES = (
    "text_logit",
    "severity",
    "claims_local",
    "claims_mixed",
    "claims_regional",
    "claims_no_place",
    "claims_elsewhere",
    "elsewhere_no_claim",
    "no_harm",
    "impersonation",
    "hearsay",
    "question",
    "denies",
    "relays_unbacked_denial",
    *(f"relation_{r}" for r in RELATIONS),
    "bias",
)
#: Learned weights of :data:`CONTEXT_FEATURES` (``bench/fit_context.py``).
WEIGHTS: dict[str, float] = {
    "text_logit": 0.815,
    "severity": 0.876,
    "claims_local": 1.012,
    "claims_mixed": -0.643,
    "claims_regional": 0.0,
    "claims_no_place": 0.144,
    "claims_elsewhere": -2.817,
    "elsewhere_no_claim": -1.348,
    "no_harm": -0.629,
    "impersonation": 1.591,
    "hearsay": 0.347,
    "question": -0.676,
    "denies": 0.338,
    "relays_unbacked_denial": -0.992,
    "relation_agrees": -2.444,
    "relation_contradicts": 2.587,
    "relation_distorts": 1.825,
    "relation_debunks": -2.812,
    "relation_pending": -2.604,
    "relation_unrelated": 0.432,
    "bias": -0.458,
}


def context_features(
    p: float, claim: Claim, relation: Relation, impersonation: bool
) -> list[float]:
    """The terms of :data:`CONTEXT_FEATURES` for one post."""
    harm, where, own = claim.harm, claim.where, claim.voice
    claims = harm.claims_harm and not own.question
    denies = own.denial or harm.denied
    level = where.level
    related = relation.official is not None and bool(relation.probabilities)
    probabilities = relation.probabilities if related else (0.0,) * len(RELATIONS)
    return [
        _logit(p),
        harm.weight if claims else 0.0,
        float(claims and level == "local"),
        float(claims and level == "mixed"),
        float(claims and level == "regional"),
        float(claims and level == "unknown"),
        float(claims and level == "elsewhere"),
        float(not claims and level == "elsewhere"),
        float(not harm.claims_harm and not own.official_notice),
        float(impersonation),
        float(own.hearsay and claims),
        float(own.question),
        float(denies and not harm.claims_harm),
        float(own.relay and denies and not harm.claims_harm and not related),
        *probabilities,
        1.0,
    ]


_WEIGHT_VECTOR = np.array([WEIGHTS[name] for name in CONTEXT_FEATURES])


def in_words(p: float) -> str:
    """A probability as the reasons say it: never a percentage, never "certain"."""
    if p < 0.1:
        return "very unlikely"
    if p < 0.3:
        return "unlikely"
    if p < 0.7:
        return "unclear"
    if p < 0.9:
        return "likely"
    return "very likely"


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
    #: How the post relates to the Department post it answers (``NO_RELATION``: none).
    relation: Relation
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
    #: For the Department's own posts: what kind of post it is (denial, arrest, order …).
    department_kind: str | None = None
    #: The claim's parts as read (severity and locality above are two of them).
    claim: Claim | None = None

    @property
    def probability(self) -> float:
        """p(misinformation) in context, before spread: the calibrated figure."""
        return 1 / (1 + math.exp(-self.base_logit))

    @property
    def top_reason(self) -> str:
        return self.reasons[0] if self.reasons else ""

    def signals(self) -> dict[str, object]:
        """Each signal separately, for the score breakdown and the store."""
        relation = self.relation
        official = relation.official
        return {
            "p_misinfo": round(self.p_misinfo, 4),
            "probability": round(self.probability, 4),
            "probability_in_words": in_words(self.probability),
            "severity": self.severity.weight if self.severity.claims_harm else 0.0,
            "harm": self.severity.kind if self.severity.claims_harm else None,
            "harm_denied": self.severity.denied,
            "locality": self.locality.level,
            "places": list(self.locality.places),
            "elsewhere": list(self.locality.elsewhere),
            "official": relation.name,
            "official_post": official.id if official else None,
            "official_kind": official.kind if official else None,
            "official_at": official.created_at.isoformat()
            if official and official.created_at
            else None,
            "relation_probabilities": dict(
                zip(RELATIONS, (round(v, 4) for v in relation.probabilities), strict=True)
            )
            if relation.probabilities
            else None,
            "difference": relation.difference,
            "department_kind": self.department_kind,
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
    """Scores posts against the Department's recent posts; one call ranks a whole batch.

    ``relations`` is the official-relation step's model; by default the one trained on
    the shipped scenarios for this gazetteer (:func:`shipped_relations`).
    """

    def __init__(
        self,
        predict: ProbabilityModel,
        settings: ClassifySettings,
        timezone: ZoneInfo | None = None,
        relations: RelationModel | None = None,
    ) -> None:
        self.predict = predict
        self.settings = settings
        self.gazetteer = Gazetteer.from_settings(settings)
        self.timezone = timezone
        self.accounts = frozenset(handle_of(a) for a in settings.department_accounts)
        self.relations = relations or shipped_relations(settings)
        #: Department posts already read (the same ones come back with every batch).
        self._read_department: dict[tuple[str, str, datetime | None], DepartmentPost] = {}

    def official_context(self, officials: Sequence[OfficialInput]) -> DepartmentContext:
        """The Department's posts, read once (their claims and kinds)."""
        context = DepartmentContext(
            self.relations,
            self.gazetteer,
            timedelta(hours=self.settings.official_window_hours),
            zone=self.timezone,
        )
        if len(self._read_department) > _MOST_DEPARTMENT_POSTS:
            self._read_department.clear()
        context.add_all([(o.id, o.text, o.created_at) for o in officials], self._read_department)
        return context

    def official_kinds(self, officials: Sequence[OfficialInput]) -> list[str]:
        """The kind the relation step reads in each Department post (for benchmarks)."""
        return [p.kind for p in self.official_context(officials).posts]

    def relate_pairs(
        self, posts: Sequence[PostInput], officials: Sequence[OfficialInput]
    ) -> list[str]:
        """The relation of each post to the Department post beside it (given pairs, as in
        the scenario files), after the rules of :func:`~classify.relation.choose`."""
        context = self.official_context(list({o.id: o for o in officials}.values()))
        by_id = {p.id: p for p in context.posts}
        claims = [context.claim(p.text) for p in posts]
        found = context.relate_with(
            claims,
            [p.text for p in posts],
            [_micros(p.created_at) for p in posts],
            [by_id[o.id] for o in officials],
        )
        return [r.name for r in found]

    def rank(
        self,
        posts: Sequence[PostInput],
        officials: Sequence[OfficialInput] | DepartmentContext,
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
        officials: Sequence[OfficialInput] | DepartmentContext,
        now: datetime | None,
    ) -> list[Scored]:
        probabilities = np.asarray(self.predict([p.text for p in posts]), dtype=float)
        if probabilities.shape != (len(posts),):
            raise ValueError(f"the model returned {probabilities.shape} for {len(posts)} posts")
        context = (
            officials
            if isinstance(officials, DepartmentContext)
            else self.official_context(officials)
        )
        now = now or _latest(posts, context)
        departments = [p.is_official or is_department(p.author, self.accounts) for p in posts]
        # Copies (retweets, forwards) are common: each distinct text is read once.
        read: dict[str, tuple[Claim, str]] = {}
        for p in posts:
            if p.text not in read:
                folded = fold(p.text)
                read[p.text] = (read_claim(p.text, self.gazetteer, folded), folded)
        claims = [read[p.text][0] for p in posts]
        threads = _threads(posts, context)
        for index, official in threads.items():
            if claims[index].where.level == "unknown":  # a reply naming no place is about
                claims[index] = replace(claims[index], where=official.claim.where)  # its thread's
        keys = [
            cluster_keys(p.text, c.harm if not dept else _NO_CLAIM, c.where, read[p.text][1])
            for p, c, dept in zip(posts, claims, departments, strict=True)
        ]
        window = timedelta(hours=self.settings.cluster_window_hours)
        clusters = assign_clusters(keys, [p.created_at for p in posts], window)
        stories = _stories(posts, clusters, now)
        relations = self._relations(posts, claims, departments, threads, context)
        kinds = self._department_kinds(posts, departments, claims, context)
        impersonations = [
            _impersonates(c, dept) for c, dept in zip(claims, departments, strict=True)
        ]
        # Every post's terms at once: one matrix product gives the log-odds.
        logits = (
            np.array(
                [
                    context_features(float(p), c, r, i)
                    for p, c, r, i in zip(
                        probabilities, claims, relations, impersonations, strict=True
                    )
                ]
            )
            @ _WEIGHT_VECTOR
        ).tolist()
        # A story's spread and its description are the same for each of its posts.
        told: dict[int, tuple[float, str | None]] = {}
        scored = []
        for index, post in enumerate(posts):
            cluster = clusters[index]
            spread = stories[cluster]
            if (story := told.get(cluster)) is None:
                story = told[cluster] = (spread.weight, spread.describe())
            result = self._score(
                post,
                float(probabilities[index]),
                logits[index],
                impersonations[index],
                claims[index],
                relations[index],
                departments[index],
                keys[index].primary,
                keys[index].text,
                cluster,
                spread,
                story[0],
            )
            result.spread_reason = story[1]
            result.department_kind = kinds.get(index)
            result.reasons = self.reasons(result)
            scored.append(result)
        return scored

    def _relations(
        self,
        posts: Sequence[PostInput],
        claims: Sequence[Claim],
        departments: Sequence[bool],
        threads: dict[int, DepartmentPost],
        context: DepartmentContext,
    ) -> list[Relation]:
        """Each public post's relation to the Department post it answers. A reply under a
        Department post is compared with that post first, whenever it was published; only
        when it bears on nothing that post says is it compared as any other post."""
        relations = [NO_RELATION] * len(posts)
        replies = [i for i in threads if not departments[i]]
        if replies:
            answered = context.relate_with(
                [claims[i] for i in replies],
                [posts[i].text for i in replies],
                [_micros(posts[i].created_at) for i in replies],
                [threads[i] for i in replies],
            )
            for index, relation in zip(replies, answered, strict=True):
                if relation.name not in ("none", "unrelated"):
                    relations[index] = relation
        public = [
            i for i, dept in enumerate(departments) if not dept and relations[i] is NO_RELATION
        ]
        related = context.relate(
            [claims[i] for i in public],
            [posts[i].text for i in public],
            [_micros(posts[i].created_at) for i in public],
        )
        for index, relation in zip(public, related, strict=True):
            relations[index] = relation
        return relations

    def _department_kinds(
        self,
        posts: Sequence[PostInput],
        departments: Sequence[bool],
        claims: Sequence[Claim],
        context: DepartmentContext,
    ) -> dict[int, str]:
        """The kind of each of the Department's own posts in the batch (stored with it)."""
        known = {o.text: o.kind for o in context.posts}
        kinds: dict[int, str] = {}
        unknown = []
        for index, dept in enumerate(departments):
            if dept:
                if posts[index].text in known:
                    kinds[index] = known[posts[index].text]
                else:
                    unknown.append(index)
        if unknown:
            extra = DepartmentContext(self.relations, self.gazetteer, context.window)
            extra.add_all([(posts[i].id, posts[i].text, posts[i].created_at) for i in unknown])
            for index, official in zip(unknown, extra.posts, strict=True):
                kinds[index] = official.kind
        return kinds

    def _score(
        self,
        post: PostInput,
        p: float,
        z: float,
        impersonation: bool,
        claim: Claim,
        relation: Relation,
        department: bool,
        key: str,
        text_key: str,
        cluster: int,
        spread: Spread,
        weight: float,
    ) -> Scored:
        """The post's record from its log-odds ``z`` (``context_features`` · weights)."""
        harm, where, own = claim.harm, claim.where, claim.voice
        if relation.name == "pending":
            # Next to an investigation, a report is not evidence of falsehood.
            z = min(z, PENDING_CEILING_LOGIT)
        base = z
        score = story_score(base, weight)
        if department:
            score = min(score, OFFICIAL_CEILING)
        return Scored(
            id=post.id,
            p_misinfo=p,
            score=score,
            severity=harm,
            locality=where,
            relation=relation,
            impersonation=impersonation,
            hearsay=own.hearsay and harm.claims_harm and not own.question,
            question=own.question,
            department=department,
            spread=weight,
            cluster_key=key,
            cluster_id=cluster,
            cluster_size=spread.posts,
            base_logit=base,
            text_key=text_key,
            claim=claim,
        )

    def reasons(self, s: Scored, spread: Spread | None = None) -> tuple[str, ...]:
        """Plain-language reasons, most telling first (``spread``: describe this one
        instead of the post's own ``spread_reason``)."""
        if s.department:
            kind = f" ({s.department_kind.replace('_', ' ')})" if s.department_kind else ""
            return (f"the Department's own post{kind}",)
        reasons: list[str] = []
        where = f" at {', '.join(s.locality.places)}" if s.locality.places else ""
        if s.severity.claims_harm:
            asks = "asks about" if s.question else "claims"
            reasons.append(f"{asks} {s.severity.label}{where}")
        elif s.severity.denied:
            reasons.append(f'says "{s.severity.phrase}"')
        relation = s.relation
        official = relation.official
        if official is not None:
            at = self._at(official.created_at)
            if relation.name in ("contradicts", "distorts") and relation.difference:
                verb = "contradicts" if relation.name == "contradicts" else "twists"
                reasons.append(f"{verb} the Department's post: {relation.difference}")
            elif relation.name == "pending":
                reasons.append(
                    f"unverified, not disproved: the Department said it is investigating{at}"
                )
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
        if official is not None and relation.name == "agrees":
            reasons.append(f'consistent with the Department\'s post "{official.excerpt}"')
        elif official is not None and relation.name == "debunks":
            reasons.append(f'counters the rumour, as the Department did: "{official.excerpt}"')
        described = s.spread_reason if spread is None else spread.describe()
        if described:
            reasons.append(described)
        # One last reason, starting "text model:" (a rumour's summary leaves it out).
        reasons.append(
            f"text model: {in_words(s.p_misinfo)} misinformation; "
            f"in context: {in_words(s.probability)}"
        )
        return tuple(reasons)

    def _at(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        local = moment.astimezone(self.timezone) if self.timezone else moment
        return f" at {local:%H:%M}"


def _impersonates(claim: Claim, department: bool) -> bool:
    """An "official notice" of harm from an account that is not the Department's (and
    that does not deny the harm it names)."""
    harm, own = claim.harm, claim.voice
    return (
        own.official_notice and harm.claims_harm and not (department or own.denial or harm.denied)
    )


_NO_CLAIM = Severity(None, 0.0, None)


def _threads(posts: Sequence[PostInput], context: DepartmentContext) -> dict[int, DepartmentPost]:
    """For each reply whose thread's Department post is in the context: that post."""
    wanted = {p.in_reply_to_official_id for p in posts if p.in_reply_to_official_id}
    if not wanted:
        return {}
    by_id = {official.id: official for official in context.posts if official.id in wanted}
    return {
        index: by_id[post.in_reply_to_official_id]  # type: ignore[index]
        for index, post in enumerate(posts)
        if post.in_reply_to_official_id in by_id
    }


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


def _latest(posts: Sequence[PostInput], context: DepartmentContext) -> datetime | None:
    """The latest moment either file speaks of: when the ranking is taking place."""
    times = [t for p in posts for t in (p.observed_at, p.created_at) if t is not None]
    times += [p.created_at for p in context.posts if p.created_at is not None]
    return max(times) if times else None


_SHIPPED: dict[str, RelationModel] = {}
_shipped_lock = threading.Lock()


def shipped_relations(settings: ClassifySettings) -> RelationModel:
    """The relation step trained on the shipped scenarios for this gazetteer, in memory
    (the collector loop loads the saved one instead). Trained once per process for each
    gazetteer: settings that differ only in paths, windows or weights share the model."""
    from rumordesk.classify.relation import relation_version, train_relation_model
    from rumordesk.classify.scenarios import shipped_kinds, shipped_scenarios

    gazetteer = Gazetteer.from_settings(settings)
    scenarios, extra = shipped_scenarios(), shipped_kinds()
    version = relation_version(scenarios, gazetteer, extra)
    with _shipped_lock:
        if (model := _SHIPPED.get(version)) is None:
            model = _SHIPPED[version] = train_relation_model(scenarios, gazetteer, extra=extra)
    return model


def _logit(p: float) -> float:
    p = min(max(p, 1e-3), 1 - 1e-3)
    return math.log(p / (1 - p))
