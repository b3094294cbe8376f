"""The collector loop: what `rumordesk collect --every` and `rumordesk run` keep doing.

First, whatever the scoring outbox holds is scored (a crash, a failure or a stopped command
left it). Then each source is collected when it is due, in a worker of its own
(:class:`~rumordesk.collectors.runner.Runner`), and each batch it stores is scored at once
(:class:`~rumordesk.classify.scoring.PostScorer`). The chores run in a thread of their own,
in this order: alerts first (a dangerous rumour must not wait: a stored batch wakes the
alert check at once), last week's report, the retention purge. Everything the loop does is
wired here, in plain sight, and nothing below this module knows that a loop exists.

Any number of loops may share one database (``collect --every`` on several hosts, next to
``run``): each chore runs in one of them, decided by a lease in the database
(:mod:`rumordesk.store.leases`). The alert chore is held by one loop while it runs and
taken over :data:`ALERTS_LEASE` after that loop stopped; the purge runs once per period in
whichever loop comes first; the weekly export keeps one lease per week.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from rumordesk.base.chores import Chore, Chores
from rumordesk.base.config import AppSettings
from rumordesk.store.db import Database
from rumordesk.store.leases import LeaseGate

#: A loop that stopped hands the alert chore to another after this long.
ALERTS_LEASE = timedelta(seconds=30)
#: How often a loop that was refused a chore's lease asks again.
LEASE_RECHECK = timedelta(minutes=1)

#: The chore that a stored batch makes due at once (triage/alerts: ``Chore("alerts", …)``).
ALERT_CHORE = "alerts"


def collection_hooks(settings: AppSettings, db: Database) -> dict[str, Any]:
    """The runner's hooks: new or edited posts are scored (the model loads on the first
    batch; a failure stays recorded in the outbox and is retried, never raised); posts
    whose engagement alone moved refresh their rumours' reach and spread without the text
    model; ``score_pending`` scores what the outbox holds before anything else."""
    from rumordesk.classify.scoring import PostScorer

    scorer = PostScorer(settings, db)
    return {
        "on_stored": scorer,
        "on_metrics": scorer.engagement_changed,
        "score_pending": scorer.score_pending,
    }


def record_configuration(settings: AppSettings, db: Database) -> None:
    """Log changes to what is collected (docs/USE_POLICY.md) before collecting."""
    from rumordesk.triage.config_log import record_changes

    record_changes(db, settings)


def build_chores(settings: AppSettings, db: Database) -> list[Chore]:
    """Every chore of the collector loop, in the order they run on a tick."""
    from rumordesk.reports.schedule import build_chore as weekly_export_chore
    from rumordesk.triage.alerts import build_chore as alert_chore

    chores: list[Chore] = []
    if alerts := alert_chore(settings, db):  # first: a dangerous rumour must not wait
        alerts.gate = LeaseGate(db, "chore:alerts", ALERTS_LEASE, renew=True)
        alerts.recheck = min(ALERTS_LEASE / 6, LEASE_RECHECK)
        chores.append(alerts)
    if weekly := weekly_export_chore(settings, db):  # last week's report, once
        chores.append(weekly)
    chores.append(_purge_chore(settings, db))
    return chores


def loop_chores(settings: AppSettings, db: Database) -> Callable[[bool], object]:
    """What the runner's chore thread calls on every tick: the chores that are due; when a
    batch was stored and scored since the last call, the alert check is due at once."""
    chores = Chores(build_chores(settings, db))

    def run(stored: bool = False) -> list[str]:
        if stored:
            for chore in chores.chores:
                if chore.name == ALERT_CHORE:
                    chore.next_at = None
        return chores.run_due()

    return run


def _purge_chore(settings: AppSettings, db: Database) -> Chore:
    """The retention purge (triage/retention.py), hourly by default."""
    from rumordesk.triage.retention import purge

    every = timedelta(minutes=settings.retention.purge_every_minutes)
    return Chore(
        "purge",
        every,
        lambda now: purge(db, settings, now=now),
        gate=LeaseGate(db, "chore:purge", every),  # once per period, in one loop
        recheck=min(every, LEASE_RECHECK),
    )
