"""PHEME leave-one-event-out: the text model against the TF-IDF baseline, same folds.

Protocol (../shared/data/README.md): the five main events (``in_pheme5 == 1``), train on
four, predict the fifth, pool the five held-out folds; column ``text``. The model picks
its C, calibration and threshold by leaving training events out (nested), never from the
held-out event. Also prints out-of-domain figures: a model trained on the built-in
Santa Clara set, tested on Twitter15/16 and on PHEME.

    .venv/bin/python bench/pheme_eval.py [--shared ../shared] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rumordesk.classify.datasets import builtin_set, read_labelled_csv  # noqa: E402
from rumordesk.classify.evaluate import Evaluation, Scores, leave_one_group_out  # noqa: E402
from rumordesk.classify.model import MisinfoModel  # noqa: E402


class TfidfBaseline:
    """The README's reference: TF-IDF word 1-2 + char 2-5, balanced LR, threshold 0.5."""

    threshold_ = 0.5

    def fit(self, texts, labels, groups=None):  # type: ignore[no-untyped-def]
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        self.pipeline = make_pipeline(
            make_union(
                TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2
                ),
            ),
            LogisticRegression(class_weight="balanced", max_iter=2000),
        ).fit(list(texts), list(labels))
        return self

    def predict_proba(self, texts):  # type: ignore[no-untyped-def]
        return self.pipeline.predict_proba(list(texts))[:, 1]


def out_of_domain(model: MisinfoModel, texts, labels) -> Scores:  # type: ignore[no-untyped-def]
    p = model.predict_proba(list(texts))
    y = np.asarray(labels)
    return Scores.of(y, p, (p >= model.threshold_).astype(int))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    pheme = read_labelled_csv(
        args.shared / "data" / "pheme.csv", group_by="event", where={"in_pheme5": "1"}
    )
    results: dict[str, Evaluation] = {}
    results["model"] = leave_one_group_out(pheme.texts, pheme.labels, pheme.groups or ())
    if not args.skip_baseline:
        results["tfidf_baseline"] = leave_one_group_out(
            pheme.texts, pheme.labels, pheme.groups or (), make_model=TfidfBaseline
        )

    # Out of domain: the default model (built-in set only) on data it was never near.
    started = time.perf_counter()
    builtin = builtin_set()
    default = MisinfoModel().fit(builtin.texts, builtin.labels)
    fit_seconds = time.perf_counter() - started
    twitter = read_labelled_csv(args.shared / "data" / "twitter15_16.csv", group_by="id")
    seen: dict[str, tuple[str, int]] = {}
    for text, label, tweet in zip(twitter.texts, twitter.labels, twitter.groups or (), strict=True):
        seen.setdefault(tweet, (text, label))  # 169 ids are in both halves
    ood = {
        "twitter15_16": out_of_domain(default, *zip(*seen.values(), strict=True)),
        "pheme5": out_of_domain(default, pheme.texts, pheme.labels),
    }
    texts = list(pheme.texts) * 2
    started = time.perf_counter()
    default.predict_proba(texts[:10_000])
    predict_rate = 10_000 / (time.perf_counter() - started)

    if args.json:
        print(
            json.dumps(
                {
                    "pheme_leave_one_event_out": {k: v.as_dict() for k, v in results.items()},
                    "builtin_model": {
                        "fit_seconds": round(fit_seconds, 2),
                        "chosen_C": default.C_,
                        "posts_per_second": round(predict_rate),
                        "out_of_domain": {k: vars(v) for k, v in ood.items()},
                    },
                },
                indent=2,
            )
        )
        return
    for name, evaluation in results.items():
        print(f"== PHEME-5 leave-one-event-out: {name}")
        print(evaluation.to_text())
        print()
    print(
        f"== built-in model (data/training/posts.csv, {len(builtin)} posts): fit "
        f"{fit_seconds:.1f} s, C={default.C_}, predict {predict_rate:,.0f} posts/s"
    )
    for name, s in ood.items():
        print(
            f"  out of domain on {name:<13} n={s.n:>5} macro-F1 {s.macro_f1:.3f}  "
            f"P {s.precision:.3f} R {s.recall:.3f} F1 {s.f1:.3f}  AP {s.average_precision:.3f}"
            f"  Brier {s.brier:.4f}"
        )


if __name__ == "__main__":
    main()
