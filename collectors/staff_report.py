"""Staff reports: "take a screenshot and forward it to the PIO", as a post in the queue.

A report is stored like any collected post — source ``staff_report``, channel = where it
was seen — so it is scored, clustered and triaged with the rest; ``reported_by`` and the
screenshot's SHA-256, type, size and capture time are in its raw payload, which the
triage queue reads to give staff reports high priority. The screenshot is checked by
content (Pillow: PNG, JPEG or WebP only, size and pixel limits) and kept once, by its
hash, under ``[staff_reports].screenshot_dir`` (inside the git-ignored data folder).

A report may be a screenshot alone: its text is read (:mod:`rumordesk.collectors.ocr`)
and becomes the post's text, so it is scored, clustered and found by a search like any
post; what was read, the engine, the languages and the confidence are kept beside it
(``screenshot_texts``, with the screenshot's hash). When the staff member typed the text
too, the typed text is the post's and the screenshot's is kept beside it. A machine
without the OCR engine still takes a report with typed text (the reason is kept and
shown); a screenshot alone then is refused with what to do.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from rumordesk.base.config import AppSettings
from rumordesk.base.errors import RumorDeskError
from rumordesk.base.urls import safe_url
from rumordesk.collectors.ocr import Extracted, OcrFailed, OcrUnavailable, extract_text
from rumordesk.collectors.text import MAX_TEXT_CHARS, normalise_whitespace
from rumordesk.store import shared_files
from rumordesk.store.db import Database
from rumordesk.store.files import CleanImage, clean_image, keep_image
from rumordesk.store.posts import save_batch
from rumordesk.store.records import Batch, Post, Provenance
from rumordesk.store.schema import posts
from rumordesk.store.screenshot_texts import FAILED, READ, UNAVAILABLE, known_text, record_text

log = logging.getLogger(__name__)

SOURCE = "staff_report"
#: Marks the report for the triage queue (raw payload ``priority``).
PRIORITY = "high"
_CHANNEL = re.compile(r"[a-z0-9_]{1,32}")


class ReportRejected(RumorDeskError):
    """The report is incomplete or its screenshot is not an accepted image."""


@dataclass(frozen=True, slots=True)
class StaffReport:
    post_id: int
    new: bool
    channel: str
    screenshot: dict[str, Any] | None
    #: What was read from the screenshot (None without one).
    reading: Reading | None = None


def channel_of(where: str) -> str:
    """ "Nextdoor", "Facebook group", "x" → ``nextdoor``, ``facebook_group``, ``x``."""
    channel = re.sub(r"[^a-z0-9]+", "_", where.strip().lower()).strip("_")[:32]
    if not _CHANNEL.fullmatch(channel):
        raise ReportRejected("say where the post was seen (e.g. nextdoor, facebook, x)")
    return channel


@dataclass(frozen=True, slots=True)
class Reading:
    """What was read from a report's screenshot (or why nothing was)."""

    status: str
    text: str = ""
    engine: str = ""
    languages: str = ""
    confidence: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    message: str | None = None


def read_screenshot(
    db: Database, data: bytes, sha256: str, extract: Callable[[bytes], Extracted]
) -> Reading:
    """The screenshot's text: reused when the same screenshot was read before (with the
    PIO's correction, if any), else read now; a missing engine or an unreadable image is
    a :class:`Reading` with the reason, never an exception."""
    if (known := known_text(db, sha256)) is not None:
        return Reading(
            READ,
            known.current,
            known.engine,
            known.languages,
            known.confidence,
            {**known.details, "reused_from_post": known.post_id},
        )
    try:
        found = extract(data)
    except OcrUnavailable as exc:
        log.warning("screenshot %s…: %s", sha256[:12], exc)
        return Reading(UNAVAILABLE, message=str(exc))
    except OcrFailed as exc:
        return Reading(FAILED, message=str(exc))
    details = {
        "script": found.script,
        "steps": list(found.steps),
        "dropped": list(found.dropped),
        "seconds": found.seconds,
    }
    message = None if found.text else "no text was found in the screenshot"
    return Reading(
        READ, found.text, found.engine, found.languages, found.confidence, details, message
    )


