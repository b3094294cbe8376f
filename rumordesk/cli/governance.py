"""Oversight commands: ``purge``, ``audit verify`` and the annual ``transparency`` report."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any

import click

from rumordesk.cli.context import Context, friendly_errors


@click.command()
@click.option("--dry-run", is_flag=True, help="Show what would be removed; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
@friendly_errors
def purge(obj: Context, dry_run: bool, as_json: bool) -> None:
    """Apply the retention policy now (the collector loop also does, every hour)."""
    from rumordesk.triage.config_log import operator
    from rumordesk.triage.retention import purge as run_purge

    settings = obj.settings
    report = run_purge(obj.db, settings, dry_run=dry_run, via=f"cli by {operator()[0]}")
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2, sort_keys=True))
        return
    retention = settings.retention
    verb = "would remove" if dry_run else "removed"
    click.echo(
        f"retention: public posts {retention.post_days} days, records {retention.records_days} "
        f"days (cut-offs {report.posts_cutoff:%Y-%m-%d} and {report.records_cutoff:%Y-%m-%d})"
    )
    if report.removed:
        removed = ", ".join(
            f"{count:,} {kind.replace('_', ' ')}" for kind, count in report.removed.items()
        )
        click.echo(f"{verb}: {removed}")
    else:
        click.echo(f"{verb}: nothing")
    if report.files:
        done = len(report.files) - report.files_missing - report.files_failed
        click.echo(
            f"screenshot files {verb}: {len(report.files) if dry_run else done}"
            + (f" ({report.files_missing} already gone)" if report.files_missing else "")
        )
    if report.files_failed:
        click.echo(f"! {report.files_failed} screenshot file(s) could not be removed", err=True)
    kept = report.kept
    click.echo(
        f"kept on purpose: {kept.get('held_rumors', 0):,} rumour(s) under legal hold, "
        f"{kept.get('acted_on_rumors', 0):,} rumour(s) acted on within the records period, "
        f"{kept.get('old_posts_kept_for_a_rumour', 0):,} older post(s) of those rumours"
    )
    if report.audit_id:
        click.echo(f"audit entry {report.audit_id} records this purge")


@click.group()
def audit() -> None:
    """The audit log: append-only, each entry chained to the one before by SHA-256."""


@audit.command("verify")
@click.pass_obj
@friendly_errors
def audit_verify(obj: Context) -> None:
    """Recompute the hash chain; exit 1 if any entry was edited or removed."""
    from rumordesk.triage.audit import verify

    check = verify(obj.db)
    if check.ok:
        click.echo(f"audit log intact: {check.entries:,} entries, every one chained to the last")
        return
    click.echo(
        f"AUDIT LOG BROKEN at entry {check.first_bad_id}: {check.problem} "
        f"({check.entries:,} entries read)",
        err=True,
    )
    sys.exit(1)


@click.command()
@click.option(
    "--year",
    type=click.IntRange(2000, 2999),
    default=lambda: datetime.now(UTC).year,
    show_default="this year",
    help="Calendar year (UTC).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option(
    "--out",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="Write to this file (default: standard output).",
)
@click.pass_obj
@friendly_errors
def transparency(obj: Context, year: int, as_json: bool, out: Any) -> None:
    """The annual figures: searches, posts collected and purged, triage, exports, audit."""
    from rumordesk.triage.transparency import build, render_text

    report = build(obj.db, obj.settings, year)
    if as_json:
        out.write(json.dumps(report.as_dict(), indent=2, sort_keys=True, ensure_ascii=False))
        out.write("\n")
    else:
        out.write(render_text(report))
    if not report.audit_chain_ok:
        click.echo(f"! the audit log is broken: {report.audit_chain_problem}", err=True)
