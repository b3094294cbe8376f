"""The audit log on PostgreSQL: concurrent appenders from several processes' worth of
connections never fork the chain (the head row's lock makes them take turns), and the
database refuses to edit the log or move its head back — on a throwaway cluster on
loopback, started for this module.

Skipped where PostgreSQL's binaries or the psycopg driver are not installed.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from rumordesk.store import open_database
from rumordesk.store.db import Database
from rumordesk.triage import audit, checkpoint
from rumordesk.triage.roles import Actor, Role

pytestmark = pytest.mark.slow

BIN = Path("/usr/lib/postgresql/15/bin")
PIO = Actor("pat", Role.PIO)


def _as_postgres_user() -> list[str]:
    """initdb refuses to run as root: run the cluster as an unprivileged user."""
    if os.geteuid() != 0:
        return []
    for user in ("postgres", "nobody"):
        if subprocess.run(["id", user], capture_output=True).returncode == 0:
            return ["runuser", "-u", user, "--"]
    pytest.skip("running as root with no unprivileged user for PostgreSQL")


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    pytest.importorskip("psycopg")
    if not (BIN / "initdb").exists() or not shutil.which("runuser"):
        pytest.skip(f"PostgreSQL binaries not found in {BIN}")
    # not under pytest's temporary folder: it is private to root, and the cluster is not
    root = Path(tempfile.mkdtemp(prefix="rumordesk-pg-"))
    data, run = root / "data", root / "run"
    run.mkdir()
    prefix = _as_postgres_user()
    if prefix:
        shutil.chown(root, user=prefix[2])
        shutil.chown(run, user=prefix[2])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    subprocess.run(
        [*prefix, str(BIN / "initdb"), "-D", str(data), "-U", "rd", "-A", "trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {run} -c listen_addresses=127.0.0.1 -c fsync=off"
    # the server's output goes to its log file: a pipe would be held open by the server
    subprocess.run(
        [*prefix, str(BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(run / "log")]
        + ["-w", "start"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"postgresql+psycopg://rd@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg(postgres: str) -> Iterator[Database]:
    db = open_database(postgres)
    yield db
    with db.write() as connection:  # a fresh schema for the next test
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    db.dispose()


def test_concurrent_appenders_on_postgresql_never_fork_the_chain(pg: Database):
    writers, each = 6, 30
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def append(number: int) -> None:
        try:
            barrier.wait()
            for index in range(each):
                with pg.write() as connection:
                    audit.record(connection, PIO, "note", detail={"w": number, "i": index})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    check = audit.verify(pg)
    assert check.ok and check.entries == writers * each, check.describe()
    with pg.read() as connection:
        prevs = connection.scalars(text("SELECT prev_hash FROM audit_log")).all()
    assert len(set(prevs)) == len(prevs) == writers * each
    assert checkpoint.take(pg).seq == writers * each


def test_postgresql_refuses_edits_and_moving_the_head_back(pg: Database):
    with pg.write() as connection:
        audit.record(connection, PIO, "note")
        audit.record(connection, PIO, "note")
    for statement in (
        "UPDATE audit_log SET actor = 'x'",
        "DELETE FROM audit_log",
        "UPDATE audit_head SET seq = 1",
        "DELETE FROM audit_head",
    ):
        with pytest.raises(SQLAlchemyError), pg.write() as connection:
            connection.execute(text(statement))
    assert audit.verify(pg).ok
