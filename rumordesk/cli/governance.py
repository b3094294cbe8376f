"""Oversight commands: ``purge``, ``audit verify`` and the annual ``transparency`` report."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
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
    """The audit log: append-only, chained by SHA-256 from a fixed genesis, signed with
    $RUMORDESK_AUDIT_KEY, its head checkpointed outside the database."""


@audit.command("verify")
@click.option(
    "--checkpoint",
    "checkpoints",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A checkpoint kept outside the server (repeatable): the log must still reach it.",
)
@click.pass_obj
@friendly_errors
def audit_verify(obj: Context, checkpoints: tuple[Path, ...]) -> None:
    """Recompute the chain from the genesis to the head; exit 1 if anything was edited,
    removed, re-chained or appended around the application."""
    from rumordesk.triage.audit import verify
    from rumordesk.triage.checkpoint import check_signature, load

    loaded = []
    for path in checkpoints:
        checkpoint = load(path)
        click.echo(
            f"checkpoint {path.name}: entry {checkpoint.seq:,}, {check_signature(checkpoint)}"
        )
        loaded.append(checkpoint)
    # The latest checkpoint covers the earlier ones: the chain is checked up to each.
    checks = [verify(obj.db, checkpoint=c) for c in loaded] or [verify(obj.db)]
    failed = next((c for c in checks if not c.ok), None)
    if failed is None:
        check = max(checks, key=lambda c: c.checkpoint_seq or 0)
        click.echo(f"audit log {check.describe()}")
        if not checkpoints:
            click.echo(
                "(the end of the log was checked against its head in the database only; "
                "check it against a checkpoint kept elsewhere with --checkpoint FILE)"
            )
        return
    click.echo(
        f"AUDIT LOG {failed.describe()} ({failed.entries:,} entries read)",
        err=True,
    )
    sys.exit(1)


@audit.command("checkpoint")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the checkpoint to this file (default: print it).",
)
@click.pass_obj
@friendly_errors
def audit_checkpoint(obj: Context, out: Path | None) -> None:
    """The log's head now, signed: keep it off the server (mailed to [audit] checkpoint_to)."""
    from rumordesk.triage.checkpoint import mail, take

    checkpoint = take(obj.db)
    if out is None:
        click.echo(checkpoint.to_json(), nl=False)
    else:
        out.write_text(checkpoint.to_json(), encoding="utf-8")
        click.echo(f"checkpoint at entry {checkpoint.seq:,} written to {out}")
    if checkpoint.signature is None:
        click.echo(
            "! unsigned: set $RUMORDESK_AUDIT_KEY so a checkpoint cannot be forged", err=True
        )
    if mail(obj.settings, checkpoint, why="rumordesk audit checkpoint"):
        click.echo(f"mailed to {', '.join(obj.settings.audit.checkpoint_to)}")


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
