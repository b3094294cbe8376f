"""The ranker: signals combined in log-odds, reasons in plain language, real-data sanity."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from rumordesk.classify.rank import OFFICIAL_CEILING, PostInput, Ranker, story_score
from tests.helpers.classify import classify_settings, official, post

RUMOUR = "ACTIVE SHOOTER at Valley Fair, people running"


def constant(p: float) -> Ranker:
    """A ranker whose text model says ``p`` for every post: isolates the signals."""
    return Ranker(
        lambda texts: np.full(len(texts), p), classify_settings(), ZoneInfo("America/Los_Angeles")
    )


def test_scores_come_back_in_input_order_and_rise_with_the_model():
    posts = [post("a", RUMOUR), post("b", "Traffic on Tasman is slow")]

    low, high = constant(0.2).rank(posts, []), constant(0.8).rank(posts, [])

    assert [s.id for s in low] == ["a", "b"]
    assert all(h.score > lo.score for h, lo in zip(high, low, strict=True))
    assert all(0 < s.score < 1 for s in high)


def test_a_model_that_answers_the_wrong_shape_is_an_error():
    broken = Ranker(lambda texts: np.zeros(len(texts) + 1), classify_settings())

    with pytest.raises(ValueError, match="returned"):
        broken.rank([post("a", RUMOUR)], [])


def test_empty_input_ranks_nothing():
    assert constant(0.5).rank([], []) == []


def test_the_department_is_never_a_rumour_by_account_or_by_flag():
    by_flag = PostInput("f", RUMOUR, author="someone", is_official=True)

    scored = constant(0.99).rank([by_flag, post("a", RUMOUR, author="SantaClaraPD")], [])

    assert all(s.score <= OFFICIAL_CEILING and s.department for s in scored)


def test_reasons_read_like_the_pios_summary():
    [top] = constant(0.7).rank(
        [post("a", RUMOUR, when="19:32", shares=5400, likes=100)],
        [official("o1", "There is no shooting at Valley Fair.", "19:52")],
    )

    assert top.reasons[:3] == (
        "claims an active shooter at Westfield Valley Fair",
        "contradicts the Department's post: claims an active shooter; "
        'the Department said "no shooting" at 19:52',
        "5,400 shares in 20 min",
    )
    # Probabilities in words, never a percentage.
    assert top.reasons[-1] == "text model: likely misinformation; in context: very likely"


def test_unknown_engagement_says_nothing_about_spread():
    [quiet] = constant(0.7).rank([post("a", RUMOUR)], [])

    assert quiet.spread == 0
    assert not any("share" in r or "interactions" in r for r in quiet.reasons)


def test_every_signal_is_reported_separately():
    [scored] = constant(0.6).rank(
        [post("a", "OFFICIAL NOTICE: curfew at Levi's tonight, my cousin says", shares=10)], []
    )

    signals = scored.signals()

    assert signals["harm"] == "emergency_order" and signals["severity"] == 0.6
    assert signals["locality"] == "local" and signals["places"] == ["Levi's Stadium"]
    assert signals["official"] == "none"
    assert signals["impersonation"] is True and signals["hearsay"] is True
    assert signals["spread"] > 0 and signals["cluster_size"] == 1
    assert signals["p_misinfo"] == 0.6


def test_story_score_rises_with_spread():
    assert story_score(0.0, 0.0) == pytest.approx(0.5)
    assert story_score(0.0, 1.0) > story_score(0.0, 0.5) > story_score(0.0, 0.0)


def test_growth_is_measured_up_to_the_latest_time_in_the_batch():
    posts = [
        post("a", RUMOUR, when="19:00", shares=600),
        post("b", "Farmers market at Central Park today", when="20:00"),
    ]

    [a, _] = constant(0.6).rank(posts, [])

    assert "600 shares in 60 min" in a.reasons


@pytest.mark.slow
def test_pheme_rumours_still_rank_by_the_text_model(shared_dir: Path):
    """On real tweets from another country the gazetteer finds nothing local, and the
    signals must not wreck the text model's order: leave-one-event-out on PHEME's
    Ottawa shooting, average precision of the rumour class with and without signals."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import average_precision_score
    from sklearn.pipeline import make_pipeline

    data = pd.read_csv(shared_dir / "data" / "pheme.csv", keep_default_na=False)
    data = data[data["in_pheme5"] == 1]
    train, test = data[data["event"] != "ottawashooting"], data[data["event"] == "ottawashooting"]
    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
        LogisticRegression(max_iter=1000, class_weight="balanced"),
    ).fit(train["text"], train["label"])
    ranker = Ranker(lambda texts: model.predict_proba(list(texts))[:, 1], classify_settings())

    scored = ranker.rank([PostInput(str(i), t) for i, t in enumerate(test["text"])], [])

    labels = test["label"].to_numpy()
    p = np.array([s.p_misinfo for s in scored])
    score = np.array([s.score for s in scored])
    assert sum(s.locality.level == "local" for s in scored) == 0
    assert sum(s.severity.kind == "active_shooter" for s in scored) > 100
    assert average_precision_score(labels, score) >= average_precision_score(labels, p) - 0.02
    assert average_precision_score(labels, score) > labels.mean() + 0.2
