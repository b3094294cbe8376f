"""The TF-IDF baseline scores through its word-by-word n-gram reader exactly as its
scikit-learn pipeline does (the reader is only a faster way to the same matrix)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rumordesk.classify.baseline import WordNgramCache
from tests.helpers.classify import VALIDATION, text_model

ODD_TEXTS = [
    "",
    "   ",
    "a",
    "ab",
    "Ab  CD\u00a0ef\tgh\nij",
    "İstanbul ǅ straße ﬁre",
    "x" * 80,
    "SHOTS FIRED at Levi's!!! 🔫🔫 #sc1",
    "圣克拉拉 有枪声 吗?",
]


def test_scores_are_the_pipelines_to_the_last_bit() -> None:
    model = text_model()
    texts = pd.read_csv(VALIDATION / "posts.csv", keep_default_na=False)["text"].tolist()
    texts += ODD_TEXTS
    expected = model.pipeline.predict_proba(texts)[:, 1]
    assert np.array_equal(model.predict_proba(texts), expected)
    # a second read comes from the words already seen, and is still the same
    assert np.array_equal(model.predict_proba(list(reversed(texts))), expected[::-1])


def test_character_matrix_is_the_vectorizers() -> None:
    model = text_model()
    vectorizer = model.pipeline.steps[0][1].transformer_list[1][1]
    fresh = WordNgramCache(vectorizer)
    found, expected = fresh.transform(ODD_TEXTS), vectorizer.transform(ODD_TEXTS)
    assert found.shape == expected.shape
    assert (found != expected).nnz == 0


def test_cache_is_emptied_when_full(monkeypatch: pytest.MonkeyPatch) -> None:
    vectorizer = text_model().pipeline.steps[0][1].transformer_list[1][1]
    reader = WordNgramCache(vectorizer)
    monkeypatch.setattr(WordNgramCache, "MOST_WORDS", 3)
    reader.transform(["one two three four five"])
    assert len(reader._words) == 5
    again = reader.transform(["six"])
    assert len(reader._words) == 1
    assert (again != vectorizer.transform(["six"])).nnz == 0


def test_other_analyzers_are_refused() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = ["a shooting at the mall", "no shooting"]
    with pytest.raises(ValueError, match="char_wb"):
        WordNgramCache(TfidfVectorizer().fit(texts))
    with pytest.raises(ValueError, match="binary"):
        WordNgramCache(TfidfVectorizer(analyzer="char_wb", binary=True).fit(texts))
