"""Leave-one-group-out evaluation: no group is ever in its own training fold."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rumordesk.classify.datasets import read_labelled_csv
from rumordesk.classify.evaluate import leave_one_group_out
from rumordesk.classify.model import MisinfoModel


class Memoriser:
    """Answers the training label for any text it was trained on, 0.5 otherwise: a group
    leaking into its own training fold would show as perfect predictions."""

    threshold_ = 0.5
    fits: list[tuple[set[str], set[str]]] = []

    def fit(self, texts, labels, groups=None):  # type: ignore[no-untyped-def]
        self.seen = dict(zip(texts, labels, strict=True))
        Memoriser.fits.append((set(texts), set(groups)))
        return self

    def predict_proba(self, texts):  # type: ignore[no-untyped-def]
        return np.array([float(self.seen.get(t, 0.5)) for t in texts])


def test_no_group_is_in_its_own_training_fold():
    Memoriser.fits = []
    texts = [f"post {i} from {g}" for g in "abc" for i in range(6)]
    labels = [i % 2 for _ in "abc" for i in range(6)]
    groups = [g for g in "abc" for _ in range(6)]
    evaluation = leave_one_group_out(texts, labels, groups, make_model=Memoriser)
    assert np.all(evaluation.probabilities == 0.5)  # every prediction from an unseen group
    assert [r.group for r in evaluation.groups] == ["a", "b", "c"]
    for (trained_on, training_groups), held_out in zip(Memoriser.fits, "abc", strict=True):
        assert held_out not in training_groups
        assert not any(t.endswith(f"from {held_out}") for t in trained_on)
        assert len(trained_on) == 12  # every other group, whole
    assert evaluation.pooled.n == 18 and sum(r.scores.n for r in evaluation.groups) == 18


def test_needs_two_groups():
    with pytest.raises(ValueError, match="at least two groups"):
        leave_one_group_out(["a", "b"], [0, 1], ["x", "x"], make_model=Memoriser)


@pytest.fixture(scope="module")
def pheme_sample(shared_dir):
    """Three PHEME events, 150 source tweets each (the full run is bench/pheme_eval.py)."""
    data = read_labelled_csv(
        shared_dir / "data" / "pheme.csv", group_by="event", where={"in_pheme5": "1"}
    )
    groups = np.array(data.groups)
    rng = np.random.default_rng(3)
    keep = np.concatenate(
        [
            rng.choice(np.flatnonzero(groups == event), 150, replace=False)
            for event in ("charliehebdo", "sydneysiege", "ottawashooting")
        ]
    )
    return [data.texts[i] for i in keep], [data.labels[i] for i in keep], list(groups[keep])


@pytest.mark.slow
def test_real_events_pooled_and_per_group(pheme_sample):
    texts, labels, groups = pheme_sample
    evaluation = leave_one_group_out(
        texts, labels, groups, make_model=lambda: MisinfoModel(C=(0.3,), min_df=2)
    )
    pooled = evaluation.pooled
    assert pooled.n == 450 and pooled.positives == sum(labels)
    assert pooled.macro_f1 > 0.55 and pooled.average_precision > sum(labels) / 450 + 0.1
    assert 0 < pooled.brier < 0.25
    assert {r.group for r in evaluation.groups} == set(groups)
    assert all(0 < r.threshold < 1 for r in evaluation.groups)
    as_json = json.loads(evaluation.to_json())
    assert as_json["pooled"]["macro_f1"] == pooled.macro_f1
    assert [g["group"] for g in as_json["groups"]] == [r.group for r in evaluation.groups]
    text = evaluation.to_text()
    assert f"macro-F1           {pooled.macro_f1:.3f}" in text
    assert f"Brier score        {pooled.brier:.4f}" in text
