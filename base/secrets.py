"""Secrets come from the environment or ``.streamlit/secrets.toml`` — never from config.toml.

Every secret read here is remembered by :mod:`base.redact`, which masks it in every log
line, exception message and stored error, whichever library wrote it. A secret that is a
URL (a webhook given by ``url_env``) is masked with its path and query on their own too.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from rumordesk.base import redact
from rumordesk.base.errors import ConfigError

SECRETS_FILE = Path(".streamlit/secrets.toml")


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
    redact.remember(value)
    return value or None


def known_secret_values() -> frozenset[str]:
    return redact.known()
