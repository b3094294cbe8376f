"""Collection health: what the PIO's home says before any rumour — failing sources, a
stalled collector, or one that never ran."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rumordesk.base.source_settings import FeedSource
from rumordesk.store.sources import record_failure, record_success, sync_sources
from rumordesk.triage.collection_health import collection_health

NOW = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)


def feed_source(name: str, **extra) -> FeedSource:  # type: ignore[no-untyped-def]
    return FeedSource(
        name=name, kind="feed", channel="website", url=f"http://127.0.0.1:9/{name}", **extra
    )


def _sources(**overrides):  # type: ignore[no-untyped-def]
    return [
        feed_source("news", interval_seconds=60, **overrides),
        feed_source("reddit", interval_seconds=300),
        feed_source("off", enabled=False),
    ]


def _health(db, sources):  # type: ignore[no-untyped-def]
    sync_sources(db, sources)
    return collection_health(db, sources, default_interval_seconds=300, now=NOW)


def _ok(db, name, at):  # type: ignore[no-untyped-def]
    record_success(db, name, new=1, updated=0, requests=1, next_poll_at=at, now=at)


def test_nothing_enabled_is_said_as_such(db):
    health = _health(db, [feed_source("off", enabled=False)])
    assert health.enabled == 0 and not health.ok


def test_a_collector_that_never_ran(db):
    health = _health(db, _sources())
    assert health.never_polled and not health.stalled and not health.ok
    assert health.enabled == 2  # the disabled source does not count


def test_recent_successes_are_healthy(db):
    sources = _sources()
    sync_sources(db, sources)
    _ok(db, "news", NOW - timedelta(seconds=90))  # within twice its 60 s interval
    _ok(db, "reddit", NOW - timedelta(minutes=9))
    health = _health(db, sources)
    assert health.ok and health.last_success_at == NOW - timedelta(seconds=90)


def test_nothing_new_for_more_than_twice_the_fastest_interval_is_a_stall(db):
    sources = _sources()
    sync_sources(db, sources)
    _ok(db, "news", NOW - timedelta(minutes=14))
    _ok(db, "reddit", NOW - timedelta(minutes=20))
    health = _health(db, sources)
    assert health.stalled and not health.failing
    assert health.last_success_at == NOW - timedelta(minutes=14)


def test_failing_rate_limited_and_misconfigured_sources_are_named(db):
    sources = _sources()
    sync_sources(db, sources)
    _ok(db, "news", NOW - timedelta(seconds=30))
    retry = NOW + timedelta(minutes=10)
    record_failure(
        db,
        "reddit",
        status="rate_limited",
        error="429",
        new=0,
        updated=0,
        requests=1,
        next_poll_at=retry,
        now=NOW,
    )
    health = _health(db, sources)
    assert not health.stalled and not health.ok
    [problem] = health.failing
    assert (problem.name, problem.words, problem.next_poll_at) == ("reddit", "rate-limited", retry)
    record_failure(
        db,
        "news",
        status="misconfigured",
        error="401",
        new=0,
        updated=0,
        requests=1,
        next_poll_at=retry,
        now=NOW,
    )
    assert [p.words for p in _health(db, sources).failing] == ["misconfigured", "rate-limited"]


def test_tried_and_never_succeeded_is_a_stall(db):
    sources = _sources()
    sync_sources(db, sources)
    for name in ("news", "reddit"):
        record_failure(
            db,
            name,
            status="error",
            error="no route",
            new=0,
            updated=0,
            requests=1,
            next_poll_at=NOW,
            now=NOW,
        )
    health = _health(db, sources)
    assert health.stalled and health.last_success_at is None and len(health.failing) == 2
