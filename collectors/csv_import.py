"""CSV exports of channels without a usable API: Nextdoor, Facebook/Instagram, spreadsheets.

A file is read in two streaming passes, with memory bounded whatever its size:

1. *check* (:func:`check_file`): the size is checked before anything is read; the encoding
   is recognised from the first bytes (UTF-8 with or without BOM, or UTF-16 with a BOM;
   UTF-16 without a BOM, UTF-32 and text that is not UTF-8 are named as such); every row
   is parsed and validated, and every problem — a bad value, a quote never closed, a
   cell too long, a repeated id — is listed with its row number. One bad row rejects the
   whole file, and nothing is stored.
2. *store* (:func:`import_csv`): the file is read again and its posts go through
   :func:`store.posts.save_batch` in chunks of :data:`WRITE_CHUNK`, all in one transaction
   (:mod:`store.transaction`) with the cursor that marks the file imported, the notes
   that its posts must be scored, and the import's audit entry — all or nothing, even if
   the process is killed. A file that changed between the passes is refused.

Each post is keyed by its id in the export, so importing the same file again changes
nothing. Cells are kept as text: a cell such as ``=HYPERLINK(…)`` is stored as those
characters (exports escape it; see :mod:`reports.tables`); control characters (a NUL)
are taken out of every value but the raw row. Row numbers are the spreadsheet's: the
header is row 1, and a blank line is a row.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import pickle
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from rumordesk.base.config import AppSettings
from rumordesk.base.source_settings import CsvImportSource
from rumordesk.base.times import parse_time
from rumordesk.base.urls import safe_url
from rumordesk.collectors.errors import CollectorError
from rumordesk.collectors.http import HttpClient
from rumordesk.collectors.text import normalise_whitespace, strip_controls
from rumordesk.store.db import Database
from rumordesk.store.posts import SaveResult, save_batch
from rumordesk.store.records import Batch, Metrics, Post, Provenance
from rumordesk.store.sources import load_cursor, sync_sources
from rumordesk.store.transaction import one_transaction

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
#: Reasons listed in the error; the count of the rest follows.
MAX_REASONS = 25
#: Posts per ``save_batch`` call while a file is stored (all in one transaction for
#: ``rumordesk import``; one transaction each from an inbox folder).
WRITE_CHUNK = 2_000
#: Bytes looked at to recognise the encoding.
_SNIFF = 4096
_METRICS = Metrics.names()


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


@dataclass(frozen=True, slots=True)
class CheckedFile:
    """A file every row of which is valid (:func:`check_file`): what storing it needs."""

    name: str
    sha256: str
    #: Data rows (not the header, not blank lines).
    rows: int
    #: Distinct posts (a row repeating an earlier one exactly is stored once).
    posts: int


class _Spool:
    """The checked posts, kept on disk between the check and the write: the file is read
    once, memory stays bounded, and what is stored is exactly what was checked. A private
    temporary file (no name on disk), pickled by this process and read back only by it;
    a post goes in as a plain tuple of what differs from row to row (pickling the
    dataclasses themselves costs as much as parsing the row)."""

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by __exit__
        self._pending: list[tuple[Any, ...]] = []
        self._shared: tuple[str, str, bool, Provenance] | None = None

    def add(self, post: Post) -> None:
        self._shared = (post.source, post.channel, post.is_official, post.provenance)
        metrics = post.metrics
        self._pending.append(
            (
                post.source_id,
                post.text,
                post.url,
                post.author,
                post.created_at,
                post.lang,
                tuple(getattr(metrics, name) for name in _METRICS),
                post.raw,
            )
        )
        if len(self._pending) >= WRITE_CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            pickle.dump(tuple(self._pending), self.file, protocol=pickle.HIGHEST_PROTOCOL)
            self._pending.clear()

    def chunks(self) -> Iterator[tuple[Post, ...]]:
        """The posts in chunks of at most :data:`WRITE_CHUNK`, in the file's order."""
        self._flush()
        self.file.seek(0)
        if self._shared is None:
            return
        source, channel, official, provenance = self._shared
        while True:
            try:
                rows = pickle.load(self.file)  # noqa: S301 - our own private temporary file
            except EOFError:
                return
            yield tuple(
                Post(
                    source=source,
                    source_id=source_id,
                    channel=channel,
                    text=text,
                    provenance=provenance,
                    url=url,
                    author=author,
                    created_at=created_at,
                    lang=lang,
                    is_official=official,
                    metrics=Metrics(*metrics),
                    raw=raw,
                )
                for source_id, text, url, author, created_at, lang, metrics, raw in rows
            )

    def __enter__(self) -> _Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()


