"""The PIO's queue: its order, its filters and its counters, against rumours made by the
real scorer from the demo."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rumordesk.triage import queue, workflow
from rumordesk.triage.queue import QueueFilter
from tests.helpers.dashboard import open_desk


@pytest.fixture
def desk(tmp_path, monkeypatch):
    for made in open_desk(tmp_path, monkeypatch):
        made.load_demo()
        yield made


def test_queue_is_one_row_per_rumour_by_priority_then_score(desk):
    pio = desk.actor("pat")
    low_report = desk.add_rumor(claim="staff saw a flyer", score=0.1, priority=1)
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


def test_severity_labels():
    assert [queue.severity_label(v) for v in (1.0, 0.8, 0.6, 0.2, 0.0)] == [
        "High",
        "High",
        "Medium",
        "Low",
        "None",
    ]
