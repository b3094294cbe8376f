"""No per-author profiles: no query, page, export or command lists or ranks authors.

Three nets, each built to catch the view someone might add next:

* the code: every module of the application is parsed, and any SQL, SQLAlchemy, pandas or
  Python construct that groups, counts, ranks or de-duplicates by an author field fails;
* the command line: every command is walked (a new one must be run here or skipped with a
  reason) and run against a store where one author wrote many posts — the author's handle
  may appear only beside the text of one of their posts;
* the dashboard: every page in views/ is rendered for a role that sees it, with the same
  rule, and no widget may offer authors as choices.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from rumordesk.cli.main import main
from rumordesk.store.posts import save_batch
from rumordesk.store.records import Batch, Metrics, Post, Provenance
from rumordesk.triage.roles import Role
from rumordesk.web import navigation
from tests.helpers.dashboard import open_desk
from tests.helpers.paths import PROJECT_ROOT

#: The application's own code (tests and benchmarks excluded).
PACKAGES = ("app.py", "views", "collectors", "store", "classify", "triage", "reports", "rumordesk")
AUTHOR = re.compile(r"^(author|authors|author_id|author_name|author_handle|poster|posters)$", re.I)
#: Calls that group, count, rank or de-duplicate what they are given.
AGGREGATING = {
    "group_by",
    "groupby",
    "distinct",
    "value_counts",
    "Counter",
    "nunique",
    "pivot_table",
    "crosstab",
    "most_common",
    "count",
    "rank",
    "partition_by",
    "over",
    "setdefault",
}
AGGREGATE_FUNCTIONS = {"count", "sum", "max", "min", "avg", "group_concat", "array_agg"}
SQL = re.compile(r"\bselect\b.+\bfrom\b", re.I | re.S)
SQL_BY_AUTHOR = re.compile(
    r"\b(group\s+by|order\s+by|partition\s+by|distinct)\b[^;]*?\b(author\w*)\b"
    r"|\bcount\s*\(\s*(distinct\s+)?[\w.]*author",
    re.I | re.S,
)


def _mentions_author(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and AUTHOR.match(sub.attr):
            return True
        if isinstance(sub, ast.Name) and AUTHOR.match(sub.id):
            return True
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and AUTHOR.match(sub.value):
            return True
    return False


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def profile_constructs(source: str) -> list[str]:
    """Each place in ``source`` that groups, counts or ranks by author, as 'line: what'."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = _callee(node)
            parts = [*node.args, *(k.value for k in node.keywords)]
            if isinstance(node.func, ast.Attribute):
                parts.append(node.func.value)  # df["author"].value_counts()
            if name in AGGREGATING and any(_mentions_author(p) for p in parts):
                found.append(f"{node.lineno}: {name}(…author…)")
            if name == "select" and any(_mentions_author(a) for a in node.args):
                aggregates = [
                    sub
                    for a in node.args
                    for sub in ast.walk(a)
                    if isinstance(sub, ast.Call) and _callee(sub) in AGGREGATE_FUNCTIONS
                ]
                if aggregates:
                    found.append(f"{node.lineno}: select(author, aggregate)")
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Subscript):
            if _mentions_author(node.target.slice):
                found.append(f"{node.lineno}: counts[author] += …")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SQL.search(node.value)
            and SQL_BY_AUTHOR.search(node.value)
        ):
            found.append(f"{node.lineno}: SQL by author")
    return found


def _modules() -> list[Path]:
    files: list[Path] = []
    for name in PACKAGES:
        path = PROJECT_ROOT / name
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return files


def test_the_scanner_catches_each_way_of_counting_authors():
    caught = [
        "select(posts.c.author, func.count()).group_by(posts.c.author)",
        "select(posts.c.author, func.count(posts.c.id))",
        "query.group_by(posts.c.author)",
        "func.count(posts.c.author.distinct())",
        "frame.groupby('author').size()",
        "frame['author'].value_counts()",
        "Counter(row.author for row in rows)",
        "Counter(row['author_id'] for row in rows).most_common(10)",
        "by_author.setdefault(post.author, []).append(post)",
        "counts[post.author] += 1",
        "text('SELECT author, COUNT(*) AS n FROM posts GROUP BY author ORDER BY n DESC')",
        "'select count(distinct author) from posts'",
    ]
    for snippet in caught:
        assert profile_constructs(snippet), snippet
    allowed = [
        "select(posts.c.id, posts.c.author, posts.c.text).order_by(posts.c.created_at)",
        "Post(author=row.author, text=row.text)",
        "select(audit_log.c.action, func.count()).group_by(audit_log.c.action)",
        "'The report never names an author; it counts claims, grouped by place.'",
        "item.get('author')",
    ]
    for snippet in allowed:
        assert not profile_constructs(snippet), snippet


@pytest.mark.slow
def test_no_module_groups_counts_or_ranks_by_author():
    modules = _modules()
    assert len(modules) > 30  # the walk really reaches the application
    offences = {
        str(path.relative_to(PROJECT_ROOT)): found
        for path in modules
        if (found := profile_constructs(path.read_text(encoding="utf-8")))
    }
    assert offences == {}, f"per-author aggregation found: {offences}"


