"""A chore: work the collector loop does beside collection, when it is due.

The chores run one after another in the loop's chore thread (never in a collector's
worker); a failing chore is logged and rescheduled and never stops collection or the
other chores. Which chores exist is decided at the top, by
the loop (:mod:`rumordesk.loop`); the parts that offer one (alerts, the weekly export, the
purge) build it from this small type, so nothing below the loop needs to know the loop.

Several loops may share one database (collectors on several hosts). A chore that must run
in one of them only is given a ``gate`` by the loop (a lease in the database,
:class:`rumordesk.store.leases.LeaseGate`): when the gate says no, the chore is skipped and
asked again after ``recheck``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Chore:
    """``run(now)`` every ``every``; the first run happens on the first tick.

    ``gate(now)``, when set, decides whether this process runs it (another may be doing it);
    refused, it is asked again after ``recheck`` (default: ``every``).
    """

    name: str
    every: timedelta
    run: Callable[[datetime], object]
    next_at: datetime | None = None
    gate: Callable[[datetime], bool] | None = None
    recheck: timedelta | None = None


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
            if not self._may_run(chore, now):
                chore.next_at = now + (chore.recheck or chore.every)
                continue
            try:
                chore.run(now)
            except Exception:  # a chore's trouble must not stop collection
                log.exception("chore %s failed; it will run again in %s", chore.name, chore.every)
            chore.next_at = now + chore.every
            ran.append(chore.name)
        return ran

    @staticmethod
    def _may_run(chore: Chore, now: datetime) -> bool:
        if chore.gate is None:
            return True
        try:
            return chore.gate(now)
        except Exception:  # the database is unreachable: skip, ask again later
            log.exception("chore %s: cannot tell whether another process runs it", chore.name)
            return False
