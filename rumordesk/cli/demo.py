"""``rumordesk demo load|remove``: the invented evening in data/demo/, in and out."""

from __future__ import annotations

import click

from rumordesk.cli.context import Context, friendly_errors
from rumordesk.triage.roles import SYSTEM


@click.group()
def demo() -> None:
    """A clearly marked demo scenario (invented posts) for trying Rumor Desk without keys."""


@demo.command("load")
@click.pass_obj
@friendly_errors
def load(obj: Context) -> None:
    """Replay the demo evening (ending now) through the store and the scorer."""
    from rumordesk.demo import load_demo

    result = load_demo(obj.db, obj.settings, SYSTEM)
    click.echo(
        f"loaded the DEMO scenario: {result.posts} invented post(s), {result.rumors} rumour(s); "
        "remove it with: rumordesk demo remove"
    )


@demo.command("remove")
@click.pass_obj
@friendly_errors
def remove(obj: Context) -> None:
    """Delete every demo post, score and rumour (the audit log keeps its entries)."""
    from rumordesk.demo import remove_demo

    result = remove_demo(obj.db, SYSTEM)
    click.echo(f"removed the demo scenario: {result.posts} post(s), {result.rumors} rumour(s)")
