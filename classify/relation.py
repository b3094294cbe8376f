"""The official-relation step: how a public post relates to what the Department posted.

Each (public post, Department post) pair is one of

==============  ==========================================================================
agrees          passes the Department post on accurately, or is consistent with it
contradicts     asserts what the Department denied, or an order it lifted as still current
distorts        escalates it: more casualties, a suspect at large after an arrest, a wider
                place, an order the Department did not give, a hoax "really" real
debunks         the post itself counters the rumour, in line with the Department
pending         the Department is investigating and the post goes no further: no evidence
                either way (never evidence of falsehood)
unrelated       the Department post is about another place, harm or incident
==============  ==========================================================================

Two small learned models make the step, both logistic regressions over explicit features
of the claims' parts (:mod:`rumordesk.classify.claims`), fitted on the scenario pairs of
``data/training/scenarios`` (:func:`train_relation_model`):

* the *kind* of each Department post (denial, all_clear, arrest, investigating, order,
  order_lifted, incident_confirmed, advisory), from its own words;
* the *relation* of a pair, from the post's parts, the Department post's kind and parts,
  what the two share or differ in (place, harm, count, suspect status, order), their
  word overlap and the time between them, and each kind crossed with each part (a claim
  of harm means one thing beside a denial and another beside an investigation).

The reason names the difference in the claim's parts ("says the suspect is at large; the
Department said arrested at 01:10") — see :func:`difference`.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from rumordesk.classify.claims import Claim, read_claim
from rumordesk.classify.model import CharNgrams
from rumordesk.classify.scanner import lowered
from rumordesk.classify.scenarios import KINDS, RELATIONS, KindSet, ScenarioSet
from rumordesk.classify.signals import Gazetteer
from rumordesk.classify.words.department import (
    ADVISORY,
    CONFIRMED,
    CONFIRMED_ZH,
    INCIDENT,
    INCIDENT_ZH,
    OVER,
    REPORTED,
)

#: Bumped when the features or the learner change (recorded in the sidecar).
RELATION_VERSION = "relation-1"

#: What a relation means for the post: it stands against the Department, or beside it.
AGAINST = frozenset({"contradicts", "distorts"})
BESIDE = frozenset({"agrees", "debunks"})

# --- the Department's posts --------------------------------------------------------------


def _kind_cues(text: str, claim: Claim) -> list[float]:
    low = lowered(text)
    return [
        float(claim.voice.denial),
        float(claim.harm.denied),
        float(claim.harm.claims_harm),
        claim.harm.weight,
        float(claim.in_custody),
        float(claim.at_large),
        float(claim.order),
        float(claim.lifted),
        float(claim.still),
        float(claim.debunk),
        float(INCIDENT.search(low) is not None or INCIDENT_ZH.search(low) is not None),
        float(REPORTED.search(low) is not None),
        float(ADVISORY.search(low) is not None),
        float(CONFIRMED.search(low) is not None or CONFIRMED_ZH.search(low) is not None),
        float(OVER.search(low) is not None),
        float(claim.count > 0),
        float(claim.clock),
        float(claim.voice.question),
        float(claim.voice.official_notice),
        float(claim.where.level == "local"),
        1.0,
    ]


KIND_FEATURES = (
    "denial",
    "harm_denied",
    "claims_harm",
    "harm_weight",
    "in_custody",
    "at_large",
    "order",
    "lifted",
    "still",
    "debunk",
    "incident_words",
    "reported_words",
    "advisory_words",
    "confirmed_words",
    "over_words",
    "count",
    "clock",
    "question",
    "notice",
    "local",
    "bias",
)


@dataclass(frozen=True, slots=True)
class DepartmentPost:
    """A Department post, read once: its claim's parts, its kind, and how to quote it."""

    id: str
    text: str
    created_at: datetime | None
    claim: Claim
    #: Probability of each of :data:`KINDS`.
    kinds: tuple[float, ...]
    tokens: frozenset[str]
    #: Whole microseconds since the epoch (None without a time or a zone).
    moment: int | None = None
    #: The most probable of :data:`KINDS`.
    kind: str = ""
    #: The city's places it names (not the bare city name).
    places: frozenset[str] = frozenset()

    @classmethod
    def read(
        cls,
        post_id: str,
        text: str,
        created_at: datetime | None,
        claim: Claim,
        kinds: Sequence[float],
    ) -> DepartmentPost:
        probabilities = tuple(float(v) for v in kinds)
        return cls(
            str(post_id),
            text,
            created_at,
            claim,
            probabilities,
            tokens_of(text),
            _micros(created_at),
            KINDS[int(np.argmax(probabilities))],
            frozenset(claim.where.places) - _CITY,
        )

    @property
    def excerpt(self) -> str:
        return self.text if len(self.text) <= 90 else self.text[:87].rstrip() + "…"

    @property
    def quote(self) -> str:
        """What the Department said, as short as it can be quoted ("no shooting")."""
        claim = self.claim
        kind = self.kind
        if kind in ("denial", "all_clear") and (
            claim.harm.denied_phrase or claim.voice.denial_phrase
        ):
            return claim.harm.denied_phrase or claim.voice.denial_phrase or ""
        if kind == "arrest" and (said := claim.said("in_custody")):
            return said
        if kind == "order_lifted" and (said := claim.said("lifted")):
            return said
        if kind == "investigating":
            low = lowered(self.text)
            if found := INCIDENT.search(low) or INCIDENT_ZH.search(low):
                return found.group(0)
        return _short(self.text)


