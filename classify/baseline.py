"""Two yardsticks for the ranking: keyword matching, and a plain TF-IDF text model.

* :class:`KeywordBaseline` is what a search alert does — flag any post with a violent
  word in it, the most violent first. The ranker must beat it by a wide margin, and the
  benchmark reports its throughput beside the ranker's.
* :func:`fit_text_baseline` fits a small TF-IDF + logistic regression on labelled
  posts: the benchmark and the tests use it so that the ranking's behaviour can be
  checked without depending on the exact numbers of the trained model
  (``classify.training``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rumordesk.classify.words.harms import HARMS


@dataclass(frozen=True)
class KeywordBaseline:
    """Severity of the first violent keyword found, 0 when there is none."""

    def score(self, text: str) -> float:
        text = text.lower()
        best = 0.0
        for harm in HARMS:
            if harm.weight > best and harm.pattern.search(text):
                best = harm.weight
        return best

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return np.fromiter((self.score(t) for t in texts), dtype=float, count=len(texts))


class TextBaseline:
    """A fitted TF-IDF (words 1–2, characters 2–5) + logistic regression; ``predict_proba``
    returns p(misinformation) as a 1-D array, like the trained model."""

    def __init__(self, pipeline) -> None:  # type: ignore[no-untyped-def]
        self.pipeline = pipeline

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.pipeline.predict_proba(list(texts))[:, 1]


def fit_text_baseline(texts: Sequence[str], labels: Sequence[int]) -> TextBaseline:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    features = make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
    )
    pipeline = make_pipeline(
        features, LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
    )
    pipeline.fit(list(texts), list(labels))
    return TextBaseline(pipeline)
