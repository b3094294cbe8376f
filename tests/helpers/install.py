"""An installed copy of Rumor Desk (not editable), built from the working tree's files.

Layer checks and packaging tests look at what ``pip install .`` would put in
site-packages, where every folder sits in its place under ``rumordesk/``; the build runs
on a copy of the tree (tracked and untracked, not ignored files), offline
(``--no-build-isolation``: setuptools and wheel come with the dev extras).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.helpers.paths import PROJECT_ROOT


def project_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [name for name in listed.split("\0") if name and (PROJECT_ROOT / name).is_file()]


def install_copy(workdir: Path) -> Path:
    """``pip install --target`` of the tree into ``workdir/site``; returns that folder."""
    source = workdir / "source"
    for name in project_files():
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_ROOT / name, target)
    site = workdir / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
        + ["--no-build-isolation", "--target", str(site), str(source)],
        check=True,
        capture_output=True,
    )
    return site


def dependencies_path() -> str:
    """The site-packages holding the dependencies (not this project's editable finder)."""
    import sysconfig

    return sysconfig.get_paths()["purelib"]
