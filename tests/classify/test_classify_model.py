"""The text model: normalisation, features, calibration, what it learns from the built-in set."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import brier_score_loss

from rumordesk.classify.datasets import builtin_set, read_labelled_csv
from rumordesk.classify.evaluate import Scores
from rumordesk.classify.model import (
    CharNgrams,
    CueFeatures,
    MisinfoModel,
    mark_negation,
    normalise_text,
    normalise_texts,
)
from tests.helpers.paths import PROJECT_ROOT

VALIDATION = PROJECT_ROOT / "data" / "training" / "validation.csv"


@pytest.fixture(scope="module")
def builtin_model() -> MisinfoModel:
    data = builtin_set()
    return MisinfoModel(C=(1.0,), folds=3).fit(data.texts, data.labels)


def test_raw_posts_and_research_text_normalise_alike():
    raw = 'BREAKING: shots fired at Valley Fair!! https://t.co/AbC123 via @neighbor_jen "stay away"'
    pheme = 'BREAKING : shots fired at Valley Fair ! ! HTTPURL via @USER " stay away "'
    assert normalise_text(raw) == normalise_text(pheme) == pheme
    assert normalise_text("doors at 6.30, 1,000 fans; email me@example.org") == (
        "doors at 6.30 , 1,000 fans ; email me@example . org"
    )


def test_char_ngrams_match_char_wb_ngrams():
    """The hashed n-grams are the n-grams scikit-learn's char_wb analyzer makes."""
    texts = ["shooter inside Valley Fair", "police activity avoid area near Tasman"]
    analyzer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=True)
    analyze = analyzer.build_analyzer()
    hashed = CharNgrams(ngram_range=(2, 5)).fit(texts).transform(texts)
    for row, text in enumerate(texts):
        grams = analyze(text)
        assert hashed[row].sum() == len(grams)
        assert hashed[row].nnz == len(set(grams))  # 2**20 buckets: no collision here
    # an n-gram seen in one text maps to the same column in the other
    shared = CharNgrams(ngram_range=(3, 3)).fit(["xyz abc"]).transform(["abc", "xyz", "qqq"])
    assert shared[0].nnz == 3 and shared[1].nnz == 3 and shared[2].nnz == 0
    assert shared[0].indices.tolist() != shared[1].indices.tolist()


def test_char_ngrams_drop_rare_columns():
    texts = ["alpha", "alpha", "omega"]
    ngrams = CharNgrams(ngram_range=(3, 3), min_df=2).fit(texts)
    assert ngrams.transform(["omega"]).nnz == 0
    assert ngrams.transform(["alpha"]).nnz == 5  # " al", "alp", "lph", "pha", "ha "


def test_cue_features_count_what_they_say():
    cues = CueFeatures().transform(normalise_texts(["Is it true?? Police say https://x.y/z"]))
    row = dict(zip(CueFeatures.names, cues[0], strict=True))
    assert row["links"] == 1 and row["questions"] == 2 and row["authority"] == 1
    assert row["hedges"] == 1  # "say"


@pytest.mark.slow
def test_probabilities_are_one_calibrated_value_per_post(builtin_model):
    texts = ["ACTIVE SHOOTER AT VALLEY FAIR RIGHT NOW GET OUT", "tacos = killer", "", "😀"]
    p = builtin_model.predict_proba(texts)
    assert p.shape == (4,) and np.all((p >= 0) & (p <= 1))
    assert builtin_model.predict_proba([]).shape == (0,)
    assert np.array_equal(builtin_model.predict_misinfo(texts), p)
    assert set(builtin_model.predict(texts)) <= {0, 1}


@pytest.mark.slow
def test_separately_written_validation_slice(builtin_model):
    """Held-out posts written after the training slice: the model must have learned more
    than the training posts' wording."""
    validation = read_labelled_csv(VALIDATION)
    y = np.array(validation.labels)
    p = builtin_model.predict_proba(validation.texts)
    scores = Scores.of(y, p, (p >= builtin_model.threshold_).astype(int))
    assert scores.macro_f1 >= 0.80, scores
    assert scores.average_precision >= 0.85, scores


@pytest.mark.slow
def test_minimum_functionality(builtin_model):
    rumour, relay, innocent = builtin_model.predict_proba(
        [
            "my cousin works at Great America and says a gunman is inside, they are hiding it",
            "Santa Clara PD: there is no active shooter at Great America, the posts are false.",
            "that new ride at Great America is a killer, screamed the whole way down",
        ]
    )
    assert rumour > 0.5 > max(relay, innocent)


def test_negation_is_marked_for_the_word_view():
    assert mark_negation("there is no active shooter at the mall") == (
        "there is no neg_active neg_shooter neg_at the mall"
    )
    assert (
        mark_negation("it isn't a bomb . it was a drill")
        == "it isn't neg_a neg_bomb . it was a drill"
    )
    assert mark_negation("an active shooter") == "an active shooter"


@pytest.mark.slow
def test_calibration_beats_the_raw_blend_and_the_base_rate(shared_dir):
    """Platt scaling on out-of-fold scores: on held-out posts from the same distribution the
    calibrated probabilities have a lower Brier score than the class-balanced raw blend
    (which over-predicts the minority class) and than the base rate."""
    data = read_labelled_csv(shared_dir / "data" / "pheme.csv", where={"in_pheme5": "1"})
    order = np.random.default_rng(7).permutation(len(data))[:1200]
    texts = np.array(data.texts, dtype=object)[order]
    y = np.array(data.labels)[order]
    model = MisinfoModel(C=(0.3,), folds=3).fit(texts[:800], y[:800])
    held_out = list(texts[800:])
    calibrated = model.predict_proba(held_out)
    raw = model._blend(model.views_, normalise_texts(held_out))
    brier = brier_score_loss(y[800:], calibrated)
    assert brier < brier_score_loss(y[800:], raw)
    assert brier < brier_score_loss(y[800:], np.full(400, y[:800].mean()))
    assert abs(calibrated.mean() - y[800:].mean()) < 0.08


def test_groups_make_calibration_folds_leave_groups_out():
    model = MisinfoModel()
    y = np.array([0, 1] * 6)
    groups = np.array(["a"] * 4 + ["b"] * 4 + ["c"] * 4)
    splits = list(model._splits(y, groups))
    assert sorted(str(groups[test][0]) for _, test in splits) == ["a", "b", "c"]
    for train, test in splits:
        assert len(set(groups[test])) == 1
        assert set(groups[test]).isdisjoint(groups[train])


@pytest.mark.slow
def test_c_is_chosen_inside_the_training_data():
    data = builtin_set()
    model = MisinfoModel(C=(0.01, 3.0), folds=3).fit(data.texts[::3], data.labels[::3])
    assert set(model.selection_) == {"0.01", "3.0"}
    best = max((0.01, 3.0), key=lambda c: (model.selection_[str(c)], -c))
    chosen = model.C_
    assert chosen == best
    assert chosen == model.views_.linear.C
    assert 0 < model.threshold_ < 1


def test_training_needs_both_labels():
    with pytest.raises(ValueError, match="both labels"):
        MisinfoModel().fit(["a", "b", "c"], [1, 1, 1])
    with pytest.raises(ValueError, match="3 texts but 2 labels"):
        MisinfoModel().fit(["a", "b", "c"], [1, 0])
