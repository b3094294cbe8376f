"""What every dashboard page shares: settings and the database, opened once per process."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from rumordesk.config import AppSettings, load_settings
from store import open_database
from store.db import Database


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
