"""Typed, frozen settings read from ``config.toml``.

Everything the operator can change lives in one TOML file; this module turns it into frozen
pydantic models and refuses, at start-up, anything it does not understand: unknown keys,
wrong types, missing values, searches without a stated purpose, searches that target
people, placeholders left in an enabled source, and secrets written into the file.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from rumordesk.base.errors import ConfigError
from rumordesk.base.guardrails import collection_problems, user_targeting_operators
from rumordesk.base.urls import is_http_url

DEFAULT_CONFIG = Path("config.toml")
CONFIG_ENV = "RUMORDESK_CONFIG"
DATABASE_URL_ENV = "RUMORDESK_DATABASE_URL"
#: ``sqlite:///relative/path`` or ``sqlite+driver:///relative/path`` (four slashes is absolute).
_RELATIVE_SQLITE = re.compile(r"^(?P<prefix>sqlite(\+\w+)?:///)(?P<path>[^/].*)$")

#: Marks a value an operator must fill in before enabling the source, e.g. "<FILL IN: …>".
PLACEHOLDER = re.compile(r"<\s*FILL[ _-]?IN\b[^>]*>", re.IGNORECASE)
#: Key names that hold credentials; they belong in the environment, never in config.toml.
SECRET_KEY = re.compile(r"(token|password|passwd|secret|api_?key|app_?password|credential)", re.I)


class Settings(BaseModel):
    """Base for every settings block: frozen, and unknown keys are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class DepartmentSettings(Settings):
    name: str = "Santa Clara Police Department"
    timezone: str = "America/Los_Angeles"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
            raise ValueError(f"unknown IANA timezone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class StorageSettings(Settings):
    #: SQLAlchemy URL; a relative SQLite path is taken relative to the config file.
    database_url: str = "sqlite:///data/rumordesk.db"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        try:
            make_url(value)
        except ArgumentError:
            raise ValueError(
                "not a database URL (e.g. sqlite:///data/rumordesk.db or "
                "postgresql+psycopg://host/rumordesk)"
            ) from None
        return value


class CollectSettings(Settings):
    interval_seconds: Annotated[int, Field(ge=1)] = 300
    workers: Annotated[int, Field(ge=1, le=16)] = 4
    connect_timeout: Annotated[float, Field(gt=0)] = 5.0
    read_timeout: Annotated[float, Field(gt=0)] = 20.0
    max_body_bytes: Annotated[int, Field(ge=1024)] = 5 * 1024 * 1024
    retries: Annotated[int, Field(ge=0, le=5)] = 2
    backoff_seconds: Annotated[float, Field(ge=0)] = 0.5
    max_failure_backoff_seconds: Annotated[int, Field(ge=1)] = 3600
    user_agent: str = "RumorDesk/0.1 (Santa Clara Police Department PIO; rumor monitoring)"


def _is_placeholder(value: object) -> bool:
    return isinstance(value, str) and bool(PLACEHOLDER.search(value))


def _http_url(value: str, *, allow_placeholder: bool = True) -> str:
    if allow_placeholder and _is_placeholder(value):
        return value
    if not is_http_url(value):
        raise ValueError(f"expected an http(s) URL, got {value!r}")
    return value


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

    @model_validator(mode="after")
    def _placeholders_only_when_disabled(self) -> SourceBase:
        if self.enabled:
            for key, value in self:
                values = value if isinstance(value, tuple) else (value,)
                if any(_is_placeholder(v) for v in values):
                    raise ValueError(
                        f"{key} is still a placeholder ({value!r}); "
                        "fill it in or set enabled = false"
                    )
        return self

    @property
    def is_search(self) -> bool:
        return False


class FeedSource(SourceBase):
    """One RSS/Atom feed: the city website, Nixle, Pinterest, a Mastodon tag…"""

    kind: Literal["feed"]
    url: str

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value)


