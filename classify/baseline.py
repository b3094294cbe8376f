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
import scipy.sparse as sp

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
    returns p(misinformation) as a 1-D array, like the trained model.

    Scoring reads the character n-grams through :class:`WordNgramCache` (the same matrix
    as the fitted vectorizer's, built from each word's n-grams read once): scikit-learn's
    own loop over every n-gram of every post was half of the ranking benchmark's time.
    """

    def __init__(self, pipeline) -> None:  # type: ignore[no-untyped-def]
        self.pipeline = pipeline
        features, self.classifier = pipeline.steps[0][1], pipeline.steps[-1][1]
        (_, self.words), (_, chars) = features.transformer_list
        self.chars = WordNgramCache(chars)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        x = sp.hstack([self.words.transform(texts), self.chars.transform(texts)], format="csr")
        return self.classifier.predict_proba(x)[:, 1]


class WordNgramCache:
    """A fitted ``TfidfVectorizer(analyzer="char_wb", lowercase=True)``'s ``transform``,
    with each word's n-grams looked up in the vocabulary once: ``char_wb`` n-grams never
    cross a word, so a post's counts are the sum of its words' (words repeat from post to
    post). Gives exactly the vectorizer's matrix (a test holds it to that)."""

    #: Words kept (the cache is emptied when it grows past this).
    MOST_WORDS = 200_000

    def __init__(self, vectorizer) -> None:  # type: ignore[no-untyped-def]
        if vectorizer.analyzer != "char_wb" or not vectorizer.lowercase:
            raise ValueError("only a lowercasing char_wb vectorizer can be read word by word")
        if vectorizer.strip_accents is not None or vectorizer.preprocessor is not None:
            raise ValueError("accent stripping and preprocessors are not supported")
        if vectorizer.input != "content" or vectorizer.binary or vectorizer.dtype != np.float64:
            raise ValueError("only text input, counted (not binary), in float64 is supported")
        self.vectorizer = vectorizer
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.low, self.high = vectorizer.ngram_range
        self._words: dict[str, tuple[int, ...]] = {}

    def _indices(self, word: str) -> tuple[int, ...]:
        """The vocabulary indices of one word's n-grams, as scikit-learn's ``char_wb``
        makes them (the word padded with a space each side; a short word counted once)."""
        padded = f" {word} "
        size = len(padded)
        vocabulary = self.vocabulary
        found = []
        for n in range(self.low, self.high + 1):
            for start in range(max(size - n, 0) + 1):
                index = vocabulary.get(padded[start : start + n])
                if index is not None:
                    found.append(index)
            if size <= n:
                break
        return tuple(found)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        words = self._words
        if len(words) > self.MOST_WORDS:
            words.clear()
        columns: list[int] = []
        indptr = [0]
        for text in texts:
            for word in text.lower().split():
                found = words.get(word)
                if found is None:
                    found = words[word] = self._indices(word)
                columns.extend(found)
            indptr.append(len(columns))
        counts = sp.csr_matrix(
            (
                np.ones(len(columns)),
                np.asarray(columns, dtype=np.intp),
                np.asarray(indptr, dtype=np.intp),
            ),
            shape=(len(texts), len(self.vocabulary)),
        )
        counts.sum_duplicates()
        # the vectorizer's own fitted TF-IDF step (what its ``transform`` applies to counts)
        return self.vectorizer._tfidf.transform(counts, copy=False)


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
