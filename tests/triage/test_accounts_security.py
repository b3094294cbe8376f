"""Accounts: one answer for an unknown name and a wrong password, throttling that slows a
guesser where they are without letting them lock the PIO out, and a password policy that
refuses the passwords that fall first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner

from rumordesk.base.config import AuthSettings
from rumordesk.cli.main import main
from rumordesk.triage import audit, auth, passwords, users
from rumordesk.triage.roles import SYSTEM, Role
from tests.helpers.settings import write_config

GOOD = "Stanford-Crossing-Lights-42"
T0 = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
SETTINGS = AuthSettings(lockout_after=5, lockout_seconds=30, lockout_client_after=8)
ATTACKER, OFFICE = "203.0.113.66", "10.20.0.15"


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A light hasher that counts its verifications (the work a sign-in does)."""
    light = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    calls: list[str] = []

    class Counting(PasswordHasher):
        def verify(self, hash, password):  # type: ignore[no-untyped-def]  # noqa: A002
            calls.append("verify")
            return light.verify(hash, password)

        def hash(self, password, *, salt=None):  # type: ignore[no-untyped-def]
            return light.hash(password)

        def check_needs_rehash(self, hash):  # type: ignore[no-untyped-def]  # noqa: A002
            return False

    counting = Counting()
    monkeypatch.setattr(users, "HASHER", counting)
    monkeypatch.setattr(auth, "HASHER", counting)
    return calls


@pytest.fixture
def pat(db, counted):
    users.add_user(db, SYSTEM, "pat", Role.PIO, password=GOOD, display_name="Pat Lee")


def _attempt(db, name: str, password: str, client: str, now: datetime) -> Exception | None:
    try:
        auth.sign_in(db, SETTINGS, name, password, client=client, now=now)
    except auth.SignInError as exc:
        return exc
    return None


@pytest.mark.slow
def test_an_unknown_name_and_a_wrong_password_get_the_same_answer_after_the_same_work(
    db, pat, counted
):
    answers = {}
    for name in ("pat", "nobody"):
        counted.clear()
        answers[name] = [
            str(_attempt(db, name, "Wrong-Password-123", f"192.0.2.{len(name)}", T0))
            for _ in range(6)
        ]
        assert counted == ["verify"] * SETTINGS.lockout_after  # then held back, unchecked
    assert answers["pat"] == answers["nobody"]
    assert answers["pat"][0] == "wrong user name or password"
    assert "wait before trying again" in answers["pat"][-1]
    assert "account" not in answers["pat"][-1]


def test_failing_on_purpose_cannot_lock_the_pio_out(db, pat):
    for second in range(40):
        _attempt(db, "pat", "guess-guess-guess", ATTACKER, T0 + timedelta(seconds=second))
    assert isinstance(
        _attempt(db, "pat", GOOD, ATTACKER, T0 + timedelta(seconds=41)), auth.TooManyAttempts
    )
    # the PIO, from the office, signs in at once
    assert _attempt(db, "pat", GOOD, OFFICE, T0 + timedelta(seconds=42)) is None
    assert users.get_user(db, "pat").last_login_at == T0 + timedelta(seconds=42)


@pytest.mark.slow
def test_guessing_across_many_names_holds_the_address_back(db, pat):
    for index in range(SETTINGS.lockout_client_after):
        _attempt(db, f"user{index}", "guess-guess-guess", ATTACKER, T0)
    held = _attempt(db, "pat", GOOD, ATTACKER, T0 + timedelta(seconds=1))
    assert isinstance(held, auth.TooManyAttempts)
    assert _attempt(db, "pat", GOOD, OFFICE, T0 + timedelta(seconds=1)) is None


def test_the_administrator_enabling_the_account_lets_every_address_try_again(db, pat):
    for _ in range(SETTINGS.lockout_after):
        _attempt(db, "pat", "guess-guess-guess", OFFICE, T0)
    assert isinstance(_attempt(db, "pat", GOOD, OFFICE, T0), auth.TooManyAttempts)
    users.set_active(db, SYSTEM, "pat", True)  # "enable (and unlock)"
    assert _attempt(db, "pat", GOOD, OFFICE, T0) is None


def test_the_client_address_comes_from_the_connection_or_the_configured_proxy_header():
    plain = AuthSettings()
    proxied = AuthSettings(client_address_header="X-Forwarded-For")
    headers = {"X-Forwarded-For": "198.51.100.1, 10.0.0.2"}
    assert auth.client_address("10.0.0.9", headers, plain) == "10.0.0.9"  # header not trusted
    assert auth.client_address("10.0.0.9", headers, proxied) == "10.0.0.2"
    assert auth.client_address(None, {}, proxied) == "unknown"


def test_a_megabyte_password_costs_no_more_than_a_passphrase(db, pat, counted):
    huge = "a" * 1_000_000
    assert isinstance(_attempt(db, "pat", huge, OFFICE, T0), auth.SignInError)
    assert counted == ["verify"]


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("aaaaaaaaaa", "at least 12"),
        ("aaaaaaaaaaaaaaaa", "repetition"),
        ("123456789012", "repetition or a keyboard sequence"),
        ("qwertyuiopasdf", "keyboard sequence"),
        ("patlee-rumordesk-2026", "user name"),
        ("Pat.Lee.Is.Here.99", "user name"),
        ("password1234", "most common"),
        ("Password2024!", "most common"),
        ("!!baseball2024", "most common"),
        ("x" * 129, "at most 128"),
        ("a" * 1_000_000, "at most 128"),
        (" Stanford-Crossing ", "spaces"),
    ],
)
def test_the_password_policy_refuses(db, counted, password, why, monkeypatch):
    monkeypatch.setattr(
        users.HASHER, "hash", lambda *a, **k: pytest.fail("hashed a refused password")
    )
    with pytest.raises(users.UserError, match=why):
        users.add_user(db, SYSTEM, "patlee", "pio", password=password, display_name="Pat Lee")
    assert users.count_users(db) == 0


def test_a_long_uncommon_passphrase_is_accepted(db, counted):
    users.add_user(db, SYSTEM, "patlee", "pio", password=GOOD, display_name="Pat Lee")
    assert passwords.problems(GOOD, username="patlee") == []
    assert len(passwords.common_passwords()) == 30_000


@pytest.fixture
def cli(tmp_path, counted):
    config = write_config(
        tmp_path / "config.toml", f'[storage]\ndatabase_url = "sqlite:///{tmp_path / "c.db"}"\n'
    )
    runner = CliRunner()
    return lambda *args, **kw: runner.invoke(main, ["--config", str(config), *args], **kw)


def test_the_commands_enforce_the_policy(cli):
    def add(password: str):  # type: ignore[no-untyped-def]
        return cli("user", "add", "pat", "--role", "pio", "--password-stdin", input=password + "\n")

    assert "at least 12" in add("aaaaaaaaaa").output
    assert "user name" in add("pat-on-the-back-2026").output
    assert "at most 128" in add("b" * 1_000_000).output
    assert add(GOOD).exit_code == 0
    changed = cli("user", "set-password", "pat", "--password-stdin", input="password1234\n")
    assert changed.exit_code == 1 and "most common" in changed.output
    assert cli("user", "set-password", "pat", "--password-stdin", input=GOOD + "x\n").exit_code == 0


def test_the_system_name_is_reserved(db):
    with pytest.raises(users.UserError, match="reserved"):
        users.add_user(db, SYSTEM, "system", "admin", password=None, email="s@x.org")
    assert [e.action for e in audit.entries(db)] == []
