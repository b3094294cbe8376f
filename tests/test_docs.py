"""The README is the manual: a command it does not mention does not exist for its users."""

from __future__ import annotations

from collections.abc import Iterator

import click

from rumordesk.cli.main import main
from tests.helpers.paths import PROJECT_ROOT


def _commands(group: click.Group, prefix: str) -> Iterator[str]:
    for name, command in sorted(group.commands.items()):
        yield f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from _commands(command, f"{prefix} {name}")


def test_every_command_is_in_the_readme():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [command for command in _commands(main, "rumordesk") if command not in readme]
    assert missing == [], f"commands the README does not mention: {missing}"


def test_the_readme_names_the_two_commands_and_ci_runs_the_test_one():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    ci = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.rstrip().endswith("make test")  # CI runs exactly what the README promises
