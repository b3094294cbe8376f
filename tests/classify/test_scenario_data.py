"""The scenario set (data/training/scenarios) keeps the format and properties its README
promises: Department posts and public posts per invented evening, each public post tied
to the Department post it relates to."""

from __future__ import annotations

import csv
import re
from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import CountVectorizer

from tests.helpers.classify import TRAINING, VALIDATION

SCENARIOS = TRAINING / "scenarios"
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
LANGUAGES = {"en", "es", "vi", "zh-Hans", "zh-Hant", "ko", "tl", "hi", "hi-Latn"}
KINDS = {
    "denial",
    "all_clear",
    "arrest",
    "investigating",
    "order",
    "order_lifted",
    "incident_confirmed",
    "advisory",
}
RELATIONS = {"agrees", "contradicts", "distorts", "debunks", "pending", "unrelated"}
PHENOMENA = {
    "twist_arrest",
    "twist_hoax",
    "twist_count",
    "twist_place",
    "twist_order",
    "debunk",
    "lifted_order_relay",
    "stale_order",
    "investigating_context",
    "real_incident_report",
    "other_santa_clara",
    "chain_forward",
    "hearsay_source",
    "fake_notice",
    "question_form",
    "code_switch",
}
PUBLIC_CHANNELS = {
    "x",
    "facebook",
    "instagram",
    "nextdoor",
    "reddit",
    "bluesky",
    "mastodon",
    "news",
    "staff_report",
    "whatsapp",
    "telegram",
}
OFFICIAL_CHANNELS = {"x", "facebook", "instagram", "nextdoor", "nixle", "website"}


@pytest.fixture(scope="module")
def official() -> pd.DataFrame:
    return pd.read_csv(SCENARIOS / "official.csv", keep_default_na=False, dtype=str)


@pytest.fixture(scope="module")
def posts() -> pd.DataFrame:
    return pd.read_csv(SCENARIOS / "posts.csv", keep_default_na=False, dtype=str)


