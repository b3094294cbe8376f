"""``rumordesk rank`` (a CSV of posts against a CSV of Department posts) and ``rumordesk score``
(the stored posts, as the collector loop does)."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import click

from rumordesk.base.config import AppSettings
from rumordesk.base.errors import RumorDeskError
from rumordesk.base.times import UnreadableTime, in_utc, parse_time
from rumordesk.classify.rank import OfficialInput, PostInput, ProbabilityModel, Ranker, Scored
from rumordesk.cli.context import Context, friendly_errors

POST_COLUMNS = ("id", "channel", "author", "created_at", "text", "likes", "shares", "replies")
OFFICIAL_COLUMNS = ("id", "channel", "created_at", "text")
REQUIRED_POST = ("id", "text")
REQUIRED_OFFICIAL = ("id", "text")
ADDED_COLUMNS = ("p_misinfo", "score", "severity", "cluster_id", "reasons")
ENGAGEMENT = ("likes", "shares", "replies", "quotes")
_TRUE = {"1", "true", "yes", "y", "t"}


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[dict[str, str]]


def read_table(path: Path, required: Sequence[str], what: str) -> Table:
    """A UTF-8 (BOM allowed) CSV with a header; a missing column or a bad row is a clear
    error naming the file and line, and nothing is written."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RumorDeskError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in required if c not in header]
    if missing:
        raise RumorDeskError(
            f"{path}: {what} need the column(s) {', '.join(missing)} "
            f"(found: {', '.join(header) or 'no header'})"
        )
    rows = []
    for row in reader:
        if None in row:
            raise RumorDeskError(f"{path}: line {reader.line_num} has more cells than the header")
        rows.append({k: (v if v is not None else "") for k, v in row.items()})
    return Table(header, rows)


def read_created_at(value: str, where: str, zone: tzinfo) -> datetime | None:
    """A spreadsheet's created_at (empty: unknown), read loosely by the one time rule: any
    date and time python-dateutil reads, and without an offset the Department's."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return parse_time(value, zone, loose=True)
    except UnreadableTime:
        raise RumorDeskError(f"{where}: created_at {value!r} is not a date and time") from None


_SUFFIX = {"k": 1_000, "m": 1_000_000}


def parse_count(value: str, where: str, column: str) -> float | None:
    """Missing engagement is unknown (None), never zero; "5,400", "5.4K" and "1.2M" are read."""
    value = (value or "").strip().replace(",", "").replace("_", "").lower()
    if not value:
        return None
    scale = _SUFFIX.get(value[-1], 1)
    try:
        number = float(value[:-1] if scale != 1 else value) * scale
    except ValueError:
        raise RumorDeskError(f"{where}: {column} {value!r} is not a number") from None
    if not math.isfinite(number) or number < 0:
        raise RumorDeskError(f"{where}: {column} {value!r} must be zero or more")
    return number


def post_inputs(
    table: Table,
    path: Path,
    zone: tzinfo,
    officials: Sequence[OfficialInput] = (),
) -> list[PostInput]:
    """The posts; one that is also in the Department's file (same id, or the same text)
    is the Department's own, whoever the author column names."""
    official_ids = {o.id for o in officials}
    official_texts = {_same(o.text) for o in officials}
    inputs = []
    for line, row in enumerate(table.rows, start=2):
        where = f"{path}: row {line}"
        counts = {c: parse_count(row.get(c, ""), where, c) for c in ENGAGEMENT}
        text = row.get("text", "")
        flagged = row.get("is_official", row.get("official", "")).strip().lower() in _TRUE
        inputs.append(
            PostInput(
                id=row["id"],
                text=text,
                author=row.get("author") or None,
                channel=row.get("channel") or None,
                created_at=read_created_at(row.get("created_at", ""), where, zone),
                is_official=flagged or row["id"] in official_ids or _same(text) in official_texts,
                **counts,
            )
        )
    return inputs


def _same(text: str) -> str:
    return " ".join(text.lower().split())


def official_inputs(table: Table, path: Path, zone: tzinfo) -> list[OfficialInput]:
    return [
        OfficialInput(
            id=row["id"],
            text=row.get("text", ""),
            created_at=read_created_at(row.get("created_at", ""), f"{path}: row {line}", zone),
            channel=row.get("channel") or None,
        )
        for line, row in enumerate(table.rows, start=2)
    ]


