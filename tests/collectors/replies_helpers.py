"""Recorded reply and comment bodies (``tests/collectors/recorded/``), made recent.

The bodies were written on one evening (2026-11-20, about 16:00–17:00 UTC); the
collectors read the last few days, so each test shifts every timestamp in a body by the
same amount, keeping its format, so that 17:00 that evening is a few minutes ago.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

RECORDED = Path(__file__).parent / "recorded"
#: A moment just after everything in the recorded bodies.
ANCHOR = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)
_TIME = re.compile(r'"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{3})?(Z|\+0000)"')


def recorded(name: str, *, now: datetime | None = None) -> Any:
    """The body of ``recorded/<name>``, with its times moved so ANCHOR is ``now`` − 5 min."""
    shift = (now or datetime.now(UTC)) - timedelta(minutes=5) - ANCHOR

    def moved(found: re.Match[str]) -> str:
        moment = datetime.fromisoformat(found.group(1)).replace(tzinfo=UTC) + shift
        text = moment.strftime("%Y-%m-%dT%H:%M:%S")
        return f'"{text}{found.group(2) or ""}{found.group(3)}"'

    return json.loads(_TIME.sub(moved, (RECORDED / name).read_text(encoding="utf-8")))


def shifted(value: str, *, now: datetime | None = None) -> datetime:
    """A recorded time as the test sees it after :func:`recorded` moved it."""
    shift = (now or datetime.now(UTC)) - timedelta(minutes=5) - ANCHOR
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC) + shift
