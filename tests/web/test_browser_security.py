"""The dashboard in a real headless Chromium, started exactly as `rumordesk run` starts it
(rumordesk/web/serve/asgi.py, from the project's folder), with a hostile string in every
stored field:

* the first page asked for after a start runs the router, not a page on its own (no legacy
  multipage mode listing every page);
* every page of every role is walked, and no request of the browser leaves the host — no
  planted image, no font, no favicon, no usage statistics — and no planted link or image
  is in the page;
* a screenshot kept from a PNG+HTML polyglot is served as a pure PNG, with its type and
  ``X-Content-Type-Options: nosniff``;
* a refused screenshot refuses the report, with the reason, and no "Thank you";
* a PIO's open tab whose account was disabled cannot apply a bulk action from the queue's
  auto-refreshing part.
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from PIL import Image
from sqlalchemy import select

from rumordesk.cli.collection import dashboard_command
from rumordesk.collectors.staff_report import submit
from rumordesk.store.schema import posts, rumors
from rumordesk.triage import users
from rumordesk.triage.roles import SYSTEM, Role
from rumordesk.web import navigation
from tests.helpers.dashboard import PASSWORD, make_desk
from tests.helpers.hostile import TAG, TRACKER, edit_config, seed
from tests.helpers.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
USERS = {Role.PIO: "pat", Role.CHIEF: "chris", Role.STAFF: "sam", Role.ADMIN: "ada"}
HTML = b"<html><script>alert(document.domain)</script></html>"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (20, 120, 40)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def server(tmp_path, monkeypatch):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium (apt-get install -y chromium)")
        pytest.skip("/usr/bin/chromium is not installed")
    desk = make_desk(tmp_path, monkeypatch, edit_config=edit_config)
    seeded = seed(desk.db, desk.settings)
    report = submit(
        desk.db,
        desk.settings,
        url=None,
        text="Photo of the scene at the mall",
        where="Facebook",
        reported_by="Ofc. Diaz",
        screenshot=_png() + HTML,
        filename="scene.png",
    )
    from sqlalchemy import insert

    from rumordesk.store.schema import post_scores

    with desk.db.write() as connection:
        connection.execute(
            insert(post_scores).values(
                post_id=report.post_id,
                rumor_id=seeded.pending,
                p_misinfo=0.5,
                score=0.5,
                severity=0.5,
                locality="local",
                cluster_key="hostile:pending",
                signals="{}",
                reasons="[]",
                model_version="test",
                scored_at=seeded_now(),
            )
        )
    port = _free_port()
    env = {**os.environ, "RUMORDESK_CONFIG": str(tmp_path / "config.toml")}
    command = dashboard_command(port, "127.0.0.1")
    # as `rumordesk run` starts it, from the project's folder, minus the flag it adds, so
    # that the project's .streamlit/config.toml alone must keep usage statistics off
    flag = command.index("--browser.gatherUsageStats")
    del command[flag : flag + 2]
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
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
    yield base, desk, seeded
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    desk.db.dispose()


def seeded_now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield launched
        launched.close()


class Recorder:
    """Every request the page makes, and every WebSocket it opens."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.urls: list[str] = []
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("websocket", lambda socket_: self.urls.append(socket_.url))

    def elsewhere(self) -> list[str]:
        return sorted(
            {
                url
                for url in self.urls
                if urlsplit(url).scheme not in ("data", "blob", "about")
                and urlsplit(url).hostname != "127.0.0.1"
            }
        )


