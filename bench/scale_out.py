"""Benchmark: the store on SQLite and on PostgreSQL, in the same run.

1. ``save_batch`` of 10,000 new posts into an empty store (one transaction, as a collector
   stores one big feed), then the same 10,000 again (all unchanged).
2. A full collect-and-score of 1,600 entries — four feeds of 400 on a loopback server,
   25 stories told across them (tests/helpers/scale_out.py) — by one and by four
   concurrent ``rumordesk collect --once`` processes polling the same feeds, with the
   trained model (pinned in the database beforehand). Wall time from start to the last
   exit, interpreter start-up and model loading included; then the store is checked:
   every post once, one rumour per story.

PostgreSQL: ``--postgres-url postgresql://user@host:port/maintenance_db`` (a role that
may create databases), or a throwaway cluster on loopback (initdb + pg_ctl, as the tests
start one) when the server's programs are installed.

Run: ``.venv/bin/python bench/scale_out.py [--posts 10000] [--feeds 4] [--entries 400]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from rumordesk.base.config import load_settings, parse_settings  # noqa: E402
from rumordesk.classify.shared_model import pinned_model  # noqa: E402
from rumordesk.store import open_database  # noqa: E402
from rumordesk.store.db import database_url  # noqa: E402
from rumordesk.store.posts import save_batch  # noqa: E402
from rumordesk.store.records import Batch, Metrics, Post, Provenance  # noqa: E402
from rumordesk.store.sources import sync_sources  # noqa: E402
from tests.helpers import scale_out  # noqa: E402
from tests.helpers.postgres import PostgresCluster, find_bindir  # noqa: E402
from tests.helpers.server import FeedServer  # noqa: E402


class Backends:
    """Fresh databases on SQLite (files in a folder) and PostgreSQL (one per call)."""

    def __init__(self, folder: Path, postgres_url: str | None) -> None:
        self.folder = folder
        self.cluster: PostgresCluster | None = None
        if postgres_url is None:
            bindir = find_bindir()
            if bindir is None:
                raise SystemExit("no PostgreSQL: give --postgres-url or install the server")
            self.cluster = PostgresCluster(bindir).start()
            postgres_url = self.cluster.url("postgres")
        self.maintenance = database_url(postgres_url)
        self.created: list[str] = []

    def new(self, backend: str) -> str:
        name = f"bench_{uuid.uuid4().hex[:10]}"
        if backend == "sqlite":
            return f"sqlite:///{self.folder / name}.db"
        engine = create_engine(self.maintenance, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
        engine.dispose()
        self.created.append(name)
        return self.maintenance.set(database=name).render_as_string(hide_password=False)

    def close(self) -> None:
        if self.cluster is not None:
            self.cluster.stop()
            return
        engine = create_engine(self.maintenance, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            for name in self.created:
                connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        engine.dispose()


def posts(count: int) -> tuple[Post, ...]:
    t0 = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)
    return tuple(
        Post(
            source="bench",
            source_id=f"bench-{n}",
            channel="reddit",
            text=scale_out.entry_text(0, n),
            provenance=Provenance(t0, "https://example.org/feed.xml", "feed/bench"),
            url=f"https://example.org/p/{n}",
            author=f"user{n % 500}",
            created_at=t0,
            metrics=Metrics(likes=n % 300, shares=n % 90, replies=n % 20),
            raw={"id": n, "title": scale_out.entry_text(0, n)},
        )
        for n in range(count)
    )


def bench_save_batch(url: str, count: int) -> tuple[float, float]:
    settings = parse_settings(
        {
            "storage": {"database_url": url},
            "sources": [
                {"name": "bench", "kind": "feed", "channel": "reddit", "url": "https://e.org/f"}
            ],
        }
    )
    db = open_database(url)
    sync_sources(db, settings.sources)
    batch = Batch(posts(count), {"etag": "1"})
    started = time.perf_counter()
    first = save_batch(db, "bench", batch)
    new = time.perf_counter() - started
    started = time.perf_counter()
    again = save_batch(db, "bench", batch)
    unchanged = time.perf_counter() - started
    db.dispose()
    assert first.new == count and again.unchanged == count, (first, again)
    return new, unchanged


@contextmanager
def feeds(count: int, entries: int) -> Iterator[list[str]]:
    server = FeedServer()
    server.thread.start()
    try:
        yield scale_out.serve_feeds(server, count, entries)
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


def bench_collect(url: str, urls: list[str], collectors: int, folder: Path) -> tuple[float, dict]:
    work = folder / uuid.uuid4().hex[:8]
    work.mkdir()
    config = work / "config.toml"
    model = folder / "model" / "misinfo.skops"  # one file for every run: trained once
    config.write_text(scale_out.config_text(url, urls, model_path=str(model)), "utf-8")
    settings = load_settings(config)
    db = open_database(url)
    pinned_model(settings, db)  # trained once (or loaded) and pinned: not part of the timing
    command = [sys.executable, "-m", "rumordesk", "--config", str(config), "collect", "--once"]
    started = time.perf_counter()
    processes = [
        subprocess.Popen(command, cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for _ in range(collectors)
    ]
    for process in processes:
        _, err = process.communicate(timeout=900)
        if process.returncode != 0:
            raise SystemExit(f"a collector failed:\n{err.decode()[-3000:]}")
    seconds = time.perf_counter() - started
    counts = scale_out.store_counts(db)
    db.dispose()
    return seconds, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--feeds", type=int, default=4)
    parser.add_argument("--entries", type=int, default=400)
    parser.add_argument("--postgres-url", help="a server to create the benchmark databases on")
    args = parser.parse_args()
    total = args.feeds * args.entries
    with tempfile.TemporaryDirectory(prefix="rumordesk-scale-bench-") as temporary:
        folder = Path(temporary)
        backends = Backends(folder, args.postgres_url)
        try:
            print(f"save_batch of {args.posts:,} new posts, then the same again (unchanged):")
            for backend in ("sqlite", "postgresql"):
                new, unchanged = bench_save_batch(backends.new(backend), args.posts)
                print(
                    f"  {backend:<10} new {new:6.2f} s ({args.posts / new:8,.0f} posts/s)"
                    f"   unchanged {unchanged:6.2f} s ({args.posts / unchanged:8,.0f} posts/s)"
                )
            print(
                f"collect and score {total:,} entries ({args.feeds} feeds x {args.entries}, "
                f"{scale_out.story_count(args.entries)} stories), every collector polling "
                "every feed; wall time of the processes:"
            )
            with feeds(args.feeds, args.entries) as urls:
                for backend in ("sqlite", "postgresql"):
                    for collectors in (1, 4):
                        url = backends.new(backend)
                        seconds, counts = bench_collect(url, urls, collectors, folder)
                        right = (
                            counts["posts"] == counts["distinct_posts"] == total
                            and counts["scored"] == total
                            and counts["rumours"]
                            == counts["stories"]
                            == scale_out.story_count(args.entries)
                        )
                        print(
                            f"  {backend:<10} {collectors} collector(s): {seconds:6.2f} s "
                            f"({total / seconds:6,.0f} entries/s); posts {counts['posts']:,}, "
                            f"rumours {counts['rumours']} — {'correct' if right else 'WRONG'}"
                        )
        finally:
            backends.close()


if __name__ == "__main__":
    main()
