"""Secrets come from the environment or .streamlit/secrets.toml and never reach a log line."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from rumordesk.base.errors import ConfigError
from rumordesk.base.logs import RedactSecrets, configure_logging, install_masking, redact
from rumordesk.base.secrets import get_secret, known_secret_values


@pytest.fixture
def secrets_file(tmp_path: Path) -> Path:
    path = tmp_path / ".streamlit" / "secrets.toml"
    path.parent.mkdir()
    path.write_text(
        'RD_TEST_TOKEN = "from-file-Zq81"\nRD_TEST_NUMBER = 42\n'
        '[section]\nRD_TEST_NESTED = "nested"\n',
        encoding="utf-8",
    )
    return path


def test_environment_wins_over_the_secrets_file(secrets_file, monkeypatch):
    monkeypatch.setenv("RD_TEST_TOKEN", "from-env-Kp27")
    assert get_secret("RD_TEST_TOKEN", secrets_file=secrets_file) == "from-env-Kp27"


def test_secrets_file_when_the_environment_is_silent(secrets_file, monkeypatch):
    monkeypatch.delenv("RD_TEST_TOKEN", raising=False)
    assert get_secret("RD_TEST_TOKEN", secrets_file=secrets_file) == "from-file-Zq81"
    assert "from-file-Zq81" in known_secret_values()


def test_missing_or_unusable_secret_is_none(secrets_file, tmp_path, monkeypatch):
    for name in ("RD_TEST_ABSENT", "RD_TEST_NUMBER", "RD_TEST_NESTED"):
        monkeypatch.delenv(name, raising=False)
        assert get_secret(name, secrets_file=secrets_file) is None
    assert get_secret("RD_TEST_ABSENT", secrets_file=tmp_path / "no-such.toml") is None


def test_broken_secrets_file_is_a_clear_error_without_its_values(tmp_path, monkeypatch):
    path = tmp_path / "secrets.toml"
    path.write_text('RD_TEST_TOKEN = "leaky-Vb55\n', encoding="utf-8")
    monkeypatch.delenv("RD_TEST_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="secrets.toml: not valid TOML") as caught:
        get_secret("RD_TEST_TOKEN", secrets_file=path)
    assert "leaky-Vb55" not in str(caught.value)


@pytest.fixture
def logger() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A logger whose handler formats as the application's does, with the filter on."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets())
    log = logging.getLogger("rumordesk.test.redaction")
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(logging.DEBUG)
    yield log, stream
    log.handlers[:] = []


def test_a_secret_read_through_get_secret_is_masked(logger, monkeypatch, tmp_path):
    log, stream = logger
    monkeypatch.setenv("RD_TEST_API", "sk-live-77Hq")
    secret = get_secret("RD_TEST_API", secrets_file=tmp_path / "none.toml")

    log.warning("calling the API with %s", secret)
    log.info("key sk-live-77Hq in the message itself")
    log.error("dict %r", {"key": secret})

    output = stream.getvalue()
    assert "sk-live-77Hq" not in output
    assert output.count("***") == 3
    assert "calling the API with ***" in output


@pytest.mark.parametrize(
    "line",
    [
        "Authorization: Bearer xyz.ABC-123",
        "Authorization: bearer xyz.ABC-123",
        "GET https://api.example.org/feed?access_token=xyz.ABC-123&q=shooting",
        "GET https://api.example.org/feed?q=shooting&token=xyz.ABC-123",
        "login with password=xyz.ABC-123",
        "https://example.org/?api_key=xyz.ABC-123",
        "https://example.org/?apikey=xyz.ABC-123",
    ],
)
def test_credentials_never_read_by_us_are_masked_too(logger, line):
    log, stream = logger
    log.warning("request failed: %s", line)
    output = stream.getvalue()
    assert "xyz.ABC-123" not in output
    assert "***" in output
    assert "request failed" in output


def test_query_parameters_around_a_token_survive(logger):
    log, stream = logger
    log.warning("https://x.org/feed?access_token=xyz&q=shooting")
    assert "https://x.org/feed?access_token=***&q=shooting" in stream.getvalue()


def test_a_traceback_does_not_leak_a_secret(logger, monkeypatch, tmp_path):
    """log.exception repeats the exception's message, URL and all: it is masked too."""
    log, stream = logger
    monkeypatch.setenv("RD_TEST_TRACE", "trace-secret-91Lm")
    secret = get_secret("RD_TEST_TRACE", secrets_file=tmp_path / "none.toml")
    try:
        raise RuntimeError(f"GET https://x.org/?access_token=tok-55Aa failed; key {secret}")
    except RuntimeError:
        log.exception("collector crashed")

    output = stream.getvalue()
    assert "Traceback" in output and "RuntimeError" in output
    assert "tok-55Aa" not in output and "trace-secret-91Lm" not in output


