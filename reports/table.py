"""One exportable table: the shape every export (CSV, XLSX) and the dashboard page share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Table:
    """Columns in order, and rows keyed by column; ``None`` is an unavailable figure."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: list[dict[str, Any]]
