"""Subcommands of each stage of the data flow, kept beside the code they drive.

Each module here adds its commands to :data:`rumordesk.cli.main`; the list is explicit
(no discovery), so a command that is missing is missing here, in plain sight.
"""

from __future__ import annotations

import importlib

#: One module per stage: sources → posts → scores → rumours → decisions → reports.
COMMAND_MODULES: tuple[str, ...] = (
    "governance",
    "users",
    "demo",
    "channels",
    "model",
    "rank",
    "alerts",
    "reports",
)


def register() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"rumordesk.commands.{name}")
