"""The configuration: every refusal names the key, and the shipped files are valid."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel, ValidationError

from rumordesk.base.config import (
    CONFIG_ENV,
    DATABASE_URL_ENV,
    AppSettings,
    CollectSettings,
    DepartmentSettings,
    StorageSettings,
    load_settings,
    parse_settings,
)
from rumordesk.base.errors import ConfigError
from rumordesk.base.source_settings import FeedSearchSource
from tests.helpers.paths import PROJECT_ROOT
from tests.helpers.settings import write_config

SHIPPED = PROJECT_ROOT / "config.toml"
README = PROJECT_ROOT / "README.md"


def feed(**extra: Any) -> dict[str, Any]:
    return {
        "name": "news",
        "kind": "feed",
        "channel": "website",
        "url": "https://example.org/news.xml",
        **extra,
    }


def search(**extra: Any) -> dict[str, Any]:
    return {
        "name": "local-search",
        "kind": "feed_search",
        "channel": "reddit",
        "purpose": "Find claims of violence in Santa Clara for the PIO.",
        "url_template": "https://example.org/search.rss?q={query}",
        "queries": ['"Levi\'s Stadium" threat'],
        **extra,
    }


def youtube(**extra: Any) -> dict[str, Any]:
    return {"name": "scpd-youtube", "kind": "youtube", "channel_id": "UC" + "a" * 22, **extra}


def refused(raw: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_settings(raw, origin="test.toml")
    message = str(caught.value)
    assert message.startswith("test.toml: ")
    assert "\n" not in message  # one line for the CLI
    return message


# --- unknown keys, types, missing values -----------------------------------------------


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"colect": {"workers": 2}}, "colect: unknown key"),
        ({"collect": {"worker": 2}}, "collect.worker: unknown key"),
        ({"department": {"tz": "UTC"}}, "department.tz: unknown key"),
        ({"sources": [feed(urll="https://x.org")]}, "sources[0] (news).urll: unknown key"),
        ({"sources": [feed(), search(query="x")]}, "sources[1] (local-search).query: unknown key"),
    ],
)
def test_unknown_key_is_named(raw, key):
    assert key in refused(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"collect": {"workers": "four"}}, "collect.workers: expected an integer (got 'four')"),
        (
            {"collect": {"read_timeout": "slow"}},
            "collect.read_timeout: expected a number (got 'slow')",
        ),
        ({"sources": [feed(enabled="maybe")]}, "sources[0] (news).enabled: expected true or false"),
        ({"sources": [feed(url=["https://x.org"])]}, "sources[0] (news).url: expected a string"),
        (
            {"sources": [search(queries="shooting")]},
            "sources[0] (local-search).queries: expected a list (got 'shooting')",
        ),
        ({"sources": "news"}, "sources: expected a list"),
        (
            {"collect": {"workers": 0}},
            "collect.workers: Input should be greater than or equal to 1",
        ),
    ],
)
def test_wrong_type_names_the_key_and_the_expected_type(raw, expected):
    assert expected in refused(raw)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (feed(url=None), "sources[0] (news).url: missing required value"),
        (
            {"name": "news", "channel": "website", "url": "https://x.org"},
            "sources[0] (news): missing required value 'kind'",
        ),
        (
            {"kind": "feed", "channel": "website", "url": "https://x.org"},
            "sources[0].name: missing required value",
        ),
        (youtube(channel_id=None), "sources[0] (scpd-youtube).channel_id: missing required value"),
        (search(queries=None), "sources[0] (local-search).queries: missing required value"),
    ],
)
def test_missing_required_value_is_named(source, expected):
    source = {key: value for key, value in source.items() if value is not None}
    assert expected in refused({"sources": [source]})


def test_search_without_purpose_says_every_search_must_state_it():
    source = search()
    del source["purpose"]
    message = refused({"sources": [source]})
    assert "sources[0] (local-search).purpose: missing required value" in message
    assert "every keyword search must state why it is collected" in message


def test_search_purpose_must_say_something():
    assert "sources[0] (local-search).purpose" in refused({"sources": [search(purpose="news")]})


def test_unknown_kind_is_named():
    message = refused({"sources": [feed(kind="rss")]})
    assert "sources[0] (news): unknown kind" in message
    assert "'rss'" in message and "feed, feed_search, youtube" in message


def test_duplicate_source_names_refused():
    message = refused({"sources": [feed(), feed(url="https://example.org/other.xml")]})
    assert "two sources are named 'news'" in message


def test_every_problem_is_reported_at_once():
    message = refused({"collect": {"workers": "x", "retries": 9}, "sources": [feed(urll=1)]})
    assert "collect.workers" in message and "collect.retries" in message
    assert "sources[0] (news).urll" in message


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "America", "../../etc/passwd"])
def test_invalid_timezone_refused(zone):
    assert "department.timezone: unknown IANA timezone" in refused(
        {"department": {"timezone": zone}}
    )


def test_valid_timezone_accepted():
    settings = parse_settings({"department": {"timezone": "Europe/Paris"}})
    assert settings.department.tz.key == "Europe/Paris"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "example.org/x"])
def test_feed_url_must_be_http(url):
    assert "sources[0] (news).url: expected an http(s) URL" in refused({"sources": [feed(url=url)]})


def test_search_template_needs_a_query_slot():
    message = refused({"sources": [search(url_template="https://example.org/search.rss")]})
    assert "url_template: must contain a {query} slot" in message


# --- placeholders ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "key"),
    [
        (feed(url="<FILL IN: City news RSS URL>"), "url"),
        (feed(url="https://rss.nixle.com/pubs/feeds/latest/<FILL IN: agency id>/"), "url"),
        (youtube(channel_id="<FILL IN: SCPD YouTube channel id>"), "channel_id"),
        (search(queries=["shooting", "<fill-in: a place>"]), "queries"),
        (search(purpose="<FILL IN: why we search>"), "purpose"),
        (search(url_template="<FILL IN: search URL with {query}>"), "url_template"),
    ],
)
def test_placeholder_refused_in_an_enabled_source_and_allowed_in_a_disabled_one(source, key):
    message = refused({"sources": [source]})
    assert f"{key} is still a placeholder" in message
    assert "set enabled = false" in message

    settings = parse_settings({"sources": [{**source, "enabled": False}]})
    assert settings.enabled_sources == ()


# --- secrets ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"api_token": "s3cr3t-value"}, "api_token"),
        ({"storage": {"password": "s3cr3t-value"}}, "storage.password"),
        ({"collect": {"Bearer_Token": "s3cr3t-value"}}, "collect.Bearer_Token"),
        ({"sources": [feed(api_key="s3cr3t-value")]}, "sources[0].api_key"),
        ({"sources": [feed(), feed(name="x", apikey="s3cr3t-value")]}, "sources[1].apikey"),
        (
            {"sources": [feed(auth={"app_password": "s3cr3t-value"})]},
            "sources[0].auth.app_password",
        ),
        ({"client_secret": "s3cr3t-value"}, "client_secret"),
        # a secret inside a value is still a secret
        (
            {"storage": {"database_url": "postgresql+psycopg://desk:s3cr3t-value@db/desk"}},
            "storage.database_url",
        ),
        (
            {"sources": [feed(url="https://api.example.org/feed.rss?access_token=s3cr3t-value")]},
            "sources[0].url",
        ),
        (
            {"sources": [search(url_template="https://x.org/s?q={query}&api_key=s3cr3t-value")]},
            "sources[0].url_template",
        ),
    ],
)
def test_secret_looking_key_refused_anywhere(raw, key):
    message = refused(raw)
    assert f"{key}: secrets may not be written in the configuration" in message
    assert "environment variables or in .streamlit/secrets.toml" in message
    assert "s3cr3t-value" not in message  # the secret itself is never repeated


# --- files, paths and the environment --------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    ("url", "relative"),
    [
        ("sqlite:///data/desk.db", "data/desk.db"),
        ("sqlite+pysqlite:///desk.db", "desk.db"),
    ],
)
def test_relative_sqlite_path_is_relative_to_the_config_file(tmp_path, clean_env, url, relative):
    config = write_config(tmp_path / "c.toml", f'[storage]\ndatabase_url = "{url}"\n')
    clean_env.chdir(PROJECT_ROOT)  # somewhere else entirely

    settings = load_settings(config)

    prefix = url.split(":///")[0]
    assert settings.storage.database_url == f"{prefix}:///{tmp_path / relative}"


def test_config_in_a_subfolder_resolves_against_that_folder(tmp_path, clean_env):
    (tmp_path / "deploy").mkdir()
    config = write_config(
        tmp_path / "deploy" / "config.toml",
        '[storage]\ndatabase_url = "sqlite:///../data/desk.db"\n',
    )
    clean_env.chdir(tmp_path)
    resolved = load_settings(config).storage.database_url
    assert Path(resolved.removeprefix("sqlite:///")).resolve() == tmp_path / "data" / "desk.db"


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////var/lib/rumordesk/desk.db",
        "sqlite://",
        "sqlite:///:memory:",
        "postgresql+psycopg://db.local/rumordesk",
    ],
)
def test_absolute_memory_and_server_urls_are_unchanged(tmp_path, clean_env, url):
    config = write_config(tmp_path / "c.toml", f'[storage]\ndatabase_url = "{url}"\n')
    assert load_settings(config).storage.database_url == url


@pytest.mark.parametrize("url", ["data/desk.db", "", "sqlite//desk.db"])
def test_database_url_must_be_a_url(url):
    assert "storage.database_url: not a database URL" in refused({"storage": {"database_url": url}})


def test_database_url_without_password_is_fine():
    url = "postgresql+psycopg://desk@db.local/desk"
    assert parse_settings({"storage": {"database_url": url}}).storage.database_url == url


def test_database_url_environment_variable_overrides(tmp_path, clean_env):
    config = write_config(tmp_path / "c.toml", '[storage]\ndatabase_url = "sqlite:///file.db"\n')
    clean_env.setenv(DATABASE_URL_ENV, f"sqlite:///{tmp_path / 'override.db'}")
    assert load_settings(config).storage.database_url == f"sqlite:///{tmp_path / 'override.db'}"


def test_config_path_from_the_environment(tmp_path, clean_env):
    config = write_config(tmp_path / "elsewhere.toml", '[department]\nname = "Test PD"\n')
    clean_env.setenv(CONFIG_ENV, str(config))
    assert load_settings().department.name == "Test PD"


def test_invalid_toml_is_a_clear_error(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[collect]\nworkers = 4\nuser_agent = "unterminated\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.toml: not valid TOML: .*line 3"):
        load_settings(path)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_settings(tmp_path / "nope.toml")


def test_non_utf8_file_is_a_clear_error(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('[department]\nname = "Polic\xeda"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match=r"latin1\.toml: not UTF-8"):
        load_settings(path)


def test_settings_are_frozen():
    settings = parse_settings({"sources": [feed()]})
    with pytest.raises(ValidationError):
        settings.collect.workers = 8  # type: ignore[misc]
    with pytest.raises(ValidationError):
        settings.sources[0].enabled = False  # type: ignore[misc]


def test_unknown_source_name_is_a_config_error():
    settings = parse_settings({"sources": [feed()]})
    assert settings.source("news").name == "news"
    with pytest.raises(ConfigError, match="no source named 'other'"):
        settings.source("other")


# --- the shipped files -----------------------------------------------------------------


def test_shipped_config_loads(clean_env):
    settings = load_settings(SHIPPED)
    assert settings.storage.database_url == f"sqlite:///{PROJECT_ROOT / 'data' / 'rumordesk.db'}"
    assert settings.enabled_sources, "the shipped file collects nothing"


def test_shipped_searches_state_their_purpose(clean_env):
    searches = [
        s for s in load_settings(SHIPPED).enabled_sources if isinstance(s, FeedSearchSource)
    ]
    assert searches
    for source in searches:
        assert source.purpose and len(source.purpose.split()) >= 5, source.name


def test_example_config_loads(clean_env):
    example = PROJECT_ROOT / "examples" / "local.toml"
    if not example.exists():
        pytest.skip("no examples/local.toml")
    assert load_settings(example).enabled_sources


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in get_args(annotation) for model in _models_in(arg)]


def _setting_keys(model: type[BaseModel]) -> set[str]:
    keys: set[str] = set()
    for name, info in model.model_fields.items():
        keys.add(name)
        for sub in _models_in(info.annotation):
            keys |= _setting_keys(sub)
    return keys


def test_every_setting_is_documented():
    """A setting nobody can find is a setting nobody sets right: each key the models accept
    appears in the shipped config.toml (as a key or in a comment) or in the README."""
    documented = SHIPPED.read_text(encoding="utf-8") + (
        README.read_text(encoding="utf-8") if README.exists() else ""
    )
    keys = _setting_keys(AppSettings)
    assert {"timezone", "database_url", "workers", "url_template", "channel_id"} <= keys
    missing = sorted(
        k for k in keys if not re.search(rf"(?<![\w]){re.escape(k)}(?![\w])", documented)
    )
    assert missing == [], f"undocumented settings: {missing}"


@pytest.mark.parametrize(
    ("section", "model"),
    [
        ("department", DepartmentSettings),
        ("storage", StorageSettings),
        ("collect", CollectSettings),
    ],
)
def test_shipped_config_lists_every_setting_with_its_default(section, model):
    shipped = tomllib.loads(SHIPPED.read_text(encoding="utf-8"))[section]
    defaults = model().model_dump()
    assert set(shipped) == set(defaults), f"[{section}] does not list every setting"
    assert shipped == defaults, f"[{section}] shows values other than the defaults"
