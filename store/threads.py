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

from collections.abc import Mapping, Sequence

from sqlalchemy import Connection, bindparam, select, update

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
    return _write_links(connection, replies, found)


def _link_to_officials(connection: Connection, officials: Sequence) -> int:  # type: ignore[type-arg]
    """A Department post stored after replies to it: those replies are linked now (one
    query for the chunk's waiting replies, not one statement per Department post; the
    first Department post of a channel and id wins, as for new replies)."""
    if not officials:
        return 0
    parents: dict[tuple[str, str], int] = {}
    for official in officials:
        parents.setdefault((official.channel, official.source_id), official.id)
    waiting = connection.execute(
        select(posts.c.id, posts.c.channel, posts.c.in_reply_to).where(
            posts.c.in_reply_to.in_({official.source_id for official in officials}),
            posts.c.reply_to_post_id.is_(None),
        )
    )
    return _write_links(connection, list(waiting), parents)


def _write_links(
    connection: Connection,
    replies: Sequence,  # type: ignore[type-arg]
    parents: Mapping[tuple[str, str], int],
) -> int:
    """Each reply (``id``, ``channel``, ``in_reply_to``) points at the Department post
    ``parents`` holds for its channel and thread id, if any; one statement."""
    links = [
        {"_id": reply.id, "_parent": parent}
        for reply in replies
        if (parent := parents.get((reply.channel, reply.in_reply_to))) is not None
        and parent != reply.id
    ]
    if links:
        connection.execute(
            update(posts)
            .where(posts.c.id == bindparam("_id"))
            .values(reply_to_post_id=bindparam("_parent")),
            links,
        )
    return len(links)
