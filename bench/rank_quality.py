"""Ranking quality on the frozen validation slice v2 (data/validation): posts ranked with
the Department's posts beside them, as the queue ranks them.

Prints, for the ranker's ``score`` (what the queue sorts by) and its ``probability``
(the calibrated p(misinformation) in context, before spread):

* average precision (AP) of the misinformation class, precision of the top 20;
* AP on the non-English posts, and per language;
* expected calibration error (ECE, 10 equal-width bins) and a reliability table;
* the official-relation step: macro-F1 over its six classes on the gold (post, Department
  post) pairs, per class, and the confusion matrix; and the Department-post kinds;
* per phenomenon, how many posts are ranked on the right side of 0.5.

    .venv/bin/python bench/rank_quality.py [--baseline] [--v1] [--json]

``--baseline`` uses the TF-IDF baseline text model fitted on data/training/posts.csv
instead of the configured trained model; ``--v1`` measures the bare-text slice
data/training/validation.csv (no Department posts, times or languages beyond five).
The validation slice is never trained on: see data/validation/README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, confusion_matrix, f1_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rumordesk.base.config import load_settings  # noqa: E402
from rumordesk.classify.baseline import KeywordBaseline, fit_text_baseline  # noqa: E402
from rumordesk.classify.evaluate import expected_calibration_error  # noqa: E402
from rumordesk.classify.rank import PostInput, Ranker  # noqa: E402
from rumordesk.classify.scenarios import RELATIONS, read_scenarios  # noqa: E402

VALIDATION = ROOT / "data" / "validation"


def precision_at(labels: np.ndarray, scores: np.ndarray, k: int = 20) -> float:
    order = np.argsort(-scores, kind="stable")
    return float(labels[order[:k]].mean())


def _model(settings, baseline: bool):  # type: ignore[no-untyped-def]
    if baseline:
        train = pd.read_csv(ROOT / "data/training/posts.csv", keep_default_na=False)
        fitted = fit_text_baseline(train["text"].tolist(), train["label"].tolist())
        return fitted.predict_proba, "TF-IDF baseline fitted on posts.csv"
    from rumordesk.classify.scoring import load_default_model

    predict, version = load_default_model(settings)
    return predict, f"trained model {version}"


def measure_v2(ranker: Ranker, name: str) -> dict:
    found = read_scenarios(VALIDATION)
    posts = list(found.posts)
    scored = ranker.rank([p.as_input() for p in posts], [o.as_input() for o in found.officials])
    labels = np.array([p.label for p in posts])
    score = np.array([s.score for s in scored])
    probability = np.array([getattr(s, "probability", s.score) for s in scored])
    langs = np.array([p.lang for p in posts])
    english = langs == "en"
    result: dict = {
        "slice": "data/validation (v2)",
        "model": name,
        "posts": len(posts),
        "misinformation": int(labels.sum()),
        "department_posts": len(found.officials),
    }
    for column, values in (("score", score), ("probability", probability)):
        ece, table = expected_calibration_error(labels, values)
        result[column] = {
            "AP": average_precision_score(labels, values),
            "P@20": precision_at(labels, values),
            "P@100": precision_at(labels, values, 100),
            "non_english_AP": average_precision_score(labels[~english], values[~english]),
            "english_AP": average_precision_score(labels[english], values[english]),
            "per_language_AP": {
                lang: average_precision_score(labels[langs == lang], values[langs == lang])
                for lang in sorted(set(langs))
            },
            "ECE": ece,
            "reliability": table,
        }
    keywords = KeywordBaseline().predict_proba([p.text for p in posts])
    result["keyword_baseline_AP"] = average_precision_score(labels, keywords)
    # Per phenomenon: share of posts on the right side of 0.5.
    phenomena: dict[str, list[int]] = {}
    for post, value in zip(posts, probability, strict=True):
        for tag in post.phenomena or {"(none)"}:
            phenomena.setdefault(tag, []).append(int((value >= 0.5) == bool(post.label)))
    result["right_side_of_half"] = {t: (sum(v), len(v)) for t, v in sorted(phenomena.items())}
    result["relation"] = _relations(ranker, found)
    return result


def _relations(ranker: Ranker, found) -> dict | None:  # type: ignore[no-untyped-def]
    """The relation step on the gold pairs, and the Department-post kinds."""
    relate = getattr(ranker, "relate_pairs", None)
    if relate is None:
        return None
    pairs = found.pairs()
    predicted = relate([p.as_input() for p, _ in pairs], [o.as_input() for _, o in pairs])
    gold = [p.relation for p, _ in pairs]
    kinds = ranker.official_kinds([o.as_input() for o in found.officials])
    gold_kinds = [o.kind for o in found.officials]
    return {
        "pairs": len(pairs),
        "macro_F1": f1_score(gold, predicted, labels=list(RELATIONS), average="macro"),
        "per_class_F1": dict(
            zip(
                RELATIONS,
                f1_score(gold, predicted, labels=list(RELATIONS), average=None).tolist(),
                strict=True,
            )
        ),
        "confusion": confusion_matrix(gold, predicted, labels=list(RELATIONS)).tolist(),
        "kind_accuracy": float(np.mean([a == b for a, b in zip(kinds, gold_kinds, strict=True)])),
        "kind_errors": Counter(
            f"{b}->{a}" for a, b in zip(kinds, gold_kinds, strict=True) if a != b
        ).most_common(),
    }


def print_v2(result: dict) -> None:
    print(
        f"validation v2: {result['posts']} posts ({result['misinformation']} misinformation), "
        f"{result['department_posts']} Department posts; model: {result['model']}"
    )
    print(f"{'':<14}{'AP':>7}{'P@20':>7}{'P@100':>7}{'nonEN AP':>10}{'EN AP':>7}{'ECE':>7}")
    for column in ("score", "probability"):
        r = result[column]
        print(
            f"{column:<14}{r['AP']:7.3f}{r['P@20']:7.2f}{r['P@100']:7.2f}"
            f"{r['non_english_AP']:10.3f}{r['english_AP']:7.3f}{r['ECE']:7.3f}"
        )
    print(f"keyword baseline AP {result['keyword_baseline_AP']:.3f}")
    r = result["probability"]
    print("per-language AP (probability / score):")
    for lang, ap in r["per_language_AP"].items():
        print(f"  {lang:<8}{ap:7.3f}{result['score']['per_language_AP'][lang]:7.3f}")
    print("reliability (probability): bin, mean p, share misinformation, posts")
    for low, confidence, accuracy, count in r["reliability"]:
        print(f"  {low:.1f}–{low + 0.1:.1f}  {confidence:.3f}  {accuracy:.3f}  {count:>4}")
    print("per phenomenon: right side of 0.5 (probability)")
    for tag, (right, total) in result["right_side_of_half"].items():
        print(f"  {tag:<24}{right:>4}/{total:<4}")
    relation = result["relation"]
    if relation:
        print(
            f"relation step on {relation['pairs']} gold pairs: macro-F1 {relation['macro_F1']:.3f}"
        )
        for name, f1 in relation["per_class_F1"].items():
            print(f"  {name:<12}{f1:.3f}")
        print("  confusion (rows gold, columns predicted): " + " ".join(RELATIONS))
        for name, row in zip(RELATIONS, relation["confusion"], strict=True):
            print(f"  {name:<12}" + "".join(f"{v:>6}" for v in row))
        print(f"Department-post kinds: accuracy {relation['kind_accuracy']:.3f}")
        if relation["kind_errors"]:
            print(
                "  errors (gold->predicted): "
                + ", ".join(f"{k} ×{n}" for k, n in relation["kind_errors"])
            )


def measure_v1(ranker: Ranker) -> None:
    valid = pd.read_csv(ROOT / "data/training/validation.csv", keep_default_na=False)
    scored = ranker.rank([PostInput(str(i), t) for i, t in enumerate(valid["text"])], [])
    labels = valid["label"].to_numpy()
    values = np.array([s.score for s in scored])
    ap = average_precision_score(labels, values)
    print(
        f"validation v1 (bare text, {len(valid)} posts): AP {ap:.3f}, "
        f"P@20 {precision_at(labels, values):.2f}, P@100 {precision_at(labels, values, 100):.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", action="store_true", help="TF-IDF baseline text model")
    parser.add_argument("--v1", action="store_true", help="also the bare-text slice v1")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    settings = load_settings(ROOT / "config.toml")
    predict, name = _model(settings, args.baseline)
    ranker = Ranker(predict, settings.classify, ZoneInfo(settings.department.timezone))
    result = measure_v2(ranker, name)
    if args.json:
        print(json.dumps(result, indent=2, default=float))
    else:
        print_v2(result)
    if args.v1:
        measure_v1(ranker)


if __name__ == "__main__":
    main()
