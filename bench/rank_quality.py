"""Ranking quality on the separately written validation slice (data/training/validation.csv).

Average precision of the misinformation class and precision of the top 20 (and, as the
top 20 is easy on this slice, of the top 100), for
* the ranker's ``score`` (text model + signals),
* the text model's ``p_misinfo`` alone,
* the keyword-match baseline (severity of the first violent word).

    .venv/bin/python bench/rank_quality.py [--trained]

The validation posts are bare texts (no author, time, engagement or Department posts), so
only the signals read from the text itself act here: severity, locality, negation,
relays, questions, hearsay and official-notice language. By default the text model is
the TF-IDF baseline fitted on data/training/posts.csv; ``--trained`` uses the configured
trained model (which must not have seen the validation slice).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rumordesk.base.config import load_settings  # noqa: E402
from rumordesk.classify.baseline import KeywordBaseline, fit_text_baseline  # noqa: E402
from rumordesk.classify.rank import PostInput, Ranker  # noqa: E402


def precision_at(labels: np.ndarray, scores: np.ndarray, k: int = 20) -> float:
    order = np.argsort(-scores, kind="stable")
    return float(labels[order[:k]].mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trained", action="store_true", help="use the configured model")
    args = parser.parse_args()

    settings = load_settings(ROOT / "config.toml")
    train = pd.read_csv(ROOT / "data/training/posts.csv", keep_default_na=False)
    valid = pd.read_csv(ROOT / "data/training/validation.csv", keep_default_na=False)
    if args.trained:
        from rumordesk.classify.scoring import load_default_model

        predict, name = load_default_model(settings)
    else:
        predict = fit_text_baseline(train["text"].tolist(), train["label"].tolist()).predict_proba
        name = "TF-IDF baseline fitted on posts.csv"
    ranker = Ranker(predict, settings.classify)
    scored = ranker.rank([PostInput(str(i), t) for i, t in enumerate(valid["text"])], [])
    labels = valid["label"].to_numpy()
    columns = {
        "score (model + signals)": np.array([s.score for s in scored]),
        "p_misinfo alone": np.array([s.p_misinfo for s in scored]),
        "keyword baseline": KeywordBaseline().predict_proba(valid["text"].tolist()),
    }
    print(f"validation: {len(valid)} posts, {labels.mean():.1%} misinformation; model: {name}")
    print(f"{'':<26} {'AP':>7} {'P@20':>7} {'P@100':>7}")
    for label, values in columns.items():
        ap = average_precision_score(labels, values)
        top20, top100 = precision_at(labels, values), precision_at(labels, values, 100)
        print(f"{label:<26} {ap:7.3f} {top20:7.2f} {top100:7.2f}")
    valid = valid.assign(score=columns["score (model + signals)"], p=columns["p_misinfo alone"])
    by_category = valid.groupby(["label", "category"])[["p", "score"]].mean().round(3)
    print("\nmean per category (label, category):")
    print(by_category.to_string())


if __name__ == "__main__":
    main()
