"""CSV exports of channels without a usable API: Nextdoor, Facebook/Instagram, spreadsheets.

A file is validated row by row *before* anything is stored; one bad row rejects the whole
file with every row number and reason, so nothing is half-imported. The good file goes in
through :func:`store.posts.save_batch` as one batch — one transaction — and each post is
keyed by its id in the export, so importing the same file again changes nothing.

Cells are kept as text: a cell such as ``=HYPERLINK(…)`` is stored as those characters
(exports escape it; see :mod:`reports.tables`). Row numbers are the spreadsheet's: the
header is row 1.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rumordesk.base.config import AppSettings
from rumordesk.base.source_settings import CsvImportSource
from rumordesk.base.times import parse_time
from rumordesk.base.urls import safe_url
from rumordesk.collectors.errors import CollectorError
from rumordesk.collectors.http import HttpClient
from rumordesk.collectors.text import normalise_whitespace
from rumordesk.store.db import Database
from rumordesk.store.posts import SaveResult, save_batch
from rumordesk.store.records import Batch, Metrics, Post, Provenance
from rumordesk.store.sources import load_cursor, sync_sources

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
#: Reasons listed in the error; the count of the rest follows.
MAX_REASONS = 25


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """Which header (first match, case-insensitive) fills which field of a post."""

    id: tuple[str, ...]
    text: tuple[str, ...]
    created_at: tuple[str, ...]
    title: tuple[str, ...] = ()
    url: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    likes: tuple[str, ...] = ()
    shares: tuple[str, ...] = ()
    replies: tuple[str, ...] = ()
    quotes: tuple[str, ...] = ()
    views: tuple[str, ...] = ()
    #: When False, a row without an id gets one from its URL or its text and time.
    id_required: bool = True


#: The documented column mappings (README, "Importing CSV exports").
MAPPINGS: dict[str, ColumnMap] = {
    # Nextdoor for Public Agencies: the post analytics export.
    "nextdoor": ColumnMap(
        id=("post id", "id"),
        text=("body", "post body", "post content", "content", "message"),
        title=("title", "subject"),
        created_at=("date posted", "post date", "posted at", "created at", "date"),
        url=("post url", "url", "link"),
        likes=("reactions", "likes"),
        replies=("comments", "replies"),
        shares=("shares",),
        views=("impressions", "views"),
    ),
    # Meta Business Suite → Insights → Content → Export (Facebook posts).
    "facebook": ColumnMap(
        id=("post id",),
        text=("description", "message"),
        title=("title",),
        created_at=("publish time", "created time"),
        url=("permalink", "permalink url"),
        likes=("reactions",),
        replies=("comments",),
        shares=("shares",),
        views=("views",),
    ),
    # Meta Business Suite → Insights → Content → Export (Instagram posts).
    "instagram": ColumnMap(
        id=("post id", "media id"),
        text=("description", "caption"),
        created_at=("publish time", "timestamp"),
        url=("permalink",),
        likes=("likes",),
        replies=("comments",),
        shares=("shares",),
        views=("views",),
    ),
    # A sheet kept by hand: any channel, ids optional.
    "spreadsheet": ColumnMap(
        id=("id", "post id"),
        text=("text", "post", "content"),
        created_at=("created_at", "date", "posted", "published"),
        url=("url", "link"),
        author=("author",),
        likes=("likes",),
        shares=("shares", "reposts"),
        replies=("replies", "comments"),
        quotes=("quotes",),
        views=("views",),
        id_required=False,
    ),
}

#: US month/day/year, as US exports write it: 11/23/2026, 11/23/2026 7:05 PM, … 19:05:30.
_NUMBER = re.compile(r"\d{1,3}(,\d{3})+|\d+")


class ImportRejected(CollectorError):
    """The file is not imported at all: what is wrong, with row numbers."""

    status = "rejected"


@dataclass(frozen=True, slots=True)
class ImportResult:
    file: str
    sha256: str
    rows: int
    new: int
    updated: int
    unchanged: int
    already_imported: bool
    #: Posts new or changed by this import: they need (re)scoring.
    changed_ids: tuple[int, ...] = ()
    #: Posts whose engagement alone moved: their rumours' spread needs refreshing.
    metrics_changed_ids: tuple[int, ...] = ()


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM), or UTF-16 with a BOM; anything else is refused."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRejected(
            f"{name}: not {encoding.removesuffix('-sig').upper()} text (byte "
            f"0x{data[exc.start]:02x} on line {line}); export or save it as "
            "'CSV UTF-8' and import again"
        ) from None


def read_rows(text: str, name: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows; a tab-separated export (Excel "Unicode text") is read as such."""
    first = text.split("\n", 1)[0]
    dialect = "excel-tab" if "\t" in first and "," not in first else "excel"
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), dialect=dialect, strict=True))
    except csv.Error as exc:
        raise ImportRejected(f"{name}: not a readable CSV file ({exc})") from None
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise ImportRejected(f"{name}: the file has no header row")
    if len(rows) - 1 > MAX_ROWS:
        raise ImportRejected(f"{name}: {len(rows) - 1:,} rows; at most {MAX_ROWS:,} per file")
    return [normalise_whitespace(h).lower() for h in rows[0]], rows[1:]


