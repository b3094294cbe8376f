"""The ``rumordesk`` command: one group, and every subcommand registered here by name.

Errors are one clear line on stderr and a non-zero exit (:func:`context.friendly_errors`).
"""

from __future__ import annotations

import click

from rumordesk.base.config import CONFIG_ENV
from rumordesk.base.logs import configure_logging
from rumordesk.cli import (
    alerts,
    channels,
    collection,
    demo,
    governance,
    model,
    rank,
    reports,
    users,
)
from rumordesk.cli.context import Context


@click.group()
@click.option(
    "--config",
    "config_path",
    envvar=CONFIG_ENV,
    type=click.Path(dir_okay=False),
    help="Configuration file (default: ./config.toml, or $RUMORDESK_CONFIG).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log debugging detail.")
@click.version_option(package_name="rumordesk")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, verbose: bool) -> None:
    """Rumor Desk: collect public posts, score likely misinformation, triage it."""
    configure_logging(verbose)
    ctx.obj = Context(config_path)


#: Every subcommand, in the order of the data: sources → posts → scores → rumours →
#: decisions → reports, then accounts and the demo.
COMMANDS: tuple[click.Command, ...] = (
    collection.init,
    collection.collect,
    collection.sources,
    collection.posts,
    collection.run,
    collection.web,
    channels.import_file,
    channels.report,
    model.train,
    model.evaluate,
    rank.rank,
    rank.score,
    alerts.alerts,
    governance.purge,
    governance.audit,
    governance.transparency,
    reports.export_week,
    reports.export_audit,
    users.user,
    demo.demo,
)
for _command in COMMANDS:
    main.add_command(_command)