class FeedSearchSource(SourceBase):
    """A keyword search served as RSS (Google News, Reddit search): one feed per query."""

    kind: Literal["feed_search"]
    #: URL with a ``{query}`` slot, filled with each query URL-encoded.
    url_template: str
    queries: Annotated[tuple[str, ...], Field(min_length=1)]
    purpose: Annotated[str, Field(min_length=10)]

    @field_validator("url_template")
    @classmethod
    def _template(cls, value: str) -> str:
        if _is_placeholder(value):
            return value
        if "{query}" not in value:
            raise ValueError("must contain a {query} slot")
        _http_url(value.replace("{query}", "q"), allow_placeholder=False)
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


class YouTubeSource(SourceBase):
    """A YouTube channel's public feed; views and likes become metrics."""

    kind: Literal["youtube"]
    channel: str = "youtube"
    channel_id: str
    feed_url_template: str = "https://www.youtube.com/feeds/videos.xml?channel_id={channel_id}"

    @field_validator("channel_id")
    @classmethod
    def _channel_id(cls, value: str) -> str:
        if not _is_placeholder(value) and not re.fullmatch(r"UC[A-Za-z0-9_-]{22}", value):
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
        if not _is_placeholder(value) and not pattern.fullmatch(value):
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


class _GraphSource(SourceBase):
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
        return _http_url(value, allow_placeholder=False)


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
        if not _is_placeholder(value) and not re.fullmatch(r"\d{5,25}", value):
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
        if not _is_placeholder(value) and not re.fullmatch(r"\d{5,25}", value):
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
        return _http_url(value, allow_placeholder=False)


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
        return DepartmentSettings._known_timezone(value)


class StaffReportSettings(Settings):
    """Staff reports (a screenshot forwarded to the PIO) and where their screenshots go."""

    #: Relative to the config file; keep it inside the git-ignored data folder.
    screenshot_dir: str = "data/screenshots"
    max_screenshot_bytes: Annotated[int, Field(ge=1024, le=100 * 1024 * 1024)] = 10 * 1024 * 1024


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
    | CsvImportSource,
    Field(discriminator="kind"),
]


class Place(Settings):
    """A place in the jurisdiction, and the other names people use for it."""

    name: Annotated[str, Field(min_length=2)]
    aliases: tuple[str, ...] = ()


class ClassifySettings(Settings):
    """The classifier's model file and the context it scores against."""

    #: Where the trained model lives (relative to the config file); trained on first run.
    model_path: str = "data/models/misinfo.skops"
    #: Names of the city itself (a post naming it is local).
    city_names: tuple[str, ...] = ("Santa Clara",)
    #: Places in the jurisdiction: venues, campuses, parks, streets.
    places: tuple[Place, ...] = ()
    #: Places that are NOT the city although they sound or sit close to it.
    not_local: tuple[str, ...] = ()
    #: Names covering the city and its neighbours (a partial match, e.g. the county).
    regional: tuple[str, ...] = ()
    #: The Department's own account names and handles: never impersonators.
    department_accounts: tuple[str, ...] = ()
    #: Department posts this recent (hours) are compared with each post.
    official_window_hours: Annotated[float, Field(gt=0)] = 24.0
    #: Posts further apart than this (hours) are not the same rumour.
    cluster_window_hours: Annotated[float, Field(gt=0)] = 48.0
    #: A story opens a rumour in the queue once one of its posts scores at least this.
    rumor_min_score: Annotated[float, Field(ge=0, le=1)] = 0.3


class MailSettings(Settings):
    """The outgoing mail server shared by alerts and scheduled reports.

    The password is a secret: ``$RUMORDESK_SMTP_PASSWORD`` (or .streamlit/secrets.toml).
    """

    #: Empty: no mail is sent (alerts go to webhooks only, exports are only written).
    host: str = ""
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    #: starttls (port 587), tls (implicit TLS, port 465) or none (a relay on localhost).
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str = ""
    from_address: str = "rumordesk@santaclaraca.gov"
    timeout_seconds: Annotated[float, Field(gt=0)] = 15.0
    #: A CA bundle to trust instead of the system's (an internal relay's own certificate).
    ca_file: str = ""

    @property
    def enabled(self) -> bool:
        return bool(self.host)


