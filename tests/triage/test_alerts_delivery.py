"""Alerts reach a real SMTP server and real webhook receivers on loopback, in the shapes
each expects, survive failures (down, 5xx, slow) and are delivered exactly once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from rumordesk.loop import build_chores
from rumordesk.triage.alerts.chore import Alerter
from tests.helpers.alerts import (
    NOW,
    SHOOTER,
    SmtpSink,
    WebhookServer,
    add_rumour,
    alert_rows,
    wait_for,
)
from tests.helpers.settings import make_settings

LATER = timedelta(minutes=1)


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def hooks() -> Iterator[WebhookServer]:
    server = WebhookServer().start()
    yield server
    server.stop()


def settings_for(
    smtp: SmtpSink | None = None,
    webhooks: list[dict[str, Any]] | None = None,
    **alerts: Any,
):
    section: dict[str, Any] = {
        "public_url": "https://rumordesk.scpd.example/",
        "backoff_seconds": 5.0,
        "timeout_seconds": 1.0,
        "webhooks": webhooks or [],
        **alerts,
    }
    sections: dict[str, Any] = {"alerts": section}
    if smtp is not None:
        section.setdefault("email_to", ["pio@santaclaraca.gov"])
        sections["mail"] = smtp.settings()
    return make_settings([], **sections)


def hook(name: str, kind: str, url: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": kind, "url": url, **extra}


# --- e-mail ---------------------------------------------------------------------------


def test_email_alert_has_the_claim_place_spread_reasons_and_link(db, smtp):
    rumor_id = add_rumour(db, post_count=4, reach=120, last_seen_at=NOW + timedelta(minutes=6))
    alerter = Alerter(
        settings_for(smtp, email_to=["pio@santaclaraca.gov", "chief@scpd.example"]), db
    )

    report = alerter(NOW + timedelta(minutes=6))

    assert report.sent == 2
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == [
        "chief@scpd.example",
        "pio@santaclaraca.gov",
    ]
    message = next(r.message for r in smtp.received if r.rcpt_tos == ["pio@santaclaraca.gov"])
    assert message["From"] == "rumordesk@santaclaraca.gov"
    assert message["To"] == "pio@santaclaraca.gov"
    subject = str(message["Subject"])
    assert subject.startswith(
        "[Rumor Desk] ALERT: active shooter claimed at California's Great America — ACTIVE SHOOTER"
    )
    assert message["X-RumorDesk-Alert"].startswith("rumordesk-alert-")
    body = message.get_content()
    assert f"Claim: {SHOOTER}" in body
    assert "Where: California's Great America" in body
    assert "Spread: 4 posts on reddit, mastodon in 6 min; reach 120 interactions" in body
    assert "Reason 1: claims an active shooter" in body
    assert "Reason 3: no Department post about it" in body
    assert f"Open the rumour: https://rumordesk.scpd.example/rumour?id={rumor_id}" in body
    rows = alert_rows(db)
    assert [(r["status"], r["attempts"], r["kind"]) for r in rows] == [("sent", 1, "first")] * 2
    assert all(r["sent_at"] >= NOW + timedelta(minutes=6) for r in rows)


def test_a_claim_with_line_breaks_cannot_add_headers_or_recipients(db, smtp):
    hostile = "Shooter at Levi's\r\nBcc: everyone@evil.example\r\n\r\nforged body\nSubject: x"
    add_rumour(db, claim=hostile)

    Alerter(settings_for(smtp), db)(NOW)

    assert len(smtp.received) == 1
    got = smtp.received[0]
    assert got.rcpt_tos == ["pio@santaclaraca.gov"]
    assert got.message["Bcc"] is None
    assert len(got.message.get_all("Subject")) == 1
    subject = str(got.message["Subject"])
    assert "\r" not in subject and "\n" not in subject
    assert "Bcc: everyone@evil.example" in subject  # folded into the one line, harmless
    assert "forged body" in got.message.get_content()  # the claim is quoted in the body


def test_smtp_down_then_recovery_delivers_once(db):
    sink = SmtpSink()  # not started: nothing listens on its port
    settings = settings_for(sink)
    add_rumour(db)
    alerter = Alerter(settings, db)

    alerter(NOW)
    [row] = alert_rows(db)
    assert row["status"] == "retrying" and row["attempts"] == 1
    assert "refused" in row["last_error"].lower() or "connect" in row["last_error"].lower()
    assert row["next_attempt_at"] > NOW

    alerter(NOW + timedelta(seconds=1))  # not due yet: no attempt
    assert alert_rows(db)[0]["attempts"] == 1

    sink.start()
    try:
        alerter(NOW + LATER)
        alerter(NOW + 2 * LATER)
        assert len(sink.received) == 1
        assert alert_rows(db)[0]["status"] == "sent"
        assert alert_rows(db)[0]["attempts"] == 2
    finally:
        sink.stop()


def test_smtp_temporary_refusal_is_retried_permanent_refusal_is_final(db, smtp):
    smtp.replies = ["451 4.3.0 try again later"]
    add_rumour(db)
    alerter = Alerter(settings_for(smtp), db)

    alerter(NOW)
    assert alert_rows(db)[0]["status"] == "retrying"
    alerter(NOW + LATER)
    assert alert_rows(db)[0]["status"] == "sent"
    assert len(smtp.received) == 1

    smtp.replies = ["554 5.7.1 rejected"]
    add_rumour(db, cluster_key="claim:bomb@Levi's Stadium", claim="bomb at Levi's")
    alerter(NOW + 2 * LATER)
    second = alert_rows(db)[1]
    assert second["status"] == "failed" and second["attempts"] == 1
    assert "554" in second["last_error"]
    alerter(NOW + 10 * LATER)
    assert alert_rows(db)[1]["attempts"] == 1
    assert len(smtp.received) == 1


@pytest.mark.slow
def test_smtp_silent_after_the_message_is_at_most_once(db, smtp):
    """The server has the message but does not confirm it: never sent a second time."""
    smtp.delay = 3.0
    add_rumour(db)
    alerter = Alerter(settings_for(smtp), db)

    alerter(NOW)

    [row] = alert_rows(db)
    assert row["status"] == "failed"
    assert "may have arrived" in row["last_error"]
    for minutes in range(1, 4):
        alerter(NOW + minutes * LATER)
    assert len(smtp.received) == 1


# --- webhooks -------------------------------------------------------------------------


def test_webhook_bodies_for_generic_teams_and_slack(db, hooks):
    settings = settings_for(
        webhooks=[
            hook("ops", "generic", hooks.url("/generic")),
            hook("teams", "teams", hooks.url("/teams")),
            hook("slack", "slack", hooks.url("/slack")),
        ]
    )
    rumor_id = add_rumour(db, reach=75)
    link = f"https://rumordesk.scpd.example/rumour?id={rumor_id}"

    assert Alerter(settings, db)(NOW).sent == 3

    [generic] = hooks.at("/generic")
    assert generic.headers["Content-Type"].startswith("application/json")
    assert generic.headers["Idempotency-Key"].startswith("rumordesk-alert-")
    body = generic.json
    assert body["type"] == "rumordesk.alert" and body["kind"] == "first"
    assert body["rumour"]["id"] == rumor_id
    assert body["rumour"]["claim"] == SHOOTER
    assert body["rumour"]["places"] == ["California's Great America"]
    assert body["rumour"]["reach"] == 75
    assert body["rumour"]["url"] == link
    assert body["rumour"]["reasons"][0] == "claims an active shooter"

    [teams] = hooks.at("/teams")
    message = teams.json
    assert message["type"] == "message"
    [attachment] = message["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["actions"] == [
        {"type": "Action.OpenUrl", "title": "Open in Rumor Desk", "url": link}
    ]
    texts = [run["text"] for block in card["body"] for run in block["inlines"]]
    assert "ALERT: active shooter claimed at California's Great America" in texts
    assert "Claim: " in texts and SHOOTER in texts

    [slack] = hooks.at("/slack")
    payload = slack.json
    assert payload["text"].startswith("ALERT: active shooter claimed at California's Great America")
    assert [b["type"] for b in payload["blocks"]] == ["header", "section", "actions"]
    section = payload["blocks"][1]["text"]
    assert section["type"] == "mrkdwn" and section["verbatim"] is True
    assert f"*Claim:* {SHOOTER}" in section["text"]
    assert payload["blocks"][2]["elements"][0]["url"] == link


HOSTILE = (
    "Shooter at Valley Fair <!channel> @here <http://evil.example/x|official update> "
    'see evil.example now & "quote" \\ }{ <@U123> ＠everyone'
)


def test_post_text_cannot_add_links_or_mentions_to_chat(db, hooks):
    settings = settings_for(
        webhooks=[
            hook("teams", "teams", hooks.url("/teams")),
            hook("slack", "slack", hooks.url("/slack")),
            hook("ops", "generic", hooks.url("/generic")),
        ]
    )
    add_rumour(db, claim=HOSTILE, places=json.dumps(["<!here> evil.example"]))

    Alerter(settings, db)(NOW)

    slack = hooks.at("/slack")[0].body.decode()
    teams = hooks.at("/teams")[0].body.decode()
    for body in (slack, teams):
        assert "evil.example" not in body  # defanged: evil[.]example
        assert "evil[.]example" in body
        assert "http://evil" not in body
        assert "@here" not in body and "@everyone" not in body
        links = [u for u in _urls(json.loads(body))]
        assert links and all(
            u.startswith("https://rumordesk.scpd.example/rumour?id=") for u in links
        )
    assert "<!channel>" not in slack and "<!here>" not in slack and "<@U123>" not in slack
    assert "&lt;!channel&gt;" in slack and "&amp;" in slack
    # the generic JSON carries the claim exactly (it is data, not markup), valid JSON
    assert hooks.at("/generic")[0].json["rumour"]["claim"] == HOSTILE


def _urls(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [v for k, v in node.items() if k == "url"] + [
            u for v in node.values() for u in _urls(v)
        ]
    if isinstance(node, list):
        return [u for v in node for u in _urls(v)]
    return []


def test_webhook_down_then_recovery_delivers_once(db):
    server = WebhookServer()  # its port is free: connection refused
    settings = settings_for(webhooks=[hook("slack", "slack", server.url("/s"))])
    add_rumour(db)
    alerter = Alerter(settings, db)

    alerter(NOW)
    [row] = alert_rows(db)
    assert (row["status"], row["attempts"]) == ("retrying", 1)
    assert "could not connect" in row["last_error"]

    server.start()
    try:
        alerter(NOW + LATER)
        alerter(NOW + 2 * LATER)
        assert len(server.accepted("/s")) == 1 and len(server.at("/s")) == 1
        assert alert_rows(db)[0]["status"] == "sent"
    finally:
        server.stop()


def test_500_answers_are_retried_with_backoff_until_accepted_once(db, hooks):
    from tests.helpers.alerts import HookRoute

    hooks.routes["/t"] = HookRoute(statuses=[500, 503])
    settings = settings_for(webhooks=[hook("teams", "teams", hooks.url("/t"))], backoff_seconds=10)
    add_rumour(db)
    alerter = Alerter(settings, db)

    alerter(NOW)
    first = alert_rows(db)[0]
    assert first["status"] == "retrying" and "HTTP 500" in first["last_error"]
    assert first["next_attempt_at"] >= NOW + timedelta(seconds=10)
    alerter(NOW + timedelta(seconds=12))
    second = alert_rows(db)[0]
    assert second["status"] == "retrying" and "HTTP 503" in second["last_error"]
    assert second["next_attempt_at"] >= NOW + timedelta(seconds=12 + 20)  # doubled
    alerter(NOW + timedelta(seconds=12))  # not due: nothing
    assert len(hooks.at("/t")) == 2
    alerter(NOW + LATER)
    alerter(NOW + 5 * LATER)

    assert [h.status for h in hooks.at("/t")] == [500, 503, 200]
    assert len(hooks.accepted("/t")) == 1
    assert alert_rows(db)[0]["status"] == "sent" and alert_rows(db)[0]["attempts"] == 3


def test_a_target_that_keeps_failing_is_given_up_after_max_attempts(db, hooks):
    from tests.helpers.alerts import HookRoute

    hooks.routes["/g"] = HookRoute(statuses=[502] * 10)
    settings = settings_for(webhooks=[hook("ops", "generic", hooks.url("/g"))], max_attempts=3)
    add_rumour(db)
    alerter = Alerter(settings, db)
    for minutes in range(0, 30, 5):
        alerter(NOW + timedelta(minutes=minutes))

    [row] = alert_rows(db)
    assert row["status"] == "failed" and row["attempts"] == 3
    assert "gave up after 3 attempts" in row["last_error"]
    assert len(hooks.at("/g")) == 3


def test_a_4xx_answer_is_final(db, hooks):
    from tests.helpers.alerts import HookRoute

    hooks.routes["/gone"] = HookRoute(statuses=[404])
    settings = settings_for(webhooks=[hook("slack", "slack", hooks.url("/gone"))])
    add_rumour(db)
    alerter = Alerter(settings, db)
    alerter(NOW)
    alerter(NOW + 10 * LATER)
    [row] = alert_rows(db)
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert "HTTP 404" in row["last_error"]


@pytest.mark.slow
def test_slow_idempotent_webhook_is_resent_with_the_same_key_and_processed_once(db, hooks):
    from tests.helpers.alerts import HookRoute

    hooks.routes["/slow"] = HookRoute(delays=[2.5])
    settings = settings_for(
        webhooks=[hook("ops", "generic", hooks.url("/slow"), idempotent=True)],
        timeout_seconds=0.5,
    )
    add_rumour(db)
    alerter = Alerter(settings, db)

    alerter(NOW)
    row = alert_rows(db)[0]
    assert row["status"] == "retrying" and "no answer within 0.5s" in row["last_error"]
    alerter(NOW + LATER)
    alerter(NOW + 2 * LATER)

    seen = hooks.at("/slow")
    assert len(seen) == 2
    keys = {h.headers["Idempotency-Key"] for h in seen}
    assert len(keys) == 1  # a receiver that honours the key processes it once
    assert alert_rows(db)[0]["status"] == "sent"


@pytest.mark.slow
def test_slow_chat_webhook_is_not_resent(db, hooks):
    """Slack cannot drop a repeat: an unanswered delivery is reported, never doubled."""
    from tests.helpers.alerts import HookRoute

    hooks.routes["/slow"] = HookRoute(delays=[2.0])
    settings = settings_for(
        webhooks=[hook("slack", "slack", hooks.url("/slow"))], timeout_seconds=0.5
    )
    add_rumour(db)
    alerter = Alerter(settings, db)
    for minutes in range(0, 20, 2):
        alerter(NOW + timedelta(minutes=minutes))

    [row] = alert_rows(db)
    assert row["status"] == "failed" and "may have arrived" in row["last_error"]
    assert len(hooks.at("/slow")) == 1


def test_work_per_tick_is_bounded_and_a_failing_target_is_tried_once_per_tick(db, hooks):
    down = WebhookServer()  # never started
    settings = settings_for(
        webhooks=[hook("ok", "generic", hooks.url("/ok")), hook("down", "generic", down.url("/"))],
        max_deliveries_per_check=6,
    )
    for i in range(5):
        add_rumour(db, cluster_key=f"story-{i}")
    alerter = Alerter(settings, db)

    report = alerter(NOW)

    assert report.queued == 10
    assert report.sent + report.retrying == 4  # six looked at, two of them deferred
    attempted_down = [r for r in alert_rows(db, target="webhook:down") if r["attempts"]]
    assert len(attempted_down) == 1
    for minutes in range(1, 12):
        alerter(NOW + timedelta(minutes=minutes))
    assert len(hooks.accepted("/ok")) == 5
    assert len({h.headers["Idempotency-Key"] for h in hooks.at("/ok")}) == 5


def test_webhook_url_from_the_environment(db, hooks, monkeypatch):
    monkeypatch.setenv("TEST_SLACK_URL", hooks.url("/from-env"))
    settings = settings_for(webhooks=[{"name": "s", "kind": "slack", "url_env": "TEST_SLACK_URL"}])
    add_rumour(db)
    Alerter(settings, db)(NOW)
    assert len(hooks.accepted("/from-env")) == 1


def test_unset_url_variable_fails_with_the_reason(db, monkeypatch):
    monkeypatch.delenv("TEST_MISSING_URL", raising=False)
    settings = settings_for(
        webhooks=[{"name": "s", "kind": "slack", "url_env": "TEST_MISSING_URL"}]
    )
    add_rumour(db)
    Alerter(settings, db)(NOW)
    [row] = alert_rows(db)
    assert row["status"] == "failed" and "$TEST_MISSING_URL is not set" in row["last_error"]


@pytest.mark.parametrize("value", ["ftp://relay.example/hook", "relay.example/hook", "https://"])
def test_a_url_variable_that_is_not_an_http_url_fails_with_the_reason(db, monkeypatch, value):
    monkeypatch.setenv("TEST_BAD_URL", value)
    settings = settings_for(webhooks=[{"name": "s", "kind": "slack", "url_env": "TEST_BAD_URL"}])
    add_rumour(db)
    Alerter(settings, db)(NOW)
    [row] = alert_rows(db)
    assert row["status"] == "failed" and "$TEST_BAD_URL is not an http(s) URL" in row["last_error"]


def test_the_loop_runs_the_alert_chore_only_when_targets_are_configured(db, smtp):
    assert "alerts" not in [c.name for c in build_chores(make_settings([]), db)]
    chores = build_chores(settings_for(smtp), db)
    [chore] = [c for c in chores if c.name == "alerts"]
    assert chore.every == timedelta(seconds=1)
    add_rumour(db)
    chore.run(NOW)
    assert wait_for(lambda: len(smtp.received) == 1)


@pytest.mark.slow
def test_a_slow_target_cannot_hold_the_loop_past_the_tick_budget(db, hooks):
    from tests.helpers.alerts import HookRoute

    hooks.routes["/slowish"] = HookRoute(delays=[0.6] * 4)
    settings = settings_for(
        webhooks=[hook("ops", "generic", hooks.url("/slowish"))],
        timeout_seconds=2.0,
        max_seconds_per_check=1.0,
    )
    for i in range(4):
        add_rumour(db, cluster_key=f"story-{i}")
    alerter = Alerter(settings, db)

    first = alerter(NOW)
    assert (first.sent, first.deferred) == (2, 2)  # the third would start after 1.2 s
    second = alerter(NOW + timedelta(seconds=1))
    assert second.sent == 2, [(r["status"], r["next_attempt_at"]) for r in alert_rows(db)]
    assert len(hooks.accepted("/slowish")) == 4
