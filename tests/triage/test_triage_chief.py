"""The Office of the Chief's lists: awaiting a decision (the longest wait first) and the
latest decisions."""

from __future__ import annotations

import pytest

from rumordesk.triage import chief, queue, workflow
from tests.helpers.dashboard import open_desk


@pytest.fixture
def desk(tmp_path, monkeypatch):
    for made in open_desk(tmp_path, monkeypatch):
        made.load_demo()
        yield made


def test_chiefs_list_is_oldest_escalation_first(desk):
    pio = desk.actor("pat")
    rows = [r for r in queue.queue(desk.db, pio) if not r.escalated_at][:3]
    assert len(rows) >= 2
    for row in reversed(rows):
        workflow.escalate(desk.db, pio, row.id, f"decide {row.id}")
    pending = chief.awaiting_decision(desk.db, desk.actor("chris"))
    assert [p.row.id for p in pending] == [r.id for r in reversed(rows)]
    assert pending[0].recommendation == f"decide {rows[-1].id}"
    assert pending[0].escalated_by == "pat"
    workflow.decide(desk.db, desk.actor("chris"), rows[-1].id, "monitor", "watch it")
    assert rows[-1].id not in [p.row.id for p in chief.awaiting_decision(desk.db, pio)]
    decided = chief.recent_decisions(desk.db, pio)
    # newest first: ours, then the one the demo evening comes with
    assert [(d.row.id, d.decision, d.decided_by) for d in decided][0] == (
        rows[-1].id,
        "monitor",
        "chris",
    )
    assert [d.decided_by for d in decided[1:]] == ["chris (demo)"]
