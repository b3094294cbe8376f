"""The two PostgreSQL roles of docs/postgresql/roles.sql, run through psql as shipped: the
owner migrates; the application's role writes rows and appends to the audit log, and can
neither change nor remove an entry, nor get rid of the triggers that refuse it."""

from __future__ import annotations

import itertools
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from rumordesk.base.errors import RumorDeskError
from rumordesk.store import open_database
from rumordesk.store.db import Database
from rumordesk.store.schema import schema_migrations
from rumordesk.triage import audit
from rumordesk.triage.roles import Actor, Role
from tests.helpers.paths import PROJECT_ROOT
from tests.helpers.postgres import SUPERUSER, PostgresCluster

pytestmark = pytest.mark.backends("postgresql")

ROLES_SQL = PROJECT_ROOT / "docs" / "postgresql" / "roles.sql"
PIO = Actor("pat", Role.PIO)
_numbers = itertools.count(1)


@dataclass
class Deployment:
    owner: Database
    app: Database


def _psql(cluster: PostgresCluster, **variables: str) -> None:
    command = [str(cluster.bindir / "psql"), "-X", "-q", "-h", "127.0.0.1", "-p", str(cluster.port)]
    command += ["-U", SUPERUSER, "-d", "postgres", "-f", str(ROLES_SQL)]
    for name, value in variables.items():
        command += ["-v", f"{name}={value}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def deployment(backend: str, postgres_cluster: PostgresCluster) -> Iterator[Deployment]:
    n = next(_numbers)
    names = {"db": f"rd_roles_{n}", "owner": f"rd_owner_{n}", "app": f"rd_app_{n}"}
    secrets = {"owner_password": "owner secret", "app_password": "app secret"}
    _psql(postgres_cluster, **names, **secrets)
    _psql(postgres_cluster, **names, **secrets)  # safe to run again
    owner = open_database(postgres_cluster.url(names["db"], user=names["owner"]))  # `init`
    app = open_database(postgres_cluster.url(names["db"], user=names["app"]))
    try:
        yield Deployment(owner, app)
    finally:
        owner.dispose()
        app.dispose()
        postgres_cluster.drop_database(names["db"])
        with postgres_cluster.admin() as connection:
            connection.execute(f"DROP ROLE {names['owner']}")
            connection.execute(f"DROP ROLE {names['app']}")


def _refused(db: Database, statement: str) -> str:
    with pytest.raises(DBAPIError) as caught, db.write() as connection:
        connection.execute(text(statement))
    return str(caught.value.orig)


def test_the_app_writes_and_appends_but_cannot_touch_the_audit_log(deployment: Deployment):
    app = deployment.app
    for n in range(3):
        audit.record_now(app, PIO, "note", subject=f"note {n}")
    assert audit.verify(app) == audit.ChainCheck(True, 3)

    assert "permission denied" in _refused(app, "UPDATE audit_log SET actor = 'mallory'")
    assert "permission denied" in _refused(app, "DELETE FROM audit_log WHERE id = 1")
    assert "permission denied" in _refused(app, "TRUNCATE audit_log")
    assert "must be owner" in _refused(app, "DROP TRIGGER audit_log_append_only ON audit_log")
    assert "must be owner" in _refused(app, "ALTER TABLE audit_log DISABLE TRIGGER ALL")
    assert "must be owner" in _refused(app, "DROP FUNCTION audit_log_append_only() CASCADE")
    assert "permission denied" in _refused(app, "SET session_replication_role = replica")
    assert "permission denied" in _refused(app, "CREATE TABLE shadow (id integer)")
    assert audit.verify(app) == audit.ChainCheck(True, 3)


def test_even_the_owner_meets_the_triggers(deployment: Deployment):
    """The owner could drop them (it is meant for migrations only); it does not slip past."""
    audit.record_now(deployment.app, PIO, "note")
    for statement in (
        "UPDATE audit_log SET actor = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ):
        assert "append-only" in _refused(deployment.owner, statement)


def test_an_upgrade_the_app_may_not_make_says_to_run_init_as_the_owner(deployment: Deployment):
    with deployment.owner.write() as connection:  # as if migration 11 were still to come
        connection.execute(schema_migrations.delete().where(schema_migrations.c.version == 11))
    url = deployment.app.url.render_as_string(hide_password=False)
    with pytest.raises(RumorDeskError, match="rumordesk init"):
        open_database(url)
    open_database(deployment.owner.url.render_as_string(hide_password=False)).dispose()
    open_database(url).dispose()  # upgraded: the app starts
