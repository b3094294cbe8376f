"""The text model: p(misinformation) for a post, calibrated, from a few sparse features.

Why this shape: the queue scores thousands of posts a minute on two CPU cores, and the
model must carry from one event to the next (a rumour about Valley Fair looks nothing like
the training rumours about Great America). Strongly regularised linear models on word and
character n-grams generalise across events better than anything that memorises them, and
score 10,000 posts in well under a second.

* Text is normalised first (links → ``HTTPURL``, handles → ``@USER``, punctuation spaced
  out) so raw posts and the normalised research sets (PHEME) look alike.
* Two views are blended: balanced logistic regression on TF-IDF word 1–2 and char_wb 2–5
  n-grams plus a few language-light cue counts (links, question marks, numbers, capitals,
  hedges…), and complement naive Bayes on binary word counts.
* The blend is calibrated with Platt scaling fitted on out-of-fold scores; the folds
  leave whole groups (events) out when groups are known, so the calibration — and the
  decision threshold chosen from the same out-of-fold scores — reflects a new event, not
  the events already seen.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, f1_score
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut, StratifiedKFold
from sklearn.naive_bayes import ComplementNB
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

#: Bumped when the features or the learner change (recorded in the sidecar and scores).
MODEL_VERSION = "misinfo-linear-2"

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@\w{1,30}")
# Sentence punctuation gets spaces around it (as in PHEME's tokenised text); a full stop
# or comma inside a number ("6.30", "1,000") and apostrophes inside words are kept.
_PUNCT = re.compile(r"[.,](?!\d)|(?<!\d)[.,]|[!?:;\"“”‘’()\[\]…–—]")

_NUMBER = re.compile(r"\d+")
#: C0 and C1 control characters, bidi controls and the BOM (tab and newline stay spacing).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

# Words counted by the cues, looked up per token (a set lookup is ~10x faster than an
# IGNORECASE regex): 0 hedges and report markers, 1 first/second person, 2 authorities.
_HEDGE_WORDS = """reportedly report reports reported unconfirmed unverified allegedly alleged
rumor rumors rumour rumours claim claims claimed source sources according say says said confirm
confirms confirmed confirming confirmation breaking developing update updates updated possibly
may might believed apparently heard hearing"""
_PERSONAL_WORDS = "i me my we our you your"
_AUTHORITY_WORDS = "police official officials authorities cop cops sheriff officer officers"
_CUE_WORDS: dict[str, int] = {
    word: kind
    for kind, words in enumerate((_HEDGE_WORDS, _PERSONAL_WORDS, _AUTHORITY_WORDS))
    for word in words.split()
}


def normalise_text(text: str) -> str:
    """One post as the features see it: links and handles replaced, punctuation spaced,
    control characters read as spaces (the character n-grams separate posts with NUL)."""
    if not text.isprintable():
        text = _CONTROL.sub(" ", text)
    if "http" in text or "www." in text or "HTTP" in text or "WWW." in text:
        text = _URL.sub(" HTTPURL ", text)
    if "@" in text:
        text = _HANDLE.sub(" @USER ", text)
    return " ".join(_PUNCT.sub(r" \g<0> ", text).split())


def normalise_texts(texts: Sequence[str]) -> list[str]:
    return [normalise_text(t) for t in texts]


_NEGATED = re.compile(
    r"\b(?:no|not|never|nothing|none|nobody|without|\w+n['’]t|false|fake|hoax|untrue)\b"
    r"((?:\s+[^\s.,!?;:\"“”()]+){1,3})",
    re.IGNORECASE,
)


def mark_negation(text: str) -> str:
    """Prefix the few words after a negation with ``neg_`` (Das & Chen), so that "there is
    no active shooter" does not look like "there is an active shooter" to the word view."""
    return _NEGATED.sub(
        lambda m: m.group(0)[: m.start(1) - m.start(0)] + re.sub(r"(\S+)", r"neg_\1", m.group(1)),
        text,
    )


class CueFeatures(TransformerMixin, BaseEstimator):
    """A dozen counts that mark reports of unfolding events rather than reactions to them.

    They are deliberately coarse and mostly language-neutral (punctuation, digits, links,
    capitals), so they carry to posts written unlike the training set.
    """

    names = (
        "links",
        "handles",
        "questions",
        "exclamations",
        "numbers",
        "capital_words",
        "log_length",
        "hedges",
        "hashtags",
        "personal",
        "quotes",
        "authority",
    )

    def fit(self, texts: Sequence[str], y: object = None) -> CueFeatures:
        return self

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        rows = []
        for text in texts:
            tokens = text.split()
            n = max(len(tokens), 1)
            words = [0, 0, 0]
            capitals = 0
            for token in tokens:
                kind = _CUE_WORDS.get(token.lower())
                if kind is not None:
                    words[kind] += 1
                if len(token) > 1 and token.isupper():
                    capitals += 1
            rows.append(
                (
                    text.count("HTTPURL"),
                    text.count("@USER"),
                    text.count("?"),
                    text.count("!"),
                    len(_NUMBER.findall(text)),
                    capitals / n,
                    n,
                    words[0],
                    text.count("#"),
                    words[1] / n,
                    '"' in text or "“" in text,
                    words[2] > 0,
                )
            )
        matrix = np.array(rows, dtype=float).reshape(len(texts), len(self.names))
        matrix[:, 6] = np.log1p(matrix[:, 6])
        return matrix

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array(self.names, dtype=object)


