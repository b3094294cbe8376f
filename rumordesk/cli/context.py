"""What every ``rumordesk`` subcommand shares: settings and database loaded once, errors
as one line, and plain tables for the terminal."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from typing import Any

import click

from rumordesk.base.config import AppSettings, load_settings
from rumordesk.base.errors import RumorDeskError


class Context:
    """Lazily loaded settings and database, shared by the subcommands."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._settings: AppSettings | None = None
        self._db = None

    @property
    def settings(self) -> AppSettings:
        if self._settings is None:
            self._settings = load_settings(self.config_path)
        return self._settings

    @property
    def db(self):  # type: ignore[no-untyped-def]
        if self._db is None:
            self._db, _ = open_and_migrate(self.settings.storage.database_url)
        return self._db


def open_and_migrate(url: str):  # type: ignore[no-untyped-def]
    """The database, migrated, and the migrations applied; one clear error if it cannot be
    opened (not a database, a driver that is not installed, a server that does not answer)."""
    from sqlalchemy.exc import SQLAlchemyError

    from rumordesk.store.db import Database
    from rumordesk.store.migrations import migrate

    try:
        db = Database(url)
        return db, migrate(db)
    except (SQLAlchemyError, ImportError) as exc:
        reason = getattr(exc, "orig", None) or exc
        shown = url.split("@")[-1] if "@" in url else url  # never the credentials
        raise RumorDeskError(f"cannot open the database {shown}: {reason}") from None


def friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn operator errors into one line and exit status 1 (2 for usage errors)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except RumorDeskError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            message = f"{exc.strerror or exc}: {exc.filename or ''}".strip(": ")
            raise click.ClickException(message) from None

    return wrapper


def print_table(header: list[str], rows: list[list[str]], out: Any = None) -> None:
    """Columns padded to their widest cell, two spaces apart."""
    columns = zip(header, *rows, strict=False)
    widths = [max(len(str(cell)) for cell in column) for column in columns]
    for line in [header, *rows]:
        cells = (str(cell).ljust(width) for cell, width in zip(line, widths, strict=True))
        click.echo("  ".join(cells).rstrip(), file=out)


def format_when(moment: datetime | None, tz: tzinfo | None = None) -> str:
    """A stored (UTC) time for a person: in ``tz`` (the Department's, as the dashboard
    shows it) with its zone, e.g. ``2026-11-23 19:52 PST``; ``-`` when unknown."""
    if moment is None:
        return "-"
    if tz is None:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")


def unscored_warning(db: Any) -> str | None:
    """One line when stored posts could not be scored (they are retried by every run and
    the loop; a rumour that never reaches the PIO is the worst loss), else None."""
    from rumordesk.store.pending import summary

    waiting = summary(db)
    if not waiting.failing:
        return None
    return (
        f"{waiting.failing} stored post(s) could not be scored yet and are retried "
        f"automatically; last error: {waiting.last_error}"
    )
