"""Benchmark: ingest 10,000 feed entries (parse → normalise → store) against a bare insert.

Prints entries/second for the production path (feedparser + HTML-to-text + save_batch
into a fresh SQLite file, 10 feeds of 1,000 entries each, one transaction per feed as the
collector does) and for a bare ``sqlite3.executemany`` of the same final rows into a
table of the same shape, and their ratio. Run: ``make bench`` or
``.venv/bin/python bench/ingest_feeds.py [--entries N]``.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rumordesk.base.config import parse_settings  # noqa: E402
from rumordesk.collectors.feeds import FeedCollector  # noqa: E402
from rumordesk.collectors.http import Fetched  # noqa: E402
from rumordesk.store import open_database  # noqa: E402
from rumordesk.store.posts import _Incoming, _new_row, save_batch  # noqa: E402
from rumordesk.store.records import Batch  # noqa: E402
from rumordesk.store.sources import sync_sources  # noqa: E402

PLACES = ["Levi's Stadium", "Valley Fair", "Great America", "Central Park", "Mission College"]


def make_feed(start: int, count: int) -> bytes:
    items = []
    for i in range(start, start + count):
        place = PLACES[i % len(PLACES)]
        items.append(
            f"<item><guid isPermaLink='false'>item-{i}</guid>"
            f"<title>Update {i}: police activity near {place}</title>"
            f"<link>/news/{i}</link><pubDate>Mon, 23 Nov 2026 19:{i % 60:02d}:00 GMT</pubDate>"
            f"<description><![CDATA[<p>Officers responded to a report near <b>{place}</b>. "
            f"&nbsp;There is <i>no threat</i> to the public &amp; the area is open.</p>]]>"
            f"</description></item>"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        "<title>Bench</title><link>https://example.org/</link>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--per-feed", type=int, default=1_000)
    args = parser.parse_args()
    settings = parse_settings(
        {
            "sources": [
                {
                    "name": "bench",
                    "kind": "feed",
                    "channel": "website",
                    "url": "https://example.org/feed.xml",
                }
            ]
        }
    )
    source = settings.sources[0]
    feeds = [
        make_feed(start, min(args.per_feed, args.entries - start))
        for start in range(0, args.entries, args.per_feed)
    ]
    total_bytes = sum(map(len, feeds))

    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        sync_sources(db, settings.sources)
        collector = FeedCollector(source, http=None, zone=settings.department.tz)  # type: ignore[arg-type]
        all_posts = []
        started = time.perf_counter()
        for body in feeds:
            fetched = Fetched(
                "https://example.org/feed.xml", 200, body, {"Content-Type": "application/rss+xml"}
            )
            posts = tuple(collector.posts_from(fetched))
            save_batch(db, source.name, Batch(posts, {}))
            all_posts.extend(posts)
        production = time.perf_counter() - started
        stored = len(all_posts)

        # Reference: the same final rows, bare sqlite3 executemany, one transaction per feed.
        from datetime import UTC, datetime

        now = datetime.now(UTC)
        rows = [_new_row(source.name, _Incoming.of(p), now) for p in all_posts]
        columns = list(rows[0])
        plain = [
            tuple(v.isoformat() if isinstance(v, datetime) else v for v in r.values()) for r in rows
        ]
        connection = sqlite3.connect(Path(tmp) / "bare.db", isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute(
            f"CREATE TABLE posts (id INTEGER PRIMARY KEY, {', '.join(columns)}, "
            "UNIQUE (source, source_id))"
        )
        marks = ", ".join("?" for _ in columns)
        started = time.perf_counter()
        for offset in range(0, len(plain), args.per_feed):
            connection.execute("BEGIN")
            connection.executemany(
                f"INSERT INTO posts ({', '.join(columns)}) VALUES ({marks})",
                plain[offset : offset + args.per_feed],
            )
            connection.execute("COMMIT")
        bare = time.perf_counter() - started
        connection.close()
        db.dispose()

    print(f"entries: {stored:,} in {len(feeds)} feeds ({total_bytes / 1e6:.1f} MB of RSS)")
    print(
        f"production ingest (parse → normalise → store): {stored / production:,.0f} entries/s "
        f"({production:.2f} s)"
    )
    print(
        f"bare sqlite3 bulk insert of the same rows:      {stored / bare:,.0f} entries/s "
        f"({bare:.3f} s)"
    )
    print(f"ratio bare / production: {production / bare:.1f}x")


if __name__ == "__main__":
    main()
