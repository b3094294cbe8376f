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

from rumordesk.errors import ConfigError
from rumordesk.guardrails import user_targeting_operators

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
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
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


SourceSettings = Annotated[
    FeedSource | FeedSearchSource | YouTubeSource, Field(discriminator="kind")
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


class AppSettings(Settings):
    department: DepartmentSettings = DepartmentSettings()
    storage: StorageSettings = StorageSettings()
    collect: CollectSettings = CollectSettings()
    classify: ClassifySettings = ClassifySettings()
    mail: MailSettings = MailSettings()
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
    return settings.model_copy(update={"storage": storage, "classify": classify})


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


_KIND_TAGS = {"feed", "feed_search", "youtube"}
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
    "union_tag_invalid": "unknown kind (expected one of: feed, feed_search, youtube)",
    "union_tag_not_found": "missing required value 'kind' (feed, feed_search or youtube)",
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
