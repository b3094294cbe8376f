"""The HTTP helper over real loopback HTTP, mostly through the production runner.

Conditional GET, the body cap (declared and streamed), timeouts (slow headers and a
trickled body), 429 scheduling, retries, status mapping and per-query isolation in a
keyword search: each checked by its effect on the store and on the server's request log.
"""

from __future__ import annotations

import gzip
import re
import socket
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from rumordesk.base.config import CollectSettings
from rumordesk.base.errors import ConfigError
from rumordesk.collectors.errors import (
    HttpStatusError,
    Misconfigured,
    RateLimited,
    RedirectRefused,
    ResponseTooLarge,
    TransientError,
)
from rumordesk.collectors.http import (
    DEFAULT_RETRY_AFTER,
    MAX_RETRY_AFTER,
    HttpClient,
    RedirectPolicy,
    retry_at,
)
from rumordesk.collectors.runner import Runner
from rumordesk.store.posts import PostFilter, count_posts, list_posts
from rumordesk.store.sources import load_cursor, source_health
from tests.helpers.server import FeedServer
from tests.helpers.settings import feed_source, make_settings, rss

MIB = 1024 * 1024
#: The fixture server adds a Content-Length unless the route names one; an empty value is
#: no usable length, so the client must stream, exactly as if the header were absent.
NO_LENGTH = {"Content-Length": "", "Connection": "close"}


def collect_settings(**overrides: object) -> CollectSettings:
    return make_settings([], collect=overrides).collect


def health(db, name: str):
    return {h.name: h for h in source_health(db)}[name]


def feed_bytes(size: int) -> bytes:
    """A valid RSS document of exactly ``size`` bytes (padded inside an XML comment)."""
    head = rss(("big", "Big feed")).encode()
    padding = size - len(head) - len("<!---->")
    assert padding >= 0
    return head + b"<!--" + b"x" * padding + b"-->"


# -- request headers and conditional GET ------------------------------------------------------


def test_requests_carry_the_configured_descriptive_user_agent(feed_server, db):
    url = feed_server.serve("/ua.xml", rss(("a", "Hello")))
    settings = make_settings([feed_source("news", url)])

    Runner(settings, db).run_once()

    agent = feed_server.hits("/ua.xml")[0].headers["User-Agent"]
    assert agent == settings.collect.user_agent
    assert agent.startswith("RumorDesk/") and "Police Department" in agent
    assert "python-requests" not in agent


def test_a_custom_user_agent_is_sent(feed_server):
    url = feed_server.serve("/ua2.xml", rss(("a", "Hello")))
    client = HttpClient(collect_settings(user_agent="RumorDesk-test (pio@example.org)"))
    client.get(url)
    assert (
        feed_server.hits("/ua2.xml")[0].headers["User-Agent"] == "RumorDesk-test (pio@example.org)"
    )


def test_conditional_get_sends_validators_and_a_304_stores_nothing(feed_server, db):
    modified = "Mon, 23 Nov 2026 19:00:00 GMT"
    url = feed_server.serve(
        "/cond.xml",
        rss(("a", "Road closed"), ("b", "Road open")),
        etag='"v1"',
        headers={"Last-Modified": modified},
    )
    runner = Runner(make_settings([feed_source("news", url)]), db)

    first = runner.run_once()
    validators = load_cursor(db, "news")["validators"][url]
    second = runner.run_once()
    third = runner.run_once()

    assert [(r.status, r.new) for r in first] == [("ok", 2)]
    assert validators == {"etag": '"v1"', "last_modified": modified}
    for run in (second, third):
        assert [(r.status, r.new, r.updated, r.requests) for r in run] == [("ok", 0, 0, 1)]
    first_hit, *later = feed_server.hits("/cond.xml")
    assert "If-None-Match" not in first_hit.headers
    assert len(later) == 2
    for hit in later:
        assert hit.headers["If-None-Match"] == '"v1"'
        assert hit.headers["If-Modified-Since"] == modified
    assert count_posts(db) == 2
    assert load_cursor(db, "news")["validators"][url] == validators


