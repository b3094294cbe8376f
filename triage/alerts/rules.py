"""When a rumour alerts, when it alerts again, and how long a failed delivery waits.

Pure functions over plain values, so the rule can be read (and tested) on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from rumordesk.base.backoff import doubling
from rumordesk.base.config import AlertSettings

#: Workflow statuses that mean "no alert": the PIO has already judged the rumour.
QUIET_STATUSES = frozenset({"accurate", "not_relevant", "duplicate"})


def qualifies(rumour: Mapping[str, Any], rule: AlertSettings) -> bool:
    """Dangerous enough to page the PIO now, and not already settled or a demo."""
    return (
        float(rumour["score"] or 0) >= rule.min_score
        and float(rumour["severity"] or 0) >= rule.min_severity
        and rumour["status"] not in QUIET_STATUSES
        and rumour["closed_at"] is None
        and rumour["duplicate_of"] is None
        and not rumour["is_demo"]
    )


def still_wanted(rumour: Mapping[str, Any] | None) -> bool:
    """At delivery time: a rumour closed or judged since the alert was queued is not sent."""
    return (
        rumour is not None
        and rumour["status"] not in QUIET_STATUSES
        and rumour["closed_at"] is None
        and rumour["duplicate_of"] is None
    )


def grew(reach: int, first_reach: int, rule: AlertSettings) -> bool:
    """Reach at least ``growth_factor`` × the reach at the first alert (and not tiny)."""
    return reach >= rule.growth_min_reach and reach >= rule.growth_factor * max(first_reach, 1)


def quiet_until(first_alert_at: datetime, rule: AlertSettings) -> datetime:
    """A growth re-alert is held until the quiet window after the first alert has passed."""
    return first_alert_at + timedelta(minutes=rule.quiet_minutes)


def backoff(attempts: int, rule: AlertSettings) -> timedelta:
    """Wait before attempt ``attempts + 1``: backoff_seconds, doubling, capped."""
    return doubling(rule.backoff_seconds, attempts - 1, rule.max_backoff_seconds)


def stale_after(rule: AlertSettings) -> timedelta:
    """A delivery marked 'sending' longer than this was cut short (the process stopped)."""
    return timedelta(seconds=max(60.0, 6 * rule.timeout_seconds))
