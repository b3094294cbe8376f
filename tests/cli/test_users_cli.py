"""`rumordesk user list` as an administrator reads it at night: a locked account says so
(and until when), and times are the Department's, as the dashboard shows them."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from rumordesk.base.config import AuthSettings
from rumordesk.cli.main import main
from rumordesk.store import open_database
from rumordesk.triage import auth
from tests.helpers.settings import write_config

SECRET = "correct horse battery"


@pytest.fixture
def cli(tmp_path):
    config = write_config(
        tmp_path / "config.toml",
        f'[storage]\ndatabase_url = "sqlite:///{tmp_path / "c.db"}"\n'
        '[department]\ntimezone = "America/Los_Angeles"\n',
    )
    runner = CliRunner()
    return lambda *args, **kw: runner.invoke(main, ["--config", str(config), *args], **kw)


@pytest.mark.slow
def test_failed_sign_ins_are_counted_but_never_lock_the_account(cli, tmp_path):
    """Throttling is per device (triage/throttle.py): the list shows the failures and the
    last sign-in in the Department's time, and the account stays active for everyone."""
    assert cli("user", "add", "pat", "--role", "pio", "--password-stdin", input=SECRET + "\n")
    db = open_database(f"sqlite:///{tmp_path / 'c.db'}")
    auth.sign_in(db, AuthSettings(), "pat", SECRET)  # a last sign-in to show
    strict = AuthSettings(lockout_after=2)
    for _ in range(3):
        with pytest.raises(auth.SignInError):
            auth.sign_in(db, strict, "pat", "not the password", client="10.0.0.9")
    auth.sign_in(db, strict, "pat", SECRET, client="10.0.0.1")  # another device gets in
    db.dispose()
    listed = cli("user", "list").output
    row = next(line for line in listed.splitlines() if line.startswith("pat"))
    assert " active " in row and "locked" not in row
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} P[SD]T\s+0$", row)  # local time, reset


def test_the_password_prompt_names_the_minimum(cli):
    prompted = cli("user", "add", "ada", "--role", "admin", input=f"{SECRET}\n{SECRET}\n")
    assert "Password (at least 12 characters, not a common one)" in prompted.output