def test_a_changed_feed_after_a_304_is_collected(feed_server, db):
    url = feed_server.serve("/cond2.xml", rss(("a", "Road closed")), etag='"v1"')
    runner = Runner(make_settings([feed_source("news", url)]), db)
    runner.run_once()
    runner.run_once()  # 304

    feed_server.serve("/cond2.xml", rss(("a", "Road closed"), ("b", "Detour")), etag='"v2"')
    runs = runner.run_once()

    assert [(r.status, r.new) for r in runs] == [("ok", 1)]
    assert load_cursor(db, "news")["validators"][url]["etag"] == '"v2"'


def test_validators_are_found_whatever_the_header_case(feed_server, db):
    """Header names are case-insensitive; many servers and proxies send them lower-case."""
    modified = "Mon, 23 Nov 2026 19:00:00 GMT"
    url = feed_server.serve(
        "/lower.xml", rss(("a", "Hello")), headers={"etag": '"lc"', "last-modified": modified}
    )
    runner = Runner(make_settings([feed_source("news", url)]), db)

    runner.run_once()
    runner.run_once()

    assert load_cursor(db, "news")["validators"][url] == {"etag": '"lc"', "last_modified": modified}
    second = feed_server.hits("/lower.xml")[1]
    assert second.headers.get("If-None-Match") == '"lc"'
    assert second.headers.get("If-Modified-Since") == modified


# -- the body cap ------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, NO_LENGTH], ids=["content-length", "streamed"])
def test_a_body_at_the_cap_is_read_and_one_byte_more_is_refused(feed_server, headers):
    client = HttpClient(collect_settings(max_body_bytes=2048))
    at_cap = feed_server.serve("/at-cap.xml", feed_bytes(2048), headers=dict(headers))
    over_cap = feed_server.serve("/over-cap.xml", feed_bytes(2049), headers=dict(headers))

    assert len(client.get(at_cap).body) == 2048
    with pytest.raises(ResponseTooLarge, match="2,048"):
        client.get(over_cap)


@pytest.mark.parametrize("headers", [{}, NO_LENGTH], ids=["content-length", "streamed"])
def test_an_oversized_feed_is_an_error_and_nothing_is_stored(feed_server, db, headers):
    big = feed_server.serve("/big.xml", feed_bytes(64 * 1024), headers=dict(headers))
    small = feed_server.serve("/small.xml", rss(("s", "Small feed")))
    settings = make_settings(
        [feed_source("big", big), feed_source("small", small)], collect={"max_body_bytes": 4096}
    )

    runs = {r.name: r for r in Runner(settings, db).run_once()}

    assert runs["big"].status == "error" and "cap" in runs["big"].error
    assert count_posts(db, source="big") == 0
    assert runs["small"].status == "ok" and runs["small"].new == 1


@pytest.mark.parametrize("headers", [{}, NO_LENGTH], ids=["content-length", "streamed"])
def test_the_real_five_mebibyte_cap(feed_server, db, headers):
    url = feed_server.serve("/huge.xml", feed_bytes(5 * MIB + 1), headers=dict(headers))
    settings = make_settings([feed_source("huge", url)])
    assert settings.collect.max_body_bytes == 5 * MIB

    started = time.monotonic()
    runs = Runner(settings, db).run_once()

    assert runs[0].status == "error" and "5,242,880" in runs[0].error
    assert count_posts(db) == 0
    assert time.monotonic() - started < 5


def test_exactly_five_mebibytes_is_accepted(feed_server):
    url = feed_server.serve("/five.xml", feed_bytes(5 * MIB), headers=dict(NO_LENGTH))
    assert len(HttpClient(collect_settings()).get(url).body) == 5 * MIB


def test_gzip_bodies_are_decoded_and_the_cap_counts_decoded_bytes(feed_server, db):
    """A gzip bomb is small on the wire; the cap must apply to what it expands to."""
    plain = rss(("z", "Compressed post")).encode()
    feed_server.serve("/gz.xml", gzip.compress(plain), headers={"Content-Encoding": "gzip"})
    bomb = gzip.compress(feed_bytes(4 * MIB))
    assert len(bomb) < 64 * 1024
    feed_server.serve("/bomb.xml", bomb, headers={"Content-Encoding": "gzip"})
    client = HttpClient(collect_settings(max_body_bytes=MIB))

    assert client.get(feed_server.url("/gz.xml")).body == plain
    with pytest.raises(ResponseTooLarge):
        client.get(feed_server.url("/bomb.xml"))


