"""Staff reports: "take a screenshot and forward it to the PIO", as a post in the queue.

A report is stored like any collected post — source ``staff_report``, channel = where it
was seen — so it is scored, clustered and triaged with the rest; ``reported_by`` and the
screenshot's SHA-256, type, size and capture time are in its raw payload, which the
triage queue reads to give staff reports high priority. The screenshot is checked by
content (Pillow: PNG, JPEG or WebP only, size and pixel limits) and kept once, by its
hash, under ``[staff_reports].screenshot_dir`` (inside the git-ignored data folder).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from rumordesk.base.config import AppSettings
from rumordesk.base.errors import RumorDeskError
from rumordesk.base.urls import safe_url
from rumordesk.collectors.text import MAX_TEXT_CHARS, normalise_whitespace
from rumordesk.store import shared_files
from rumordesk.store.db import Database
from rumordesk.store.files import save_image
from rumordesk.store.posts import save_batch
from rumordesk.store.records import Batch, Post, Provenance
from rumordesk.store.schema import posts

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


def channel_of(where: str) -> str:
    """ "Nextdoor", "Facebook group", "x" → ``nextdoor``, ``facebook_group``, ``x``."""
    channel = re.sub(r"[^a-z0-9]+", "_", where.strip().lower()).strip("_")[:32]
    if not _CHANNEL.fullmatch(channel):
        raise ReportRejected("say where the post was seen (e.g. nextdoor, facebook, x)")
    return channel


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
) -> StaffReport:
    """Store one staff report as a post (the same post if sent twice); who filed it is
    recorded by the caller (:func:`rumordesk.triage.intake.file_report`), in the audit log."""
    body = normalise_whitespace(text or "")[:MAX_TEXT_CHARS]
    reporter = normalise_whitespace(reported_by or "")[:100]
    if not body:
        raise ReportRejected("the report needs the post's text (what it says)")
    if not reporter:
        raise ReportRejected("the report needs the name of the staff member reporting it")
    link = safe_url(url.strip()) if url and url.strip() else None
    if url and url.strip() and not link:
        raise ReportRejected(f"the link {url[:80]!r} is not an http(s) URL")
    channel = channel_of(where)
    shot: dict[str, Any] | None = None
    if screenshot is not None:
        try:
            saved = save_image(
                screenshot,
                folder=Path(settings.staff_reports.screenshot_dir),
                max_bytes=settings.staff_reports.max_screenshot_bytes,
            )
        except RumorDeskError as exc:
            raise ReportRejected(f"screenshot {filename or ''}: {exc}".replace(" :", ":")) from None
        with db.write() as connection:  # for every host's dashboard (store/shared_files.py)
            shared_files.put(  # the re-encoded image, kept under its own SHA-256
                connection,
                shared_files.SCREENSHOT,
                saved.path.read_bytes(),
                media_type=saved.media_type,
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
        },
    )
    result = save_batch(db, SOURCE, Batch((post,), {}, requests=0), now=now)
    return StaffReport(_post_id(db, source_id), bool(result.new), channel, shot)


def _post_id(db: Database, source_id: str) -> int:
    with db.read() as connection:
        found = connection.scalar(
            select(posts.c.id).where(posts.c.source == SOURCE, posts.c.source_id == source_id)
        )
    if found is None:  # save_batch just stored it: only a concurrent purge could do this
        raise ReportRejected("the report was not stored; try again")
    return int(found)
