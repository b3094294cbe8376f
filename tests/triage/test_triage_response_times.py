"""Response times: first post to the first action and to the Chief's decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from statistics import median

import pytest
from sqlalchemy import func, select, update

from rumordesk.store.schema import rumors
from rumordesk.triage.response_times import duration_text, response_times
from tests.helpers.dashboard import open_desk


@pytest.fixture
def desk(tmp_path, monkeypatch):
    for made in open_desk(tmp_path, monkeypatch):
        made.load_demo()  # rumours nobody acted on are not counted; its decided one is
        yield made


def test_response_times(desk):
    pio = desk.actor("pat")
    base = datetime.now(UTC) - timedelta(hours=3)
    fast = desk.add_rumor(claim="a", first_seen_at=base, last_seen_at=base)
    slow = desk.add_rumor(claim="b", first_seen_at=base, last_seen_at=base)
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
    summary = response_times(desk.db, pio)
    by_id = {r.rumor_id: r for r in summary.rows}
    assert by_id[fast].to_first_action == timedelta(minutes=4)
    assert by_id[fast].to_decision is None
    assert by_id[slow].to_decision == timedelta(minutes=50)
    with desk.db.read() as connection:
        acted = connection.scalar(
            select(func.count()).select_from(rumors).where(rumors.c.first_action_at.is_not(None))
        )
    assert len(summary.rows) == acted == 3  # ours and the demo's decided rumour
    demo = next(r for r in summary.rows if r.rumor_id not in (fast, slow))
    assert demo.is_demo and demo.to_decision is not None
    assert summary.median_to_first_action == median(
        [timedelta(minutes=4), timedelta(minutes=20), demo.to_first_action]
    )
    assert summary.median_to_decision == (timedelta(minutes=50) + demo.to_decision) / 2
    assert duration_text(timedelta(minutes=125)) == "2 h 05 min"
    assert duration_text(timedelta(days=3, hours=4)) == "3 d 4 h"