# -- timeouts ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_slow_headers_time_out_in_bounded_time(feed_server, db):
    url = feed_server.serve("/slow.xml", rss(("a", "Late")), delay=2.0)
    settings = make_settings(
        [feed_source("slow", url)], collect={"read_timeout": 0.3, "retries": 1}
    )

    started = time.monotonic()
    runs = Runner(settings, db).run_once()
    elapsed = time.monotonic() - started

    assert runs[0].status == "error" and "timed out" in runs[0].error
    assert elapsed < 2 * 0.3 + 1.0
    assert len(feed_server.hits("/slow.xml")) <= 2
    assert count_posts(db) == 0
    assert health(db, "slow").consecutive_failures == 1


def test_slow_headers_raise_a_transient_error(feed_server):
    url = feed_server.serve("/slow2.xml", rss(("a", "Late")), delay=1.0)
    with pytest.raises(TransientError, match="timed out"):
        HttpClient(collect_settings(read_timeout=0.2, retries=0)).get(url)


@pytest.mark.slow
def test_a_trickled_body_cannot_hold_a_worker(feed_server, db):
    """Each chunk arrives well inside the read timeout, but the whole body would take 10 s."""
    url = feed_server.serve("/trickle.xml", feed_bytes(10_000), trickle=0.05, chunk=50)
    settings = make_settings([feed_source("trickle", url)], collect={"read_timeout": 0.4})

    started = time.monotonic()
    runs = Runner(settings, db).run_once()
    elapsed = time.monotonic() - started

    assert runs[0].status == "error" and "abandoned" in runs[0].error
    assert elapsed < 3 * 0.4 + 1.0
    assert count_posts(db) == 0


def test_a_connection_refused_is_a_transient_error(db):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/feed.xml"

    started = time.monotonic()
    runs = Runner(make_settings([feed_source("down", url)]), db).run_once()

    assert runs[0].status == "error" and "could not connect" in runs[0].error
    assert time.monotonic() - started < 2
    with pytest.raises(TransientError, match="could not connect"):
        HttpClient(collect_settings(retries=0)).get(url)


def test_a_failing_source_waits_its_interval_doubled_per_failure_up_to_the_cap(db):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    source = feed_source("down", f"http://127.0.0.1:{port}/feed.xml", interval_seconds=300)
    settings = make_settings([source], collect={"max_failure_backoff_seconds": 3600, "retries": 0})
    now = datetime(2026, 11, 23, 19, tzinfo=UTC)
    runner = Runner(settings, db, clock=lambda: now)

    waits = []
    for _ in range(6):
        assert runner.run_once()[0].status == "error"
        waits.append((health(db, "down").next_poll_at - now).total_seconds())

    assert waits == [300, 600, 1200, 2400, 3600, 3600]


def test_the_failure_backoff_stops_doubling_after_ten_failures(db):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = make_settings(
        [feed_source("down", f"http://127.0.0.1:{port}/feed.xml", interval_seconds=1)],
        collect={"max_failure_backoff_seconds": 10**6, "retries": 0},
    )
    now = datetime(2026, 11, 23, 19, tzinfo=UTC)
    runner = Runner(settings, db, clock=lambda: now)

    waits = []
    for _ in range(13):
        runner.run_once()
        waits.append((health(db, "down").next_poll_at - now).total_seconds())

    # 2**10 intervals at most, although the cap is far above
    assert waits == [2**n for n in range(11)] + [1024, 1024]


# -- rate limiting -----------------------------------------------------------------------------


def test_429_with_retry_after_seconds_schedules_the_source_and_skips_it_until_then(feed_server, db):
    url = feed_server.serve(
        "/limited.xml", rss(("a", "Hello")), status=429, headers={"Retry-After": "120"}
    )
    settings = make_settings([feed_source("limited", url)])

    before = datetime.now(UTC)
    started = time.monotonic()
    first = Runner(settings, db).run_once()

    assert time.monotonic() - started < 1.5, "a 429 must not be slept on"
    assert [(r.status, r.new) for r in first] == [("rate_limited", 0)]
    assert len(feed_server.hits("/limited.xml")) == 1, "a 429 must not be retried"
    next_poll = health(db, "limited").next_poll_at
    assert (
        before + timedelta(seconds=118) <= next_poll <= datetime.now(UTC) + timedelta(seconds=121)
    )
    assert health(db, "limited").status == "rate_limited"

    second = Runner(settings, db).run_once()
    assert [r.status for r in second] == ["skipped"]
    assert len(feed_server.hits("/limited.xml")) == 1

    feed_server.serve("/limited.xml", rss(("a", "Hello")))
    later = Runner(settings, db, clock=lambda: next_poll + timedelta(seconds=1)).run_once()
    assert [(r.status, r.new) for r in later] == [("ok", 1)]
    assert len(feed_server.hits("/limited.xml")) == 2


