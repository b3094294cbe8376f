"""Every page, for every role, renders server-side (AppTest) against a real store; a page
outside a role's set shows nothing; hostile post text is shown literally, never as markup."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from rumordesk.store.posts import save_batch
from rumordesk.store.records import Batch, Metrics, Post, Provenance
from rumordesk.triage import audit, sessions, workflow
from rumordesk.triage.queue import QueueFilter, queue
from rumordesk.triage.roles import Role
from rumordesk.web import navigation
from tests.helpers.browser_session import ROUTER, TEST_COOKIES, present, sign_in
from tests.helpers.dashboard import ACCOUNTS, HOSTILE, frame, images, open_desk, texts
from tests.helpers.paths import PROJECT_ROOT

ROLE_USER = {role: name for name, role in ACCOUNTS.items()}


@pytest.fixture
def desk(tmp_path, monkeypatch):
    yield from open_desk(tmp_path, monkeypatch)


@pytest.mark.slow
@pytest.mark.parametrize("role", list(Role))
def test_every_page_of_every_role_renders(desk, role):
    desk.load_demo()
    pio = desk.actor("pat")
    top = next(iter(_queue_ids(desk)))
    workflow.escalate(desk.db, pio, top, "Correct it now on X")  # so the Chief has work
    user = ROLE_USER[role]
    home = desk.app(user)
    assert not home.exception
    assert home.title[0].value  # the role's home page, not the sign-in form
    assert navigation.PAGES[role], f"{role} has no pages"
    for spec in navigation.PAGES[role]:  # the optional pages of other parts have their own tests
        at = desk.app(user)
        at.session_state[navigation.SELECTED_KEY] = top
        at.switch_page(spec.path).run()
        assert not at.exception, (role, spec.path, at.exception)
        assert not at.error, (role, spec.path, [e.value for e in at.error])
        assert at.title, spec.path


def _queue_ids(desk):
    from rumordesk.triage.queue import QueueFilter, queue

    return [row.id for row in queue(desk.db, desk.actor("pat"), QueueFilter())]


@pytest.mark.slow
def test_home_pages_follow_the_role(desk):
    desk.load_demo()
    assert desk.app("pat").title[0].value == "Rumour queue"
    assert desk.app("chris").title[0].value == "Office of the Chief"
    assert desk.app("sam").title[0].value == "Report a rumour"
    assert desk.app("ada").title[0].value == "Users"


def test_staff_see_only_report_pages():
    staff = [spec.name for spec in navigation.pages_for(Role.STAFF)]
    assert staff == ["report.py", "my_reports.py"]
    assert "users.py" not in [s.name for s in navigation.pages_for(Role.PIO)]
    assert "queue.py" not in [s.name for s in navigation.pages_for(Role.ADMIN)]


@pytest.mark.parametrize(
    ("user", "page"),
    [
        ("sam", "rumordesk/web/views/queue.py"),
        ("sam", "rumordesk/web/views/rumour.py"),
        ("sam", "rumordesk/web/views/chief.py"),
        ("sam", "rumordesk/web/views/audit.py"),
        ("sam", "rumordesk/web/views/users.py"),
        ("pat", "rumordesk/web/views/users.py"),
        ("chris", "rumordesk/web/views/sources.py"),
        ("ada", "rumordesk/web/views/queue.py"),
    ],
)
@pytest.mark.slow
def test_a_page_opened_directly_without_the_role_shows_nothing(desk, user, page):
    desk.load_demo()
    at = AppTest.from_file(str(PROJECT_ROOT / page), default_timeout=60)
    sign_in(at, desk.db, user)
    at.run()
    assert not at.exception
    assert at.error and "cannot open this page" in at.error[0].value
    assert not at.dataframe and not at.button


def test_signed_out_visitor_is_sent_to_sign_in_and_back_to_the_page_asked_for(desk):
    at = desk.app(None)
    assert not at.exception
    assert at.title[0].value == "Rumor Desk"
    assert any("Please sign in." in i.value for i in at.info)
    assert any('href="/sign-in?next=%2F"' in m.value for m in at.markdown)
    assert not at.dataframe
    # an alert's link, opened signed out: the sign-in page will come back to that rumour
    link = AppTest.from_file(str(PROJECT_ROOT / ROUTER), default_timeout=60)
    link.query_params["id"] = "7"
    link.run()
    link.switch_page(str(PROJECT_ROOT / "rumordesk/web/views/rumour.py")).run()
    assert any('next=%2Frumour%3Fid%3D7"' in m.value for m in link.markdown)
    assert not link.dataframe


def test_a_copied_streamlit_session_gets_nothing_without_the_cookie(desk):
    """Streamlit's session (what a copied session id would resume) holds no credential:
    the same session, presenting no cookie, is signed out."""
    at = desk.app("pat")
    assert at.title[0].value == "Rumour queue"
    present(at, None)  # the session state is all still there; the browser's cookie is not
    at.run()
    assert at.title[0].value == "Rumor Desk" and not at.dataframe
    present(at, "a-guessed-secret")
    at.run()
    assert not at.dataframe


def test_an_ended_session_says_why_on_every_page(desk):
    at = desk.app("pat")
    secret = at.session_state[TEST_COOKIES][sessions.COOKIE]
    sessions.sign_out(desk.db, secret)  # in another tab of the same browser
    at.run()
    assert any("You signed out." in i.value for i in at.info)
    assert any("ended=signed+out" in m.value for m in at.markdown)


def _hostile_rumour(desk) -> int:
    saved = save_batch(
        desk.db,
        "news",
        Batch(
            (
                Post(
                    source="search",
                    source_id="evil",
                    channel="reddit",
                    text=HOSTILE,
                    author="<b>@evil</b> ![a](http://tracker.invalid/a.png)",
                    url="javascript:alert(1)",
                    metrics=Metrics(likes=5, shares=50),
                    provenance=Provenance.now("http://127.0.0.1:9/x", "feed"),
                ),
            ),
            {},
        ),
    )
    desk.scorer().score(saved.changed_ids)
    from sqlalchemy import select

    from rumordesk.store.schema import post_scores

    with desk.db.read() as connection:
        return connection.scalar(
            select(post_scores.c.rumor_id).where(post_scores.c.post_id == saved.changed_ids[0])
        )


def _no_markup(at: AppTest) -> None:
    for element in [*at.markdown, *at.caption, *at.info, *at.warning, *at.success, *at.error]:
        assert "<script>" not in element.value
        assert "tracker.invalid" not in element.value
        assert "javascript:" not in element.value
    assert not images(at)  # no image at all, remote or otherwise


@pytest.mark.slow
def test_hostile_post_text_is_shown_literally_on_queue_and_detail(desk):
    rumor_id = _hostile_rumour(desk)
    assert rumor_id is not None
    queue_page = desk.app("pat")
    assert not queue_page.exception
    assert "<script>alert(1)</script>" in texts(queue_page)
    _no_markup(queue_page)

    detail = desk.app("pat")
    detail.session_state[navigation.SELECTED_KEY] = rumor_id
    detail.switch_page(str(PROJECT_ROOT / "rumordesk/web/views/rumour.py")).run()
    assert not detail.exception
    shown = [t.value for t in detail.text]
    assert any(HOSTILE in value for value in shown)  # the claim, as plain text
    posts = frame(detail, "text", "author", "link")
    assert HOSTILE in set(posts["text"])
    assert "<b>@evil</b> ![a](http://tracker.invalid/a.png)" in set(posts["author"])
    assert posts["link"].isna().all()  # the javascript: link is not offered at all
    _no_markup(detail)


@pytest.mark.slow
def test_hostile_text_on_chief_and_audit_pages_stays_literal(desk):
    rumor_id = _hostile_rumour(desk)
    workflow.escalate(desk.db, desk.actor("pat"), rumor_id, "[click](javascript:alert(2)) <img>")
    chief = desk.app("chris")
    assert not chief.exception
    shown = "\n".join(t.value for t in chief.text)
    assert HOSTILE in shown and "[click](javascript:alert(2)) <img>" in shown
    _no_markup(chief)
    audit = desk.app("chris", "rumordesk/web/views/audit.py")
    assert not audit.exception
    assert "[click](javascript:alert(2)) <img>" in texts(audit)
    _no_markup(audit)


@pytest.mark.slow
def test_queue_filters_and_counters(desk):
    desk.load_demo()
    at = desk.app("pat")
    counters = {m.label: m.value for m in at.metric}
    assert int(counters["New"]) >= 2 and int(counters["High severity"]) >= 1
    assert int(counters["Forwarded by staff"]) == 2
    table = frame(at, "claim", "where", "first_seen", "assignee")
    assert list(table.columns) == [
        "severity",
        "score",
        "claim",
        "where",
        "first_seen",
        "reach",
        "status",
        "assignee",
    ]
    assert list(table["score"]) == sorted(table["score"], reverse=True)
    assert table["claim"].str.startswith("DEMO · ").all()
    assert table["first_seen"].str.endswith("ago").all()  # "12 min ago", not a timestamp
    assert "None" not in set(table.to_numpy().ravel())  # empty shows as "—"
    assert any("Demo data" in w.value for w in at.warning)
    at.text_input(key="q_search").input("Levi").run()
    narrowed = frame(at, "claim", "where", "first_seen")
    assert 0 < len(narrowed) < len(table)
    assert narrowed["where"].str.contains("Levi").all()
    at.selectbox(key="q_severity").select("High only").run()
    assert (frame(at, "claim", "where", "first_seen")["severity"] == "High").all()


@pytest.mark.slow
def test_staff_reports_have_their_own_band_below_the_queue(desk):
    desk.load_demo()
    at = desk.app("pat")
    main, staff = [f.value for f in at.dataframe if "claim" in f.value.columns][:2]
    parking = "DEMO · is the festival parking lot open tomorrow?"
    assert parking in set(staff["claim"]) and parking not in set(main["claim"])
    assert main["score"].iloc[0] >= "0.90"  # a threat tops the queue, not the parking question
    assert any("Forwarded by staff" in h.value for h in at.subheader)
    # opened, it is explained like any post: why it is here, and what the text was read as
    parking_id = next(
        r.id
        for r in queue(desk.db, desk.actor("pat"), QueueFilter(forwarded=True))
        if "parking" in r.claim
    )
    page = desk.app("pat")
    page.query_params["id"] = str(parking_id)
    page.switch_page(str(PROJECT_ROOT / "rumordesk/web/views/rumour.py")).run()
    shown = texts(page)
    assert "Why it is here" in shown
    assert "forwarded by staff: every report reaches the PIO" in shown
    assert "no violence or emergency named" in shown and "no place named" in shown
    assert "Reported by Ofc. Diaz (demo) · seen on Facebook" in shown
    assert "Severity —" in shown  # no harm claimed: "—", not "None"


def test_collection_trouble_is_the_first_thing_on_the_pio_s_home(desk):
    from datetime import UTC, datetime, timedelta

    from rumordesk.store.sources import record_failure, record_success

    enabled = [s.name for s in desk.settings.sources if s.enabled]
    assert len(enabled) >= 2
    long_ago = datetime.now(UTC) - timedelta(minutes=40)
    for name in enabled:  # the last success was 40 min ago: more than twice the interval
        record_success(
            desk.db, name, new=1, updated=0, requests=1, next_poll_at=long_ago, now=long_ago
        )
    record_failure(
        desk.db,
        enabled[0],
        status="rate_limited",
        error="429",
        new=0,
        updated=0,
        requests=1,
        next_poll_at=datetime.now(UTC) + timedelta(minutes=5),
    )
    at = desk.app("pat")
    banner = " ".join(e.value for e in at.error)
    assert "Collection stalled: last successful poll 40 min ago" in banner
    assert f"1 of {len(enabled)} enabled sources failing: " in banner
    assert "(rate-limited until" in banner
    assert any("Open Sources" in (link.label or "") for link in at.get("page_link"))
    chief = desk.app("chris")
    line = [e.value for e in chief.error]
    assert len(line) == 1 and line[0].startswith("Collection stalled: last successful poll")


@pytest.mark.slow
def test_empty_store_offers_the_demo_to_the_pio(desk, monkeypatch):
    from rumordesk.classify import scoring
    from rumordesk.classify.baseline import KeywordBaseline
    from rumordesk.demo import has_demo

    # the page scores with the configured model; the keyword baseline stands in for it
    monkeypatch.setattr(
        scoring, "load_default_model", lambda *_: (KeywordBaseline().predict_proba, "kw")
    )
    at = desk.app("pat")
    assert not at.exception
    assert any("Nothing collected yet" in i.value for i in at.info)
    at.button(key="demo_load").click().run()
    assert not at.exception
    assert has_demo(desk.db)
    assert len(frame(at, "claim", "where")) >= 2


@pytest.mark.slow
def test_audit_page_filters_and_shows_response_times(desk):
    desk.load_demo()
    pio = desk.actor("pat")
    top = _queue_ids(desk)[0]
    workflow.assign(desk.db, pio, top, "pat")
    workflow.escalate(desk.db, pio, top, '=HYPERLINK("http://x")')
    at = desk.app("pat", "rumordesk/web/views/audit.py")
    assert not at.exception
    everything = frame(at, "actor", "action")
    assert {"Assigned", "Escalated to the Chief's office", "Demo loaded", "Account added"} <= set(
        everything["action"]
    )
    at.selectbox(key="audit_action").set_value("escalate").run()
    only = frame(at, "actor", "action")
    assert list(only["action"]) == ["Escalated to the Chief's office"]
    assert list(only["rumor_id"]) == [top]
    at.selectbox(key="audit_action").set_value("All actions").run()
    at.text_input(key="audit_user").input("pat").run()
    assert set(frame(at, "actor", "action")["actor"]) == {"pat"}
    at.button(key="audit_verify").click().run()
    assert any("The audit log is intact" in s.value for s in at.success)
    assert "Median: first post → first action" in texts(at)
    times = frame(at, "to first action", "to decision")
    assert top in set(times["#"])
    at.download_button[0].click().run()
    exported = audit.entries(desk.db, action="export")
    assert [(e.actor, e.subject) for e in exported] == [("pat", "audit.csv")]
