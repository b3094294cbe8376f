"""No secret in any error: what `collect` prints, what its `-v` log says, what is stored as
a source's last error, what the alerts table records, and what config.toml may hold.

Each server here is a real one on loopback that quotes the credential it was sent, as the
Graph API does ("Malformed access token EAAB…"), as an XRPC server validating its input
does, and as a web server answering ``Cannot POST /path`` does for a webhook.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from rumordesk.base.errors import ConfigError
from rumordesk.cli.main import main
from rumordesk.collectors.bluesky import PASSWORD_ENV, forget_sessions
from rumordesk.collectors.graph import FACEBOOK_TOKEN_ENV, INSTAGRAM_TOKEN_ENV
from rumordesk.store import open_database
from rumordesk.store.schema import alerts, sources
from rumordesk.triage.alerts.chore import Alerter
from tests.helpers.alerts import NOW, add_rumour
from tests.helpers.settings import make_settings, write_config

PAGE_TOKEN = "EAAGm0PX4ZCpsBAPageTokenQuotedBack77"
IG_TOKEN = "IGQVJInstagramTokenQuotedBack9x"
APP_PASSWORD = "kq4f-7zt2-xw9b-m3np"
TEAMS_PATH = (
    "/webhookb2/1b2c3d4e-aaaa-4bbb-8ccc-123456789012@9f8e7d6c-1111-4222-8333-444455556666"
    "/IncomingWebhook/0123456789abcdef0123456789abcdef/5a6b7c8d-9999-4888-8777-666655554444"
)
SECRET_PIECES = ("0123456789abcdef0123456789abcdef", "1b2c3d4e-aaaa-4bbb-8ccc-123456789012")


@dataclass
class Echo:
    """Answers every request with ``status`` and ``body`` (``{path}`` is replaced by the
    path asked for, ``{body}`` by the request's body escaped for a JSON string); records
    each request."""

    status: int = 400
    body: str = "{}"
    seen: list[tuple[str, str, bytes]] = field(default_factory=list)
    httpd: ThreadingHTTPServer | None = None

    def start(self) -> str:
        echo = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                sent = self.rfile.read(length) if length else b""
                echo.seen.append((self.command, self.path, sent))
                quoted = json.dumps(sent.decode("utf-8", "replace"))[1:-1]  # inside a JSON string
                text = echo.body.replace("{path}", self.path).replace("{body}", quoted)
                data = text.encode()
                self.send_response(echo.status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        assert self.httpd is not None
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def echo() -> Iterator[Echo]:
    server = Echo()
    server.start()
    yield server
    server.stop()


def _collect(tmp_path: Path, sources_toml: str) -> tuple[Any, str]:
    """``rumordesk -v collect --once`` with these sources; the result and the store's errors."""
    database = tmp_path / "desk.db"
    config = write_config(
        tmp_path / "config.toml",
        f'[storage]\ndatabase_url = "sqlite:///{database}"\n'
        "[collect]\nretries = 0\nconnect_timeout = 2.0\nread_timeout = 2.0\n" + sources_toml,
    )
    result = CliRunner().invoke(main, ["--config", str(config), "-v", "collect", "--once"])
    db = open_database(f"sqlite:///{database}")
    with db.read() as connection:
        stored = "\n".join(e or "" for e in connection.scalars(select(sources.c.last_error)))
    db.dispose()
    return result, stored


def _graph_source(kind: str, base: str) -> str:
    ident = 'page_id = "104958162837"' if kind == "facebook_page" else 'ig_user_id = "1784140"'
    return (
        f'[[sources]]\nname = "scpd-{kind}"\nkind = "{kind}"\n{ident}\n'
        f'graph_url = "{base}"\nofficial = true\n'
    )


@pytest.mark.parametrize(
    ("kind", "variable", "token"),
    [
        ("facebook_page", FACEBOOK_TOKEN_ENV, PAGE_TOKEN),
        ("instagram", INSTAGRAM_TOKEN_ENV, IG_TOKEN),
    ],
)
def test_a_graph_token_quoted_by_the_api_is_masked_in_output_log_and_store(
    tmp_path, monkeypatch, echo, kind, variable, token
):
    monkeypatch.setenv(variable, token)
    echo.body = json.dumps(
        {
            "error": {
                "message": f"Malformed access token {token}",
                "type": "OAuthException",
                "code": 190,
                "fbtrace_id": "AbCdEf",
            }
        }
    )
    result, stored = _collect(tmp_path, _graph_source(kind, _base(echo)))

    assert echo.seen, "the collector never reached the loopback Graph API"
    assert result.exit_code == 1
    assert "Malformed access token ***" in result.output
    assert "Malformed access token ***" in stored
    assert token not in result.output and token not in stored


def _base(echo: Echo) -> str:
    assert echo.httpd is not None
    host, port = echo.httpd.server_address[:2]
    return f"http://{host}:{port}"


def test_the_bluesky_app_password_quoted_by_the_server_is_masked(tmp_path, monkeypatch, echo):
    monkeypatch.setenv(PASSWORD_ENV, APP_PASSWORD)
    forget_sessions()
    # An XRPC server that quotes the input it refused (the JSON sign-in body).
    echo.body = '{"error": "InvalidRequest", "message": "Input was not accepted: {body}"}'
    source = (
        '[[sources]]\nname = "bsky-local"\nkind = "bluesky_search"\n'
        'login = "scpd-pio.bsky.social"\n'
        f'service_url = "{_base(echo)}"\n'
        'purpose = "Find claims of violence in Santa Clara so the PIO can correct them."\n'
        "queries = ['\"Santa Clara\" shooting']\n"
    )
    result, stored = _collect(tmp_path, source)
    forget_sessions()

    [sent] = [body for _, path, body in echo.seen if path.endswith("createSession")]
    assert APP_PASSWORD.encode() in sent, "the sign-in did not carry the app password"
    assert result.exit_code == 1 and "bsky-local" in result.output
    assert "Input was not accepted" in result.output and "Input was not accepted" in stored
    assert '"password":"***"' in stored
    assert APP_PASSWORD not in result.output and APP_PASSWORD not in stored


def _teams_settings(monkeypatch: pytest.MonkeyPatch, base: str, tmp_path: Path) -> Path:
    monkeypatch.setenv("RD_TEAMS_URL", base + TEAMS_PATH)
    return write_config(
        tmp_path / "config.toml",
        f'[storage]\ndatabase_url = "sqlite:///{tmp_path / "desk.db"}"\n'
        "[alerts]\ntimeout_seconds = 2.0\n"
        '[[alerts.webhooks]]\nname = "pio-channel"\nkind = "teams"\nurl_env = "RD_TEAMS_URL"\n',
    )


def test_a_teams_url_never_reaches_the_verbose_log(tmp_path, monkeypatch, echo):
    echo.status, echo.body = 404, "Cannot POST {path}"
    config = _teams_settings(monkeypatch, _base(echo), tmp_path)

    result = CliRunner().invoke(main, ["--config", str(config), "-v", "alerts", "test"])

    assert [path for _, path, _ in echo.seen] == [TEAMS_PATH]
    assert result.exit_code == 1
    assert "webhook:pio-channel: FAILED" in result.output
    assert "HTTP 404 Cannot POST ***" in result.output
    assert '"POST *** HTTP/1.1" 404' in result.output  # urllib3's debug line, masked
    for piece in SECRET_PIECES:
        assert piece not in result.output


def test_a_teams_url_never_reaches_the_alerts_table(db, monkeypatch, echo):
    echo.status, echo.body = 404, "Cannot POST {path}"
    monkeypatch.setenv("RD_TEAMS_URL", _base(echo) + TEAMS_PATH)
    settings = make_settings(
        [],
        alerts={
            "timeout_seconds": 2.0,
            "webhooks": [{"name": "pio-channel", "kind": "teams", "url_env": "RD_TEAMS_URL"}],
        },
    )
    add_rumour(db)

    Alerter(settings, db)(NOW)

    with db.read() as connection:
        [error] = connection.scalars(select(alerts.c.last_error)).all()
    assert [path for _, path, _ in echo.seen] == [TEAMS_PATH]
    assert error == "webhook pio-channel: HTTP 404 Cannot POST ***"


@pytest.mark.parametrize(
    "url",
    [
        "https://relay.example.org/hook?sig=8Fh2kq0Zx",
        "https://relay.example.org/hook?key=8Fh2kq0Zx",
        "https://relay.example.org/hook?code=8Fh2kq0Zx",
        "https://relay.example.org/hook?token=8Fh2kq0Zx",
        "https://prod-12.westus.logic.example.net/workflows/a1/triggers/manual?api-version=2016&sv=1.0&sig=Zx81kQ",
    ],
)
def test_config_refuses_a_secret_in_a_webhook_query(url):
    with pytest.raises(ConfigError, match="secrets may not be written in the configuration"):
        make_settings([], alerts={"webhooks": [{"name": "relay", "kind": "generic", "url": url}]})


@pytest.mark.parametrize(
    "url",
    [
        "https://relay.example.org/services/T0A1B2C3D/B0A1B2C3D/Xk29fh38sk2Lq93mZp0wQ7aB",
        "https://relay.example.org/api/webhooks/1234567890/9f8e7d6c-1111-4222-8333-444455556666",
    ],
)
def test_config_refuses_a_secret_in_a_custom_webhooks_path(url):
    with pytest.raises(ConfigError, match="this URL contains its secret"):
        make_settings([], alerts={"webhooks": [{"name": "relay", "kind": "generic", "url": url}]})


def test_config_refuses_a_secret_query_value_in_any_url():
    source = {
        "name": "news",
        "kind": "feed",
        "channel": "website",
        "url": "https://feeds.example.org/rss?key=AbC123xyz",
    }
    with pytest.raises(ConfigError, match=r"sources\[0\]\.url: secrets may not be written"):
        make_settings([source])


def test_an_internal_relay_without_a_secret_is_accepted():
    settings = make_settings(
        [],
        alerts={
            "webhooks": [
                {"name": "relay", "kind": "generic", "url": "https://relay.example.org/alerts/pio"}
            ]
        },
    )
    assert settings.alerts.webhooks[0].url == "https://relay.example.org/alerts/pio"
