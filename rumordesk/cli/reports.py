"""``rumordesk export`` (the weekly report) and ``rumordesk export-audit`` (public records).

Both write one file (an .xlsx workbook, or a .zip of CSVs) and record the export in the
audit log. The command line is the server operator's: it acts as the system account,
with the operating-system user named in the entry.
"""

from __future__ import annotations

import getpass
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from rumordesk.cli.context import Context, friendly_errors

FORMAT = click.Choice(["xlsx", "csv"])


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "unknown"


def _write(content: bytes, out: str | None, default_name: str) -> str:
    """To ``out`` (a file, or a folder for the default name), or ``-`` for standard output."""
    if out == "-":
        sys.stdout.buffer.write(content)
        sys.stdout.buffer.flush()
        return "standard output"
    path = Path(out) if out else Path(default_name)
    if path.is_dir():
        path = path / default_name
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(content)
    partial.replace(path)
    return str(path)


@click.command("export")
@click.option("--week", help="ISO week, e.g. 2026-W42 (default: the last complete week).")
@click.option("--format", "fmt", type=FORMAT, default="xlsx", show_default=True)
@click.option(
    "--out",
    help="File or folder to write (default: ./weekly-report-WEEK.xlsx or .zip; - for stdout).",
)
@click.pass_obj
@friendly_errors
def export_week(obj: Context, week: str | None, fmt: str, out: str | None) -> None:
    """Export the weekly engagement report on the Department's posts."""
    from rumordesk.reports.export import audit_export
    from rumordesk.reports.schedule import weekly_files
    from rumordesk.reports.weekly import build_report
    from rumordesk.reports.weeks import Week
    from rumordesk.triage.roles import SYSTEM

    settings = obj.settings
    tz = settings.department.tz
    now = datetime.now(UTC)
    chosen = Week.parse(week, tz) if week else Week.last_complete(now, tz)
    report = build_report(
        obj.db, chosen, sources=settings.sources, department=settings.department.name, now=now
    )
    [file] = weekly_files(report, (fmt,))
    where = _write(file.content, out, file.filename)
    audit_export(
        obj.db,
        SYSTEM,
        file,
        kind="weekly_report",
        detail={"week": chosen.label, "via": "cli", "operator": _operator(), "format": fmt},
    )
    summary = (
        f"wrote {chosen.label} to {where}: {len(report.posts)} post(s) published, "
        f"engagement {report.engagement if report.engagement is not None else 'unavailable'}"
    )
    click.echo(summary, err=True)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)


@click.command("export-audit")
@click.option(
    "--since",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="First day (local date, inclusive).",
)
@click.option(
    "--until",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Last day (local date, inclusive).",
)
@click.option("--format", "fmt", type=FORMAT, default="xlsx", show_default=True)
@click.option("--out", help="File or folder to write (default: ./audit-log-SINCE-to-UNTIL.*).")
@click.pass_obj
@friendly_errors
def export_audit(obj: Context, since: datetime, until: datetime, fmt: str, out: str | None) -> None:
    """Export the triage and audit log for a date range (for public-records requests)."""
    from rumordesk.reports.audit_export import audit_tables
    from rumordesk.reports.export import audit_export, render
    from rumordesk.triage.roles import SYSTEM

    first, last = since.date(), until.date()
    tables = audit_tables(obj.db, first, last, obj.settings.department.tz)
    stem = f"audit-log-{first.isoformat()}-to-{last.isoformat()}"
    file = render(tables, stem=stem, fmt=fmt, title=f"Audit log {first} to {last}")
    where = _write(file.content, out, file.filename)
    count = len(next(t for t in tables if t.name == "audit_log").rows)
    audit_export(
        obj.db,
        SYSTEM,
        file,
        kind="audit_log",
        detail={
            "since": first.isoformat(),
            "until": last.isoformat(),
            "entries": count,
            "via": "cli",
            "operator": _operator(),
            "format": fmt,
        },
    )
    click.echo(f"wrote {count} audit entr{'y' if count == 1 else 'ies'} to {where}", err=True)
