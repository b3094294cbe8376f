"""Commands of the first stages: set up, collect, look at sources and posts, run it all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from rumordesk.base.config import CONFIG_ENV
from rumordesk.base.errors import ConfigError
from rumordesk.base.times import in_utc
from rumordesk.cli.context import (
    Context,
    format_when,
    friendly_errors,
    open_and_migrate,
    print_table,
    unscored_warning,
)
from rumordesk.loop import collection_hooks, loop_chores, record_configuration

#: The dashboard's Streamlit settings, passed on the command line so that they hold wherever
#: the command runs from (a ``.streamlit/config.toml`` is only read from the folder the
#: dashboard starts in; the project's own says the same, and a test keeps the two equal).
DASHBOARD_OPTIONS: dict[str, str] = {
    # post text and uploads are untrusted: keep uploads small (MB)
    "server.maxUploadSize": "10",
    "browser.gatherUsageStats": "false",
    # no "Deploy" button or developer menu for the PIO
    "client.toolbarMode": "minimal",
    "theme.base": "light",
    "theme.primaryColor": "#1f4e79",
}


def dashboard_command(port: int, address: str) -> list[str]:
    """How `rumordesk run` starts the dashboard (the browser tests start it the same way)."""
    options = [part for key, value in DASHBOARD_OPTIONS.items() for part in (f"--{key}", value)]
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(DASHBOARD_SCRIPT),
        "--server.port",
        str(port),
        "--server.address",
        address,
        *options,
    ]


#: The dashboard's entry script, inside the package (so a non-editable install has it too):
#: the st.App with the sign-in routes and the security headers (rumordesk/web/server.py).
DASHBOARD_SCRIPT = Path(__file__).resolve().parent.parent / "web" / "serve.py"

POST_COLUMNS = (
    "id",
    "source",
    "channel",
    "created_at",
    "first_seen_at",
    "author",
    "text",
    "url",
    "lang",
    "is_official",
    "likes",
    "shares",
    "replies",
    "quotes",
    "views",
)


@click.command()
@click.pass_obj
@friendly_errors
def init(obj: Context) -> None:
    """Check the configuration and create or upgrade the database."""
    from rumordesk.store.migrations import current_version
    from rumordesk.store.sources import sync_sources
    from rumordesk.triage.config_log import record_changes

    settings = obj.settings
    db, applied = open_and_migrate(settings.storage.database_url)
    sync_sources(db, settings.sources)
    logged = record_changes(db, settings)  # who configured what, when (docs/USE_POLICY.md)
    enabled = len(settings.enabled_sources)
    click.echo(
        f"database: {db.url.render_as_string(hide_password=True)} "
        f"(schema version {current_version(db)}, {len(applied)} migration(s) applied)"
    )
    click.echo(f"sources: {enabled} enabled of {len(settings.sources)} configured")
    click.echo(f"configuration: {len(logged)} change(s) recorded in the audit log")
    if not settings.classify.places:
        click.echo(
            "! no places of the city in [classify] (the shipped config.toml lists them): posts "
            "are read as somewhere unknown, so one story can open several rumours",
            err=True,
        )
    _first_run_hints(db)


def _first_run_hints(db: Any) -> None:
    """On a fresh install, say exactly what to do next (first account, demo scenario)."""
    from rumordesk.triage.auth import FIRST_ACCOUNT_COMMAND
    from rumordesk.triage.queue import store_is_empty
    from rumordesk.triage.users import count_users

    if count_users(db) == 0:
        click.echo(f"no dashboard accounts yet: create the first with  {FIRST_ACCOUNT_COMMAND}")
    if store_is_empty(db):
        click.echo(
            "the store is empty: load the invented DEMO evening with  rumordesk demo load  "
            "(or the 'Load demo scenario' button; remove it with  rumordesk demo remove)"
        )


@click.command()
@click.option("--once", is_flag=True, help="Collect each source once and exit (the default).")
@click.option("--every", type=click.FloatRange(min=1), help="Keep polling; seconds between polls.")
@click.option("--source", "names", multiple=True, help="Only this source (repeatable).")
@click.pass_obj
@friendly_errors
def collect(obj: Context, once: bool, every: float | None, names: tuple[str, ...]) -> None:
    """Collect from the enabled sources, once or every SECONDS."""
    from rumordesk.collectors.runner import Runner

    if once and every is not None:
        raise click.UsageError("choose --once or --every, not both")
    for name in names:
        if not obj.settings.source(name).enabled:  # unknown names fail here, with the name
            raise ConfigError(f"source {name!r} is disabled in the configuration")
    record_configuration(obj.settings, obj.db)
    runner = Runner(obj.settings, obj.db, **collection_hooks(obj.settings, obj.db))
    if every is None:
        runs = runner.run_once(names=names or None, progress=_print_run)
        failed = [run for run in runs if run.status not in ("ok", "skipped")]
        new = sum(run.new for run in runs)
        click.echo(f"collected {new} new post(s) from {len(runs)} source(s); {len(failed)} failed")
        unscored = unscored_warning(obj.db)
        if unscored:
            click.echo("! " + unscored, err=True)
        if failed or unscored:
            sys.exit(1)
        return
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"polling every {every:g}s; Ctrl-C to stop")
    runner.run_forever(every, stop, progress=_print_run, chores=loop_chores(obj.settings, obj.db))


def _print_run(run: Any) -> None:
    ok = run.status in ("ok", "skipped")
    click.echo(("  " if ok else "! ") + run.describe(), err=not ok)


@click.command()
@click.pass_obj
@friendly_errors
def sources(obj: Context) -> None:
    """Show each source's health: last success, last error, reads spent, next poll."""
    from rumordesk.collectors.budget import describe_reads
    from rumordesk.store.sources import load_cursor, source_health, sync_sources

    sync_sources(obj.db, obj.settings.sources)
    configured = {s.name: s for s in obj.settings.sources}
    rows = []
    for health in source_health(obj.db, configured):
        source = configured[health.name]
        state = health.status if source.enabled else "disabled"
        rows.append(
            [
                health.name,
                source.kind,
                state,
                format_when(health.last_success_at, obj.settings.department.tz),
                f"{health.last_new}/{health.last_updated}",
                describe_reads(
                    load_cursor(obj.db, health.name),
                    today=f"{datetime.now(UTC):%F}",
                    per_day=getattr(source, "max_reads_per_day", None),
                )
                or "-",
                format_when(health.next_poll_at, obj.settings.department.tz),
                (health.last_error or "")[:90],
            ]
        )
    header = ["source", "kind", "status", "last success", "new/upd", "reads"]
    if not any(row[5] != "-" for row in rows):  # no source here is billed per read
        header = header[:5]
        rows = [row[:5] + row[6:] for row in rows]
    print_table([*header, "next poll", "last error"], rows)
    from rumordesk.store.pending import summary

    waiting = summary(obj.db)
    if waiting.waiting:
        oldest = format_when(waiting.oldest, obj.settings.department.tz)
        click.echo(f"\nscoring: {waiting.waiting} stored post(s) waiting (oldest {oldest})")
    if warning := unscored_warning(obj.db):
        click.echo("! " + warning, err=True)


