"""The project's own data, shipped inside the package: the training sets and the demo.

Read through :func:`data_file` (never by a path relative to the source tree), so an
installed copy finds them as well as a checkout. The database, exports, screenshots and
trained models that ``config.toml`` puts under ``data/`` by default are not part of it.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def data_file(*parts: str) -> Path:
    """A file shipped with Rumor Desk, e.g. ``data_file("training", "posts.csv")``."""
    return Path(str(files(__name__).joinpath(*parts)))