def _columns(header: Sequence[str], mapping: ColumnMap, name: str) -> dict[str, int]:
    found: dict[str, int] = {}
    problems: list[str] = []
    for field in ("id", "text", "created_at", "title", "url", "author", *Metrics.names()):
        names: tuple[str, ...] = getattr(mapping, field)
        index = next((header.index(n) for n in names if n in header), None)
        if index is not None:
            found[field] = index
        elif field in ("text", "created_at") or (field == "id" and mapping.id_required):
            problems.append(f"no column for {field} (expected one of: {', '.join(names)})")
    if problems:
        raise ImportRejected(f"{name}: " + "; ".join(problems))
    return found


def _number(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not _NUMBER.fullmatch(value):
        raise ValueError(f"{value!r} is not a whole number")
    return int(value.replace(",", ""))


def parse_file(data: bytes, *, name: str, source: CsvImportSource, tz: ZoneInfo) -> list[Post]:
    """Every row as a Post, or :class:`ImportRejected` listing every bad row."""
    if len(data) > MAX_FILE_BYTES:
        raise ImportRejected(f"{name}: {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}")
    mapping = MAPPINGS[source.format]
    header, rows = read_rows(decode(data, name), name)
    columns = _columns(header, mapping, name)
    provenance = Provenance.now(None, f"{source.kind}:{source.format}")
    posts: list[Post] = []
    problems: list[str] = []
    first_row: dict[str, tuple[int, str]] = {}
    for number, row in enumerate(rows, start=2):
        try:
            post = _row_post(row, header, columns, mapping, source, tz, provenance)
        except ValueError as exc:
            problems.append(f"row {number}: {exc}")
            continue
        fingerprint = post.text + (post.created_at.isoformat() if post.created_at else "")
        seen = first_row.get(post.source_id)
        if seen and seen[1] != fingerprint:
            problems.append(
                f"row {number}: id {post.source_id!r} is also on row {seen[0]} with other content"
            )
            continue
        first_row.setdefault(post.source_id, (number, fingerprint))
        posts.append(post)
    if problems:
        shown = problems[:MAX_REASONS]
        more = len(problems) - len(shown)
        tail = f"; and {more} more" if more else ""
        raise ImportRejected(
            f"{name}: not imported, {len(problems)} bad row(s) of {len(rows)}: "
            + "; ".join(shown)
            + tail
        )
    return posts


def _row_post(
    row: list[str],
    header: list[str],
    columns: Mapping[str, int],
    mapping: ColumnMap,
    source: CsvImportSource,
    tz: ZoneInfo,
    provenance: Provenance,
) -> Post:
    if len(row) > len(header):
        raise ValueError(f"{len(row)} cells but the header has {len(header)} columns")

    def cell(field: str) -> str:
        index = columns.get(field)
        return row[index] if index is not None and index < len(row) else ""

    title = normalise_whitespace(cell("title"))
    body = normalise_whitespace(cell("text"))
    text = f"{title}\n\n{body}" if title and body and title not in body else (body or title)
    if not text:
        raise ValueError("the text is empty")
    if not cell("created_at").strip():
        raise ValueError("the date is empty")
    created_at = parse_time(cell("created_at"), tz)
    raw_url = cell("url").strip()
    url = safe_url(raw_url) if raw_url else None
    if raw_url and not url:
        raise ValueError(f"the link {raw_url[:80]!r} is not an http(s) URL")
    metrics: dict[str, int | None] = {}
    for name in Metrics.names():
        try:
            metrics[name] = _number(cell(name))
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    identifier = cell("id").strip()
    if not identifier:
        if mapping.id_required:
            raise ValueError("the post id is empty")
        basis = url or f"{created_at.isoformat()}\n{text}"
        identifier = "sha256:" + hashlib.sha256(basis.encode()).hexdigest()
    if len(identifier) > 500:
        raise ValueError("the post id is longer than 500 characters")
    return Post(
        source=source.name,
        source_id=identifier,
        channel=source.channel,
        text=text,
        provenance=provenance,
        url=url,
        author=normalise_whitespace(cell("author"))[:200] or None,
        created_at=created_at,
        is_official=source.official,
        metrics=Metrics(**metrics),
        raw={header[i]: value for i, value in enumerate(row) if i < len(header)},
    )


def _cursor_with(cursor: Mapping[str, Any], digest: str, record: dict[str, Any]) -> dict:
    imports = dict(cursor.get("imports") or {})
    imports.setdefault(digest, record)
    return {**cursor, "imports": imports}


def import_csv(db: Database, settings: AppSettings, source_name: str, path: Path) -> ImportResult:
    """Validate ``path`` and store it whole, or raise :class:`ImportRejected` storing nothing."""
    source = settings.source(source_name)
    if not isinstance(source, CsvImportSource):
        raise ImportRejected(
            f"source {source_name!r} is a {source.kind} source; imports go to a csv_import source"
        )
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    posts = parse_file(data, name=path.name, source=source, tz=ZoneInfo(source.timezone))
    sync_sources(db, [source])
    cursor = load_cursor(db, source.name)
    known = digest in (cursor.get("imports") or {})
    record = {"file": path.name, "rows": len(posts), "at": datetime.now(UTC).isoformat()}
    result: SaveResult = save_batch(
        db, source.name, Batch(tuple(posts), _cursor_with(cursor, digest, record), requests=0)
    )
    return ImportResult(
        path.name,
        digest,
        len(posts),
        result.new,
        result.updated,
        result.unchanged,
        known,
        tuple(result.changed_ids),
        tuple(result.metrics_changed_ids),
    )


class CsvImportCollector:
    """Imports new *.csv files from the source's ``inbox`` folder on each poll.

    Each file is one batch (one transaction). A rejected file is remembered by its
    SHA-256 so it is reported once, not on every poll; the other files go on.
    """

    kind = "csv_import"

    def __init__(self, source: CsvImportSource, http: HttpClient, *, zone: tzinfo) -> None:
        self.source = source
        # An export says which zone it writes (the source's own `timezone`): that zone,
        # not the Department's (``zone``), reads its times without an offset.
        self.tz = ZoneInfo(source.timezone)

    def collect(self, cursor: Mapping[str, Any]) -> Iterator[Batch]:
        if not self.source.inbox:
            return  # imported by hand with `rumordesk import`
        folder = Path(self.source.inbox)
        if not folder.is_dir():
            raise ImportRejected(f"inbox folder {folder} does not exist")
        failures: list[ImportRejected] = []
        for path in sorted(folder.glob("*.csv")):
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if digest in (cursor.get("imports") or {}) or digest in (cursor.get("rejected") or {}):
                continue
            try:
                posts = parse_file(data, name=path.name, source=self.source, tz=self.tz)
            except ImportRejected as exc:
                failures.append(exc)
                rejected = {**(cursor.get("rejected") or {}), digest: path.name}
                cursor = {**cursor, "rejected": rejected}
                yield Batch((), cursor, requests=0)
                continue
            record = {"file": path.name, "rows": len(posts), "at": datetime.now(UTC).isoformat()}
            cursor = _cursor_with(cursor, digest, record)
            yield Batch(tuple(posts), cursor, requests=0)
        if failures:
            raise failures[0]