def test_429_with_an_http_date_is_honoured(feed_server, db):
    wanted = (datetime.now(UTC) + timedelta(minutes=7)).replace(microsecond=0)
    url = feed_server.serve(
        "/limited-date.xml",
        rss(("a", "Hello")),
        status=429,
        headers={"Retry-After": format_datetime(wanted, usegmt=True)},
    )

    runs = Runner(make_settings([feed_source("limited", url)]), db).run_once()

    assert runs[0].status == "rate_limited"
    assert abs(health(db, "limited").next_poll_at - wanted) <= timedelta(seconds=2)


def test_429_raises_rate_limited_with_the_time_to_retry(feed_server):
    url = feed_server.serve("/rl.xml", status=429, headers={"Retry-After": "30"})
    with pytest.raises(RateLimited) as caught:
        HttpClient(collect_settings()).get(url)
    wait = caught.value.retry_at - datetime.now(UTC)
    assert timedelta(seconds=28) <= wait <= timedelta(seconds=30)
    assert caught.value.status == "rate_limited"


NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "90"}, NOW + timedelta(seconds=90)),
        ({"Retry-After": " 90 "}, NOW + timedelta(seconds=90)),
        ({"Retry-After": "Mon, 23 Nov 2026 12:05:00 GMT"}, NOW + timedelta(minutes=5)),
        ({"Retry-After": "0"}, NOW + timedelta(seconds=1)),
        ({"Retry-After": "Mon, 23 Nov 2026 11:00:00 GMT"}, NOW + timedelta(seconds=1)),
        ({"Retry-After": "soon"}, NOW + DEFAULT_RETRY_AFTER),
        ({"Retry-After": "999999999"}, NOW + MAX_RETRY_AFTER),
        (
            {"x-rate-limit-reset": str(int((NOW + timedelta(minutes=3)).timestamp()))},
            NOW + timedelta(minutes=3),
        ),
        ({}, NOW + DEFAULT_RETRY_AFTER),
    ],
)
def test_retry_at(headers, expected):
    assert retry_at(headers, now=NOW) == expected


# -- retries and status codes ------------------------------------------------------------------


def test_a_500_then_200_is_retried_within_the_run(feed_server, db):
    url = feed_server.serve("/flaky.xml", rss(("a", "Second time lucky")), sequence=[500])

    runs = Runner(make_settings([feed_source("flaky", url)]), db).run_once()

    assert [(r.status, r.new) for r in runs] == [("ok", 1)]
    assert len(feed_server.hits("/flaky.xml")) == 2
    assert health(db, "flaky").consecutive_failures == 0


def test_a_persistent_500_is_recorded_as_an_error(feed_server, db):
    url = feed_server.serve("/down.xml", status=500)
    settings = make_settings([feed_source("down", url)])

    first = Runner(settings, db).run_once()
    second = Runner(settings, db).run_once()

    assert first[0].status == "error" and "HTTP 500" in first[0].error
    assert len(feed_server.hits("/down.xml")) == 2 * (settings.collect.retries + 1)
    state = health(db, "down")
    assert state.status == "error"
    assert state.consecutive_failures == 2
    assert "HTTP 500" in state.last_error
    assert state.next_poll_at > datetime.now(UTC)
    assert second[0].status == "error"


@pytest.mark.parametrize("status", [401, 403])
def test_access_denied_is_misconfigured_and_not_retried(feed_server, db, status):
    url = feed_server.serve("/private.xml", status=status)

    runs = Runner(make_settings([feed_source("private", url)]), db).run_once()

    assert runs[0].status == "misconfigured" and f"HTTP {status}" in runs[0].error
    assert health(db, "private").status == "misconfigured"
    assert len(feed_server.hits("/private.xml")) == 1
    with pytest.raises(Misconfigured):
        HttpClient(collect_settings()).get(url)


