"""What every settings block stands on: a frozen model that refuses unknown keys, and the
value checks both the application settings (:mod:`rumordesk.base.config`) and the source
settings (:mod:`rumordesk.base.source_settings`) use."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from rumordesk.base.urls import is_http_url

#: Marks a value an operator must fill in before enabling the source, e.g. "<FILL IN: …>".
PLACEHOLDER = re.compile(r"<\s*FILL[ _-]?IN\b[^>]*>", re.IGNORECASE)


class Settings(BaseModel):
    """Base for every settings block: frozen, and unknown keys are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def is_placeholder(value: object) -> bool:
    """A value still to be filled in (allowed only in a disabled source)."""
    return isinstance(value, str) and bool(PLACEHOLDER.search(value))


def http_url(value: str, *, allow_placeholder: bool = True) -> str:
    """``value`` when it is an absolute http(s) URL (or a placeholder, if allowed)."""
    if allow_placeholder and is_placeholder(value):
        return value
    if not is_http_url(value):
        raise ValueError(f"expected an http(s) URL, got {value!r}")
    return value
