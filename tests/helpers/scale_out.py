"""Several collectors on one database: feeds that tell the same stories, and a check that
the store holds each post once and each story as one rumour.

The scenario of issue 18: ``feeds`` feeds of ``entries`` entries each, every entry one of
25 stories (five kinds of harm at five places), each feed telling all of them. Every
collector process polls every feed, so each post is contested by all of them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from rumordesk.store.db import Database
from rumordesk.store.schema import post_scores, posts, raw_payloads, rumors
from tests.helpers.paths import PROJECT_ROOT

CLAIMS = (
    "ACTIVE SHOOTER at {place} right now, get out",
    "Bomb found at {place}, they are evacuating everyone",
    "Hostages being held inside {place}",
    "Someone got stabbed at {place} tonight",
    "Police ordered everyone to evacuate {place} immediately",
)
PLACES = (
    "Levi's Stadium",
    "Great America",
    "Valley Fair",
    "Santa Clara University",
    "Mission College",
)
STORIES = len(CLAIMS) * len(PLACES)
_WORDS = ("amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "heron", "iris", "jade")

#: ``rumordesk`` with the keyword baseline standing in for the trained model, so that
#: several processes start in a second instead of each training a model.
KEYWORD_CLI = (
    "import rumordesk.classify.scoring as s; "
    "from rumordesk.classify.baseline import KeywordBaseline; "
    "s.load_default_model = lambda *a, **k: (KeywordBaseline().predict_proba, 'keyword'); "
    "from rumordesk.cli.main import main; main()"
)


def _spelled(number: int) -> str:
    """A number as words (digits are not content words, so near-copy keys ignore them)."""
    return " ".join(_WORDS[int(d)] for d in f"{number:05d}")


def entry_text(feed: int, n: int) -> str:
    story = n % STORIES
    claim = CLAIMS[story // len(PLACES)].format(place=PLACES[story % len(PLACES)])
    return f"{claim} says witness {_spelled(feed * 100_000 + n)}"


def story_count(entries: int) -> int:
    return min(entries, STORIES)


def rss(feed: int, entries: int, now: datetime) -> str:
    items = []
    for n in range(entries):
        when = format_datetime(now - timedelta(minutes=(n % 50)), usegmt=True)
        items.append(
            f"<item><guid isPermaLink='false'>feed{feed}-{n}</guid>"
            f"<title>{entry_text(feed, n)}</title>"
            f"<link>https://example.org/f{feed}/{n}</link><pubDate>{when}</pubDate></item>"
        )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>t</title>"
        "<link>https://example.org/</link>" + "".join(items) + "</channel></rss>"
    )


def serve_feeds(feed_server: Any, feeds: int, entries: int) -> list[str]:
    """Serve the feeds on the loopback server; returns their URLs."""
    now = datetime.now(UTC)
    return [feed_server.serve(f"/f{f}.xml", rss(f, entries, now)) for f in range(feeds)]


def shipped_classify_toml() -> str:
    """The ``[classify]`` section of the shipped config.toml (the real gazetteer), as text."""
    lines = (PROJECT_ROOT / "config.toml").read_text(encoding="utf-8").splitlines()
    start = lines.index("[classify]")
    section = []
    for line in lines[start:]:
        if line.startswith("[") and not line.startswith(("[classify", "[[classify")):
            break
        section.append(line)
    return "\n".join(section) + "\n"


def config_text(
    database_url: str, urls: Sequence[str], *, workers: int = 4, model_path: str | None = None
) -> str:
    """A config.toml: the feeds as sources, the shipped gazetteer, ``model_path`` if given."""
    sources = "".join(
        f'\n[[sources]]\nname = "feed-{i}"\nkind = "feed"\nchannel = "reddit"\nurl = "{url}"\n'
        for i, url in enumerate(urls)
    )
    classify = shipped_classify_toml()
    if model_path is not None:
        classify = re.sub(r'(?m)^model_path = ".*"$', f'model_path = "{model_path}"', classify)
    return (
        f'[storage]\ndatabase_url = "{database_url}"\n\n'
        f"[collect]\nworkers = {workers}\nretries = 0\n\n"
        "[reports]\nweekly_export = false\n\n" + classify + sources
    )


def start_collectors(config: Path, count: int, cwd: Path) -> list[subprocess.Popen[bytes]]:
    """``count`` real ``rumordesk collect --once`` processes, started together."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUMORDESK_")}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    command = [sys.executable, "-c", KEYWORD_CLI, "--config", str(config), "collect", "--once"]
    return [
        subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(count)
    ]


def store_counts(db: Database) -> dict[str, int]:
    """What the store holds: posts, distinct (source, source_id), payloads, scores, rumours
    and the distinct stories (cluster keys) among the rumours."""
    with db.read() as connection:
        distinct = select(posts.c.source, posts.c.source_id).distinct().subquery()
        return {
            "posts": connection.scalar(select(func.count()).select_from(posts)),
            "distinct_posts": connection.scalar(select(func.count()).select_from(distinct)),
            "posts_without_payload": connection.scalar(
                select(func.count())
                .select_from(posts)
                .where(
                    ~select(raw_payloads.c.id).where(raw_payloads.c.post_id == posts.c.id).exists()
                )
            ),
            "scored": connection.scalar(select(func.count()).select_from(post_scores)),
            "rumours": connection.scalar(select(func.count()).select_from(rumors)),
            "stories": connection.scalar(select(func.count(rumors.c.cluster_key.distinct()))),
            "posts_in_rumours": connection.scalar(
                select(func.count())
                .select_from(post_scores)
                .where(post_scores.c.rumor_id.is_not(None))
            ),
        }
