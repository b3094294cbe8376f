"""Alert e-mail over STARTTLS (port 587 style) and implicit TLS (465 style) with a login
whose password comes from the environment, against aiosmtpd with a self-signed CA."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from rumordesk.triage.alerts.chore import Alerter
from tests.helpers.alerts import NOW, SmtpSink, add_rumour, alert_rows, free_port
from tests.helpers.settings import make_settings
from tests.helpers.tls import self_signed_certificate

PASSWORD = "s3cret-for-tests"  # noqa: S105 - a test server's password


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the CA the client is told to trust)."""
    return self_signed_certificate(tmp_path_factory.mktemp("tls"), "127.0.0.1")


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any):
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        b"rumordesk",
        PASSWORD.encode(),
    )
    return AuthResult(success=ok)


@pytest.fixture(params=["starttls", "tls"])
def secure_sink(request, certificate) -> Iterator[tuple[SmtpSink, str]]:
    cert_path, key_path = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    sink = SmtpSink(free_port())
    # implicit TLS: aiosmtpd does not count it as TLS for auth_require_tls
    options: dict[str, Any] = {
        "authenticator": _authenticator,
        "auth_require_tls": request.param == "starttls",
    }
    if request.param == "starttls":
        options |= {"tls_context": context, "require_starttls": True}
        sink.controller = Controller(sink, hostname="127.0.0.1", port=sink.port, **options)
    else:
        sink.controller = Controller(
            sink,
            hostname="127.0.0.1",
            port=sink.port,
            ssl_context=context,
            server_hostname="127.0.0.1",
            **options,
        )
    sink.controller.start()
    yield sink, request.param
    sink.stop()


def _settings(sink: SmtpSink, security: str, ca_file: Path):
    return make_settings(
        [],
        mail={
            "host": "127.0.0.1",
            "port": sink.port,
            "security": security,
            "username": "rumordesk",
            "ca_file": str(ca_file),
        },
        alerts={"email_to": ["pio@santaclaraca.gov"], "timeout_seconds": 3},
    )


def test_alert_email_over_tls_with_the_password_from_the_environment(
    db, secure_sink, certificate, monkeypatch
):
    sink, security = secure_sink
    monkeypatch.setenv("RUMORDESK_SMTP_PASSWORD", PASSWORD)
    add_rumour(db)

    report = Alerter(_settings(sink, security, certificate[0]), db)(NOW)

    assert report.sent == 1, alert_rows(db)[0]["last_error"]
    assert [r.rcpt_tos for r in sink.received] == [["pio@santaclaraca.gov"]]


@pytest.mark.slow
def test_a_wrong_password_delivers_nothing_and_never_shows_the_password(
    db, secure_sink, certificate, monkeypatch
):
    sink, security = secure_sink
    monkeypatch.setenv("RUMORDESK_SMTP_PASSWORD", "wrong-password")
    add_rumour(db)

    Alerter(_settings(sink, security, certificate[0]), db)(NOW)

    [row] = alert_rows(db)
    # aiosmtpd answers 535 and then stalls smtplib's next mechanism: refused or timed out,
    # either way nothing was delivered and the row is not "sent"
    assert row["status"] in ("failed", "retrying"), row
    assert row["last_error"].startswith("mail to 127.0.0.1")
    assert "wrong-password" not in row["last_error"]
    assert sink.received == []


def test_an_untrusted_certificate_is_refused(db, secure_sink, monkeypatch):
    """Without ca_file the system's CAs are used, and they do not know this one."""
    sink, security = secure_sink
    monkeypatch.setenv("RUMORDESK_SMTP_PASSWORD", PASSWORD)
    add_rumour(db)
    settings = make_settings(
        [],
        mail={
            "host": "127.0.0.1",
            "port": sink.port,
            "security": security,
            "username": "rumordesk",
        },
        alerts={"email_to": ["pio@santaclaraca.gov"], "timeout_seconds": 3},
    )

    Alerter(settings, db)(NOW)

    [row] = alert_rows(db)
    assert row["status"] == "retrying" and "CERTIFICATE_VERIFY_FAILED" in row["last_error"]
    assert sink.received == []
