"""What the collector loop does besides collecting: deliver alerts, purge, export weekly.

Each chore runs when it is due, in the loop's own thread, between collection passes; a
failing chore is logged and rescheduled and never stops collection or the other chores.
The list is explicit (:func:`build_chores`), so what runs in the loop is visible here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rumordesk.config import AppSettings
    from store.db import Database

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Chore:
    """``run(now)`` every ``every``; the first run happens on the first tick."""

    name: str
    every: timedelta
    run: Callable[[datetime], object]
    next_at: datetime | None = None


class Chores:
    """Runs the due chores; call :meth:`run_due` on every tick of the loop."""

    def __init__(self, chores: list[Chore], clock: Callable[[], datetime] | None = None) -> None:
        self.chores = chores
        self.clock = clock or (lambda: datetime.now(UTC))

    def run_due(self) -> list[str]:
        """Run every chore that is due; returns the names of those that ran."""
        ran = []
        for chore in self.chores:
            now = self.clock()
            if chore.next_at is not None and now < chore.next_at:
                continue
            try:
                chore.run(now)
            except Exception:  # a chore's trouble must not stop collection
                log.exception("chore %s failed; it will run again in %s", chore.name, chore.every)
            chore.next_at = now + chore.every
            ran.append(chore.name)
        return ran


def build_chores(settings: AppSettings, db: Database) -> list[Chore]:
    """Every chore of the collector loop, in the order they run on a tick."""
    from triage.alerts import build_chore as alert_chore

    chores: list[Chore] = []
    if alerts := alert_chore(settings, db):  # first: a dangerous rumour must not wait
        chores.append(alerts)
    from reports.schedule import build_chore as weekly_export_chore

    if weekly := weekly_export_chore(settings, db):  # last week's report, once
        chores.append(weekly)
    chores.append(_purge_chore(settings, db))
    return chores


def _purge_chore(settings: AppSettings, db: Database) -> Chore:
    """The retention purge (triage/retention.py), hourly by default."""
    from triage.retention import purge

    every = timedelta(minutes=settings.retention.purge_every_minutes)
    return Chore("purge", every, lambda now: purge(db, settings, now=now))