def test_stack_info_is_masked(logger):
    log, stream = logger
    # the stack shows this line's source, token included
    fetch = lambda: log.warning("fetching", stack_info=True) or "?access_token=stk-42Pp"  # noqa: E731
    fetch()
    output = stream.getvalue()
    assert "Stack (most recent call last)" in output and "fetching" in output
    assert "stk-42Pp" not in output


def test_a_broken_log_call_does_not_raise_from_the_filter(logger):
    log, _ = logger
    handler = log.handlers[0]
    record = log.makeRecord(log.name, logging.WARNING, __file__, 1, "%s %s", ("one",), None)
    assert RedactSecrets().filter(record) is True
    handler.handleError = lambda record: None  # what logging does with a bad record: report it
    handler.handle(record)


def test_configure_logging_installs_the_filter(monkeypatch, capsys):
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging(verbose=False)
        logging.getLogger("rumordesk.test").warning("token=abc-SECRET-9 in a URL")
        logging.getLogger("rumordesk.test").info("not shown at the default level")
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    err = capsys.readouterr().err
    assert "token=***" in err and "abc-SECRET-9" not in err
    assert "not shown" not in err


def test_redact_leaves_ordinary_text_alone():
    text = "Shots fired near Levi's Stadium? Police say no; tokens of support for staff"
    assert redact(text) == text


@pytest.mark.parametrize(
    "line",
    [
        "POST https://relay.example.org/hook?sig=xyz.ABC-123&api-version=1",
        "POST https://relay.example.org/hook?key=xyz.ABC-123",
        "POST https://relay.example.org/api/x?code=xyz.ABC-123",
        "https://someone:xyz.ABC-123@relay.example.org/",
        'sign-in body {"identifier": "pio", "password": "xyz.ABC-123"}',
        "headers {'Authorization': 'Basic xyz.ABC-123'}",
    ],
)
def test_signature_key_code_userinfo_and_json_credentials_are_masked(line):
    masked = redact(line)
    assert "xyz.ABC-123" not in masked and "***" in masked


def test_a_secret_url_is_masked_whole_and_by_its_path_and_query(monkeypatch, tmp_path):
    monkeypatch.setenv("RD_TEST_HOOK", "https://hooks.example.org/T0/B0/Zq81kd92jfK3m?sig=Lp04")
    get_secret("RD_TEST_HOOK", secrets_file=tmp_path / "none.toml")
    assert redact("hooks.example.org:443 POST /T0/B0/Zq81kd92jfK3m HTTP/1.1") == (
        "hooks.example.org:443 POST *** HTTP/1.1"
    )
    assert "Zq81kd92jfK3m" not in redact("Cannot POST /T0/B0/Zq81kd92jfK3m?sig=Lp04")


def test_every_logger_is_masked_once_masking_is_installed(monkeypatch, tmp_path):
    """urllib3's, tweepy's or Streamlit's own handlers never see the unmasked line."""
    monkeypatch.setenv("RD_TEST_BEARER", "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid")
    token = get_secret("RD_TEST_BEARER", secrets_file=tmp_path / "none.toml")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)  # no filter of ours on it
    library = logging.getLogger("tweepy.client.test")
    library.handlers[:], library.propagate = [handler], False
    library.setLevel(logging.DEBUG)
    factory = logging.getLogRecordFactory()
    try:
        install_masking()
        install_masking()  # idempotent: one wrapper, not two
        library.debug("Making API request: GET /2/tweets\nHeaders: %s", {"Authorization": token})
    finally:
        logging.setLogRecordFactory(factory)
        library.handlers[:] = []
    assert token not in stream.getvalue() and "Making API request" in stream.getvalue()


def test_an_exception_message_is_masked_wherever_it_is_shown(monkeypatch, tmp_path):
    from rumordesk.base.errors import RumorDeskError

    monkeypatch.setenv("RD_TEST_PAGE", "EAAB-page-Zk81-token")
    get_secret("RD_TEST_PAGE", secrets_file=tmp_path / "none.toml")
    error = RumorDeskError("Malformed access token EAAB-page-Zk81-token")
    assert str(error) == "Malformed access token ***"
    assert "EAAB-page-Zk81-token" not in f"{error}" and "EAAB" not in repr(str(error))
