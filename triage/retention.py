"""The retention purge: what Rumor Desk keeps, for how long, and what it deletes.

The policy (docs/USE_POLICY.md, "Data Retention"), enforced here and nowhere else:

* a third-party post is deleted ``post_days`` (default 30) after it was collected, unless
  it belongs to a rumour someone acted on or to a rumour under legal hold;
* a rumour someone acted on (a status, a note, evidence, an escalation, a decision), its
  posts and its evidence are kept for the records period (``records_days``, default two
  years after its last activity); so are the Department's own posts (from collection);
* a legal hold stops the purge of that rumour, its posts and its evidence, whatever
  their age;
* a rumour nobody acted on is deleted when its last post is; screenshot files go with
  their evidence records;
* the audit log is never purged (see :data:`AUDIT_LOG_KEPT`).

Each purge that removes anything writes one audit entry (action ``purge``, actor SYSTEM)
with the counts by kind and by collection year, in the same transaction as the deletes:
the annual transparency figures ("posts collected", "posts purged") survive the purge.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Connection, Table, delete, func, select, update

from rumordesk.base.times import stored_utc
from rumordesk.store import shared_files
from rumordesk.store.records import DEMO_SOURCE
from rumordesk.store.schema import audit_log, evidence, metadata, post_scores, posts, raw_payloads
from rumordesk.store.schema import rumors as rumors_table
from rumordesk.triage import audit
from rumordesk.triage.roles import SYSTEM

if TYPE_CHECKING:
    from rumordesk.base.config import AppSettings
    from rumordesk.store.db import Database

log = logging.getLogger(__name__)

#: Why the audit log is not purged with the records period: its hash chain proves that
#: nothing was removed only as long as it runs back to the first entry (a retired prefix
#: would make deleting the oldest entries undetectable), it holds no post text, and it is
#: the record that the purges themselves happened. It is small: one line per action.
AUDIT_LOG_KEPT = True

_CHUNK = 500
#: Staff reports keep their screenshot's path in the raw payload (collectors/staff_report.py).
STAFF_REPORT_SOURCE = "staff_report"
_STAFF_SHA = re.compile(r"[0-9a-f]{64}")


def dependants(parent: Table) -> list[tuple[Table, Column, str]]:
    """Every ``(table, column, ondelete)`` whose foreign key points at ``parent``.

    Read from the schema, so a table added later (alerts, notes…) is purged with the post
    or rumour it belongs to, and counted, without touching this module. A key with no
    ON DELETE rule would make the purge fail: it must say CASCADE or SET NULL.
    """
    found = []
    for table in metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table is parent:
                rule = (key.ondelete or "").upper()
                if rule not in ("CASCADE", "SET NULL"):
                    raise RuntimeError(
                        f"{table.name}.{key.parent.name} references {parent.name} without "
                        "ON DELETE CASCADE or SET NULL; the retention purge cannot decide"
                    )
                found.append((table, key.parent, rule))
    return found


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """The two periods, from ``[retention]``; separate so tests and the CLI can state them."""

    post_days: int = 30
    records_days: int = 730

    @classmethod
    def from_settings(cls, settings: AppSettings) -> RetentionPolicy:
        return cls(settings.retention.post_days, settings.retention.records_days)


@dataclass(slots=True)
class PurgeReport:
    """What a purge removed (or, in a dry run, would remove), and what it kept on purpose."""

    dry_run: bool
    now: datetime
    posts_cutoff: datetime
    records_cutoff: datetime
    removed: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    #: Removed posts by the (UTC) year they were collected: {"2026": {"public": n, ...}}.
    posts_by_year: dict[str, dict[str, int]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    files_missing: int = 0
    files_failed: int = 0
    audit_id: int | None = None

    @property
    def total(self) -> int:
        return sum(self.removed.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "now": self.now.isoformat(),
            "posts_cutoff": self.posts_cutoff.isoformat(),
            "records_cutoff": self.records_cutoff.isoformat(),
            "removed": dict(self.removed),
            "kept": dict(self.kept),
            "posts_by_year": self.posts_by_year,
            "files": list(self.files),
            "files_missing": self.files_missing,
            "files_failed": self.files_failed,
            "audit_id": self.audit_id,
        }


@dataclass(slots=True)
class _Plan:
    post_ids: list[int] = field(default_factory=list)
    official_post_ids: list[int] = field(default_factory=list)
    unacted_rumor_ids: list[int] = field(default_factory=list)
    expired_rumor_ids: list[int] = field(default_factory=list)
    posts_by_year: dict[str, Counter[str]] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    #: Screenshots (by SHA-256) that no kept record uses: their shared copy goes too.
    screenshot_shas: list[str] = field(default_factory=list)

    @property
    def all_post_ids(self) -> list[int]:
        return self.post_ids + self.official_post_ids

    @property
    def rumor_ids(self) -> list[int]:
        return self.unacted_rumor_ids + self.expired_rumor_ids


def acted_on(row: Any) -> bool:
    """Someone did something with the rumour: it is a record now, not just collected data."""
    return bool(
        row.first_action_at is not None
        or row.status != "new"
        or row.escalated_at is not None
        or row.decided_at is not None
        or row.decision is not None
    )


def purge(
    db: Database,
    settings: AppSettings,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    via: str = "loop",
) -> PurgeReport:
    """Apply the retention policy once; ``dry_run`` computes the same report, changes nothing.

    ``via`` says what started it in the audit entry ("loop", or "cli by <operator>").
    """
    return purge_with(
        db,
        RetentionPolicy.from_settings(settings),
        folders=managed_folders(settings),
        now=now,
        dry_run=dry_run,
        via=via,
    )


def managed_folders(settings: AppSettings) -> list[Path]:
    """Where Rumor Desk writes screenshot files: the only places the purge deletes from."""
    folders = [Path(settings.staff_reports.screenshot_dir)]
    database = settings.storage.database_url
    if database.startswith("sqlite") and ":memory:" not in database:
        folders.append(Path(database.split(":///", 1)[-1]).parent)
    return folders


def purge_with(
    db: Database,
    policy: RetentionPolicy,
    *,
    folders: Sequence[Path] = (),
    now: datetime | None = None,
    dry_run: bool = False,
    via: str = "loop",
) -> PurgeReport:
    now = (now or datetime.now(UTC)).astimezone(UTC)
    report = PurgeReport(
        dry_run=dry_run,
        now=now,
        posts_cutoff=now - timedelta(days=policy.post_days),
        records_cutoff=now - timedelta(days=policy.records_days),
    )
    if dry_run:
        with db.read() as connection:
            plan = _plan(connection, report)
            _count(connection, plan, report)
            report.files = _files_to_remove(connection, plan)
        return report
    with db.write() as connection:
        plan = _plan(connection, report)
        _count(connection, plan, report)
        report.files = _files_to_remove(connection, plan)
        if report.total:
            _delete(connection, plan)
            shared_files.remove(connection, shared_files.SCREENSHOT, plan.screenshot_shas)
            report.audit_id = audit.record(
                connection,
                SYSTEM,
                "purge",
                subject="retention purge",
                detail={
                    "removed": report.removed,
                    "posts_by_year": report.posts_by_year,
                    "kept": report.kept,
                    "post_days": policy.post_days,
                    "records_days": policy.records_days,
                    "posts_cutoff": report.posts_cutoff.isoformat(),
                    "records_cutoff": report.records_cutoff.isoformat(),
                    "files": len(report.files),
                    "via": via,
                },
                at=now,
            )
    # Files go only once their records are gone for good (a rolled-back purge keeps both).
    _remove_files(report, folders)
    if report.total:
        log.info("purge removed %s", ", ".join(f"{v} {k}" for k, v in report.removed.items()))
    return report


# --- deciding -------------------------------------------------------------------------


def _plan(connection: Connection, report: PurgeReport) -> _Plan:
    plan = _Plan()
    rumor_rows = connection.execute(
        select(
            rumors_table.c.id,
            rumors_table.c.status,
            rumors_table.c.first_action_at,
            rumors_table.c.escalated_at,
            rumors_table.c.decided_at,
            rumors_table.c.decision,
            rumors_table.c.closed_at,
            rumors_table.c.legal_hold,
            rumors_table.c.last_seen_at,
            rumors_table.c.lead_post_id,
        )
    ).all()
    last_audit = dict(
        connection.execute(
            select(audit_log.c.rumor_id, func.max(audit_log.c.at))
            .where(audit_log.c.rumor_id.is_not(None))
            .group_by(audit_log.c.rumor_id)
        ).all()
    )
    protected: set[int] = set()  # rumours whose posts stay
    unacted: set[int] = set()
    held = acted_kept = 0
    for row in rumor_rows:
        if row.legal_hold:
            held += 1
            protected.add(row.id)
        elif acted_on(row):
            moments = [
                row.last_seen_at,
                row.first_action_at,
                row.escalated_at,
                row.decided_at,
                row.closed_at,
                stored_utc(last_audit.get(row.id)),
            ]
            if max(m for m in moments if m is not None) < report.records_cutoff:
                plan.expired_rumor_ids.append(row.id)
            else:
                acted_kept += 1
                protected.add(row.id)
        else:
            unacted.add(row.id)
    protected_posts = {row.lead_post_id for row in rumor_rows if row.id in protected}
    plan.kept = {"held_rumors": held, "acted_on_rumors": acted_kept}

    candidates = connection.execute(
        select(posts.c.id, posts.c.is_official, posts.c.first_seen_at, posts.c.source).where(
            ((posts.c.is_official.is_(False)) & (posts.c.first_seen_at < report.posts_cutoff))
            | ((posts.c.is_official.is_(True)) & (posts.c.first_seen_at < report.records_cutoff))
        )
    ).all()
    membership: dict[int, int] = {}
    for chunk in _chunks([row.id for row in candidates]):
        membership.update(
            connection.execute(
                select(post_scores.c.post_id, post_scores.c.rumor_id).where(
                    post_scores.c.post_id.in_(chunk), post_scores.c.rumor_id.is_not(None)
                )
            ).all()
        )
    kept_for_rumours = 0
    for row in candidates:
        if row.id in protected_posts or membership.get(row.id) in protected:
            kept_for_rumours += 1
            continue
        (plan.official_post_ids if row.is_official else plan.post_ids).append(row.id)
        year = plan.posts_by_year.setdefault(str(stored_utc(row.first_seen_at).year), Counter())
        # Demo posts (rumordesk/demo.py) are counted apart: they were never collected.
        kind = "demo" if row.source == DEMO_SOURCE else None
        year[kind or ("official" if row.is_official else "public")] += 1
    plan.kept["old_posts_kept_for_a_rumour"] = kept_for_rumours
    plan.unacted_rumor_ids = sorted(_emptied(connection, unacted, plan, report))
    return plan


def _emptied(
    connection: Connection, unacted: set[int], plan: _Plan, report: PurgeReport
) -> set[int]:
    """Un-acted rumours left with no post: those losing their last one, and old empty ones."""
    if not unacted:
        return set()
    doomed = set(plan.all_post_ids)
    remaining: Counter[int] = Counter()
    for chunk in _chunks(sorted(unacted)):
        for post_id, rumor_id in connection.execute(
            select(post_scores.c.post_id, post_scores.c.rumor_id).where(
                post_scores.c.rumor_id.in_(chunk)
            )
        ):
            if post_id not in doomed:
                remaining[rumor_id] += 1
    stale = {
        row.id
        for chunk in _chunks(sorted(unacted))
        for row in connection.execute(
            select(rumors_table.c.id).where(
                rumors_table.c.id.in_(chunk), rumors_table.c.last_seen_at < report.posts_cutoff
            )
        )
    }
    # A rumour still collecting posts keeps them; one whose every post is purged goes too.
    return {rumor_id for rumor_id in unacted if not remaining[rumor_id]} & (
        stale | _losing_posts(connection, unacted, doomed)
    )


def _losing_posts(connection: Connection, unacted: set[int], doomed: set[int]) -> set[int]:
    losing: set[int] = set()
    for chunk in _chunks(sorted(doomed)):
        losing.update(
            rumor_id
            for (rumor_id,) in connection.execute(
                select(post_scores.c.rumor_id).where(post_scores.c.post_id.in_(chunk))
            )
            if rumor_id in unacted
        )
    return losing


#: Bookkeeping, not records: the scoring outbox's notes (store/pending.py) go with their
#: posts and are not reported as data removed.
UNCOUNTED = frozenset({"pending_scores"})


def _count(connection: Connection, plan: _Plan, report: PurgeReport) -> None:
    removed: Counter[str] = Counter()
    removed["posts"] = len(plan.post_ids)
    removed["official_posts"] = len(plan.official_post_ids)
    removed["rumors"] = len(plan.unacted_rumor_ids)
    removed["expired_records"] = len(plan.expired_rumor_ids)
    for parent, ids in ((posts, plan.all_post_ids), (rumors_table, plan.rumor_ids)):
        for table, column, rule in dependants(parent):
            if rule == "CASCADE" and table.name not in UNCOUNTED:
                removed[table.name] += _count_in(connection, table, column, ids)
    report.removed = {name: count for name, count in removed.items() if count}
    report.kept = plan.kept
    report.posts_by_year = {
        year: dict(counts) for year, counts in sorted(plan.posts_by_year.items())
    }


def _count_in(connection: Connection, table: Any, column: Any, ids: Sequence[int]) -> int:
    return sum(
        connection.scalar(select(func.count()).select_from(table).where(column.in_(chunk))) or 0
        for chunk in _chunks(ids)
    )


def _files_to_remove(connection: Connection, plan: _Plan) -> list[str]:
    """Screenshot files of the records being removed that no kept record still uses.

    Two kinds of record point at a screenshot: evidence rows (``evidence.path``) and staff
    reports, whose raw payload names the file (collectors/staff_report.py). Files are
    stored once by content (``store.files.save_image``), so the same screenshot attached
    twice is one file, deleted only with the last record using it.
    """
    doomed_posts = set(plan.all_post_ids)
    doomed_rumors = set(plan.rumor_ids)
    candidates: dict[str, str | None] = {}  # path -> sha256
    for chunk in _chunks(plan.rumor_ids):
        for row in connection.execute(
            select(evidence.c.path, evidence.c.sha256).where(
                evidence.c.rumor_id.in_(chunk), evidence.c.path.is_not(None)
            )
        ):
            candidates[row.path] = row.sha256
    for chunk in _chunks(plan.all_post_ids):
        for (payload,) in connection.execute(
            select(raw_payloads.c.payload)
            .join(posts, posts.c.id == raw_payloads.c.post_id)
            .where(raw_payloads.c.post_id.in_(chunk), posts.c.source == STAFF_REPORT_SOURCE)
        ):
            shot = _screenshot_of(payload)
            if shot:
                candidates[shot[0]] = shot[1]
    files = []
    for path, sha in sorted(candidates.items()):
        in_evidence = connection.execute(
            select(evidence.c.rumor_id).where(evidence.c.path == path)
        ).all()
        if any(row.rumor_id not in doomed_rumors for row in in_evidence):
            continue
        if sha and _STAFF_SHA.fullmatch(sha):
            users = connection.scalars(
                select(raw_payloads.c.post_id).where(raw_payloads.c.payload.contains(sha))
            ).all()
            if any(post_id not in doomed_posts for post_id in users):
                continue
            # the copy in the database, unless a kept record names the same bytes elsewhere
            same = connection.scalars(select(evidence.c.rumor_id).where(evidence.c.sha256 == sha))
            if all(rumor_id in doomed_rumors for rumor_id in same):
                plan.screenshot_shas.append(sha)
        files.append(path)
    return files


def _screenshot_of(payload: str) -> tuple[str, str | None] | None:
    try:
        shot = json.loads(payload).get("screenshot")
    except (ValueError, AttributeError):
        return None
    if isinstance(shot, dict) and isinstance(shot.get("path"), str):
        sha = shot.get("sha256")
        return shot["path"], sha if isinstance(sha, str) else None
    return None


# --- deleting -------------------------------------------------------------------------


def _delete(connection: Connection, plan: _Plan) -> None:
    """Posts first (their dependants with them), then rumours; explicitly, whatever the
    connection's foreign-key enforcement, so no orphan row is left on any backend."""
    for parent, ids in ((posts, plan.all_post_ids), (rumors_table, plan.rumor_ids)):
        links = dependants(parent)
        for chunk in _chunks(ids):
            for table, column, rule in links:
                if rule == "SET NULL":
                    connection.execute(
                        update(table).where(column.in_(chunk)).values({column.name: None})
                    )
                else:
                    connection.execute(delete(table).where(column.in_(chunk)))
            connection.execute(delete(parent).where(parent.c.id.in_(chunk)))


def _remove_files(report: PurgeReport, folders: Sequence[Path]) -> None:
    roots = [folder.resolve() for folder in folders]
    for name in report.files:
        path = Path(name).resolve()
        if not any(path.is_relative_to(root) for root in roots):
            # A path outside Rumor Desk's own folders is never deleted (a tampered record
            # must not be able to delete arbitrary files); it is reported instead.
            log.warning("not deleting %s: outside the screenshot folders", path)
            report.files_failed += 1
            continue
        if report.dry_run:
            continue
        try:
            path.unlink()
        except FileNotFoundError:
            report.files_missing += 1
        except OSError as exc:
            log.warning("could not delete %s: %s", path, exc)
            report.files_failed += 1


def _chunks(ids: Iterable[int] | Sequence[int]) -> Iterator[list[int]]:
    items = list(ids)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