class RetentionSettings(Settings):
    """How long Rumor Desk keeps what it collects (docs/USE_POLICY.md, Data Retention)."""

    #: Third-party posts not part of a rumour anyone acted on are deleted this many days
    #: after they were collected.
    post_days: Annotated[int, Field(ge=1, le=3650)] = 30
    #: Rumours acted on (with their posts, evidence and decisions) and the Department's own
    #: posts are kept this many days (California's usual minimum for city records: 2 years).
    records_days: Annotated[int, Field(ge=1, le=36500)] = 730
    #: The collector loop runs the purge this often (minutes).
    purge_every_minutes: Annotated[int, Field(ge=1, le=10080)] = 60

    @model_validator(mode="after")
    def _records_outlive_posts(self) -> RetentionSettings:
        if self.records_days < self.post_days:
            raise ValueError("records_days must be at least post_days")
        return self


class GuardrailSettings(Settings):
    """Who the Department is online: the only accounts a source may read or a search name."""

    #: The Department's and the City's own accounts on any platform. X searches may name
    #: them (to:SantaClaraPD); when the list is not empty, an official source may read only
    #: accounts named here or in [classify].department_accounts.
    department_accounts: tuple[str, ...] = ()


class ReportSettings(Settings):
    """The weekly engagement report's scheduled export (reports/schedule.py)."""

    #: Write (and e-mail) last week's report once each week; false: on demand only.
    weekly_export: bool = True
    #: When, in [department] timezone: the first collector tick at or after this moment.
    weekly_day: Literal[
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
    ] = "monday"
    weekly_time: Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")] = "07:00"
    #: xlsx and/or csv (a zip of one CSV per table).
    formats: Annotated[tuple[Literal["xlsx", "csv"], ...], Field(min_length=1)] = ("xlsx",)
    #: Where exports are written (relative to the config file; keep it git-ignored).
    folder: str = "data/exports"
    #: Who receives the weekly report by e-mail ([mail] host must be set); empty: none.
    recipients: tuple[
        Annotated[str, Field(pattern=r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")], ...
    ] = ()
    #: Minutes between the loop's checks whether the export is due.
    check_every_minutes: Annotated[int, Field(ge=1, le=1440)] = 15


#: Hosts whose webhook URLs carry their secret in the path or query: ``url_env`` only.
_SECRET_WEBHOOK_HOSTS = re.compile(
    r"(^|\.)(hooks\.slack\.com|webhook\.office\.com|logic\.azure\.com|"
    r"powerplatform\.com|discord(app)?\.com)$",
    re.IGNORECASE,
)


class WebhookTarget(Settings):
    """A chat or automation endpoint that receives alerts as JSON."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
    #: generic (our own JSON), teams (an Adaptive Card), slack (text + blocks).
    kind: Literal["generic", "teams", "slack"]
    #: The URL, only when it holds no secret (an internal relay); otherwise use url_env.
    url: str = ""
    #: The environment variable (or .streamlit/secrets.toml key) holding the URL.
    url_env: Annotated[str, Field(pattern=r"^([A-Z_][A-Z0-9_]{0,63})?$")] = ""
    #: The receiver drops repeats of the same Idempotency-Key: a delivery left unanswered
    #: (timeout, restart) is then sent again instead of being marked failed. generic only.
    idempotent: bool = False

    @model_validator(mode="after")
    def _one_url(self) -> WebhookTarget:
        if bool(self.url) == bool(self.url_env):
            raise ValueError(f"webhook {self.name!r}: set exactly one of url and url_env")
        if self.url:
            _http_url(self.url, allow_placeholder=False)
            if _SECRET_WEBHOOK_HOSTS.search(urlsplit(self.url).hostname or ""):
                raise ValueError(
                    f"webhook {self.name!r}: this URL contains its secret; put it in an "
                    "environment variable and name that variable in url_env"
                )
        if self.idempotent and self.kind != "generic":
            raise ValueError(
                f"webhook {self.name!r}: {self.kind} does not drop repeated deliveries; "
                "idempotent applies to generic webhooks only"
            )
        return self


class AlertSettings(Settings):
    """Immediate alerts: which rumours page the PIO, who is told, how delivery retries."""

    #: A rumour alerts when both its score and its severity reach these (0–1).
    min_score: Annotated[float, Field(ge=0, le=1)] = 0.7
    min_severity: Annotated[float, Field(ge=0, le=1)] = 0.6
    #: Minutes after an alert during which its story does not alert again: a growth
    #: re-alert waits until the window has passed, and a new rumour with the same
    #: story (cluster key) is not alerted as new.
    quiet_minutes: Annotated[float, Field(ge=0)] = 30.0
    #: A rumour whose reach reaches this multiple of its reach at the first alert alerts
    #: once more ("growth"); never a third time.
    growth_factor: Annotated[float, Field(gt=1)] = 5.0
    #: ...and at least this reach, so 2 → 10 views is not "growth".
    growth_min_reach: Annotated[int, Field(ge=0)] = 100
    #: E-mail recipients (sent through [mail]); one message each.
    email_to: tuple[str, ...] = ()
    #: Chat and automation webhooks ([[alerts.webhooks]] blocks).
    webhooks: tuple[WebhookTarget, ...] = ()
    #: The dashboard's address as the PIO opens it; alerts link to {public_url}/rumour?id=N.
    public_url: str = "http://localhost:8501"
    #: Delivery attempts per alert before it is marked failed.
    max_attempts: Annotated[int, Field(ge=1, le=50)] = 8
    #: Seconds before the first retry, doubling each time up to max_backoff_seconds.
    backoff_seconds: Annotated[float, Field(ge=0)] = 10.0
    max_backoff_seconds: Annotated[float, Field(ge=0)] = 900.0
    #: Seconds to connect to / wait for a target (SMTP uses the lower of this and [mail]'s).
    timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 5.0
    #: Seconds between two checks for new or changed rumours (cheap when nothing changed).
    check_every_seconds: Annotated[float, Field(gt=0)] = 1.0
    #: Bounded work per check, so delivery never holds up collection for long.
    max_deliveries_per_check: Annotated[int, Field(ge=1)] = 20
    max_seconds_per_check: Annotated[float, Field(gt=0)] = 8.0
    #: On start, rumours updated this recently are (re)checked; alerts already queued or
    #: sent are never repeated.
    lookback_hours: Annotated[float, Field(gt=0)] = 24.0

    @field_validator("email_to")
    @classmethod
    def _addresses(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not re.fullmatch(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+", value):
                raise ValueError(f"expected an e-mail address, got {value!r}")
        return values

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        return _http_url(value, allow_placeholder=False).rstrip("/")

    @field_validator("webhooks")
    @classmethod
    def _unique(cls, values: tuple[WebhookTarget, ...]) -> tuple[WebhookTarget, ...]:
        names = [w.name for w in values]
        if len(names) != len(set(names)):
            raise ValueError("two webhooks have the same name; names must be unique")
        return values


class RoleEmails(Settings):
    """Identity-provider sign-in: which e-mails (or "@domain" suffixes) get which role."""

    pio: tuple[str, ...] = ()
    chief: tuple[str, ...] = ()
    staff: tuple[str, ...] = ()
    admin: tuple[str, ...] = ()


class AuthSettings(Settings):
    """Sign-in to the dashboard: sessions, throttling of failed sign-ins, optional OIDC."""

    #: A session ends after this many minutes without activity ...
    session_idle_minutes: Annotated[int, Field(ge=1, le=24 * 60)] = 30
    #: ... and in any case this many hours after signing in.
    session_max_hours: Annotated[float, Field(gt=0, le=72)] = 12.0
    #: After this many failed sign-ins in a row the account is locked ...
    lockout_after: Annotated[int, Field(ge=1, le=100)] = 5
    #: ... for this many seconds, doubling with each further failure, up to the maximum.
    lockout_seconds: Annotated[float, Field(ge=1)] = 30.0
    lockout_max_seconds: Annotated[float, Field(ge=1)] = 3600.0
    #: Sign in through the city's identity provider (Streamlit's st.login; the provider's
    #: client settings live in .streamlit/secrets.toml [auth]). Local accounts still work.
    oidc: bool = False
    #: The provider's name in secrets.toml ([auth.NAME]); empty for the single [auth] block.
    oidc_provider: str = ""
    roles: RoleEmails = RoleEmails()


class DashboardSettings(Settings):
    """The dashboard's queue."""

    #: The queue re-reads the store this often (seconds) without losing the selection.
    refresh_seconds: Annotated[int, Field(ge=2, le=3600)] = 15
    #: At most this many rumours are listed (the highest first).
    queue_limit: Annotated[int, Field(ge=10, le=2000)] = 100
    #: Severity at or above which a rumour counts as "high severity" (an active shooter is 1.0).
    high_severity: Annotated[float, Field(ge=0, le=1)] = 0.8


class AppSettings(Settings):
    department: DepartmentSettings = DepartmentSettings()
    storage: StorageSettings = StorageSettings()
    collect: CollectSettings = CollectSettings()
    classify: ClassifySettings = ClassifySettings()
    mail: MailSettings = MailSettings()
    retention: RetentionSettings = RetentionSettings()
    guardrails: GuardrailSettings = GuardrailSettings()
    reports: ReportSettings = ReportSettings()
    alerts: AlertSettings = AlertSettings()
    auth: AuthSettings = AuthSettings()
    dashboard: DashboardSettings = DashboardSettings()
    #: Holding statements the PIO can copy (title -> text), shown on the Chief's office page.
    templates: dict[str, str] = {}
    staff_reports: StaffReportSettings = StaffReportSettings()
    sources: tuple[SourceSettings, ...] = ()

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: tuple[SourceBase, ...]) -> tuple[SourceBase, ...]:
        seen: set[str] = set()
        for source in sources:
            if source.name in seen:
                raise ValueError(f"two sources are named {source.name!r}; names must be unique")
            seen.add(source.name)
        return sources

    @model_validator(mode="after")
    def _collection_is_purpose_bound(self) -> AppSettings:
        """Every kind of source: topics and places, never people (rumordesk/guardrails.py)."""
        if problems := collection_problems(self):
            raise ValueError("; ".join(problems))
        return self

    def source(self, name: str) -> SourceBase:
        for source in self.sources:
            if source.name == name:
                return source
        raise ConfigError(f"no source named {name!r} in the configuration")

    @property
    def enabled_sources(self) -> tuple[SourceBase, ...]:
        return tuple(s for s in self.sources if s.enabled)


def load_settings(path: str | os.PathLike[str] | None = None) -> AppSettings:
    """Read the configuration: ``path`` > ``$RUMORDESK_CONFIG`` > ``./config.toml``."""
    config_path = Path(path or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)
    try:
        raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{config_path}: configuration file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path}: not valid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{config_path}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from exc
    settings = parse_settings(raw, origin=str(config_path))
    return _resolve_paths(settings, config_path.resolve().parent)


