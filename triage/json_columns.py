"""The JSON text columns of rumours and scores (places, channels, reasons, signals), read
leniently: a malformed or unexpected value reads as empty rather than failing a page."""

from __future__ import annotations

import json
from typing import Any


def json_list(text: str | None) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def json_dict(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
