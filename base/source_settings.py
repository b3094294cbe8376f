"""The sources Rumor Desk may collect: one settings class per kind, and the union that
each ``[[sources]]`` block of ``config.toml`` is read into by its ``kind``.

Each class checks its own fields (handles, ids, URLs, queries that name people); what holds
for every kind at once — collection bound to a purpose, never to a person — is checked by
:func:`rumordesk.base.guardrails.collection_problems` from
:class:`rumordesk.base.config.AppSettings`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from rumordesk.base.guardrails import user_targeting_operators
from rumordesk.base.settings_base import Settings, http_url, is_placeholder
from rumordesk.base.times import known_timezone


class SourceBase(Settings):
    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
    enabled: bool = True
    #: The Department's own channel: its posts are official and count in the weekly report.
    official: bool = False
    #: Where the posts appear to the public: website, nixle, youtube, reddit, google_news…
    channel: Annotated[str, Field(pattern=r"^[a-z0-9_]{1,32}$")]
    #: Why this source is collected; required for every keyword search.
    purpose: str | None = None
    #: Overrides [collect].interval_seconds for this source.
    interval_seconds: Annotated[int, Field(ge=1)] | None = None
    #: Overrides [collect].source_deadline_seconds: how long one poll of it may take.
    deadline_seconds: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _placeholders_only_when_disabled(self) -> SourceBase:
        if self.enabled:
            for key, value in self:
                values = value if isinstance(value, tuple) else (value,)
                if any(is_placeholder(v) for v in values):
                    raise ValueError(
                        f"{key} is still a placeholder ({value!r}); "
                        "fill it in or set enabled = false"
                    )
        return self

    @property
    def is_search(self) -> bool:
        return False

    @property
    def reads_threads(self) -> bool:
        """Reads replies under the Department's posts (base/guardrails.py: THREAD_FIELDS)."""
        return False


#: A host name or an IP address, as a redirect's target is compared with it.
_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|[0-9a-f:.]+")