@pytest.mark.parametrize("status", [404, 410])
def test_a_missing_feed_is_an_http_status_error(feed_server, db, status):
    url = feed_server.serve("/gone.xml", status=status)

    runs = Runner(make_settings([feed_source("gone", url)]), db).run_once()

    assert runs[0].status == "error" and f"HTTP {status}" in runs[0].error
    assert len(feed_server.hits("/gone.xml")) == 1
    with pytest.raises(HttpStatusError) as caught:
        HttpClient(collect_settings()).get(url)
    assert caught.value.http_status == status


def test_redirects_are_followed_and_links_resolve_against_the_final_url(feed_server, db):
    target = feed_server.serve(
        "/new/home/feed.xml",
        "<rss version='2.0'><channel><item><title>Moved</title><link>item/1</link>"
        "<guid isPermaLink='false'>m1</guid></item></channel></rss>",
    )
    old = feed_server.serve("/old.xml", status=301, headers={"Location": target})

    runs = Runner(make_settings([feed_source("moved", old)]), db).run_once()

    assert [(r.status, r.new) for r in runs] == [("ok", 1)]
    assert list_posts(db)[0]["url"] == feed_server.url("/new/home/item/1")


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "ftp://127.0.0.1/feed", "javascript:alert(1)"]
)
def test_a_redirect_away_from_http_is_refused_not_a_crash(feed_server, db, location):
    url = feed_server.serve("/bounce.xml", status=302, headers={"Location": location})

    runs = Runner(make_settings([feed_source("bounce", url)]), db).run_once()

    assert runs[0].status == "rejected"
    assert "only http(s) URLs are followed" in runs[0].error
    assert "unexpected" not in runs[0].error


@pytest.fixture
def other_host() -> Iterator[FeedServer]:
    """A second server on another loopback address: a host inside the city network, as a
    redirect from a configured feed could reach it."""
    try:
        server = FeedServer(host="127.0.0.2")
    except OSError:  # pragma: no cover - Linux routes all of 127/8 to loopback
        pytest.skip("127.0.0.2 is not available on this machine")
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def test_a_redirect_to_another_host_is_refused_and_shown_in_health(feed_server, other_host, db):
    secret = other_host.serve("/admin/feed.xml", rss(("inside", "Internal only")))
    url = feed_server.serve("/feed.xml", status=302, headers={"Location": secret})

    runs = Runner(make_settings([feed_source("moved", url)]), db).run_once()

    assert runs[0].status == "rejected"
    assert other_host.hits("/admin/feed.xml") == []  # never requested
    assert count_posts(db) == 0
    state = health(db, "moved")
    assert state.status == "rejected"
    assert f"redirect to {secret} refused: 127.0.0.2 is not the configured host" in (
        state.last_error or ""
    )
    assert "redirect_hosts" in (state.last_error or "")


def test_a_redirect_to_a_host_listed_for_the_source_is_followed(feed_server, other_host, db):
    target = other_host.serve("/feed.xml", rss(("mirror", "From the mirror")))
    url = feed_server.serve("/feed.xml", status=301, headers={"Location": target})
    settings = make_settings([feed_source("mirrored", url, redirect_hosts=["127.0.0.2"])])

    runs = Runner(settings, db).run_once()

    assert [(r.status, r.new) for r in runs] == [("ok", 1)]
    assert len(other_host.hits("/feed.xml")) == 1


def test_a_redirect_chain_is_checked_at_every_hop(feed_server, other_host, db):
    """The first hop stays on the host; the second leaves it and is refused."""
    away = other_host.serve("/x.xml", rss(("x", "Elsewhere")))
    feed_server.serve("/second.xml", status=302, headers={"Location": away})
    url = feed_server.serve("/first.xml", status=302, headers={"Location": "/second.xml"})

    runs = Runner(make_settings([feed_source("chain", url)]), db).run_once()

    assert runs[0].status == "rejected" and "127.0.0.2 is not the configured host" in runs[0].error
    assert len(feed_server.hits("/second.xml")) == 1 and other_host.hits("/x.xml") == []


