"""Each action on the dashboard changes the store and writes an audit record; a role that
may not act is refused — in the page and when the functions are called directly."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from rumordesk.demo import load_demo
from rumordesk.store.schema import evidence, rumors
from rumordesk.triage import audit, queue, users, workflow
from rumordesk.triage.chief import awaiting_decision
from rumordesk.triage.detail import rumor_detail
from rumordesk.triage.intake import file_report, my_reports
from rumordesk.triage.roles import PermissionDenied
from rumordesk.web import navigation, session
from tests.helpers.dashboard import PASSWORD, frame, images, open_desk, texts


@pytest.fixture
def desk(tmp_path, monkeypatch):
    yield from open_desk(tmp_path, monkeypatch)


def _rumour(desk, rumor_id):
    with desk.db.read() as connection:
        return connection.execute(select(rumors).where(rumors.c.id == rumor_id)).one()


def _actions(desk, rumor_id):
    return [e.action for e in audit.entries(desk.db, rumor_id=rumor_id, newest_first=False)]


def _detail_page(desk, user, rumor_id):
    at = desk.app(user)
    at.session_state[navigation.SELECTED_KEY] = rumor_id
    at.switch_page("rumordesk/web/pages/rumour.py").run()
    assert not at.exception
    return at


def _top(desk):
    return queue.queue(desk.db, desk.actor("pat"))[0].id


def test_pio_actions_on_the_rumour_page_change_the_store_and_are_audited(desk):
    desk.load_demo()
    rid = _top(desk)
    at = _detail_page(desk, "pat", rid)

    at.button(key="act_assign_me").click().run()
    assert _rumour(desk, rid).assignee == "pat"
    assert any("Assign: done" in s.value for s in at.success)

    at.selectbox(key="act_status").set_value("confirmed").run()
    at.text_input(key="act_status_note").input("matches nothing the Department said")
    at.button(key="act_set_status").click().run()
    assert _rumour(desk, rid).status == "confirmed"

    at.text_area(key="act_note").input("Called the mall security desk: all calm")
    at.button(key="act_add_note").click().run()

    at.button(key="act_snapshot").click().run()
    with desk.db.read() as connection:
        kept = connection.execute(select(evidence).where(evidence.c.rumor_id == rid)).all()
    assert len(kept) == 1 and kept[0].kind == "snapshot" and len(kept[0].sha256) == 64

    at.text_area(key="act_recommendation").input("Post a correction on X and Facebook now")
    at.button(key="act_escalate").click().run()
    row = _rumour(desk, rid)
    assert row.escalated_by == "pat" and row.recommendation.startswith("Post a correction")

    at.text_input(key="act_correction").input("javascript:alert(1)")
    at.button(key="act_link").click().run()
    assert at.error and any("http" in t.value for t in at.text)
    assert _rumour(desk, rid).correction_url is None
    at.text_input(key="act_correction").input("https://example.org/scpd/correction")
    at.button(key="act_link").click().run()
    assert _rumour(desk, rid).correction_url == "https://example.org/scpd/correction"

    assert _actions(desk, rid) == [
        "assign",
        "status",
        "note",
        "evidence",
        "escalate",
        "correction",
    ]
    history = frame(at, "who", "action")
    assert list(history["action"]) == _actions(desk, rid)
    assert _rumour(desk, rid).first_action_at is not None


def test_close_and_reopen_from_the_page(desk):
    desk.load_demo()
    rid = queue.queue(desk.db, desk.actor("pat"))[-1].id
    at = _detail_page(desk, "pat", rid)
    at.button(key="act_close").click().run()
    assert _rumour(desk, rid).closed_by == "pat"
    assert rid not in [r.id for r in queue.queue(desk.db, desk.actor("pat"))]
    at.button(key="act_reopen").click().run()
    assert _rumour(desk, rid).closed_at is None
    assert _actions(desk, rid) == ["close", "reopen"]


def test_bulk_action_on_the_queue(desk):
    desk.load_demo()
    ids = [r.id for r in queue.queue(desk.db, desk.actor("pat"))][1:]
    at = desk.app("pat")
    at.toggle(key="q_bulk").set_value(True).run()
    at.multiselect(key="q_bulk_ids").set_value(ids).run()
    at.selectbox(key="q_bulk_status").set_value("not_relevant").run()
    at.button(key="q_bulk_apply").click().run()
    assert not at.exception
    assert {_rumour(desk, i).status for i in ids} == {"not_relevant"}
    assert all(_actions(desk, i) == ["bulk_status"] for i in ids)
    shown = set(frame(at, "claim", "why")["id"])
    assert shown and not (set(ids) & shown)  # not relevant any more: out of the open queue


def test_chief_decides_on_the_chiefs_page_and_the_pio_sees_it(desk):
    desk.load_demo()
    rid = _top(desk)
    workflow.escalate(desk.db, desk.actor("pat"), rid, "Correct it now")
    at = desk.app("chris")
    assert "Correct it now" in texts(at)
    at.radio(key=f"chief_decision_{rid}").set_value("correction")
    at.text_area(key=f"chief_reason_{rid}").input("False, and spreading fast")
    submit = next(b for b in at.button if "Record decision" in (b.label or ""))
    submit.click().run()
    assert not at.exception
    row = _rumour(desk, rid)
    assert (row.decision, row.decided_by, row.decision_reason) == (
        "correction",
        "chris",
        "False, and spreading fast",
    )
    assert _actions(desk, rid)[-1] == "decide"
    assert any("recorded" in s.value for s in at.success)
    # the PIO sees the decision at once, read-only (no decision form for the PIO)
    pio = desk.app("pat", "rumordesk/web/pages/chief.py")
    assert "False, and spreading fast" in texts(pio)
    assert not [b for b in pio.button if "Record decision" in (b.label or "")]
    assert any("Officers checked the area" in c.value for c in pio.code)  # holding statement


def test_staff_report_from_the_page_reaches_the_top_of_the_queue(desk):
    desk.load_demo()
    at = desk.app("sam")
    at.selectbox(key="report_where").set_value("Nextdoor")
    at.text_input(key="report_link").input("https://example.org/nextdoor/77")
    at.text_area(key="report_text").input("Neighbour says someone has a gun at Mission College")
    at.text_area(key="report_note").input("Seen in the Old Quad group")
    next(b for b in at.button if "Send to the PIO" in (b.label or "")).click().run()
    assert not at.exception
    assert any("went to the PIO" in s.value for s in at.success)
    top = queue.queue(desk.db, desk.actor("pat"))[0]
    assert top.priority == 1 and "Mission College" in top.claim
    assert [e.actor for e in audit.entries(desk.db, action="staff_report")] == ["sam"]
    mine = desk.app("sam", "rumordesk/web/pages/my_reports.py")
    assert "Neighbour says someone has a gun at Mission College" in texts(mine)
    # the PIO triages it; the staff member sees the new status
    workflow.set_status(desk.db, desk.actor("pat"), top.id, "reviewing")
    assert my_reports(desk.db, desk.actor("sam"))[0].status == "Reviewing"


def test_staff_report_with_a_screenshot_and_one_that_no_model_would_flag(desk):
    image = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(image, format="PNG")
    filed = file_report(
        desk.db,
        desk.settings,
        desk.actor("sam"),
        url=None,
        text="A flyer about the festival looks fake",
        where="Instagram",
        screenshot=image.getvalue(),
        filename="flyer.png",
        score=desk.scorer().score,
    )
    row = _rumour(desk, filed.rumor_id)
    assert row.priority == 1 and row.post_count == 1
    assert row.claim == "A flyer about the festival looks fake"
    assert my_reports(desk.db, desk.actor("ada")) == []  # only one's own reports
    page = _detail_page(desk, "pat", filed.rumor_id)
    assert "Reported by Sam · seen on Instagram" in texts(page)
    assert len(images(page)) == 1  # the screenshot, from our own folder, as bytes
    assert not page.error
    detail = rumor_detail(desk.db, desk.actor("pat"), filed.rumor_id)
    shot = Path(detail.staff_reports[0].screenshot_path)
    shot.write_bytes(shot.read_bytes() + b"tampered")
    page = _detail_page(desk, "pat", filed.rumor_id)
    assert not images(page)
    assert any("does not match its recorded SHA-256" in e.value for e in page.error)
    # a dashboard on another host, which never had the file: shown from the database
    shot.unlink()
    page = _detail_page(desk, "pat", filed.rumor_id)
    assert len(images(page)) == 1 and not page.error


def test_admin_adds_and_disables_accounts_on_the_users_page(desk):
    at = desk.app("ada")
    at.text_input(key="ua_name").input("jordan")
    at.text_input(key="ua_display").input("Jordan Lee")
    at.selectbox(key="ua_role").set_value("chief")
    at.text_input(key="ua_pw").input("a long enough secret")
    next(b for b in at.button if b.label == "Add account").click().run()
    assert not at.exception
    created = users.get_user(desk.db, "jordan")
    assert created is not None and created.role.value == "chief"
    at.selectbox(key="uc_user").set_value("jordan").run()
    at.button(key="uc_disable").click().run()
    assert users.get_user(desk.db, "jordan").active is False
    actions = [e.action for e in audit.entries(desk.db, actor="ada")]
    assert actions == ["user_disable", "user_add"]


def test_sign_in_page_signs_in_and_refuses_wrong_passwords(desk):
    at = desk.app(None)
    at.text_input(key="signin_user").input("pat")
    at.text_input(key="signin_password").input("wrong password!")
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert any("Sign-in failed" in e.value for e in at.error)
    assert session.SESSION_KEY not in at.session_state
    at.text_input(key="signin_user").input("pat")
    at.text_input(key="signin_password").input(PASSWORD)
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert not at.exception
    assert at.session_state[session.SESSION_KEY].username == "pat"
    # (AppTest keeps the sign-in page's address; a browser reloads at "/", the role's home)
    at.switch_page("rumordesk/web/pages/queue.py").run()
    assert at.title[0].value == "Rumour queue"
    assert [e.action for e in audit.entries(desk.db, actor="pat")] == [
        "sign_in",
        "sign_in_failed",
    ]


def test_a_disabled_account_loses_its_open_session(desk):
    at = desk.app("pat")
    assert at.title[0].value == "Rumour queue"
    users.set_active(desk.db, desk.actor("ada"), "pat", False)
    at.run()
    assert session.SESSION_KEY not in at.session_state
    assert not at.dataframe and all(t.value != "Rumour queue" for t in at.title)


@pytest.mark.parametrize(
    ("user", "call"),
    [
        ("sam", lambda d, a, r: workflow.assign(d, a, r, "sam")),
        ("sam", lambda d, a, r: workflow.escalate(d, a, r, "x")),
        ("ada", lambda d, a, r: workflow.set_status(d, a, r, "accurate")),
        ("chris", lambda d, a, r: workflow.escalate(d, a, r, "x")),
        ("chris", lambda d, a, r: workflow.bulk_set_status(d, a, [r], "not_relevant")),
        ("pat", lambda d, a, r: workflow.decide(d, a, r, "monitor", "why not")),
        ("sam", lambda d, a, r: queue.queue(d, a)),
        ("ada", lambda d, a, r: rumor_detail(d, a, r)),
        ("sam", lambda d, a, r: awaiting_decision(d, a)),
        ("pat", lambda d, a, r: users.add_user(d, a, "eve", "admin", password="x" * 12)),
        ("chris", lambda d, a, r: users.set_role(d, a, "sam", "admin")),
        ("sam", lambda d, a, r: load_demo(d, None, a)),
        ("chris", lambda d, a, r: users.list_users(d, a)),
    ],
)
def test_roles_that_may_not_act_are_refused_by_the_functions(desk, user, call):
    desk.load_demo()
    rid = _top(desk)
    if user == "pat":
        workflow.escalate(desk.db, desk.actor("pat"), rid, "please decide")
    before = _rumour(desk, rid)
    count = len(audit.entries(desk.db))
    with pytest.raises(PermissionDenied):
        call(desk.db, desk.actor(user), rid)
    assert _rumour(desk, rid) == before
    assert len(audit.entries(desk.db)) == count
