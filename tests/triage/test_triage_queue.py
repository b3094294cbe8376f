"""The read side of triage: queue order and filters, counters, a rumour's detail, the
Chief's list, response times — against rumours made by the real scorer from the demo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, update

from rumordesk.store.schema import rumors
from rumordesk.triage import queue, workflow
from rumordesk.triage.queue import QueueFilter
from tests.helpers.dashboard import open_desk


@pytest.fixture
def desk(tmp_path, monkeypatch):
    for made in open_desk(tmp_path, monkeypatch):
        made.load_demo()
        yield made


def _rumor(desk, **values) -> int:
    now = datetime.now(UTC)
    row = {
        "cluster_key": f"test:{values.get('claim', '')}",
        "first_seen_at": now,
        "last_seen_at": now,
        "updated_at": now,
        **values,
    }
    with desk.db.write() as connection:
        return connection.execute(insert(rumors).values(**row)).inserted_primary_key[0]


def test_queue_is_one_row_per_rumour_by_priority_then_score(desk):
    pio = desk.actor("pat")
    low_report = _rumor(desk, claim="staff saw a flyer", score=0.1, priority=1)
    rows = queue.queue(desk.db, pio)
    assert rows[0].id == low_report  # a staff report sits above the model's order
    scores = [r.score for r in rows[1:]]
    assert scores == sorted(scores, reverse=True)
    top = rows[1]
    assert top.harm == "active_shooter" and top.severity == 1.0
    assert "Westfield Valley Fair" in top.places
    assert {"x", "facebook"} <= set(top.channels)
    assert top.post_count >= 5 and top.reach > 1000
    assert top.top_reason.startswith("claims an active shooter")
    assert top.is_demo and top.status_label == "New"


def test_filters(desk):
    pio = desk.actor("pat")
    everything = queue.queue(desk.db, pio, QueueFilter(statuses=()))
    assert len(everything) >= 2
    levi = queue.queue(desk.db, pio, QueueFilter(search="levi's"))
    assert levi and all("Levi's Stadium" in r.places for r in levi)
    assert queue.queue(desk.db, pio, QueueFilter(search="100%_")) == []  # no LIKE wildcards
    high = queue.queue(desk.db, pio, QueueFilter(min_severity=0.99))
    assert high and all(r.severity >= 0.99 for r in high)
    assert all(r.score >= 0.99 for r in queue.queue(desk.db, pio, QueueFilter(min_score=0.99)))
    facebook = queue.queue(desk.db, pio, QueueFilter(channel="facebook"))
    assert facebook and all("facebook" in r.channels for r in facebook)
    assert queue.queue(desk.db, pio, QueueFilter(channel="face")) == []  # whole names only
    later = datetime.now(UTC) + timedelta(hours=1)
    assert queue.queue(desk.db, pio, QueueFilter(since=later)) == []
    assert len(queue.queue(desk.db, pio, QueueFilter(limit=1))) == 1
    first = everything[0].id
    workflow.set_status(desk.db, pio, first, "not_relevant")
    assert first not in [r.id for r in queue.queue(desk.db, pio)]
    done = queue.queue(desk.db, pio, QueueFilter(statuses=("not_relevant",)))
    assert [r.id for r in done] == [first]
    workflow.close(desk.db, pio, first)
    assert queue.queue(desk.db, pio, QueueFilter(statuses=("not_relevant",))) == []
    closed = queue.queue(desk.db, pio, QueueFilter(statuses=(), include_closed=True))
    assert first in [r.id for r in closed]


def test_counters(desk):
    pio = desk.actor("pat")
    before = queue.counters(desk.db, pio)
    rows = queue.queue(desk.db, pio)
    assert before.new == len(rows)
    assert before.high_severity == sum(r.severity >= 0.8 for r in rows)
    workflow.escalate(desk.db, pio, rows[0].id, "correct it")
    workflow.set_status(desk.db, pio, rows[1].id, "reviewing")
    after = queue.counters(desk.db, pio)
    assert (after.escalated, after.awaiting_decision) == (1, 1)
    assert after.new == before.new - 1  # escalation keeps the status; reviewing does not
    workflow.decide(desk.db, desk.actor("chris"), rows[0].id, "correction", "false")
    final = queue.counters(desk.db, pio)
    assert (final.escalated, final.awaiting_decision) == (1, 0)


def test_detail_has_posts_breakdown_department_posts_and_history(desk):
    pio = desk.actor("pat")
    top = queue.queue(desk.db, pio)[0]
    workflow.assign(desk.db, pio, top.id, "pat")
    workflow.add_note(desk.db, pio, top.id, "calling the mall")
    detail = queue.rumor_detail(desk.db, pio, top.id)
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
    assert queue.rumor_detail(desk.db, pio, 999_999) is None


def test_detail_drops_links_that_are_not_http(desk):
    pio = desk.actor("pat")
    top = queue.queue(desk.db, pio)[0]
    from rumordesk.store.schema import posts

    with desk.db.write() as connection:
        connection.execute(
            update(posts).where(posts.c.source == "demo").values(url="javascript:alert(1)")
        )
    detail = queue.rumor_detail(desk.db, pio, top.id)
    assert all(p.link is None for p in detail.posts)
    assert all(d.link is None for d in detail.department)


def test_detail_is_bounded(desk):
    pio = desk.actor("pat")
    top = queue.queue(desk.db, pio)[0]
    detail = queue.rumor_detail(desk.db, pio, top.id, post_limit=2)
    assert len(detail.posts) == 2 and detail.total_posts > 2


def test_chiefs_list_is_oldest_escalation_first(desk):
    pio = desk.actor("pat")
    rows = queue.queue(desk.db, pio)[:3]
    assert len(rows) >= 2
    for row in reversed(rows):
        workflow.escalate(desk.db, pio, row.id, f"decide {row.id}")
    pending = queue.awaiting_decision(desk.db, desk.actor("chris"))
    assert [p.row.id for p in pending] == [r.id for r in reversed(rows)]
    assert pending[0].recommendation == f"decide {rows[-1].id}"
    assert pending[0].escalated_by == "pat"
    workflow.decide(desk.db, desk.actor("chris"), rows[-1].id, "monitor", "watch it")
    assert rows[-1].id not in [p.row.id for p in queue.awaiting_decision(desk.db, pio)]
    decided = queue.recent_decisions(desk.db, pio)
    assert [(d.row.id, d.decision, d.decided_by) for d in decided] == [
        (rows[-1].id, "monitor", "chris")
    ]


def test_response_times(desk):
    pio = desk.actor("pat")
    base = datetime.now(UTC) - timedelta(hours=3)
    fast = _rumor(desk, claim="a", first_seen_at=base, last_seen_at=base)
    slow = _rumor(desk, claim="b", first_seen_at=base, last_seen_at=base)
    with desk.db.write() as connection:
        connection.execute(
            update(rumors)
            .where(rumors.c.id == fast)
            .values(first_action_at=base + timedelta(minutes=4))
        )
        connection.execute(
            update(rumors)
            .where(rumors.c.id == slow)
            .values(
                first_action_at=base + timedelta(minutes=20),
                decided_at=base + timedelta(minutes=50),
            )
        )
    summary = queue.response_times(desk.db, pio)
    by_id = {r.rumor_id: r for r in summary.rows}
    assert by_id[fast].to_first_action == timedelta(minutes=4)
    assert by_id[fast].to_decision is None
    assert by_id[slow].to_decision == timedelta(minutes=50)
    assert summary.median_to_first_action == timedelta(minutes=12)
    assert summary.median_to_decision == timedelta(minutes=50)
    assert queue.duration_text(timedelta(minutes=125)) == "2 h 05 min"
    assert queue.duration_text(timedelta(days=3, hours=4)) == "3 d 4 h"


def test_severity_labels():
    assert [queue.severity_label(v) for v in (1.0, 0.8, 0.6, 0.2, 0.0)] == [
        "High",
        "High",
        "Medium",
        "Low",
        "None",
    ]