@click.command()
@click.option("--source", help="Only posts from this source.")
@click.option("--official/--public", default=None, help="Only the Department's / only others'.")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
    help="Published at or after (the Department's local time).",
)
@click.option("--search", help="Only posts whose text contains this.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=50,
    show_default=True,
    help="At most this many (0 for all).",
)
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table")
@click.option(
    "--out",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="Write to this file (default: standard output).",
)
@click.pass_obj
@friendly_errors
def posts(
    obj: Context,
    source: str | None,
    official: bool | None,
    since: datetime | None,
    search: str | None,
    limit: int,
    fmt: str,
    out: Any,
) -> None:
    """List or export stored posts (newest first)."""
    from rumordesk.reports.tables import write_csv, write_json
    from rumordesk.store.posts import PostFilter, iter_posts

    where = PostFilter(
        source=source,
        official=official,
        since=in_utc(since, obj.settings.department.tz) if since else None,
        search=search,
        limit=limit or None,
    )
    rows = iter_posts(obj.db, where)
    if fmt == "csv":
        count = write_csv(rows, POST_COLUMNS, out)
    elif fmt == "json":
        count = write_json(rows, POST_COLUMNS, out)
    else:
        table = [
            [
                str(r["id"]),
                r["source"],
                format_when(r["created_at"] or r["first_seen_at"], obj.settings.department.tz),
                "yes" if r["is_official"] else "",
                r["text"].replace("\n", " ")[:80],
            ]
            for r in rows
        ]
        print_table(["id", "source", "published", "official", "text"], table, out)
        count = len(table)
    if out is not sys.stdout and out.name != "<stdout>":
        click.echo(f"wrote {count} post(s) to {out.name}", err=True)