def parse_settings(raw: Mapping[str, Any], *, origin: str = "config.toml") -> AppSettings:
    """Validate a parsed TOML document; every problem is reported with the key's path."""
    secrets = list(_secret_keys(raw))
    if secrets:
        raise ConfigError(
            f"{origin}: {', '.join(secrets)}: secrets may not be written in the configuration; "
            "set them as environment variables or in .streamlit/secrets.toml"
        )
    try:
        return AppSettings.model_validate(raw)
    except ValidationError as exc:
        problems = [_describe(error, raw) for error in exc.errors()]
        raise ConfigError(f"{origin}: " + "; ".join(problems)) from None


def _resolve_paths(settings: AppSettings, base: Path) -> AppSettings:
    url = os.environ.get(DATABASE_URL_ENV) or settings.storage.database_url
    relative = _RELATIVE_SQLITE.match(url)
    if relative and ":memory:" not in url:
        url = relative.group("prefix") + str(base / relative.group("path"))
    storage = settings.storage.model_copy(update={"database_url": url})
    model_path = Path(settings.classify.model_path)
    if not model_path.is_absolute():
        model_path = base / model_path
    classify = settings.classify.model_copy(update={"model_path": str(model_path)})
    shots = Path(settings.staff_reports.screenshot_dir)
    staff = settings.staff_reports.model_copy(
        update={"screenshot_dir": str(shots if shots.is_absolute() else base / shots)}
    )
    folder = Path(settings.reports.folder)
    reports = settings.reports.model_copy(
        update={"folder": str(folder if folder.is_absolute() else base / folder)}
    )
    return settings.model_copy(
        update={
            "storage": storage,
            "classify": classify,
            "staff_reports": staff,
            "reports": reports,
        }
    )


