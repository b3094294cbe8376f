"""What every page reads: the settings and the database (opened once per process), and
the few ways a value is written for a person: times in the Department's timezone, "12 min
ago", counts with separators, and "—" for anything unknown or empty."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from rumordesk.base.config import AppSettings, load_settings
from rumordesk.base.times import stored_utc, utc_now
from rumordesk.store import open_database
from rumordesk.store.db import Database

#: What an empty or unknown value shows as, everywhere a person reads.
EMPTY = "—"


@st.cache_resource
def settings() -> AppSettings:
    return load_settings()


@st.cache_resource
def database() -> Database:
    return open_database(settings().storage.database_url)


#: The pages' clock (a test sets its own).
now = utc_now


def local_time(moment: datetime | None) -> str:
    """A UTC time shown in the Department's timezone, e.g. ``Nov 23, 19:52`` (or "—")."""
    if moment is None:
        return EMPTY
    return stored_utc(moment).astimezone(settings().department.tz).strftime("%b %d, %H:%M")


def clock_time(moment: datetime | None) -> str:
    """Only the local time of day, e.g. ``19:52`` (or "—")."""
    if moment is None:
        return EMPTY
    return stored_utc(moment).astimezone(settings().department.tz).strftime("%H:%M")


def ago(moment: datetime | None, *, reference: datetime | None = None) -> str:
    """How long ago, as a tired reader takes it in: ``just now``, ``12 min ago``,
    ``3 h 05 min ago``; older than a day, the local date and time."""
    if moment is None:
        return EMPTY
    moment = stored_utc(moment)
    minutes = int(((reference or now()) - moment).total_seconds() // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 24 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest:02d} min ago"
    return local_time(moment)


def count(value: int | float | None) -> str:
    """``1,234``; "—" when the figure is unknown (never 0 for unknown)."""
    return EMPTY if value is None else f"{value:,.0f}"


def text_or_empty(value: str | None) -> str:
    return value if value and value.strip() else EMPTY