# --- pairs ---------------------------------------------------------------------------------

_POST_PARTS = (
    "claims_harm",
    "harm_weight",
    "harm_denied",
    "question",
    "relay",
    "denial",
    "hearsay",
    "notice",
    "debunk",
    "cover_up",
    "firsthand",
    "at_large",
    "in_custody",
    "wrong_person",
    "order",
    "lifted",
    "still",
    "wide",
    "count_2",
    "quotes",
    "clock",
    "no_place",
    "elsewhere",
)
_SHARED = (
    "same_place",
    "other_place",
    "same_topic",
    "other_topic",
    "same_harm",
    "other_harm",
    "worse_harm",
    "more_people",
    "overlap",
    "log_gap",
    "official_harm",
    "official_count",
    "official_custody",
    "official_at_large",
)
#: The post's parts and the shared ones that are crossed with the Department post's kind.
_CROSSED = (
    "claims_harm",
    "harm_denied",
    "question",
    "relay",
    "denial",
    "hearsay",
    "notice",
    "debunk",
    "cover_up",
    "firsthand",
    "at_large",
    "in_custody",
    "wrong_person",
    "order",
    "lifted",
    "still",
    "wide",
    "count_2",
    "quotes",
    "clock",
    "same_place",
    "other_place",
    "same_topic",
    "other_topic",
    "other_harm",
    "worse_harm",
    "more_people",
    "overlap",
)
#: What :func:`pair_features` gives: the post's parts and what the pair shares.
PAIR_PARTS = (*_POST_PARTS, *_SHARED)
#: Every feature of the relation model, in order (see :meth:`RelationModel._pair_x`).
PAIR_FEATURES = (
    *PAIR_PARTS,
    *(f"kind_{k}" for k in KINDS),
    *(f"{k}×{p}" for k in KINDS for p in _CROSSED),
    *(f"stance_{r}" for r in RELATIONS),
    *(f"stance_{r}×{k}" for r in RELATIONS for k in KINDS),
)
_CROSSED_INDEX = [(_POST_PARTS + _SHARED).index(p) for p in _CROSSED]


def _post_parts(claim: Claim) -> list[float]:
    harm = claim.harm
    voice = claim.voice
    return [
        float(harm.claims_harm and not voice.question),
        harm.weight if harm.claims_harm else 0.0,
        float(harm.denied or harm.denied_phrase is not None),
        float(voice.question),
        float(voice.relay),
        float(voice.denial),
        float(voice.hearsay),
        float(voice.official_notice),
        float(claim.debunk),
        float(claim.cover_up),
        float(claim.firsthand),
        float(claim.at_large),
        float(claim.in_custody),
        float(claim.wrong_person),
        float(claim.order),
        float(claim.lifted),
        float(claim.still),
        float(claim.wide),
        float(claim.count >= 2),
        float(claim.quotes),
        float(claim.clock),
        float(not claim.where.places and claim.where.level != "elsewhere"),
        float(claim.where.level == "elsewhere"),
    ]


@dataclass(frozen=True, slots=True)
class _PostSide:
    """What every pair of one post needs of it, worked out once."""

    parts: list[float]
    tokens: frozenset[str]
    places: frozenset[str]
    topics: frozenset[str]
    harm: str | None
    claims_harm: bool
    weight: float
    count: int
    elsewhere: float

    @classmethod
    def of(
        cls, claim: Claim, tokens: frozenset[str], parts: list[float] | None = None
    ) -> _PostSide:
        harm = claim.harm
        return cls(
            parts if parts is not None else _post_parts(claim),
            tokens,
            frozenset(claim.where.places) - _CITY,
            claim.topics,
            harm.kind,
            harm.claims_harm,
            harm.weight,
            claim.count,
            float(claim.where.level == "elsewhere"),
        )


