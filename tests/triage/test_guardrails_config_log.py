"""Who configured what to be collected, and when: every change logged on every start."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from rumordesk.base.config import CONFIG_ENV, DATABASE_URL_ENV
from rumordesk.cli.main import main
from rumordesk.store.db import Database, lock
from rumordesk.triage import audit, config_log
from tests.helpers.database import storage_toml, wait_for_lock_waiters
from tests.helpers.settings import feed_source, make_settings, write_config


def search(**changes: Any) -> dict[str, Any]:
    return {
        "name": "reddit-santaclara",
        "kind": "feed_search",
        "channel": "reddit",
        "purpose": "Claims of shootings or threats in Santa Clara, for the PIO to check",
        "url_template": "https://www.reddit.com/r/SantaClara/search.rss?q={query}",
        "queries": ["shooting", "lockdown"],
        **changes,
    }


NEWS = {"name": "city-news", "kind": "feed", "channel": "website", "official": True,
        "url": "https://www.santaclaraca.gov/rss"}  # fmt: skip


@pytest.fixture(autouse=True)
def operator(monkeypatch):
    monkeypatch.setenv(config_log.OPERATOR_ENV, "alex.it")


def logged(db: Database) -> list[audit.AuditEntry]:
    return audit.entries(db, action="search_config", newest_first=False)


def test_the_first_start_logs_every_source_and_section(db):
    changes = config_log.record_changes(db, make_settings([search(), NEWS]))

    assert {(c.name, c.change) for c in changes} == {
        ("reddit-santaclara", "added"),
        ("city-news", "added"),
        ("[retention]", "added"),
        ("[guardrails]", "added"),
    }
    entries = {e.subject: e for e in logged(db)}
    entry = entries["reddit-santaclara"]
    assert entry.actor == "alex.it" and entry.detail["operator_from"] == "RUMORDESK_OPERATOR"
    assert entry.detail["purpose"].startswith("Claims of shootings")
    assert entry.detail["values"]["queries"] == ["shooting", "lockdown"]
    assert entry.detail["host"]
    assert audit.verify(db).ok


def test_an_unchanged_start_logs_nothing(db):
    settings = make_settings([search(), NEWS])
    config_log.record_changes(db, settings)
    assert config_log.record_changes(db, settings) == []
    assert config_log.record_changes(db, make_settings([NEWS, search()])) == []  # order


def test_a_widened_search_is_logged_with_what_changed(db, monkeypatch):
    config_log.record_changes(db, make_settings([search()]))
    monkeypatch.setenv(config_log.OPERATOR_ENV, "jordan")

    (change,) = config_log.record_changes(
        db, make_settings([search(queries=["shooting", "lockdown", "protest"])])
    )

    assert change.change == "changed" and change.fields == ("queries",)
    entry = logged(db)[-1]
    assert entry.actor == "jordan" and entry.subject == "reddit-santaclara"
    assert entry.detail["values"] == {"queries": ["shooting", "lockdown", "protest"]}
    assert entry.detail["previous"] == {"queries": ["shooting", "lockdown"]}


def test_a_changed_purpose_and_retention_are_logged(db):
    config_log.record_changes(db, make_settings([search()]))
    changes = config_log.record_changes(
        db,
        make_settings(
            [search(purpose="Anything people say about the police in Santa Clara")],
            retention={"post_days": 90},
        ),
    )
    assert {(c.name, c.fields) for c in changes} == {
        ("reddit-santaclara", ("purpose",)),
        ("[retention]", ("post_days",)),
    }


def test_a_removed_and_readded_source_is_logged_both_times(db):
    config_log.record_changes(db, make_settings([search(), NEWS]))
    (removed,) = config_log.record_changes(db, make_settings([NEWS]))
    assert (removed.name, removed.change) == ("reddit-santaclara", "removed")
    assert config_log.record_changes(db, make_settings([NEWS])) == []
    (added,) = config_log.record_changes(db, make_settings([search(), NEWS]))
    assert (added.name, added.change) == ("reddit-santaclara", "added")
    assert [row.change for row in config_log.history(db) if row.name == "reddit-santaclara"] == [
        "added",
        "removed",
        "added",
    ]


def test_without_the_variable_the_operating_system_user_is_named(db, monkeypatch):
    monkeypatch.delenv(config_log.OPERATOR_ENV)
    config_log.record_changes(db, make_settings([search()]))
    entry = logged(db)[0]
    assert entry.actor == getpass.getuser()
    assert entry.detail["operator_from"] == "os_user"


def _config(tmp_path: Path, db: Database, queries: str) -> Path:
    return write_config(
        tmp_path / "config.toml",
        f"""
{storage_toml(db)}
[[sources]]
name = "reddit-santaclara"
kind = "feed_search"
channel = "reddit"
enabled = false
purpose = "Claims of shootings or threats in Santa Clara, for the PIO to check"
url_template = "https://www.reddit.com/r/SantaClara/search.rss?q={{query}}"
queries = {queries}
""",
    )


def test_init_and_collect_log_the_change_on_start(db, tmp_path, monkeypatch):
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    runner = CliRunner()
    config = _config(tmp_path, db, '["shooting"]')
    first = runner.invoke(main, ["--config", str(config), "init"])
    assert first.exit_code == 0, first.output
    assert "configuration: 3 change(s) recorded in the audit log" in first.output

    _config(tmp_path, db, '["shooting", "gunfire"]')
    collected = runner.invoke(main, ["--config", str(config), "collect", "--once"])
    assert collected.exit_code == 0, collected.output
    entry = logged(db)[-1]
    assert entry.subject == "reddit-santaclara" and entry.detail["fields"] == ["queries"]
    again = runner.invoke(main, ["--config", str(config), "init"])
    assert "configuration: 0 change(s)" in again.output


@pytest.mark.backends("postgresql")
def test_processes_starting_together_compare_and_log_one_after_the_other(db: Database):
    """Two `init` at once after a change both logged it ("AUDIT LOG BROKEN at entry 7"):
    the comparison and the log are made under one lock, so they take turns and the second
    finds the change logged."""
    import threading

    settings = make_settings([feed_source("news", "http://127.0.0.1:9/news.xml")])
    logged: list[int] = []
    starting = [
        threading.Thread(target=lambda: logged.append(len(config_log.record_changes(db, settings))))
        for _ in range(2)
    ]
    holder = Database(db.url)
    try:
        with holder.write() as connection:
            lock(connection, "config-log")  # another process in the middle of logging
            for thread in starting:
                thread.start()
            wait_for_lock_waiters(db, 2)  # both wait: neither has compared anything yet
            assert logged == []
        for thread in starting:
            thread.join(timeout=30)
    finally:
        holder.dispose()
    assert sorted(logged) == [0, 3]  # the source and two sections, logged once
    assert audit.verify(db).ok
