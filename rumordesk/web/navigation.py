"""Each role's pages (``st.navigation`` lists only these), and moving between them.

Every page exists for every role, hidden when the role has no use for it, so that a link
(an alert's ``/rumour?id=N``) always reaches a page: the page itself then says plainly
whether this role may open it, instead of Streamlit's "Page not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import streamlit as st

from rumordesk.triage.roles import Role

#: Not "pages/": Streamlit treats a folder by that name beside the main script as its
#: older multipage layout and, in a fresh process, routes "/rumour" straight to the file.
PAGES_DIR = Path(__file__).resolve().parent / "views"
SELECTED_KEY = "rd_rumor_id"


@dataclass(frozen=True, slots=True)
class PageSpec:
    """A page of ``views/``: its file name, title and icon."""

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
WEEKLY = PageSpec("weekly.py", "Weekly report", ":material/bar_chart:")
ALERTS = PageSpec("alerts.py", "Alerts", ":material/notifications:")

#: Each role's pages; the first is its home page.
PAGES: dict[Role, tuple[PageSpec, ...]] = {
    Role.PIO: (QUEUE, RUMOUR, CHIEF, POSTS, SOURCES, AUDIT, REPORT, WEEKLY, ALERTS),
    Role.CHIEF: (CHIEF, QUEUE, RUMOUR, AUDIT, WEEKLY),
    Role.STAFF: (REPORT, MY_REPORTS),
    Role.ADMIN: (USERS, SOURCES, AUDIT, ALERTS),
}


#: Every page, in a stable order (the union of the roles' pages).
ALL_PAGES: tuple[PageSpec, ...] = tuple(dict.fromkeys(s for specs in PAGES.values() for s in specs))


def pages_for(role: Role) -> list[PageSpec]:
    return list(PAGES[role])


def hidden_for(role: Role) -> list[PageSpec]:
    """The pages this role does not see in its menu (reachable by link, then refused)."""
    return [spec for spec in ALL_PAGES if spec not in PAGES[role]]


def page_at(address: str) -> tuple[PageSpec, dict[str, str]] | None:
    """The page and query of a local address such as ``/rumour?id=7`` (None: no page)."""
    parts = urlsplit(address)
    stem = parts.path.strip("/")
    spec = next((s for s in ALL_PAGES if Path(s.name).stem == stem), None)
    if spec is None:
        return None
    return spec, {key: values[-1] for key, values in parse_qs(parts.query).items()}


def rumour_link(rumor_id: int) -> str:
    """The rumour's address, as the alerts write it (``/rumour?id=N``)."""
    return f"/{Path(RUMOUR.name).stem}?id={int(rumor_id)}"


def open_rumour(rumor_id: int) -> None:
    """Go to the rumour's detail page; its id is in the address, so a reload keeps it."""
    st.session_state[SELECTED_KEY] = int(rumor_id)
    st.switch_page(RUMOUR.path, query_params={"id": str(int(rumor_id))})
