"""Where a rumour was seen in the Department's own threads: "in replies to the
Department's post of 16:04".

A reply or comment collected under one of the Department's posts is linked to that post
(``posts.reply_to_post_id``, store/threads.py); a rumour's detail names each such post,
when it was published, what it said and how many of the rumour's posts answer it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from rumordesk.base.urls import safe_url
from rumordesk.store.db import Database
from rumordesk.store.schema import post_scores, posts
from rumordesk.triage.roles import Actor, Permission, require

#: At most this many Department threads are named for one rumour.
MAX_THREADS = 20


@dataclass(frozen=True, slots=True)
class Thread:
    """One of the Department's posts under which posts of the rumour were seen."""

    department_post_id: int
    channel: str
    published_at: datetime | None
    text: str
    link: str | None
    #: How many of the rumour's posts are replies under it.
    replies: int

    def describe(self, zone: object | None = None) -> str:
        """``in replies to the Department's facebook post of 16:04`` (local time)."""
        when = ""
        if self.published_at is not None:
            local = self.published_at.astimezone(zone) if zone else self.published_at  # type: ignore[arg-type]
            when = f" of {local:%H:%M}"
        return f"in replies to the Department's {self.channel} post{when}"


def rumour_threads(db: Database, actor: Actor, rumor_id: int) -> list[Thread]:
    """The Department's posts that the rumour's posts reply to, most replies first."""
    require(actor, Permission.VIEW_QUEUE)
    department = posts.alias("department")
    replies = func.count(posts.c.id).label("replies")
    query = (
        select(
            department.c.id,
            department.c.channel,
            department.c.created_at,
            department.c.first_seen_at,
            department.c.text,
            department.c.url,
            replies,
        )
        .select_from(post_scores)
        .join(posts, posts.c.id == post_scores.c.post_id)
        .join(department, department.c.id == posts.c.reply_to_post_id)
        .where(post_scores.c.rumor_id == rumor_id)
        .group_by(
            department.c.id,
            department.c.channel,
            department.c.created_at,
            department.c.first_seen_at,
            department.c.text,
            department.c.url,
        )
        .order_by(replies.desc(), department.c.id)
        .limit(MAX_THREADS)
    )
    with db.read() as connection:
        rows = connection.execute(query).all()
    return [
        Thread(
            row.id,
            row.channel,
            row.created_at or row.first_seen_at,
            row.text,
            safe_url(row.url),
            int(row.replies),
        )
        for row in rows
    ]