_MIX1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX2 = np.uint64(0xC4CEB9FE1A85EC53)
_PRIME = np.uint64(1099511628211)


class CharNgrams(TransformerMixin, BaseEstimator):
    """Counts of character n-grams within words (like ``analyzer="char_wb"``), hashed.

    Why not TfidfVectorizer's own char_wb: it builds every n-gram as a Python string, which
    is most of the model's time on 10,000 posts. Here all posts are encoded into one array
    of code points and every n-gram is hashed with numpy at once (3-5x faster); columns seen
    in fewer than ``min_df`` training posts are dropped, so collisions only ever merge rare
    n-grams.
    """

    def __init__(
        self, ngram_range: tuple[int, int] = (2, 5), n_features: int = 2**20, min_df: int = 1
    ) -> None:
        self.ngram_range = ngram_range
        self.n_features = n_features
        self.min_df = min_df

    def _hashed(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(post index, bucket) of every n-gram occurrence."""
        docs = "\x00".join(f" {' '.join(t.lower().split())} " for t in texts) + "\x00"
        codes = np.frombuffer(docs.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        ends = np.concatenate(([0], np.cumsum(codes == 0)))  # separators before position i
        spaces = np.concatenate(([0], np.cumsum(codes == 32)))
        low, high = self.ngram_range
        rows, buckets = [], []
        h = np.zeros(len(codes), dtype=np.uint64)
        with np.errstate(over="ignore"):
            for n in range(1, high + 1):
                m = len(codes) - n + 1
                if m <= 0:
                    break
                h = h[:m] * _PRIME + codes[n - 1 : n - 1 + m]  # rolling: n-gram from (n-1)-gram
                if n < low:
                    continue
                start = np.arange(m)
                # within one post, and no space inside the n-gram (only at its ends)
                ok = ends[start + n] == ends[start]
                if n > 2:
                    ok &= spaces[start + n - 1] == spaces[start + 1]
                mixed = h[ok] ^ (np.uint64(n) * _MIX2)
                mixed ^= mixed >> np.uint64(33)
                mixed *= _MIX1
                mixed ^= mixed >> np.uint64(33)
                rows.append(ends[start[ok]])
                buckets.append((mixed % np.uint64(self.n_features)).astype(np.int64))
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(rows), np.concatenate(buckets)

    def fit(self, texts: Sequence[str], y: object = None) -> CharNgrams:
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts: Sequence[str], y: object = None) -> sp.csr_matrix:
        rows, buckets = self._hashed(texts)
        every = sp.csr_matrix(
            (np.ones(len(rows)), (rows, buckets)), shape=(len(texts), self.n_features)
        )
        every.sum_duplicates()
        df = np.bincount(every.indices, minlength=self.n_features)
        self.buckets_ = np.flatnonzero(df >= self.min_df)
        return self._matrix(len(texts), rows, buckets)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        rows, buckets = self._hashed(texts)
        return self._matrix(len(texts), rows, buckets)

    def _matrix(self, n_docs: int, rows: np.ndarray, buckets: np.ndarray) -> sp.csr_matrix:
        column = np.full(self.n_features, -1, dtype=np.int64)
        column[self.buckets_] = np.arange(len(self.buckets_))
        columns = column[buckets]
        kept = columns >= 0
        matrix = sp.csr_matrix(
            (np.ones(int(kept.sum())), (rows[kept], columns[kept])),
            shape=(n_docs, len(self.buckets_)),
        )
        matrix.sum_duplicates()
        return matrix


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p)).reshape(-1, 1)


def best_macro_f1_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The cut-off on ``p`` that maximises macro-F1 on these (out-of-fold) predictions."""
    candidates = np.unique(np.quantile(p, np.linspace(0.02, 0.98, 97)))
    scores = [f1_score(y, p >= t, average="macro", zero_division=0) for t in candidates]
    return float(candidates[int(np.argmax(scores))])


class TextFeatures(TransformerMixin, BaseEstimator):
    """Both views' inputs from one pass over the text: words are tokenised once.

    ``transform`` gives (TF-IDF words 1-2 + TF-IDF char n-grams + scaled cues, for the
    logistic regression) and (binary word unigrams, for naive Bayes).
    """

    def __init__(
        self, *, min_df: int = 5, char_weight: float = 1.0, cue_weight: float = 0.1
    ) -> None:
        self.min_df = min_df
        self.char_weight = char_weight
        self.cue_weight = cue_weight

    def fit(self, texts: Sequence[str], y: object = None) -> TextFeatures:
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts: Sequence[str], y: object = None) -> tuple:
        self.words_ = CountVectorizer(ngram_range=(1, 2), min_df=min(2, self.min_df))
        counts = self.words_.fit_transform([mark_negation(t) for t in texts])
        names = self.words_.get_feature_names_out()
        df = counts.getnnz(axis=0)
        self.word_columns_ = np.flatnonzero(df >= self.min_df)
        self.unigram_columns_ = np.flatnonzero(np.char.find(names.astype(str), " ") < 0)
        self.word_tfidf_ = TfidfTransformer(sublinear_tf=True).fit(counts[:, self.word_columns_])
        self.chars_ = CharNgrams(ngram_range=(2, 5), min_df=self.min_df)
        if self.char_weight:
            self.char_tfidf_ = TfidfTransformer(sublinear_tf=True).fit(
                self.chars_.fit_transform(texts)
            )
        self.cues_ = CueFeatures()
        self.cue_scale_ = StandardScaler().fit(self.cues_.transform(texts))
        return self.transform(texts)

    def transform(self, texts: Sequence[str]) -> tuple:
        counts = self.words_.transform([mark_negation(t) for t in texts])
        words = self.word_tfidf_.transform(counts[:, self.word_columns_])
        cues = self.cue_weight * self.cue_scale_.transform(self.cues_.transform(texts))
        parts = [words, sp.csr_matrix(cues)]
        if self.char_weight:
            parts.append(
                self.char_weight * self.char_tfidf_.transform(self.chars_.transform(texts))
            )
        linear = sp.hstack(parts, format="csr")
        bayes = (counts[:, self.unigram_columns_] > 0).astype(np.float64)
        return linear, bayes


