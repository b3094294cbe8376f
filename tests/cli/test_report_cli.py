"""`rumordesk export` and `rumordesk export-audit`: one step from the store to a file."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from rumordesk.cli.main import main
from rumordesk.reports.weeks import Week
from rumordesk.store import open_database
from rumordesk.triage.audit import entries, record_now
from rumordesk.triage.roles import Actor, Role
from tests.helpers.paths import PROJECT_ROOT
from tests.helpers.settings import write_config
from tests.helpers.weekly import HOSTILE, build, scenario_settings, toml_sources, utc

LA = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def setup(tmp_path):
    database_path = tmp_path / "rumordesk.db"
    config = write_config(
        tmp_path / "config.toml",
        f'[storage]\ndatabase_url = "sqlite:///{database_path}"\n\n{toml_sources()}\n',
    )
    db = open_database(f"sqlite:///{database_path}")
    build(db, scenario_settings(), hostile=True)
    yield config, db
    db.dispose()


def run(config, *args):
    return CliRunner().invoke(main, ["--config", str(config), *args])


def test_export_a_week_as_xlsx(setup, tmp_path):
    config, db = setup
    out = tmp_path / "w43.xlsx"
    result = run(config, "export", "--week", "2026-W43", "--format", "xlsx", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "wrote 2026-W43" in result.stderr and "4 post(s) published" in result.stderr
    assert "engagement 314" in result.stderr
    book = load_workbook(out)
    assert book.sheetnames[0] == "Summary"
    texts = [row[3] for row in book["Posts"].iter_rows(min_row=2, values_only=True)]
    assert "'" + HOSTILE[0] in texts
    [entry] = entries(db, action="export")
    assert entry.detail["week"] == "2026-W43" and entry.detail["via"] == "cli"
    assert entry.detail["file"] == "weekly-report-2026-W43.xlsx"


def test_export_csv_into_a_folder_uses_the_default_name(setup, tmp_path):
    config, _ = setup
    folder = tmp_path / "out"
    folder.mkdir()
    result = run(config, "export", "--week", "2026-W43", "--format", "csv", "--out", str(folder))
    assert result.exit_code == 0, result.output
    archive = zipfile.ZipFile(folder / "weekly-report-2026-W43.zip")
    channels = list(
        csv.DictReader(io.StringIO(archive.read("weekly-report-2026-W43/channels.csv").decode()))
    )
    assert {r["Channel"]: r["Engagement"] for r in channels}["facebook"] == "264"


def test_default_is_the_last_complete_week(setup, tmp_path, monkeypatch):
    config, _ = setup
    monkeypatch.chdir(tmp_path)
    result = run(config, "export")
    assert result.exit_code == 0, result.output
    expected = Week.last_complete(datetime.now(UTC), LA).label
    assert (tmp_path / f"weekly-report-{expected}.xlsx").is_file()


def test_an_empty_week_is_exported_with_a_note(setup, tmp_path):
    config, _ = setup
    out = tmp_path / "empty.xlsx"
    result = run(config, "export", "--week", "2026-W50", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "note: No Department post was published in 2026-W50" in result.stderr
    assert load_workbook(out)["Posts"].max_row == 1


@pytest.mark.parametrize("week", ["2026-42", "2025-W53", "next"])
def test_a_bad_week_is_one_clear_line(setup, week):
    config, _ = setup
    result = run(config, "export", "--week", week)
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "week" in result.stderr.lower()


def test_export_audit_for_a_date_range(setup, tmp_path):
    config, db = setup
    pio = Actor("pio", Role.PIO)
    record_now(db, pio, "status", subject="before", at=utc(2026, 10, 19, 6, 59))
    record_now(db, pio, "status", subject="@SUM(1)", at=utc(2026, 10, 20, 12))
    out = tmp_path / "audit.zip"
    result = run(
        config,
        "export-audit",
        "--since",
        "2026-10-19",
        "--until",
        "2026-10-25",
        "--format",
        "csv",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert "wrote 1 audit entry" in result.stderr
    archive = zipfile.ZipFile(out)
    name = "audit-log-2026-10-19-to-2026-10-25/audit_log.csv"
    rows = list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))
    assert [r["subject"] for r in rows] == ["'@SUM(1)"]
    [entry] = entries(db, action="export")
    assert entry.detail["kind"] == "audit_log" and entry.detail["entries"] == 1
    backwards = run(config, "export-audit", "--since", "2026-10-25", "--until", "2026-10-19")
    assert backwards.exit_code == 1 and "before it starts" in backwards.stderr


@pytest.mark.slow
def test_the_installed_command_writes_to_standard_output(setup):
    config, _ = setup
    done = subprocess.run(
        [str(Path(sys.executable).parent / "rumordesk"), "--config", str(config), "export"]
        + ["--week", "2026-W42", "--out", "-"],
        capture_output=True,
        cwd=PROJECT_ROOT,
        env={**os.environ},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    book = load_workbook(io.BytesIO(done.stdout))
    assert book["Posts"].max_row == 1 + 2  # x-1 and yt-1
