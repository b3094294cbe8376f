"""The annual transparency report: what the tool collected, kept, purged and was used for.

Every figure comes from the store and the audit log, never from a counter kept beside
them: posts collected = posts still stored that were collected in the year plus those
the purges removed (each purge records its counts by collection year in the audit log);
rumours triaged, escalations, decisions and exports are audit entries, which are never
purged. The report names searches and their purposes, never an author: it counts claims
and actions, not people.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select

from rumordesk.store.records import DEMO_SOURCE
from rumordesk.store.schema import audit_log, posts, rumors, search_config_log
from rumordesk.triage import audit, workflow

if TYPE_CHECKING:
    from rumordesk.base.config import AppSettings
    from rumordesk.store.db import Database


@dataclass(frozen=True, slots=True)
class SearchFigure:
    name: str
    kind: str
    purpose: str
    #: "configured" (from the configuration log) or "current" (in config.toml, not yet logged).
    known_from: str


@dataclass(frozen=True, slots=True)
class ConfigurationChange:
    """One logged change to what is collected (triage/config_log.py)."""

    at: datetime
    name: str
    change: str
    operator: str


@dataclass(slots=True)
class TransparencyReport:
    year: int
    department: str
    generated_at: datetime
    searches: list[SearchFigure] = field(default_factory=list)
    configuration_changes: int = 0
    configuration_log: list[ConfigurationChange] = field(default_factory=list)
    posts_collected: dict[str, int] = field(default_factory=dict)
    posts_purged: dict[str, int] = field(default_factory=dict)
    purges: int = 0
    rumours_opened: int = 0
    rumours_triaged: int = 0
    escalations: int = 0
    decisions: dict[str, int] = field(default_factory=dict)
    corrections_linked: int = 0
    legal_holds_placed: int = 0
    legal_holds_now: int = 0
    exports: int = 0
    sign_ins: int = 0
    failed_sign_ins: int = 0
    audit_entries: dict[str, int] = field(default_factory=dict)
    audit_chain_ok: bool = True
    audit_chain_entries: int = 0
    audit_chain_problem: str = ""

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["generated_at"] = self.generated_at.isoformat()
        for change in data["configuration_log"]:
            change["at"] = change["at"].isoformat()
        return data


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


def build(
    db: Database, settings: AppSettings, year: int, *, now: datetime | None = None
) -> TransparencyReport:
    """The figures for calendar ``year`` (UTC), as the store and the audit log show them."""
    start, end = _year_bounds(year)
    report = TransparencyReport(
        year=year,
        department=settings.department.name,
        generated_at=(now or datetime.now(UTC)).astimezone(UTC),
    )
    in_year = (audit_log.c.at >= start) & (audit_log.c.at < end)
    with db.read() as connection:
        # The demo scenario (rumordesk/demo.py) is not use of the tool: left out throughout.
        demo = set(connection.scalars(select(rumors.c.id).where(rumors.c.is_demo.is_(True))))
        if demo:
            in_year = in_year & or_(
                audit_log.c.rumor_id.is_(None), audit_log.c.rumor_id.not_in(sorted(demo))
            )
        actions = Counter(
            dict(
                connection.execute(
                    select(audit_log.c.action, func.count())
                    .where(in_year)
                    .group_by(audit_log.c.action)
                ).all()
            )
        )
        report.audit_entries = dict(sorted(actions.items()))
        report.configuration_changes = actions["search_config"]
        report.escalations = actions["escalate"]
        report.corrections_linked = actions["correction"]
        report.exports = actions["export"]
        report.sign_ins = actions["sign_in"]
        report.failed_sign_ins = actions["sign_in_failed"]
        report.purges = actions["purge"]

        triaged = {
            rumor_id
            for (rumor_id,) in connection.execute(
                select(audit_log.c.rumor_id)
                .where(in_year, audit_log.c.action.in_(workflow.ACTIONS))
                .where(audit_log.c.rumor_id.is_not(None))
                .distinct()
            )
        }
        triaged |= set(
            connection.scalars(
                select(rumors.c.id).where(
                    rumors.c.first_action_at >= start,
                    rumors.c.first_action_at < end,
                    rumors.c.is_demo.is_(False),
                )
            )
        )
        report.rumours_triaged = len(triaged)
        report.rumours_opened = (
            connection.scalar(
                select(func.count())
                .select_from(rumors)
                .where(rumors.c.first_seen_at >= start, rumors.c.first_seen_at < end)
                .where(rumors.c.is_demo.is_(False))
            )
            or 0
        )
        decisions: Counter[str] = Counter()
        holds = 0
        purged: Counter[str] = Counter()
        collected: Counter[str] = Counter()
        for row in connection.execute(
            select(
                audit_log.c.action, audit_log.c.at, audit_log.c.detail, audit_log.c.rumor_id
            ).where(audit_log.c.action.in_(("decide", "legal_hold", "purge")))
        ):
            if row.rumor_id in demo:
                continue
            detail = json.loads(row.detail or "{}")
            happened = start <= row.at < end
            if row.action == "decide" and happened:
                decisions[str(detail.get("decision", "unknown"))] += 1
            elif row.action == "legal_hold" and happened and detail.get("held"):
                holds += 1
            elif row.action == "purge":
                removed = detail.get("removed", {})
                if happened:
                    purged["public"] += int(removed.get("posts", 0))
                    purged["official"] += int(removed.get("official_posts", 0))
                # Purged posts still count as collected in the year they were collected.
                for kind, count in detail.get("posts_by_year", {}).get(str(year), {}).items():
                    collected[kind] += int(count)
        report.decisions = dict(sorted(decisions.items()))
        report.legal_holds_placed = holds
        for official, count in connection.execute(
            select(posts.c.is_official, func.count())
            .where(posts.c.first_seen_at >= start, posts.c.first_seen_at < end)
            .where(posts.c.source != DEMO_SOURCE)
            .group_by(posts.c.is_official)
        ):
            collected["official" if official else "public"] += count
        report.posts_collected = {k: collected[k] for k in ("public", "official")}
        report.posts_purged = {k: purged[k] for k in ("public", "official")}
        report.legal_holds_now = (
            connection.scalar(
                select(func.count()).select_from(rumors).where(rumors.c.legal_hold.is_(True))
            )
            or 0
        )
        logged = connection.execute(
            select(search_config_log).order_by(search_config_log.c.id)
        ).all()
    report.searches = _searches(logged, settings, start, end)
    report.configuration_log = [
        ConfigurationChange(row.logged_at, row.name, row.change, row.operator)
        for row in logged
        if start <= row.logged_at < end
    ]
    check = audit.verify(db)
    report.audit_chain_ok = check.ok
    report.audit_chain_entries = check.entries
    if not check.ok:
        report.audit_chain_problem = check.describe()
    return report


def _searches(
    logged: list[Any], settings: AppSettings, start: datetime, end: datetime
) -> list[SearchFigure]:
    """Every search or public source configured at some moment of the year, with each purpose
    it had (the Department's own channels are not listed: they collect its own posts)."""
    by_name: dict[str, list[Any]] = {}
    for row in logged:
        by_name.setdefault(row.name, []).append(row)
    found: dict[tuple[str, str], SearchFigure] = {}
    for name, rows in by_name.items():
        for index, row in enumerate(rows):
            until = rows[index + 1].logged_at if index + 1 < len(rows) else None
            live = row.change != "removed" and _reads_the_public(row)
            if live and row.logged_at < end and (until is None or until > start):
                key = (name, row.purpose or "")
                found.setdefault(key, SearchFigure(name, row.kind, row.purpose or "", "configured"))
    if not logged:  # never started since the log existed: say what the file holds today
        for source in settings.sources:
            if source.is_search or not source.official:
                key = (source.name, source.purpose or "")
                found[key] = SearchFigure(source.name, source.kind, source.purpose or "", "current")
    return sorted(found.values(), key=lambda s: (s.name, s.purpose))


def _reads_the_public(row: Any) -> bool:
    """A search, or any source that is not the Department's own: it collects others' posts."""
    if row.kind == "section":
        return False
    return bool(row.is_search) or not json.loads(row.settings or "{}").get("official", False)


def render_text(report: TransparencyReport) -> str:
    """Plain text a council member can read, one figure a line."""
    collected, purged = report.posts_collected, report.posts_purged
    lines = [
        f"Rumor Desk transparency report {report.year} — {report.department}",
        f"(generated {report.generated_at:%Y-%m-%d %H:%M} UTC; the calendar year in UTC)",
        "",
        f"Searches and public sources configured during the year: {len(report.searches)}",
    ]
    lines += [f"  - {s.name} ({s.kind}): {s.purpose}" for s in report.searches]
    lines += [
        f"Changes to the collection configuration: {report.configuration_changes}",
    ]
    lines += [
        f"  - {c.at:%Y-%m-%d} {c.name} {c.change} by {c.operator}" for c in report.configuration_log
    ]
    lines += [
        "",
        f"Posts collected: {sum(collected.values()):,} "
        f"({collected.get('public', 0):,} public, {collected.get('official', 0):,} the "
        "Department's own)",
        f"Posts purged under the retention policy: {sum(purged.values()):,} "
        f"({purged.get('public', 0):,} public, {purged.get('official', 0):,} the Department's "
        f"own) in {report.purges} purge(s)",
        "",
        f"Rumours opened: {report.rumours_opened:,}",
        f"Rumours triaged (acted on by staff): {report.rumours_triaged:,}",
        f"Escalations to the Office of the Chief: {report.escalations:,}",
        "Decisions: "
        + (
            ", ".join(f"{kind} {count}" for kind, count in report.decisions.items())
            if report.decisions
            else "none"
        ),
        f"Corrections linked: {report.corrections_linked:,}",
        f"Legal holds placed: {report.legal_holds_placed:,} (in force now: "
        f"{report.legal_holds_now:,})",
        f"Exports made: {report.exports:,}",
        f"Sign-ins: {report.sign_ins:,} (failed: {report.failed_sign_ins:,})",
        "",
        "Audit log: "
        + (
            f"intact ({report.audit_chain_entries:,} entries checked)"
            if report.audit_chain_ok
            else f"BROKEN — {report.audit_chain_problem}"
        ),
    ]
    return "\n".join(lines) + "\n"
