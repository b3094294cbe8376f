"""The project's labelled set (data/training) keeps the properties its README promises."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from tests.helpers.classify import TRAINING

CATEGORIES = {
    "false_threat": 1,
    "distortion": 1,
    "fake_official": 1,
    "hearsay": 1,
    "official_relay": 0,
    "firsthand_benign": 0,
    "question": 0,
    "innocent_threat_words": 0,
    "elsewhere": 0,
    "news": 0,
    "prevention_tips": 0,
    "event_chatter": 0,
}
LANGUAGES = {"en", "es", "vi", "zh", "tl"}


@pytest.fixture(scope="module")
def sets() -> dict[str, pd.DataFrame]:
    return {
        name: pd.read_csv(TRAINING / f"{name}.csv", keep_default_na=False, dtype=str)
        for name in ("posts", "validation")
    }


def test_columns_labels_categories_and_languages(sets):
    for name, frame in sets.items():
        assert list(frame.columns) == ["text", "label", "category", "lang"], name
        assert set(frame["category"]) == set(CATEGORIES), name
        assert (frame["label"].astype(int) == frame["category"].map(CATEGORIES)).all(), name
        assert set(frame["lang"]) == LANGUAGES, name
        assert (frame["text"].str.strip() != "").all() and not frame["text"].str.contains(
            "\n"
        ).any()
        for lang in LANGUAGES:  # every language has both labels
            assert set(frame.loc[frame["lang"] == lang, "label"]) == {"0", "1"}, (name, lang)


def test_sizes_match_the_issue_and_the_readme(sets):
    readme = (TRAINING / "README.md").read_text(encoding="utf-8")
    assert len(sets["posts"]) >= 2000
    assert f"| `posts.csv` | {len(sets['posts']):,} |" in readme
    assert f"| `validation.csv` | {len(sets['validation'])} |" in readme


def _plain(text: str) -> str:
    return " ".join(text.lower().split())


def test_no_duplicates_and_no_validation_text_in_training(sets):
    train = sets["posts"]["text"].map(_plain)
    valid = sets["validation"]["text"].map(_plain)

    assert not train.duplicated().any()
    assert not valid.duplicated().any()
    assert not set(train) & set(valid)


def test_validation_is_not_a_light_edit_of_training(sets):
    """Word-set Jaccard (character bigrams for Chinese) of every validation post against
    every training post stays at or below 0.8, as the README says."""

    def tokens(frame: pd.DataFrame) -> list[str]:
        out = []
        for text, lang in zip(frame["text"], frame["lang"], strict=True):
            text = text.lower()
            words = (
                [text[i : i + 2] for i in range(len(text) - 1)]
                if lang == "zh"
                else re.findall(r"\w+", text)
            )
            out.append(" ".join(w.replace(" ", "_") for w in words))
        return out

    vectorizer = CountVectorizer(binary=True, token_pattern=r"\S+", lowercase=False)
    train = vectorizer.fit_transform(tokens(sets["posts"]))
    valid = vectorizer.transform(tokens(sets["validation"]))
    shared = (valid @ train.T).toarray()
    sizes_v = np.asarray(valid.sum(axis=1))
    sizes_t = np.asarray(train.sum(axis=1)).T
    jaccard = shared / np.maximum(sizes_v + sizes_t - shared, 1)

    assert jaccard.max() <= 0.8


def test_wording_is_not_a_template(sets):
    """No opening of four words starts more than 2% of the training posts."""
    openings = sets["posts"]["text"].map(lambda t: " ".join(t.lower().split()[:4]))

    assert openings.value_counts().iloc[0] <= 0.02 * len(openings)
    assert sets["posts"]["text"].str.len().std() > 20
