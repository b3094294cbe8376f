"""Leave-one-group-out evaluation: how the model does on an event it has never seen.

Random splits put tweets of the same event on both sides and inflate scores by ~0.15
macro-F1; the honest figure trains on every other group, predicts the held-out one, and
pools the held-out predictions. Everything the model chooses (calibration, threshold) is
fitted inside the training groups only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    brier_score_loss,
    f1_score,
    precision_recall_fscore_support,
)

from rumordesk.classify.model import MisinfoModel


@dataclass(frozen=True)
class Scores:
    """Figures for one set of predictions (a held-out group, or all of them pooled)."""

    n: int
    positives: int
    macro_f1: float
    precision: float
    recall: float
    f1: float
    average_precision: float | None
    brier: float

    @classmethod
    def of(cls, y: np.ndarray, p: np.ndarray, predicted: np.ndarray) -> Scores:
        precision, recall, f1, _ = precision_recall_fscore_support(
            y, predicted, average="binary", zero_division=0
        )
        both = len(np.unique(y)) == 2
        return cls(
            n=len(y),
            positives=int(y.sum()),
            macro_f1=round(float(f1_score(y, predicted, average="macro", zero_division=0)), 4),
            precision=round(float(precision), 4),
            recall=round(float(recall), 4),
            f1=round(float(f1), 4),
            average_precision=round(float(average_precision_score(y, p)), 4) if both else None,
            brier=round(float(brier_score_loss(y, p)), 4),
        )


@dataclass(frozen=True)
class GroupResult:
    group: str
    threshold: float
    scores: Scores


@dataclass
class Evaluation:
    pooled: Scores
    groups: list[GroupResult]
    fit_seconds: float
    predict_seconds: float
    #: Pooled held-out probabilities, in input order (not written to JSON).
    probabilities: np.ndarray = field(repr=False)
    predicted: np.ndarray = field(repr=False)

    def as_dict(self) -> dict:
        return {
            "pooled": asdict(self.pooled),
            "groups": [
                {"group": r.group, "threshold": round(r.threshold, 4), **asdict(r.scores)}
                for r in self.groups
            ],
            "fit_seconds": round(self.fit_seconds, 2),
            "predict_seconds": round(self.predict_seconds, 3),
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2)

    def to_text(self) -> str:
        p = self.pooled
        ap = "n/a" if p.average_precision is None else f"{p.average_precision:.3f}"
        lines = [
            f"leave-one-group-out over {len(self.groups)} groups, {p.n} posts "
            f"({p.positives} misinformation), predictions pooled",
            f"  macro-F1           {p.macro_f1:.3f}",
            f"  misinfo precision  {p.precision:.3f}",
            f"  misinfo recall     {p.recall:.3f}",
            f"  misinfo F1         {p.f1:.3f}",
            f"  average precision  {ap}",
            f"  Brier score        {p.brier:.4f}",
            f"  train {self.fit_seconds:.1f} s, predict {self.predict_seconds:.2f} s (all folds)",
            "",
            f"  {'group':<24}{'n':>6}{'pos':>6}{'macroF1':>9}{'F1':>7}{'AP':>7}"
            f"{'Brier':>8}{'thresh':>8}",
        ]
        for r in self.groups:
            s = r.scores
            ap = "  n/a" if s.average_precision is None else f"{s.average_precision:.3f}"
            lines.append(
                f"  {r.group[:23]:<24}{s.n:>6}{s.positives:>6}{s.macro_f1:>9.3f}{s.f1:>7.3f}"
                f"{ap:>7}{s.brier:>8.4f}{r.threshold:>8.3f}"
            )
        return "\n".join(lines)


def leave_one_group_out(
    texts: Sequence[str],
    labels: Sequence[int],
    groups: Sequence[str],
    *,
    make_model: Callable[[], MisinfoModel] = MisinfoModel,
) -> Evaluation:
    """Train on all groups but one, predict that one, for every group; pool the results.

    The model is given the training groups too, so its own calibration and threshold are
    chosen by leaving training groups out (nested), never by looking at the test group.
    """
    x = list(texts)
    y = np.asarray(labels, dtype=int)
    g = np.asarray([str(v) for v in groups])
    names = sorted(set(g))
    if len(names) < 2:
        raise ValueError(f"leave-one-group-out needs at least two groups, found {len(names)}")
    p = np.zeros(len(y))
    predicted = np.zeros(len(y), dtype=int)
    results: list[GroupResult] = []
    fit_seconds = predict_seconds = 0.0
    for name in names:
        test = np.flatnonzero(g == name)
        train = np.flatnonzero(g != name)
        started = time.perf_counter()
        model = make_model().fit([x[i] for i in train], y[train], groups=g[train])
        fit_seconds += time.perf_counter() - started
        started = time.perf_counter()
        p[test] = model.predict_proba([x[i] for i in test])
        predict_seconds += time.perf_counter() - started
        predicted[test] = p[test] >= model.threshold_
        results.append(
            GroupResult(name, model.threshold_, Scores.of(y[test], p[test], predicted[test]))
        )
    return Evaluation(
        pooled=Scores.of(y, p, predicted),
        groups=results,
        fit_seconds=fit_seconds,
        predict_seconds=predict_seconds,
        probabilities=p,
        predicted=predicted,
    )


def expected_calibration_error(
    labels: np.ndarray, p: np.ndarray, bins: int = 10
) -> tuple[float, list[tuple[float, float, float, int]]]:
    """Expected calibration error over equal-width bins of ``p`` — the share-weighted gap
    between the mean probability and the share of label 1 in each bin — and the
    reliability table: per non-empty bin (its low edge, mean p, share of label 1, count)."""
    labels = np.asarray(labels, dtype=float)
    p = np.asarray(p, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1], right=False), 0, bins - 1)
    ece = 0.0
    table = []
    for b in range(bins):
        inside = which == b
        if not inside.any():
            continue
        confidence, accuracy = float(p[inside].mean()), float(labels[inside].mean())
        ece += inside.mean() * abs(confidence - accuracy)
        table.append((float(edges[b]), confidence, accuracy, int(inside.sum())))
    return float(ece), table
