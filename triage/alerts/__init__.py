"""Immediate alerts: the PIO hears about a dangerous rumour within seconds.

How it fits together (each module has one job):

* :mod:`~triage.alerts.rules` — when a rumour alerts (score and severity at or above
  the rule, not settled or a demo), when it alerts again (reach × ``growth_factor``,
  once, held until the quiet window has passed), how retries back off;
* :mod:`~triage.alerts.queue` — the ``alerts`` table: one row per rumour × target ×
  kind (first | growth) under a unique key, so nothing is ever queued twice;
* :mod:`~triage.alerts.message` — what the alert says, as e-mail, generic JSON, a
  Teams Adaptive Card and a Slack message, with post text neutralised;
* :mod:`~triage.alerts.delivery` — one attempt at one target, and what came of it;
* :mod:`~triage.alerts.chore` — the loop's chore tying these together.

Delivery guarantee. A row is marked ``sending`` (committed) before the request goes out
and ``sent`` after the target accepted it. When the target certainly did not get it
(unreachable, or it answered with an error) the alert is retried with backoff. When it
*may* have got it — no answer before the timeout, or the process stopped while the row
was ``sending`` — the alert is resent only to an ``idempotent`` generic webhook (the
same ``Idempotency-Key`` on every attempt, so the receiver drops repeats: at least once,
effectively exactly once). E-mail, Teams and Slack cannot drop repeats, so for them the
row is marked ``failed`` with the reason and never resent: **at most once** — the PIO sees
it in the dashboard and in ``rumordesk alerts`` instead of receiving a duplicate.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from rumordesk.triage.alerts.delivery import Outcome, Target, configured_targets, deliver
from rumordesk.triage.alerts.message import AlertContent

if TYPE_CHECKING:
    from rumordesk.base.chores import Chore
    from rumordesk.base.config import AppSettings
    from rumordesk.store.db import Database
    from rumordesk.triage.roles import Actor


def build_chore(settings: AppSettings, db: Database) -> Chore | None:
    """The loop's alert chore, or None when no recipient or webhook is configured."""
    from rumordesk.base.chores import Chore
    from rumordesk.triage.alerts.chore import Alerter

    if not configured_targets(settings.alerts):
        return None
    alerter = Alerter(settings, db)
    return Chore("alerts", timedelta(seconds=settings.alerts.check_every_seconds), alerter)


def sample_content(settings: AppSettings, now: datetime | None = None) -> AlertContent:
    """A harmless alert that looks like a real one, for ``rumordesk alerts test``."""
    from rumordesk.triage.alerts.chore import rumour_link

    now = now or datetime.now(UTC)
    return AlertContent(
        rumor_id=0,
        kind="test",
        claim="This is a test of Rumor Desk alerts. No rumour is involved; nothing to do.",
        harm="test",
        places=("Santa Clara",),
        channels=("rumordesk",),
        score=0.0,
        severity=0.0,
        post_count=1,
        reach=0,
        first_seen_at=now,
        last_seen_at=now,
        reasons=("sent by `rumordesk alerts test`",),
        link=rumour_link(settings.alerts.public_url, 0),
        alert_id=f"rumordesk-test-{now:%Y%m%dT%H%M%S%f}",
    )


def send_test(settings: AppSettings, db: Database, actor: Actor) -> list[tuple[Target, Outcome]]:
    """Send a test alert to every configured target now (not queued); each one's result.

    Only someone who may see the alerts (the PIO, the administrator, the command line) and
    whose account may act now (triage/authz.py); the test is recorded in the audit log."""
    from rumordesk.triage import authz
    from rumordesk.triage.audit import record
    from rumordesk.triage.roles import Permission

    authz.check(db, actor, Permission.VIEW_SOURCES)
    content = sample_content(settings)
    results = [
        (target, deliver(settings, target, content))
        for target in configured_targets(settings.alerts)
    ]
    if results:
        failed = sum(outcome.result != "sent" for _, outcome in results)
        with authz.acting(db, actor, Permission.VIEW_SOURCES) as connection:
            record(
                connection, actor, "alert_test", detail={"targets": len(results), "failed": failed}
            )
    return results


__all__ = ["AlertContent", "Outcome", "Target", "build_chore", "configured_targets", "send_test"]
