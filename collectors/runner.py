"""Runs the configured sources: each isolated, each batch stored with its cursor.

A source that times out, answers 429 or 500, or serves a hostile feed gets its error
recorded and its next attempt scheduled (from Retry-After, or with growing backoff); the
other sources go on. Posts stored before a failure stay stored, and their cursor with them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from rumordesk.base.backoff import doubling
from rumordesk.base.config import AppSettings
from rumordesk.base.source_settings import SourceBase
from rumordesk.base.times import utc_now
from rumordesk.collectors.errors import CollectorError, RateLimited
from rumordesk.collectors.http import HttpClient
from rumordesk.collectors.registry import build_collector
from rumordesk.store.db import Database
from rumordesk.store.posts import SaveResult, save_batch
from rumordesk.store.sources import (
    consecutive_failures,
    load_cursor,
    record_failure,
    record_success,
    source_health,
    sync_sources,
)

log = logging.getLogger(__name__)

#: Called with the ids of posts that are new or changed, after they are committed.
OnStored = Callable[[list[int]], None]
#: Called with the ids of stored posts whose engagement alone moved (same text), after
#: they are committed: their rumours' reach and spread are refreshed, not rescored.
OnMetrics = Callable[[list[int]], None]
Clock = Callable[[], datetime]
#: A failing source waits its interval, doubled per failure in a row at most this often
#: (and never longer than [collect] max_failure_backoff_seconds).
MAX_FAILURE_DOUBLINGS = 10


@dataclass(frozen=True, slots=True)
class SourceRun:
    """The outcome of one source in one run, for progress lines and tests."""

    name: str
    status: str
    new: int = 0
    updated: int = 0
    requests: int = 0
    seconds: float = 0.0
    error: str | None = None

    def describe(self) -> str:
        if self.status == "skipped":
            return f"{self.name}: skipped ({self.error})"
        counts = f"{self.new} new, {self.updated} updated, {self.requests} request(s)"
        if self.error:
            return f"{self.name}: {self.status.upper()} after {counts}: {self.error}"
        return f"{self.name}: ok, {counts} in {self.seconds:.1f}s"


class Runner:
    """Collects sources into one store; ``run_once`` for a pass, ``run_forever`` to poll."""

    def __init__(
        self,
        settings: AppSettings,
        db: Database,
        *,
        on_stored: OnStored | None = None,
        on_metrics: OnMetrics | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.settings = settings
        self.db = db
        self.on_stored = on_stored
        self.on_metrics = on_metrics
        self.clock = clock
        sync_sources(db, settings.sources)

    def interval(self, source: SourceBase, every: float | None = None) -> timedelta:
        seconds = source.interval_seconds or every or self.settings.collect.interval_seconds
        return timedelta(seconds=seconds)

    def run_once(
        self,
        *,
        names: Iterable[str] | None = None,
        due_only: bool = False,
        every: float | None = None,
        progress: Callable[[SourceRun], None] | None = None,
    ) -> list[SourceRun]:
        """Collect every enabled source (or ``names``) once, concurrently."""
        chosen = [s for s in self.settings.enabled_sources if names is None or s.name in set(names)]
        now = self.clock()
        waiting = {h.name: h for h in source_health(self.db, [s.name for s in chosen])}
        runs: list[SourceRun] = []
        todo: list[SourceBase] = []
        for source in chosen:
            health = waiting.get(source.name)
            next_poll = health.next_poll_at if health else None
            held_back = health is not None and health.status == "rate_limited"
            if next_poll and next_poll > now and (due_only or held_back):
                if not due_only:
                    runs.append(
                        SourceRun(
                            source.name,
                            "skipped",
                            error=f"rate limited until {next_poll:%H:%M:%S} UTC",
                        )
                    )
                continue
            todo.append(source)
        if not todo:
            return runs
        workers = min(self.settings.collect.workers, len(todo))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="collect") as pool:
            for run in pool.map(lambda s: self.collect_source(s, every=every), todo):
                runs.append(run)
                if progress:
                    progress(run)
        return runs

    def collect_source(self, source: SourceBase, *, every: float | None = None) -> SourceRun:
        """One source, start to finish; never raises for a source's own failure."""
        started = time.monotonic()
        total = SaveResult()
        requests = 0
        http = HttpClient(self.settings.collect)
        try:
            collector = build_collector(source, http, zone=self.settings.department.tz)
            for batch in collector.collect(load_cursor(self.db, source.name)):
                result = save_batch(self.db, source.name, batch, now=self.clock())
                requests += batch.requests
                total.add(result)
                if result.changed_ids and self.on_stored:
                    self._notify(source.name, self.on_stored, result.changed_ids)
                if result.metrics_changed_ids and self.on_metrics:
                    self._notify(source.name, self.on_metrics, result.metrics_changed_ids)
        except CollectorError as exc:
            return self._failed(source, exc, total, requests, started, every)
        except Exception as exc:  # a bug in one collector must not stop the others
            log.exception("%s: unexpected failure", source.name)
            error = CollectorError(f"unexpected {type(exc).__name__}: {exc}")
            return self._failed(source, error, total, requests, started, every)
        finally:
            http.close()
        record_success(
            self.db,
            source.name,
            new=total.new,
            updated=total.updated,
            requests=requests,
            next_poll_at=self.clock() + self.interval(source, every),
            now=self.clock(),
        )
        return SourceRun(
            source.name, "ok", total.new, total.updated, requests, time.monotonic() - started
        )

    def _notify(self, name: str, hook: OnStored, ids: list[int]) -> None:
        try:
            hook(ids)
        except Exception:  # scoring trouble must not lose or block collection
            log.exception("%s: post-processing of %d stored posts failed", name, len(ids))

    def _failed(
        self,
        source: SourceBase,
        exc: CollectorError,
        total: SaveResult,
        requests: int,
        started: float,
        every: float | None,
    ) -> SourceRun:
        now = self.clock()
        if isinstance(exc, RateLimited):
            next_poll = exc.retry_at
        else:
            failures = consecutive_failures(self.db, source.name) + 1
            interval = self.interval(source, every)
            backoff = doubling(
                interval.total_seconds(),
                min(failures - 1, MAX_FAILURE_DOUBLINGS),
                self.settings.collect.max_failure_backoff_seconds,
            )
            next_poll = now + max(backoff, interval)
        record_failure(
            self.db,
            source.name,
            status=exc.status,
            error=str(exc),
            new=total.new,
            updated=total.updated,
            requests=requests,
            next_poll_at=next_poll,
            now=now,
        )
        log.info("%s: %s", source.name, exc)
        return SourceRun(
            source.name,
            exc.status,
            total.new,
            total.updated,
            requests,
            time.monotonic() - started,
            str(exc),
        )

    def run_forever(
        self,
        every: float,
        stop: threading.Event,
        progress: Callable[[SourceRun], None] | None = None,
        tick: float = 1.0,
        between_passes: Callable[[], object] | None = None,
    ) -> None:
        """Poll each source when it is due until ``stop`` is set.

        ``between_passes`` (the loop's chores: alerts, purge, scheduled exports) runs after
        every pass; it must catch its own errors (:class:`rumordesk.chores.Chores` does).
        """
        while not stop.is_set():
            self.run_once(due_only=True, every=every, progress=progress)
            if between_passes is not None:
                between_passes()
            stop.wait(tick)