def submit(
    db: Database,
    settings: AppSettings,
    *,
    url: str | None,
    text: str,
    where: str,
    reported_by: str,
    note: str | None = None,
    screenshot: bytes | None = None,
    filename: str | None = None,
    extract: Callable[[bytes], Extracted] | None = None,
) -> StaffReport:
    """Store one staff report as a post (the same post if sent twice); who filed it is
    recorded by the caller (:func:`rumordesk.triage.intake.file_report`), in the audit log.
    ``extract`` reads a screenshot's text (:func:`rumordesk.collectors.ocr.extract_text`)."""
    typed = normalise_whitespace(text or "")[:MAX_TEXT_CHARS]
    reporter = normalise_whitespace(reported_by or "")[:100]
    if not typed and screenshot is None:
        raise ReportRejected(
            "the report needs the post's text (what it says) or a screenshot of it"
        )
    if not reporter:
        raise ReportRejected("the report needs the name of the staff member reporting it")
    link = safe_url(url.strip()) if url and url.strip() else None
    if url and url.strip() and not link:
        raise ReportRejected(f"the link {url[:80]!r} is not an http(s) URL")
    channel = channel_of(where)
    shot: dict[str, Any] | None = None
    reading: Reading | None = None
    image: CleanImage | None = None
    if screenshot is not None:
        try:  # re-encoded first: what is read, hashed and kept is the clean image
            image = clean_image(screenshot, max_bytes=settings.staff_reports.max_screenshot_bytes)
        except RumorDeskError as exc:
            raise ReportRejected(f"screenshot {filename or ''}: {exc}".replace(" :", ":")) from None
        reading = read_screenshot(db, image.data, image.sha256, extract or extract_text)
    body = typed or (reading.text[:MAX_TEXT_CHARS] if reading else "")
    if not body:
        why = reading.message if reading and reading.message else "no text was found"
        raise ReportRejected(
            f"the screenshot's text could not be read ({why}); type what the post says"
        )
    if image is not None:
        saved = keep_image(image, folder=Path(settings.staff_reports.screenshot_dir))
        with db.write() as connection:  # for every host's dashboard (store/shared_files.py)
            shared_files.put(
                connection, shared_files.SCREENSHOT, image.data, media_type=image.media_type
            )
        shot = {
            "path": str(saved.path),
            "sha256": saved.sha256,
            "media_type": saved.media_type,
            "size": saved.size,
            "captured_at": saved.captured_at.isoformat(),
            "filename": Path(filename).name[:200] if filename else None,
        }
    now = datetime.now(UTC)
    key = "\n".join([link or "", body, channel, reporter, shot["sha256"] if shot else ""])
    source_id = "report:" + hashlib.sha256(key.encode()).hexdigest()
    post = Post(
        source=SOURCE,
        source_id=source_id,
        channel=channel,
        text=body,
        provenance=Provenance.now(link, SOURCE),
        url=link,
        created_at=None,  # when the original was posted is unknown; first_seen is the report
        raw={
            "priority": PRIORITY,
            "reported_by": reporter,
            "where": where.strip()[:100],
            "note": normalise_whitespace(note or "")[:2000] or None,
            "url": link,
            "screenshot": shot,
            "text_from": "typed" if typed else "screenshot",
        },
    )
    result = save_batch(db, SOURCE, Batch((post,), {}, requests=0), now=now)
    post_id = _post_id(db, source_id)
    if reading is not None and shot is not None:
        with db.write() as connection:
            record_text(
                connection,
                {
                    "post_id": post_id,
                    "sha256": shot["sha256"],
                    "status": reading.status,
                    "engine": reading.engine,
                    "languages": reading.languages,
                    "confidence": reading.confidence,
                    "text": reading.text,
                    "details": {**reading.details, "text_from": "typed" if typed else "screenshot"},
                    "message": reading.message,
                    "extracted_at": now,
                },
            )
    return StaffReport(post_id, bool(result.new), channel, shot, reading)


def _post_id(db: Database, source_id: str) -> int:
    with db.read() as connection:
        found = connection.scalar(
            select(posts.c.id).where(posts.c.source == SOURCE, posts.c.source_id == source_id)
        )
    if found is None:  # save_batch just stored it: only a concurrent purge could do this
        raise ReportRejected("the report was not stored; try again")
    return int(found)
