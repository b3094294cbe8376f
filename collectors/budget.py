"""A cap on posts read per run and per UTC day, for platforms that bill per read (X).

The count lives in the source's cursor, so it is saved in the same transaction as the
posts it paid for, survives restarts, and `rumordesk sources` can show it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class ReadBudget:
    day: str
    spent_today: int
    per_run: int
    per_day: int
    spent_run: int = 0

    @classmethod
    def from_cursor(
        cls, cursor: Mapping[str, Any], *, per_run: int, per_day: int, now: datetime
    ) -> ReadBudget:
        """Today's spending so far (a new UTC day starts from zero)."""
        reads = cursor.get("reads") or {}
        day = now.strftime("%Y-%m-%d")
        spent = int(reads.get("spent", 0)) if reads.get("day") == day else 0
        return cls(day=day, spent_today=spent, per_run=per_run, per_day=per_day)

    @property
    def remaining(self) -> int:
        return max(0, min(self.per_run - self.spent_run, self.per_day - self.spent_today))

    def spend(self, count: int) -> None:
        self.spent_run += count
        self.spent_today += count

    def as_cursor(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "spent": self.spent_today,
            "per_day": self.per_day,
            "last_run": self.spent_run,
        }


def describe_reads(
    cursor: Mapping[str, Any], *, today: str | None = None, per_day: int | None = None
) -> str:
    """``"120/2000 today"`` for a source with a read budget (``per_day`` from its settings,
    so it shows before the first run too), ``""`` for one without."""
    reads = cursor.get("reads")
    reads = reads if isinstance(reads, Mapping) else {}
    cap = per_day if per_day is not None else reads.get("per_day")
    if cap is None:
        return ""
    spent = reads.get("spent", 0) if today is None or reads.get("day") == today else 0
    return f"{spent}/{cap} today"