_CITY = frozenset({"Santa Clara"})


def pair_features(
    claim: Claim,
    tokens: frozenset[str],
    official: DepartmentPost,
    gap_minutes: float,
    parts: list[float] | None = None,
) -> list[float]:
    """The features of one (post, Department post) pair, in :data:`PAIR_PARTS` order
    (``parts``: :func:`_post_parts` of the claim when already at hand); the model crosses
    them with the Department post's kind."""
    return _pair_row(_PostSide.of(claim, tokens, parts), official, gap_minutes)


def _pair_row(post: _PostSide, official: DepartmentPost, gap_minutes: float) -> list[float]:
    theirs = official.claim
    places, their_places = post.places, official.places
    topics, their_topics = post.topics, theirs.topics
    harm, their_harm = post.harm, theirs.harm.kind
    shared_tokens = len(post.tokens & official.tokens)
    union = len(post.tokens) + len(official.tokens) - shared_tokens
    same_place = not places.isdisjoint(their_places)
    same_topic = not topics.isdisjoint(their_topics)
    return [
        *post.parts,
        float(same_place),
        float(bool(places) and bool(their_places) and not same_place) + post.elsewhere,
        float(same_topic),
        float(bool(topics) and bool(their_topics) and not same_topic),
        float(harm is not None and harm == their_harm),
        float(harm is not None and their_harm is not None and harm != their_harm),
        float(post.claims_harm and post.weight > theirs.harm.weight + 0.05),
        float(post.count >= 2 and post.count > max(theirs.count, 1)),
        shared_tokens / union if union else 0.0,
        math.log1p(max(gap_minutes, 0.0) / 10),
        float(their_harm is not None),
        float(theirs.count > 0),
        float(theirs.in_custody),
        float(theirs.at_large),
    ]


_TOKEN = re.compile(r"\w{3,}")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\uac00-\ud7a3]{2,}")


def tokens_of(text: str) -> frozenset[str]:
    """Words (three letters or more) and CJK/Hangul bigrams: the overlap of two texts."""
    low = lowered(text)
    words = set(_TOKEN.findall(low))
    if not low.isascii():
        for run in _CJK_RUN.findall(low):
            words.update(run[i : i + 2] for i in range(len(run) - 1))
    return frozenset(words)


# --- the learned parts ----------------------------------------------------------------------


class TextView(TransformerMixin, BaseEstimator):
    """TF-IDF of a text's character n-grams (hashed, as in the text model) and, if asked,
    its word 1–2-grams: the words themselves, beside the explicit parts, in any script."""

    def __init__(
        self, *, min_df: int = 2, words: bool = True, chars: tuple[int, int] = (2, 5)
    ) -> None:
        self.min_df = min_df
        self.words = words
        self.chars = chars

    def fit(self, texts: Sequence[str], y: object = None) -> TextView:
        low = [lowered(t) for t in texts]
        if self.words:
            self.words_ = CountVectorizer(ngram_range=(1, 2), min_df=self.min_df).fit(low)
            self.word_tfidf_ = TfidfTransformer(sublinear_tf=True).fit(self.words_.transform(low))
        self.chars_ = CharNgrams(ngram_range=self.chars, min_df=self.min_df)
        self.char_tfidf_ = TfidfTransformer(sublinear_tf=True).fit(self.chars_.fit_transform(low))
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        low = [lowered(t) for t in texts]
        chars = self.char_tfidf_.transform(self.chars_.transform(low))
        if not self.words:
            return chars
        words = self.word_tfidf_.transform(self.words_.transform(low))
        return sp.hstack([words, chars], format="csr")


def _classifier(c: float, seed: int, balanced: bool = False) -> LogisticRegression:
    return LogisticRegression(
        C=c, max_iter=5000, class_weight="balanced" if balanced else None, random_state=seed
    )


