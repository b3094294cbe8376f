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
from rumordesk.triage.queue import QueueFilter
from rumordesk.triage.roles import PermissionDenied
from rumordesk.web import navigation, words
from tests.helpers.dashboard import frame, images, open_desk, texts
from tests.helpers.paths import PROJECT_ROOT


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
    at.switch_page(str(PROJECT_ROOT / "rumordesk/web/views/rumour.py")).run()
    assert not at.exception
    return at


def _top(desk):
    return queue.queue(desk.db, desk.actor("pat"))[0].id


@pytest.mark.slow
def test_pio_actions_on_the_rumour_page_change_the_store_and_are_audited(desk):
    desk.load_demo()
    rid = _top(desk)
    at = _detail_page(desk, "pat", rid)

    at.button(key="act_assign_me").click().run()
    assert _rumour(desk, rid).assignee == "pat"
    assert any("Assign: done" in s.value for s in at.success)

    assert at.selectbox(key="act_status").value is None  # nothing chosen for the PIO
    at.button(key="act_set_status").click().run()  # so it says what to do, in one message
    assert [e.value for e in at.error] == ["Status: choose a status first."]
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
    assert len(at.error) == 1 and "Correction: not done" in at.error[0].value
    assert "http" in at.error[0].value
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
    assert list(history["action"]) == [words.action_words(a) for a in _actions(desk, rid)]
    assert "Escalated to the Chief's office" in list(history["action"])
    assert _rumour(desk, rid).first_action_at is not None


@pytest.mark.slow
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


@pytest.mark.slow
def test_bulk_action_on_the_queue_asks_first(desk):
    desk.load_demo()
    rows = queue.queue(desk.db, desk.actor("pat"))
    at = desk.app("pat")
    at.toggle(key="q_bulk").set_value(True).run()
    picked = [len(rows) - 2, len(rows) - 1]  # the two lowest: low-value chatter
    ids = sorted(rows[i].id for i in picked)
    at.session_state["q_table_main_1_bulk"] = {
        "selection": {"rows": picked, "columns": [], "cells": []}
    }
    at.run()
    assert at.button(key="q_bulk_apply").disabled  # no status chosen yet
    at.selectbox(key="q_bulk_status").set_value("not_relevant").run()
    at.button(key="q_bulk_apply").click().run()
    assert not at.exception
    asked = frame(at, "#", "claim")
    assert sorted(asked["#"]) == ids  # exactly the ticked ones, named before anything changes
    assert {_rumour(desk, i).status for i in ids} == {"new"}
    at.button(key="q_bulk_yes").click().run()
    assert {_rumour(desk, i).status for i in ids} == {"not_relevant"}
    assert all(_actions(desk, i) == ["bulk_status"] for i in ids)
    assert any("2 rumour(s) set to Not relevant" in s.value for s in at.success)


@pytest.mark.slow
def test_a_click_on_a_row_opens_that_rumour_even_if_the_list_moved_meanwhile(desk):
    desk.load_demo()
    at = desk.app("pat")
    shown = at.session_state["q_shown_main"]
    assert shown == [r.id for r in queue.queue(desk.db, desk.actor("pat"))]
    # a new, higher-scoring rumour arrives before the click is handled: the list reorders
    desk.add_rumor(claim="fresh top rumour", score=1.0, severity=1.0)
    at.session_state["q_table_main_0"] = {"selection": {"rows": [1], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert at.title[0].value == f"Rumour #{shown[1]}"  # what was on row 2 when clicked
    assert at.query_params["id"] == str(shown[1])  # the address names it: a reload keeps it


@pytest.mark.slow
def test_chief_decides_on_the_chiefs_page_and_the_pio_sees_it(desk):
    desk.load_demo()
    rid = _top(desk)
    workflow.escalate(desk.db, desk.actor("pat"), rid, "Correct it now")
    at = desk.app("chris")
    assert "Correct it now" in texts(at)
    assert at.radio(key=f"chief_decision_{rid}").value is None  # no decision chosen for them
    submit = next(b for b in at.button if "Record decision" in (b.label or ""))
    submit.click().run()
    refusals = [e.value for e in at.error if "collection" not in e.value.lower()]
    assert refusals == ["Not recorded: choose a decision and write the reason."]
    assert _rumour(desk, rid).decided_at is None
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
    pio = desk.app("pat", "rumordesk/web/views/chief.py")
    assert "False, and spreading fast" in texts(pio)
    assert not [b for b in pio.button if "Record decision" in (b.label or "")]
    assert any("Officers checked the area" in c.value for c in pio.code)  # holding statement


@pytest.mark.slow
def test_staff_report_from_the_page_reaches_the_pio(desk):
    desk.load_demo()
    at = desk.app("sam")
    assert at.selectbox(key="report_where").value is None  # not pre-filled with Facebook
    at.text_area(key="report_text").input("Someone says there is a fire at the mall")
    next(b for b in at.button if "Send to the PIO" in (b.label or "")).click().run()
    assert [e.value for e in at.error] == [
        "Not sent: choose where you saw it (Facebook, a group chat, in person …)."
    ]
    at.selectbox(key="report_where").set_value("Nextdoor")
    at.text_input(key="report_link").input("https://example.org/nextdoor/77")
    at.text_area(key="report_text").input("Neighbour says someone has a gun at Mission College")
    at.text_area(key="report_note").input("Seen in the Old Quad group")
    next(b for b in at.button if "Send to the PIO" in (b.label or "")).click().run()
    assert not at.exception
    assert any("went to the PIO" in s.value for s in at.success)
    band = queue.queue(desk.db, desk.actor("pat"), QueueFilter(forwarded=True))
    top = next(r for r in band if "Mission College" in r.claim)
    assert top.priority == 1 and top.forwarded_by_staff
    assert [e.actor for e in audit.entries(desk.db, action="staff_report")] == ["sam"]
    mine = desk.app("sam", "rumordesk/web/views/my_reports.py")
    assert "Neighbour says someone has a gun at Mission College" in texts(mine)
    # the PIO triages it; the staff member sees the new status
    workflow.set_status(desk.db, desk.actor("pat"), top.id, "reviewing")
    assert my_reports(desk.db, desk.actor("sam"))[0].status == "Reviewing"


@pytest.mark.slow
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


def test_a_disabled_account_loses_its_open_session(desk):
    at = desk.app("pat")
    assert at.title[0].value == "Rumour queue"
    users.set_active(desk.db, desk.actor("ada"), "pat", False)
    at.run()
    assert not at.dataframe and all(t.value != "Rumour queue" for t in at.title)
    assert "This account is disabled. Ask the administrator." in texts(at)


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
@pytest.mark.slow
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
