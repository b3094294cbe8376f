"""Shared fixtures: a real HTTP server on loopback, a real SQLite file, real shared data.

Helpers that tests import live in :mod:`tests.helpers`; this file only holds fixtures.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from rumordesk.store import open_database
from rumordesk.store.db import Database
from tests.helpers.paths import SHARED
from tests.helpers.server import FeedServer


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
def db(tmp_path: Path) -> Iterator[Database]:
    """A real, migrated SQLite file."""
    database = open_database(f"sqlite:///{tmp_path / 'rumordesk.db'}")
    yield database
    database.dispose()
