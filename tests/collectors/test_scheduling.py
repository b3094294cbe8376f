"""Sources never wait for each other (collectors/runner.py, Runner.run_forever).

A feed that trickles a byte at a time once held every pass for about a minute: the good
feed beside it was polled at 0, 61, 123… s instead of every 2 s, and the alert check,
which ran between passes, waited with it. Here each source runs in its own worker on its
own schedule, each poll has its own deadline, and a stored batch wakes the chores at once.
Everything is observed on a real loopback server (when each request arrived) and in the
store; the loop runs in a thread and is stopped with its event.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from rumordesk.collectors.runner import Runner
from rumordesk.store.posts import count_posts
from rumordesk.store.sources import load_cursor, source_health
from tests.helpers.server import FeedServer
from tests.helpers.settings import feed_source, make_settings, rss

#: A feed of this size trickled a byte per chunk never ends within any deadline here.
SLOWLORIS = rss(*((f"s{n}", f"Slow post {n} " + "x" * 200) for n in range(50))).encode()


def wait_until(condition, what: str, timeout: float = 30.0) -> None:
    """Poll an observable state (the server's request log, the store) until it holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not {what} after {timeout:g} s"
        time.sleep(0.01)  # the polling interval, not a guess at when it happens


class Loop:
    """``Runner.run_forever`` in a thread, with the chores it calls recorded."""

    def __init__(self, runner: Runner, every: float) -> None:
        self.runner = runner
        self.stop = threading.Event()
        self.chores: list[tuple[float, bool]] = []
        self.thread = threading.Thread(
            target=runner.run_forever,
            args=(every, self.stop),
            kwargs={"chores": self._chores, "tick": 0.5},
            daemon=True,
        )

    def _chores(self, stored: bool) -> None:
        self.chores.append((time.monotonic(), stored))

    def __enter__(self) -> Loop:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=30)
        assert not self.thread.is_alive(), "the loop did not stop"


@pytest.fixture
def slow_server() -> Iterator[FeedServer]:
    """A server of its own for the slowloris route (its handler threads sleep)."""
    server = FeedServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.mark.slow
def test_a_slowloris_source_does_not_delay_a_good_sources_polls(feed_server, slow_server, db):
    interval = 1.0
    good = feed_server.serve("/good.xml", rss(("g1", "Road closed on El Camino Real")))
    slow = slow_server.serve("/slow.xml", SLOWLORIS, trickle=0.25, chunk=1)
    settings = make_settings(
        [
            feed_source("good", good, interval_seconds=1),
            feed_source("slow", slow, interval_seconds=1),
        ],
        collect={"read_timeout": 2.0, "source_deadline_seconds": 3, "workers": 2},
    )
    runner = Runner(settings, db)

    with Loop(runner, interval):
        # while the slow source's first poll is still trickling in, the good one polls on
        wait_until(lambda: len(feed_server.hits("/good.xml")) >= 3, "three good polls")
        first_slow = slow_server.hits("/slow.xml")[0].at
        assert time.monotonic() - first_slow < 3, "the slow poll already ended"
        wait_until(lambda: len(feed_server.hits("/good.xml")) >= 10, "ten good polls")

    polls = [hit.at for hit in feed_server.hits("/good.xml")]
    gaps = [later - earlier for earlier, later in zip(polls, polls[1:], strict=False)]
    assert max(gaps) <= 2 * interval, gaps  # never delayed by more than its interval
    assert count_posts(db, source="good") == 1
    slow_state = {h.name: h for h in source_health(db)}["slow"]
    assert slow_state.status == "error"
    assert "deadline" in (slow_state.last_error or ""), slow_state.last_error
    assert count_posts(db, source="slow") == 0


@pytest.mark.slow
def test_a_stored_batch_wakes_the_alert_check_while_a_slow_source_trickles(
    feed_server, slow_server, db
):
    slow = slow_server.serve("/slow.xml", SLOWLORIS, trickle=0.25, chunk=1)
    good = feed_server.serve("/good.xml", rss(("g1", "Shots fired at Valley Fair")), delay=0.5)
    settings = make_settings(
        [feed_source("slow", slow), feed_source("good", good)],
        collect={"read_timeout": 2.0, "source_deadline_seconds": 20, "workers": 2},
    )

    with Loop(Runner(settings, db), 60.0) as loop:
        wait_until(lambda: any(stored for _, stored in loop.chores), "a chore run after a batch")
        woken = next(at for at, stored in loop.chores if stored)
        stored_at = feed_server.hits("/good.xml")[0].at
        still_trickling = slow_server.hits("/slow.xml") and not load_cursor(db, "slow")

    assert woken - stored_at < 1.5  # the good feed's answer took 0.5 s of that
    assert still_trickling and count_posts(db, source="good") == 1


@pytest.mark.slow
def test_a_source_stops_at_its_own_deadline_and_keeps_what_it_stored(feed_server, db):
    for n in range(6):
        feed_server.serve(f"/search/q{n}.xml", rss((f"q{n}", f"Result {n}")), delay=0.3)
    source = {
        "name": "news-search",
        "kind": "feed_search",
        "channel": "google_news",
        "url_template": feed_server.url("/search/{query}.xml"),
        "queries": [f"q{n}" for n in range(6)],
        "purpose": "Local news about public safety in the city, for rumour checks.",
        "deadline_seconds": 1,
    }

    started = time.monotonic()
    [run] = Runner(make_settings([source]), db).run_once()
    elapsed = time.monotonic() - started

    assert run.status == "error" and "deadline" in run.error
    assert elapsed < 1 + 0.3 + 1.0  # the request under way finishes; no other starts
    stored = count_posts(db)
    assert 1 <= stored < 6
    validators = load_cursor(db, "news-search").get("validators", {})
    assert len(validators) == stored  # what was stored is kept, with its cursor


def test_each_source_has_its_own_deadline(feed_server, db):
    settings = make_settings(
        [
            feed_source("short", feed_server.url("/a.xml"), deadline_seconds=5),
            feed_source("default", feed_server.url("/b.xml")),
        ],
        collect={"source_deadline_seconds": 42},
    )
    runner = Runner(settings, db)
    assert [runner.deadline(s) for s in settings.sources] == [5.0, 42.0]


@pytest.mark.slow
def test_a_request_the_deadline_cuts_short_is_reported_as_the_deadline(feed_server, db):
    """The request's timeout is what the source has left, so the deadline can end it as a
    socket timeout: that is still the deadline (it said "timed out", blaming the server)."""
    slow = feed_server.serve("/slow.xml", rss(("s1", "Slow news")), delay=3)
    settings = make_settings(
        [feed_source("slow", slow, deadline_seconds=1)], collect={"read_timeout": 10.0}
    )

    started = time.monotonic()
    [run] = Runner(settings, db).run_once()

    assert time.monotonic() - started < 2.5  # the 1 s deadline, not the 10 s read timeout
    assert run.status == "error"
    assert "stopped at its 1s deadline" in run.error and "during the request" in run.error
    assert "timed out" not in run.error
    assert count_posts(db, source="slow") == 0
