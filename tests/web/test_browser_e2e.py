"""End to end in a real headless Chromium against `streamlit run app.py` on loopback.

* The PIO signs in from an alert's link and lands on that rumour; a reload and a new tab
  keep the session; the queue's row opens a rumour; the PIO escalates it; the Chief's
  office decides. Screenshots at 1280×800 of the queue, a rumour, the Chief's page and the
  weekly report go to test-artifacts/.
* Collection stalls: the queue's banner says so without a reload.
* Sessions: signing out in one tab, disabling the account and the idle limit end another
  tab's session, its self-refreshing queue included; a copied Streamlit session id,
  presented without the cookie, gets nothing, and never appears in the server's log.
"""

from __future__ import annotations

import base64
import os
import re
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select, update

from rumordesk.store.schema import browser_sessions, rumors
from rumordesk.store.sources import record_success
from rumordesk.triage import audit, users
from rumordesk.triage.roles import SYSTEM
from tests.helpers.classify import text_model
from tests.helpers.dashboard import PASSWORD, desk_config, make_desk
from tests.helpers.paths import PROJECT_ROOT
from tests.helpers.settings import write_config

#: A Streamlit server and a browser in subprocesses: the whole suite runs it, "not slow" skips it.
pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
VIEWPORT = {"width": 1280, "height": 800}
REFRESH_SECONDS = 3
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
    # the queue refreshes itself every few seconds, as it would at 11 pm
    write_config(tmp_path / "config.toml", desk_config(tmp_path, refresh_seconds=REFRESH_SECONDS))
    # Scored by a learned model (TF-IDF on the training slice, once per session), not the
    # keyword stand-in: the screenshots show the order a PIO would see.
    desk.load_demo(text_model().predict_proba)
    port = _free_port()
    log = tmp_path / "streamlit.log"
    env = {**os.environ, "RUMORDESK_CONFIG": str(tmp_path / "config.toml")}
    with log.open("wb") as out:
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
            stdout=out,
            stderr=subprocess.STDOUT,
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
        pytest.fail("streamlit did not start: " + log.read_text(errors="replace")[-2000:])
    yield base, desk, log
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    desk.db.dispose()


def _browser(playwright):  # type: ignore[no-untyped-def]
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)