def _start_dashboard(
    obj: Context, port: int, address: str, *, headless: bool = False
) -> subprocess.Popen[bytes]:
    """The Streamlit dashboard as a child process, reading the same configuration."""
    env = {**os.environ}
    if obj.config_path:
        env[CONFIG_ENV] = str(Path(obj.config_path).resolve())
    command = dashboard_command(port, address)
    if headless:
        command += ["--server.headless", "true"]
    return subprocess.Popen(command, env=env)


def _stop(dashboard: subprocess.Popen[bytes]) -> None:
    if dashboard.poll() is None:
        dashboard.terminate()
        try:
            dashboard.wait(timeout=10)
        except subprocess.TimeoutExpired:
            dashboard.kill()


@click.command()
@click.option("--port", type=int, default=8501, show_default=True)
@click.option("--address", default="localhost", show_default=True)
@click.option("--every", type=click.FloatRange(min=1), help="Polling interval (default: config).")
@click.pass_obj
@friendly_errors
def run(obj: Context, port: int, address: str, every: float | None) -> None:
    """Start the collector loop and the dashboard together (what `make run` does)."""
    from rumordesk.collectors.runner import Runner

    settings, db = obj.settings, obj.db
    dashboard = _start_dashboard(obj, port, address)
    click.echo(
        f"dashboard: http://{address}:{port}  (collector polling every "
        f"{every or settings.collect.interval_seconds:g}s; Ctrl-C stops both)"
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    record_configuration(settings, db)
    runner = Runner(settings, db, **collection_hooks(settings, db))
    watcher = threading.Thread(target=lambda: (dashboard.wait(), stop.set()), daemon=True)
    watcher.start()
    try:
        runner.run_forever(
            every or settings.collect.interval_seconds,
            stop,
            progress=_print_run,
            chores=loop_chores(settings, db),
        )
    finally:
        _stop(dashboard)


@click.command()
@click.option("--port", type=int, default=8501, show_default=True)
@click.option("--address", default="localhost", show_default=True, help="0.0.0.0: all.")
@click.pass_obj
@friendly_errors
def web(obj: Context, port: int, address: str) -> None:
    """Serve the dashboard only: run any number behind a load balancer, with the collector
    (`rumordesk collect --every`) elsewhere and one database (docs/postgresql/README.md)."""
    obj.db  # noqa: B018 - fails here, in one line, if the database is unreachable or stale
    dashboard = _start_dashboard(obj, port, address, headless=True)
    click.echo(f"dashboard: http://{address}:{port}  (no collector in this process)")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    watcher = threading.Thread(target=lambda: (dashboard.wait(), stop.set()), daemon=True)
    watcher.start()
    try:
        stop.wait()
    finally:
        _stop(dashboard)
    if dashboard.returncode not in (0, -signal.SIGTERM, None):
        sys.exit(dashboard.returncode)
