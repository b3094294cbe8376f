"""The triage workflow: each action changes the rumour, is audited, and is refused to the
roles that may not take it — when the function is called directly, not only from a page."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import insert, select

from rumordesk.store.db import Database
from rumordesk.store.files import ImageRejected
from rumordesk.store.posts import save_batch
from rumordesk.store.records import Batch, Metrics, Post, Provenance
from rumordesk.store.schema import evidence, post_scores, rumors
from rumordesk.triage import audit, workflow
from rumordesk.triage.roles import Actor, PermissionDenied, Role
from rumordesk.triage.workflow import WorkflowError
from tests.helpers.accounts import enrol

PIO = Actor("pat", Role.PIO)
CHIEF = Actor("chris", Role.CHIEF)
STAFF = Actor("sam", Role.STAFF)
ADMIN = Actor("ada", Role.ADMIN)
EVENING = datetime(2026, 11, 30, 19, 40, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _accounts(db: Database) -> None:
    """Each actor here has an account: every action re-reads it (triage/authz.py)."""
    enrol(db, PIO, CHIEF, STAFF, ADMIN)


def _rumour(db: Database, texts: tuple[str, ...] = ("Active shooter at Great America",)) -> int:
    """Posts through the store's own API, then a rumour row and their scores.

    (Scoring itself is tested in the classifier's tests; here the rumour is the input.)
    """
    batch = Batch(
        tuple(
            Post(
                source="x-search",
                source_id=f"t{index}-{abs(hash(text))}",
                channel="x",
                text=text,
                provenance=Provenance(EVENING, "https://api.x.com/2/tweets/search/recent", "x/t"),
                url=f"https://x.com/someone/status/{index}",
                author="someone",
                created_at=EVENING + timedelta(minutes=index),
                metrics=Metrics(likes=10 * index, shares=5),
                raw={"id": str(index), "text": text},
            )
            for index, text in enumerate(texts)
        ),
        cursor={},
    )
    result = save_batch(db, "x-search", batch)
    with db.write() as connection:
        rumor_id = connection.execute(
            insert(rumors).values(
                cluster_key=f"claim:active_shooter@{texts[0][:20]}",
                score=0.93,
                severity=1.0,
                claim=texts[0],
                first_seen_at=EVENING,
                last_seen_at=EVENING + timedelta(minutes=len(texts)),
                updated_at=EVENING,
                post_count=len(texts),
            )
        ).inserted_primary_key[0]
        for post_id in result.changed_ids:
            connection.execute(
                insert(post_scores).values(
                    post_id=post_id,
                    rumor_id=rumor_id,
                    p_misinfo=0.9,
                    score=0.93,
                    severity=1.0,
                    locality="local",
                    cluster_key="k",
                    signals="{}",
                    reasons="[]",
                    model_version="test",
                    scored_at=EVENING,
                )
            )
    return rumor_id


def _row(db: Database, rumor_id: int):
    with db.read() as connection:
        return connection.execute(select(rumors).where(rumors.c.id == rumor_id)).one()


def _actions(db: Database, rumor_id: int) -> list[str]:
    return [entry.action for entry in audit.entries(db, rumor_id=rumor_id, newest_first=False)]


def test_the_whole_path_from_new_to_decided_is_recorded(db: Database):
    rumor_id = _rumour(db)
    workflow.assign(db, PIO, rumor_id, "pat")
    workflow.set_status(db, PIO, rumor_id, "reviewing")
    workflow.add_note(db, PIO, rumor_id, "Called dispatch: no calls for service at CGA.")
    workflow.set_status(db, PIO, rumor_id, "confirmed")
    workflow.escalate(db, PIO, rumor_id, "Post a correction on X and Nextdoor now.")
    workflow.decide(db, CHIEF, rumor_id, "correction", "Spreading fast; families are calling.")
    workflow.link_correction(db, PIO, rumor_id, "https://x.com/SantaClaraPD/status/1")
    workflow.close(db, PIO, rumor_id, note="Correction out, rumour stopped.")
    row = _row(db, rumor_id)
    assert (row.status, row.assignee, row.decision, row.decided_by) == (
        "confirmed",
        "pat",
        "correction",
        "chris",
    )
    assert row.recommendation.startswith("Post a correction")
    assert row.correction_url == "https://x.com/SantaClaraPD/status/1"
    assert row.closed_by == "pat" and row.closed_at is not None
    assert row.first_action_at is not None and row.first_action_at <= row.decided_at
    assert _actions(db, rumor_id) == [
        "assign",
        "status",
        "note",
        "status",
        "escalate",
        "decide",
        "correction",
        "close",
    ]
    decided = audit.entries(db, rumor_id=rumor_id, action="decide")[0]
    assert decided.actor == "chris" and decided.role == "chief"
    assert decided.detail == {
        "decision": "correction",
        "reason": "Spreading fast; families are calling.",
    }
    assert audit.verify(db).ok


def test_first_action_time_is_set_once(db: Database):
    rumor_id = _rumour(db)
    workflow.add_note(db, PIO, rumor_id, "looking")
    first = _row(db, rumor_id).first_action_at
    workflow.set_status(db, PIO, rumor_id, "reviewing")
    assert _row(db, rumor_id).first_action_at == first


@pytest.mark.parametrize(
    ("actor", "call"),
    [
        (STAFF, lambda db, r: workflow.set_status(db, STAFF, r, "not_relevant")),
        (CHIEF, lambda db, r: workflow.set_status(db, CHIEF, r, "confirmed")),
        (ADMIN, lambda db, r: workflow.assign(db, ADMIN, r, "ada")),
        (STAFF, lambda db, r: workflow.escalate(db, STAFF, r, "do it")),
        (PIO, lambda db, r: workflow.decide(db, PIO, r, "monitor", "self-approved")),
        (STAFF, lambda db, r: workflow.preserve_evidence(db, STAFF, r)),
        (CHIEF, lambda db, r: workflow.bulk_set_status(db, CHIEF, [r], "not_relevant")),
        (STAFF, lambda db, r: workflow.add_note(db, STAFF, r, "hi")),
    ],
)
def test_roles_that_may_not_act_cannot(db: Database, actor: Actor, call):
    rumor_id = _rumour(db)
    if actor is PIO:  # the PIO may not decide even an escalated rumour
        workflow.escalate(db, PIO, rumor_id, "Correct it.")
    before = _row(db, rumor_id)
    entries_before = len(audit.entries(db))
    with pytest.raises(PermissionDenied, match=actor.username):
        call(db, rumor_id)
    assert _row(db, rumor_id) == before
    assert len(audit.entries(db)) == entries_before


def test_the_chief_decides_only_escalated_rumours_and_only_once(db: Database):
    rumor_id = _rumour(db)
    with pytest.raises(WorkflowError, match="not been escalated"):
        workflow.decide(db, CHIEF, rumor_id, "monitor", "watch it")
    workflow.escalate(db, PIO, rumor_id, "Monitor for an hour.")
    with pytest.raises(WorkflowError, match="already awaiting"):
        workflow.escalate(db, PIO, rumor_id, "again")
    with pytest.raises(WorkflowError, match="awaiting the Chief"):
        workflow.close(db, PIO, rumor_id)
    with pytest.raises(WorkflowError, match="reason"):
        workflow.decide(db, CHIEF, rumor_id, "monitor", "   ")
    with pytest.raises(WorkflowError, match="decision must be one of"):
        workflow.decide(db, CHIEF, rumor_id, "arrest", "no")
    workflow.decide(db, CHIEF, rumor_id, "monitor", "Low reach so far.")
    with pytest.raises(WorkflowError, match="already decided by chris"):
        workflow.decide(db, CHIEF, rumor_id, "correction", "changed my mind")
    # The Chief can add a note to the history after deciding.
    workflow.add_note(db, CHIEF, rumor_id, "Re-check at 22:00.")
    assert _actions(db, rumor_id)[-1] == "note"


def test_escalating_a_decided_rumour_again_keeps_the_chiefs_decision(db: Database):
    rumor_id = _rumour(db)
    workflow.escalate(db, PIO, rumor_id, "Correct it.")
    workflow.decide(db, CHIEF, rumor_id, "correction", "False and spreading.")
    decided = _row(db, rumor_id)

    with pytest.raises(WorkflowError, match="already decided by chris; add a note"):
        workflow.escalate(db, PIO, rumor_id, "New posts: please decide again.")

    assert _row(db, rumor_id) == decided
    assert (decided.decision, decided.decided_by) == ("correction", "chris")
    assert decided.decision_reason == "False and spreading."
    assert _actions(db, rumor_id) == ["escalate", "decide"]


def test_status_values_and_duplicates_are_validated(db: Database):
    first, second = _rumour(db), _rumour(db, ("Gunman at Valley Fair",))
    for bad in ("new", "deleted", ""):
        with pytest.raises(WorkflowError, match="status must be one of"):
            workflow.set_status(db, PIO, first, bad)
    with pytest.raises(WorkflowError, match="names the rumour"):
        workflow.set_status(db, PIO, first, "duplicate")
    with pytest.raises(WorkflowError, match="itself"):
        workflow.set_status(db, PIO, first, "duplicate", duplicate_of=first)
    with pytest.raises(WorkflowError, match="no rumour 999"):
        workflow.set_status(db, PIO, first, "duplicate", duplicate_of=999)
    workflow.set_status(db, PIO, second, "duplicate", duplicate_of=first, note="same story")
    row = _row(db, second)
    assert (row.status, row.duplicate_of) == ("duplicate", first)
    assert audit.entries(db, rumor_id=second)[0].detail["note"] == "same story"
    with pytest.raises(WorkflowError, match="no rumour 404"):
        workflow.assign(db, PIO, 404, "pat")


def test_correction_links_must_be_http(db: Database):
    rumor_id = _rumour(db)
    for bad in ("javascript:alert(1)", "file:///etc/passwd", "data:text/html,hi", "x.com/a"):
        with pytest.raises(WorkflowError, match="http"):
            workflow.link_correction(db, PIO, rumor_id, bad)
    assert _row(db, rumor_id).correction_url is None


def test_bulk_mark_not_relevant_audits_each_rumour(db: Database):
    ids = [_rumour(db, (f"Great America ride is a killer {n}",)) for n in range(4)]
    workflow.set_status(db, PIO, ids[0], "not_relevant")
    changed = workflow.bulk_set_status(db, PIO, ids, "not_relevant")
    assert changed == 3
    assert {_row(db, r).status for r in ids} == {"not_relevant"}
    assert [len(audit.entries(db, rumor_id=r, action="bulk_status")) for r in ids] == [0, 1, 1, 1]
    with pytest.raises(WorkflowError, match="bulk actions may set"):
        workflow.bulk_set_status(db, PIO, ids, "confirmed")
    with pytest.raises(WorkflowError, match="no rumour"):
        workflow.bulk_set_status(db, PIO, [ids[0], 10_000], "reviewing")
    assert {_row(db, r).status for r in ids} == {"not_relevant"}  # nothing half-done


def test_evidence_snapshot_freezes_text_and_raw_payload_with_its_hash(db: Database):
    import hashlib

    rumor_id = _rumour(db, ("Active shooter at CGA <script>x</script>", "shots at CGA!!"))
    evidence_id = workflow.preserve_evidence(db, PIO, rumor_id, note="before deletion")
    with db.read() as connection:
        row = connection.execute(select(evidence).where(evidence.c.id == evidence_id)).one()
    assert row.kind == "snapshot" and row.captured_by == "pat"
    assert hashlib.sha256(row.content.encode()).hexdigest() == row.sha256
    snapshot = json.loads(row.content)
    assert [p["text"] for p in snapshot["posts"]] == [
        "Active shooter at CGA <script>x</script>",
        "shots at CGA!!",
    ]
    assert snapshot["posts"][0]["raw"]["payload"]  # the payload as collected
    assert json.loads(snapshot["posts"][1]["raw"]["payload"])["text"] == "shots at CGA!!"
    entry = audit.entries(db, rumor_id=rumor_id, action="evidence")[0]
    assert entry.detail["sha256"] == row.sha256 and entry.detail["posts"] == 2


def _png(size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_screenshots_are_checked_by_content_and_kept_by_hash(db: Database, tmp_path: Path):
    rumor_id = _rumour(db)
    folder = tmp_path / "screenshots"
    evidence_id = workflow.attach_screenshot(
        db, PIO, rumor_id, data=_png(), filename="shot.txt", folder=folder
    )
    with db.read() as connection:
        row = connection.execute(select(evidence).where(evidence.c.id == evidence_id)).one()
    kept = Path(row.path).read_bytes()
    assert row.media_type == "image/png" and hashlib.sha256(kept).hexdigest() == row.sha256
    with Image.open(io.BytesIO(kept)) as image:  # re-encoded: the same pixels
        assert image.tobytes() == Image.open(io.BytesIO(_png())).tobytes()
    assert Path(row.path).name == f"{row.sha256}.png"
    for bad, reason in [
        (b"<svg onload=alert(1)>", "not a readable"),
        (b"GIF89a" + b"\0" * 40, "not a readable"),
        (b"", "empty"),
    ]:
        with pytest.raises(ImageRejected, match=reason):
            workflow.attach_screenshot(db, PIO, rumor_id, data=bad, filename="x.png", folder=folder)
    gif = io.BytesIO()
    Image.new("RGB", (5, 5)).save(gif, "GIF")
    with pytest.raises(ImageRejected, match="GIF images are not accepted"):
        workflow.attach_screenshot(
            db, PIO, rumor_id, data=gif.getvalue(), filename="a.png", folder=folder
        )
    assert len(workflow.evidence_for(db, CHIEF, rumor_id)) == 1
    assert sorted(p.name for p in folder.iterdir()) == [f"{row.sha256}.png"]


def test_reopen_and_legal_hold(db: Database):
    rumor_id = _rumour(db)
    workflow.close(db, PIO, rumor_id)
    assert _row(db, rumor_id).status == "reviewing"  # a closed rumour is never left "new"
    with pytest.raises(WorkflowError, match="already closed"):
        workflow.close(db, PIO, rumor_id)
    with pytest.raises(WorkflowError, match="closed; reopen"):
        workflow.escalate(db, PIO, rumor_id, "x")
    workflow.reopen(db, PIO, rumor_id)
    assert _row(db, rumor_id).closed_at is None
    workflow.set_legal_hold(db, PIO, rumor_id, True, "Records request 2026-114")
    assert _row(db, rumor_id).legal_hold is True
    with pytest.raises(WorkflowError, match="reason"):
        workflow.set_legal_hold(db, PIO, rumor_id, False, "")
    assert _actions(db, rumor_id) == ["close", "reopen", "legal_hold"]
