"""Shared parts of the classifier tests: the shipped gazetteer, a small real text model."""

from __future__ import annotations

import functools
import importlib
import pkgutil
import tomllib
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from rumordesk.base.config import AppSettings, ClassifySettings, parse_settings
from rumordesk.classify import words
from rumordesk.classify.baseline import TextBaseline, fit_text_baseline
from rumordesk.classify.rank import OfficialInput, PostInput, Ranker
from rumordesk.classify.scanner import Lexicon
from rumordesk.classify.words.harms import Harm
from tests.helpers.paths import PROJECT_ROOT

TRAINING = PROJECT_ROOT / "data" / "training"
#: The frozen validation slice: read by measurements and by checks that the fast scans
#: find what the plain ones do, never trained on.
VALIDATION = PROJECT_ROOT / "data" / "validation"


@functools.cache
def shipped_classify_section() -> dict[str, Any]:
    """The [classify] section of the shipped config.toml (the real gazetteer)."""
    raw = tomllib.loads((PROJECT_ROOT / "config.toml").read_text(encoding="utf-8"))
    return dict(raw["classify"])


def classify_settings(**overrides: Any) -> ClassifySettings:
    return ClassifySettings.model_validate({**shipped_classify_section(), **overrides})


def app_settings(database_url: str, **classify: Any) -> AppSettings:
    return parse_settings(
        {
            "storage": {"database_url": database_url},
            "classify": {**shipped_classify_section(), **classify},
        },
        origin="test config",
    )


def word_lists() -> list[Lexicon]:
    """Every word list of every module of ``classify.words`` (the harms' lists included),
    so that a list or a language added there is checked without naming it here."""
    found: dict[int, Lexicon] = {}
    for info in pkgutil.iter_modules(words.__path__):
        module = importlib.import_module(f"{words.__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Lexicon):
                found.setdefault(id(value), value)
            elif isinstance(value, tuple) and value and all(isinstance(v, Harm) for v in value):
                for harm in value:
                    found.setdefault(id(harm.pattern), harm.pattern)
    return list(found.values())


@functools.cache
def text_model() -> TextBaseline:
    """A real TF-IDF + logistic regression fitted on the training slice (a few seconds,
    once per test session); tests assert orderings, never this model's exact numbers."""
    train = pd.read_csv(TRAINING / "posts.csv", keep_default_na=False)
    return fit_text_baseline(train["text"].tolist(), train["label"].astype(int).tolist())


@functools.cache
def ranker() -> Ranker:
    from zoneinfo import ZoneInfo

    return Ranker(text_model().predict_proba, classify_settings(), ZoneInfo("America/Los_Angeles"))


def at(hhmm: str, day: str = "2026-11-20") -> datetime:
    """A Pacific wall-clock time on ``day`` (PST, UTC−8) as an aware UTC datetime."""
    hours, minutes = (int(x) for x in hhmm.split(":"))
    local = datetime.fromisoformat(f"{day}T{hours:02d}:{minutes:02d}:00-08:00")
    return local.astimezone(UTC)


def post(
    id: str,
    text: str,
    *,
    when: str | None = "19:45",
    day: str = "2026-11-20",
    author: str = "neighbor_jen",
    **kw: Any,
) -> PostInput:
    moment = at(when, day) if when else None
    return PostInput(id=id, text=text, author=author, created_at=moment, **kw)


def official(id: str, text: str, when: str = "19:52") -> OfficialInput:
    return OfficialInput(id=id, text=text, created_at=at(when), channel="x")
