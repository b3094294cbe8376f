"""The dashboard's Streamlit settings travel on its command line, so that `rumordesk run`
and `rumordesk web` started from any folder (a service's working directory, an installed
copy) keep small uploads, no developer toolbar and the theme, as the project's
``.streamlit/config.toml`` says for a start from the checkout."""

from __future__ import annotations

import tomllib

from rumordesk.cli.collection import DASHBOARD_OPTIONS, dashboard_command
from tests.helpers.paths import PROJECT_ROOT


def _flags(command: list[str]) -> dict[str, str]:
    return {
        part[2:]: command[at + 1]
        for at, part in enumerate(command)
        if part.startswith("--") and at + 1 < len(command)
    }


def test_the_command_carries_every_dashboard_setting():
    flags = _flags(dashboard_command(8501, "127.0.0.1"))

    assert flags["server.maxUploadSize"] == "10"
    assert flags["client.toolbarMode"] == "minimal"
    assert flags["browser.gatherUsageStats"] == "false"
    assert {key: flags[key] for key in DASHBOARD_OPTIONS} == DASHBOARD_OPTIONS


def test_the_projects_streamlit_config_says_the_same():
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    for key, value in DASHBOARD_OPTIONS.items():
        section, name = key.split(".")
        assert str(config[section][name]).lower() == value.lower(), key