class _HttpSource(SourceBase):
    #: Other hosts this source's redirects may lead to (its own host always may); a
    #: redirect anywhere else is refused and shown in source health.
    redirect_hosts: tuple[str, ...] = ()

    @field_validator("redirect_hosts")
    @classmethod
    def _hosts(cls, hosts: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(host.strip().lower().strip("[]") for host in hosts)
        for host in cleaned:
            if not _HOST.fullmatch(host):
                raise ValueError(f"{host!r} is not a host name (no scheme, port or path)")
        return cleaned


class FeedSource(_HttpSource):
    """One RSS/Atom feed: the city website, Nixle, Pinterest, a Mastodon tag…"""

    kind: Literal["feed"]
    url: str

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return http_url(value)


class FeedSearchSource(_HttpSource):
    """A keyword search served as RSS (Google News, Reddit search): one feed per query."""

    kind: Literal["feed_search"]
    #: URL with a ``{query}`` slot, filled with each query URL-encoded.
    url_template: str
    queries: Annotated[tuple[str, ...], Field(min_length=1)]
    purpose: Annotated[str, Field(min_length=10)]

    @field_validator("url_template")
    @classmethod
    def _template(cls, value: str) -> str:
        if is_placeholder(value):
            return value
        if "{query}" not in value:
            raise ValueError("must contain a {query} slot")
        http_url(value.replace("{query}", "q"), allow_placeholder=False)
        return value

    @field_validator("queries")
    @classmethod
    def _no_people(cls, queries: tuple[str, ...]) -> tuple[str, ...]:
        for query in queries:
            if found := user_targeting_operators(query):
                raise ValueError(
                    f"query {query!r} targets individuals ({', '.join(found)}); searches may "
                    "name places, events and topics, never people or accounts"
                )
        return queries

    @property
    def is_search(self) -> bool:
        return True


class YouTubeSource(_HttpSource):
    """A YouTube channel's public feed; views and likes become metrics."""

    kind: Literal["youtube"]
    channel: str = "youtube"
    channel_id: str
    feed_url_template: str = "https://www.youtube.com/feeds/videos.xml?channel_id={channel_id}"

    @field_validator("channel_id")
    @classmethod
    def _channel_id(cls, value: str) -> str:
        if not is_placeholder(value) and not re.fullmatch(r"UC[A-Za-z0-9_-]{22}", value):
            raise ValueError(f"expected a channel id like 'UC' + 22 characters, got {value!r}")
        return value

    @property
    def url(self) -> str:
        return self.feed_url_template.format(channel_id=self.channel_id)


#: An X (Twitter) handle, with or without the @.
_X_HANDLE = re.compile(r"@?[A-Za-z0-9_]{1,15}")
#: A Bluesky handle (a domain name) or a DID.
_BSKY_ACTOR = re.compile(r"(did:[a-z]+:[A-Za-z0-9._:%-]+|@?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)")


def _handles(values: tuple[str, ...], pattern: re.Pattern[str], what: str) -> tuple[str, ...]:
    for value in values:
        if not is_placeholder(value) and not pattern.fullmatch(value):
            raise ValueError(f"expected {what}, got {value!r}")
    return values


def _any_of(words: tuple[str, ...]) -> str:
    """``(a OR "b c")``: phrases quoted, a single word left bare."""
    quoted = [w if (w.startswith('"') or not re.search(r"\s", w)) else f'"{w}"' for w in words]
    return quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")"


class _ReadBudget(Settings):
    """X bills per post read: a cap per run and per (UTC) day, shown by `rumordesk sources`."""

    max_reads_per_run: Annotated[int, Field(ge=10)] = 500
    max_reads_per_day: Annotated[int, Field(ge=10)] = 3000


class XTimelineSource(_ReadBudget, SourceBase):
    """The Department's own X accounts (get_users_tweets), with engagement kept current."""

    kind: Literal["x_timeline"]
    channel: str = "x"
    official: bool = True
    accounts: Annotated[tuple[str, ...], Field(min_length=1)]
    #: On the first run, read this many days back (later runs read only what is new).
    backfill_days: Annotated[int, Field(ge=1, le=30)] = 7
    #: Posts this recent get their metrics re-read, so engagement snapshots grow.
    refresh_days: Annotated[float, Field(ge=0, le=30)] = 7.0
    #: At most this often (seconds) the metrics of recent posts are re-read.
    refresh_every_seconds: Annotated[int, Field(ge=60)] = 3600
    page_size: Annotated[int, Field(ge=5, le=100)] = 100

    @field_validator("accounts")
    @classmethod
    def _accounts(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return _handles(values, _X_HANDLE, "an X handle like @SantaClaraPD")


class XSearchSource(_ReadBudget, SourceBase):
    """A local keyword search on X (search_recent_tweets), built from terms and places."""

    kind: Literal["x_search"]
    channel: str = "x"
    purpose: Annotated[str, Field(min_length=10)]
    #: What happened: each query asks for (term OR term …).
    terms: Annotated[tuple[str, ...], Field(min_length=1)]
    #: Where: (place OR place …); long lists are split over several queries.
    places: tuple[str, ...] = ()
    #: Language filters (lang:en OR lang:es); empty means any language.
    langs: tuple[str, ...] = ("en",)
    #: Further complete queries, checked by the same guardrail.
    queries: tuple[str, ...] = ()
    max_reads_per_run: Annotated[int, Field(ge=10)] = 300
    max_reads_per_day: Annotated[int, Field(ge=10)] = 2000
    page_size: Annotated[int, Field(ge=10, le=100)] = 100
    #: X's limit on one query (512 on the basic and pro tiers).
    max_query_length: Annotated[int, Field(ge=64, le=4096)] = 512

    def search_queries(self) -> tuple[str, ...]:
        """The queries sent to X: (terms) (places) -is:retweet (langs), split so each fits."""
        terms = _any_of(self.terms)
        tail = " -is:retweet" + (
            f" {_any_of(tuple(f'lang:{x}' for x in self.langs))}" if self.langs else ""
        )
        built: list[str] = []
        chunk: list[str] = []
        for place in self.places:
            candidate = f"{terms} {_any_of((*chunk, place))}{tail}"
            if chunk and len(candidate) > self.max_query_length:
                built.append(f"{terms} {_any_of(tuple(chunk))}{tail}")
                chunk = []
            chunk.append(place)
        built.append(f"{terms} {_any_of(tuple(chunk))}{tail}" if chunk else f"{terms}{tail}")
        built += [q if "is:retweet" in q else q + " -is:retweet" for q in self.queries]
        for query in built:
            if len(query) > self.max_query_length:
                raise ValueError(
                    f"query {query[:60]!r}… is {len(query)} characters; X allows "
                    f"{self.max_query_length} (use fewer terms or shorter places)"
                )
        return tuple(built)

    @model_validator(mode="after")
    def _queries_fit(self) -> XSearchSource:
        if not self.enabled:
            return self
        self.search_queries()
        return self

    @property
    def is_search(self) -> bool:
        return True


class _GraphSource(_HttpSource):
    #: Graph API version, e.g. "v24.0" (Meta retires versions about two years after release).
    api_version: Annotated[str, Field(pattern=r"^v\d+\.\d+$")] = "v24.0"
    graph_url: str = "https://graph.facebook.com"
    #: Every run re-reads the posts of this many days, so their engagement stays current.
    days: Annotated[int, Field(ge=1, le=90)] = 7
    page_size: Annotated[int, Field(ge=1, le=100)] = 25
    max_pages: Annotated[int, Field(ge=1, le=100)] = 20

    @field_validator("graph_url")
    @classmethod
    def _graph_url(cls, value: str) -> str:
        return http_url(value, allow_placeholder=False)


class FacebookPageSource(_GraphSource):
    """The Department's Facebook Page: posts with reactions, comments, shares and views."""

    kind: Literal["facebook_page"]
    channel: str = "facebook"
    official: bool = True
    page_id: str
    #: The post-level "views" insight (impressions metrics were removed in November 2025);
    #: empty to read no insights.
    views_metric: str = "post_media_view"

    @field_validator("page_id")
    @classmethod
    def _page_id(cls, value: str) -> str:
        if not is_placeholder(value) and not re.fullmatch(r"\d{5,25}", value):
            raise ValueError(f"expected the Page's numeric id, got {value!r}")
        return value


class InstagramSource(_GraphSource):
    """The Department's Instagram professional account: media with likes, comments, insights."""

    kind: Literal["instagram"]
    channel: str = "instagram"
    official: bool = True
    ig_user_id: str
    #: Media insights to read (views replaced impressions and plays in 2025); may be empty.
    insights: tuple[str, ...] = ("views", "shares")

    @field_validator("ig_user_id")
    @classmethod
    def _ig_user_id(cls, value: str) -> str:
        if not is_placeholder(value) and not re.fullmatch(r"\d{5,25}", value):
            raise ValueError(f"expected the Instagram account's numeric id, got {value!r}")
        return value


class _BlueskySource(SourceBase):
    channel: str = "bluesky"
    #: The account that signs in (its app password is $RUMORDESK_BLUESKY_APP_PASSWORD).
    login: str
    service_url: str = "https://bsky.social"
    page_size: Annotated[int, Field(ge=1, le=100)] = 100
    max_posts_per_run: Annotated[int, Field(ge=1)] = 500

    @field_validator("login")
    @classmethod
    def _login(cls, value: str) -> str:
        return _handles((value,), _BSKY_ACTOR, "a Bluesky handle like scpd.bsky.social")[0]

    @field_validator("service_url")
    @classmethod
    def _service(cls, value: str) -> str:
        return http_url(value, allow_placeholder=False)


class BlueskySearchSource(_BlueskySource):
    """Local keywords on Bluesky (app.bsky.feed.searchPosts, newest first)."""

    kind: Literal["bluesky_search"]
    purpose: Annotated[str, Field(min_length=10)]
    queries: Annotated[tuple[str, ...], Field(min_length=1)]
    #: Only posts in this language (e.g. "en"); empty for any.
    lang: str = ""

    @field_validator("queries")
    @classmethod
    def _no_people(cls, queries: tuple[str, ...]) -> tuple[str, ...]:
        return FeedSearchSource._no_people(queries)

    @property
    def is_search(self) -> bool:
        return True


class BlueskyAuthorSource(_BlueskySource):
    """The Department's own Bluesky account (app.bsky.feed.getAuthorFeed)."""

    kind: Literal["bluesky_author"]
    official: bool = True
    actor: str
    #: Posts this recent are re-read each run so their counts stay current.
    refresh_days: Annotated[int, Field(ge=0, le=30)] = 7

    @field_validator("actor")
    @classmethod
    def _actor(cls, value: str) -> str:
        return _handles((value,), _BSKY_ACTOR, "a Bluesky handle or DID")[0]


class ImapSource(SourceBase):
    """A mailbox subscribed to the City's eNotify / Nixle alerts (IMAP over TLS)."""

    kind: Literal["imap"]
    channel: str = "enotify"
    official: bool = True
    host: str
    port: Annotated[int, Field(ge=1, le=65535)] = 993
    #: "tls" (IMAPS, port 993), "starttls" (port 143), or "none" — loopback only.
    security: Literal["tls", "starttls", "none"] = "tls"
    #: A CA bundle to trust instead of the system's (a self-hosted server's own CA).
    ca_file: str | None = None
    username: str
    mailbox: str = "INBOX"
    #: Only messages from these addresses or domains (empty: every message).
    senders: tuple[str, ...] = ()
    #: IMAP keyword set on each stored message; messages are never deleted or moved.
    processed_flag: Annotated[str, Field(pattern=r"^\$?[A-Za-z][A-Za-z0-9_]{0,40}$")] = (
        "$RumorDeskProcessed"
    )
    batch_size: Annotated[int, Field(ge=1, le=500)] = 50
    timeout: Annotated[float, Field(gt=0)] = 30.0

    @model_validator(mode="after")
    def _plaintext_only_on_loopback(self) -> ImapSource:
        if self.security == "none" and self.host not in ("127.0.0.1", "::1", "localhost"):
            raise ValueError("security = 'none' is allowed only for a server on loopback")
        return self


# --- replies and comments under the Department's own posts ----------------------------


class _ThreadSource(SourceBase):
    """Replies and comments under the Department's own posts, where rumours surface first
    during an incident. What is read is bound by the guardrails (base/guardrails.py): only
    threads under posts of an account that is the Department's, no search and no author
    list; the replies are the public's, stored as third-party posts (never official) and
    purged as such."""

    #: Threads under the Department's posts of this many days are read each run.
    days: Annotated[int, Field(ge=1, le=30)] = 3
    #: At most this many of the Department's posts have their threads read per run (the
    #: newest first; a thread is read again only when its reply count moved).
    max_threads_per_run: Annotated[int, Field(ge=1, le=500)] = 25
    #: At most this many replies are read from one thread per run.
    max_replies_per_thread: Annotated[int, Field(ge=1, le=5000)] = 500

    @model_validator(mode="after")
    def _never_official(self) -> _ThreadSource:
        if self.official:
            raise ValueError(
                "replies and comments are the public's, not the Department's own posts: "
                "official must be false"
            )
        return self

    @property
    def reads_threads(self) -> bool:
        return True


class FacebookCommentsSource(_ThreadSource, _GraphSource):
    """Comments under the Department's Facebook Page posts (Graph ``/{post-id}/comments``,
    with the Page token)."""

    kind: Literal["facebook_comments"]
    channel: str = "facebook"
    #: The Department's Page whose posts' comments are read.
    department_page_id: str
    page_size: Annotated[int, Field(ge=1, le=100)] = 100

    @field_validator("department_page_id")
    @classmethod
    def _page_id(cls, value: str) -> str:
        return FacebookPageSource._page_id(value)


class InstagramCommentsSource(_ThreadSource, _GraphSource):
    """Comments under the Department's Instagram media (Graph ``/{ig-media-id}/comments``)."""

    kind: Literal["instagram_comments"]
    channel: str = "instagram"
    #: The Department's Instagram professional account whose media's comments are read.
    department_ig_user_id: str
    page_size: Annotated[int, Field(ge=1, le=100)] = 50

    @field_validator("department_ig_user_id")
    @classmethod
    def _ig_user_id(cls, value: str) -> str:
        return InstagramSource._ig_user_id(value)


class XRepliesSource(_ReadBudget, _ThreadSource):
    """Replies in the conversations the Department's own X posts started
    (``conversation_id:`` searches over its recent posts, within the read budget)."""

    kind: Literal["x_replies"]
    channel: str = "x"
    #: The Department's X accounts whose conversations are read.
    department_accounts: Annotated[tuple[str, ...], Field(min_length=1)]
    #: X's recent search covers 7 days.
    days: Annotated[int, Field(ge=1, le=7)] = 3
    max_reads_per_run: Annotated[int, Field(ge=10)] = 200
    max_reads_per_day: Annotated[int, Field(ge=10)] = 1000
    page_size: Annotated[int, Field(ge=10, le=100)] = 100
    max_query_length: Annotated[int, Field(ge=64, le=4096)] = 512

    @field_validator("department_accounts")
    @classmethod
    def _accounts(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return _handles(values, _X_HANDLE, "an X handle like @SantaClaraPD")


class YouTubeCommentsSource(_ThreadSource):
    """Comments under the Department's YouTube videos (Data API v3 ``commentThreads``);
    needs an API key in $RUMORDESK_YOUTUBE_API_KEY."""

    kind: Literal["youtube_comments"]
    channel: str = "youtube"
    #: The Department's channel whose videos' comments are read.
    department_channel_id: str
    api_url: str = "https://www.googleapis.com/youtube/v3"
    page_size: Annotated[int, Field(ge=1, le=100)] = 100
    #: Recent uploads looked at per run (the channel's uploads playlist, newest first).
    max_videos: Annotated[int, Field(ge=1, le=50)] = 10

    @field_validator("department_channel_id")
    @classmethod
    def _channel_id(cls, value: str) -> str:
        return YouTubeSource._channel_id(value)

    @field_validator("api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        return http_url(value, allow_placeholder=False)


class BlueskyRepliesSource(_BlueskySource, _ThreadSource):
    """Replies under the Department's own Bluesky posts (``app.bsky.feed.getPostThread``)."""

    kind: Literal["bluesky_replies"]
    #: The Department's account whose posts' reply threads are read.
    department_actor: str
    #: How deep into a thread replies to replies are read.
    depth: Annotated[int, Field(ge=1, le=50)] = 6

    @field_validator("department_actor")
    @classmethod
    def _actor(cls, value: str) -> str:
        return _handles((value,), _BSKY_ACTOR, "a Bluesky handle or DID")[0]


class CsvImportSource(SourceBase):
    """Posts exported from a channel without a usable API, imported with `rumordesk import`."""

    kind: Literal["csv_import"]
    #: Which column mapping applies (see README: nextdoor, facebook, instagram, spreadsheet).
    format: Literal["nextdoor", "facebook", "instagram", "spreadsheet"]
    #: A folder the collector imports new *.csv files from on each poll (optional).
    inbox: str | None = None
    #: The zone of times the export writes without one (exports use the Page's local time).
    timezone: str = "America/Los_Angeles"

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return known_timezone(value)


SourceSettings = Annotated[
    FeedSource
    | FeedSearchSource
    | YouTubeSource
    | XTimelineSource
    | XSearchSource
    | FacebookPageSource
    | InstagramSource
    | BlueskySearchSource
    | BlueskyAuthorSource
    | ImapSource
    | CsvImportSource
    | FacebookCommentsSource
    | InstagramCommentsSource
    | XRepliesSource
    | YouTubeCommentsSource
    | BlueskyRepliesSource,
    Field(discriminator="kind"),
]

#: Every kind, in the order the "unknown kind" message lists them.
SOURCE_KINDS = (
    "feed",
    "feed_search",
    "youtube",
    "x_timeline",
    "x_search",
    "facebook_page",
    "instagram",
    "bluesky_search",
    "bluesky_author",
    "imap",
    "csv_import",
    "facebook_comments",
    "instagram_comments",
    "x_replies",
    "youtube_comments",
    "bluesky_replies",
)
