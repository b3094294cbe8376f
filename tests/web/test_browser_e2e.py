"""End to end in a real headless Chromium against `streamlit run app.py` on loopback:
the PIO signs in, sees the demo queue, opens the top rumour and escalates it; the Chief's
office signs in and decides. A screenshot of the queue is saved to test-artifacts/."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from rumordesk.store.schema import rumors
from rumordesk.triage import audit
from tests.helpers.dashboard import PASSWORD, make_desk
from tests.helpers.paths import PROJECT_ROOT

#: A Streamlit server and a browser in subprocesses: the whole suite runs it, "not slow" skips it.
pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(tmp_path, monkeypatch):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium (apt-get install -y chromium)")
        pytest.skip("/usr/bin/chromium is not installed")
    desk = make_desk(tmp_path, monkeypatch)
    desk.load_demo()
    port = _free_port()
    env = {**os.environ, "RUMORDESK_CONFIG": str(tmp_path / "config.toml")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(PROJECT_ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/_stcore/health", timeout=2).ok:
                break
        except requests.RequestException:
            pass
        time.sleep(0.3)  # the polling interval while Streamlit starts
    else:
        process.kill()
        pytest.fail("streamlit did not start: " + process.stderr.read().decode()[-2000:])
    yield base, desk
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    desk.db.dispose()


def _sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_pio_escalates_and_the_chief_decides_in_a_real_browser(server):
    from playwright.sync_api import expect, sync_playwright

    base, desk = server
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.set_default_timeout(30_000)

            _sign_in(page, base, "pat")
            expect(page.get_by_role("heading", name="Rumour queue")).to_be_visible()
            expect(page.get_by_text("DEMO DATA", exact=False).first).to_be_visible()
            picker = page.get_by_role("combobox", name="Rumour", exact=True)
            expect(picker).to_have_value(re.compile(r"^#\d+ · DEMO · High · "))
            top_label = picker.input_value()
            top_id = int(top_label.split("#", 1)[1].split(" ", 1)[0])
            expect(page.get_by_test_id("stDataFrame").locator("canvas").first).to_be_visible()
            page.wait_for_timeout(1500)  # the table's grid paints after it appears
            page.screenshot(path=str(ARTIFACTS / "queue.png"), full_page=True)

            page.get_by_role("button", name="Open rumour").click()
            expect(page.get_by_role("heading", name=f"Rumour #{top_id}")).to_be_visible()
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / "rumour.png"))
            page.get_by_role("tab", name="Escalate").click()
            advice = page.get_by_label("Recommendation")
            advice.fill("False report; post the correction on X and Facebook now.")
            advice.press("Control+Enter")
            page.get_by_role("button", name="Escalate to the Chief's office").click()
            expect(page.get_by_text("Escalate: done and recorded.")).to_be_visible()

            page.get_by_role("button", name="Sign out").click()
            expect(page.get_by_role("button", name="Sign in")).to_be_visible()
            _sign_in(page, base, "chris")
            expect(page.get_by_role("heading", name="Office of the Chief")).to_be_visible()
            expect(page.get_by_text("Awaiting a decision (1)")).to_be_visible()
            expect(page.get_by_text("post the correction on X and Facebook now")).to_be_visible()
            page.get_by_text("Issue a public correction").first.click()
            page.get_by_label("Reason").fill("The rumour is false and still spreading.")
            page.get_by_role("button", name="Record decision").click()
            expect(page.get_by_text(f"Decision on #{top_id} recorded")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "chief.png"), full_page=True)
        finally:
            browser.close()

    with desk.db.read() as connection:
        row = connection.execute(select(rumors).where(rumors.c.id == top_id)).one()
    assert (row.escalated_by, row.decided_by, row.decision) == ("pat", "chris", "correction")
    assert row.decision_reason == "The rumour is false and still spreading."
    actions = [e.action for e in audit.entries(desk.db, newest_first=False)]
    ordered = [a for a in actions if a in ("sign_in", "escalate", "sign_out", "decide")]
    assert ordered[-5:] == ["sign_in", "escalate", "sign_out", "sign_in", "decide"]
    assert (ARTIFACTS / "queue.png").stat().st_size > 10_000
