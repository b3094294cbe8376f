"""The scheduled weekly export: last week's report, written once and e-mailed once.

A chore of the collector loop (rumordesk/chores.py) checks every few minutes whether the
moment set in ``[reports]`` (e.g. Monday 07:00 local) has passed for the week that just
ended. What was exported is remembered on disk, beside the files, in a small manifest
(``weekly-report-2026-W42.json``) created with ``O_EXCL`` *before* the work starts: a
restart, or a second loop (``collect --every`` and ``run`` at once), finds it and does not
export the week again. A manifest left half-done by a crash is taken over after an hour.
Mail that fails for a passing reason is retried on later checks, a few times; mail that
may already have been delivered, or was refused for good, is not.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rumordesk.base import mail
from rumordesk.reports import xlsx
from rumordesk.reports.export import CSV_ZIP_MEDIA_TYPE, ExportFile, audit_export, render
from rumordesk.reports.weekly import build_report
from rumordesk.reports.weekly_layout import report_tables
from rumordesk.reports.weekly_model import WeeklyReport
from rumordesk.reports.weeks import Week
from rumordesk.triage.checkpoint import MEDIA_TYPE as CHECKPOINT_MEDIA_TYPE
from rumordesk.triage.checkpoint import mail as mail_checkpoint
from rumordesk.triage.checkpoint import take as take_checkpoint
from rumordesk.triage.roles import SYSTEM

if TYPE_CHECKING:
    from rumordesk.base.chores import Chore
    from rumordesk.base.config import AppSettings
    from rumordesk.store.db import Database

log = logging.getLogger(__name__)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
STALE_CLAIM = timedelta(hours=1)
MAX_MAIL_ATTEMPTS = 5


@dataclass(slots=True)
class ExportOutcome:
    """What one check did (for the log and the tests)."""

    week: Week | None
    ran: bool = False
    files: list[Path] = field(default_factory=list)
    mailed: bool = False
    reason: str = ""


def due_week(settings: AppSettings, now: datetime) -> Week | None:
    """The most recent complete week whose export moment has passed (None if disabled)."""
    config = settings.reports
    if not config.weekly_export:
        return None
    tz = settings.department.tz
    current = Week.containing(now, tz)
    hour, minute = (int(part) for part in config.weekly_time.split(":"))
    day = current.monday + timedelta(days=WEEKDAYS.index(config.weekly_day))
    due_at = datetime.combine(day, time(hour, minute), tzinfo=tz)
    last = current.previous()
    return last if now >= due_at else last.previous()


def stem(week: Week) -> str:
    return f"weekly-report-{week.label}"


def weekly_files(report: WeeklyReport, formats: tuple[str, ...]) -> list[ExportFile]:
    title = f"Weekly engagement report {report.week.label}"
    tables = report_tables(report)
    return [render(tables, stem=stem(report.week), fmt=fmt, title=title) for fmt in formats]


def run_weekly_export(settings: AppSettings, db: Database, *, now: datetime) -> ExportOutcome:
    """Export the due week unless it already was; retry its pending mail otherwise."""
    week = due_week(settings, now)
    if week is None:
        return ExportOutcome(None, reason="the weekly export is off ([reports] weekly_export)")
    folder = Path(settings.reports.folder)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / f"{stem(week)}.json"
    if not _claim(manifest, now):
        return _retry_mail(settings, manifest, week, now)

    report = build_report(
        db, week, sources=settings.sources, department=settings.department.name, now=now
    )
    files = weekly_files(report, settings.reports.formats)
    for item in files:
        audit_export(
            db,
            SYSTEM,
            item,
            kind="weekly_report",
            detail={"week": week.label, "via": "schedule", "folder": str(folder)},
        )
    # The audit log's head after those entries, signed: each export carries it away from
    # the server, so cutting the end off the log later is detected against it.
    checkpoint = take_checkpoint(db, now=now)
    files.append(
        ExportFile(
            f"{stem(week)}.audit-checkpoint.json",
            checkpoint.to_json().encode("utf-8"),
            CHECKPOINT_MEDIA_TYPE,
        )
    )
    paths = [_write(folder / f.filename, f.content) for f in files]
    state: dict[str, Any] = {
        "week": week.label,
        "state": "written",
        "exported_at": now.isoformat(),
        "files": [p.name for p in paths],
        "mail": "not configured",
        "mail_attempts": 0,
    }
    outcome = ExportOutcome(week, ran=True, files=paths)
    state["checkpoint"] = {"seq": checkpoint.seq, "signed": checkpoint.signature is not None}
    try:
        state["checkpoint"]["mailed"] = mail_checkpoint(
            settings, checkpoint, why=f"weekly export {week.label}"
        )
    except mail.MailError as exc:
        state["checkpoint"]["mail_error"] = str(exc)
        log.warning("audit checkpoint for %s: %s", week.label, exc)
    if settings.mail.enabled and settings.reports.recipients:
        state["mail"] = "pending"
        state["body"] = _body(settings, report, files)
        outcome.mailed = _mail(settings, state, files)
    _save(manifest, state)
    log.info("weekly export %s written to %s (mail: %s)", week.label, folder, state["mail"])
    return outcome


def _claim(manifest: Path, now: datetime) -> bool:
    """Create the manifest exclusively; True when this process is to do the export."""
    claim = json.dumps({"state": "writing", "started_at": now.isoformat()})
    try:
        with open(manifest, "x", encoding="utf-8") as handle:
            handle.write(claim)
        return True
    except FileExistsError:
        pass
    state = _load(manifest)
    started = state.get("started_at") if state.get("state") == "writing" else None
    if started and now - datetime.fromisoformat(started) > STALE_CLAIM:
        log.warning("taking over the weekly export %s left unfinished", manifest.name)
        _save(manifest, {"state": "writing", "started_at": now.isoformat()})
        return True
    return False


def _retry_mail(settings: AppSettings, manifest: Path, week: Week, now: datetime) -> ExportOutcome:
    state = _load(manifest)
    outcome = ExportOutcome(week, reason=f"{week.label} was already exported")
    if state.get("mail") != "pending" or not settings.mail.enabled:
        return outcome
    if state.get("mail_attempts", 0) >= MAX_MAIL_ATTEMPTS:
        return outcome
    folder = manifest.parent
    files = []
    for name in state.get("files", []):
        path = folder / name
        if path.is_file():
            media = {".zip": CSV_ZIP_MEDIA_TYPE, ".json": CHECKPOINT_MEDIA_TYPE}.get(
                path.suffix, xlsx.MEDIA_TYPE
            )
            files.append(ExportFile(name, path.read_bytes(), media))
    outcome.mailed = _mail(settings, state, files)
    _save(manifest, state)
    return outcome


def _mail(settings: AppSettings, state: dict[str, Any], files: list[ExportFile]) -> bool:
    """Send the files; the manifest's ``mail`` says what happened. True when sent."""
    label = state["week"]
    state["mail_attempts"] = state.get("mail_attempts", 0) + 1
    message = mail.build_message(
        settings.mail,
        to=list(settings.reports.recipients),
        subject=f"{settings.department.name}: weekly engagement report {label}",
        body=state.get("body") or f"The weekly engagement report for {label} is attached.",
        attachments=[mail.Attachment(f.filename, f.content, f.media_type) for f in files],
    )
    try:
        mail.send(settings.mail, message)
    except mail.MailError as exc:
        state["mail_error"] = str(exc)
        final = getattr(exc, "permanent", False) or getattr(exc, "maybe_sent", False)
        state["mail"] = "failed" if final else "pending"
        log.warning("weekly report %s: %s", label, exc)
        return False
    state["mail"] = "sent"
    state["mailed_to"] = list(settings.reports.recipients)
    state.pop("mail_error", None)
    return True


