"""The dashboard's Alerts page: delivery status for the PIO and the administrator."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from rumordesk.config import AlertSettings
from store.schema import alerts
from tests.alerts_support import NOW, add_rumour
from tests.dashboard_support import frame, open_desk, texts
from triage.alerts.queue import enqueue


@pytest.fixture
def desk(tmp_path, monkeypatch):
    yield from open_desk(tmp_path, monkeypatch)


HOSTILE = "<script>alert(1)</script> [click](http://evil.example) shooter at Levi's"


def _queue_two(db) -> None:
    rule = AlertSettings(min_score=0.5, min_severity=0.5)
    sent = add_rumour(db, claim=HOSTILE, cluster_key="a")
    failing = add_rumour(db, cluster_key="b")
    enqueue(db, {**_row(db, sent)}, ["email:pio@santaclaraca.gov"], rule, NOW)
    enqueue(db, {**_row(db, failing)}, ["webhook:teams"], rule, NOW)
    with db.write() as connection:
        connection.execute(
            update(alerts).where(alerts.c.rumor_id == sent).values(status="sent", sent_at=NOW)
        )
        connection.execute(
            update(alerts)
            .where(alerts.c.rumor_id == failing)
            .values(status="failed", attempts=8, last_error="webhook teams: HTTP 500 error")
        )


def _row(db, rumor_id):
    from sqlalchemy import select

    from triage.alerts.queue import RUMOUR_COLUMNS

    with db.read() as connection:
        return (
            connection.execute(select(*RUMOUR_COLUMNS).where(RUMOUR_COLUMNS[0] == rumor_id))
            .mappings()
            .one()
        )


def test_pio_sees_each_alert_its_status_reason_and_the_claim_as_text(desk):
    _queue_two(desk.db)
    at = desk.app("pat", "pages/alerts.py")

    assert not at.exception and not at.error
    table = frame(at, "target", "status", "reason", "claim")
    assert sorted(table["status"]) == ["failed", "sent"]
    assert "webhook teams: HTTP 500 error" in list(table["reason"])
    assert HOSTILE in list(table["claim"])  # shown literally, as data
    shown = texts(at)
    assert "No alert targets are configured" in shown
    assert "Failed (24 h)" in shown


def test_administrator_sees_delivery_but_not_post_text(desk):
    _queue_two(desk.db)
    at = desk.app("ada", "pages/alerts.py")
    assert not at.exception and not at.error
    table = frame(at, "target", "status")
    assert "claim" not in table.columns
    assert HOSTILE not in texts(at)


def test_chief_and_staff_cannot_open_it(desk):
    from datetime import UTC, datetime

    from streamlit.testing.v1 import AppTest

    from rumordesk import web
    from tests.conftest import PROJECT_ROOT
    from triage.auth import Session
    from triage.roles import Role

    _queue_two(desk.db)
    assert "pages/alerts.py" in [s.path for s in web.pages_for(Role.PIO)]
    for user, role in (("chris", Role.CHIEF), ("sam", Role.STAFF)):
        assert "pages/alerts.py" not in [s.path for s in web.pages_for(role)]
        at = AppTest.from_file(str(PROJECT_ROOT / "pages/alerts.py"), default_timeout=60)
        now = datetime.now(UTC)
        at.session_state["rd_session"] = Session(user, "password", now, now)
        at.run()
        assert not at.exception
        assert at.error and "cannot open this page" in at.error[0].value
        assert not at.dataframe
