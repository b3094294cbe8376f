"""The dashboard pages, rendered server-side with Streamlit's AppTest against a real store."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from rumordesk.store import open_database
from rumordesk.store.posts import save_batch
from rumordesk.store.records import Batch, Metrics, Post, Provenance
from rumordesk.store.sources import record_failure, sync_sources
from tests.helpers.browser_session import ROUTER, sign_in, use_test_cookies
from tests.helpers.paths import PROJECT_ROOT
from tests.helpers.settings import write_config

HOSTILE = (
    "<script>alert(1)</script> ![x](http://tracker.invalid/p.png) [click](javascript:alert(1))"
)


@pytest.fixture
def dashboard(tmp_path, monkeypatch):
    config = write_config(
        tmp_path / "config.toml",
        f"""
[storage]
database_url = "sqlite:///{tmp_path / "dash.db"}"

[[sources]]
name = "news"
kind = "feed"
channel = "website"
official = true
url = "http://127.0.0.1:9/news.xml"

[[sources]]
name = "search"
kind = "feed_search"
channel = "reddit"
purpose = "Claims about safety at Santa Clara venues"
url_template = "http://127.0.0.1:9/search?q={{query}}"
queries = ["shooting"]
""",
    )
    monkeypatch.setenv("RUMORDESK_CONFIG", str(config))
    monkeypatch.chdir(PROJECT_ROOT)
    use_test_cookies(monkeypatch)
    st.cache_resource.clear()
    db = open_database(f"sqlite:///{tmp_path / 'dash.db'}")
    from rumordesk.base.config import load_settings

    sync_sources(db, load_settings(config).sources)
    from rumordesk.triage.roles import SYSTEM
    from rumordesk.triage.users import add_user

    add_user(db, SYSTEM, "pat", "pio", password="correct horse battery")
    yield db
    st.cache_resource.clear()
    db.dispose()


def _post(source: str, source_id: str, text: str, **extra) -> Post:
    return Post(
        source=source,
        source_id=source_id,
        channel="website",
        text=text,
        provenance=Provenance.now("http://127.0.0.1:9/x", "feed"),
        **extra,
    )


def _signed_in_app(db, page: str = "rumordesk/web/views/posts.py") -> AppTest:
    """The dashboard signed in as the PIO (tests/web/test_sign_in.py covers signing in)."""
    at = AppTest.from_file(str(PROJECT_ROOT / ROUTER), default_timeout=30)
    sign_in(at, db, "pat")
    at.run()
    return at.switch_page(str(PROJECT_ROOT / page)).run()


def _table_text(at: AppTest) -> str:
    return " ".join(
        str(value) for frame in at.dataframe for value in frame.value.to_numpy().ravel()
    )


def test_posts_page_lists_stored_posts_literally(dashboard):
    save_batch(
        dashboard,
        "news",
        Batch(
            (
                _post(
                    "news",
                    "1",
                    "No threat at Valley Fair",
                    is_official=True,
                    metrics=Metrics(likes=12, shares=3),
                ),
                _post("news", "2", HOSTILE, url="https://example.org/2"),
            ),
            {},
        ),
    )

    at = _signed_in_app(dashboard)
    at.radio(key="posts_scope").set_value("Everyone").run()

    assert not at.exception
    shown = _table_text(at)
    assert "No threat at Valley Fair" in shown
    assert HOSTILE in shown  # the text itself, not rendered markup
    assert not at.markdown or all("<script>" not in m.value for m in at.markdown)


def test_posts_page_filters_by_text(dashboard):
    save_batch(
        dashboard,
        "news",
        Batch(
            (_post("news", "1", "Road closed on Tasman"), _post("news", "2", "Lost dog found")), {}
        ),
    )
    at = _signed_in_app(dashboard)
    at.radio(key="posts_scope").set_value("Everyone").run()
    at.text_input(key="posts_search").input("Tasman").run()
    shown = _table_text(at)
    assert "Road closed on Tasman" in shown and "Lost dog found" not in shown


def test_empty_store_explains_what_to_do(dashboard):
    at = _signed_in_app(dashboard)
    assert not at.exception
    assert any("rumordesk collect" in info.value for info in at.info)


def test_sources_page_shows_health_and_errors(dashboard):
    from datetime import UTC, datetime

    record_failure(
        dashboard,
        "news",
        status="error",
        error="HTTP 500 from http://127.0.0.1:9",
        new=0,
        updated=0,
        requests=1,
        next_poll_at=datetime.now(UTC),
    )
    at = _signed_in_app(dashboard, "rumordesk/web/views/sources.py")

    assert not at.exception
    shown = _table_text(at)
    assert "HTTP 500" in shown and "Claims about safety" in shown
    assert at.metric[0].value == "1 of 2 enabled"
    statuses = dict(
        zip(at.dataframe[0].value["source"], at.dataframe[0].value["status"], strict=True)
    )
    assert statuses == {"news": "Failing", "search": "Not polled yet"}  # in words
    # the same summary as the queue's banner, above the table
    banner = " ".join(e.value for e in at.error)  # tried, never succeeded: stalled too
    assert "Collection stalled: no source has been polled successfully yet." in banner
    assert "1 of 2 enabled sources failing: news." in banner


def test_sources_page_shows_the_x_read_budget_spent_today(dashboard, tmp_path):
    """X bills per post read: the health page shows today's reads against the daily cap."""
    import json
    from datetime import UTC, datetime

    from sqlalchemy import update

    from rumordesk.base.config import load_settings
    from rumordesk.store.schema import sources

    config = tmp_path / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + """
[[sources]]
name = "x-local"
kind = "x_search"
purpose = "Claims of violence at Santa Clara venues"
terms = ["shooting"]
places = ["Levi's Stadium"]
max_reads_per_day = 2000
""",
        encoding="utf-8",
    )
    st.cache_resource.clear()
    sync_sources(dashboard, load_settings(config).sources)
    today = f"{datetime.now(UTC):%F}"
    with dashboard.write() as connection:
        connection.execute(
            update(sources)
            .where(sources.c.name == "x-local")
            .values(cursor=json.dumps({"reads": {"day": today, "spent": 120}}))
        )
    at = _signed_in_app(dashboard, "rumordesk/web/views/sources.py")

    assert not at.exception
    frame = at.dataframe[0].value
    reads = dict(zip(frame["source"], frame["reads today"], strict=True))
    assert reads["x-local"] == "120/2000 today"
    assert reads["news"] == "—"  # a feed has no read budget


def test_audit_filter_offers_every_action_the_log_holds(dashboard):
    """Actions written by other parts (alerts, purges, config changes) can be filtered too."""
    from rumordesk.triage import audit
    from rumordesk.triage.roles import SYSTEM

    audit.record_now(dashboard, SYSTEM, "purge", detail={"posts": 3})
    at = _signed_in_app(dashboard, "rumordesk/web/views/audit.py")

    assert not at.exception
    options = at.selectbox(key="audit_action").options
    assert "Retention purge" in options and "Escalated to the Chief's office" in options
    at.selectbox(key="audit_action").set_value("purge").run()
    assert "Retention purge" in _table_text(at) and not at.exception
    assert "posts: 3" in _table_text(at)
