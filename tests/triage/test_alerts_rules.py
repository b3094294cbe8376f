"""Which rumours alert, when they alert again (growth, once), the quiet window, and
restarts over the same SQLite file: what was queued is sent, nothing is sent twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from rumordesk.store import open_database
from rumordesk.store.schema import alerts, rumors
from rumordesk.triage.alerts.chore import Alerter
from rumordesk.triage.audit import entries, verify
from tests.helpers.alerts import (
    NOW,
    SHOOTER,
    HookRoute,
    SmtpSink,
    WebhookServer,
    add_rumour,
    alert_rows,
    change_rumour,
    wait_for,
)
from tests.helpers.database import query_plan
from tests.helpers.paths import PROJECT_ROOT
from tests.helpers.settings import make_settings

MINUTE = timedelta(minutes=1)


@pytest.fixture
def hooks() -> Iterator[WebhookServer]:
    server = WebhookServer().start()
    yield server
    server.stop()


def settings_for(hooks: WebhookServer, **alerts: Any):
    webhooks = alerts.pop(
        "webhooks", [{"name": "ops", "kind": "generic", "url": hooks.url("/ops")}]
    )
    return make_settings(
        [],
        alerts={
            "min_score": 0.7,
            "min_severity": 0.6,
            "quiet_minutes": 30,
            "growth_factor": 5,
            "growth_min_reach": 100,
            "backoff_seconds": 5,
            "timeout_seconds": 1,
            "webhooks": webhooks,
            **alerts,
        },
    )


def kinds(hooks: WebhookServer, path: str = "/ops") -> list[tuple[int, str]]:
    return [(h.json["rumour"]["id"], h.json["kind"]) for h in hooks.accepted(path)]


def test_only_a_rumour_over_both_thresholds_alerts_and_only_once(db, hooks):
    low_score = add_rumour(db, score=0.5, cluster_key="a")
    low_severity = add_rumour(db, severity=0.3, cluster_key="b")
    alerter = Alerter(settings_for(hooks), db)

    alerter(NOW)
    assert hooks.hooks == []

    change_rumour(db, low_score, at=NOW + MINUTE, score=0.71)  # crosses the rule
    for minutes in range(1, 5):
        alerter(NOW + minutes * MINUTE)
        change_rumour(db, low_score, at=NOW + minutes * MINUTE, post_count=3 + minutes)
    assert kinds(hooks) == [(low_score, "first")]
    assert [r["rumor_id"] for r in alert_rows(db)] == [low_score]
    assert low_severity not in {r["rumor_id"] for r in alert_rows(db)}


@pytest.mark.parametrize(
    "values",
    [
        {"status": "not_relevant"},
        {"status": "accurate"},
        {"closed_at": NOW},
        {"is_demo": True},
    ],
)
def test_settled_closed_or_demo_rumours_do_not_alert(db, hooks, values):
    add_rumour(db, **values)
    Alerter(settings_for(hooks), db)(NOW)
    assert alert_rows(db) == [] and hooks.hooks == []


def test_a_rumour_judged_before_delivery_is_cancelled(db):
    down = WebhookServer()  # not listening: the first attempt fails
    rumor_id = add_rumour(db)
    alerter = Alerter(settings_for(down), db)
    alerter(NOW)
    assert alert_rows(db)[0]["status"] == "retrying"

    change_rumour(db, rumor_id, at=NOW + MINUTE, status="not_relevant")
    down.start()
    try:
        alerter(NOW + 2 * MINUTE)
        [row] = alert_rows(db)
        assert row["status"] == "cancelled" and "not_relevant" in row["last_error"]
        assert down.hooks == []
    finally:
        down.stop()


def test_growth_re_alerts_exactly_once(db, hooks):
    rumor_id = add_rumour(db, reach=40)
    alerter = Alerter(settings_for(hooks, quiet_minutes=0), db)
    alerter(NOW)

    change_rumour(db, rumor_id, at=NOW + MINUTE, reach=150)  # ×3.75: not yet
    alerter(NOW + MINUTE)
    assert kinds(hooks) == [(rumor_id, "first")]

    change_rumour(db, rumor_id, at=NOW + 2 * MINUTE, reach=200)  # ×5
    alerter(NOW + 2 * MINUTE)
    change_rumour(db, rumor_id, at=NOW + 3 * MINUTE, reach=5000)  # ×125: still only once
    alerter(NOW + 3 * MINUTE)
    alerter(NOW + 60 * MINUTE)

    assert kinds(hooks) == [(rumor_id, "first"), (rumor_id, "growth")]
    growth = hooks.accepted("/ops")[1].json
    assert growth["rumour"]["reach"] == 200 and growth["rumour"]["previous_reach"] == 40
    assert "×5 since the first alert" in growth["spread"]
    assert growth["headline"].startswith("SPREADING FAST")
    logged = entries(db, action="alert", rumor_id=rumor_id, newest_first=False)
    assert [(e.actor, e.subject, e.detail["reach"]) for e in logged] == [
        ("system", "first", 40),
        ("system", "growth", 200),
    ]
    assert logged[0].detail["targets"] == ["webhook:ops"]
    assert verify(db).ok


def test_growth_from_a_tiny_reach_needs_growth_min_reach(db, hooks):
    rumor_id = add_rumour(db, reach=2)
    alerter = Alerter(settings_for(hooks, quiet_minutes=0), db)
    alerter(NOW)
    change_rumour(db, rumor_id, at=NOW + MINUTE, reach=60)  # ×30 but under 100
    alerter(NOW + MINUTE)
    assert kinds(hooks) == [(rumor_id, "first")]
    change_rumour(db, rumor_id, at=NOW + 2 * MINUTE, reach=100)
    alerter(NOW + 2 * MINUTE)
    assert kinds(hooks) == [(rumor_id, "first"), (rumor_id, "growth")]


def test_growth_inside_the_quiet_window_waits_for_it_to_pass(db, hooks):
    rumor_id = add_rumour(db, reach=40)
    alerter = Alerter(settings_for(hooks, quiet_minutes=30), db)
    alerter(NOW)
    change_rumour(db, rumor_id, at=NOW + 5 * MINUTE, reach=1000)

    alerter(NOW + 5 * MINUTE)
    growth = alert_rows(db, kind="growth")
    assert [r["status"] for r in growth] == ["queued"]
    assert growth[0]["next_attempt_at"] == NOW + 30 * MINUTE
    alerter(NOW + 29 * MINUTE)
    assert kinds(hooks) == [(rumor_id, "first")]

    alerter(NOW + 30 * MINUTE)
    assert kinds(hooks) == [(rumor_id, "first"), (rumor_id, "growth")]


def test_the_same_story_inside_the_quiet_window_does_not_alert_as_new(db, hooks):
    first = add_rumour(db, cluster_key="claim:active_shooter@Great America")
    alerter = Alerter(settings_for(hooks, quiet_minutes=30), db)
    alerter(NOW)
    again = add_rumour(db, cluster_key="claim:active_shooter@Great America", at=NOW + 10 * MINUTE)
    other = add_rumour(db, cluster_key="claim:bomb@Levi's Stadium", at=NOW + 10 * MINUTE)
    alerter(NOW + 10 * MINUTE)
    assert kinds(hooks) == [(first, "first"), (other, "first")]

    change_rumour(db, again, at=NOW + 45 * MINUTE, post_count=9)  # the window has passed
    alerter(NOW + 45 * MINUTE)
    assert kinds(hooks) == [(first, "first"), (other, "first"), (again, "first")]


def test_a_failed_delivery_waits_backoff_seconds_doubling_up_to_the_maximum():
    from rumordesk.base.config import AlertSettings
    from rumordesk.triage.alerts import rules

    rule = AlertSettings(backoff_seconds=10, max_backoff_seconds=900)
    waits = [rules.backoff(attempts, rule).total_seconds() for attempts in range(0, 10)]
    assert waits == [10, 10, 20, 40, 80, 160, 320, 640, 900, 900]


def test_restart_sends_what_was_queued_and_never_twice(database_url, tmp_path: Path, hooks):
    url = database_url
    path = "/restart"
    hooks.routes[path] = HookRoute(statuses=[503])  # the first attempt fails
    first_db = open_database(url)
    settings = settings_for(
        hooks, webhooks=[{"name": "ops", "kind": "generic", "url": hooks.url(path)}]
    )
    one = add_rumour(first_db, cluster_key="one")
    two = add_rumour(first_db, cluster_key="two")
    Alerter(settings, first_db)(NOW)  # 'one' fails (503) and is retrying; 'two' is deferred
    states = {r["rumor_id"]: r["status"] for r in alert_rows(first_db)}
    assert states == {one: "retrying", two: "queued"}
    first_db.dispose()

    for restart in range(3):  # three restarts over the same file, each a new process' objects
        db = open_database(url)
        alerter = Alerter(settings, db)
        alerter(NOW + (restart + 1) * MINUTE)
        alerter(NOW + (restart + 2) * MINUTE)
        db.dispose()

    accepted = sorted(h.json["rumour"]["id"] for h in hooks.accepted(path))
    assert accepted == [one, two]
    db = open_database(url)
    assert [r["status"] for r in alert_rows(db)] == ["sent", "sent"]
    db.dispose()


def test_a_sending_row_left_by_a_stopped_process(db, hooks):
    """At most once for targets that cannot drop repeats; resent to idempotent ones."""
    settings = settings_for(
        hooks,
        webhooks=[
            {"name": "slack", "kind": "slack", "url": hooks.url("/slack")},
            {"name": "ops", "kind": "generic", "url": hooks.url("/ops"), "idempotent": True},
        ],
    )
    add_rumour(db)
    Alerter(settings, db).check(NOW)  # queued, not delivered
    with db.write() as connection:  # as a process killed mid-delivery leaves them
        connection.execute(update(alerts).values(status="sending", sending_at=NOW, attempts=1))

    Alerter(settings, db)(NOW + timedelta(seconds=30))  # 30 s: still in flight
    assert {r["status"] for r in alert_rows(db)} == {"sending"}

    restarted = Alerter(settings, db)
    restarted(NOW + 2 * MINUTE)
    restarted(NOW + 5 * MINUTE)
    rows = {r["target"]: r for r in alert_rows(db)}
    assert rows["webhook:slack"]["status"] == "failed"
    assert "not sent again" in rows["webhook:slack"]["last_error"]
    assert rows["webhook:ops"]["status"] == "sent" and rows["webhook:ops"]["attempts"] == 2
    assert hooks.at("/slack") == [] and len(hooks.accepted("/ops")) == 1


CRASHING_LOOP = textwrap.dedent(
    """
    import json, sys
    from datetime import UTC, datetime
    from rumordesk.base.config import parse_settings
    from rumordesk.store import open_database
    from rumordesk.triage.alerts.chore import Alerter

    settings = parse_settings(json.loads(sys.argv[2]))
    Alerter(settings, open_database(sys.argv[1]))(datetime.now(UTC))
    """
)


@pytest.mark.slow
def test_a_loop_killed_mid_delivery_never_sends_twice(database_url, tmp_path: Path, hooks):
    """A real process is killed while Slack is answering; the next one does not resend."""
    url = database_url
    hooks.routes["/slack"] = HookRoute(delays=[30])
    raw = {
        "alerts": {
            "timeout_seconds": 20,
            "webhooks": [{"name": "slack", "kind": "slack", "url": hooks.url("/slack")}],
        }
    }
    db = open_database(url)
    add_rumour(db, updated_at=datetime.now(UTC))
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    loop = subprocess.Popen(
        [sys.executable, "-c", CRASHING_LOOP, url, json.dumps(raw)], env=env, cwd=tmp_path
    )
    try:
        assert wait_for(lambda: len(hooks.at("/slack")) == 1, timeout=20)
        loop.send_signal(signal.SIGKILL)
        loop.wait(timeout=10)
    finally:
        if loop.poll() is None:
            loop.kill()
    [row] = alert_rows(db)
    assert row["status"] == "sending"

    settings = make_settings([], **raw)
    later = row["sending_at"] + timedelta(minutes=5)
    restarted = Alerter(settings, db)
    restarted(later)
    restarted(later + MINUTE)
    [row] = alert_rows(db)
    assert row["status"] == "failed" and "may have arrived" in row["last_error"]
    assert len(hooks.at("/slack")) == 1
    db.dispose()


def test_restart_rechecks_recent_rumours_without_queueing_again(db, hooks):
    add_rumour(db)
    Alerter(settings_for(hooks), db)(NOW)
    for restart in range(3):
        Alerter(settings_for(hooks), db)(NOW + (restart + 1) * MINUTE)
    assert len(alert_rows(db)) == 1 and len(hooks.accepted("/ops")) == 1


def test_nothing_changed_is_one_cheap_indexed_query(db, hooks):
    plan = query_plan(
        db, "SELECT id FROM rumors WHERE updated_at >= :since ORDER BY updated_at", since=NOW
    )
    assert "ix_rumors_updated_at" in plan
    alerter = Alerter(settings_for(hooks), db)
    report = alerter(NOW)
    assert not report and alert_rows(db) == []


# --- through the real path: posts stored, scored by the classifier, alerted ----------------


def test_a_stored_and_scored_shooter_post_alerts_by_email(database_url):
    from rumordesk.base.config import parse_settings
    from rumordesk.classify.scoring import PostScorer
    from rumordesk.store.posts import save_batch
    from rumordesk.store.records import Batch, Metrics, Post, Provenance
    from tests.helpers.classify import shipped_classify_section, text_model

    sink = SmtpSink().start()
    try:
        settings = parse_settings(
            {
                "storage": {"database_url": database_url},
                "classify": shipped_classify_section(),
                "mail": sink.settings(),
                "alerts": {"email_to": ["pio@santaclaraca.gov"]},
            }
        )
        db = open_database(settings.storage.database_url)
        now = datetime.now(UTC)
        post = Post(
            source="reddit-santaclara",
            source_id="t3_shooter",
            channel="reddit",
            text=SHOOTER,
            provenance=Provenance(now, None, "test"),
            author="someone",
            created_at=now,
            metrics=Metrics(likes=30, shares=12),
        )
        ids = save_batch(db, "reddit-santaclara", Batch((post,), {})).changed_ids
        PostScorer(settings, db, text_model().predict_proba).score(ids)
        with db.read() as connection:
            rumour = connection.execute(select(rumors)).mappings().one()
        assert rumour["severity"] >= 0.6 and rumour["score"] >= 0.7, dict(rumour)

        report = Alerter(settings, db)(now)

        assert report.sent == 1
        [got] = sink.received
        assert "active shooter" in str(got.message["Subject"]).lower()
        assert SHOOTER in got.message.get_content()
        assert f"/rumour?id={rumour['id']}" in got.message.get_content()
        db.dispose()
    finally:
        sink.stop()


def test_two_loops_over_one_store_deliver_each_alert_once(database_url, tmp_path: Path, hooks):
    """`rumordesk run` and a stray `collect --every` at once: claims are atomic."""
    import threading

    url = database_url
    setup = open_database(url)
    ids = [add_rumour(setup, cluster_key=f"story-{i}") for i in range(12)]
    setup.dispose()
    settings = settings_for(hooks, max_deliveries_per_check=50)
    loops = [Alerter(settings, open_database(url)) for _ in range(2)]
    start = threading.Barrier(2)
    errors: list[Exception] = []

    def tick(alerter: Alerter) -> None:
        start.wait()
        try:
            for second in range(5):
                alerter(NOW + timedelta(seconds=second))
        except Exception as exc:  # asserted on below: neither loop may fail
            errors.append(exc)

    threads = [threading.Thread(target=tick, args=(a,)) for a in loops]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    delivered = sorted(h.json["rumour"]["id"] for h in hooks.at("/ops"))
    assert delivered == sorted(ids)
    assert {r["status"] for r in alert_rows(loops[0].db)} == {"sent"}
    for alerter in loops:
        alerter.db.dispose()
