"""`rumordesk web`: the dashboard alone, as many replicas as a load balancer spreads over,
all on one PostgreSQL database; Ctrl-C (SIGTERM) stops each with its Streamlit child."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from rumordesk.store import open_database
from tests.helpers.paths import PROJECT_ROOT
from tests.helpers.postgres import PostgresCluster
from tests.helpers.settings import write_config

pytestmark = [pytest.mark.slow, pytest.mark.postgresql]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 - loopback only
        return answer.status, answer.read()


def _wait_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    """Poll Streamlit's health endpoint (the polling interval is not a guess at timing)."""
    deadline = time.monotonic() + 90
    while True:
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        try:
            if _get(f"http://127.0.0.1:{port}/_stcore/health")[0] == 200:
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, "the dashboard never became healthy"
        time.sleep(0.2)


def test_two_web_replicas_serve_the_dashboard_from_one_database(
    postgres_cluster: PostgresCluster, tmp_path: Path
):
    name = postgres_cluster.create_database()
    url = postgres_cluster.url(name)
    open_database(url).dispose()  # `rumordesk init`, by the owner
    config = write_config(tmp_path / "config.toml", f'[storage]\ndatabase_url = "{url}"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUMORDESK_")}
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    ports = [_free_port(), _free_port()]
    replicas = [
        subprocess.Popen(
            [sys.executable, "-m", "rumordesk", "--config", str(config), "web"]
            + ["--address", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        for port in ports
    ]
    try:
        for port, replica in zip(ports, replicas, strict=True):
            _wait_healthy(port, replica)
            status, page = _get(f"http://127.0.0.1:{port}/")
            assert status == 200 and b"<html" in page.lower()
    finally:
        for replica in replicas:
            replica.send_signal(signal.SIGTERM)
        outcomes = [replica.communicate(timeout=30) for replica in replicas]
        postgres_cluster.drop_database(name)
    for replica, (out, _) in zip(replicas, outcomes, strict=True):
        assert replica.returncode == 0
        assert b"no collector in this process" in out
    for port in ports:  # the Streamlit children are gone with their parents
        with pytest.raises(OSError):
            _get(f"http://127.0.0.1:{port}/_stcore/health")