def ranked_rows(table: Table, scored: Sequence[Scored]) -> list[dict[str, Any]]:
    """Every input column plus the ranking's, highest score first (input order on ties)."""
    rows = []
    for row, s in zip(table.rows, scored, strict=True):
        rows.append(
            {
                **row,
                "p_misinfo": f"{s.p_misinfo:.4f}",
                "score": f"{s.score:.4f}",
                "severity": f"{s.severity.weight if s.severity.claims_harm else 0.0:.2f}",
                "cluster_id": s.cluster_id,
                "reasons": "; ".join(s.reasons),
            }
        )
    order = sorted(range(len(rows)), key=lambda i: -scored[i].score)
    return [rows[i] for i in order]


def rank_files(
    posts_path: Path,
    official_path: Path,
    out: TextIO,
    predict: ProbabilityModel | None,
    settings: AppSettings,
    *,
    load_model: Any = None,
) -> int:
    """Read and check both files, rank, write the CSV; returns the number of posts."""
    from rumordesk.reports.tables import write_csv

    local = ZoneInfo(settings.department.timezone)
    posts = read_table(posts_path, REQUIRED_POST, "posts")
    officials = read_table(official_path, REQUIRED_OFFICIAL, "official posts")
    context = official_inputs(officials, official_path, local)
    inputs = post_inputs(posts, posts_path, local, context)
    relations = None  # a model given in code: the relation step is trained in memory
    if predict is None:
        from rumordesk.classify.scoring import load_default_relations

        predict = load_model()
        relations = load_default_relations(settings)  # saved beside the text model
    ranker = Ranker(predict, settings.classify, local, relations=relations)
    scored = ranker.rank(inputs, context)
    header = [*posts.header, *(c for c in ADDED_COLUMNS if c not in posts.header)]
    rows = ranked_rows(posts, scored)
    return write_csv(rows, header, out)


def _model_loader(settings: AppSettings, path: str | None):  # type: ignore[no-untyped-def]
    def load() -> ProbabilityModel:
        try:
            if path:
                from rumordesk.classify.persist import load_model

                return load_model(Path(path)).predict_proba
            from rumordesk.classify.scoring import load_default_model

            return load_default_model(settings)[0]
        except ImportError as exc:
            raise RumorDeskError(f"the text model is not available: {exc}") from None

    return load


@click.command()
@click.option("--posts", "posts_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--official", "official_path", required=True, type=click.Path(exists=True, dir_okay=False)
)
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False))
@click.option("--model", "model_path", type=click.Path(exists=True, dir_okay=False))
@click.pass_obj
@friendly_errors
def rank(
    obj: Context, posts_path: str, official_path: str, out_path: str, model_path: str | None
) -> None:
    """Rank POSTS.csv against the Department's OFFICIAL.csv into RANKED.csv.

    Posts: id, channel, author, created_at, text, likes, shares, replies (extra columns
    are kept; empty engagement is unknown; times without an offset are the Department's
    local time). Official posts: id, channel, created_at, text.
    The output adds p_misinfo, score, severity, cluster_id and reasons, highest score first.
    """
    settings = obj.settings
    buffer = io.StringIO()
    count = rank_files(
        Path(posts_path),
        Path(official_path),
        buffer,
        None,
        settings,
        load_model=_model_loader(settings, model_path),
    )
    # Written only once everything succeeded: a bad input never leaves half a file.
    Path(out_path).write_text(buffer.getvalue(), encoding="utf-8", newline="")
    click.echo(f"ranked {count} post(s) into {out_path}", err=True)


@click.command()
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
    help="Only posts published at or after this (the Department's local time); default: "
    "every stored post.",
)
@click.pass_obj
@friendly_errors
def score(obj: Context, since: datetime | None) -> None:
    """(Re)score stored posts into the queue, as the collector loop does for new ones."""
    from rumordesk.classify.scoring import PostScorer, rescore_recent

    scorer = PostScorer(obj.settings, obj.db)
    local = obj.settings.department.tz
    result = rescore_recent(scorer, since=in_utc(since, local) if since else None)
    click.echo(
        json.dumps(
            {
                "scored": result.scored,
                "rumors_opened": result.rumors_opened,
                "rumors_updated": len(result.rumors_updated),
            }
        )
    )
