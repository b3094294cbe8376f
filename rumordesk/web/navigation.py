"""Each role's pages (``st.navigation`` shows only these), and moving between them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from rumordesk.triage.roles import Role

PAGES_DIR = Path(__file__).resolve().parent / "pages"
SELECTED_KEY = "rd_rumor_id"


@dataclass(frozen=True, slots=True)
class PageSpec:
    """A page of ``pages/``: its file name, title and icon."""

    name: str
    title: str
    icon: str

    @property
    def path(self) -> str:
        return str(PAGES_DIR / self.name)


QUEUE = PageSpec("queue.py", "Queue", ":material/priority_high:")
RUMOUR = PageSpec("rumour.py", "Rumour detail", ":material/article:")
CHIEF = PageSpec("chief.py", "Chief's office", ":material/gavel:")
SOURCES = PageSpec("sources.py", "Sources", ":material/monitor_heart:")
POSTS = PageSpec("posts.py", "Department posts", ":material/campaign:")
AUDIT = PageSpec("audit.py", "Audit", ":material/fact_check:")
REPORT = PageSpec("report.py", "Report a rumour", ":material/report:")
MY_REPORTS = PageSpec("my_reports.py", "My reports", ":material/inbox:")
USERS = PageSpec("users.py", "Users", ":material/group:")
SIGN_IN = PageSpec("signin.py", "Sign in", ":material/login:")
WEEKLY = PageSpec("weekly.py", "Weekly report", ":material/bar_chart:")
ALERTS = PageSpec("alerts.py", "Alerts", ":material/notifications:")

#: Each role's pages; the first is its home page.
PAGES: dict[Role, tuple[PageSpec, ...]] = {
    Role.PIO: (QUEUE, RUMOUR, CHIEF, POSTS, SOURCES, AUDIT, REPORT, WEEKLY, ALERTS),
    Role.CHIEF: (CHIEF, QUEUE, RUMOUR, AUDIT, WEEKLY),
    Role.STAFF: (REPORT, MY_REPORTS),
    Role.ADMIN: (USERS, SOURCES, AUDIT, ALERTS),
}


def pages_for(role: Role) -> list[PageSpec]:
    return list(PAGES[role])


def open_rumour(rumor_id: int) -> None:
    """Remember the rumour and go to its detail page."""
    st.session_state[SELECTED_KEY] = int(rumor_id)
    st.switch_page(RUMOUR.path)