class RelationModel(BaseEstimator):
    """The kind of a Department post and the relation of a pair (see the module's
    docstring): three logistic regressions, persisted with skops.

    * kind — a Department post's words (:class:`TextView`) and its cues;
    * stance — a public post's words alone, over the six relations (what a debunk, a
      relay or a twist sounds like, in any language);
    * relation — the pair's explicit features, the stance's probabilities and both
      crossed with the Department post's kind.

    ``fit`` takes the pairs already read (:func:`train_relation_model` reads them); the
    stance is stacked on out-of-fold probabilities, the folds leaving whole scenarios
    out, so the relation learns how far to trust it on posts it has not seen.
    """

    def __init__(
        self,
        *,
        C: float = 0.03,
        kind_C: float = 3.0,
        stance_C: float = 3.0,
        folds: int = 5,
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.kind_C = kind_C
        self.stance_C = stance_C
        self.folds = folds
        self.random_state = random_state

    # -- kinds ---------------------------------------------------------------------------
    def fit_kinds(
        self, texts: Sequence[str], cues: np.ndarray, kinds: Sequence[str]
    ) -> RelationModel:
        self.kind_view_ = TextView(min_df=1).fit(texts)
        self.kind_scale_ = StandardScaler().fit(cues)
        self.kind_model_ = _classifier(self.kind_C, self.random_state).fit(
            self._kind_x(texts, cues), [KINDS.index(k) for k in kinds]
        )
        return self

    def _kind_x(self, texts: Sequence[str], cues: np.ndarray) -> sp.csr_matrix:
        scaled = self.kind_scale_.transform(cues) / math.sqrt(cues.shape[1])
        return sp.hstack([self.kind_view_.transform(texts), sp.csr_matrix(scaled)], format="csr")

    def kind_probabilities(self, texts: Sequence[str], cues: np.ndarray) -> np.ndarray:
        """One row of :data:`KINDS` probabilities per Department post."""
        found = self.kind_model_.predict_proba(self._kind_x(texts, cues))
        return _full(found, self.kind_model_.classes_, len(KINDS))

    # -- relations -----------------------------------------------------------------------
    def fit_relations(
        self,
        texts: Sequence[str],
        pairs: np.ndarray,
        kinds: np.ndarray,
        relations: Sequence[str],
        groups: Sequence[str],
    ) -> RelationModel:
        """``texts``: the public posts; ``pairs``: their :func:`pair_features`; ``kinds``:
        the Department posts' kind probabilities; ``groups``: the scenario of each."""
        y = np.array([RELATIONS.index(r) for r in relations])
        stance = np.zeros((len(y), len(RELATIONS)))
        g = np.asarray(groups)
        for train, test in GroupKFold(min(self.folds, len(set(groups)))).split(pairs, y, g):
            view, model = self._fit_stance([texts[i] for i in train], y[train])
            stance[test] = _full(
                model.predict_proba(view.transform([texts[i] for i in test])),
                model.classes_,
                len(RELATIONS),
            )
        self.stance_view_, self.stance_model_ = self._fit_stance(list(texts), y)
        x = self._pair_x(pairs, stance, kinds)
        self.pair_scale_ = StandardScaler().fit(x)
        self.pair_model_ = _classifier(self.C, self.random_state, balanced=True).fit(
            self.pair_scale_.transform(x), y
        )
        return self

    def _fit_stance(
        self, texts: Sequence[str], y: np.ndarray
    ) -> tuple[TextView, LogisticRegression]:
        # Character 3–4-grams alone: as good out of fold on the training scenarios as words
        # and 2–5-grams (macro-F1 0.819 against 0.813), and a third of the time to read.
        view = TextView(words=False, chars=(3, 4)).fit(texts)
        model = _classifier(self.stance_C, self.random_state, balanced=True)
        return view, model.fit(view.transform(texts), y)

    @staticmethod
    def _pair_x(pairs: np.ndarray, stance: np.ndarray, kinds: np.ndarray) -> np.ndarray:
        """:data:`PAIR_FEATURES`: the pair's own, the kinds, the kinds crossed with the
        parts, the stance, the stance crossed with the kinds."""
        n = len(pairs)
        crossed = (kinds[:, :, None] * pairs[:, None, _CROSSED_INDEX]).reshape(n, -1)
        stance_crossed = (stance[:, :, None] * kinds[:, None, :]).reshape(n, -1)
        return np.hstack([pairs, kinds, crossed, stance, stance_crossed])

    def stance_probabilities(self, texts: Sequence[str]) -> np.ndarray:
        found = self.stance_model_.predict_proba(self.stance_view_.transform(texts))
        return _full(found, self.stance_model_.classes_, len(RELATIONS))

    def relation_probabilities(
        self, pairs: np.ndarray, stance: np.ndarray, kinds: np.ndarray
    ) -> np.ndarray:
        """One row of :data:`RELATIONS` probabilities per pair."""
        x = self.pair_scale_.transform(self._pair_x(pairs, stance, kinds))
        return _full(self.pair_model_.predict_proba(x), self.pair_model_.classes_, len(RELATIONS))


def _full(found: np.ndarray, classes: np.ndarray, width: int) -> np.ndarray:
    full = np.zeros((found.shape[0], width))
    full[:, classes] = found
    return full


def relation_version(
    scenarios: ScenarioSet, gazetteer: Gazetteer, extra: KindSet | None = None
) -> str:
    """The version a model trained on ``scenarios`` (and ``extra`` Department posts) with
    ``gazetteer`` carries: other data or another gazetteer makes another model."""
    digest = hashlib.sha256(scenarios.sha256.encode())
    digest.update((extra.sha256 if extra else "").encode())
    digest.update(repr(sorted(gazetteer.names.items())).encode())
    digest.update(repr(sorted(gazetteer.cues.items())).encode())
    return f"{RELATION_VERSION}-{digest.hexdigest()[:10]}"


def train_relation_model(
    scenarios: ScenarioSet,
    gazetteer: Gazetteer,
    *,
    extra: KindSet | None = None,
    model: RelationModel | None = None,
) -> RelationModel:
    """Fit the step on a scenario set's Department posts and labelled pairs (and on
    ``extra`` Department posts, for the kinds alone).

    The pairs are read with the Department posts' kinds as the model will see them on a
    new evening: out-of-fold, from a kind model that did not see that scenario.
    """
    model = model or RelationModel()
    extra = extra or KindSet((), (), "")
    with threadpool_limits(limits=1, user_api="blas"):
        read: dict[str, Claim] = {}

        def claim(text: str) -> Claim:
            if text not in read:
                read[text] = read_claim(text, gazetteer)
            return read[text]

        officials = list(scenarios.officials)
        texts = [o.text for o in officials]
        cues = np.array([_kind_cues(o.text, claim(o.text)) for o in officials])
        labels = [o.kind for o in officials]
        more = list(extra.texts)
        more_cues = np.array([_kind_cues(t, claim(t)) for t in more]).reshape(len(more), -1)
        groups = np.array([o.scenario for o in officials])
        kinds = np.zeros((len(officials), len(KINDS)))
        for train, test in GroupKFold(model.folds).split(cues, labels, groups):
            fold = RelationModel(kind_C=model.kind_C, random_state=model.random_state)
            fold.fit_kinds(
                [texts[i] for i in train] + more,
                np.vstack([cues[train], more_cues]),
                [labels[i] for i in train] + list(extra.kinds),
            )
            kinds[test] = fold.kind_probabilities([texts[i] for i in test], cues[test])
        model.fit_kinds(texts + more, np.vstack([cues, more_cues]), labels + list(extra.kinds))
        department = {
            o.id: DepartmentPost.read(o.id, o.text, o.created_at, claim(o.text), row)
            for o, row in zip(officials, kinds, strict=True)
        }
        pairs = scenarios.pairs()
        x = np.array(
            [
                pair_features(
                    claim(p.text),
                    tokens_of(p.text),
                    department[o.id],
                    (p.created_at - o.created_at).total_seconds() / 60,
                )
                for p, o in pairs
            ]
        )
        model.fit_relations(
            [p.text for p, _ in pairs],
            x,
            np.array([department[o.id].kinds for _, o in pairs]),
            [p.relation for p, _ in pairs],
            [p.scenario for p, _ in pairs],
        )
        model.version = relation_version(scenarios, gazetteer, extra)
    return model


# --- reading posts and pairs -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Relation:
    """How one post relates to the Department post it answers."""

    name: str
    official: DepartmentPost | None = None
    #: Probability of each of :data:`RELATIONS` (empty when there is no Department post).
    probabilities: tuple[float, ...] = ()
    #: What differs, in words ("says the suspect is at large; the Department said …").
    difference: str | None = None

    @property
    def against(self) -> bool:
        return self.name in AGAINST

    def probability(self, name: str) -> float:
        return self.probabilities[RELATIONS.index(name)] if self.probabilities else 0.0


NO_RELATION = Relation("none")


#: Later Department posts that can answer an earlier post: a denial or an all-clear
#: contradicts a rumour told before it, an investigation or a confirmed incident makes an
#: earlier first-hand report pending or consistent. (An arrest or a lifted order says
#: nothing against what was true before it.)
ANSWERS_EARLIER = frozenset({"denial", "all_clear", "investigating", "incident_confirmed"})


@dataclass
class DepartmentContext:
    """The Department's recent posts, read once, and how each public post relates to them.

    A post answers the latest Department post published within ``window`` before it about
    the same place — or else the same harm, or else the same topic. With nothing about it
    before, it is answered by the first later post about the same place, harm or topic
    that can answer an earlier one (:data:`ANSWERS_EARLIER`: a denial, an investigation).
    A post that shares none of these with any Department post relates to none. (Pairing
    such posts with the latest Department post of all as well changed nothing out of fold
    on the training data — average precision 0.964 either way — and cost a third more.)
    """

    model: RelationModel
    gazetteer: Gazetteer
    window: timedelta
    posts: list[DepartmentPost] = field(default_factory=list)
    zone: tzinfo | None = None
    _claims: dict[str, Claim] = field(default_factory=dict)
    _index: dict[str, list[DepartmentPost]] | None = None

    def claim(self, text: str) -> Claim:
        found = self._claims.get(text)
        if found is None:
            found = self._claims[text] = read_claim(text, self.gazetteer)
        return found

    def add_all(
        self,
        posts: Sequence[tuple[str, str, datetime | None]],
        known: dict[tuple[str, str, datetime | None], DepartmentPost] | None = None,
    ) -> None:
        """``(id, text, created_at)`` of Department posts: read, and their kinds found
        (``known``: posts read before, by the same key, taken as they are and given the
        new ones)."""
        known = {} if known is None else known
        fresh = [post for post in dict.fromkeys(posts) if post not in known]
        if fresh:
            claims = [self.claim(text) for _, text, _ in fresh]
            texts = [text for _, text, _ in fresh]
            cues = np.array([_kind_cues(t, c) for t, c in zip(texts, claims, strict=True)])
            kinds = self.model.kind_probabilities(texts, cues)
            for key, claim, row in zip(fresh, claims, kinds, strict=True):
                known[key] = DepartmentPost.read(*key, claim, row)
        self.posts += [known[post] for post in posts]
        self._index = None

    # -- which Department posts a post answers ---------------------------------------------
    def _indexed(self) -> dict[str, list[DepartmentPost]]:
        """Timed posts in time order: all (key ""), and per place, harm and topic; posts
        without a time (or a zone) under the same keys prefixed "untimed"."""
        if self._index is None:
            index: dict[str, list[DepartmentPost]] = {"": []}
            for post in sorted(
                (p for p in self.posts if p.moment is not None), key=lambda p: p.moment or 0
            ):
                index[""].append(post)
                for key in _keys(post.claim):
                    index.setdefault(key, []).append(post)
            for post in self.posts:
                if post.moment is None:
                    for key in _keys(post.claim):
                        index.setdefault("untimed " + key, []).append(post)
            self._index = index
        return self._index

    def candidates(self, claim: Claim, moment: int | None) -> list[DepartmentPost]:
        """The Department posts this post may answer, most likely first. A Department post
        without a time is always within the window (as a post without a time sees every
        Department post)."""
        if not self.posts:
            return []
        index = self._indexed()
        keys = _keys(claim)
        if moment is None:  # no time: the latest about the same place, harm or topic
            return next(([index[k][-1]] for k in keys if index.get(k)), []) or self._untimed(keys)
        window = self.window // _MICROSECOND
        for key in keys:
            if (specific := _latest_before(index.get(key), moment, window)) is not None:
                return [specific]
        for key in keys:  # nothing about it before: a later post may answer it
            if (later := self._answer_after(index.get(key), moment, window)) is not None:
                return [later]
        return self._untimed(keys)

    def _untimed(self, keys: list[str]) -> list[DepartmentPost]:
        index = self._indexed()
        return next(([index["untimed " + k][-1]] for k in keys if index.get("untimed " + k)), [])

    @staticmethod
    def _answer_after(
        members: list[DepartmentPost] | None, moment: int, window: int
    ) -> DepartmentPost | None:
        """The first post after ``moment`` (within ``window``) that can answer it."""
        if not members:
            return None
        for later in members[bisect.bisect_right(members, moment, key=_moment) :]:
            if _moment(later) - moment > window:
                return None
            if later.kind in ANSWERS_EARLIER:
                return later
        return None

    def relate(
        self, claims: Sequence[Claim], texts: Sequence[str], moments: Sequence[int | None]
    ) -> list[Relation]:
        """How each post relates to the Department post it answers (``NO_RELATION`` when
        it answers none)."""
        owners: list[int] = []
        officials: list[DepartmentPost] = []
        for index, (claim, moment) in enumerate(zip(claims, moments, strict=True)):
            if not _comparable(claim):
                continue  # chatter: nothing a Department post could agree or disagree with
            for official in self.candidates(claim, moment):
                owners.append(index)
                officials.append(official)
        return self._relate(claims, texts, moments, owners, officials)

    def relate_with(
        self,
        claims: Sequence[Claim],
        texts: Sequence[str],
        moments: Sequence[int | None],
        officials: Sequence[DepartmentPost],
    ) -> list[Relation]:
        """The relation of each post to the one Department post given beside it."""
        return self._relate(claims, texts, moments, list(range(len(claims))), list(officials))

    def _relate(
        self,
        claims: Sequence[Claim],
        texts: Sequence[str],
        moments: Sequence[int | None],
        owners: list[int],
        officials: list[DepartmentPost],
    ) -> list[Relation]:
        relations = [NO_RELATION] * len(claims)
        if not owners:
            return relations
        sides: dict[int, _PostSide] = {}
        rows = []
        for owner, official in zip(owners, officials, strict=True):
            side = sides.get(owner)
            if side is None:
                side = sides[owner] = _PostSide.of(claims[owner], tokens_of(texts[owner]))
            moment = moments[owner]
            gap = (
                (moment - official.moment) / 60e6
                if moment is not None and official.moment is not None
                else 0.0
            )
            rows.append(_pair_row(side, official, gap))
        asked = {owner: at for at, owner in enumerate(sides)}
        stance = self.model.stance_probabilities([texts[i] for i in asked])
        kinds = {id(o): o.kinds for o in officials}
        found = self.model.relation_probabilities(
            np.array(rows),
            stance[[asked[i] for i in owners]],
            np.array([kinds[id(o)] for o in officials]),
        )
        best: dict[int, tuple[float, int]] = {}
        related = (1.0 - found[:, RELATIONS.index("unrelated")]).tolist()
        for row, owner in enumerate(owners):
            if owner not in best or related[row] > best[owner][0]:
                best[owner] = (related[row], row)
        chosen = [row for _, row in best.values()]
        # The most probable relation each Department post's kind allows, for all at once.
        allowed = np.array([_ALLOWED_MASK[officials[row].kind] for row in chosen])
        likeliest = np.where(allowed, found[chosen], -1.0).argmax(axis=1).tolist()
        rows = found[chosen].tolist()
        for owner, row, probabilities, first in zip(best, chosen, rows, likeliest, strict=True):
            claim, official = claims[owner], officials[row]
            name = choose(probabilities, claim, official, RELATIONS[first])
            if name == "unrelated" != RELATIONS[first]:
                probabilities = _set_apart(probabilities)
            relations[owner] = Relation(
                name, official, tuple(probabilities), difference(name, claim, official, self.zone)
            )
        return relations


_APART = tuple(RELATIONS.index(r) for r in (*AGAINST, "pending"))


def _set_apart(probabilities: list[float]) -> list[float]:
    """Probabilities for a post :func:`choose` set apart from the Department post (another
    place's story): what the model gave going against it or waiting on it is unrelated,
    so the score does not count what the rule ruled out."""
    moved = list(probabilities)
    unrelated = RELATIONS.index("unrelated")
    for index in _APART:
        moved[unrelated] += moved[index]
        moved[index] = 0.0
    return moved


def _comparable(claim: Claim) -> bool:
    """Does the post say anything a Department post could bear on: a harm (claimed or
    denied), a place of the city, a topic, a count, a suspect, an order, or a voice that
    passes on, denies, asks, hears or announces?"""
    voice = claim.voice
    return bool(
        claim.harm.kind
        or set(claim.where.places) - {"Santa Clara"}
        or claim.topics
        or claim.count
        or claim.at_large
        or claim.in_custody
        or claim.wrong_person
        or claim.order
        or claim.lifted
        or claim.wide
        or claim.debunk
        or claim.cover_up
        or voice.relay
        or voice.denial
        or voice.question
        or voice.hearsay
        or voice.official_notice
    )


def _keys(claim: Claim) -> list[str]:
    """What a post can share with a Department post: its places, then its harm, then its
    topics (most telling first)."""
    keys = [f"place:{p}" for p in claim.where.places if p != "Santa Clara"]
    if claim.harm.kind:
        keys.append(f"harm:{claim.harm.kind}")
    keys += [f"topic:{t}" for t in sorted(claim.topics)]
    return keys


def _moment(post: DepartmentPost) -> int:
    return post.moment or 0


def _latest_before(
    members: list[DepartmentPost] | None, moment: int, window: int
) -> DepartmentPost | None:
    """The latest of ``members`` (in time order) at or before ``moment``, within
    ``window`` microseconds of it."""
    if not members:
        return None
    at = bisect.bisect_right(members, moment, key=_moment) - 1
    if at >= 0 and moment - _moment(members[at]) <= window:
        return members[at]
    return None


#: Which relations a kind of Department post allows: "pending" only beside an
#: investigation, and beside an investigation only pending, distorts or unrelated (it
#: confirms nothing to agree with and denies nothing to contradict or debunk).
ALLOWED: dict[str, frozenset[str]] = {
    kind: frozenset(RELATIONS) - {"pending"} for kind in KINDS if kind != "investigating"
} | {"investigating": frozenset({"pending", "distorts", "unrelated"})}


_ALLOWED_MASK = {kind: [r in allowed for r in RELATIONS] for kind, allowed in ALLOWED.items()}


def choose(
    probabilities: Sequence[float],
    claim: Claim,
    official: DepartmentPost,
    likeliest: str | None = None,
) -> str:
    """The most probable relation the Department post's kind allows, with the one rule no
    model may overrule: beside a post saying the Department is investigating, a first-hand
    report or a question about the same incident that goes no further (no count, no
    suspect at large, no order, no wider place, no cover-up, no hearsay, no "official"
    notice) is pending: never evidence of falsehood. (``likeliest``: the most probable
    allowed relation, when already found.)"""
    name = likeliest or max(
        ALLOWED[official.kind], key=lambda r: (probabilities[RELATIONS.index(r)], r)
    )
    places = frozenset(claim.where.places) - _CITY
    elsewhere = claim.where.level == "elsewhere" or (
        bool(places) and bool(official.places) and not places & official.places
    )
    if elsewhere and (name in AGAINST or name == "pending"):
        # Another place's story can neither go against the Department's post nor wait on
        # its investigation (it may still pass it on, or set a confusion straight).
        return "unrelated"
    if official.kind != "investigating" or name not in AGAINST:
        return name
    embellished = (
        claim.count >= 2
        or claim.at_large
        or claim.wrong_person
        or claim.order
        or claim.wide
        or claim.cover_up
        or claim.voice.official_notice
        or claim.voice.hearsay
    )
    within = claim.firsthand or claim.voice.question
    return "pending" if within and not embellished else name


# --- the difference, in words -----------------------------------------------------------


def difference(
    name: str, claim: Claim, official: DepartmentPost, zone: tzinfo | None = None
) -> str | None:
    """What the post says against what the Department said, for the reason."""
    if name not in AGAINST and name not in ("pending", "debunks"):
        return None
    theirs = official.claim
    at = _clock(official.created_at, zone)
    kind = official.kind
    if name == "pending":
        return f"the Department said it is investigating{at}; nothing confirmed or denied yet"
    if name == "debunks":
        return None
    if (claim.at_large or claim.wrong_person) and (theirs.in_custody or kind == "arrest"):
        what = "the wrong person was arrested" if claim.wrong_person else "the suspect is at large"
        return f'says {what}; the Department said "{official.quote}"{at}'
    if claim.harm.claims_harm and kind in ("denial", "all_clear"):
        return f'claims {claim.harm.label}; the Department said "{official.quote}"{at}'
    if (claim.still or claim.order) and kind in ("order_lifted", "all_clear"):
        return f'says the order still stands; the Department lifted it{at} ("{official.quote}")'
    if claim.count >= 2 and claim.count > max(theirs.count, 1):
        said = claim.said("count") or f"{claim.count}"
        return f'says "{said}"; the Department said "{official.quote}"{at}'
    if claim.wide and (claim.order or claim.harm.claims_harm):
        said = claim.said("wide")
        return f'widens it ("{said}"); the Department spoke of {_where(official)}{at}'
    if claim.order and kind != "order":
        said = claim.said("order") or "an order"
        return f'claims an order ("{said}") the Department did not give: "{official.quote}"{at}'
    if claim.harm.claims_harm and kind == "order_lifted":
        return f'claims {claim.harm.label}; the Department said "{official.quote}"{at}'
    if claim.cover_up:
        return f'says the Department is hiding the truth; it said "{official.quote}"{at}'
    if claim.harm.claims_harm and claim.harm.weight > theirs.harm.weight:
        return f'claims {claim.harm.label}; the Department said only "{official.quote}"{at}'
    return f'goes beyond what the Department said: "{official.quote}"{at}'


def _where(official: DepartmentPost) -> str:
    places = sorted(official.places)
    return ", ".join(places) if places else "one place"


def _clock(moment: datetime | None, zone: tzinfo | None) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(zone) if zone is not None else moment
    return f" at {local:%H:%M}"


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _micros(moment: datetime | None) -> int | None:
    if moment is None or moment.utcoffset() is None:
        return None
    return (moment - _EPOCH) // _MICROSECOND
