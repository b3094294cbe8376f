"""Is collection working? The one question the PIO's home page must answer before the queue.

A calm queue means nothing only if the sources are being read: with every source failing,
or the collector not running at all, "no rumour matches" is the most dangerous thing the
dashboard can say. :func:`collection_health` reads each enabled source's last run (the
``sources`` table the runner writes) and says, in words, what is wrong:

* a source whose last run failed (``error``), was refused (``rejected``), is rate-limited
  or misconfigured;
* nothing collected for more than twice the poll interval: "Collection stalled: last
  successful poll 14 min ago" (the collector may have stopped);
* no source enabled, or none ever polled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rumordesk.base.source_settings import SourceBase
from rumordesk.base.times import stored_utc
from rumordesk.store.db import Database
from rumordesk.store.sources import SourceHealth, source_health

#: A source's last run, in words (the runner's status names are internal).
STATUS_WORDS = {
    "ok": "OK",
    "never": "not polled yet",
    "error": "failing",
    "rejected": "refused by the server",
    "rate_limited": "rate-limited",
    "misconfigured": "misconfigured",
    "disabled": "disabled",
}
FAILING = frozenset({"error", "rejected", "rate_limited", "misconfigured"})
#: Nothing new for more than this many poll intervals is a stall.
STALL_INTERVALS = 2


@dataclass(frozen=True, slots=True)
class SourceProblem:
    name: str
    status: str
    #: When the runner tries again (rate limits and backoff say when).
    next_poll_at: datetime | None

    @property
    def words(self) -> str:
        return STATUS_WORDS.get(self.status, self.status.replace("_", " "))


@dataclass(frozen=True, slots=True)
class CollectionHealth:
    enabled: int
    failing: list[SourceProblem] = field(default_factory=list)
    #: The newest successful poll of any enabled source (None: none ever succeeded).
    last_success_at: datetime | None = None
    #: Nothing collected for more than twice the poll interval.
    stalled: bool = False
    #: No enabled source has been polled at all (the collector has not run).
    never_polled: bool = False

    @property
    def ok(self) -> bool:
        return self.enabled > 0 and not (self.failing or self.stalled or self.never_polled)


def collection_health(
    db: Database,
    configured: Iterable[SourceBase],
    *,
    default_interval_seconds: int,
    now: datetime,
) -> CollectionHealth:
    """The enabled sources' state now (one small read of the ``sources`` table)."""
    enabled = {s.name: s for s in configured if s.enabled}
    if not enabled:
        return CollectionHealth(enabled=0)
    rows: list[SourceHealth] = source_health(db, enabled)
    failing = [
        SourceProblem(r.name, r.status, stored_utc(r.next_poll_at))
        for r in rows
        if r.status in FAILING
    ]
    successes = [stored_utc(r.last_success_at) for r in rows if r.last_success_at is not None]
    newest = max(successes) if successes else None
    attempted = any(r.last_attempt_at is not None for r in rows)
    interval = timedelta(
        seconds=min(s.interval_seconds or default_interval_seconds for s in enabled.values())
    )
    # with no success at all: stalled once anything was tried (and never once succeeded)
    stalled = now - newest > STALL_INTERVALS * interval if newest is not None else attempted
    return CollectionHealth(
        enabled=len(enabled),
        failing=sorted(failing, key=lambda p: p.name),
        last_success_at=newest,
        stalled=stalled,
        never_polled=not attempted,
    )
