"""Benchmark: the retention purge over a large store, dry run and real.

Builds a fresh SQLite file with N third-party posts collected 40 days ago (two metric
snapshots and two raw payloads each, through ``store.posts.save_batch``), puts 5% of them
in rumours — half of those acted on (kept), half not (purged) — plus 1% official posts,
then times ``purge --dry-run`` and the real purge, and how long the write lock was held
(the collector and the dashboard wait for it). Prints the figures.
Run: ``.venv/bin/python bench/purge.py [--posts N]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select, update  # noqa: E402

from rumordesk.store import open_database  # noqa: E402
from rumordesk.store.posts import save_batch  # noqa: E402
from rumordesk.store.records import Batch, Metrics, Post, Provenance  # noqa: E402
from rumordesk.store.schema import post_scores, posts, rumors  # noqa: E402
from rumordesk.triage.retention import RetentionPolicy, purge_with  # noqa: E402

BATCH = 1_000


def build(db, count: int, at: datetime) -> None:  # type: ignore[no-untyped-def]
    for start in range(0, count, BATCH):
        for likes in (1, 2):  # a second reading: one more snapshot and payload per post
            batch = tuple(
                Post(
                    source="search",
                    source_id=f"p{i}",
                    channel="reddit",
                    text=f"post {i}: shots fired near Valley Fair?",
                    provenance=Provenance(at, None, "bench"),
                    author=f"a{i % 997}",
                    is_official=i % 100 == 0,
                    metrics=Metrics(likes=likes),
                    raw={"id": i, "likes": likes},
                )
                for i in range(start, min(start + BATCH, count))
            )
            save_batch(db, "search", Batch(batch, {}), now=at)
    with db.write() as connection:
        ids = connection.scalars(
            select(posts.c.id).where(posts.c.is_official.is_(False)).order_by(posts.c.id)
        ).all()
        members = ids[: len(ids) // 20]
        for index in range(0, len(members), 10):  # rumours of 10 posts each
            rumor_id = connection.execute(
                insert(rumors).values(
                    cluster_key=f"k{index}",
                    first_seen_at=at,
                    last_seen_at=at,
                    updated_at=at,
                    status="reviewing" if index % 20 == 0 else "new",
                )
            ).inserted_primary_key[0]
            connection.execute(
                insert(post_scores),
                [
                    {
                        "post_id": post_id,
                        "rumor_id": rumor_id,
                        "p_misinfo": 0.5,
                        "score": 0.5,
                        "severity": 0.5,
                        "locality": "local",
                        "cluster_key": f"k{index}",
                        "signals": "{}",
                        "reasons": "[]",
                        "model_version": "bench",
                        "scored_at": at,
                    }
                    for post_id in members[index : index + 10]
                ],
            )
        connection.execute(
            update(rumors).where(rumors.c.status == "reviewing").values(first_action_at=at)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(f"sqlite:///{Path(folder) / 'bench.db'}")
        now = datetime.now(UTC)
        started = time.perf_counter()
        build(db, args.posts, now - timedelta(days=40))
        print(f"built {args.posts:,} posts in {time.perf_counter() - started:.1f}s")
        policy = RetentionPolicy()

        started = time.perf_counter()
        dry = purge_with(db, policy, now=now, dry_run=True)
        dry_seconds = time.perf_counter() - started
        started = time.perf_counter()
        real = purge_with(db, policy, now=now)
        real_seconds = time.perf_counter() - started
        with db.read() as connection:
            left = connection.scalar(select(func.count()).select_from(posts))
        assert real.removed == dry.removed
        print(f"dry run:  {dry_seconds:.2f}s  would remove {dry.removed}")
        print(
            f"purge:    {real_seconds:.2f}s  ({real.removed.get('posts', 0) / real_seconds:,.0f}"
            " posts/s, all in one write transaction)"
        )
        print(f"kept:     {left:,} posts ({real.kept})")
        started = time.perf_counter()
        again = purge_with(db, policy, now=now)
        print(f"again:    {time.perf_counter() - started:.2f}s, removed {again.total} (idle cost)")
        db.dispose()


if __name__ == "__main__":
    main()
