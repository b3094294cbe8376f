"""The official-relation step on its own: out of fold on the training scenarios, and on
the frozen validation slice.

* out of fold: the scenarios of data/training/scenarios in five folds, whole scenarios held
  out; for each fold the step is trained on the other four (and on
  data/training/department_posts.csv for the kinds) and reads the held-out pairs;
* validation: the step trained on all the training data reads the 610 gold pairs of
  data/validation (never trained on).

Prints the Department-post kinds' accuracy, the relation's macro-F1 over the six classes
and per class, the confusion matrix, and two coarser figures: with contradicts and
distorts as one class ("against the Department", five classes), and against or not (the
side of the Department the post is on, which is what the ranker's score uses).

    .venv/bin/python bench/relation_quality.py [--folds 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path

from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rumordesk.base.config import load_settings  # noqa: E402
from rumordesk.classify.relation import (  # noqa: E402
    AGAINST,
    RELATIONS,
    DepartmentContext,
    RelationModel,
    _micros,
    train_relation_model,
)
from rumordesk.classify.scenarios import (  # noqa: E402
    ScenarioSet,
    read_scenarios,
    shipped_kinds,
    shipped_scenarios,
)
from rumordesk.classify.signals import Gazetteer  # noqa: E402

VALIDATION = ROOT / "data" / "validation"


def subset(scenarios: ScenarioSet, keep: set[str]) -> ScenarioSet:
    return ScenarioSet(
        scenarios.name,
        tuple(p for p in scenarios.posts if p.scenario in keep),
        tuple(o for o in scenarios.officials if o.scenario in keep),
        scenarios.sha256 + ":" + ",".join(sorted(keep)),
    )


def read_pairs(
    model: RelationModel, gazetteer: Gazetteer, scenarios: ScenarioSet
) -> tuple[list[str], list[str], list[str], list[str]]:
    """(gold relations, found relations, gold kinds, found kinds) of a scenario set."""
    context = DepartmentContext(model, gazetteer, timedelta(hours=24))
    context.add_all([(o.id, o.text, o.created_at) for o in scenarios.officials])
    by_id = {o.id: o for o in context.posts}
    pairs = scenarios.pairs()
    found = context.relate_with(
        [context.claim(p.text) for p, _ in pairs],
        [p.text for p, _ in pairs],
        [_micros(p.created_at) for p, _ in pairs],
        [by_id[o.id] for _, o in pairs],
    )
    return (
        [p.relation for p, _ in pairs],
        [r.name for r in found],
        [o.kind for o in scenarios.officials],
        [by_id[o.id].kind for o in scenarios.officials],
    )


def figures(gold: list[str], found: list[str], gold_kinds: list[str], kinds: list[str]) -> dict:
    def merged(names: list[str]) -> list[str]:
        return ["against" if n in AGAINST else n for n in names]

    def side(names: list[str]) -> list[bool]:
        return [n in AGAINST for n in names]

    per_class = f1_score(gold, found, labels=list(RELATIONS), average=None)
    return {
        "pairs": len(gold),
        "department_posts": len(gold_kinds),
        "kind_accuracy": accuracy_score(gold_kinds, kinds),
        "macro_F1": f1_score(gold, found, labels=list(RELATIONS), average="macro"),
        "per_class_F1": dict(zip(RELATIONS, per_class.tolist(), strict=True)),
        "macro_F1_against_merged": f1_score(merged(gold), merged(found), average="macro"),
        "against_or_not_accuracy": accuracy_score(side(gold), side(found)),
        "confusion": confusion_matrix(gold, found, labels=list(RELATIONS)).tolist(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    gazetteer = Gazetteer.from_settings(load_settings(ROOT / "config.toml").classify)
    scenarios, extra = shipped_scenarios(), shipped_kinds()
    names = sorted({p.scenario for p in scenarios.posts} - {"none"})
    gathered: list[list[str]] = [[], [], [], []]
    for train, test in GroupKFold(args.folds).split(names, groups=names):
        model = train_relation_model(
            subset(scenarios, {names[i] for i in train}), gazetteer, extra=extra
        )
        found = read_pairs(model, gazetteer, subset(scenarios, {names[i] for i in test}))
        for into, part in zip(gathered, found, strict=True):
            into += part
    result = {"out_of_fold_training": figures(*gathered)}
    model = train_relation_model(scenarios, gazetteer, extra=extra)
    result["validation"] = figures(*read_pairs(model, gazetteer, read_scenarios(VALIDATION)))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for name, r in result.items():
        print(f"== {name}: {r['pairs']} pairs, {r['department_posts']} Department posts")
        print(f"  kinds accuracy                       {r['kind_accuracy']:.3f}")
        print(f"  relation macro-F1 (six classes)      {r['macro_F1']:.3f}")
        print(f"  contradicts+distorts as one (five)   {r['macro_F1_against_merged']:.3f}")
        print(f"  against the Department or not        {r['against_or_not_accuracy']:.3f}")
        print("  per class: " + ", ".join(f"{k} {v:.3f}" for k, v in r["per_class_F1"].items()))
        print("  confusion (rows gold, columns found): " + " ".join(RELATIONS))
        for relation, row in zip(RELATIONS, r["confusion"], strict=True):
            print(f"    {relation:<12}" + "".join(f"{v:>6}" for v in row))


if __name__ == "__main__":
    main()