def test_too_many_redirects_on_the_same_host_stop(feed_server, db):
    url = feed_server.serve("/loop.xml", status=302, headers={"Location": "/loop.xml"})

    runs = Runner(make_settings([feed_source("loop", url)]), db).run_once()

    assert runs[0].status == "error" and "more than 5 redirects" in runs[0].error
    assert len(feed_server.hits("/loop.xml")) == 6


@pytest.mark.parametrize(
    ("origin", "target", "allowed", "reason"),
    [
        # a public feed may not lead the collector to an internal address, even a listed one
        ("https://news.example.org/f", "https://127.0.0.2/f", {"127.0.0.2"}, "internal address"),
        ("https://news.example.org/f", "http://10.1.2.3/f", {"10.1.2.3"}, "leaves https"),
        ("http://news.example.org/f", "http://10.1.2.3/f", {"10.1.2.3"}, "internal address"),
        ("http://news.example.org/f", "http://169.254.169.254/", {"169.254.169.254"}, "internal"),
        ("http://news.example.org/f", "http://[::1]/f", {"::1"}, "internal address"),
        ("http://news.example.org/f", "http://evil.example.net/f", set(), "not the configured"),
        ("http://news.example.org/f", "http://news.example.org:8080/f", set(), "port 8080"),
        ("https://news.example.org/f", "http://news.example.org/f", set(), "leaves https"),
        ("http://news.example.org/f", "gopher://news.example.org/f", set(), "only http(s)"),
    ],
)
def test_the_redirect_policy_refuses(origin, target, allowed, reason):
    with pytest.raises(RedirectRefused, match=re.escape(reason)):
        RedirectPolicy(origin, frozenset(allowed)).check(origin, target)


@pytest.mark.parametrize(
    ("origin", "target", "allowed"),
    [
        ("http://news.example.org/f", "https://news.example.org/f", set()),  # upgraded to TLS
        ("http://news.example.org:8080/f", "http://news.example.org:8080/g", set()),
        ("http://NEWS.example.org/f", "http://news.example.org/g", set()),
        ("http://news.example.org/f", "http://cdn.example.net/f", {"cdn.example.net"}),
        # a feed inside the city network may redirect within it, to a host listed for it
        ("http://10.0.0.5/f", "http://10.0.0.6/f", {"10.0.0.6"}),
        ("http://127.0.0.1:8000/f", "http://127.0.0.1:8000/g", set()),
    ],
)
def test_the_redirect_policy_allows(origin, target, allowed):
    assert RedirectPolicy(origin, frozenset(allowed)).check(origin, target) is None


def test_redirect_hosts_must_be_host_names():
    with pytest.raises(ConfigError, match="is not a host name"):
        make_settings([feed_source("x", "https://a.example/f", redirect_hosts=["https://b/"])])


# -- whole bodies only -------------------------------------------------------------------------


