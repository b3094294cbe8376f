"""Typed, frozen settings read from ``config.toml``.

Everything the operator can change lives in one TOML file; this module turns it into frozen
pydantic models and refuses, at start-up, anything it does not understand: unknown keys,
wrong types, missing values, searches without a stated purpose, searches that target
people, placeholders left in an enabled source, and secrets written into the file.

The application's settings and the loading are here; each kind of ``[[sources]]`` block
is a class of :mod:`rumordesk.base.source_settings`.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from pydantic import Field, ValidationError, field_validator, model_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from rumordesk.base.errors import ConfigError
from rumordesk.base.guardrails import collection_problems
from rumordesk.base.redact import secret_parameters, token_in_path
from rumordesk.base.settings_base import Settings, http_url
from rumordesk.base.source_settings import SOURCE_KINDS, SourceBase, SourceSettings
from rumordesk.base.times import known_timezone

DEFAULT_CONFIG = Path("config.toml")
CONFIG_ENV = "RUMORDESK_CONFIG"
DATABASE_URL_ENV = "RUMORDESK_DATABASE_URL"
#: ``sqlite:///relative/path`` or ``sqlite+driver:///relative/path`` (four slashes is absolute).
_RELATIVE_SQLITE = re.compile(r"^(?P<prefix>sqlite(\+\w+)?:///)(?P<path>[^/].*)$")

#: Key names that hold credentials; they belong in the environment, never in config.toml.
SECRET_KEY = re.compile(r"(token|password|passwd|secret|api_?key|app_?password|credential)", re.I)


class DepartmentSettings(Settings):
    name: str = "Santa Clara Police Department"
    timezone: str = "America/Los_Angeles"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return known_timezone(value)

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
    #: How long one poll of a source may take, all its requests together; a source past it
    #: stops, keeps what it stored, and resumes from its cursor on its next poll.
    source_deadline_seconds: Annotated[int, Field(ge=1)] = 120
    user_agent: str = "RumorDesk/0.1 (Santa Clara Police Department PIO; rumor monitoring)"


class StaffReportSettings(Settings):
    """Staff reports (a screenshot forwarded to the PIO) and where their screenshots go."""

    #: Relative to the config file; keep it inside the git-ignored data folder.
    screenshot_dir: str = "data/screenshots"
    max_screenshot_bytes: Annotated[int, Field(ge=1024, le=100 * 1024 * 1024)] = 10 * 1024 * 1024


class Place(Settings):
    """A place in the jurisdiction, and the other names people use for it."""

    name: Annotated[str, Field(min_length=2)]
    aliases: tuple[str, ...] = ()


class Namesake(Settings):
    """Another place that shares the city's name (Santa Clara in Cuba or Utah, the county,
    East Santa Clara Street in San Jose), told apart by the rest of the post.

    ``places`` name it outright ("Parque Vidal", "St. George"): a post naming one is about
    it. ``cues`` only decide beside the bare shared name ("Santa Clara … the province",
    "Santa Clara … CUP"): the name then means this place, not the city.
    """

    name: Annotated[str, Field(min_length=2)]
    places: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()


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
    #: Other places called Santa Clara, told apart by the rest of the post.
    namesakes: tuple[Namesake, ...] = ()
    #: Words that keep a bare "Santa Clara" the city whatever else the post says
    #: ("California", "Bay Area", the city's zip codes).
    city_context: tuple[str, ...] = ()
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
            http_url(self.url, allow_placeholder=False)
            if _SECRET_WEBHOOK_HOSTS.search(urlsplit(self.url).hostname or "") or token_in_path(
                self.url
            ):
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
        return http_url(value, allow_placeholder=False).rstrip("/")

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
    #: After this many failed sign-ins in a row for one user name from one client address,
    #: that address may not try that name ...
    lockout_after: Annotated[int, Field(ge=1, le=100)] = 5
    #: ... for this many seconds, doubling with each further failure, up to the maximum.
    lockout_seconds: Annotated[float, Field(ge=1)] = 30.0
    lockout_max_seconds: Annotated[float, Field(ge=1)] = 3600.0
    #: After this many failed sign-ins in a row from one client address, whatever the user
    #: names, the address is held back the same way (guessing across many names).
    lockout_client_after: Annotated[int, Field(ge=1, le=1000)] = 20
    #: Behind a reverse proxy, the request header it sets to the client's address (e.g.
    #: "X-Forwarded-For"; its last entry is used). Empty: the connection's own address.
    client_address_header: Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{0,64}$")] = ""
    #: Sign in through the city's identity provider (Streamlit's st.login; the provider's
    #: client settings live in .streamlit/secrets.toml [auth]). Local accounts still work.
    oidc: bool = False
    #: The provider's name in secrets.toml ([auth.NAME]); empty for the single [auth] block.
    oidc_provider: str = ""
    roles: RoleEmails = RoleEmails()


class AuditSettings(Settings):
    """The audit log's checkpoints: its head, signed with $RUMORDESK_AUDIT_KEY, kept elsewhere."""

    #: Who receives each checkpoint by e-mail ([mail] must be set): the weekly export's and
    #: every `rumordesk audit checkpoint`. Someone who does not administer the server.
    checkpoint_to: tuple[
        Annotated[str, Field(pattern=r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")], ...
    ] = ()


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
    audit: AuditSettings = AuditSettings()
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
    (``?access_token=…``, ``?sig=…``, ``?key=…``, ``?code=…``): a secret too, whatever the
    key holding it is called."""
    if not isinstance(value, str) or "://" not in value:
        return False
    try:
        parts = urlsplit(value)
        password = parts.password
    except ValueError:
        return False
    return (
        bool(password)
        or any(SECRET_KEY.search(name) for name, _ in parse_qsl(parts.query))
        or bool(secret_parameters(value))
    )


_KIND_TAGS = set(SOURCE_KINDS)
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
    "union_tag_invalid": f"unknown kind (expected one of: {', '.join(SOURCE_KINDS)})",
    "union_tag_not_found": f"missing required value 'kind' ({', '.join(SOURCE_KINDS)})",
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
