"""Benchmark: build and export the weekly report over a year of Department posts.

Stores (through ``save_batch``, as the collectors do) ``--posts`` official posts spread
over 52 weeks on four channels, each re-measured ``--snapshots`` times over the two weeks
after it appeared, then times ``build_report`` for one week (it reads the week and the
week before), the XLSX and the CSV zip. Prints seconds and sizes.
Run: ``.venv/bin/python bench/weekly_report.py [--posts N] [--snapshots N]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rumordesk.reports.export import render  # noqa: E402
from rumordesk.reports.weekly import build_report  # noqa: E402
from rumordesk.reports.weekly_layout import report_tables  # noqa: E402
from rumordesk.reports.weeks import Week  # noqa: E402
from rumordesk.store import open_database  # noqa: E402
from rumordesk.store.posts import save_batch  # noqa: E402
from rumordesk.store.records import Batch, Metrics, Post, Provenance  # noqa: E402

CHANNELS = ("x", "facebook", "instagram", "youtube")
START = datetime(2025, 11, 3, 8, tzinfo=UTC)


def _post(i: int, channel: str, published: datetime, n: int) -> Post:
    return Post(
        source=f"scpd-{channel}",
        source_id=str(i),
        channel=channel,
        text=f"Department update {i}",
        provenance=Provenance(published, None, "bench"),
        created_at=published,
        is_official=True,
        metrics=Metrics(likes=10 + n * (i % 7), shares=n, views=100 * (n + 1)),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--snapshots", type=int, default=20)
    args = parser.parse_args()
    tz = ZoneInfo("America/Los_Angeles")
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(f"sqlite:///{Path(folder) / 'bench.db'}")
        began = time.perf_counter()
        span = timedelta(days=364) / args.posts
        step = timedelta(days=14) / args.snapshots
        # Posts in groups of 25 per channel, as a collector's refresh stores them: each
        # group re-measured `snapshots` times over the two weeks after it appeared.
        for first in range(0, args.posts, 25 * len(CHANNELS)):
            group = range(first, min(first + 25 * len(CHANNELS), args.posts))
            for n in range(args.snapshots):
                at = START + span * first + step * (n + 1)
                for channel in CHANNELS:
                    items = tuple(
                        _post(i, channel, START + span * i, n)
                        for i in group
                        if CHANNELS[i % len(CHANNELS)] == channel
                    )
                    save_batch(db, f"scpd-{channel}", Batch(items, {}), now=at)
        stored = time.perf_counter() - began
        week = Week.containing(START + timedelta(days=200), tz)
        began = time.perf_counter()
        report = build_report(db, week, now=datetime.now(UTC))
        built = time.perf_counter() - began
        tables = report_tables(report)
        began = time.perf_counter()
        book = render(tables, stem="bench", fmt="xlsx", title="bench")
        xlsx_s = time.perf_counter() - began
        began = time.perf_counter()
        archive = render(tables, stem="bench", fmt="csv", title="bench")
        csv_s = time.perf_counter() - began
        db.dispose()
    print(f"stored {args.posts} posts x {args.snapshots} measurements in {stored:.1f}s")
    print(
        f"build_report {week.label}: {built * 1000:.0f} ms "
        f"({len(report.posts)} new posts, {len(report.earlier)} earlier posts gaining)"
    )
    print(f"xlsx: {xlsx_s * 1000:.0f} ms, {len(book.content):,} bytes")
    print(f"csv zip: {csv_s * 1000:.0f} ms, {len(archive.content):,} bytes")


if __name__ == "__main__":
    main()
