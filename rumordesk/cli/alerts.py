"""``rumordesk alerts``: recent alerts and their delivery; ``alerts test`` tries every target."""

from __future__ import annotations

import sys

import click

from rumordesk.cli.context import Context, format_when, friendly_errors, print_table


@click.group(invoke_without_command=True)
@click.option("--limit", type=click.IntRange(min=1), default=30, show_default=True)
@click.option(
    "--status",
    type=click.Choice(["queued", "sending", "sent", "retrying", "failed", "cancelled"]),
    help="Only alerts in this state.",
)
@click.pass_context
@friendly_errors
def alerts(ctx: click.Context, limit: int, status: str | None) -> None:
    """List recent alerts and their delivery status (newest first)."""
    if ctx.invoked_subcommand is not None:
        return
    from rumordesk.triage.alerts.queue import counts, recent

    obj: Context = ctx.obj
    rows = recent(obj.db, limit=limit, status=status)
    tz = obj.settings.department.tz
    if not rows:
        click.echo("no alerts yet")
        return
    table = [
        [
            str(r.id),
            str(r.rumor_id),
            r.kind,
            r.target,
            r.status,
            str(r.attempts),
            format_when(r.created_at, tz),
            format_when(r.sent_at, tz)
            if r.status == "sent"
            else format_when(r.next_attempt_at, tz),
            _printable(f"{r.last_error or ''} {r.claim}")[:70],
        ]
        for r in rows
    ]
    print_table(
        ["id", "rumour", "kind", "target", "status", "tries", "queued", "sent/next", "reason"],
        table,
    )
    summary = ", ".join(f"{n} {s}" for s, n in counts(obj.db).items() if n)
    click.echo(f"all alerts: {summary}")


def _printable(text: str) -> str:
    """Post text for a terminal: one line, no control characters (no escape sequences)."""
    return "".join(ch if ch.isprintable() else " " for ch in " ".join(text.split()))


@alerts.command("test")
@click.pass_obj
@friendly_errors
def test(obj: Context) -> None:
    """Send a test alert to every configured target now; exit 1 if any failed."""
    from rumordesk.triage.alerts import send_test
    from rumordesk.triage.roles import SYSTEM

    results = send_test(obj.settings, obj.db, SYSTEM)
    if not results:
        raise click.ClickException(
            "no alert targets are configured ([alerts] email_to, [[alerts.webhooks]])"
        )
    failed = 0
    for target, outcome in results:
        ok = outcome.result == "sent"
        failed += not ok
        state = "sent" if ok else ("maybe sent" if outcome.result == "unknown" else "FAILED")
        line = f"{target.key}: {state}" + (f" — {outcome.error}" if outcome.error else "")
        click.echo(line, err=not ok)
    click.echo(f"{len(results) - failed} of {len(results)} target(s) received the test alert")
    if failed:
        sys.exit(1)