def _body(settings: AppSettings, report: WeeklyReport, files: list[ExportFile]) -> str:
    """Figures only (no post text) so the mail is safe to read anywhere."""
    lines = [
        f"The weekly engagement report for {report.week.label} is attached.",
        "",
        f"Posts published: {len(report.posts)}",
        f"Engagement: {_shown(report.engagement)} "
        f"(previous week: {_shown(report.previous_engagement)})",
        f"Rumours first seen: {report.rumours.total}, acted on: {report.rumours.acted_on}",
        *report.notes,
    ]
    if report.gaps:
        lines += ["", "Channels without data:"]
        lines += [f"- {g.channel} ({g.source}): {g.reason}" for g in report.gaps]
    lines += [
        "",
        "The .audit-checkpoint.json file records the audit log's end at the time of this "
        "export; keep it: `rumordesk audit verify --checkpoint FILE` checks the log against it.",
    ]
    lines += ["", "Attachments: " + ", ".join(f.filename for f in files)]
    lines += ["", f"Sent by Rumor Desk for {settings.department.name}."]
    return "\n".join(lines)


def _shown(value: int | None) -> str:
    return "unavailable" if value is None else f"{value:,}"


def _write(path: Path, content: bytes) -> Path:
    """Atomically: a reader never sees half a file."""
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(content)
    os.replace(partial, path)
    return path


def _load(manifest: Path) -> dict[str, Any]:
    try:
        return json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save(manifest: Path, state: dict[str, Any]) -> None:
    _write(manifest, json.dumps(state, indent=2, sort_keys=True).encode("utf-8"))


def build_chore(settings: AppSettings, db: Database) -> Chore | None:
    """The loop's weekly-export chore, or None when the export is off."""
    from rumordesk.base.chores import Chore

    if not settings.reports.weekly_export:
        return None
    every = timedelta(minutes=settings.reports.check_every_minutes)
    return Chore(
        "weekly-export",
        every,
        lambda now: run_weekly_export(settings, db, now=now.astimezone(UTC)),
    )
