"""Shared parts of the dashboard tests: a configured store with one account per role, the
demo evening scored through the real PostScorer (with the keyword baseline as its model, so
the tests do not depend on the trained model's exact numbers), and signed-in AppTests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from argon2 import PasswordHasher
from sqlalchemy import insert
from streamlit.testing.v1 import AppTest

from rumordesk.base.config import AppSettings, load_settings
from rumordesk.classify import scoring
from rumordesk.classify.baseline import KeywordBaseline
from rumordesk.classify.rank import ProbabilityModel
from rumordesk.classify.scoring import PostScorer
from rumordesk.demo import load_demo
from rumordesk.store import open_database
from rumordesk.store.db import Database
from rumordesk.store.schema import rumors
from rumordesk.store.sources import record_success, sync_sources
from rumordesk.triage import auth as auth_module
from rumordesk.triage import users as users_module
from rumordesk.triage.roles import SYSTEM, Actor, Role
from rumordesk.triage.users import add_user
from tests.helpers.browser_session import ROUTER, sign_in, use_test_cookies
from tests.helpers.paths import PROJECT_ROOT
from tests.helpers.settings import write_config

PASSWORD = "correct horse battery"
ACCOUNTS = {"pat": Role.PIO, "chris": Role.CHIEF, "sam": Role.STAFF, "ada": Role.ADMIN}
HOSTILE = (
    "<script>alert(1)</script> ![x](http://tracker.invalid/p.png) "
    "[click](javascript:alert(1)) shooting at Valley Fair"
)


@dataclass
class Desk:
    db: Database
    settings: AppSettings
    root: Path

    def actor(self, username: str) -> Actor:
        return Actor(username, ACCOUNTS[username], username.title())

    def scorer(self, predict: ProbabilityModel | None = None) -> PostScorer:
        """The real scorer with the keyword baseline (fast), or with ``predict``."""
        if predict is not None:
            return PostScorer(self.settings, self.db, predict, model_version="test-model")
        return PostScorer(
            self.settings,
            self.db,
            KeywordBaseline().predict_proba,
            model_version="keyword-baseline",
        )

    def load_demo(self, predict: ProbabilityModel | None = None) -> None:
        load_demo(self.db, self.settings, SYSTEM, score=self.scorer(predict).score)

    def add_rumor(self, **values: Any) -> int:
        """A rumour row written directly (first and last seen now unless given)."""
        now = datetime.now(UTC)
        row = {
            "cluster_key": f"test:{values.get('claim', '')}",
            "first_seen_at": now,
            "last_seen_at": now,
            "updated_at": now,
            **values,
        }
        with self.db.write() as connection:
            return connection.execute(insert(rumors).values(**row)).inserted_primary_key[0]

    def app(self, username: str | None, page: str | None = None) -> AppTest:
        """The dashboard, signed in as ``username`` (None: nobody), on ``page``, run once."""
        at = AppTest.from_file(str(PROJECT_ROOT / ROUTER), default_timeout=60)
        if username is not None:
            sign_in(at, self.db, username)
        at.run()
        if page is not None:
            at.switch_page(str(PROJECT_ROOT / page)).run()
        return at


def desk_config(tmp_path: Path, *, refresh_seconds: int = 3600) -> str:
    """The shipped config.toml (its places, templates, sources) with a temporary store."""
    text = (PROJECT_ROOT / "config.toml").read_text(encoding="utf-8")
    replacements = {
        "sqlite:///data/rumordesk.db": f"sqlite:///{tmp_path / 'desk.db'}",
        'screenshot_dir = "data/screenshots"': f'screenshot_dir = "{tmp_path / "shots"}"',
        "refresh_seconds = 15": f"refresh_seconds = {refresh_seconds}",
    }
    for old, new in replacements.items():
        assert text.count(old) == 1, f"config.toml no longer has {old!r}"
        text = text.replace(old, new)
    return text


def make_desk(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    users: bool = True,
    edit_config: Callable[[str], str] | None = None,
) -> Desk:
    text = desk_config(tmp_path)
    config = write_config(tmp_path / "config.toml", edit_config(text) if edit_config else text)
    monkeypatch.setenv("RUMORDESK_CONFIG", str(config))
    # Pages score with the configured model; the keyword baseline stands in for it here.
    monkeypatch.setattr(
        scoring, "load_default_model", lambda *_: (KeywordBaseline().predict_proba, "keyword")
    )
    # A light argon2id cost: these tests sign accounts in, they do not test the hash
    # (tests/triage/test_auth.py does); the production cost takes ~0.3 s a hash.
    light = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    monkeypatch.setattr(users_module, "HASHER", light)
    monkeypatch.setattr(auth_module, "HASHER", light)
    monkeypatch.chdir(PROJECT_ROOT)
    use_test_cookies(monkeypatch)
    st.cache_resource.clear()
    settings = load_settings(config)
    db = open_database(settings.storage.database_url)
    if users:
        for name, role in ACCOUNTS.items():
            add_user(db, SYSTEM, name, role, password=PASSWORD, display_name=name.title())
    collected_just_now(db, settings)
    return Desk(db, settings, tmp_path)


def collected_just_now(db: Database, settings: AppSettings) -> None:
    """Every enabled source polled successfully a moment ago: collection is healthy, so
    the pages show no collection banner unless a test makes a source fail."""
    now = datetime.now(UTC)
    sync_sources(db, settings.sources)
    for source in settings.sources:
        if source.enabled:
            record_success(db, source.name, new=0, updated=0, requests=1, next_poll_at=now, now=now)


def open_desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    """The body of each test module's ``desk`` fixture: a desk, cleaned up afterwards."""
    made = make_desk(tmp_path, monkeypatch)
    yield made
    st.cache_resource.clear()
    made.db.dispose()


def texts(at: AppTest) -> str:
    """Everything an AppTest shows as text: st.text, code, tables, alerts, metrics."""
    parts: list[str] = []
    for kind in (
        "text",
        "code",
        "markdown",
        "caption",
        "info",
        "warning",
        "error",
        "success",
        "title",
        "subheader",
        "header",
    ):
        parts += [str(getattr(el, "value", "")) for el in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    for frame in at.dataframe:
        parts += [str(v) for v in frame.value.to_numpy().ravel()]
    return "\n".join(parts)


def button(at: AppTest, key: str):  # type: ignore[no-untyped-def]
    return at.button(key=key)


def frame(at: AppTest, *columns: str):  # type: ignore[no-untyped-def]
    """The first table showing all these columns (tables carry no key in AppTest)."""
    for element in at.dataframe:
        if set(columns) <= set(element.value.columns):
            return element.value
    raise AssertionError(f"no table with columns {columns}")


def images(at: AppTest) -> list:  # type: ignore[type-arg]
    """Every st.image element on the page (main area and sidebar)."""
    return [e for e in [*at.main, *at.sidebar] if type(e).__name__ == "Image"]