# --- the commands and pages, against a store where one author wrote a lot ---------------

HANDLE = "prolific_poster_77"


def _seed(db: Any) -> list[str]:
    """Eight posts by one author, spread over two weeks, and two by others."""
    now = datetime.now(UTC)
    texts = [f"Post {i} by the same account: shots fired near Valley Fair?" for i in range(8)]
    posts = [
        Post(
            source="search",
            source_id=f"p{i}",
            channel="reddit",
            text=text,
            provenance=Provenance(now, f"https://example.org/p{i}", "feed/t"),
            url=f"https://example.org/p{i}",
            author=HANDLE,
            created_at=now - timedelta(days=i),
            metrics=Metrics(likes=i),
            raw={"id": i, "author": HANDLE},
        )
        for i, text in enumerate(texts)
    ]
    posts += [
        Post(
            source="search",
            source_id=f"o{i}",
            channel="reddit",
            text=f"Another voice {i}",
            provenance=Provenance(now, None, "feed/t"),
            author=f"other_{i}",
        )
        for i in range(2)
    ]
    save_batch(db, "search", Batch(tuple(posts), {}))
    return texts


def assert_author_only_beside_posts(output: str, texts: list[str], where: str) -> None:
    """The handle appears only in a record (line, JSON object) that holds a post's text."""
    if HANDLE not in output:
        return
    stripped = output.strip()
    documents: list[Any] = []
    if stripped[:1] in "[{":
        try:
            documents = [json.loads(stripped)]
        except json.JSONDecodeError:  # JSON lines
            documents = [json.loads(line) for line in stripped.splitlines() if line.strip()]
    if documents:
        for document in documents:
            _check_json(document, texts, where)
        return
    for line in output.splitlines():
        if HANDLE in line:
            assert any(text in line for text in texts), f"{where}: author listed alone: {line!r}"


def _check_json(value: Any, texts: list[str], where: str) -> None:
    if isinstance(value, dict):
        assert not any(HANDLE in str(key) for key in value), f"{where}: keyed by author"
        direct = [v for v in value.values() if isinstance(v, str)]
        if any(HANDLE in v for v in direct):
            assert any(v in texts for v in direct), f"{where}: author without the post: {value}"
        children = list(value.values())
    elif isinstance(value, list):
        assert not any(isinstance(v, str) and HANDLE in v for v in value), (
            f"{where}: a list of authors: {value[:5]}"
        )
        children = value
    else:
        return
    for child in children:
        _check_json(child, texts, where)


#: Commands run here (arguments after the command), against the seeded store.
RUN: dict[str, list[list[str]]] = {
    "posts": [["--limit", "0"], ["--format", "csv"], ["--format", "json"]],
    "sources": [[]],
    "transparency": [[], ["--json"]],
    "audit verify": [[]],
    "audit checkpoint": [[]],
    "purge": [["--dry-run"], ["--dry-run", "--json"]],
    "user list": [[]],
    "export": [["--format", "csv", "--out", "{tmp}/weekly.zip"]],
    "export-audit": [
        ["--since", "{month_ago}", "--until", "{today}", "--format", "csv", "--out", "{tmp}/a.zip"]
    ],
    "score": [[]],
}
#: Commands that list nothing, with the reason.
SKIP = {
    "init": "creates the database; prints counts of sources",
    "collect": "fetches from the network; prints per-source counts",
    "run": "starts the collector loop and the dashboard",
    "web": "starts the dashboard alone (tests/cli/test_cli_web.py)",
    "import": "reads a CSV file into the store; prints counts",
    "report": "submits one staff report",
    "rank": "ranks the posts of given CSV files by misinformation score (claims, not people)",
    "train": "trains the text model on labelled text; prints model metrics",
    "evaluate": "evaluates the text model on a labelled CSV file; prints metrics",
    "alerts test": "sends a test alert",
    "demo load": "loads the demo scenario",
    "demo remove": "removes the demo scenario",
    "user add": "manages staff accounts",
    "user disable": "manages staff accounts",
    "user enable": "manages staff accounts",
    "user set-password": "manages staff accounts",
    "user set-role": "manages staff accounts",
}


def _commands(group: click.Group, prefix: str = "") -> dict[str, click.Command]:
    found: dict[str, click.Command] = {}
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= _commands(command, f"{prefix}{name} ")
        else:
            found[f"{prefix}{name}"] = command
    return found


def test_every_command_is_walked():
    commands = _commands(main)
    assert set(RUN) | set(SKIP) <= set(commands), "RUN or SKIP names a command that is gone"
    unclassified = set(commands) - set(RUN) - set(SKIP)
    assert not unclassified, f"new commands {sorted(unclassified)}: run them here or skip them"
    for name, command in commands.items():
        options = [opt for p in command.params for opt in getattr(p, "opts", [])]
        assert not any("author" in opt.lower() for opt in options), (
            f"{name} selects by author: {options}"
        )


@pytest.fixture
def desk(tmp_path, monkeypatch):
    yield from open_desk(tmp_path, monkeypatch)


