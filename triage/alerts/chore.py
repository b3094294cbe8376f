"""The alert chore of the collector loop: check changed rumours, deliver what is due.

It runs every ``check_every_seconds`` (1 s by default), and at once when a collector
worker has stored and scored a batch (the loop's chore thread is woken), so an alert goes
out as soon as its rumour crosses the rule. Nothing changed costs one index range scan.
Delivery is bounded per tick (``max_deliveries_per_check``, ``max_seconds_per_check``,
short timeouts, and a target that failed is not tried again in the same tick), so a dead
mail server or chat service delays the other chores by seconds at most, and never
collection, which runs in its own workers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rumordesk.base.config import AppSettings
from rumordesk.store.db import Database
from rumordesk.triage.alerts import queue, rules
from rumordesk.triage.alerts.delivery import Outcome, Target, configured_targets, deliver
from rumordesk.triage.alerts.message import AlertContent

log = logging.getLogger(__name__)

#: Rumours updated this long before the newest one seen are looked at again, so one
#: written by another process with a slightly older timestamp is not missed.
OVERLAP = timedelta(seconds=60)


@dataclass
class TickReport:
    queued: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    cancelled: int = 0
    recovered: tuple[int, int] = (0, 0)
    deferred: int = 0

    def __bool__(self) -> bool:
        return any((self.queued, self.sent, self.retrying, self.failed, self.cancelled))


@dataclass
class Alerter:
    """Checks rumours against the rule and delivers the queue; one per loop process."""

    settings: AppSettings
    db: Database
    clock: Callable[[], float] = time.monotonic
    targets: dict[str, Target] = field(init=False)
    _since: datetime | None = field(default=None, init=False)
    _seen: dict[int, datetime] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.targets = {t.key: t for t in configured_targets(self.settings.alerts)}

    def __call__(self, now: datetime) -> TickReport:
        report = TickReport()
        report.recovered = queue.recover_stale(
            self.db,
            now,
            self.settings.alerts,
            [key for key, target in self.targets.items() if target.idempotent],
        )
        report.queued = self.check(now)
        self.deliver_due(now, report)
        if report or any(report.recovered):
            log.info("alerts: %s", report)
        return report

    def check(self, now: datetime) -> int:
        """Queue alerts for rumours changed since the last check; returns how many rows."""
        rule = self.settings.alerts
        since = self._since - OVERLAP if self._since else now - timedelta(hours=rule.lookback_hours)
        queued = 0
        keys = list(self.targets)
        for rumour in queue.changed_since(self.db, since):
            updated = rumour["updated_at"]
            if self._seen.get(rumour["id"]) == updated:
                continue
            queued += len(queue.enqueue(self.db, rumour, keys, rule, now)) * len(keys)
            self._seen[rumour["id"]] = updated
            if self._since is None or updated > self._since:
                self._since = updated
        if self._since is None:
            self._since = now - OVERLAP
        horizon = self._since - OVERLAP
        self._seen = {k: v for k, v in self._seen.items() if v >= horizon}
        return queued

    def deliver_due(self, now: datetime, report: TickReport | None = None) -> TickReport:
        """Send what is due, within this tick's budget."""
        rule = self.settings.alerts
        report = TickReport() if report is None else report
        started = self.clock()
        troubled: set[str] = set()
        for row in queue.due(self.db, now, rule.max_deliveries_per_check):
            if self.clock() - started >= rule.max_seconds_per_check:
                report.deferred += 1
                continue
            target = self.targets.get(row["target"])
            if target is None:
                queue.fail_unknown_target(self.db, row["id"], row["target"])
                report.failed += 1
                continue
            if target.key in troubled:  # it just failed: try it again on a later tick
                report.deferred += 1
                continue
            claimed = queue.claim(self.db, row["id"], now)
            if claimed is None:
                continue
            if isinstance(claimed, str):
                report.cancelled += 1
                continue
            content = _with_link(claimed, rule.public_url)
            outcome = deliver(self.settings, target, content)
            # the tick's clock, moved on by the time spent (tests and replays set ``now``)
            finished = now + timedelta(seconds=self.clock() - started)
            status = self._finish(row, target, outcome, finished)
            setattr(report, status, getattr(report, status) + 1)
            if status != "sent":
                troubled.add(target.key)
        return report

    def _finish(self, row, target: Target, outcome: Outcome, now: datetime) -> str:  # type: ignore[no-untyped-def]
        rule = self.settings.alerts
        attempts = row["attempts"] + 1
        if outcome.result == "sent":
            queue.finish(self.db, row["id"], status="sent", now=now)
            return "sent"
        retry = outcome.retry if outcome.result == "refused" else target.idempotent
        if retry and attempts < rule.max_attempts:
            queue.finish(
                self.db,
                row["id"],
                status="retrying",
                now=now,
                error=outcome.error,
                retry_at=now + rules.backoff(attempts, rule),
            )
            return "retrying"
        error = outcome.error
        if outcome.result == "unknown":
            error += "; it may have arrived, so it is not sent again (at most once)"
        elif retry:
            error += f"; gave up after {attempts} attempts"
        queue.finish(self.db, row["id"], status="failed", now=now, error=error)
        log.warning("alert %s to %s failed: %s", row["id"], target.key, error)
        return "failed"


def _with_link(content: AlertContent, public_url: str) -> AlertContent:
    from dataclasses import replace

    return replace(content, link=rumour_link(public_url, content.rumor_id))


def rumour_link(public_url: str, rumor_id: int) -> str:
    return f"{public_url.rstrip('/')}/rumour?id={int(rumor_id)}"
