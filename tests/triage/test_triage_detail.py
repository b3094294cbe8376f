"""One rumour in full: its posts, the score breakdown, the Department's posts and its
history, against rumours made by the real scorer from the demo."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from rumordesk.triage import queue, workflow
from rumordesk.triage.detail import rumor_detail
from tests.helpers.dashboard import open_desk


@pytest.fixture
def desk(tmp_path, monkeypatch):
    for made in open_desk(tmp_path, monkeypatch):
        made.load_demo()
        yield made


def test_detail_has_posts_breakdown_department_posts_and_history(desk):
    pio = desk.actor("pat")
    top = queue.queue(desk.db, pio)[0]
    workflow.assign(desk.db, pio, top.id, "pat")
    workflow.add_note(desk.db, pio, top.id, "calling the mall")
    detail = rumor_detail(desk.db, pio, top.id)
    assert detail.total_posts == top.post_count == len(detail.posts)
    times = [p.at for p in detail.posts]
    assert times == sorted(times)
    assert all(p.link and p.link.startswith("https://example.org/demo/") for p in detail.posts)
    assert {p.channel for p in detail.posts} >= {"x", "facebook", "reddit"}
    assert detail.signals["harm"] == "active_shooter"
    assert detail.signals["official"] == "contradicts"
    assert any("Department said" in r for r in detail.reasons)
    assert detail.model_version == "keyword-baseline"
    contradicting = [d for d in detail.department if d.relation == "contradicts"]
    assert contradicting and "no shooting" in contradicting[0].text.lower()
    assert [e.action for e in detail.history] == ["assign", "note"]
    assert detail.lead_link in {p.link for p in detail.posts}  # the original, one click away
    assert rumor_detail(desk.db, pio, 999_999) is None


def test_detail_drops_links_that_are_not_http(desk):
    pio = desk.actor("pat")
    top = queue.queue(desk.db, pio)[0]
    from rumordesk.store.schema import posts

    with desk.db.write() as connection:
        connection.execute(
            update(posts).where(posts.c.source == "demo").values(url="javascript:alert(1)")
        )
    detail = rumor_detail(desk.db, pio, top.id)
    assert all(p.link is None for p in detail.posts)
    assert all(d.link is None for d in detail.department)


def test_detail_is_bounded(desk):
    pio = desk.actor("pat")
    top = queue.queue(desk.db, pio)[0]
    detail = rumor_detail(desk.db, pio, top.id, post_limit=2)
    assert len(detail.posts) == 2 and detail.total_posts > 2