def _sign_in_form(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_url(re.compile(r"/sign-in\?"))
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


#: True once Streamlit is idle and the page is whole: no run going on, no placeholder
#: (skeleton) or element left over from the previous run (stale), and every data grid has
#: drawn its rows (a grid paints its canvas after the run ends; blank is one colour).
SETTLED = """() => {
    if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
    if (document.querySelector('[data-testid="stSkeleton"], [data-stale="true"]')) return false;
    return [...document.querySelectorAll("[data-testid='stDataFrame'] canvas")].every(c => {
        if (!c.width || !c.height) return false;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 4; i < d.length; i += 4 * 97)
            if (d[i] !== d[0] || d[i + 1] !== d[1] || d[i + 2] !== d[2]) return true;
        return false;
    });
}"""


def _settle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the page is settled (:data:`SETTLED`) on two frames in a row, so a run
    that starts right after the first look is waited for too."""
    for _ in range(2):
        page.wait_for_function(SETTLED, timeout=30_000)
        page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )


def _painted(page) -> None:  # type: ignore[no-untyped-def]
    """The grids are drawn after a scroll (the page itself did not run again)."""
    _settle(page)


def _queue_ids(desk) -> list[int]:  # type: ignore[no-untyped-def]
    from rumordesk.triage import queue

    return [row.id for row in queue.queue(desk.db, desk.actor("pat"))]


def test_an_alert_link_a_reload_a_new_tab_and_the_decision_in_a_real_browser(server):
    from playwright.sync_api import expect, sync_playwright

    base, desk, _ = server
    top, second = _queue_ids(desk)[:2]
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = _browser(playwright)
        try:
            context = browser.new_context(viewport=VIEWPORT)
            context.set_default_timeout(30_000)
            page = context.new_page()

            # the alert's link, opened signed out: sign in, and land on that very rumour
            page.goto(f"{base}/rumour?id={top}")
            _sign_in_form(page, "pat")
            expect(page).to_have_url(f"{base}/rumour?id={top}")
            expect(page.get_by_role("heading", name=f"Rumour #{top}")).to_be_visible()
            cookie = next(c for c in context.cookies() if c["name"] == "rumordesk_session")
            assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

            page.reload()  # still signed in, still on the rumour
            expect(page.get_by_role("heading", name=f"Rumour #{top}")).to_be_visible()
            _settle(page)
            page.screenshot(path=str(ARTIFACTS / "rumour.png"))

            # another alert, opened in a new tab of the same browser
            other = context.new_page()
            other.goto(f"{base}/rumour?id={second}")
            expect(other.get_by_role("heading", name=f"Rumour #{second}")).to_be_visible()
            other.close()

            # the queue: one compact table; a click on a row opens that rumour
            page.goto(base + "/")
            expect(page.get_by_role("heading", name="Rumour queue")).to_be_visible()
            expect(page.get_by_text("Demo data:", exact=False).first).to_be_visible()
            grid = page.get_by_test_id("stDataFrame").first
            expect(grid.locator("canvas").first).to_be_visible()
            _settle(page)
            page.screenshot(path=str(ARTIFACTS / "queue.png"))
            box = grid.bounding_box()
            assert box["x"] + box["width"] <= VIEWPORT["width"]  # no horizontal overflow
            page.mouse.click(box["x"] + 320, box["y"] + 35 + 17)  # the first row's claim
            expect(page).to_have_url(f"{base}/rumour?id={top}")

            page.get_by_role("tab", name="Escalate").click()
            advice = page.get_by_label("Recommendation")
            advice.fill("False report; post the correction on X and Facebook now.")
            advice.press("Control+Enter")
            page.get_by_role("button", name="Escalate to the Chief's office").click()
            expect(page.get_by_text("Escalate: done and recorded")).to_be_visible()
            assert page.get_by_role("tab", selected=True).inner_text() == "Escalate"

            page.get_by_role("button", name="Sign out").click()
            _sign_in_form(page, "chris")
            expect(page.get_by_role("heading", name="Office of the Chief")).to_be_visible()
            waiting = page.get_by_text("Awaiting a decision (1)")
            expect(waiting).to_be_visible()
            expect(page.get_by_text("post the correction on X and Facebook now")).to_be_visible()
            _settle(page)
            waiting.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "chief.png"))
            page.get_by_text("Issue a public correction").first.click()
            page.get_by_label("Reason").fill("The rumour is false and still spreading.")
            page.get_by_role("button", name="Record decision").click()
            expect(page.get_by_text(f"Decision on #{top} recorded")).to_be_visible()

            page.goto(base + "/weekly")
            expect(page.get_by_role("heading", name="Weekly report")).to_be_visible()
            label = page.get_by_text("Demo data: these figures include invented")
            expect(label).to_be_visible()
            expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible()
            _settle(page)
            label.evaluate("e => e.scrollIntoView({block: 'start'})")  # the figures and charts
            _painted(page)
            page.screenshot(path=str(ARTIFACTS / "weekly.png"))
        finally:
            browser.close()

    with desk.db.read() as connection:
        row = connection.execute(select(rumors).where(rumors.c.id == top)).one()
    assert (row.escalated_by, row.decided_by, row.decision) == ("pat", "chris", "correction")
    assert row.decision_reason == "The rumour is false and still spreading."
    actions = [e.action for e in audit.entries(desk.db, newest_first=False)]
    ordered = [a for a in actions if a in ("sign_in", "escalate", "sign_out", "decide")]
    assert ordered[-5:] == ["sign_in", "escalate", "sign_out", "sign_in", "decide"]
    for name in ("queue", "rumour", "chief", "weekly"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000


def test_a_stalled_collection_shows_on_the_queue_without_a_reload(server):
    from playwright.sync_api import expect, sync_playwright

    base, desk, _ = server
    with sync_playwright() as playwright:
        browser = _browser(playwright)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(30_000)
            page.goto(base + "/")
            _sign_in_form(page, "pat")
            expect(page.get_by_role("heading", name="Rumour queue")).to_be_visible()
            assert not page.get_by_text("Collection stalled").is_visible()
            long_ago = datetime.now(UTC) - timedelta(minutes=14)
            for source in desk.settings.sources:
                if source.enabled:
                    record_success(
                        desk.db,
                        source.name,
                        new=0,
                        updated=0,
                        requests=1,
                        next_poll_at=long_ago,
                        now=long_ago,
                    )
            banner = page.get_by_text("Collection stalled: last successful poll 14 min ago")
            expect(banner).to_be_visible(timeout=REFRESH_SECONDS * 4000)
            expect(page.get_by_role("link", name=re.compile("Open Sources"))).to_be_visible()
            _settle(page)
            page.screenshot(path=str(ARTIFACTS / "queue-stalled.png"))
        finally:
            browser.close()


def _streamlit_session_id(frames: list[str]) -> str:
    """The session id Streamlit gave the tab (its first message says it)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    for payload in frames:
        message = ForwardMsg()
        try:
            message.ParseFromString(base64.b64decode(payload))
        except Exception:  # a frame that is not a whole ForwardMsg
            continue
        if message.WhichOneof("type") == "new_session":
            return message.new_session.initialize.session_id
    raise AssertionError("no session id seen on the websocket")


def _hijack(base: str, session_id: str) -> str:
    """Connect as another browser would, presenting only the copied session id: what
    does the server show it? (The sync client: Playwright's loop owns this thread.)"""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    url = base.replace("http://", "ws://") + "/_stcore/stream"
    seen: list[str] = []
    with connect(
        url,
        subprotocols=["streamlit", "no-xsrf-token", session_id],
        origin=base,
        max_size=None,
    ) as socket_:
        rerun = BackMsg()
        rerun.rerun_script.query_string = ""
        rerun.rerun_script.page_script_hash = ""
        socket_.send(rerun.SerializeToString())
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                data = socket_.recv(timeout=1)
            except TimeoutError:
                if any("script_finished" in s for s in seen):
                    break
                continue
            message = ForwardMsg()
            message.ParseFromString(data)
            seen.append(str(message))
    return "\n".join(seen)


def test_sessions_end_in_every_tab_and_a_copied_session_id_gets_nothing(server):
    from playwright.sync_api import expect, sync_playwright

    base, desk, log = server
    with sync_playwright() as playwright:
        browser = _browser(playwright)
        try:
            context = browser.new_context(viewport=VIEWPORT)
            context.set_default_timeout(30_000)
            watcher = context.new_page()  # the tab left on the self-refreshing queue
            frames: list[str] = []
            cdp = context.new_cdp_session(watcher)
            cdp.send("Network.enable")
            cdp.on(
                "Network.webSocketFrameReceived",
                lambda event: frames.append(event["response"]["payloadData"]),
            )
            watcher.goto(base + "/")
            _sign_in_form(watcher, "pat")
            expect(watcher.get_by_role("heading", name="Rumour queue")).to_be_visible()
            _settle(watcher)

            # another browser copies the tab's Streamlit session id: it gets nothing
            session_id = _streamlit_session_id(frames)
            shown = _hijack(base, session_id)
            assert "Please sign in." in shown
            assert "Rumour queue" not in shown and "covering it up" not in shown
            assert session_id not in log.read_text(errors="replace")

            # signing out in a second tab ends the first, which is only refreshing itself
            expect(watcher.get_by_role("heading", name="Rumour queue")).to_be_visible()
            other = context.new_page()
            other.goto(base + "/weekly")
            expect(other.get_by_role("heading", name="Weekly report")).to_be_visible()
            other.get_by_role("button", name="Sign out").click()
            other.wait_for_url(re.compile(r"/sign-in\?"))
            expect(other.get_by_text("You signed out.")).to_be_visible()
            watcher.wait_for_url(re.compile(r"/sign-in\?"), timeout=REFRESH_SECONDS * 5000)

            # disabling the account does the same, at the queue's next refresh
            _sign_in_form(watcher, "pat")
            expect(watcher.get_by_role("heading", name="Rumour queue")).to_be_visible()
            users.set_active(desk.db, SYSTEM, "pat", False)
            watcher.wait_for_url(re.compile(r"/sign-in\?"), timeout=REFRESH_SECONDS * 5000)
            expect(watcher.get_by_text("This account is disabled.")).to_be_visible()
            users.set_active(desk.db, SYSTEM, "pat", True)

            # and so does the idle limit
            _sign_in_form(watcher, "pat")
            expect(watcher.get_by_role("heading", name="Rumour queue")).to_be_visible()
            idle = datetime.now(UTC) - timedelta(minutes=desk.settings.auth.session_idle_minutes)
            with desk.db.write() as connection:
                connection.execute(
                    update(browser_sessions)
                    .where(browser_sessions.c.ended_at.is_(None))
                    .values(last_seen_at=idle - timedelta(minutes=1))
                )
            watcher.wait_for_url(re.compile(r"/sign-in\?"), timeout=REFRESH_SECONDS * 5000)
            expect(watcher.get_by_text("You were signed out after 30 minutes")).to_be_visible()
        finally:
            browser.close()
    reasons = [e.detail.get("reason") for e in audit.entries(desk.db, action="sign_out")]
    assert {"signed out", "idle"} <= set(reasons)
    assert audit.entries(desk.db, action="user_disable")  # that one is the disabling itself