def _secret_keys(node: Any, path: str = "") -> Iterable[str]:
    if isinstance(node, Mapping):
        for key, value in node.items():
            here = f"{path}.{key}" if path else str(key)
            if SECRET_KEY.search(str(key)) or _url_with_credentials(value):
                yield here
            yield from _secret_keys(value, here)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _secret_keys(value, f"{path}[{index}]")


def _url_with_credentials(value: Any) -> bool:
    """A URL carrying a password (``scheme://user:pass@host``) or a credential parameter
    (``?access_token=…``): a secret too, whatever the key holding it is called."""
    if not isinstance(value, str) or "://" not in value:
        return False
    try:
        parts = urlsplit(value)
        password = parts.password
    except ValueError:
        return False
    return bool(password) or any(SECRET_KEY.search(name) for name, _ in parse_qsl(parts.query))


_KINDS = (
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
)
_KIND_TAGS = set(_KINDS)
_EXPECTED = {
    "missing": "missing required value",
    "extra_forbidden": "unknown key",
    "int_parsing": "expected an integer",
    "int_type": "expected an integer",
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "string_type": "expected a string",
    "tuple_type": "expected a list",
    "union_tag_invalid": f"unknown kind (expected one of: {', '.join(_KINDS)})",
    "union_tag_not_found": f"missing required value 'kind' ({', '.join(_KINDS)})",
}


