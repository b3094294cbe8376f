"""Replies and comments linked to the Department post whose thread they are in.

A reply collector stores each reply with ``in_reply_to``: the platform's id of the
Department post it answers (a Facebook post id, a tweet id, an at:// URI, a video's feed
id), which is that post's ``source_id`` when the Department's own source collected it.
``posts.reply_to_post_id`` is the link to that row, made in the same transaction as the
posts: for new replies whose Department post is stored, and for a Department post stored
after its replies (sources run in any order). A reply whose Department post is not (yet)
stored keeps ``in_reply_to`` and is linked when it comes.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, and_, bindparam, select, update

from rumordesk.store.schema import posts

_CHUNK = 500


def link_threads(connection: Connection, post_ids: Sequence[int]) -> int:
    """Link the posts ``post_ids`` (new or changed) with their threads; returns the
    number of replies linked."""
    linked = 0
    for start in range(0, len(post_ids), _CHUNK):
        chunk = list(post_ids[start : start + _CHUNK])
        rows = connection.execute(
            select(
                posts.c.id,
                posts.c.source_id,
                posts.c.channel,
                posts.c.is_official,
                posts.c.in_reply_to,
                posts.c.reply_to_post_id,
            ).where(posts.c.id.in_(chunk))
        ).all()
        replies = [r for r in rows if r.in_reply_to and r.reply_to_post_id is None]
        officials = [r for r in rows if r.is_official]
        linked += _link_replies(connection, replies)
        linked += _link_to_officials(connection, officials)
    return linked


def _link_replies(connection: Connection, replies: Sequence) -> int:  # type: ignore[type-arg]
    """New replies → the Department post of the same channel with their thread's id."""
    if not replies:
        return 0
    wanted = {r.in_reply_to for r in replies}
    found: dict[tuple[str, str], int] = {}
    for row in connection.execute(
        select(posts.c.id, posts.c.source_id, posts.c.channel).where(
            posts.c.is_official.is_(True), posts.c.source_id.in_(wanted)
        )
    ):
        found.setdefault((row.channel, row.source_id), row.id)
    links = [
        {"_id": r.id, "_parent": parent}
        for r in replies
        if (parent := found.get((r.channel, r.in_reply_to))) is not None and parent != r.id
    ]
    if links:
        connection.execute(
            update(posts)
            .where(posts.c.id == bindparam("_id"))
            .values(reply_to_post_id=bindparam("_parent")),
            links,
        )
    return len(links)


def _link_to_officials(connection: Connection, officials: Sequence) -> int:  # type: ignore[type-arg]
    """A Department post stored after replies to it: those replies are linked now."""
    linked = 0
    for official in officials:
        result = connection.execute(
            update(posts)
            .where(
                and_(
                    posts.c.in_reply_to == official.source_id,
                    posts.c.channel == official.channel,
                    posts.c.reply_to_post_id.is_(None),
                    posts.c.id != official.id,
                )
            )
            .values(reply_to_post_id=official.id)
        )
        linked += result.rowcount or 0
    return linked
