"""RSS and Atom: the city website, Nixle, Pinterest, Mastodon tags, Reddit and Google News.

One feed URL is one request and one :class:`Batch`. The body is fetched with the shared
HTTP helper (conditional GET, size cap), checked for hostile XML, and only then handed to
feedparser — as a stream, never as a string it could take for a path or a URL.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import logging
import re
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any
from urllib.parse import quote_plus

import feedparser

from rumordesk.base.source_settings import (
    FeedSearchSource,
    FeedSource,
    SourceBase,
    YouTubeSource,
)
from rumordesk.base.times import time_or_none
from rumordesk.base.urls import safe_url
from rumordesk.collectors.errors import (
    CollectorError,
    DeadlinePassed,
    FeedUnreadable,
    RateLimited,
)
from rumordesk.collectors.http import Fetched, HttpClient
from rumordesk.collectors.text import html_to_text, join_title_and_body, normalise_whitespace
from rumordesk.collectors.xml_guard import ensure_complete_xml, ensure_safe_xml
from rumordesk.store.records import Batch, Metrics, Post, Provenance

log = logging.getLogger(__name__)

#: The longest source_id the store keeps (``posts.source_id`` is ``String(500)``).
_MAX_ID = 500
_TEXT_XML = re.compile(r"text/(xml|[\w.+-]+\+xml)")
_BOMS = (
    codecs.BOM_UTF32_LE,
    codecs.BOM_UTF32_BE,
    codecs.BOM_UTF8,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
)


def parse_feed(fetched: Fetched) -> feedparser.FeedParserDict:
    """Parse a fetched body; recoverable damage is a warning, unrecoverable an error.

    feedparser gets no ``content-location``: it would resolve entry ids against it as well
    (Reddit's ``t3_abc`` would become a made-up URL that changes whenever the feed URL
    does, and every post would be stored again). Links are resolved against the fetched
    URL in :func:`entry_post` instead.
    """
    headers = {"content-type": _content_type(fetched)}
    try:
        ensure_safe_xml(fetched.body, origin=fetched.url, content_type=headers["content-type"])
        ensure_complete_xml(fetched.body, origin=fetched.url, content_type=headers["content-type"])
        parsed = feedparser.parse(
            io.BytesIO(fetched.body),
            response_headers=headers,
            # We keep plain text only (collectors.text) and resolve links ourselves, so
            # feedparser's HTML sanitiser and URI rewriter — its slowest passes — are off.
            resolve_relative_uris=False,
            sanitize_html=False,
        )
    except UnicodeError as exc:  # a charset whose codec always fails, e.g. "undefined"
        raise FeedUnreadable(f"{fetched.url}: the feed cannot be decoded ({exc})") from None
    problem = (
        f"{type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}"
        if parsed.bozo
        else "no RSS or Atom element"
    )
    if not parsed.entries and not parsed.get("version"):
        # An HTML error page, an empty body, JSON: not a feed, even when well-formed.
        raise FeedUnreadable(f"{fetched.url}: not a readable RSS/Atom feed ({problem})")
    if parsed.bozo:
        log.warning(
            "%s: malformed feed, %d entries recovered (%s)",
            fetched.url,
            len(parsed.entries),
            problem,
        )
    return parsed


def _content_type(fetched: Fetched) -> str:
    """The Content-Type for feedparser, corrected where feedparser would misread the body.

    A byte-order mark says how the file was written, so it outranks the header's charset
    (servers add ``charset=utf-8`` to every file). And ``text/xml`` without a charset means
    "as the document declares" (RFC 7303), not the us-ascii of the obsolete RFC 3023 that
    feedparser applies: nginx serves every ``.xml`` file so, and each UTF-8 feed with an
    accent in it would be logged as malformed on every poll.
    """
    content_type = fetched.headers.get("Content-Type") or "application/xml"
    media_type, _, params = content_type.partition(";")
    if fetched.body.startswith(_BOMS):
        params = ""
    if "charset" not in params.lower() and _TEXT_XML.fullmatch(media_type.strip().lower()):
        return "application/xml"
    return content_type if params else media_type.strip()


def entry_post(
    entry: Mapping[str, Any],
    *,
    source: SourceBase,
    feed: Mapping[str, Any],
    provenance: Provenance,
    zone: tzinfo,
    metrics: Metrics | None = None,
) -> Post | None:
    """Map one feed entry to a :class:`Post`; ``None`` for an entry with no text at all.
    A time without an offset is in ``zone`` (the Department's)."""
    base = provenance.url
    title = html_to_text(entry.get("title"))
    body = _entry_body(entry)
    text = join_title_and_body(title, body)
    if not text:
        return None
    url = safe_url(entry.get("link"), base)
    return Post(
        source=source.name,
        source_id=_entry_id(entry, url, text),
        channel=source.channel,
        text=text,
        provenance=provenance,
        url=url,
        author=normalise_whitespace(entry.get("author") or "")[:200] or None,
        created_at=_entry_time(entry, zone),
        lang=(entry.get("language") or feed.get("language") or None),
        is_official=source.official,
        metrics=metrics or Metrics(),
        raw=jsonable(entry),
    )


def _entry_body(entry: Mapping[str, Any]) -> str:
    contents = entry.get("content") or []
    for content in contents:
        if text := html_to_text(content.get("value")):
            return text
    return html_to_text(entry.get("summary"))


def _entry_id(entry: Mapping[str, Any], url: str | None, text: str) -> str:
    if identifier := (entry.get("id") or "").strip():
        return _fit_id(identifier)
    if url:
        return _fit_id(url)
    published = entry.get("published") or entry.get("updated") or ""
    return "sha256:" + hashlib.sha256(f"{published}\n{text}".encode()).hexdigest()


def _fit_id(identifier: str) -> str:
    """An id that fits the 500-character column and still tells long ids apart: a plain
    cut would merge two posts whose ids share a prefix (Google News guids run to 650)."""
    if len(identifier) <= _MAX_ID:
        return identifier
    digest = hashlib.sha256(identifier.encode()).hexdigest()
    return f"{identifier[: _MAX_ID - len(digest) - 8]}#sha256:{digest}"


def _entry_time(entry: Mapping[str, Any], zone: tzinfo) -> datetime | None:
    """The published (else updated) time. An ISO 8601 one is read by the one time rule
    (feedparser would take a time without an offset for UTC); any other form feedparser
    reads (RFC 822 dates, which carry their zone) is feedparser's, already in UTC."""
    for key in ("published", "updated"):
        if moment := time_or_none(entry.get(key), zone):
            return moment
        if parsed := entry.get(f"{key}_parsed"):
            try:
                return datetime(*parsed[:6], tzinfo=UTC)
            except (TypeError, ValueError):
                return None
    return None


def jsonable(value: Any) -> Any:
    """feedparser's dicts as plain JSON data (struct_time becomes an ISO string)."""
    if isinstance(value, time.struct_time):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", value)
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return json.loads(json.dumps(value, default=str))


class FeedCollector:
    """Collects one feed URL per request with conditional GET."""

    kind = "feed"

    def __init__(
        self, source: FeedSource | YouTubeSource, http: HttpClient, *, zone: tzinfo
    ) -> None:
        self.source = source
        self.http = http
        self.zone = zone

    def feed_urls(self) -> list[str]:
        return [self.source.url]

    def collect(self, cursor: Mapping[str, Any]) -> Iterator[Batch]:
        """One batch per feed URL. A URL that fails does not stop the source's other URLs;
        the first failure is raised once they are done (a 429 stops at once: same host)."""
        validators: dict[str, Any] = dict(cursor.get("validators", {}))
        urls = self.feed_urls()
        failures: list[CollectorError] = []
        for url in urls:
            try:
                fetched = self.http.get(url, validators=validators.get(url))
                posts: tuple[Post, ...] = ()
                if not fetched.not_modified:
                    posts = tuple(self.posts_from(fetched))
            except RateLimited:
                raise
            except DeadlinePassed as exc:  # the source's time is up: no other URL is tried
                if failures:
                    before = f"{len(failures)} feed(s) failed before; first: {failures[0]}"
                    exc.args = (f"{exc} ({before})",)
                raise
            except CollectorError as exc:
                failures.append(exc)
                continue
            validators[url] = fetched.validators or validators.get(url, {})
            yield Batch(posts, {**cursor, "validators": dict(validators)})
        if failures:
            first = failures[0]
            if len(urls) > 1:
                first.args = (f"{len(failures)} of {len(urls)} feeds failed; first: {first}",)
            raise first

    def posts_from(self, fetched: Fetched) -> Iterator[Post]:
        parsed = parse_feed(fetched)
        provenance = Provenance.now(fetched.url, self.kind)
        for entry in parsed.entries:
            post = entry_post(
                entry,
                source=self.source,
                feed=parsed.feed,
                provenance=provenance,
                zone=self.zone,
                metrics=self.metrics(entry),
            )
            if post is not None:
                yield post

    def metrics(self, entry: Mapping[str, Any]) -> Metrics:
        return Metrics()


class FeedSearchCollector(FeedCollector):
    """A keyword search served as a feed: one URL per configured query."""

    kind = "feed_search"
    source: FeedSearchSource  # type: ignore[assignment]

    def __init__(  # type: ignore[override]
        self, source: FeedSearchSource, http: HttpClient, *, zone: tzinfo
    ) -> None:
        self.source = source
        self.http = http
        self.zone = zone

    def feed_urls(self) -> list[str]:
        return [self.source.url_template.format(query=quote_plus(q)) for q in self.source.queries]
