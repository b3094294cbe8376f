"""Replies are linked to the Department post whose thread they are in, in whichever order
the two arrive, and only to a Department post of the same channel."""

from __future__ import annotations

from sqlalchemy import delete, select

from rumordesk.store.posts import save_batch
from rumordesk.store.records import Batch, Post, Provenance
from rumordesk.store.schema import posts


def post(source: str, source_id: str, *, official: bool = False, reply_to: str | None = None,
         channel: str = "facebook") -> Post:  # fmt: skip
    return Post(
        source=source,
        source_id=source_id,
        channel=channel,
        text=f"text of {source_id}",
        provenance=Provenance.now(None, "test"),
        is_official=official,
        in_reply_to=reply_to,
    )


def links(db) -> dict[str, int | None]:
    with db.read() as connection:
        return dict(connection.execute(select(posts.c.source_id, posts.c.reply_to_post_id)).all())


def ids(db) -> dict[str, int]:
    with db.read() as connection:
        return dict(connection.execute(select(posts.c.source_id, posts.c.id)).all())


def test_a_reply_stored_after_its_department_post_is_linked_at_once(db):
    save_batch(db, "page", Batch((post("page", "P_1", official=True),), {}))
    save_batch(db, "comments", Batch((post("comments", "C_1", reply_to="P_1"),), {}))
    assert links(db)["C_1"] == ids(db)["P_1"]


def test_replies_stored_first_are_linked_when_the_department_post_comes(db):
    save_batch(db, "comments", Batch((post("comments", "C_1", reply_to="P_1"),
                                      post("comments", "C_2", reply_to="P_1")), {}))  # fmt: skip
    assert links(db) == {"C_1": None, "C_2": None}
    save_batch(db, "page", Batch((post("page", "P_1", official=True),), {}))
    parent = ids(db)["P_1"]
    assert links(db) == {"C_1": parent, "C_2": parent, "P_1": None}


def test_a_batch_of_department_posts_links_each_waiting_reply_to_its_own_post(db):
    save_batch(db, "comments", Batch((post("comments", "C_1", reply_to="P_1"),
                                      post("comments", "C_2", reply_to="P_2"),
                                      post("comments", "X_1", reply_to="P_1", channel="x"),
                                      post("comments", "C_9", reply_to="P_9")), {}))  # fmt: skip
    save_batch(db, "page", Batch((post("page", "P_1", official=True),
                                  post("page", "P_2", official=True),
                                  post("page", "P_3", official=True)), {}))  # fmt: skip
    stored = ids(db)
    assert links(db) == {
        "C_1": stored["P_1"],
        "C_2": stored["P_2"],
        "X_1": None,  # a reply on X is not in the Facebook post's thread
        "C_9": None,  # its Department post has not come
        "P_1": None,
        "P_2": None,
        "P_3": None,
    }


def test_only_a_department_post_of_the_same_channel_is_a_thread(db):
    save_batch(db, "other", Batch((post("other", "P_1", channel="x"),), {}))  # not official
    save_batch(db, "x", Batch((post("x", "P_1", official=True, channel="x"),), {}))
    save_batch(db, "comments", Batch((post("comments", "C_1", reply_to="P_1"),), {}))
    assert links(db)["C_1"] is None  # P_1 exists only on x; the comment is on facebook


def test_deleting_the_department_post_unlinks_its_replies(db):
    save_batch(db, "page", Batch((post("page", "P_1", official=True),), {}))
    save_batch(db, "comments", Batch((post("comments", "C_1", reply_to="P_1"),), {}))
    with db.write() as connection:
        connection.execute(delete(posts).where(posts.c.source_id == "P_1"))
    assert links(db) == {"C_1": None}
