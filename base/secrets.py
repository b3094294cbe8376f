"""Secrets come from the environment or ``.streamlit/secrets.toml`` — never from config.toml.

Every secret read here is remembered so that :mod:`rumordesk.logs` can mask it in any
log line, whichever library wrote the line.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from rumordesk.base.errors import ConfigError

SECRETS_FILE = Path(".streamlit/secrets.toml")
_known_values: set[str] = set()


def get_secret(name: str, *, secrets_file: Path = SECRETS_FILE) -> str | None:
    """``$NAME`` if set, else ``NAME`` at the top of ``.streamlit/secrets.toml``, else None."""
    value = os.environ.get(name)
    if value is None and secrets_file.is_file():
        try:
            with secrets_file.open("rb") as handle:
                found = tomllib.load(handle).get(name)
        except tomllib.TOMLDecodeError as exc:  # the message never quotes the file's values
            raise ConfigError(f"{secrets_file}: not valid TOML: {exc}") from None
        value = found if isinstance(found, str) else None
    if value:
        _known_values.add(value)
    return value or None


def known_secret_values() -> frozenset[str]:
    return frozenset(_known_values)
