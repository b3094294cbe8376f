"""The dashboard's Alerts page: delivery status for the PIO and the administrator."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from rumordesk.base.config import AlertSettings
from rumordesk.store.schema import alerts
from rumordesk.triage.alerts.queue import enqueue
from tests.helpers.alerts import NOW, add_rumour
from tests.helpers.browser_session import sign_in
from tests.helpers.dashboard import frame, open_desk, texts


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

    from rumordesk.triage.alerts.queue import RUMOUR_COLUMNS

    with db.read() as connection:
        return (
            connection.execute(select(*RUMOUR_COLUMNS).where(RUMOUR_COLUMNS[0] == rumor_id))
            .mappings()
            .one()
        )


@pytest.mark.slow
def test_pio_sees_each_alert_its_status_reason_and_the_claim_as_text(desk):
    _queue_two(desk.db)
    at = desk.app("pat", "rumordesk/web/views/alerts.py")

    assert not at.exception and not at.error
    table = frame(at, "target", "status", "reason", "claim")
    assert sorted(table["status"]) == ["Failed", "Sent"]  # in words
    assert "webhook teams: HTTP 500 error" in list(table["reason"])
    assert HOSTILE in list(table["claim"])  # shown literally, as data
    shown = texts(at)
    assert "No alert targets are configured" in shown
    assert "Failed (24 h)" in shown


def test_administrator_sees_delivery_but_not_post_text(desk):
    _queue_two(desk.db)
    at = desk.app("ada", "rumordesk/web/views/alerts.py")
    assert not at.exception and not at.error
    table = frame(at, "target", "status")
    assert "claim" not in table.columns
    assert HOSTILE not in texts(at)


def test_chief_and_staff_cannot_open_it(desk):
    from streamlit.testing.v1 import AppTest

    from rumordesk.triage.roles import Role
    from rumordesk.web import navigation

    _queue_two(desk.db)
    assert "alerts.py" in [s.name for s in navigation.pages_for(Role.PIO)]
    for user, role in (("chris", Role.CHIEF), ("sam", Role.STAFF)):
        assert "alerts.py" not in [s.name for s in navigation.pages_for(role)]
        at = AppTest.from_file(navigation.ALERTS.path, default_timeout=60)
        sign_in(at, desk.db, user)
        at.run()
        assert not at.exception
        assert at.error and "cannot open this page" in at.error[0].value
        assert not at.dataframe
