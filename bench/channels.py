"""Benchmark: the channel collectors' own work, without the network.

Prints, for a fresh SQLite file:
- CSV import: rows/second for validating and storing one Nextdoor export of N rows in one
  transaction, and for re-importing it (which must change nothing);
- X: tweets/second for mapping search pages (100 tweets with authors, as X sends them) to
  posts and storing them, page by page, through ``save_batch``.

Run: ``.venv/bin/python bench/channels.py [--rows N] [--tweets N]``.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rumordesk.base.config import parse_settings  # noqa: E402
from rumordesk.collectors.csv_import import import_csv  # noqa: E402
from rumordesk.collectors.x import _users, tweet_post  # noqa: E402
from rumordesk.store import open_database  # noqa: E402
from rumordesk.store.posts import count_posts, save_batch  # noqa: E402
from rumordesk.store.records import Batch, Provenance  # noqa: E402
from rumordesk.store.sources import sync_sources  # noqa: E402

PLACES = ["Levi's Stadium", "Valley Fair", "Great America", "Central Park", "Mission College"]


def nextdoor_csv(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "Post ID",
            "Date posted",
            "Title",
            "Body",
            "Post URL",
            "Reactions",
            "Comments",
            "Impressions",
        ]
    )
    start = datetime(2026, 1, 1, 8, 0)
    for i in range(rows):
        when = start + timedelta(minutes=17 * i)
        writer.writerow(
            [
                f"nd-{i}",
                when.strftime("%m/%d/%Y %I:%M %p"),
                f"Update {i}",
                f"Traffic advisory near {PLACES[i % 5]}: expect delays until {i % 12 + 1} pm.",
                f"https://nextdoor.com/p/{i:08d}",
                str(i % 97),
                str(i % 13),
                f"{i * 7:,}",
            ]
        )
    return out.getvalue().encode()


def search_page(start: int, size: int = 100) -> dict:
    users = [
        {"id": str(10_000 + u), "username": f"resident{u}", "name": f"R {u}"} for u in range(20)
    ]
    tweets = [
        {
            "id": str(1_800_000_000_000_000_000 + start + n),
            "text": f"Is there a shooting at {PLACES[n % 5]}?? &amp; police everywhere #{n}",
            "author_id": users[n % 20]["id"],
            "created_at": "2026-11-30T18:00:00.000Z",
            "conversation_id": str(1_800_000_000_000_000_000 + start + n),
            "lang": "en",
            "public_metrics": {
                "retweet_count": n,
                "reply_count": 1,
                "like_count": 2 * n,
                "quote_count": 0,
                "impression_count": 40 * n,
            },
        }
        for n in range(size)
    ]
    return {"data": tweets, "includes": {"users": users}, "meta": {"result_count": size}}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--tweets", type=int, default=20_000)
    args = parser.parse_args()
    settings = parse_settings(
        {
            "sources": [
                {
                    "name": "nextdoor",
                    "kind": "csv_import",
                    "channel": "nextdoor",
                    "format": "nextdoor",
                    "official": True,
                },
                {
                    "name": "x-local",
                    "kind": "x_search",
                    "terms": ["shooting"],
                    "places": PLACES,
                    "purpose": "Benchmark of the X search mapping; never run against X.",
                },
            ]
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(f"sqlite:///{folder}/bench.db")
        sync_sources(db, settings.sources)
        path = Path(folder) / "nextdoor.csv"
        path.write_bytes(nextdoor_csv(args.rows))
        started = time.perf_counter()
        first = import_csv(db, settings, "nextdoor", path)
        took = time.perf_counter() - started
        started = time.perf_counter()
        again = import_csv(db, settings, "nextdoor", path)
        took_again = time.perf_counter() - started
        print(
            f"CSV import: {first.rows:,} rows ({path.stat().st_size / 1e6:.1f} MB) in "
            f"{took:.2f}s = {first.rows / took:,.0f} rows/s (one transaction)"
        )
        print(
            f"CSV re-import: {again.rows:,} rows in {took_again:.2f}s = "
            f"{again.rows / took_again:,.0f} rows/s; new={again.new} updated={again.updated}"
        )

        source = settings.source("x-local")
        pages = [search_page(i) for i in range(0, args.tweets, 100)]
        started = time.perf_counter()
        for body in pages:
            provenance = Provenance.now("https://api.twitter.com/2/tweets/search/recent", "x")
            users = _users(body)
            posts = tuple(
                tweet_post(
                    t, users, source=source, provenance=provenance, zone=settings.department.tz
                )
                for t in body["data"]
            )
            save_batch(db, "x-local", Batch(posts, {"queries": {}}))
        took = time.perf_counter() - started
        stored = count_posts(db, source="x-local")
        print(
            f"X pages: {stored:,} tweets in {len(pages)} pages of 100 in {took:.2f}s = "
            f"{stored / took:,.0f} tweets/s (map + store, one transaction per page)"
        )
        db.dispose()


if __name__ == "__main__":
    main()
