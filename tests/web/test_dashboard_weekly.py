"""The Weekly report page, rendered with AppTest against a real store: a week with data and
a week without, signed in as the PIO and as the Chief."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from rumordesk.base.config import load_settings
from rumordesk.store import open_database
from rumordesk.triage.audit import entries
from rumordesk.triage.roles import SYSTEM, Role
from rumordesk.triage.users import add_user
from rumordesk.web import context
from tests.helpers.browser_session import ROUTER, sign_in, use_test_cookies
from tests.helpers.paths import PROJECT_ROOT
from tests.helpers.settings import write_config
from tests.helpers.weekly import HOSTILE, build, toml_sources, utc

PAGE = "rumordesk/web/views/weekly.py"


@pytest.fixture
def desk(tmp_path, monkeypatch):
    database = tmp_path / "weekly.db"
    config = write_config(
        tmp_path / "config.toml",
        f'[storage]\ndatabase_url = "sqlite:///{database}"\n\n{toml_sources()}\n',
    )
    monkeypatch.setenv("RUMORDESK_CONFIG", str(config))
    monkeypatch.chdir(PROJECT_ROOT)
    # The page's "now": the week list and "in progress" are relative to it.
    monkeypatch.setattr(context, "now", lambda: utc(2026, 11, 30, 12))
    use_test_cookies(monkeypatch)
    st.cache_resource.clear()
    db = open_database(f"sqlite:///{database}")
    build(db, load_settings(config), hostile=True)
    for name, role in (("pat", Role.PIO), ("chris", Role.CHIEF)):
        add_user(db, SYSTEM, name, role, password="correct horse battery")
    yield db
    st.cache_resource.clear()
    db.dispose()


def open_page(username: str, week: str | None = None) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / ROUTER), default_timeout=60)
    sign_in(at, context.database(), username)
    at.run()
    at.switch_page(str(PROJECT_ROOT / PAGE)).run()
    if week is not None:
        at.selectbox(key="weekly_week").set_value(week).run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def frame(at: AppTest, key_column: str):
    for element in at.dataframe:
        if key_column in element.value.columns:
            return element.value
    raise AssertionError(f"no table with a {key_column!r} column")


@pytest.mark.slow
def test_a_week_with_data(desk):
    at = open_page("pat", "2026-W43")
    shown = metrics(at)
    assert shown["Posts published"] == "4"
    assert shown["Engagement"] == "314"
    assert shown["Rumours first seen"] == "0"
    channels = frame(at, "Gained by earlier posts").set_index("Channel")
    assert channels.loc["facebook", "Engagement"] == "264"
    assert channels.loc["x", "Engagement, previous week"] == "39"
    assert channels.loc["website", "Engagement"] == "—"  # unavailable, not 0 (nor "None")
    assert "None" not in set(channels.to_numpy().ravel())
    assert shown["Median time to first action"] == "—"  # minutes when there is one
    assert len(at.get("vega_lite_chart")) == 3
    downloads = at.get("download_button")
    assert [d.label for d in downloads] == ["Download XLSX", "Download CSV"]
    downloads[0].click().run()
    [entry] = entries(desk, action="export")
    assert (entry.actor, entry.detail["week"]) == ("pat", "2026-W43")
    assert entry.detail["file"] == "weekly-report-2026-W43.xlsx"
    # post text is data in a table, never markup
    posts = frame(at, "Figures as of")
    assert HOSTILE[0] in set(posts["Text"])
    for element in (*at.markdown, *at.caption, *at.info):
        assert "HYPERLINK" not in str(element.value)
    gaps = frame(at, "Reason")
    assert any("source failing" in reason for reason in gaps["Reason"])
    assert not at.toggle  # no demo in this store: no demo view offered


@pytest.mark.slow
def test_a_week_without_data(desk):
    at = open_page("pat", "2026-W47")
    shown = metrics(at)
    assert shown["Posts published"] == "0"
    assert shown["Engagement"] == "unavailable"
    assert any("No Department post was published in 2026-W47" in i.value for i in at.info)
    assert at.get("vega_lite_chart") == []
    assert any("No engagement to chart" in c.value for c in at.caption)
    assert frame(at, "Figures as of").empty
    assert len(at.get("download_button")) == 2  # an empty report is still a valid file


@pytest.mark.slow
def test_the_chief_opens_the_last_complete_week_by_default(desk):
    at = open_page("chris")
    assert at.selectbox(key="weekly_week").value == "2026-W48"
    assert "Posts published" in metrics(at)


@pytest.mark.slow
def test_the_audit_log_of_the_week_can_be_exported_for_public_records(desk):
    from rumordesk.triage.audit import record_now
    from rumordesk.triage.roles import Actor

    record_now(desk, Actor("pat", Role.PIO), "status", subject="+cmd", at=utc(2026, 10, 20, 12))
    at = open_page("chris", "2026-W43")
    assert at.get("download_button")[2:] == []  # nothing built until asked
    at.button(key="weekly_audit_prepare").click().run()
    assert not at.exception
    assert any("1 audit entry in the range" in c.value for c in at.caption)
    labels = [d.label for d in at.get("download_button")]
    assert labels[2:] == ["Audit log (XLSX)", "Audit log (CSV)"]
    at.get("download_button")[3].click().run()
    [entry] = entries(desk, action="export")
    assert (entry.actor, entry.detail["kind"]) == ("chris", "audit_log")
    assert entry.detail["file"] == "audit-log-2026-10-19-to-2026-10-25.zip"
    assert (entry.detail["since"], entry.detail["entries"]) == ("2026-10-19", 1)


@pytest.mark.slow
def test_the_demo_is_shown_labelled_and_never_downloadable(desk):
    from rumordesk.demo import load_demo

    load_demo(desk, context.settings(), SYSTEM, now=utc(2026, 11, 30, 12), score=lambda ids: None)
    at = open_page("pat", "2026-W48")  # the demo's two weeks end on the page's "now"
    assert at.toggle(key="weekly_demo_view").value is True
    assert any("Demo data" in w.value for w in at.warning)
    assert any("include invented posts" in w.value for w in at.warning)
    assert int(metrics(at)["Posts published"]) > 0
    assert len(at.get("vega_lite_chart")) == 3
    assert at.get("download_button") == []  # a demo report never leaves the page
    at.toggle(key="weekly_demo_view").set_value(False).run()
    assert metrics(at)["Posts published"] == "0"  # the real report: no demo data
    assert [d.label for d in at.get("download_button")] == ["Download XLSX", "Download CSV"]
