"""The text read from staff screenshots: shown to the PIO, and corrected by the PIO.

OCR misreads a letter or a line now and then; the PIO sees what was read beside the
screenshot, with how sure the engine was, and can correct it. A correction is recorded
in the audit log (who, when, which screenshot, how long the text was before and after —
never the text itself: the audit log holds no post text), and when the report's text
came from the screenshot the post takes the corrected text through ``save_batch`` (an
edit like any other) and is scored and clustered again at once.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from rumordesk.base.config import AppSettings
from rumordesk.collectors.staff_report import SOURCE
from rumordesk.collectors.text import MAX_TEXT_CHARS, normalise_whitespace
from rumordesk.store.db import Database
from rumordesk.store.posts import save_batch
from rumordesk.store.records import Batch, Post, Provenance
from rumordesk.store.schema import post_scores, posts, raw_payloads
from rumordesk.store.screenshot_texts import ScreenshotText, set_correction, text_of, texts_of
from rumordesk.triage.audit import record
from rumordesk.triage.roles import Actor, Permission, require
from rumordesk.triage.workflow import WorkflowError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ScreenshotTextView:
    """A staff report's screenshot text as the rumour page shows it."""

    post_id: int
    sha256: str
    status: str
    text: str
    read_text: str
    languages: str
    confidence: float | None
    engine: str
    message: str | None
    #: "screenshot" when the report's text is the screenshot's, "typed" otherwise.
    text_from: str
    corrected_by: str | None
    corrected_at: datetime | None
    steps: tuple[str, ...]


def _view(found: ScreenshotText) -> ScreenshotTextView:
    return ScreenshotTextView(
        post_id=found.post_id,
        sha256=found.sha256,
        status=found.status,
        text=found.current,
        read_text=found.text,
        languages=found.languages,
        confidence=found.confidence,
        engine=found.engine,
        message=found.message,
        text_from=str(found.details.get("text_from") or "typed"),
        corrected_by=found.corrected_by,
        corrected_at=found.corrected_at,
        steps=tuple(found.details.get("steps") or ()),
    )


def rumour_screenshot_texts(db: Database, actor: Actor, rumor_id: int) -> list[ScreenshotTextView]:
    """The screenshot texts of the rumour's staff reports."""
    require(actor, Permission.VIEW_QUEUE)
    with db.read() as connection:
        ids = list(
            connection.scalars(
                select(posts.c.id)
                .join(post_scores, post_scores.c.post_id == posts.c.id)
                .where(post_scores.c.rumor_id == rumor_id, posts.c.source == SOURCE)
                .order_by(posts.c.id)
                .limit(200)
            )
        )
    found = texts_of(db, ids)
    return [_view(found[i]) for i in ids if i in found]


def correct_screenshot_text(
    db: Database,
    settings: AppSettings,
    actor: Actor,
    post_id: int,
    text: str,
    *,
    score: Callable[[list[int]], Any] | None = None,
) -> ScreenshotTextView:
    """The PIO's correction of what was read from a report's screenshot (audited); a
    report whose text is the screenshot's takes it, and is scored again."""
    require(actor, Permission.TRIAGE)
    corrected = normalise_whitespace(text or "")[:MAX_TEXT_CHARS]
    if not corrected:
        raise WorkflowError("the corrected text is empty")
    found = text_of(db, post_id)
    if found is None:
        raise WorkflowError(f"report {post_id} has no screenshot text to correct")
    now = datetime.now(UTC)
    with db.write() as connection:
        rumor_id = connection.scalar(
            select(post_scores.c.rumor_id).where(post_scores.c.post_id == post_id)
        )
        set_correction(connection, post_id, corrected, by=actor.username, at=now)
        record(
            connection,
            actor,
            "screenshot_text_corrected",
            rumor_id=rumor_id,
            subject=f"post:{post_id}",
            detail={
                "screenshot_sha256": found.sha256,
                "characters_before": len(found.current),
                "characters_after": len(corrected),
                "report_text_updated": _view(found).text_from == "screenshot",
            },
            at=now,
        )
    if _view(found).text_from == "screenshot":
        _retext(db, post_id, corrected)
        if score is None:
            from rumordesk.classify.scoring import PostScorer

            score = PostScorer(settings, db).score
        try:
            score([post_id])
        except Exception:  # the correction stands; scoring is retried by `rumordesk score`
            log.exception("rescoring report %d after its correction failed", post_id)
        from rumordesk.triage.intake import prioritise

        prioritise(db, post_id)
    again = text_of(db, post_id)
    assert again is not None
    return _view(again)


def _retext(db: Database, post_id: int, text: str) -> None:
    """The report stored again with the corrected text: an edit, through save_batch."""
    with db.read() as connection:
        row = connection.execute(select(posts).where(posts.c.id == post_id)).mappings().one()
        raw = connection.scalar(
            select(raw_payloads.c.payload)
            .where(raw_payloads.c.post_id == post_id)
            .order_by(raw_payloads.c.id.desc())
            .limit(1)
        )
    payload = {**json.loads(raw or "{}"), "text_from": "screenshot, corrected by the PIO"}
    post = Post(
        source=row["source"],
        source_id=row["source_id"],
        channel=row["channel"],
        text=text,
        provenance=Provenance.now(row["url"], SOURCE),
        url=row["url"],
        author=row["author"],
        created_at=row["created_at"],
        lang=row["lang"],
        is_official=bool(row["is_official"]),
        raw=payload,
    )
    save_batch(db, row["source"], Batch((post,), {}, requests=0))