def _outputs(result_output: str, args: list[str], tmp: Path) -> list[tuple[str, str]]:
    outputs = [("stdout", result_output)]
    for arg in args:
        if arg.startswith(str(tmp)) and arg.endswith(".zip") and Path(arg).exists():
            with zipfile.ZipFile(arg) as archive:
                outputs += [(n, archive.read(n).decode("utf-8-sig")) for n in archive.namelist()]
    return outputs


@pytest.mark.slow
def test_no_command_lists_authors(desk, tmp_path, monkeypatch):
    texts = _seed(desk.db)
    desk.load_demo()
    runner = CliRunner()
    today = f"{datetime.now(UTC) + timedelta(days=1):%Y-%m-%d}"
    month_ago = f"{datetime.now(UTC) - timedelta(days=30):%Y-%m-%d}"
    config = str(Path(desk.settings.storage.database_url.split(":///")[1]).parent / "config.toml")
    ran = 0
    for name, runs in RUN.items():
        for args in runs:
            args = [a.format(tmp=tmp_path, today=today, month_ago=month_ago) for a in args]
            result = runner.invoke(main, ["--config", config, *name.split(), *args])
            assert result.exit_code == 0, (name, args, result.output)
            for where, output in _outputs(result.output, args, tmp_path):
                if where.endswith(".csv"):
                    for row in csv.reader(io.StringIO(output)):
                        line = ",".join(row)
                        if HANDLE in line:
                            assert any(t in line for t in texts), f"{name} {where}: {row}"
                else:
                    assert_author_only_beside_posts(output, texts, f"{name} {args} {where}")
            ran += 1
    assert ran >= 10
    # The net can fail: the plain post listing does show the author, beside the text.
    csv_out = runner.invoke(main, ["--config", config, "posts", "--format", "csv"]).output
    assert HANDLE in csv_out


def _pages() -> dict[str, Role]:
    """Every page file, and a role that may open it."""
    seen: dict[str, Role] = {}
    for role in Role:
        for spec in navigation.pages_for(role):
            seen.setdefault(spec.path, role)
    return seen


def test_every_page_is_walked():
    files = {path for path in map(str, navigation.PAGES_DIR.glob("*.py"))}
    files.discard(str(navigation.PAGES_DIR / "__init__.py"))
    reachable = set(_pages())
    assert files <= reachable, f"pages no role can open: {sorted(files - reachable)}"


def _their_rumour(desk: Any) -> int:
    """Score the seeded posts with the real scorer; the rumour most of them joined."""
    from collections import Counter

    from sqlalchemy import select

    from rumordesk.store.schema import post_scores, posts

    with desk.db.read() as connection:
        ids = list(connection.scalars(select(posts.c.id).where(posts.c.author == HANDLE)))
    desk.scorer().score(ids)
    with desk.db.read() as connection:
        joined = connection.scalars(
            select(post_scores.c.rumor_id).where(
                post_scores.c.post_id.in_(ids), post_scores.c.rumor_id.is_not(None)
            )
        ).all()
    assert joined, "the seeded posts formed no rumour"
    return Counter(joined).most_common(1)[0][0]


@pytest.mark.slow
def test_no_page_lists_authors(desk):
    texts = _seed(desk.db)
    desk.load_demo()
    rumor_id = _their_rumour(desk)
    users = {
        role: name
        for name, role in {
            "pat": Role.PIO,
            "chris": Role.CHIEF,
            "sam": Role.STAFF,
            "ada": Role.ADMIN,
        }.items()
    }
    shown_beside_text = 0
    for path, role in sorted(_pages().items()):
        at = desk.app(users[role])
        at.session_state[navigation.SELECTED_KEY] = rumor_id  # the rumour page opens theirs
        at.switch_page(path).run()
        assert not at.exception, (path, at.exception)
        for frame in at.dataframe:
            table = frame.value
            for row in table.itertuples(index=False):
                cells = [str(cell) for cell in row]
                if any(HANDLE in cell for cell in cells):
                    assert any(cell in texts for cell in cells), f"{path}: author row {cells}"
                    shown_beside_text += 1
            assert not any(HANDLE in str(c) for c in table.columns), f"{path}: author column"
        for kind in ("markdown", "caption", "metric", "title", "subheader", "header", "info"):
            for element in getattr(at, kind):
                shown = f"{getattr(element, 'label', '')} {getattr(element, 'value', '')}"
                assert HANDLE not in shown, f"{path}: author shown outside a post: {shown!r}"
        for kind in ("text", "code"):
            for element in getattr(at, kind):
                if HANDLE in str(element.value):
                    assert any(t in str(element.value) for t in texts), (path, element.value)
        for kind in ("selectbox", "multiselect", "radio"):
            for widget in getattr(at, kind):
                options = [str(o) for o in getattr(widget, "options", [])]
                assert not any(HANDLE in o for o in options), f"{path}: authors offered {options}"
                assert "author" not in str(widget.label).lower(), f"{path}: filter by author"
    assert shown_beside_text  # the posts page shows them, as it may: inside a post
