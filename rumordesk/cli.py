"""The ``rumordesk`` command. Errors are one clear line on stderr and a non-zero exit."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from rumordesk.config import CONFIG_ENV, AppSettings, load_settings
from rumordesk.errors import ConfigError, RumorDeskError
from rumordesk.logs import configure_logging

PROJECT_ROOT = Path(__file__).resolve().parent.parent
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


class Context:
    """Lazily loaded settings and database, shared by the subcommands."""

    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._settings: AppSettings | None = None
        self._db = None

    @property
    def settings(self) -> AppSettings:
        if self._settings is None:
            self._settings = load_settings(self.config_path)
        return self._settings

    @property
    def db(self):  # type: ignore[no-untyped-def]
        if self._db is None:
            self._db, _ = open_and_migrate(self.settings.storage.database_url)
        return self._db


def open_and_migrate(url: str):  # type: ignore[no-untyped-def]
    """The database, migrated, and the migrations applied; one clear error if it cannot be
    opened (not a database, a driver that is not installed, a server that does not answer)."""
    from sqlalchemy.exc import SQLAlchemyError

    from store.db import Database
    from store.migrations import migrate

    try:
        db = Database(url)
        return db, migrate(db)
    except (SQLAlchemyError, ImportError) as exc:
        reason = getattr(exc, "orig", None) or exc
        shown = url.split("@")[-1] if "@" in url else url  # never the credentials
        raise RumorDeskError(f"cannot open the database {shown}: {reason}") from None


def friendly_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn operator errors into one line and exit status 1 (2 for usage errors)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except RumorDeskError as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:
            message = f"{exc.strerror or exc}: {exc.filename or ''}".strip(": ")
            raise click.ClickException(message) from None

    return wrapper


@click.group()
@click.option(
    "--config",
    "config_path",
    envvar=CONFIG_ENV,
    type=click.Path(dir_okay=False),
    help="Configuration file (default: ./config.toml, or $RUMORDESK_CONFIG).",
)
@click.option("-v", "--verbose", is_flag=True, help="Log debugging detail.")
@click.version_option(package_name="rumordesk")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, verbose: bool) -> None:
    """Rumor Desk: collect public posts, score likely misinformation, triage it."""
    configure_logging(verbose)
    ctx.obj = Context(config_path)


@main.command()
@click.pass_obj
@friendly_errors
def init(obj: Context) -> None:
    """Check the configuration and create or upgrade the database."""
    from store.migrations import current_version
    from store.sources import sync_sources
    from triage.config_log import record_changes

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
    _first_run_hints(db)


def _first_run_hints(db: Any) -> None:
    """On a fresh install, say exactly what to do next (first account, demo scenario)."""
    from triage.auth import FIRST_ACCOUNT_COMMAND
    from triage.queue import store_is_empty
    from triage.users import count_users

    if count_users(db) == 0:
        click.echo(f"no dashboard accounts yet: create the first with  {FIRST_ACCOUNT_COMMAND}")
    if store_is_empty(db):
        click.echo(
            "the store is empty: load the invented DEMO evening with  rumordesk demo load  "
            "(or the 'Load demo scenario' button; remove it with  rumordesk demo remove)"
        )


@main.command()
@click.option("--once", is_flag=True, help="Collect each source once and exit (the default).")
@click.option("--every", type=click.FloatRange(min=1), help="Keep polling; seconds between polls.")
@click.option("--source", "names", multiple=True, help="Only this source (repeatable).")
@click.pass_obj
@friendly_errors
def collect(obj: Context, once: bool, every: float | None, names: tuple[str, ...]) -> None:
    """Collect from the enabled sources, once or every SECONDS."""
    from collectors.runner import Runner

    if once and every is not None:
        raise click.UsageError("choose --once or --every, not both")
    for name in names:
        if not obj.settings.source(name).enabled:  # unknown names fail here, with the name
            raise ConfigError(f"source {name!r} is disabled in the configuration")
    _record_configuration(obj.db, obj.settings)
    runner = Runner(obj.settings, obj.db, **_hooks(obj))
    if every is None:
        runs = runner.run_once(names=names or None, progress=_print_run)
        failed = [run for run in runs if run.status not in ("ok", "skipped")]
        new = sum(run.new for run in runs)
        click.echo(f"collected {new} new post(s) from {len(runs)} source(s); {len(failed)} failed")
        if failed:
            sys.exit(1)
        return
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"polling every {every:g}s; Ctrl-C to stop")
    runner.run_forever(every, stop, progress=_print_run, between_passes=_chores(obj))


def _scorer(obj: Context) -> Callable[[list[int]], None] | None:
    """The hook that scores newly stored posts into post_scores and rumours (classify/
    scoring.py); the model loads on the first batch, and a failure is logged, not raised."""
    from classify.scoring import PostScorer

    return PostScorer(obj.settings, obj.db)


def _hooks(obj: Context) -> dict[str, Any]:
    """The runner's hooks: new or edited posts are scored; posts whose engagement alone
    moved refresh their rumours' reach and spread (no text model)."""
    scorer = _scorer(obj)
    if scorer is None:
        return {}
    return {"on_stored": scorer, "on_metrics": getattr(scorer, "engagement_changed", None)}


