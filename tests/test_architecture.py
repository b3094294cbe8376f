"""The shape of the house: one installed namespace, layers that run one way.

The layer contract lives in ``pyproject.toml`` (``[tool.importlinter]``); it is checked
on an installed copy, where every folder sits in its place under ``rumordesk/``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.install import dependencies_path, install_copy
from tests.helpers.paths import PROJECT_ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install_copy(tmp_path_factory.mktemp("installed"))


def _isolated(site: Path, code: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Python without the site module (so no editable finder, no source tree on the
    path): only the installed copy and the dependencies."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), dependencies_path()])}
    env.pop("RUMORDESK_CONFIG", None)
    return subprocess.run(
        [sys.executable, "-S", "-c", code, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_layers_run_one_way(installed: Path):
    """Entry points → reports → triage → classify | collectors → store → base | data."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint), "--config", str(PROJECT_ROOT / "pyproject.toml"), "--no-cache"],
        cwd=installed,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_only_the_rumordesk_name_is_installed(installed: Path, tmp_path: Path):
    """No generic top-level name (store, reports, classify, triage, collectors…)."""
    code = (
        "import importlib.metadata as m, json; "
        "print(json.dumps(sorted(n for n, d in m.packages_distributions().items()"
        " if 'rumordesk' in d)))"
    )
    result = _isolated(installed, code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["rumordesk"]
    folders = sorted(p.name for p in installed.iterdir() if p.is_dir())
    assert [f for f in folders if not f.endswith((".dist-info", "__pycache__"))] == [
        "bin",
        "rumordesk",
    ]


def test_every_package_folder_is_installed(installed: Path):
    """A new subpackage must be listed in pyproject.toml, or it would be left out."""
    mapping = {"base", "store", "collectors", "classify", "triage", "reports", "data"}
    expected = set()
    for init in PROJECT_ROOT.rglob("__init__.py"):
        parts = init.relative_to(PROJECT_ROOT).parent.parts
        if parts and parts[0] in mapping:
            expected.add(("rumordesk", *parts))
        elif parts and parts[0] == "rumordesk":
            expected.add(parts)
    missing = [p for p in expected if not (installed.joinpath(*p) / "__init__.py").is_file()]
    assert missing == []


@pytest.mark.slow
def test_a_plain_install_loads_the_demo_and_ranks_files(installed: Path, tmp_path: Path):
    """Package data (the training set, the demo evening) comes with the install."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'[storage]\ndatabase_url = "sqlite:///{tmp_path / "desk.db"}"\n'
        f'[classify]\nmodel_path = "{tmp_path / "model.skops"}"\n',
        encoding="utf-8",
    )
    cli = "import sys; from rumordesk.cli.main import main; main(prog_name='rumordesk')"
    loaded = _isolated(installed, cli, "--config", str(config), "demo", "load", cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert "DEMO" in loaded.stdout or "demo" in loaded.stdout

    (tmp_path / "posts.csv").write_text(
        "id,channel,author,created_at,text,likes,shares,replies\n"
        "1,x,a,2026-11-23T19:40:00-08:00,ACTIVE SHOOTER AT VALLEY FAIR RIGHT NOW,5,900,40\n"
        "2,x,b,2026-11-23T19:41:00-08:00,great tacos at the farmers market today,3,0,1\n",
        encoding="utf-8",
    )
    (tmp_path / "official.csv").write_text(
        "id,channel,created_at,text\n"
        "9,x,2026-11-23T19:30:00-08:00,Traffic advisory: El Camino Real lane closure.\n",
        encoding="utf-8",
    )
    ranked = _isolated(
        installed,
        cli,
        *("--config", str(config), "rank", "--posts", "posts.csv"),
        *("--official", "official.csv", "--out", "ranked.csv"),
        cwd=tmp_path,
    )
    assert ranked.returncode == 0, ranked.stderr
    rows = (tmp_path / "ranked.csv").read_text(encoding="utf-8").splitlines()
    assert rows[1].startswith("1,")  # the shooting rumour first, the tacos last
    assert str(PROJECT_ROOT) not in loaded.stderr + ranked.stderr
