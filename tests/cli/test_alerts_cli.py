"""`rumordesk alerts` and `rumordesk alerts test`, and the [alerts] settings' checks."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from rumordesk.base.errors import ConfigError
from rumordesk.cli.main import main
from rumordesk.store import open_database
from rumordesk.triage.alerts.chore import Alerter
from rumordesk.triage.audit import entries
from tests.helpers.alerts import NOW, SmtpSink, WebhookServer, add_rumour, alert_rows
from tests.helpers.settings import make_settings, write_config


def config(tmp_path: Path, smtp: SmtpSink, *hooks: str) -> Path:
    blocks = "".join(
        f'\n[[alerts.webhooks]]\nname = "hook{i}"\nkind = "{kind}"\nurl = "{url}"\n'
        for i, (kind, url) in enumerate(h.split(" ", 1) for h in hooks)
    )
    return write_config(
        tmp_path / "config.toml",
        f"""
[storage]
database_url = "sqlite:///{tmp_path / "r.db"}"

[mail]
host = "127.0.0.1"
port = {smtp.port}
security = "none"

[alerts]
email_to = ["pio@santaclaraca.gov"]
timeout_seconds = 1.0
public_url = "https://desk.scpd.example"
{blocks}""",
    )


def test_alerts_test_sends_to_every_target_and_reports_each(tmp_path):
    smtp, hooks = SmtpSink().start(), WebhookServer().start()
    try:
        path = config(tmp_path, smtp, f"teams {hooks.url('/t')}", f"slack {hooks.url('/s')}")
        result = CliRunner().invoke(main, ["--config", str(path), "alerts", "test"])
        assert result.exit_code == 0, result.output
        assert "email:pio@santaclaraca.gov: sent" in result.output
        assert "webhook:hook0: sent" in result.output and "webhook:hook1: sent" in result.output
        assert "3 of 3 target(s) received the test alert" in result.output
        assert "TEST ALERT" in str(smtp.received[0].message["Subject"])
        card = hooks.at("/t")[0].json["attachments"][0]["content"]
        assert card["actions"][0]["url"] == "https://desk.scpd.example/rumour?id=0"
        assert hooks.at("/s")[0].json["text"].startswith("TEST ALERT")
        db = open_database(f"sqlite:///{tmp_path / 'r.db'}")
        assert [e.action for e in entries(db, action="alert_test")] == ["alert_test"]
        assert alert_rows(db) == []  # a test is sent directly, never queued
        db.dispose()
    finally:
        smtp.stop()
        hooks.stop()


def test_alerts_test_exits_1_naming_the_target_that_failed(tmp_path):
    smtp, hooks = SmtpSink().start(), WebhookServer().start()
    down = WebhookServer()  # nothing listens there
    try:
        path = config(tmp_path, smtp, f"generic {hooks.url('/g')}", f"slack {down.url('/x')}")
        result = CliRunner().invoke(main, ["--config", str(path), "alerts", "test"])
        assert result.exit_code == 1
        assert "webhook:hook0: sent" in result.output
        assert "webhook:hook1: FAILED — webhook hook1: could not connect" in result.output
        assert "2 of 3 target(s) received the test alert" in result.output
    finally:
        smtp.stop()
        hooks.stop()


def test_alerts_test_without_targets_is_a_clear_error(tmp_path):
    path = write_config(
        tmp_path / "config.toml", f'[storage]\ndatabase_url = "sqlite:///{tmp_path / "r.db"}"\n'
    )
    result = CliRunner().invoke(main, ["--config", str(path), "alerts", "test"])
    assert result.exit_code == 1
    assert "no alert targets are configured" in result.output


def test_alerts_lists_recent_alerts_and_their_status(tmp_path):
    smtp = SmtpSink()  # down: the alert is retrying with a reason
    path = config(tmp_path, smtp)
    db = open_database(f"sqlite:///{tmp_path / 'r.db'}")
    rumor_id = add_rumour(db, claim="Shooter\nat Levi's\x1b[31m")
    settings = make_settings(
        [], mail=smtp.settings(), alerts={"email_to": ["pio@santaclaraca.gov"]}
    )
    Alerter(settings, db)(NOW)
    db.dispose()

    result = CliRunner().invoke(main, ["--config", str(path), "alerts"])

    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("1 "))
    assert f" {rumor_id} " in line and "first" in line and "email:pio@santaclaraca.gov" in line
    assert "retrying" in line and "ConnectionRefused" in line
    assert "\x1b" not in result.output  # terminal escapes from post text are not replayed
    assert "all alerts: 1 retrying" in result.output
    only_sent = CliRunner().invoke(main, ["--config", str(path), "alerts", "--status", "sent"])
    assert "no alerts yet" in only_sent.output


@pytest.mark.parametrize(
    ("webhook", "message"),
    [
        (
            {"name": "s", "kind": "slack", "url": "https://hooks.slack.com/services/T/B/x"},
            "put it in an environment variable",
        ),
        (
            {"name": "t", "kind": "teams", "url": "https://x.webhook.office.com/webhookb2/a"},
            "put it in an environment variable",
        ),
        ({"name": "g", "kind": "generic"}, "set exactly one of url and url_env"),
        (
            {"name": "g", "kind": "generic", "url": "https://a.example", "url_env": "A_URL"},
            "set exactly one of url and url_env",
        ),
        ({"name": "g", "kind": "generic", "url": "ftp://relay.example/x"}, "http(s) URL"),
        (
            {"name": "s", "kind": "slack", "url_env": "SLACK_URL", "idempotent": True},
            "generic webhooks only",
        ),
        ({"name": "g", "kind": "discord", "url": "https://a.example"}, "kind"),
    ],
)
def test_webhook_settings_are_checked(webhook, message):
    with pytest.raises(ConfigError, match="alerts.webhooks") as caught:
        make_settings([], alerts={"webhooks": [webhook]})
    assert message in str(caught.value)


@pytest.mark.parametrize("address", ["pio", "pio@x.example\r\nBcc: e@evil.example", "a b@c.de"])
def test_recipients_must_be_plain_addresses(address):
    with pytest.raises(ConfigError, match="alerts.email_to"):
        make_settings([], alerts={"email_to": [address]})


def test_a_slack_url_in_the_environment_is_accepted():
    settings = make_settings(
        [], alerts={"webhooks": [{"name": "s", "kind": "slack", "url_env": "RUMORDESK_SLACK"}]}
    )
    assert settings.alerts.webhooks[0].url == ""
