"""Everything a person typed is shown as text: every page, for every role that sees it, with
a hostile string in every stored field (tests/helpers/hostile.py). Each field must reach
some page — the walk is complete — and wherever a page renders markdown (metrics,
captions, alerts, titles, labels, options), it must render as nothing but text: no image,
no link, no HTML, no colour, icon, emoji or maths.

(The browser test, tests/web/test_browser_no_third_party.py, checks the same pages in a
real Chromium and that no request leaves the host.)
"""

from __future__ import annotations

from typing import Any

import pytest

from rumordesk.triage.roles import Role
from rumordesk.web import navigation
from tests.helpers.dashboard import make_desk, texts
from tests.helpers.hostile import FIELDS, TAG, edit_config, rendered_markup, seed

pytestmark = pytest.mark.slow  # every page for every role: about ten seconds

USERS = {Role.PIO: "pat", Role.CHIEF: "chris", Role.STAFF: "sam", Role.ADMIN: "ada"}
#: Elements whose text Streamlit renders as markdown, and the attributes holding it.
MARKDOWN_ELEMENTS = {
    "markdown": ("value",),
    "caption": ("value",),
    "info": ("value",),
    "warning": ("value",),
    "error": ("value",),
    "success": ("value",),
    "title": ("value",),
    "header": ("value",),
    "subheader": ("value",),
    "toast": ("value",),
    "metric": ("label", "value"),
    "button": ("label",),
    "checkbox": ("label",),
    "toggle": ("label",),
    "radio": ("label", "options"),
    "selectbox": ("label",),
    "multiselect": ("label",),
    "text_input": ("label",),
    "text_area": ("label",),
    "number_input": ("label",),
    "tabs": ("label",),
    "expander": ("label",),
}


def _markdown_bodies(at: Any) -> list[tuple[str, str]]:
    bodies = []
    for kind, attributes in MARKDOWN_ELEMENTS.items():
        for element in getattr(at, kind, []):
            for attribute in attributes:
                value = getattr(element, attribute, None)
                for item in value if isinstance(value, list) else [value]:
                    if item is not None:
                        bodies.append((kind, str(item)))
    return bodies


def _everything_shown(at: Any) -> str:
    options = [  # as shown: AppTest gives the formatted labels
        str(option)
        for kind in ("selectbox", "multiselect", "radio")
        for widget in getattr(at, kind)
        for option in widget.options
    ]
    return (
        texts(at) + "\n" + "\n".join(options) + "\n" + "\n".join(b for _, b in _markdown_bodies(at))
    )


def _pages() -> list[tuple[str, Role]]:
    return [(spec.path, role) for role in Role for spec in navigation.pages_for(role)]


@pytest.fixture
def desk(tmp_path, monkeypatch):
    made = make_desk(tmp_path, monkeypatch, edit_config=edit_config)
    yield made
    made.db.dispose()


def test_every_stored_string_reaches_a_page_as_text_only(desk):
    seeded = seed(desk.db, desk.settings)
    seen: set[str] = set()
    rendered: list[str] = []
    runs = 0
    for path, role in _pages():
        for rumour in (seeded.pending, seeded.decided):
            at = desk.app(USERS[role])
            at.session_state[navigation.SELECTED_KEY] = rumour
            at.switch_page(path).run()
            assert not at.exception, (path, role, at.exception)
            runs += 1
            seen |= set(TAG.findall(_everything_shown(at)))
            for kind, body in _markdown_bodies(at):
                if TAG.search(body) and (problems := rendered_markup(body)):
                    page = path.rsplit("/", 1)[-1]
                    rendered.append(f"{page} ({role.value}) {kind}: {problems}: {body[:60]!r}")
    signin = desk.app(None)
    assert not signin.exception
    seen |= set(TAG.findall(_everything_shown(signin)))
    for kind, body in _markdown_bodies(signin):
        if TAG.search(body) and (problems := rendered_markup(body)):
            rendered.append(f"sign in {kind}: {problems}: {body[:60]!r}")

    assert runs == 2 * len(_pages()) > 20
    missing = {tag: what for tag, what in FIELDS.items() if tag not in seen}
    assert not missing, f"stored fields no page showed (the walk is incomplete): {missing}"
    assert rendered == [], "stored text rendered as markup:\n" + "\n".join(rendered)


def test_the_checker_sees_what_markdown_would_render():
    from rumordesk.web.plain import plain
    from tests.helpers.hostile import hostile

    raw = rendered_markup(hostile("HX99"))
    assert {"image", "link_open", "html_inline", "autolink"} <= set(raw)
    assert "streamlit directive, icon, emoji or maths" in raw
    assert rendered_markup(plain(hostile("HX99"))) == []
