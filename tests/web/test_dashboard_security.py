"""The dashboard's own part of issue 15: the Users page enforces the password policy, the
sign-in page answers an unknown name and a wrong password alike (held back or not), and
Streamlit is never given a script with a pages/ folder beside it (no legacy multipage
mode, where every page is listed and runs on its own)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rumordesk.cli.collection import DASHBOARD_SCRIPT
from rumordesk.triage import users
from tests.helpers.dashboard import open_desk
from tests.helpers.paths import PROJECT_ROOT


@pytest.fixture
def desk(tmp_path, monkeypatch):
    yield from open_desk(tmp_path, monkeypatch)


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("aaaaaaaaaaaa", "repetition"),
        ("jordan-lee-jordan", "user name"),
        ("Password2024!", "most common"),
        ("short", "at least 12"),
    ],
)
def test_the_users_page_refuses_a_weak_password_with_the_reason(desk, password, why):
    at = desk.app("ada")
    at.text_input(key="ua_name").input("jordan")
    at.text_input(key="ua_display").input("Jordan Lee")
    at.text_input(key="ua_pw").input(password)
    next(b for b in at.button if b.label == "Add account").click().run()
    assert not at.exception
    assert any("not done" in e.value and why in e.value for e in at.error)  # one message
    assert users.get_user(desk.db, "jordan") is None


def _script_streamlit_runs(entry: Path) -> Path:
    """The script itself, or, for an ``st.App`` file, the script the app is given."""
    tree = ast.parse(entry.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "App":
            from rumordesk.web import server

            return Path(server.SCRIPT)
    return entry


@pytest.mark.parametrize(
    "entry", [DASHBOARD_SCRIPT, PROJECT_ROOT / "app.py"], ids=["rumordesk run", "app.py"]
)
def test_no_script_streamlit_runs_has_a_pages_folder_beside_it(entry):
    script = _script_streamlit_runs(entry)
    assert script.is_file()
    assert not (script.parent / "pages").exists(), (
        f"{script.parent}/pages would put Streamlit in its legacy multipage mode"
    )
