"""Fit the ranker's context weights (``classify/rank.py: WEIGHTS``) on out-of-fold
predictions over the training data, and measure the combination the same way.

Why out of fold: the weights say how far to move the text model's belief for a claim of
harm, a place, a relation to the Department's post. Fitted on predictions the text model
and the relation step made for posts they were trained on, they would learn to trust both
too much. So the training data (``data/training/posts.csv`` and the scenarios'
public posts) is split in five folds, whole scenarios kept together; for each fold the
text model and the relation step are trained on the other four and predict this one,
with every Department post of its scenarios beside it, as the ranker reads them. The
weights are a logistic regression on those predictions. The validation slice
(``data/validation``) is never read here.

    .venv/bin/python bench/fit_context.py [--folds 5] [--C 1.0] [--json]

Prints the out-of-fold figures of the text model alone and of the combination (itself
cross-validated by fold), and the ``WEIGHTS`` to paste into ``classify/rank.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rumordesk.base.config import load_settings  # noqa: E402
from rumordesk.classify.datasets import builtin_set  # noqa: E402
from rumordesk.classify.evaluate import expected_calibration_error  # noqa: E402
from rumordesk.classify.model import MisinfoModel  # noqa: E402
from rumordesk.classify.rank import (  # noqa: E402
    CONTEXT_FEATURES,
    PostInput,
    Ranker,
    context_features,
)
from rumordesk.classify.relation import train_relation_model  # noqa: E402
from rumordesk.classify.scenarios import (  # noqa: E402
    ScenarioSet,
    shipped_kinds,
    shipped_scenarios,
)
from rumordesk.classify.signals import Gazetteer  # noqa: E402


def fold_of(groups: list[str], folds: int) -> np.ndarray:
    """A fold per row, whole groups together, groups spread evenly (by a stable hash)."""
    import hashlib

    names = sorted(set(groups))
    rank = {
        g: int(hashlib.sha256(g.encode()).hexdigest(), 16) for g in names
    }  # stable, not ordered by name
    order = sorted(names, key=rank.__getitem__)
    assigned = {g: i % folds for i, g in enumerate(order)}
    return np.array([assigned[g] for g in groups])


def subset(scenarios: ScenarioSet, keep: set[str]) -> ScenarioSet:
    return ScenarioSet(
        scenarios.name,
        tuple(p for p in scenarios.posts if p.scenario in keep),
        tuple(o for o in scenarios.officials if o.scenario in keep),
        scenarios.sha256 + ":" + ",".join(sorted(keep)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--C", type=float, default=1.0, help="the weights' regularisation")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    settings = load_settings(ROOT / "config.toml")
    zone = ZoneInfo(settings.department.timezone)
    gazetteer = Gazetteer.from_settings(settings.classify)
    data = builtin_set()
    scenarios = shipped_scenarios()
    texts, labels, groups = list(data.texts), np.array(data.labels), list(data.groups or ())
    n_posts = len(texts) - len(scenarios.posts)
    # Scenario posts are the builtin set's last rows, in file order.
    assert [p.text for p in scenarios.posts] == texts[n_posts:]
    folds = fold_of(groups, args.folds)
    started = time.perf_counter()

    p_text = np.zeros(len(texts))
    features = np.zeros((len(texts), len(CONTEXT_FEATURES)))
    relations: list[str] = ["none"] * len(texts)
    for fold in range(args.folds):
        test = np.flatnonzero(folds == fold)
        train = np.flatnonzero(folds != fold)
        model = MisinfoModel().fit(
            [texts[i] for i in train], labels[train], groups=[groups[i] for i in train]
        )
        p_text[test] = model.predict_proba([texts[i] for i in test])
        held_out = {groups[i].split(":", 1)[1] for i in test if groups[i].startswith("scenario:")}
        kept = {s.scenario for s in scenarios.posts} - held_out - {"none"}
        relation_model = train_relation_model(
            subset(scenarios, kept), gazetteer, extra=shipped_kinds()
        )
        known = {texts[i]: p_text[i] for i in test}
        ranker = Ranker(
            lambda batch, _known=known: np.array([_known[t] for t in batch]),
            settings.classify,
            zone,
            relations=relation_model,
        )
        # The fold's posts, as the ranker reads them: scenario posts with their times
        # beside every Department post of the held-out scenarios; the other posts (no
        # time, no scenario) alone, as bare texts.
        officials = [o.as_input() for o in scenarios.officials if o.scenario in held_out]
        in_scenarios = [i for i in test if i >= n_posts]
        bare = [i for i in test if i < n_posts]
        scored = ranker.rank(
            [scenarios.posts[i - n_posts].as_input() for i in in_scenarios], officials
        )
        scored += ranker.rank([PostInput(f"t{i}", texts[i]) for i in bare], [])
        for i, s in zip(in_scenarios + bare, scored, strict=True):
            features[i] = context_features(p_text[i], s.claim, s.relation, s.impersonation)
            relations[i] = s.relation.name
        print(
            f"fold {fold + 1}/{args.folds}: {len(test)} posts, "
            f"{time.perf_counter() - started:.0f} s",
            file=sys.stderr,
        )

    # The combination, cross-validated by the same folds, then fitted on everything.
    combined = np.zeros(len(texts))
    for fold in range(args.folds):
        test, train = folds == fold, folds != fold
        fitted = LogisticRegression(C=args.C, max_iter=5000, fit_intercept=False).fit(
            features[train], labels[train]
        )
        combined[test] = fitted.predict_proba(features[test])[:, 1]
    final = LogisticRegression(C=args.C, max_iter=5000, fit_intercept=False).fit(features, labels)
    weights = {
        name: round(float(w), 3) for name, w in zip(CONTEXT_FEATURES, final.coef_[0], strict=True)
    }
    pending = np.array([r == "pending" for r in relations])
    combined[pending] = np.minimum(combined[pending], 1 / (1 + np.exp(0.6)))
    english = languages(n_posts, scenarios) == "en"
    result = {
        "posts": len(texts),
        "scenario_posts": len(scenarios.posts),
        "text_model_oof": _figures(labels, p_text, english),
        "combined_oof": _figures(labels, combined, english),
        "text_model_oof_posts_csv": _figures(labels[:n_posts], p_text[:n_posts], english[:n_posts]),
        "combined_oof_posts_csv": _figures(labels[:n_posts], combined[:n_posts], english[:n_posts]),
        "text_model_oof_scenarios": _figures(labels[n_posts:], p_text[n_posts:], english[n_posts:]),
        "combined_oof_scenarios": _figures(labels[n_posts:], combined[n_posts:], english[n_posts:]),
        "relations": {r: relations.count(r) for r in sorted(set(relations))},
        "non_english_posts": int((~english).sum()),
        "non_english_scenario_posts": int((~english[n_posts:]).sum()),
        "weights": weights,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"{len(texts)} training posts ({len(scenarios.posts)} in scenarios; "
        f"{result['non_english_posts']} not in English, {result['non_english_scenario_posts']} "
        f"of them in scenarios), {args.folds} folds; relations out of fold: {result['relations']}"
    )
    for name in (
        "text_model_oof",
        "combined_oof",
        "text_model_oof_posts_csv",
        "combined_oof_posts_csv",
        "text_model_oof_scenarios",
        "combined_oof_scenarios",
    ):
        f = result[name]
        print(
            f"  {name:<26} AP {f['AP']:.3f}  ECE {f['ECE']:.3f}  "
            f"non-English AP {f['non_english_AP']:.3f}"
        )
    print("WEIGHTS: dict[str, float] = {")
    for name, w in weights.items():
        print(f'    "{name}": {w},')
    print("}")


def _figures(labels: np.ndarray, p: np.ndarray, english: np.ndarray) -> dict:
    ece, _ = expected_calibration_error(labels, p)
    return {
        "AP": float(average_precision_score(labels, p)),
        "ECE": ece,
        "non_english_AP": float(average_precision_score(labels[~english], p[~english])),
    }


def languages(n_posts: int, scenarios: ScenarioSet) -> np.ndarray:
    import csv

    with open(ROOT / "data" / "training" / "posts.csv", encoding="utf-8") as f:
        langs = [row["lang"] for row in csv.DictReader(f)]
    assert len(langs) == n_posts
    return np.array(langs + [p.lang for p in scenarios.posts])


if __name__ == "__main__":
    main()
