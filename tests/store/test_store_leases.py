"""Leases: one process gets the work, a dead holder lets go when its lease expires, and the
loop's chores (alerts, purge) ask for theirs — on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from rumordesk.base.chores import Chore, Chores
from rumordesk.store import leases
from rumordesk.store.db import Database
from rumordesk.store.leases import LeaseGate

T0 = datetime(2026, 11, 30, 19, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
A, B = "host-a:1:aaaa", "host-b:2:bbbb"


def test_one_holder_until_it_expires(db: Database):
    assert leases.acquire(db, "chore:purge", now=T0, ttl=HOUR, holder=A)
    assert not leases.acquire(db, "chore:purge", now=T0 + timedelta(minutes=59), ttl=HOUR, holder=B)
    # without renew, not even the holder takes it again before it expires
    assert not leases.acquire(db, "chore:purge", now=T0 + timedelta(minutes=1), ttl=HOUR, holder=A)
    assert leases.acquire(db, "chore:purge", now=T0 + HOUR, ttl=HOUR, holder=B)
    lease = leases.find(db, "chore:purge")
    assert lease is not None and lease.holder == B and lease.expires_at == T0 + 2 * HOUR


def test_renew_keeps_it_with_its_holder(db: Database):
    minute = timedelta(minutes=1)
    assert leases.acquire(db, "chore:alerts", now=T0, ttl=minute, renew=True, holder=A)
    assert leases.acquire(db, "chore:alerts", now=T0 + minute / 2, ttl=minute, renew=True, holder=A)
    assert not leases.acquire(db, "chore:alerts", now=T0 + minute, ttl=minute, renew=True, holder=B)
    # the holder stopped renewing: the other takes over once it has expired
    later = T0 + minute / 2 + minute
    assert leases.acquire(db, "chore:alerts", now=later, ttl=minute, renew=True, holder=B)


def test_only_the_holder_settles_and_its_state_is_kept(db: Database):
    assert leases.acquire(db, "weekly-export:2026-W48", now=T0, ttl=HOUR, holder=A)
    assert not leases.settle(db, "weekly-export:2026-W48", state={"x": 1}, until=T0, holder=B)
    done = {"state": "written", "files": ["weekly-report-2026-W48.xlsx"]}
    assert leases.settle(db, "weekly-export:2026-W48", state=done, until=leases.FOREVER, holder=A)
    assert leases.find(db, "weekly-export:2026-W48").state == done
    years_later = T0 + timedelta(days=3650)
    assert not leases.acquire(db, "weekly-export:2026-W48", now=years_later, ttl=HOUR, holder=B)
    leases.release(db, "weekly-export:2026-W48", now=years_later, holder=A)
    assert leases.acquire(db, "weekly-export:2026-W48", now=years_later, ttl=HOUR, holder=B)


def test_many_asking_at_once_exactly_one_gets_it(db: Database):
    url = db.url.render_as_string(hide_password=False)
    askers = 8
    start = threading.Barrier(askers)
    won: list[str] = []
    errors: list[Exception] = []

    def ask(holder: str) -> None:
        own = Database(url)  # its own connections, as another process has
        try:
            start.wait(timeout=30)
            if leases.acquire(own, "chore:purge", now=T0, ttl=HOUR, holder=holder):
                won.append(holder)
        except Exception as exc:  # asserted on below
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=ask, args=(f"host-{n}:1:x",)) for n in range(askers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == [] and len(won) == 1
    assert leases.find(db, "chore:purge").holder == won[0]


def test_a_gated_chore_runs_in_one_loop_per_period(db: Database):
    """Two loops (two hosts) with the same purge chore: one purge per hour between them."""
    runs: list[tuple[str, datetime]] = []
    clock = [T0]

    def loop(holder: str) -> Chores:
        chore = Chore(
            "purge",
            HOUR,
            lambda now: runs.append((holder, now)),
            gate=LeaseGate(db, "chore:purge", HOUR, holder=holder),
            recheck=timedelta(minutes=1),
        )
        return Chores([chore], clock=lambda: clock[0])

    first, second = loop(A), loop(B)
    for _ in range(3 * 60 + 1):  # three hours, a tick a minute, both loops
        first.run_due()
        second.run_due()
        clock[0] += timedelta(minutes=1)
    assert [when for _, when in runs] == [T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR]


def test_a_renewed_gate_asks_the_database_only_when_half_its_lease_is_gone(db: Database):
    gate = LeaseGate(db, "chore:alerts", timedelta(seconds=30), renew=True, holder=A)
    other = LeaseGate(db, "chore:alerts", timedelta(seconds=30), renew=True, holder=B)
    assert gate(T0) and not other(T0 + timedelta(seconds=1))
    assert gate(T0 + timedelta(seconds=10))  # from memory: no statement
    assert leases.find(db, "chore:alerts").expires_at == T0 + timedelta(seconds=30)
    assert gate(T0 + timedelta(seconds=20))  # renewed in the database
    assert leases.find(db, "chore:alerts").expires_at == T0 + timedelta(seconds=50)
    # the holder stops; the other loop takes over once its lease has run out
    assert not other(T0 + timedelta(seconds=49))
    assert other(T0 + timedelta(seconds=50))
