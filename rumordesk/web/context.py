"""What every page reads: the settings and the database (opened once per process), and
times shown in the Department's timezone."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from rumordesk.base.config import AppSettings, load_settings
from rumordesk.base.times import utc_now
from rumordesk.store import open_database
from rumordesk.store.db import Database


@st.cache_resource
def settings() -> AppSettings:
    return load_settings()


@st.cache_resource
def database() -> Database:
    return open_database(settings().storage.database_url)


def local_time(moment: datetime | None) -> str:
    """A UTC time shown in the Department's timezone, e.g. ``Nov 23, 19:52``."""
    if moment is None:
        return ""
    return moment.astimezone(settings().department.tz).strftime("%b %d, %H:%M")


#: The pages' clock (a test sets its own).
now = utc_now
