"""The scheduled weekly export: last week's report, written once and e-mailed once.

A chore of the collector loop (rumordesk/loop.py) checks every few minutes whether the
moment set in ``[reports]`` (e.g. Monday 07:00 local) has passed for the week that just
ended. Which week was exported is remembered in the database, in a lease per week
(``weekly-export:2026-W42``, :mod:`rumordesk.store.leases`) taken *before* the work starts:
a restart, a second loop, or a loop on another host sharing the database finds it and
does not export the week again. A lease left by a crash mid-export is taken over after an
hour. The mail has a lease of its own (``weekly-mail:2026-W42``): one process sends it;
mail that fails for a passing reason is retried on later checks by any of them, a few
times; mail that may already have been delivered (a crash while sending), or was refused
for good, is not. A manifest beside the files (``weekly-report-2026-W42.json``) records
the same for whoever reads the folder.
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
from rumordesk.store import leases
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


def lease_name(week: Week) -> str:
    return f"weekly-export:{week.label}"


def mail_lease_name(week: Week) -> str:
    return f"weekly-mail:{week.label}"


def run_weekly_export(settings: AppSettings, db: Database, *, now: datetime) -> ExportOutcome:
    """Export the due week unless it already was; retry its pending mail otherwise."""
    week = due_week(settings, now)
    if week is None:
        return ExportOutcome(None, reason="the weekly export is off ([reports] weekly_export)")
    folder = Path(settings.reports.folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = lease_name(week)
    before = leases.find(db, name)
    if not leases.acquire(db, name, now=now, ttl=STALE_CLAIM):
        return _retry_mail(settings, db, week, now)
    if before is not None:
        log.warning("taking over the weekly export %s left unfinished", week.label)

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
    wants_mail = settings.mail.enabled and settings.reports.recipients
    if wants_mail:
        state["mail"] = "pending"
        state["body"] = _body(settings, report, files)
    leases.settle(db, name, state=state, until=leases.FOREVER)
    _save(folder, week, state)
    if wants_mail:
        outcome.mailed = _send_once(settings, db, week, state, files, now)
    log.info("weekly export %s written to %s (mail: %s)", week.label, folder, state["mail"])
    return outcome


def _retry_mail(settings: AppSettings, db: Database, week: Week, now: datetime) -> ExportOutcome:
    outcome = ExportOutcome(week, reason=f"{week.label} was already exported")
    exported = leases.find(db, lease_name(week))
    if exported is None or exported.state.get("mail") != "pending" or not settings.mail.enabled:
        return outcome
    state = {**exported.state, **_mail_state(db, week)}
    if state["mail"] != "pending" or state.get("mail_attempts", 0) >= MAX_MAIL_ATTEMPTS:
        return outcome
    files = _files(settings, db, week, state, now)
    outcome.mailed = _send_once(settings, db, week, state, files, now)
    return outcome


def _mail_state(db: Database, week: Week) -> dict[str, Any]:
    lease = leases.find(db, mail_lease_name(week))
    return lease.state if lease is not None else {}


def _send_once(
    settings: AppSettings,
    db: Database,
    week: Week,
    state: dict[str, Any],
    files: list[ExportFile],
    now: datetime,
) -> bool:
    """One attempt at the mail, by one process: under the week's mail lease, marked
    ``sending`` (for good) before it goes out, so a crash mid-send never sends it again."""
    name = mail_lease_name(week)
    if not leases.acquire(db, name, now=now, ttl=STALE_CLAIM):
        return False  # another process is sending it, or it is settled
    state.update(_mail_state(db, week))
    if state.get("mail") not in (None, "pending"):
        return False
    leases.settle(db, name, state=_mail_fields(state, mail="sending"), until=leases.FOREVER)
    sent = _mail(settings, state, files)
    final = state["mail"] != "pending" or state["mail_attempts"] >= MAX_MAIL_ATTEMPTS
    # pending: free at once for the next check of any process; otherwise settled for good
    leases.settle(db, name, state=_mail_fields(state), until=leases.FOREVER if final else now)
    _save(Path(settings.reports.folder), week, state)
    return sent


def _mail_fields(state: dict[str, Any], **override: Any) -> dict[str, Any]:
    keys = ("mail", "mail_attempts", "mail_error", "mailed_to")
    return {**{k: state[k] for k in keys if k in state}, **override}


def _files(
    settings: AppSettings, db: Database, week: Week, state: dict[str, Any], now: datetime
) -> list[ExportFile]:
    """The week's files from the folder; rendered again if this host has not got them (a
    reports folder that is not shared between hosts)."""
    folder = Path(settings.reports.folder)
    names = state.get("files", [])
    if names and all((folder / name).is_file() for name in names):
        files = []
        for name in names:
            media = {".zip": CSV_ZIP_MEDIA_TYPE, ".json": CHECKPOINT_MEDIA_TYPE}.get(
                Path(name).suffix, xlsx.MEDIA_TYPE
            )
            files.append(ExportFile(name, (folder / name).read_bytes(), media))
        return files
    report = build_report(db, week, sources=settings.sources, department=settings.department.name)
    return weekly_files(report, settings.reports.formats)


def _mail(settings: AppSettings, state: dict[str, Any], files: list[ExportFile]) -> bool:
    """Send the files; ``state["mail"]`` says what happened. True when sent."""
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


def _save(folder: Path, week: Week, state: dict[str, Any]) -> None:
    """The manifest beside the files: what the database's leases say, for the folder."""
    shown = {key: value for key, value in state.items() if key != "body"}
    manifest = folder / f"{stem(week)}.json"
    _write(manifest, json.dumps(shown, indent=2, sort_keys=True).encode("utf-8"))


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