def _describe(error: Mapping[str, Any], raw: Mapping[str, Any]) -> str:
    """Turn one pydantic error into ``sources[2] (name).purpose: missing required value``."""
    parts: list[str] = []
    node: Any = raw
    label = ""
    for item in error["loc"]:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
            node = node[item] if isinstance(node, list) and item < len(node) else None
            if isinstance(node, Mapping) and "name" in node:
                label = f" ({node['name']})"
                parts[-1] += label
        elif item in _KIND_TAGS and isinstance(node, Mapping) and node.get("kind") == item:
            continue
        else:
            parts.append(str(item))
            node = node.get(item) if isinstance(node, Mapping) else None
    key = ".".join(parts) or "(top level)"
    message = _EXPECTED.get(error["type"], error["msg"].removeprefix("Value error, "))
    if error["type"] not in ("missing", "extra_forbidden") and "input" in error:
        shown = error["input"]
        if not isinstance(shown, Mapping | list):
            message = f"{message} (got {shown!r})"
    if error["type"] == "union_tag_invalid" and "tag" in error.get("ctx", {}):
        message = f"{message} (got {error['ctx']['tag']!r})"
    if error["type"] == "missing" and parts and parts[-1] == "purpose":
        message += ": every keyword search must state why it is collected"
    return f"{key}: {message}"