@dataclass
class Views:
    """The fitted parts of the blend (persisted inside :class:`MisinfoModel`)."""

    features: TextFeatures
    linear: LogisticRegression
    bayes: ComplementNB | None


class MisinfoModel(BaseEstimator):
    """Calibrated p(misinformation) for short public posts.

    ``predict_proba`` returns a 1-D array (what the ranker multiplies with its context
    signals); ``predict`` applies ``threshold_``, the cut-off for a yes/no answer.

    ``threshold="balanced"`` keeps the class-balanced models' own midpoint (raw blend 0.5,
    mapped through the calibration); ``"tuned"`` picks the macro-F1 optimum on the
    out-of-fold scores of the training data (never on data being evaluated).
    """

    def __init__(
        self,
        *,
        C: float | tuple[float, ...] = (0.1, 0.3, 1.0, 3.0),
        min_df: int = 5,
        char_weight: float = 1.0,
        cue_weight: float = 0.1,
        nb_weight: float = 0.3,
        nb_alpha: float = 1.0,
        folds: int = 5,
        threshold: Literal["balanced", "tuned"] = "balanced",
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.min_df = min_df
        self.char_weight = char_weight
        self.cue_weight = cue_weight
        self.nb_weight = nb_weight
        self.nb_alpha = nb_alpha
        self.folds = folds
        self.threshold = threshold
        self.random_state = random_state

    # -- the two views ---------------------------------------------------------------
    def _candidates(self) -> tuple[float, ...]:
        return tuple(self.C) if isinstance(self.C, (tuple, list)) else (float(self.C),)

    def _fit_views(
        self, texts: list[str], y: np.ndarray, candidates: Sequence[float]
    ) -> list[Views]:
        """The blend fitted once per candidate C (features and naive Bayes are shared)."""
        # min_df adapts down for tiny training sets (a PIO's first few decisions).
        min_df = self.min_df if len(texts) >= 50 * self.min_df else 1
        features = TextFeatures(
            min_df=min_df, char_weight=self.char_weight, cue_weight=self.cue_weight
        )
        linear_x, bayes_x = features.fit_transform(texts)
        bayes = ComplementNB(alpha=self.nb_alpha).fit(bayes_x, y) if self.nb_weight else None
        views = []
        for c in candidates:
            linear = LogisticRegression(
                C=c, class_weight="balanced", max_iter=3000, random_state=self.random_state
            ).fit(linear_x, y)
            views.append(Views(features, linear, bayes))
        return views

    def _blend(self, views: Views, texts: list[str], features: tuple | None = None) -> np.ndarray:
        linear_x, bayes_x = features or views.features.transform(texts)
        raw = views.linear.predict_proba(linear_x)[:, 1]
        if views.bayes is not None:
            nb = views.bayes.predict_proba(bayes_x)[:, 1]
            raw = (1 - self.nb_weight) * raw + self.nb_weight * nb
        return raw

    # -- fitting ---------------------------------------------------------------------
    def _splits(self, y: np.ndarray, groups: np.ndarray | None) -> list:
        index = np.zeros(len(y))
        if groups is not None and len(np.unique(groups)) >= 2:
            n_groups = len(np.unique(groups))
            splitter = LeaveOneGroupOut() if n_groups <= 10 else GroupKFold(self.folds)
            return list(splitter.split(index, y, groups))
        folds = min(self.folds, int(np.bincount(y).min()))
        splitter = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        return list(splitter.split(index, y))

    def _out_of_fold(self, x: list[str], y: np.ndarray, g: np.ndarray | None) -> np.ndarray:
        """Blend scores of every training post from a model that did not see it (or its
        group): one column per candidate C."""
        candidates = self._candidates()
        scores = np.zeros((len(y), len(candidates)))
        for train, test in self._splits(y, g):
            if len(np.unique(y[train])) < 2:  # a fold holding one label only
                scores[test] = y[train].mean()
                continue
            views = self._fit_views([x[i] for i in train], y[train], candidates)
            held_out = [x[i] for i in test]
            features = views[0].features.transform(held_out)
            for column, view in enumerate(views):
                scores[test, column] = self._blend(view, held_out, features)
        return scores

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[int],
        groups: Sequence[str] | None = None,
    ) -> MisinfoModel:
        """Fit on labelled posts. With ``groups`` (e.g. events) the choice of C, the
        calibration and the threshold are made on groups left out, as for a new event."""
        # One BLAS thread: lbfgs on small problems is 3x slower with threads fighting
        # over two cores (and the collector and dashboard share them).
        with threadpool_limits(limits=1, user_api="blas"):
            return self._fit(texts, labels, groups)

    def _fit(
        self, texts: Sequence[str], labels: Sequence[int], groups: Sequence[str] | None
    ) -> MisinfoModel:
        x = normalise_texts(list(texts))
        y = np.asarray(labels, dtype=int)
        if len(x) != len(y):
            raise ValueError(f"{len(x)} texts but {len(y)} labels")
        if set(np.unique(y)) != {0, 1}:
            raise ValueError("training needs both labels, 0 and 1")
        if int(np.bincount(y).min()) < 2:
            raise ValueError("training needs at least two posts of each label")
        g = None if groups is None else np.asarray(groups)

        candidates = self._candidates()
        scores = self._out_of_fold(x, y, g)
        # C by out-of-fold macro-F1 at the balanced cut; ties go to the smaller C.
        choice = [
            round(f1_score(y, scores[:, i] >= 0.5, average="macro"), 4)
            for i in range(len(candidates))
        ]
        best = int(np.argmax(choice))
        self.C_ = candidates[best]
        self.selection_ = {str(c): f for c, f in zip(candidates, choice, strict=True)}
        out_of_fold = scores[:, best]

        self.calibrator_ = LogisticRegression(C=1e4).fit(_logit(out_of_fold), y)
        calibrated = self.calibrator_.predict_proba(_logit(out_of_fold))[:, 1]
        if self.threshold == "tuned":
            self.threshold_ = best_macro_f1_threshold(calibrated, y)
        else:
            self.threshold_ = float(self.calibrator_.predict_proba(_logit(np.array([0.5])))[0, 1])
        predicted = calibrated >= self.threshold_
        self.cv_metrics_ = {
            "folds": "leave-group-out" if g is not None else f"stratified {self.folds}-fold",
            "macro_f1": round(float(f1_score(y, predicted, average="macro")), 4),
            "misinfo_f1": round(float(f1_score(y, predicted)), 4),
            "average_precision": round(float(average_precision_score(y, calibrated)), 4),
            "brier": round(float(brier_score_loss(y, calibrated)), 4),
        }
        self.views_ = self._fit_views(x, y, [self.C_])[0]
        self.classes_ = np.array([0, 1])
        self.n_train_ = len(y)
        digest = hashlib.sha256()
        for text, label in zip(x, y, strict=True):
            digest.update(f"{label}\t{text}\n".encode())
        self.version = f"{MODEL_VERSION}-{digest.hexdigest()[:10]}"
        return self

    # -- inference -------------------------------------------------------------------
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated p(misinformation), one value in [0, 1] per text (1-D)."""
        x = normalise_texts(list(texts))
        if not x:
            return np.zeros(0)
        raw = self._blend(self.views_, x)
        return self.calibrator_.predict_proba(_logit(raw))[:, 1]

    def predict_misinfo(self, texts: Sequence[str]) -> np.ndarray:
        return self.predict_proba(texts)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return (self.predict_proba(texts) >= self.threshold_).astype(int)
