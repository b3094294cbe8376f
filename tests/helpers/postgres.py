"""A throwaway PostgreSQL cluster on loopback for the tests: ``initdb`` and ``pg_ctl`` in a
temporary folder, one database per test, all gone at the end of the session.

The server refuses to run as root (CI runs as root): then every server command runs as
the ``postgres`` account that Debian's package creates (``runuser``), or ``nobody``.
Durability is switched off (``fsync``, ``synchronous_commit``): the data is thrown away.
"""

from __future__ import annotations

import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

#: Where to look for the server's programs, besides ``pg_config --bindir``.
BINDIR_ENV = "RUMORDESK_TEST_PG_BINDIR"
_DEBIAN_BINDIRS = "/usr/lib/postgresql/*/bin"
_PROGRAMS = ("initdb", "pg_ctl", "postgres")
SUPERUSER = "rumordesk_test"
_names = itertools.count(1)


def find_bindir() -> Path | None:
    """The folder with ``initdb``, ``pg_ctl`` and ``postgres`` (the newest Debian one)."""
    candidates: list[Path] = []
    if configured := os.environ.get(BINDIR_ENV):
        candidates.append(Path(configured))
    if pg_config := shutil.which("pg_config"):
        found = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if found.returncode == 0:
            candidates.append(Path(found.stdout.strip()))
    debian = sorted(Path("/").glob(_DEBIAN_BINDIRS.lstrip("/")), key=_version, reverse=True)
    candidates += debian
    for folder in candidates:
        if all((folder / program).is_file() for program in _PROGRAMS):
            return folder
    return None


def _version(bindir: Path) -> int:
    digits = re.sub(r"\D", "", bindir.parent.name)
    return int(digits) if digits else 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_account() -> str | None:
    """The account the server runs as: ours, unless we are root (which it refuses)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' account exists")


@dataclass
class PostgresCluster:
    """One running server; :meth:`create_database` hands out a fresh database each time."""

    bindir: Path
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="rumordesk-pg-")))
    port: int = field(default_factory=_free_port)
    account: str | None = field(default_factory=_server_account)

    @property
    def datadir(self) -> Path:
        return self.root / "data"

    @property
    def version(self) -> int:
        return _version(self.bindir)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.account is not None:
            command = ["runuser", "-u", self.account, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed:\n{done.stdout}\n{done.stderr}")
        return done

    def start(self) -> PostgresCluster:
        if self.account is not None:
            user = pwd.getpwnam(self.account)
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.datadir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": "''",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "300",
            "shared_buffers": "128MB",
            "log_min_messages": "warning",
        }
        with open(self.datadir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        self._run("pg_ctl", "-D", str(self.datadir), "-l", str(self.root / "log"), "-w", "start")
        return self

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str, *, user: str = SUPERUSER) -> str:
        """The SQLAlchemy URL of ``database`` (psycopg 3, over TCP on loopback)."""
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{database}"

    def admin(self):  # type: ignore[no-untyped-def]
        """An autocommit psycopg connection to the maintenance database."""
        import psycopg

        return psycopg.connect(
            host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        )

    def create_database(self, *, template: str | None = None, name: str | None = None) -> str:
        """A new database (a copy of ``template`` when given); returns its name."""
        name = name or f"rd_{os.getpid()}_{next(_names)}"
        clause = f" TEMPLATE {template}" if template else ""
        with self.admin() as connection:
            connection.execute(f"CREATE DATABASE {name}{clause}")
        return name

    def drop_database(self, name: str) -> None:
        with self.admin() as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def execute(self, database: str, sql: str, *, user: str = SUPERUSER) -> None:
        """Run SQL (several statements allowed) in ``database`` as ``user``."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user=user, dbname=database, autocommit=True
        ) as connection:
            connection.execute(sql)  # type: ignore[arg-type]
