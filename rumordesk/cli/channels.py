"""``rumordesk import`` and ``rumordesk report``: posts that arrive by hand, not by API."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from rumordesk.cli.context import Context, friendly_errors, unscored_warning


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", "source_name", required=True, help="A csv_import source in the config.")
@click.pass_obj
@friendly_errors
def import_file(obj: Context, file: Path, source_name: str) -> None:
    """Import a CSV export (Nextdoor, Facebook, Instagram, spreadsheet): all rows or none."""
    from rumordesk.collectors.csv_import import import_csv
    from rumordesk.loop import collection_hooks
    from rumordesk.triage.audit import record
    from rumordesk.triage.roles import SYSTEM

    score_pending = collection_hooks(obj.settings, obj.db)["score_pending"]
    score_pending()  # what an earlier run left unscored goes first

    def audit(connection: Any, result: Any) -> None:
        """The import's audit entry, in the transaction that stores its posts."""
        record(
            connection,
            SYSTEM,
            "import",
            subject=f"source:{source_name}",
            detail={
                "file": result.file,
                "sha256": result.sha256,
                "rows": result.rows,
                "new": result.new,
                "updated": result.updated,
            },
        )

    result = import_csv(obj.db, obj.settings, source_name, file, in_transaction=audit)
    if result.changed_ids or result.metrics_changed_ids:  # as the collector loop does
        click.echo(f"scoring {len(result.changed_ids):,} new or changed post(s)…", err=True)
        score_pending()
    again = " (this file was imported before)" if result.already_imported else ""
    click.echo(
        f"{result.file}: {result.rows} row(s): {result.new} new, {result.updated} updated, "
        f"{result.unchanged} unchanged{again}"
    )
    if unscored := unscored_warning(obj.db):
        click.echo("! " + unscored, err=True)
        sys.exit(1)


@click.command()
@click.option(
    "--text",
    default="",
    help="What the post says (copy it as written); may be left out with --screenshot, whose "
    "text is then read.",
)
@click.option("--where", required=True, help="Where it was seen: nextdoor, facebook, x, …")
@click.option("--by", "reported_by", required=True, help="Who is reporting it.")
@click.option("--url", default=None, help="The post's link, if there is one.")
@click.option(
    "--screenshot",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A PNG, JPEG or WebP screenshot of the post.",
)
@click.option("--note", default=None, help="Anything the PIO should know.")
@click.pass_obj
@friendly_errors
def report(
    obj: Context,
    text: str,
    where: str,
    reported_by: str,
    url: str | None,
    screenshot: Path | None,
    note: str | None,
) -> None:
    """Forward a post seen by staff to the PIO's queue (its text, a screenshot, or both)."""
    from dataclasses import replace

    from rumordesk.triage.intake import file_report
    from rumordesk.triage.roles import SYSTEM

    # The command line acts as the system; the reporter is who --by names.
    actor = replace(SYSTEM, display_name=reported_by)
    filed = file_report(
        obj.db,
        obj.settings,
        actor,
        url=url,
        text=text,
        where=where,
        note=note,
        screenshot=screenshot.read_bytes() if screenshot else None,
        filename=screenshot.name if screenshot else None,
    )
    click.echo(
        f"report stored as post {filed.post_id}, in the PIO's queue as rumour {filed.rumor_id}"
    )
    if filed.reading is not None:
        from rumordesk.triage.intake import describe_reading

        click.echo(describe_reading(filed.reading))