def test_both_readers_agree_and_columns_are_exact(official, posts):
    for name, frame in (("official.csv", official), ("posts.csv", posts)):
        with open(SCENARIOS / name, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == len(frame), name
    assert list(official.columns) == [
        "official_id",
        "scenario",
        "lang",
        "channel",
        "created_at",
        "kind",
        "text",
    ]
    assert list(posts.columns) == [
        "id",
        "scenario",
        "lang",
        "channel",
        "created_at",
        "text",
        "label",
        "category",
        "phenomenon",
        "official_id",
        "relation",
    ]


def test_vocabularies_and_labels(official, posts):
    assert official["official_id"].is_unique and posts["id"].is_unique
    assert set(official["kind"]) == KINDS
    assert set(official["channel"]) <= OFFICIAL_CHANNELS
    assert set(official["lang"]) <= LANGUAGES
    assert set(posts["lang"]) == LANGUAGES
    assert set(posts["channel"]) <= PUBLIC_CHANNELS
    assert set(posts["category"]) == set(CATEGORIES)
    assert (posts["label"].astype(int) == posts["category"].map(CATEGORIES)).all()
    assert set(posts["relation"]) == RELATIONS | {""}
    tags = {t for cell in posts["phenomenon"] for t in cell.split(";") if t}
    assert tags == PHENOMENA
    for frame in (official, posts):
        assert (frame["text"].str.strip() != "").all()
        assert not frame["text"].str.contains("\n").any()
        for stamp in frame["created_at"]:
            assert datetime.fromisoformat(stamp).utcoffset() is not None, stamp


def test_each_post_points_to_an_earlier_department_post_of_its_scenario(official, posts):
    by_id = official.set_index("official_id")
    for row in posts.itertuples():
        assert (row.official_id == "") == (row.relation == ""), row.id
        if not row.official_id:
            continue
        assert row.official_id in by_id.index, row.id
        source = by_id.loc[row.official_id]
        assert source["scenario"] == row.scenario != "none", row.id
        assert datetime.fromisoformat(source["created_at"]) < datetime.fromisoformat(
            row.created_at
        ), row.id


def test_relations_agree_with_labels_and_tags(official, posts):
    kind = dict(zip(official["official_id"], official["kind"], strict=True))
    for row in posts.itertuples():
        tags = set(row.phenomenon.split(";")) - {""}
        if row.relation in {"contradicts", "distorts"}:
            assert row.label == "1", row.id
        if row.relation in {"agrees", "debunks", "pending"}:
            assert row.label == "0", row.id
        if row.relation == "debunks":
            assert "debunk" in tags, row.id
        if row.relation == "pending":
            assert kind[row.official_id] == "investigating", row.id
        assert ("investigating_context" in tags) == (
            kind.get(row.official_id) == "investigating"
        ), row.id
        if "other_santa_clara" in tags:
            assert row.label == "0" and "california" not in row.text.lower(), row.id


def test_sizes_and_coverage(official, posts):
    scenarios = set(official["scenario"])
    assert 60 <= len(scenarios) <= 80
    assert len(posts) >= 1100
    assert (posts["scenario"] == "none").sum() >= 140
    kinds = official.groupby("scenario")["kind"].agg(set)
    assert sum("investigating" in k for k in kinds) >= 15
    assert sum("arrest" in k for k in kinds) >= 10
    assert sum({"order", "order_lifted"} <= k for k in kinds) >= 10
    assert sum("denial" in k for k in kinds) >= 10
    assert sum("incident_confirmed" in k for k in kinds) >= 8
    for lang in LANGUAGES:
        own = posts.loc[posts["lang"] == lang, "label"]
        assert len(own) >= 40 and set(own) == {"0", "1"}, lang
    assert posts["relation"].value_counts().loc[sorted(RELATIONS)].min() >= 80
    tags = pd.Series([t for cell in posts["phenomenon"] for t in cell.split(";") if t])
    assert tags.value_counts().min() >= 25


def _plain(text: str) -> str:
    return " ".join(text.lower().split())


def test_no_duplicates_or_near_duplicates_with_the_training_posts(posts):
    train = pd.read_csv(TRAINING / "posts.csv", keep_default_na=False, dtype=str)
    texts = list(posts["text"]) + list(train["text"])
    langs = list(posts["lang"]) + list(train["lang"])
    plain = pd.Series(texts).map(_plain)
    assert not plain.duplicated().any()

    def words(text: str, lang: str) -> str:
        text = text.lower()
        if lang in {"zh", "zh-Hans", "zh-Hant", "ko"}:
            found = [text[i : i + 2] for i in range(len(text) - 1)]
        else:
            found = re.findall(r"[\w\u0900-\u097f]+", text)
        return " ".join(w.replace(" ", "_") for w in found)

    vectorizer = CountVectorizer(binary=True, token_pattern=r"\S+", lowercase=False)
    matrix = vectorizer.fit_transform([words(t, g) for t, g in zip(texts, langs, strict=True)])
    scenario_rows = matrix[: len(posts)]
    shared = (scenario_rows @ matrix.T).toarray()
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    jaccard = shared / np.maximum(sizes[: len(posts), None] + sizes[None, :] - shared, 1)
    np.fill_diagonal(jaccard[:, : len(posts)], 0)
    assert jaccard.max() <= 0.8


@pytest.mark.slow
def test_the_department_posts_for_the_kind_model():
    """data/training/department_posts.csv: every kind, known languages, and no text that
    repeats or nearly repeats any other text of the repository, the frozen validation
    slice included."""
    extra = pd.read_csv(TRAINING / "department_posts.csv", keep_default_na=False, dtype=str)
    assert list(extra.columns) == ["text", "kind", "lang"]
    assert set(extra["kind"]) == KINDS
    assert extra["kind"].value_counts().min() >= 7
    assert set(extra["lang"]) <= LANGUAGES
    assert (extra["text"].str.strip() != "").all()

    others = [
        t
        for path in (
            TRAINING / "posts.csv",
            TRAINING / "validation.csv",
            SCENARIOS / "posts.csv",
            SCENARIOS / "official.csv",
            VALIDATION / "posts.csv",
            VALIDATION / "official.csv",
        )
        for t in pd.read_csv(path, keep_default_na=False, dtype=str)["text"]
    ]
    assert not {_plain(t) for t in extra["text"]} & {_plain(t) for t in others}

    def tokens(text: str) -> set[str]:
        text = text.lower()
        if re.search(r"[\u4e00-\u9fff]", text):
            text = re.sub(r"\s+", "", text)
            return {text[i : i + 2] for i in range(len(text) - 1)}
        return set(re.findall(r"\w+", text))

    other_tokens = [tokens(t) for t in others]
    worst = max(
        len(a & b) / len(a | b) for a in map(tokens, extra["text"]) for b in other_tokens if a | b
    )
    assert worst <= 0.8