def _chores(obj: Context) -> Callable[[], object]:
    """The loop's chores (alerts, purge, scheduled exports): see rumordesk/chores.py."""
    from rumordesk.chores import Chores, build_chores

    return Chores(build_chores(obj.settings, obj.db)).run_due


def _record_configuration(db: Any, settings: AppSettings) -> None:
    """Log changes to what is collected (triage/config_log.py) before collecting."""
    from triage.config_log import record_changes

    record_changes(db, settings)


def _print_run(run: Any) -> None:
    ok = run.status in ("ok", "skipped")
    click.echo(("  " if ok else "! ") + run.describe(), err=not ok)


@main.command()
@click.pass_obj
@friendly_errors
def sources(obj: Context) -> None:
    """Show each source's health: last success, last error, reads spent, next poll."""
    from collectors.budget import describe_reads
    from store.sources import load_cursor, source_health, sync_sources

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
                _when(health.last_success_at),
                f"{health.last_new}/{health.last_updated}",
                describe_reads(
                    load_cursor(obj.db, health.name),
                    today=f"{datetime.now(UTC):%F}",
                    per_day=getattr(source, "max_reads_per_day", None),
                )
                or "-",
                _when(health.next_poll_at),
                (health.last_error or "")[:90],
            ]
        )
    header = ["source", "kind", "status", "last success", "new/upd", "reads"]
    if not any(row[5] != "-" for row in rows):  # no source here is billed per read
        header = header[:5]
        rows = [row[:5] + row[6:] for row in rows]
    _table([*header, "next poll", "last error"], rows)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def _table(header: list[str], rows: list[list[str]], out: Any = None) -> None:
    columns = zip(header, *rows, strict=False)
    widths = [max(len(str(cell)) for cell in column) for column in columns]
    for line in [header, *rows]:
        cells = (str(cell).ljust(width) for cell, width in zip(line, widths, strict=True))
        click.echo("  ".join(cells).rstrip(), file=out)


@main.command()
@click.option("--source", help="Only posts from this source.")
@click.option("--official/--public", default=None, help="Only the Department's / only others'.")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M"]),
    help="Published at or after (UTC).",
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
    from reports.tabular import write_csv, write_json
    from store.posts import PostFilter, iter_posts

    where = PostFilter(
        source=source,
        official=official,
        since=since.replace(tzinfo=UTC) if since else None,
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
                _when(r["created_at"] or r["first_seen_at"]),
                "yes" if r["is_official"] else "",
                r["text"].replace("\n", " ")[:80],
            ]
            for r in rows
        ]
        _table(["id", "source", "published", "official", "text"], table, out)
        count = len(table)
    if out is not sys.stdout and out.name != "<stdout>":
        click.echo(f"wrote {count} post(s) to {out.name}", err=True)


@main.command()
@click.option("--port", type=int, default=8501, show_default=True)
@click.option("--address", default="localhost", show_default=True)
@click.option("--every", type=click.FloatRange(min=1), help="Polling interval (default: config).")
@click.pass_obj
@friendly_errors
def run(obj: Context, port: int, address: str, every: float | None) -> None:
    """Start the collector loop and the dashboard together (what `make run` does)."""
    from collectors.runner import Runner

    settings, db = obj.settings, obj.db
    env = {**os.environ}
    if obj.config_path:
        env[CONFIG_ENV] = str(Path(obj.config_path).resolve())
    dashboard = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(PROJECT_ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            address,
        ],
        env=env,
        cwd=PROJECT_ROOT,
    )
    click.echo(
        f"dashboard: http://{address}:{port}  (collector polling every "
        f"{every or settings.collect.interval_seconds:g}s; Ctrl-C stops both)"
    )
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    _record_configuration(db, settings)
    runner = Runner(settings, db, **_hooks(obj))
    watcher = threading.Thread(target=lambda: (dashboard.wait(), stop.set()), daemon=True)
    watcher.start()
    try:
        runner.run_forever(
            every or settings.collect.interval_seconds,
            stop,
            progress=_print_run,
            between_passes=_chores(obj),
        )
    finally:
        if dashboard.poll() is None:
            dashboard.terminate()
            try:
                dashboard.wait(timeout=10)
            except subprocess.TimeoutExpired:
                dashboard.kill()


# The other stages' commands (rumordesk/commands/*) attach themselves to ``main``.
from rumordesk.commands import register as _register_commands  # noqa: E402

_register_commands()
