"""eNotify / Nixle e-mail through a real IMAP server: Debian's dovecot on loopback.

The tests start dovecot (as root, which it needs to drop privileges) with a configuration
written into a temporary folder: a static password, maildirs in the folder, IMAP with
STARTTLS and IMAPS on free loopback ports, and a self-signed certificate made here.
Messages are delivered with IMAP APPEND, so the collector reads what a server stored.
"""

from __future__ import annotations

import datetime as dt
import imaplib
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from rumordesk.base.errors import ConfigError
from rumordesk.collectors.imap import PASSWORD_ENV
from rumordesk.collectors.runner import Runner
from rumordesk.store.posts import list_posts
from rumordesk.store.sources import load_cursor, source_health
from tests.helpers.settings import make_settings
from tests.helpers.tls import self_signed_certificate

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
PASSWORD = "mailbox-pw-for-tests"


@dataclass(frozen=True)
class Dovecot:
    imap_port: int
    imaps_port: int
    ca_file: str
    root: Path

    def connect(self, user: str) -> imaplib.IMAP4_SSL:
        context = ssl.create_default_context(cafile=self.ca_file)
        conn = imaplib.IMAP4_SSL("127.0.0.1", self.imaps_port, ssl_context=context, timeout=10)
        conn.login(user, PASSWORD)
        return conn

    def deliver(self, user: str, *messages: EmailMessage) -> None:
        conn = self.connect(user)
        for message in messages:
            conn.append("INBOX", None, None, message.as_bytes())
        conn.logout()

    def mailbox(self, user: str) -> dict[int, bytes]:
        """UID → FLAGS of every message (read-only, as EXAMINE)."""
        conn = self.connect(user)
        conn.select("INBOX", readonly=True)
        _, data = conn.uid("FETCH", "1:*", "(UID FLAGS)")
        conn.logout()
        found = {}
        for line in data:
            if isinstance(line, bytes) and b"UID" in line:
                uid = int(line.split(b"UID ")[1].split()[0].rstrip(b")"))
                found[uid] = line
        return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _certificate(folder: Path) -> tuple[Path, Path]:
    return self_signed_certificate(folder, "rumordesk-test-imap")


CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps}
    ssl = yes
  }}
}}
"""


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    if not Path(DOVECOT).exists() or os.geteuid() != 0:
        reason = (
            "dovecot-imapd is not installed (apt-get install -y dovecot-imapd)"
            if not Path(DOVECOT).exists()
            else "dovecot must be started as root (it drops privileges itself)"
        )
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; .ci/run installs it")
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="rumordesk-dovecot-"))
    root.chmod(0o755)  # the login processes run as dovenull
    for name in ("mail", "home"):
        (root / name).mkdir()
        shutil.chown(root / name, "nobody", "nogroup")
    cert, key = _certificate(root)
    imap, imaps = _free_port(), _free_port()
    config = root / "dovecot.conf"
    config.write_text(
        CONFIG.format(root=root, cert=cert, key=key, password=PASSWORD, imap=imap, imaps=imaps)
    )
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=(root / "stderr.txt").open("wb"),
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", imaps), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (root / "stderr.txt").read_text() + _read(root / "dovecot.log")
                    pytest.fail(f"dovecot did not start: {log[-2000:]}")
                time.sleep(0.05)
        yield Dovecot(imap, imaps, str(cert), root)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)


@pytest.fixture
def user() -> str:
    return f"pio-{uuid.uuid4().hex[:8]}"


def mail(
    subject: str,
    *,
    sender: str = "Santa Clara Police Department <alerts@nixle.com>",
    text: str | None = None,
    html: str | None = None,
    sent: dt.datetime | None = None,
    message_id: str | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "pio@santaclaraca.gov"
    message["Subject"] = subject
    message["Date"] = format_datetime(sent or dt.datetime(2026, 11, 30, 18, 0, tzinfo=dt.UTC))
    message["Message-ID"] = message_id or f"<{uuid.uuid4().hex}@nixle.com>"
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    return message


def source(dovecot: Dovecot, user: str, **extra) -> dict:
    return {
        "name": "city-enotify",
        "kind": "imap",
        "host": "127.0.0.1",
        "port": dovecot.imaps_port,
        "security": "tls",
        "ca_file": dovecot.ca_file,
        "username": user,
        "senders": ["nixle.com", "santaclaraca.gov"],
        **extra,
    }


@pytest.mark.slow
def test_alerts_are_stored_as_official_posts_and_marked_not_deleted(db, dovecot, user):
    nixle = mail(
        "ADVISORY: Police activity near Great America",
        text="Avoid Great America Pkwy.\nNo threat to the public.\nhttps://nixle.us/ABC12",
        sent=dt.datetime(2026, 11, 30, 18, 5, tzinfo=dt.timezone(dt.timedelta(hours=-8))),
        message_id="<alert-1@nixle.com>",
    )
    enotify = mail(
        "City news: Art and Wine Festival road closures",
        sender="City of Santa Clara <enotify@santaclaraca.gov>",
        html="<p>Closures on <b>Homestead</b>.</p><script>alert(1)</script>",
        message_id="<enotify-7@santaclaraca.gov>",
    )
    other = mail("Win a prize", sender="spam@example.com", text="click")
    dovecot.deliver(user, nixle, enotify, other)

    run = Runner(make_settings([source(dovecot, user)]), db).run_once()[0]
    assert (run.status, run.new) == ("ok", 2), run.error

    posts = {p["source_id"]: p for p in list_posts(db)}
    assert set(posts) == {"<alert-1@nixle.com>", "<enotify-7@santaclaraca.gov>"}
    alert = posts["<alert-1@nixle.com>"]
    assert alert["text"] == (
        "ADVISORY: Police activity near Great America\n\n"
        "Avoid Great America Pkwy.\nNo threat to the public.\nhttps://nixle.us/ABC12"
    )
    assert alert["created_at"] == dt.datetime(2026, 12, 1, 2, 5, tzinfo=dt.UTC)
    assert alert["url"] == "https://nixle.us/ABC12"
    assert alert["is_official"] and alert["channel"] == "enotify"
    assert alert["author"] == "Santa Clara Police Department"
    city = posts["<enotify-7@santaclaraca.gov>"]
    assert (
        city["text"] == "City news: Art and Wine Festival road closures\n\nClosures on Homestead."
    )

    box = dovecot.mailbox(user)
    assert len(box) == 3  # nothing deleted
    assert all(b"$RumorDeskProcessed" in flags for flags in box.values())
    assert not any(b"\\Seen" in flags for flags in box.values())  # read with BODY.PEEK
    cursor = load_cursor(db, "city-enotify")
    assert cursor["last_uid"] == 3 and cursor["uidvalidity"]


@pytest.mark.slow
def test_later_runs_read_only_new_messages(db, dovecot, user):
    dovecot.deliver(user, mail("First", text="one"))
    settings = make_settings([source(dovecot, user, batch_size=2)])
    runner = Runner(settings, db)
    assert runner.run_once()[0].new == 1
    assert runner.run_once()[0].new == 0
    dovecot.deliver(user, *(mail(f"Alert {i}", text=f"body {i}") for i in range(3)))
    run = runner.run_once()[0]
    assert (run.new, run.requests) == (3, 2)  # two batches of at most 2 messages
    assert load_cursor(db, "city-enotify")["last_uid"] == 4


@pytest.mark.slow
def test_a_changed_uidvalidity_rereads_without_duplicates(db, dovecot, user):
    dovecot.deliver(user, mail("Once", text="x", message_id="<once@nixle.com>"))
    settings = make_settings([source(dovecot, user)])
    Runner(settings, db).run_once()
    from rumordesk.store.posts import save_batch
    from rumordesk.store.records import Batch

    stale = {**load_cursor(db, "city-enotify"), "uidvalidity": "1"}
    save_batch(db, "city-enotify", Batch((), stale))
    run = Runner(settings, db).run_once()[0]
    assert (run.new, run.updated) == (0, 0) and len(list_posts(db)) == 1


@pytest.mark.slow
def test_starttls_works_on_the_plain_port(db, dovecot, user):
    dovecot.deliver(user, mail("Over STARTTLS", text="ok"))
    settings = make_settings([source(dovecot, user, port=dovecot.imap_port, security="starttls")])
    assert Runner(settings, db).run_once()[0].new == 1


@pytest.mark.slow
def test_a_wrong_password_is_misconfigured_and_not_repeated(db, dovecot, user, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password")
    run = Runner(make_settings([source(dovecot, user)]), db).run_once()[0]
    assert run.status == "misconfigured"
    assert "refused the sign-in" in run.error and PASSWORD_ENV in run.error
    assert "not-the-password" not in (source_health(db)[0].last_error or "")


@pytest.mark.slow
def test_an_untrusted_certificate_is_refused(db, dovecot, user):
    run = Runner(make_settings([source(dovecot, user, ca_file=None)]), db).run_once()[0]
    assert run.status == "misconfigured" and "certificate is not trusted" in run.error


@pytest.mark.slow
def test_a_closed_port_is_transient(db, dovecot, user):
    run = Runner(make_settings([source(dovecot, user, port=_free_port())]), db).run_once()[0]
    assert run.status == "error" and "could not connect" in run.error


def test_plaintext_imap_is_refused_except_on_loopback():
    with pytest.raises(ConfigError, match="allowed only for a server on loopback"):
        make_settings(
            [
                {
                    "name": "m",
                    "kind": "imap",
                    "host": "imap.example.org",
                    "port": 143,
                    "security": "none",
                    "username": "pio",
                }
            ]
        )


@pytest.mark.slow
def test_awkward_messages_still_become_posts(db, dovecot, user):
    no_id = (
        b"From: SCPD <alerts@nixle.com>\r\nSubject: =?utf-8?q?Road_closure_=E2=80=93_Tasman?=\r\n"
        b"Date: Mon, 30 Nov 2026 10:00:00 -0800\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=x-unknown-charset\r\n\r\n"
        b"Tasman Dr closed \xe9 until noon.\r\n"
    )
    conn = dovecot.connect(user)
    conn.append("INBOX", None, None, no_id)
    conn.logout()
    run = Runner(make_settings([source(dovecot, user)]), db).run_once()[0]
    assert (run.status, run.new) == ("ok", 1), run.error
    [post] = list_posts(db)
    assert post["source_id"].startswith("sha256:")  # no Message-ID: the message's hash
    assert post["text"].startswith("Road closure – Tasman\n\nTasman Dr closed")
    assert post["created_at"] == dt.datetime(2026, 11, 30, 18, 0, tzinfo=dt.UTC)


@pytest.mark.slow
def test_a_date_without_a_zone_is_the_departments_and_minus_0000_is_utc(db, dovecot, user):
    # one instant, 2026-11-23 19:00 UTC; the Department is in New York (14:00 there)
    dates = {
        "no-zone": "Mon, 23 Nov 2026 14:00:00",
        "offset": "Mon, 23 Nov 2026 11:00:00 -0800",
        "utc": "Mon, 23 Nov 2026 19:00:00 +0000",
        "unknown-local-zone": "Mon, 23 Nov 2026 19:00:00 -0000",  # RFC 5322: UTC
    }
    conn = dovecot.connect(user)
    for name, date in dates.items():
        raw = (
            f"From: SCPD <alerts@nixle.com>\r\nTo: pio@santaclaraca.gov\r\n"
            f"Subject: Advisory {name}\r\nDate: {date}\r\nMessage-ID: <{name}@nixle.com>\r\n"
            f"\r\nNo threat to the public.\r\n"
        )
        conn.append("INBOX", None, None, raw.encode())
    conn.logout()
    settings = make_settings([source(dovecot, user)], department={"timezone": "America/New_York"})

    run = Runner(settings, db).run_once()[0]
    assert (run.status, run.new) == ("ok", 4), run.error

    times = {p["source_id"]: p["created_at"] for p in list_posts(db)}
    instant = dt.datetime(2026, 11, 23, 19, 0, tzinfo=dt.UTC)
    assert times == {f"<{name}@nixle.com>": instant for name in dates}
