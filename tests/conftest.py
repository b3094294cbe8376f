"""Shared fixtures: a real HTTP server on loopback, a real database, real shared data.

The database is SQLite, and for the store, workflow, audit, alerts, retention, chores and
scoring tests PostgreSQL as well: each of those tests runs once per backend
(``test_x[sqlite]``, ``test_x[postgresql]``) against a throwaway PostgreSQL cluster on
loopback that the session starts (:mod:`tests.helpers.postgres`). Without the server's
programs the PostgreSQL half is skipped, saying why — except in CI, where it fails.
``-m "not postgresql"`` leaves it out.

Helpers that tests import live in :mod:`tests.helpers`; this file only holds fixtures.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from rumordesk.store import open_database
from rumordesk.store.db import Database
from tests.helpers.paths import PROJECT_ROOT, SHARED
from tests.helpers.postgres import PostgresCluster, find_bindir
from tests.helpers.server import FeedServer

BACKENDS = ("sqlite", "postgresql")
#: Tests under these paths run on both backends (the rest on SQLite only).
BOTH_BACKENDS = (
    "tests/store/",
    "tests/triage/",
    "tests/classify/test_classify_scoring.py",
    "tests/classify/test_classify_stories.py",
    "tests/classify/test_scoring_engagement.py",
    "tests/classify/test_shared_model.py",
    "tests/reports/test_report_schedule.py",
    "tests/cli/test_audit_cli.py",
)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise ``backend`` (and so ``database_url`` and ``db``) where both run."""
    if "backend" not in metafunc.fixturenames:
        return
    where = Path(metafunc.definition.path).relative_to(PROJECT_ROOT).as_posix()
    if not where.startswith(BOTH_BACKENDS):
        return
    only = metafunc.definition.get_closest_marker("backends")
    chosen = only.args if only else BACKENDS
    if chosen == ("sqlite",):
        return  # the default: no parameter, as in the tests that run on SQLite alone
    marks = {"postgresql": pytest.mark.postgresql}
    metafunc.parametrize("backend", [pytest.param(b, marks=marks.get(b, ()), id=b) for b in chosen])


@pytest.fixture
def backend() -> str:
    """``sqlite``, or ``postgresql`` for the tests that run on both (see above)."""
    return "sqlite"


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """One PostgreSQL server on loopback for the session (initdb + pg_ctl in a temp dir)."""
    bindir = find_bindir()
    if bindir is None:
        reason = (
            "PostgreSQL's server programs (initdb, pg_ctl, postgres) were not found: install "
            "Debian's postgresql package (.ci/run does) or set RUMORDESK_TEST_PG_BINDIR"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    cluster = PostgresCluster(bindir).start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def _migrated_template(postgres_cluster: PostgresCluster) -> str:
    """A migrated PostgreSQL database that each test's ``db`` is copied from."""
    name = postgres_cluster.create_database(name="rd_migrated_template")
    open_database(postgres_cluster.url(name)).dispose()
    return name


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a new, empty database of the test's backend (dropped afterwards)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'rumordesk.db'}"
        return
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    template = "rd_migrated_template" if "db" in request.fixturenames else None
    if template:
        request.getfixturevalue("_migrated_template")
    name = cluster.create_database(template=template)
    yield cluster.url(name)
    cluster.drop_database(name)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared``: real third-party data. Absent only outside CI, where tests skip."""
    if not SHARED.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{SHARED} is missing; CI must run with shared/ beside the repository")
        pytest.skip(f"{SHARED} not found: real fixtures and data sets live beside the repository")
    return SHARED


@pytest.fixture(scope="session")
def feeds_dir(shared_dir: Path) -> Path:
    return shared_dir / "fixtures" / "feeds"


@pytest.fixture(scope="module")
def _module_feed_server() -> Iterator[FeedServer]:
    server = FeedServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def feed_server(_module_feed_server: FeedServer) -> FeedServer:
    """A loopback server with no routes and no requests seen, started once per module."""
    _module_feed_server.routes.clear()
    _module_feed_server.requests.clear()
    return _module_feed_server


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A real, migrated database: an SQLite file, or a PostgreSQL database (see above)."""
    database = open_database(database_url)
    yield database
    database.dispose()
