"""Benchmark: from a dangerous post appearing in a feed to the PIO's e-mail, end to end.

Everything runs on loopback and for real: a feed file served by an HTTP server thread
(ETag from the content, so conditional GETs behave as on a real site), ``rumordesk
collect --every N`` as a subprocess with a temporary config (the shipped [classify]
gazetteer), and an aiosmtpd server receiving the alert. Each trial
appends a new item — "ACTIVE SHOOTER at Great America right now, people running, stay
away" with a trial number — and times from the moment the feed file is written to the
moment the e-mail for that trial arrives. A warm-up trial (the loop training its model on
the first batch, into the temporary folder) is not counted.

Two settings differ from the shipped ones so that every trial is a new rumour that must
alert (and not the same story re-alerting): ``quiet_minutes = 0`` and a clustering window
of 0.36 s. Target (issue 7): median ≤ polling interval + 2 s.

``--slowloris`` adds a second source beside the feed: a server that announces a large body
and trickles it a byte a second, forever (issue 14). The bench then also reports the good
feed's poll intervals (when its requests arrived at the server): a slow source must not
delay them by more than the interval, nor the alerts.

Run: ``.venv/bin/python bench/alert_latency.py [--trials 20] [--every 2] [--slowloris]``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parent.parent
CLAIM = "ACTIVE SHOOTER at Great America right now, people running, stay away"
#: ``rumordesk`` itself, with the keyword baseline as the scorer's text model.
KEYWORD_LOOP = (
    "import sys; import rumordesk.classify.scoring as s; "
    "from rumordesk.classify.baseline import KeywordBaseline; "
    "s.load_default_model = lambda *_: (KeywordBaseline().predict_proba, 'keyword'); "
    "from rumordesk.cli.main import main; sys.argv[0] = 'rumordesk'; main()"
)


class FeedFile:
    """The feed document, rewritten whole on each append (as a CMS would publish it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[str] = []
        self._write()

    def append(self, guid: str, text: str) -> float:
        when = format_datetime(datetime.now(UTC), usegmt=True)
        self.items.insert(
            0,
            f"<item><guid isPermaLink='false'>{guid}</guid><title>{text}</title>"
            f"<link>https://community.example/{guid}</link><pubDate>{when}</pubDate></item>",
        )
        return self._write()

    def _write(self) -> float:
        body = (
            "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
            "<title>Santa Clara community</title><link>https://community.example/</link>"
            + "".join(self.items)
            + "</channel></rss>"
        )
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(body, encoding="utf-8")
        os.replace(tmp, self.path)  # readers see the old or the new file, never half
        return time.time()


def serve_feed(feed: FeedFile, polls: list[float]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            polls.append(time.monotonic())
            body = feed.path.read_bytes()
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def serve_slowloris(requests: list[float]) -> ThreadingHTTPServer:
    """A feed server that never finishes: 1 MB announced, one byte a second."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            requests.append(time.monotonic())
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
            self.send_header("Content-Length", str(1024 * 1024))
            self.end_headers()
            try:
                self.wfile.write(b"<?xml version='1.0'?><rss version='2.0'><channel>")
                while True:
                    self.wfile.flush()
                    time.sleep(1.0)
                    self.wfile.write(b" ")
            except (BrokenPipeError, ConnectionResetError):
                return

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class Inbox:
    """The SMTP server: remembers when each trial's e-mail arrived."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.subjects: list[str] = []
        self.changed = threading.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        arrived = time.time()
        message = message_from_bytes(envelope.original_content, policy=policy.SMTP)
        body = message.get_body(("plain",)).get_content()
        with self.changed:
            self.subjects.append(str(message["Subject"]))
            for word in body.split():
                token = word.strip(".,()")
                if token.startswith("bench-"):
                    self.arrivals.setdefault(token, arrived)
            self.changed.notify_all()
        return "250 OK"

    def wait(self, token: str, timeout: float, loop: subprocess.Popen[bytes]) -> float | None:
        """The arrival time of the trial's e-mail; None after ``timeout`` or once the loop
        process has ended (checked every second, so a loop that dies is not waited for)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while token not in self.arrivals:
                left = deadline - time.monotonic()
                if left <= 0 or loop.poll() is not None:
                    return None
                self.changed.wait(min(left, 1.0))
            return self.arrivals[token]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(folder: Path, feed_url: str, smtp_port: int, slow_url: str | None = None) -> Path:
    shipped = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    model = folder / "misinfo.skops"  # trained by the loop on its first batch (the warm-up)
    places = "".join(
        f"\n[[classify.places]]\nname = {_toml(p['name'])}\n"
        f"aliases = {_toml(p.get('aliases', []))}\n"
        for p in shipped["classify"].get("places", [])
    )
    scalars = {k: v for k, v in shipped["classify"].items() if k not in ("places", "model_path")}
    scalars["cluster_window_hours"] = 0.0001  # 0.36 s: each trial is a new rumour
    classify = "".join(f"{k} = {_toml(v)}\n" for k, v in scalars.items())
    path = folder / "config.toml"
    path.write_text(
        f"""
[storage]
database_url = "sqlite:///{folder / "bench.db"}"

[collect]
connect_timeout = 2.0
read_timeout = 5.0

[mail]
host = "127.0.0.1"
port = {smtp_port}
security = "none"

[alerts]
email_to = ["pio@santaclaraca.gov"]
quiet_minutes = 0.0
public_url = "http://localhost:8501"

[classify]
model_path = {_toml(str(model))}
{classify}{places}
[[sources]]
name = "community"
kind = "feed"
channel = "mastodon"
purpose = "Benchmark: a local community feed on loopback."
url = "{feed_url}"
{_slow_source(slow_url)}""",
        encoding="utf-8",
    )
    return path


def _slow_source(url: str | None) -> str:
    if not url:
        return ""
    return f"""
[[sources]]
name = "slowloris"
kind = "feed"
channel = "website"
purpose = "Benchmark: a source that trickles a byte a second and never ends."
url = "{url}"
"""


def _toml(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):  # e.g. the gazetteer's namesakes: inline tables
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return json.dumps(str(value), ensure_ascii=False)


def diagnose(db_path: Path) -> str:
    import sqlite3

    with sqlite3.connect(db_path) as db:

        def count(table: str) -> int:
            try:
                return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            except sqlite3.Error:
                return -1

        top = (
            db.execute(
                "SELECT score, severity, harm FROM rumors ORDER BY id DESC LIMIT 1"
            ).fetchall()
            if count("rumors") > 0
            else []
        )
        return (
            f"posts={count('posts')} post_scores={count('post_scores')} "
            f"rumors={count('rumors')} alerts={count('alerts')} latest rumour={top}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--every", type=float, default=2.0, help="collect --every SECONDS")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait per trial")
    parser.add_argument(
        "--slowloris",
        action="store_true",
        help="add a source that trickles a byte a second, forever, beside the feed",
    )
    parser.add_argument(
        "--model",
        choices=["configured", "keyword"],
        default="configured",
        help="configured: the loop's own model (classify.training); keyword: the same CLI, "
        "loop and scorer with the keyword baseline as the text model (for when no trained "
        "model is available)",
    )
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="rumordesk-alert-bench-"))
    feed = FeedFile(folder / "feed.xml")
    polls: list[float] = []
    http = serve_feed(feed, polls)
    slow_requests: list[float] = []
    slow = serve_slowloris(slow_requests) if args.slowloris else None
    inbox = Inbox()
    smtp_port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    feed_url = f"http://127.0.0.1:{http.server_address[1]}/feed.xml"
    slow_url = f"http://127.0.0.1:{slow.server_address[1]}/slow.xml" if slow else None
    config = write_config(folder, feed_url, smtp_port, slow_url)
    log = (folder / "collect.log").open("w")
    command = [str(ROOT / ".venv/bin/rumordesk")]
    if args.model == "keyword":
        command = [sys.executable, "-c", KEYWORD_LOOP]
    loop = subprocess.Popen(
        [
            *command,
            "--config",
            str(config),
            "collect",
            "--every",
            f"{args.every:g}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=folder,
    )
    latencies: list[float] = []
    missed = 0
    measured_from = 0.0
    try:
        time.sleep(args.every + 1)  # the first (empty) pass
        for trial in range(args.trials + 1):
            token = f"bench-{trial}"
            written = feed.append(token, f"{CLAIM} ({token})")
            arrived = inbox.wait(token, args.timeout if trial else max(args.timeout, 600), loop)
            if arrived is None and loop.poll() is not None:
                log.flush()
                tail = (folder / "collect.log").read_text(encoding="utf-8")[-2000:]
                sys.exit(f"the collect loop ended (exit {loop.returncode}):\n{tail}")
            if arrived is None:
                missed += 1
                print(
                    f"trial {trial}: no e-mail within {args.timeout:g}s — "
                    f"{diagnose(folder / 'bench.db')}",
                    file=sys.stderr,
                )
                if trial == 0:
                    break
                continue
            latency = arrived - written
            if trial == 0:
                print(f"warm-up (the loop loads or trains its model): {latency:.2f} s")
                measured_from = time.monotonic()
            else:
                latencies.append(latency)
                print(f"trial {trial:2d}: {latency:.2f} s")
            # Land anywhere in the poll cycle, but in a later second than the last trial: RSS
            # dates have one-second resolution, and two posts of the same claim dated in the
            # same second are one story (correctly not alerted twice), not a new trial.
            time.sleep(random.uniform(1.1, args.every + 1.1))
    finally:
        loop.terminate()
        try:
            loop.wait(timeout=15)
        except subprocess.TimeoutExpired:
            loop.kill()
        smtp.stop()
        http.shutdown()
        if slow:
            slow.shutdown()
        log.close()

    if not latencies:
        print(f"no trial completed; collector log: {folder / 'collect.log'}")
        return 1
    ordered = sorted(latencies)
    p90 = ordered[max(0, int(round(0.9 * len(ordered))) - 1)]
    median = statistics.median(ordered)
    target = args.every + 2
    print(
        f"\n{len(latencies)} trials ({args.model} model), every {args.every:g} s: "
        f"median {median:.2f} s, "
        f"p90 {p90:.2f} s, max {ordered[-1]:.2f} s, min {ordered[0]:.2f} s; missed {missed}"
    )
    print(f"target median ≤ {target:g} s: {'met' if median <= target else 'NOT met'}")
    print(f"e-mails received: {len(inbox.subjects)} (one per trial expected)")
    polled = [at for at in polls if at >= measured_from]
    gaps = sorted(b - a for a, b in zip(polled, polled[1:], strict=False))
    if gaps:
        print(
            f"feed polls after the warm-up: {len(polled)}, interval median "
            f"{statistics.median(gaps):.2f} s, p90 {gaps[int(0.9 * (len(gaps) - 1))]:.2f} s, "
            f"max {gaps[-1]:.2f} s (every {args.every:g} s configured)"
        )
    if slow:
        print(f"slowloris source: {len(slow_requests)} request(s), none ever finished")
    return 0 if median <= target and not missed else 1


if __name__ == "__main__":
    sys.exit(main())