def _sign_in(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()


def _settle(page) -> None:  # type: ignore[no-untyped-def]
    """The script run finished and the browser fetched what the page needs: the page's
    title is drawn, no run is going on, and the network is quiet."""
    page.locator("h1").first.wait_for()
    page.locator("[data-testid='stStatusWidget']").wait_for(state="hidden")
    page.wait_for_load_state("networkidle")


def _planted(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Images, links, frames or media pointing at the planted host, in the live DOM."""
    return page.evaluate(
        """(host) => [...document.querySelectorAll('img,a,iframe,source,video,audio,link')]
            .map(e => e.getAttribute('src') || e.getAttribute('href') || '')
            .filter(u => u.includes(host))""",
        TRACKER,
    )


def test_the_first_page_asked_for_runs_the_router_not_a_page_on_its_own(server, browser):
    base, _, _ = server
    page = browser.new_page()
    page.goto(base + "/audit")  # the very first request after the start
    page.get_by_role("button", name="Sign in").wait_for()
    _settle(page)
    assert page.locator("[data-testid='stSidebarNavLink']").count() == 0
    assert page.get_by_role("heading", name="Audit").count() == 0


def test_every_page_of_every_role_stays_on_the_host_and_shows_typed_text_as_text(server, browser):
    base, desk, seeded = server
    seen_text: set[str] = set()
    walked = 0
    for role, username in USERS.items():
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(30_000)
        recorder = Recorder(page)
        _sign_in(page, base, username)
        for spec in navigation.pages_for(role):
            link = page.locator("[data-testid='stSidebarNavLink']", has_text=spec.title)
            address = link.get_attribute("href")
            link.click()
            page.wait_for_url(address)
            _settle(page)
            assert _planted(page) == [], (role, spec.title)
            seen_text |= set(page.evaluate("() => document.body.innerText").split())
            walked += 1
        assert recorder.elsewhere() == [], (role, recorder.elsewhere())
        context.close()
    assert walked == sum(len(navigation.pages_for(role)) for role in Role)
    # (tables are drawn on a canvas: what they hold is not in the page's text)
    shown = " ".join(seen_text)
    assert {"HX01", "HX02", "HX04", "HX06", "HX21", "HX23"} <= set(TAG.findall(shown))


def test_the_rumour_page_shows_the_planted_assignee_as_typed(server, browser):
    base, desk, seeded = server
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    recorder = Recorder(page)
    _sign_in(page, base, "chris")
    page.goto(f"{base}/rumour?id={seeded.pending}")  # the deep link an alert carries
    page.get_by_role("heading", name=f"Rumour #{seeded.pending}").wait_for()
    _settle(page)
    line = page.locator("[data-testid='stMarkdownContainer']", has_text="Assigned to").first
    shown = line.inner_text().replace("\u200b", "")  # the zero-width spaces plain() adds
    assert f"![HX03](http://{TRACKER}/HX03.png)" in shown and ":red[HX03]" in shown
    assert line.locator("img, a, span[style*='color']").count() == 0
    assert _planted(page) == [] and recorder.elsewhere() == []
    context.close()


def test_a_polyglot_screenshot_is_served_as_a_pure_image_without_sniffing(server, browser):
    base, desk, seeded = server
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _sign_in(page, base, "chris")
    page.goto(f"{base}/rumour?id={seeded.pending}")
    page.get_by_role("heading", name=f"Rumour #{seeded.pending}").wait_for()
    _settle(page)
    images = page.locator("[data-testid='stImage'] img")
    images.first.wait_for()
    source = images.first.get_attribute("src")
    assert source and source.startswith("/media/") or source.startswith(base + "/media/")
    answer = requests.get(source if source.startswith("http") else base + source, timeout=10)
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    with Image.open(io.BytesIO(answer.content)) as served:  # the type it says is what it is
        assert answer.headers["Content-Type"] == Image.MIME[served.format]
        assert served.size == (32, 24)
    assert b"<html" not in answer.content and b"<script" not in answer.content
    assert answer.content.endswith((b"IEND\xaeB`\x82", b"\xff\xd9"))  # nothing after the image


def test_a_refused_screenshot_refuses_the_report_with_the_reason(server, browser, tmp_path):
    base, desk, _ = server
    with desk.db.read() as connection:
        before = connection.scalars(select(posts.c.id)).all()
    gif = tmp_path / "scene.gif"
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    _sign_in(page, base, "sam")
    page.get_by_role("combobox", name="Where did you see it?").click()
    page.get_by_role("option", name="Nextdoor").click()
    page.get_by_label("What does it say?").fill("Shots fired at the mall, people running")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(gif))
    page.get_by_text("scene.gif").wait_for()
    page.get_by_role("button", name="Send to the PIO").click()
    refusal = page.locator("[data-testid='stAlert']", has_text="Not sent")
    refusal.wait_for()  # one message: that it was not sent, and why
    assert "screenshot scene.gif" in refusal.inner_text()
    assert "GIF images are not accepted" in refusal.inner_text()
    _settle(page)
    assert page.get_by_text("Thank you", exact=False).count() == 0
    with desk.db.read() as connection:
        assert connection.scalars(select(posts.c.id)).all() == before


def test_a_disabled_pios_open_tab_cannot_apply_a_bulk_action(server, browser):
    """`rumordesk user disable pat` while pat's tab is in the middle of a bulk change: the
    next step changes nothing and the tab is signed out (the session ended with the
    account). The bulk function refuses a disabled account on its own too
    (tests/triage/test_authz.py), for any caller."""
    base, desk, seeded = server
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.set_default_timeout(30_000)
    _sign_in(page, base, "pat")
    page.get_by_role("heading", name="Rumour queue").wait_for()
    page.get_by_text("Change several at once").click()
    page.get_by_text("Set the chosen rumours to").wait_for()
    _settle(page)
    users.set_active(desk.db, SYSTEM, "pat", False)  # `rumordesk user disable pat`
    page.get_by_role("combobox", name="Set the chosen rumours to").click()
    page.get_by_role("option", name="Not relevant").click()
    page.wait_for_url(re.compile(r"/sign-in\?"))
    page.get_by_text("This account is disabled", exact=False).wait_for()
    with desk.db.read() as connection:
        changed = connection.scalars(
            select(rumors.c.id).where(rumors.c.status == "not_relevant")
        ).all()
    assert changed == []
