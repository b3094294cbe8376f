"""The scheduled weekly export: due at the configured local moment, once per week across
restarts, written to the folder and e-mailed through a real SMTP server on loopback."""

from __future__ import annotations

import io
import json
import socket
from datetime import timedelta
from email import message_from_bytes, policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from openpyxl import load_workbook

from rumordesk.base.chores import Chores
from rumordesk.reports import schedule
from rumordesk.reports.schedule import build_chore, due_week, run_weekly_export
from rumordesk.store import leases, open_database
from rumordesk.triage.audit import entries
from tests.helpers.database import url_of
from tests.helpers.weekly import build, scenario_settings, utc

# Monday Oct 26 2026, 07:05 PDT: W43 has ended and its export moment (07:00) has passed.
MONDAY_0705 = utc(2026, 10, 26, 14, 5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sink:
    """aiosmtpd on 127.0.0.1, keeping every message it accepts."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[Any] = []
        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(
            (list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.SMTP))
        )
        return "250 OK"


@pytest.fixture
def smtp():
    sink = Sink(free_port())
    sink.controller.start()
    yield sink
    sink.controller.stop()


def settings_for(tmp_path, port: int | None, *, url: str = "sqlite://", **reports: Any):
    mail = {"host": "127.0.0.1", "port": port, "security": "none"} if port else {}
    return scenario_settings(
        storage={"database_url": url},
        mail=mail,
        reports={
            "folder": str(tmp_path / "exports"),
            "recipients": ["pio@santaclaraca.gov", "chief.office@santaclaraca.gov"],
            **reports,
        },
    )


@pytest.fixture
def store_with_data(database_url):
    database = open_database(database_url)
    build(database, scenario_settings())
    yield database
    database.dispose()


def test_the_due_week_follows_the_local_day_and_time(tmp_path):
    settings = settings_for(tmp_path, None)
    assert due_week(settings, MONDAY_0705).label == "2026-W43"
    # Monday 06:55 PDT: W43's moment has not come; the week before is the one due
    assert due_week(settings, utc(2026, 10, 26, 13, 55)).label == "2026-W42"
    # after the clocks went back, Monday Nov 2 07:00 PST is 15:00 UTC
    assert due_week(settings, utc(2026, 11, 2, 14, 59)).label == "2026-W43"
    assert due_week(settings, utc(2026, 11, 2, 15, 0)).label == "2026-W44"
    wednesday = settings_for(tmp_path, None, weekly_day="wednesday", weekly_time="18:30")
    assert due_week(wednesday, utc(2026, 10, 29, 1, 29)).label == "2026-W42"  # Wed 18:29 PDT
    assert due_week(wednesday, utc(2026, 10, 29, 1, 30)).label == "2026-W43"
    assert due_week(settings_for(tmp_path, None, weekly_export=False), MONDAY_0705) is None


def test_exports_once_per_week_across_restarts_and_mails_it(tmp_path, smtp, store_with_data):
    settings = settings_for(
        tmp_path, smtp.port, formats=["xlsx", "csv"], url=url_of(store_with_data)
    )
    first = run_weekly_export(settings, store_with_data, now=MONDAY_0705)
    assert first.ran and first.mailed
    folder = tmp_path / "exports"
    assert sorted(p.name for p in folder.iterdir()) == [
        "weekly-report-2026-W43.audit-checkpoint.json",
        "weekly-report-2026-W43.json",
        "weekly-report-2026-W43.xlsx",
        "weekly-report-2026-W43.zip",
    ]
    [(to, message)] = smtp.messages
    assert to == ["pio@santaclaraca.gov", "chief.office@santaclaraca.gov"]
    assert "weekly engagement report 2026-W43" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "Posts published: 4" in body and "Engagement: 314 (previous week: 59)" in body
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert set(attachments) == {
        "weekly-report-2026-W43.xlsx",
        "weekly-report-2026-W43.zip",
        "weekly-report-2026-W43.audit-checkpoint.json",
    }
    book = load_workbook(io.BytesIO(attachments["weekly-report-2026-W43.xlsx"].get_content()))
    assert "Posts" in book.sheetnames and book["Posts"].max_row == 1 + 4

    # a restart: a new database connection, a new chore list, the same folder
    store_with_data.dispose()
    again = open_database(settings.storage.database_url)
    chores = Chores([build_chore(settings, again)], clock=lambda: MONDAY_0705 + timedelta(hours=1))
    assert chores.run_due() == ["weekly-export"]
    later = run_weekly_export(settings, again, now=MONDAY_0705 + timedelta(days=2))
    assert not later.ran and "already exported" in later.reason
    assert len(smtp.messages) == 1
    audited = entries(again, action="export")
    assert {e.detail["file"] for e in audited} == {
        "weekly-report-2026-W43.xlsx",
        "weekly-report-2026-W43.zip",
    }
    assert all(e.actor == "system" and e.detail["week"] == "2026-W43" for e in audited)

    # the next week comes due on the next Monday at 07:00 local time (PST by then)
    nxt = run_weekly_export(settings, again, now=utc(2026, 11, 2, 15, 1))
    assert nxt.ran and nxt.week.label == "2026-W44"
    assert len(smtp.messages) == 2
    again.dispose()


def test_without_mail_settings_the_export_is_only_written(tmp_path, store_with_data):
    settings = settings_for(tmp_path, None, url=url_of(store_with_data))
    outcome = run_weekly_export(settings, store_with_data, now=MONDAY_0705)
    assert outcome.ran and not outcome.mailed
    state = json.loads((tmp_path / "exports" / "weekly-report-2026-W43.json").read_text())
    assert state["mail"] == "not configured" and state["files"] == [
        "weekly-report-2026-W43.xlsx",
        "weekly-report-2026-W43.audit-checkpoint.json",
    ]


def test_mail_that_fails_is_retried_later_and_sent_once(tmp_path, store_with_data):
    port = free_port()  # nothing listens yet
    settings = settings_for(tmp_path, port, url=url_of(store_with_data))
    first = run_weekly_export(settings, store_with_data, now=MONDAY_0705)
    assert first.ran and not first.mailed
    manifest = tmp_path / "exports" / "weekly-report-2026-W43.json"
    state = json.loads(manifest.read_text())
    assert state["mail"] == "pending" and "127.0.0.1" in state["mail_error"]

    sink = Sink(port)
    sink.controller.start()
    try:
        retry = run_weekly_export(
            settings, store_with_data, now=MONDAY_0705 + timedelta(minutes=15)
        )
        assert not retry.ran and retry.mailed
        run_weekly_export(settings, store_with_data, now=MONDAY_0705 + timedelta(minutes=30))
    finally:
        sink.controller.stop()
    assert len(sink.messages) == 1
    [(_, message)] = sink.messages
    assert "Engagement: 314" in message.get_body(("plain",)).get_content()
    assert json.loads(manifest.read_text())["mail"] == "sent"


def test_a_second_loop_does_not_export_the_same_week(tmp_path, store_with_data):
    settings = settings_for(tmp_path, None, url=url_of(store_with_data))
    folder = tmp_path / "exports"
    folder.mkdir()
    # another process (on another host) is writing it right now
    week = due_week(settings, MONDAY_0705)
    assert leases.acquire(
        store_with_data,
        schedule.lease_name(week),
        now=MONDAY_0705,
        ttl=schedule.STALE_CLAIM,
        holder="host-b:4242:0badc0de",
    )
    outcome = run_weekly_export(settings, store_with_data, now=MONDAY_0705 + timedelta(minutes=5))
    assert not outcome.ran
    assert not (folder / "weekly-report-2026-W43.xlsx").exists()
    # ... but a claim abandoned by a crash is taken over after an hour
    late = run_weekly_export(settings, store_with_data, now=MONDAY_0705 + timedelta(hours=2))
    assert late.ran and (folder / "weekly-report-2026-W43.xlsx").is_file()


def test_the_collector_loop_runs_the_weekly_export(tmp_path, database_url):
    from rumordesk.loop import build_chores

    settings = settings_for(tmp_path, None, url=database_url)
    database = open_database(settings.storage.database_url)
    try:
        assert "weekly-export" in [c.name for c in build_chores(settings, database)]
        off = settings_for(tmp_path, None, weekly_export=False, url=database_url)
        assert "weekly-export" not in [c.name for c in build_chores(off, database)]
    finally:
        database.dispose()
