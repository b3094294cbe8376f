"""The README is the manual: a command it does not mention does not exist for its users;
and the paths the README and docs/ARCHITECTURE.md name exist."""

from __future__ import annotations

import re
from collections.abc import Iterator
from fnmatch import fnmatch

import click
import pytest

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


# --- the paths the documents name ------------------------------------------------------

DOCUMENTS = ("README.md", "docs/ARCHITECTURE.md")
#: A project path: lower-case folders and a file or a trailing slash, optionally
#: ``:name`` (``store/posts.py:save_batch``). Leaves out URLs, ``../shared``, dotfiles,
#: time zones (``America/Los_Angeles``), media types and templates (``{public_url}/…``).
PATH = re.compile(r"[a-z_][\w.-]*(?:/[\w.-]+)*/?")
#: Written by the program at run time, and git-ignored; named as where output goes.
RUNTIME = {"data/rumordesk.db", "data/exports/", "data/screenshots", "data/screenshots/"}


def _spans(text: str) -> Iterator[tuple[str, bool]]:
    """Inline code spans, and the words of fenced blocks (commands, the data-flow diagram),
    each with whether it came from a fenced block."""
    fenced = re.compile(r"^```[^\n]*\n(.*?)^```", re.M | re.S)
    for block in fenced.findall(text):
        for word in re.split(r"[\s=(),;│─►▼→+]+", block):
            yield word, True
    for span in re.findall(r"`([^`\n]+)`", fenced.sub("", text)):
        yield span, False


def _named_paths(document: str) -> set[str]:
    """Each span's first word that is a project path, without ``:name``. In fenced blocks,
    where prose also has slashes ("new/edited"), only a file name or a trailing slash counts."""
    text = (PROJECT_ROOT / document).read_text(encoding="utf-8")
    found = set()
    for span, in_block in _spans(text):
        if not span.strip():
            continue
        path = span.split(maxsplit=1)[0].split(":", 1)[0]
        if "/" not in path or not PATH.fullmatch(path):
            continue
        if in_block and not (path.endswith("/") or "." in path.rsplit("/", 1)[1]):
            continue
        found.add(path)
    return found


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_project_path_the_document_names_exists(document):
    named = _named_paths(document)
    assert len(named) >= 10, f"{document}: the path scan found almost nothing: {sorted(named)}"
    missing = sorted(p for p in named - RUNTIME if not (PROJECT_ROOT / p).exists())
    assert missing == [], f"{document} names paths that do not exist: {missing}"


def test_the_run_time_paths_are_git_ignored():
    ignored = (PROJECT_ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    for path in RUNTIME:
        assert any(fnmatch(path.rstrip("/"), p.rstrip("/")) for p in ignored), path


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_module_the_document_names_by_file_name_exists(document):
    """``x.py`` in "one module each: ``x.py``, ``graph.py``…" is a module somewhere."""
    text = (PROJECT_ROOT / document).read_text(encoding="utf-8")
    names = {s for s in re.findall(r"`([\w-]+\.py)`", text)}
    modules = {p.name for p in PROJECT_ROOT.rglob("*.py") if ".venv" not in p.parts}
    assert sorted(names - modules) == [], f"{document} names modules that do not exist"
