"""A staff report that is a screenshot alone: read, stored with its hash and confidence,
scored, clustered, found by a search and shown at the top of the queue at once; the PIO
corrects what was read (audited, rescored); a missing OCR engine keeps typed reports going
and says what to install; a rumour seen under the Department's own posts says so."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from rumordesk.collectors.ocr import OcrUnavailable
from rumordesk.collectors.staff_report import ReportRejected
from rumordesk.store.files import reencode
from rumordesk.store.posts import PostFilter, list_posts, save_batch
from rumordesk.store.records import Batch, Post, Provenance
from rumordesk.store.schema import audit_log, post_scores, posts, rumors, screenshot_texts
from rumordesk.store.screenshot_texts import text_of
from rumordesk.triage import queue
from rumordesk.triage.intake import file_report
from rumordesk.triage.roles import PermissionDenied
from rumordesk.triage.screenshots import correct_screenshot_text, rumour_screenshot_texts
from rumordesk.triage.threads import rumour_threads
from rumordesk.web import navigation
from tests.helpers import screenshots
from tests.helpers.dashboard import open_desk, texts
from tests.helpers.ocr import require_ocr

SPANISH = (
    "¿Es verdad que hay un tirador activo en Valley Fair? Mi primo dice que hay tres "
    "muertos. ¡No vayan al centro comercial!"
)


@pytest.fixture
def desk(tmp_path, monkeypatch):
    yield from open_desk(tmp_path, monkeypatch)


def unavailable(_data: bytes):  # an OCR engine that is not installed
    raise OcrUnavailable("Tesseract is not installed (apt-get install tesseract-ocr …)")


@pytest.mark.slow
def test_a_screenshot_alone_is_read_scored_clustered_searchable_and_first_in_the_queue(desk):
    require_ocr()
    sam, pat = desk.actor("sam"), desk.actor("pat")
    shot = screenshots.png(screenshots.render_post(SPANISH, lang="es", dark=True))

    filed = file_report(
        desk.db, desk.settings, sam, url=None, text="", where="WhatsApp",
        screenshot=shot, score=desk.scorer().score,
    )  # fmt: skip

    # read: the post's text is the screenshot's, kept with its hash and confidence
    [post] = list_posts(desk.db, PostFilter(source="staff_report"))
    assert "tirador activo en Valley Fair" in post["text"]
    assert "Like" not in post["text"] and "9:41" not in post["text"]
    read = text_of(desk.db, filed.post_id)
    assert read is not None and read.status == "read"
    assert read.sha256 == hashlib.sha256(reencode(shot)[0]).hexdigest()  # the kept image
    assert read.confidence is not None and read.confidence > 0.8
    assert "spa" in read.languages and read.engine.startswith("tesseract")
    assert filed.reading is not None and filed.reading.text == post["text"]
    # scored and clustered: the claim is the Spanish shooter claim at Valley Fair
    with desk.db.read() as connection:
        scored = connection.execute(
            select(post_scores.c.harm, post_scores.c.cluster_key, post_scores.c.rumor_id).where(
                post_scores.c.post_id == filed.post_id
            )
        ).one()
    assert scored.harm == "active_shooter"
    assert scored.cluster_key == "claim:active_shooter@Westfield Valley Fair"
    assert scored.rumor_id == filed.rumor_id
    # searchable, and first in the PIO's queue (staff priority) at once
    assert [p["id"] for p in list_posts(desk.db, PostFilter(search="tirador"))] == [filed.post_id]
    assert queue.queue(desk.db, pat)[0].id == filed.rumor_id
    # the audit entry says a screenshot was read, never what it said
    with desk.db.read() as connection:
        detail = json.loads(
            connection.scalar(
                select(audit_log.c.detail).where(audit_log.c.action == "staff_report")
            )
        )
    assert detail["screenshot_text"] == "read" and "tirador" not in json.dumps(detail)

    # the same screenshot forwarded again by someone else is not read again
    again = file_report(
        desk.db, desk.settings, pat, url=None, text="", where="Facebook",
        screenshot=shot, score=desk.scorer().score, extract=unavailable,
    )  # fmt: skip
    assert again.reading is not None and again.reading.text == post["text"]
    assert again.reading.details["reused_from_post"] == filed.post_id


def test_without_an_engine_typed_reports_go_through_and_a_screenshot_alone_says_why(desk):
    sam = desk.actor("sam")
    shot = screenshots.png(screenshots.render_post("Shots fired at Levi's Stadium"))
    filed = file_report(
        desk.db, desk.settings, sam, url=None, text="shots fired at Levi's Stadium",
        where="nextdoor", screenshot=shot, score=desk.scorer().score, extract=unavailable,
    )  # fmt: skip
    assert list_posts(desk.db, PostFilter(source="staff_report"))[0]["text"] == (
        "shots fired at Levi's Stadium"
    )
    read = text_of(desk.db, filed.post_id)
    assert read is not None and read.status == "unavailable"
    assert "apt-get install" in (read.message or "")
    assert filed.rumor_id

    other = screenshots.png(screenshots.render_post("Bomb threat at Great America"))
    with pytest.raises(ReportRejected, match="could not be read .*apt-get install"):
        file_report(
            desk.db, desk.settings, sam, url=None, text="", where="x",
            screenshot=other, extract=unavailable,
        )  # fmt: skip
    with pytest.raises(ReportRejected, match="text .* or a screenshot"):
        file_report(desk.db, desk.settings, sam, url=None, text=" ", where="x")


def _read_as(text: str):  # a stand-in engine that reads ``text`` (correction tests)
    from rumordesk.collectors.ocr import Extracted

    return lambda _data: Extracted(text, "eng+spa+vie+fil", 0.61, "tesseract 5.3.0", "Latin")


def test_the_pios_correction_is_audited_and_the_report_rescored(desk):
    sam, pat = desk.actor("sam"), desk.actor("pat")
    shot = screenshots.png(screenshots.render_post("misread"))
    filed = file_report(
        desk.db, desk.settings, sam, url=None, text="", where="nextdoor", screenshot=shot,
        score=desk.scorer().score, extract=_read_as("Bonb threat at Levl's Stadlum tonlght"),
    )  # fmt: skip
    [view] = rumour_screenshot_texts(desk.db, pat, filed.rumor_id)
    assert view.text_from == "screenshot" and view.confidence == 0.61

    with pytest.raises(PermissionDenied):
        correct_screenshot_text(desk.db, desk.settings, sam, filed.post_id, "anything")

    fixed = correct_screenshot_text(
        desk.db, desk.settings, pat, filed.post_id,
        "Bomb threat at Levi's Stadium tonight", score=desk.scorer().score,
    )  # fmt: skip
    assert fixed.text == "Bomb threat at Levi's Stadium tonight"
    assert fixed.read_text == "Bonb threat at Levl's Stadlum tonlght"  # what was read stays
    assert fixed.corrected_by == "pat"
    [post] = list_posts(desk.db, PostFilter(source="staff_report"))
    assert post["text"] == "Bomb threat at Levi's Stadium tonight" and post["edited_at"]
    with desk.db.read() as connection:
        entry = connection.execute(
            select(audit_log.c.actor, audit_log.c.detail, audit_log.c.rumor_id).where(
                audit_log.c.action == "screenshot_text_corrected"
            )
        ).one()
        scored = connection.execute(
            select(post_scores.c.harm, post_scores.c.cluster_key, post_scores.c.rumor_id).where(
                post_scores.c.post_id == filed.post_id
            )
        ).one()
        priority = connection.scalar(
            select(rumors.c.priority).where(rumors.c.id == scored.rumor_id)
        )
    assert entry.actor == "pat"
    detail = json.loads(entry.detail)
    # the screenshot as kept: re-encoded (store/files.py), so its hash is the kept bytes'
    assert detail["screenshot_sha256"] == hashlib.sha256(reencode(shot)[0]).hexdigest()
    assert detail["characters_after"] == len(fixed.text) and "Bomb" not in entry.detail
    # rescored: the corrected text names the place and the harm
    assert (scored.harm, scored.cluster_key) == ("explosive", "claim:explosive@Levi's Stadium")
    assert priority == 1


def test_a_correction_beside_typed_text_leaves_the_typed_text(desk):
    sam, pat = desk.actor("sam"), desk.actor("pat")
    filed = file_report(
        desk.db, desk.settings, sam, url=None, text="fight at Central Park", where="x",
        screenshot=screenshots.png(screenshots.render_post("x")), score=desk.scorer().score,
        extract=_read_as("flght at Central Park"),
    )  # fmt: skip
    correct_screenshot_text(desk.db, desk.settings, pat, filed.post_id, "fight at Central Park")
    assert list_posts(desk.db, PostFilter(source="staff_report"))[0]["text"] == (
        "fight at Central Park"
    )
    with desk.db.read() as connection:
        assert connection.scalar(select(screenshot_texts.c.corrected_text)) == (
            "fight at Central Park"
        )


@pytest.mark.slow
def test_a_rumour_seen_under_the_departments_post_names_that_post(desk):
    """Replies linked to a Department post; the rumour they make says "in replies to the
    Department's facebook post of 16:04", and the page shows it."""
    pat = desk.actor("pat")
    zone = desk.settings.department.tz
    published = datetime.now(zone).replace(hour=16, minute=4, second=0, microsecond=0)
    if published > datetime.now(zone):
        published -= timedelta(days=1)
    department = Post(
        source="scpd-facebook", source_id="104958162837_901", channel="facebook",
        text="Police activity at Westfield Valley Fair. Please avoid the area.",
        provenance=Provenance.now(None, "test"), created_at=published.astimezone(UTC),
        is_official=True, url="https://www.facebook.com/104958162837/posts/901",
    )  # fmt: skip
    save_batch(desk.db, "scpd-facebook", Batch((department,), {}))
    replies = tuple(
        Post(
            source="fb-comments",
            source_id=f"901_{n}",
            channel="facebook",
            text=text,
            provenance=Provenance.now(None, "test"),
            created_at=(published + timedelta(minutes=5 + n)).astimezone(UTC),
            in_reply_to="104958162837_901",
        )  # fmt: skip
        for n, text in enumerate(
            ["is there a shooter?? my cousin says 3 dead", "heard gunshots, people running"]
        )  # fmt: skip
    )
    result = save_batch(desk.db, "fb-comments", Batch(replies, {}))
    desk.scorer().score(result.changed_ids)
    with desk.db.read() as connection:
        rumour = connection.scalar(
            select(post_scores.c.rumor_id)
            .join(posts, posts.c.id == post_scores.c.post_id)
            .where(posts.c.source_id == "901_1")
        )
    assert rumour is not None
    [thread] = rumour_threads(desk.db, pat, rumour)
    assert thread.describe(zone) == "in replies to the Department's facebook post of 16:04"
    assert thread.replies >= 1 and thread.link == department.url

    at = desk.app("pat")
    at.session_state[navigation.SELECTED_KEY] = rumour
    at.switch_page(navigation.RUMOUR.path).run()
    assert not at.exception
    shown = texts(at)
    assert "in replies to the Department's facebook post of 16:04" in shown
    assert "Police activity at Westfield Valley Fair" in shown
