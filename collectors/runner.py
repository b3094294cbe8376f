"""Runs the configured sources: each isolated, each batch stored with its cursor.

A source that times out, answers 429 or 500, or serves a hostile feed gets its error
recorded and its next attempt scheduled (from Retry-After, or with growing backoff); the
other sources go on. Posts stored before a failure stay stored, and their cursor with them.

Sources never wait for each other. Polling (:meth:`Runner.run_forever`), each source is
started when it is due, in a worker of its own, and each poll has its own deadline
(``[collect] source_deadline_seconds``, or the source's ``deadline_seconds``): a slow or
hanging source holds one worker until its deadline, and the others keep their schedule.
Each batch is scored as soon as it is committed (``on_stored``), and the loop's chores
(the alert check first) are woken by it, not by the end of a pass. Whatever is left in the
scoring outbox (:mod:`rumordesk.store.pending`) is scored before anything else runs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from rumordesk.base.backoff import doubling
from rumordesk.base.config import AppSettings
from rumordesk.base.source_settings import SourceBase
from rumordesk.base.times import utc_now
from rumordesk.collectors.errors import CollectorError, DeadlinePassed, RateLimited
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
#: Scores what the scoring outbox holds (``PostScorer.score_pending``); run before anything
#: else, and again now and then for notes a failure or another process left.
ScorePending = Callable[[], object]
#: The loop's chores; called with True when a batch was stored and scored since the last
#: call (the alert check must then run at once).
RunChores = Callable[[bool], object]
Clock = Callable[[], datetime]
#: How often the polling loop scores notes left in the outbox (failures to retry, notes
#: left by a command that was stopped). Fresh batches are scored by their worker at once.
PENDING_EVERY_SECONDS = 15.0
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
        score_pending: ScorePending | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.settings = settings
        self.db = db
        self.on_stored = on_stored
        self.on_metrics = on_metrics
        self.score_pending = score_pending
        self.clock = clock
        #: Set when a worker committed (and scored) a batch: the alert check runs at once.
        self.stored = threading.Event()
        #: Wakes the scheduling thread: a source finished, or the loop stops.
        self._woken = threading.Event()
        sync_sources(db, settings.sources)

    def interval(self, source: SourceBase, every: float | None = None) -> timedelta:
        seconds = source.interval_seconds or every or self.settings.collect.interval_seconds
        return timedelta(seconds=seconds)

    def deadline(self, source: SourceBase) -> float:
        """Seconds one poll of ``source`` may take, all its requests together."""
        return float(source.deadline_seconds or self.settings.collect.source_deadline_seconds)

    def catch_up(self) -> None:
        """Score what the outbox holds, before anything else (never raises)."""
        if self.score_pending is None:
            return
        try:
            self.score_pending()
        except Exception:  # scoring trouble is recorded on the notes; never stop collection
            log.exception("scoring the posts left in the outbox failed")

    def run_once(
        self,
        *,
        names: Iterable[str] | None = None,
        due_only: bool = False,
        every: float | None = None,
        progress: Callable[[SourceRun], None] | None = None,
    ) -> list[SourceRun]:
        """Score what is pending, then collect every enabled source (or ``names``) once,
        concurrently; each source's batches are scored as they are committed."""
        self.catch_up()
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
        limit = self.deadline(source)
        http = HttpClient(
            self.settings.collect,
            redirect_hosts=getattr(source, "redirect_hosts", ()),
            deadline=started + limit,
        )
        try:
            collector = build_collector(source, http, zone=self.settings.department.tz)
            batches = collector.collect(load_cursor(self.db, source.name))
            for batch in batches:
                result = save_batch(self.db, source.name, batch, now=self.clock())
                requests += batch.requests
                total.add(result)
                if result.changed_ids and self.on_stored:
                    self._notify(source.name, self.on_stored, result.changed_ids)
                if result.metrics_changed_ids and self.on_metrics:
                    self._notify(source.name, self.on_metrics, result.metrics_changed_ids)
                if result.changed_ids or result.metrics_changed_ids:
                    self.stored.set()
                if time.monotonic() - started > limit:
                    getattr(batches, "close", lambda: None)()
                    raise DeadlinePassed("between two batches")
        except DeadlinePassed as exc:  # said the same way wherever the deadline came
            stopped = DeadlinePassed(
                f"{source.name}: stopped at its {limit:g}s deadline after {requests} "
                f"request(s) ({exc}); what it stored is kept, and it resumes from there"
            )
            return self._failed(source, stopped, total, requests, started, every)
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
        chores: RunChores | None = None,
    ) -> None:
        """Poll each source when it is due until ``stop`` is set.

        The outbox is scored first. Then this thread only starts sources: each due source
        runs in a worker (one at a time per source), and the thread sleeps until the next
        source is due, a worker stored a batch, or ``tick``. ``chores`` (the loop's alerts,
        weekly export and purge; they catch their own errors) run in a thread of their own,
        woken at once by every stored batch, so neither a slow source nor a slow chore holds
        up the sources or the alert check. Notes left in the outbox are retried by a third.
        """
        self.catch_up()
        threads = [threading.Thread(target=self._retry_pending, args=(stop,), daemon=True)]
        if chores is not None:
            threads.append(
                threading.Thread(target=self._chores, args=(stop, chores, tick), daemon=True)
            )
        for thread in threads:
            thread.start()
        workers = ThreadPoolExecutor(
            max_workers=self.settings.collect.workers, thread_name_prefix="collect"
        )
        running: dict[str, Future[SourceRun]] = {}
        try:
            while not stop.is_set():
                self._reap(running, progress)
                wait = self._start_due(workers, running, every, tick)
                self._woken.wait(wait)
                self._woken.clear()
        finally:
            self._woken.set()
            workers.shutdown(wait=False, cancel_futures=True)
            for thread in threads:
                thread.join(timeout=tick + 1)

    def _start_due(
        self,
        workers: ThreadPoolExecutor,
        running: dict[str, Future[SourceRun]],
        every: float,
        tick: float,
    ) -> float:
        """Start each due source that is not running; returns seconds until the next is due."""
        sources = self.settings.enabled_sources
        health = {h.name: h for h in source_health(self.db, [s.name for s in sources])}
        now = self.clock()
        wait = tick
        for source in sources:
            if source.name in running:
                continue
            state = health.get(source.name)
            next_poll = state.next_poll_at if state else None
            if next_poll is not None and next_poll > now:
                wait = min(wait, (next_poll - now).total_seconds())
                continue
            running[source.name] = workers.submit(self._run_source, source, every)
        return max(wait, 0.01)

    def _run_source(self, source: SourceBase, every: float) -> SourceRun:
        try:
            return self.collect_source(source, every=every)
        finally:
            self._woken.set()

    def _reap(
        self, running: dict[str, Future[SourceRun]], progress: Callable[[SourceRun], None] | None
    ) -> None:
        for name, future in list(running.items()):
            if not future.done():
                continue
            del running[name]
            try:
                run = future.result()
            except Exception:  # collect_source catches everything; this is a last resort
                log.exception("%s: the worker failed", name)
                continue
            if progress:
                progress(run)

    def _chores(self, stop: threading.Event, chores: RunChores, tick: float) -> None:
        while not stop.is_set():
            stored = self.stored.is_set()
            self.stored.clear()
            try:
                chores(stored)
            except Exception:  # chores catch their own errors; this is a last resort
                log.exception("the loop's chores failed")
            self.stored.wait(tick)

    def _retry_pending(self, stop: threading.Event) -> None:
        while not stop.wait(PENDING_EVERY_SECONDS):
            self.catch_up()