def _encoding(head: bytes, name: str) -> str:
    """The file's encoding from its first bytes; what cannot be imported is named."""
    save_as = "; save it as 'CSV UTF-8' and import again"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise ImportRejected(f"{name}: UTF-32 text{save_as}")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.count(0):
        pairs = max(len(head) // 2, 1)
        even, odd = head[0::2].count(0), head[1::2].count(0)
        quads = max(len(head) // 4, 1)
        if sum(head[i::4].count(0) for i in (1, 2, 3)) > 2.4 * quads or (
            sum(head[i::4].count(0) for i in (0, 1, 2)) > 2.4 * quads
        ):
            raise ImportRejected(f"{name}: UTF-32 text without a byte-order mark{save_as}")
        if max(even, odd) > 0.3 * pairs and min(even, odd) < 0.05 * pairs:
            raise ImportRejected(f"{name}: UTF-16 text without a byte-order mark{save_as}")
    return "utf-8"


class _Counted(io.RawIOBase):
    """The file's bytes as they are read: hashed, counted, and refused past the cap (a file
    still growing while it is imported)."""

    def __init__(self, raw: IO[bytes], name: str) -> None:
        self.raw = raw
        self.name_ = name
        self.sha256 = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        self.size += len(data)
        if self.size > MAX_FILE_BYTES:
            raise ImportRejected(f"{self.name_}: more than {MAX_FILE_BYTES:,} bytes; refused")
        self.sha256.update(data)
        buffer[: len(data)] = data
        return len(data)


class _CsvFile:
    """The records of a CSV file, decoded as they are read, with their row numbers."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name
        self.sha256 = ""
        #: The row being read (a decoding error names it).
        self._row = 0

    def records(self) -> Iterator[tuple[int, list[str] | None, str | None]]:
        """(row number, cells, None), or (row number, None, the problem) for a record that
        is not readable CSV; every record is a row, blank ones too."""
        with self.path.open("rb") as handle:
            encoding = _encoding(handle.read(_SNIFF), self.name)
            handle.seek(0)
            counted = _Counted(handle, self.name)
            binary = io.BufferedReader(counted, buffer_size=256 * 1024)
            lines = self._lines(binary, encoding)
            first = next(lines, None)
            if first is None:
                self.sha256 = counted.sha256.hexdigest()
                return
            # A tab-separated export (Excel's "Unicode text") is read as such.
            dialect = "excel-tab" if "\t" in first and "," not in first else "excel"
            reader = csv.reader(itertools.chain([first], lines), dialect=dialect, strict=True)
            while True:
                start = reader.line_num + 1
                self._row += 1
                try:
                    cells = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    yield self._row, None, _csv_problem(exc, self._row, start, reader.line_num)
                    continue
                yield self._row, cells, None
            self.sha256 = counted.sha256.hexdigest()

    def _lines(self, binary: io.BufferedReader, encoding: str) -> Iterator[str]:
        if encoding == "utf-16":
            text = io.TextIOWrapper(binary, encoding="utf-16", newline="")
            try:
                yield from text
            except UnicodeDecodeError:
                raise ImportRejected(
                    f"{self.name}: not valid UTF-16 text, in row {self._row}; save it as "
                    "'CSV UTF-8' and import again"
                ) from None
            return
        for number, raw in enumerate(binary, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            try:
                # UTF-8 never puts a newline byte inside a character: each line decodes alone.
                yield raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ImportRejected(_not_utf8(self.name, raw, exc, number, self._row)) from None


def _not_utf8(name: str, line: bytes, exc: UnicodeDecodeError, number: int, row: int) -> str:
    guess = ""
    try:
        line.decode("cp1252")
        guess = " (it looks like Windows-1252: Excel's plain 'CSV')"
    except UnicodeDecodeError:
        pass
    return (
        f"{name}: not UTF-8 text (byte 0x{line[exc.start]:02x} on line {number}), in row "
        f"{row}{guess}; export or save it as 'CSV UTF-8' and import again"
    )


def _csv_problem(exc: csv.Error, row: int, start: int, line: int) -> str:
    message = str(exc)
    where = f"row {row} (line {start})" if line <= start else f"row {row} (lines {start}-{line})"
    if "unexpected end of data" in message:
        return f"{where}: a quoted cell opened here is never closed (the file ends inside it)"
    if "field larger than field limit" in message:
        return (
            f"{where}: a cell longer than {csv.field_size_limit():,} characters "
            "(often a quote that is never closed)"
        )
    return f"{where}: not readable as CSV ({message})"


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


def _parsed_rows(
    stream: _CsvFile, source: CsvImportSource, tz: ZoneInfo
) -> Iterator[tuple[int, Post | None, str | None]]:
    """Each data row as (row number, its post, None) or (row number, None, the problem);
    the header and blank rows are read, not yielded. Once it is exhausted, the stream
    knows the file's SHA-256."""
    name = stream.name
    mapping = MAPPINGS[source.format]
    provenance = Provenance.now(None, f"{source.kind}:{source.format}")
    header: list[str] | None = None
    columns: dict[str, int] = {}
    for number, cells, problem in stream.records():
        if problem is not None:
            yield number, None, problem
            continue
        assert cells is not None
        if not any(cell.strip() for cell in cells):
            continue  # a blank line: a row of the spreadsheet, but no post
        if header is None:
            header = [normalise_whitespace(h).lower() for h in cells]
            columns = _columns(header, mapping, name)
            continue
        try:
            yield number, _row_post(cells, header, columns, mapping, source, tz, provenance), None
        except ValueError as exc:
            yield number, None, f"row {number}: {exc}"
    if header is None:
        raise ImportRejected(f"{name}: the file has no header row")


def check_file(
    path: Path,
    *,
    source: CsvImportSource,
    tz: ZoneInfo,
    spool: _Spool | None = None,
    name: str | None = None,
) -> CheckedFile:
    """Validate every row of ``path`` in one streaming pass, or raise :class:`ImportRejected`
    listing every bad row. In memory only each id's first row (to find repeats); the
    posts go to ``spool``, to be stored once the whole file is known to be good."""
    name = name or path.name
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ImportRejected(f"{name}: {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
    problems: list[str] = []
    bad = 0
    rows = 0
    first_row: dict[str, tuple[int, bytes]] = {}
    posts = 0
    stream = _CsvFile(path, name)
    for number, post, problem in _parsed_rows(stream, source, tz):
        rows += 1
        if rows > MAX_ROWS:
            raise ImportRejected(f"{name}: more than {MAX_ROWS:,} rows; at most {MAX_ROWS:,}")
        if post is not None:
            fingerprint = _fingerprint(post)
            seen = first_row.get(post.source_id)
            if seen is None:
                first_row[post.source_id] = (number, fingerprint)
                posts += 1
                if spool is not None and not bad:
                    spool.add(post)
                continue
            if seen[1] == fingerprint:
                continue  # the same post twice: stored once
            problem = (
                f"row {number}: id {post.source_id!r} is also on row {seen[0]} with other content"
            )
        bad += 1
        if len(problems) < MAX_REASONS:
            problems.append(problem or f"row {number}: unreadable")
    if bad:
        more = bad - len(problems)
        tail = f"; and {more} more" if more else ""
        raise ImportRejected(
            f"{name}: not imported, {bad} bad row(s) of {rows}: " + "; ".join(problems) + tail
        )
    return CheckedFile(name, stream.sha256, rows, posts)


def _fingerprint(post: Post) -> bytes:
    created = post.created_at.isoformat() if post.created_at else ""
    return hashlib.blake2b(f"{post.text}\x1f{created}".encode(), digest_size=16).digest()


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
        """The cell without control characters (a NUL in an export is no part of a value)."""
        index = columns.get(field)
        return strip_controls(row[index]) if index is not None and index < len(row) else ""

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
    for name in _METRICS:
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
        author=_author(cell("author")),
        created_at=created_at,
        is_official=source.official,
        metrics=Metrics(**metrics),
        raw={header[i]: value for i, value in enumerate(row) if i < len(header)},
    )


def _author(value: str) -> str | None:
    return (normalise_whitespace(value)[:200] or None) if value else None


def _cursor_with(cursor: Mapping[str, Any], digest: str, record: dict[str, Any]) -> dict:
    imports = dict(cursor.get("imports") or {})
    imports.setdefault(digest, record)
    return {**cursor, "imports": imports}


#: Writes what must commit with an import's posts (the audit entry), given its result.
InTransaction = Callable[[Connection, "ImportResult"], object]


def import_csv(
    db: Database,
    settings: AppSettings,
    source_name: str,
    path: Path,
    *,
    in_transaction: InTransaction | None = None,
) -> ImportResult:
    """Validate ``path`` and store it whole, or raise :class:`ImportRejected` storing nothing.

    The posts, their notes in the scoring outbox, the cursor that marks the file imported
    and whatever ``in_transaction`` writes (the import's audit entry) commit together.
    """
    source = settings.source(source_name)
    if not isinstance(source, CsvImportSource):
        raise ImportRejected(
            f"source {source_name!r} is a {source.kind} source; imports go to a csv_import source"
        )
    with _Spool() as spool:
        checked = check_file(path, source=source, tz=ZoneInfo(source.timezone), spool=spool)
        return _store(db, source, checked, spool, in_transaction)


def _store(
    db: Database,
    source: CsvImportSource,
    checked: CheckedFile,
    spool: _Spool,
    in_transaction: InTransaction | None,
) -> ImportResult:
    sync_sources(db, [source])
    now = datetime.now(UTC)
    total = SaveResult()
    with one_transaction(db) as joined:
        cursor = load_cursor(joined, source.name)
        known = checked.sha256 in (cursor.get("imports") or {})
        record = {"file": checked.name, "rows": checked.rows, "at": now.isoformat()}
        marked = _cursor_with(cursor, checked.sha256, record)
        for chunk in spool.chunks():
            total.add(save_batch(joined, source.name, Batch(chunk, marked, requests=0), now=now))
        result = ImportResult(
            checked.name,
            checked.sha256,
            checked.rows,
            total.new,
            total.updated,
            total.unchanged,
            known,
            tuple(total.changed_ids),
            tuple(total.metrics_changed_ids),
        )

        def finish(connection: Connection, _saved: SaveResult) -> None:
            if in_transaction is not None:
                in_transaction(connection, result)

        # The last write of the transaction: the cursor once more, and the audit entry.
        save_batch(
            joined, source.name, Batch((), marked, requests=0), now=now, in_transaction=finish
        )
    return result


class CsvImportCollector:
    """Imports new *.csv files from the source's ``inbox`` folder on each poll.

    Each file is checked whole first (a bad one stores nothing and is remembered by its
    SHA-256, or its size for one over the limit, so it is reported once, not on every
    poll); a good one is stored in batches of :data:`WRITE_CHUNK`, the last of which marks
    it imported, so a poll stopped midway imports it again (keyed by id: nothing twice).
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
            key = _file_key(path)
            if key in (cursor.get("imports") or {}) or key in (cursor.get("rejected") or {}):
                continue
            with _Spool() as spool:
                try:
                    checked = check_file(path, source=self.source, tz=self.tz, spool=spool)
                except ImportRejected as exc:
                    failures.append(exc)
                    rejected = {**(cursor.get("rejected") or {}), key: path.name}
                    cursor = {**cursor, "rejected": rejected}
                    yield Batch((), cursor, requests=0)
                    continue
                now = datetime.now(UTC).isoformat()
                marked = _cursor_with(
                    cursor, key, {"file": path.name, "rows": checked.rows, "at": now}
                )
                chunks = spool.chunks()
                chunk = next(chunks, ())
                for following in chunks:  # every batch but the last leaves the file unmarked
                    yield Batch(chunk, cursor, requests=0)
                    chunk = following
                cursor = marked
                yield Batch(chunk, cursor, requests=0)
        if failures:
            raise failures[0]


def _file_key(path: Path) -> str:
    """The file's SHA-256 (read in pieces), or, for a file over the limit that will not be
    read at all, its name, size and time."""
    status = path.stat()
    if status.st_size > MAX_FILE_BYTES:
        return f"oversize:{path.name}:{status.st_size}:{status.st_mtime_ns}"
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()
