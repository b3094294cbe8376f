"""store/db.py: which databases, psycopg 3 by default, advisory locks by name, and a
transaction that PostgreSQL rolled back to break a deadlock runs again."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text

from rumordesk.base.errors import ConfigError
from rumordesk.store.db import Database, database_url, lock_key
from rumordesk.store.sources import sync_sources
from tests.helpers.settings import feed_source, make_settings


def test_postgresql_urls_use_psycopg_3_unless_a_driver_is_named():
    assert database_url("postgresql://app@db/rumordesk").drivername == "postgresql+psycopg"
    assert database_url("postgresql+psycopg://app@db/r").drivername == "postgresql+psycopg"
    assert database_url("sqlite:///data/r.db").drivername == "sqlite"


def test_other_databases_are_refused_by_name():
    with pytest.raises(ConfigError, match="SQLite or PostgreSQL, not mysql"):
        Database("mysql://app:secret@db/rumordesk")


def test_lock_keys_are_stable_signed_64_bit_numbers():
    key = lock_key("story:claim:active_shooter@Levi's Stadium")
    assert key == lock_key("story:claim:active_shooter@Levi's Stadium")
    assert -(2**63) <= key < 2**63 and key != lock_key("story:other")


@pytest.mark.backends("postgresql")
def test_a_deadlock_victim_runs_again_and_both_transactions_finish(db: Database):
    """Two transactions lock two rows in opposite orders: PostgreSQL rolls one back to break
    the deadlock; ``transact`` runs it again, and both are done once."""
    sync_sources(
        db, make_settings([feed_source(n, f"http://127.0.0.1:9/{n}") for n in "ab"]).sources
    )
    url = db.url.render_as_string(hide_password=False)
    both_hold_one = threading.Barrier(2, timeout=30)
    attempts: list[str] = []
    errors: list[Exception] = []

    def crossing(first: str, second: str) -> None:
        own = Database(url)

        def work(connection) -> None:  # type: ignore[no-untyped-def]
            attempts.append(first)
            bump = text("UPDATE sources SET last_new = last_new + 1 WHERE name = :name")
            connection.execute(bump, {"name": first})
            if len(attempts) <= 2:  # the first attempts: each holds one row, wants the other
                both_hold_one.wait()
            connection.execute(bump, {"name": second})

        try:
            own.transact(work)
        except Exception as exc:  # asserted on below
            errors.append(exc)
        finally:
            own.dispose()

    threads = [threading.Thread(target=crossing, args=pair) for pair in (("a", "b"), ("b", "a"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(attempts) >= 3  # the victim ran again (a busy machine may make another round)
    with db.read() as connection:
        counts = dict(connection.execute(text("SELECT name, last_new FROM sources")).all())
    assert counts == {"a": 2, "b": 2}  # each transaction's two updates, once
