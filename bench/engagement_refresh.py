"""Benchmark: a collector pass in which 1,000 stored posts' engagement moved.

Stores ``--posts`` posts (default 5,000: texts of the shipped training set, an evening's
timestamps, random engagement) through ``store.posts.save_batch`` into a temporary SQLite
file, scores them all with ``PostScorer`` and a real TF-IDF + logistic regression model
(classify/baseline.py, fitted on the training set), then saves ``--moved`` of them
(default 1,000) again with more likes and shares — as a poll would — and times:

* ``save_batch`` of the moved posts (it reports them as ``metrics_changed_ids``);
* ``PostScorer.refresh_engagement`` on them (the collector's ``on_metrics`` hook), counting
  the texts the model is asked about (target: none);
* for comparison, ``PostScorer.score`` on the same posts (a full rescore, text model included).

Run: ``.venv/bin/python bench/engagement_refresh.py [--posts N] [--moved N] [--runs N]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from rumordesk.base.config import load_settings, parse_settings  # noqa: E402
from rumordesk.classify.baseline import fit_text_baseline  # noqa: E402
from rumordesk.classify.scoring import PostScorer  # noqa: E402
from rumordesk.store import open_database  # noqa: E402
from rumordesk.store.posts import save_batch  # noqa: E402
from rumordesk.store.records import Batch, Metrics, Post, Provenance  # noqa: E402

START = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


class CountingModel:
    def __init__(self, predict) -> None:
        self.predict = predict
        self.texts = 0

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.predict(texts)


def make_posts(texts: list[str], rng: random.Random, n: int) -> list[Post]:
    out = []
    for i in range(n):
        when = START + timedelta(seconds=rng.randrange(3 * 3600))
        out.append(
            Post(
                source="bench",
                source_id=f"p{i}",
                channel=rng.choice(["x", "reddit", "bluesky", "mastodon"]),
                text=texts[i % len(texts)],
                provenance=Provenance(when, None, "bench"),
                author=f"user{rng.randrange(n)}",
                created_at=when,
                metrics=Metrics(likes=rng.randrange(50), shares=rng.randrange(20)),
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--moved", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    train = pd.read_csv(ROOT / "data" / "training" / "posts.csv", keep_default_na=False)
    model = fit_text_baseline(train["text"].tolist(), train["label"].astype(int).tolist())
    texts = train["text"].tolist()
    rng = random.Random(7)
    shipped = load_settings(ROOT / "config.toml")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        settings = parse_settings(
            {"storage": {"database_url": url}, "classify": shipped.classify.model_dump()},
            origin="bench",
        )
        db = open_database(url)
        counting = CountingModel(model.predict_proba)
        clock = [START + timedelta(hours=3)]
        scorer = PostScorer(settings, db, counting, model_version="bench", clock=lambda: clock[0])
        stored = make_posts(texts, rng, args.posts)
        started = time.perf_counter()
        saved = save_batch(db, "bench", Batch(tuple(stored), {}))
        scorer.score(saved.changed_ids)
        took = time.perf_counter() - started
        print(f"setup: {args.posts:,} posts stored and scored in {took:.1f}s")

        saves, refreshes, rescores, asked = [], [], [], []
        for run in range(args.runs):
            clock[0] += timedelta(minutes=2)
            moved = rng.sample(stored, args.moved)
            grown = [
                Post(
                    **{
                        **{f: getattr(p, f) for f in p.__dataclass_fields__},
                        "metrics": Metrics(
                            likes=(p.metrics.likes or 0) + 10 * (run + 1) + rng.randrange(40),
                            shares=(p.metrics.shares or 0) + 5 * (run + 1) + rng.randrange(20),
                        ),
                    }
                )
                for p in moved
            ]
            stored = [*{p.source_id: p for p in [*stored, *grown]}.values()]
            t0 = time.perf_counter()
            result = save_batch(db, "bench", Batch(tuple(grown), {}))
            t1 = time.perf_counter()
            assert result.changed_ids == [] and len(result.metrics_changed_ids) == args.moved
            before = counting.texts
            refreshed = scorer.refresh_engagement(result.metrics_changed_ids)
            t2 = time.perf_counter()
            asked.append(counting.texts - before)
            scorer.score(result.metrics_changed_ids)
            t3 = time.perf_counter()
            saves.append(t1 - t0)
            refreshes.append(t2 - t1)
            rescores.append(t3 - t2)
            print(
                f"run {run + 1}: save_batch {t1 - t0:.3f}s, refresh_engagement {t2 - t1:.3f}s "
                f"({len(refreshed.rumors_updated)} rumour(s) updated, {asked[-1]} text(s) sent "
                f"to the model), full rescore {t3 - t2:.3f}s"
            )
        db.dispose()
    refresh = statistics.median(refreshes)
    print(
        f"median of {args.runs}: {args.moved:,} posts' engagement moved in a {args.posts:,}-post "
        f"store: save_batch {statistics.median(saves):.3f}s, refresh {refresh:.3f}s "
        f"({args.moved / refresh:,.0f} posts/s), texts sent to the model {max(asked)}; "
        f"full rescore {statistics.median(rescores):.3f}s"
    )


if __name__ == "__main__":
    main()