class RawServer:
    """A loopback server that answers each connection with the bytes a test gives, then
    closes it (optionally with a reset): bodies cut short, as a failing server sends them."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.answers: list[tuple[bytes, bool]] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/feed.xml"

    def answer(self, data: bytes, *, reset: bool = False) -> str:
        self.answers.append((data, reset))
        return self.url

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)
                data, reset = self.answers.pop(0) if self.answers else (b"", False)
                connection.sendall(data)
                if reset:  # RST instead of FIN: the connection dropped
                    connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def raw_server() -> Iterator[RawServer]:
    server = RawServer()
    yield server
    server.close()


FEED = rss(("a", "Shooting at Valley Fair"), ("b", "Police say there is no shooting")).encode()


def response(body: bytes, **headers: str) -> bytes:
    head = "".join(f"{key.replace('_', '-')}: {value}\r\n" for key, value in headers.items())
    return f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n{head}\r\n".encode() + body


CUT = FEED[: len(FEED) * 2 // 3]  # ends inside the second item


@pytest.mark.parametrize(
    ("answer", "reset", "reason"),
    [
        # shorter than its Content-Length, then the connection closes
        (response(CUT, Content_Length=str(len(FEED))), False, f"of {len(FEED):,} bytes"),
        # no length announced, and the connection is reset mid-body
        (response(CUT, Connection="close"), True, "connection dropped"),
        # chunked, and the connection closes before the last chunk
        (
            response(f"{len(CUT):x}\r\n".encode() + CUT, Transfer_Encoding="chunked"),
            False,
            "connection dropped",
        ),
        # gzip without its end, the connection closed cleanly
        (
            response(gzip.compress(FEED)[:-12], Content_Encoding="gzip", Connection="close"),
            False,
            "gzip body ended before its end",
        ),
        # no length, closed cleanly (FIN) inside the document: only the XML shows it
        (response(CUT, Connection="close"), False, "cut off"),
    ],
    ids=["short-of-content-length", "reset", "chunked-cut", "gzip-cut", "closed-mid-document"],
)
def test_a_truncated_body_is_an_error_and_nothing_is_stored(raw_server, db, answer, reset, reason):
    url = raw_server.answer(answer, reset=reset)

    runs = Runner(make_settings([feed_source("cut", url)], collect={"retries": 0}), db).run_once()

    assert runs[0].status == "error", runs[0]
    assert reason in runs[0].error
    assert count_posts(db) == 0
    assert load_cursor(db, "cut") == {}  # the next poll asks for the whole feed again
    assert health(db, "cut").last_error == runs[0].error


def test_the_whole_feed_after_a_truncated_one_is_stored_once(raw_server, db):
    """The partial entry is not stored under an invented id that would duplicate the story."""
    settings = make_settings([feed_source("cut", raw_server.url)], collect={"retries": 0})
    raw_server.answer(response(CUT, Connection="close"))
    raw_server.answer(response(FEED, Content_Length=str(len(FEED))))
    runner = Runner(settings, db)

    assert runner.run_once()[0].status == "error"
    later = Runner(settings, db, clock=lambda: datetime.now(UTC) + timedelta(hours=1))
    assert [(r.status, r.new) for r in later.run_once()] == [("ok", 2)]
    assert sorted(p["source_id"] for p in list_posts(db)) == ["a", "b"]


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw-deflate"])
def test_whole_compressed_bodies_are_read(raw_server, encoding):
    if encoding == "gzip":
        data = gzip.compress(FEED)
    else:
        packer = zlib.compressobj(wbits=zlib.MAX_WBITS if encoding == "deflate" else -15)
        data = packer.compress(FEED) + packer.flush()
    name = "gzip" if encoding == "gzip" else "deflate"
    url = raw_server.answer(response(data, Content_Encoding=name, Content_Length=str(len(data))))
    assert HttpClient(collect_settings()).get(url).body == FEED


# -- keyword searches: one URL per query -------------------------------------------------------


def search_source(feed_server: FeedServer, queries: list[str]) -> dict[str, object]:
    return {
        "name": "news-search",
        "kind": "feed_search",
        "channel": "google_news",
        "url_template": feed_server.url("/search/{query}.xml"),
        "queries": queries,
        "purpose": "Local news about public safety in the city, for rumour checks.",
    }


def test_one_failing_query_does_not_stop_the_others(feed_server, db):
    feed_server.serve("/search/fire+downtown.xml", rss(("f1", "Fire downtown"), ("f2", "Smoke")))
    feed_server.serve("/search/stadium+closure.xml", rss(("s1", "Stadium closed")))
    feed_server.serve("/search/broken+query.xml", status=500)
    queries = ["broken query", "fire downtown", "stadium closure"]

    runs = Runner(make_settings([search_source(feed_server, queries)]), db).run_once()

    run = runs[0]
    assert run.status == "error"
    assert "1 of 3 feeds failed" in run.error and "HTTP 500" in run.error
    assert run.new == 3
    assert {p["text"] for p in list_posts(db, PostFilter(source="news-search"))} == {
        "Fire downtown",
        "Smoke",
        "Stadium closed",
    }
    assert len(feed_server.hits("/search/stadium+closure.xml")) == 1


def test_a_429_on_one_query_stops_the_search_at_once(feed_server, db):
    """Every query goes to the same host; hammering it after a 429 would make things worse."""
    feed_server.serve("/search/first.xml", status=429, headers={"Retry-After": "60"})
    feed_server.serve("/search/second.xml", rss(("s", "Second")))

    runs = Runner(make_settings([search_source(feed_server, ["first", "second"])]), db).run_once()

    assert runs[0].status == "rate_limited"
    assert feed_server.hits("/search/second.xml") == []
