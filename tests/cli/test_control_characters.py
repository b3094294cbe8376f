"""Every command that reads a file (or a text) accepts NUL and other control characters.

A NUL in a text once crashed ``rank`` and ``train`` with a traceback (the character n-grams
were split on NUL: "axis 0 index 2 exceeds matrix dimension 2"). Exports and copy-pastes
carry such characters; each command below gets them in every text it reads and must work,
with the characters taken out (stored texts) or read as spaces (the model's features).
"""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from rumordesk.base.config import CONFIG_ENV, DATABASE_URL_ENV
from rumordesk.classify.model import MisinfoModel
from rumordesk.cli.main import main
from rumordesk.store import open_database
from rumordesk.store.schema import audit_log, pending_scores, post_scores, posts
from tests.helpers.settings import write_config

#: NUL, a bell, a vertical tab, the C1 "next line", a bidi override, a BOM in mid-text.
CONTROLS = ["\x00", "\x07", "\x0b", "\x85", "\u202e", "\ufeff"]
RUMOURS = [
    "BREAKING shots fired at the mall, people running, stay away",
    "my friend in dispatch says a gunman is inside the stadium right now",
    "curfew tonight per police, everyone must be home by 8pm, share this",
    "active shooter at the college library, cops everywhere",
]
BENIGN = [
    "police say there is no threat at the mall, the video is old",
    "great game at the stadium tonight, traffic was slow after",
    "road work on the main street until friday, plan ahead",
    "sign up for official city alerts on the city website",
]


def dirty(text: str, n: int) -> str:
    """``text`` with control characters inside words, between them and at both ends."""
    mark = CONTROLS[n % len(CONTROLS)]
    words = text.split(" ")
    words[1] = words[1][:2] + mark + words[1][2:]
    return mark + " ".join(words) + "\x00"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch):
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield
    root.handlers[:], level = saved
    root.setLevel(level)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    return write_config(
        tmp_path / "config.toml",
        f'[storage]\ndatabase_url = "sqlite:///{tmp_path / "store.db"}"\n\n'
        f'[classify]\nmodel_path = "{tmp_path / "models" / "misinfo.skops"}"\n\n'
        '[[sources]]\nname = "nextdoor"\nkind = "csv_import"\nchannel = "nextdoor"\n'
        'format = "nextdoor"\n',
    )


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args])


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def labelled(tmp_path: Path) -> Path:
    rows = []
    for town in ("alton", "brook", "cedar"):
        for k in range(3):
            rows += [[dirty(f"{t} in {town} ({k})", n), 1, town] for n, t in enumerate(RUMOURS)]
            rows += [[dirty(f"{t} in {town} ({k})", n), 0, town] for n, t in enumerate(BENIGN)]
    return write_csv(tmp_path / "labelled.csv", ["text", "label", "town"], rows)


def test_the_model_reads_control_characters_as_spaces():
    model = MisinfoModel(folds=3).fit(
        [dirty(t, n) for n, t in enumerate(RUMOURS * 3 + BENIGN * 3)], [1] * 12 + [0] * 12
    )
    clean = model.predict_proba(["shots fired at the mall stay away"])
    assert model.predict_proba(["shots\x00fired at the mall\x07 stay away"]) == pytest.approx(clean)
    assert len(model.predict_proba(["\x00", "a\x00b\x00c", ""])) == 3


@pytest.mark.slow
def test_train_evaluate_and_rank_accept_control_characters(config, tmp_path):
    data = labelled(tmp_path)
    model_path = tmp_path / "nul-model.skops"

    trained = run(config, "train", "--data", str(data), "--no-builtin", "--out", str(model_path))
    assert trained.exit_code == 0, trained.output
    assert model_path.exists()

    evaluated = run(config, "evaluate", "--data", str(data), "--group-by", "town", "--json")
    assert evaluated.exit_code == 0, evaluated.output
    assert json.loads(evaluated.output)["pooled"]["n"] == 72

    posts_csv = write_csv(
        tmp_path / "posts.csv",
        ["id", "channel", "author", "created_at", "text", "likes", "shares", "replies"],
        [
            ["p1", "x", "a\x00b", "2026-11-21T03:30:00Z", dirty(RUMOURS[0], 0), "4", "", "1"],
            ["p2", "x", "c", "2026-11-21T03:40:00Z", "\x00\x00\x00", "", "", ""],
            ["p3", "x", "d", "2026-11-21T03:41:00Z", dirty(BENIGN[1], 3), "1", "2", "3"],
        ],
    )
    official = write_csv(
        tmp_path / "official.csv",
        ["id", "channel", "created_at", "text"],
        [["o1", "x", "2026-11-21T03:52:00Z", dirty("There is no shooting at the mall", 1)]],
    )
    out = tmp_path / "ranked.csv"
    ranked = run(
        config,
        "rank",
        "--posts",
        str(posts_csv),
        "--official",
        str(official),
        "--out",
        str(out),
        "--model",
        str(model_path),
    )
    assert ranked.exit_code == 0, ranked.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert sorted(row["id"] for row in rows) == ["p1", "p2", "p3"]
    assert all(0.0 <= float(row["p_misinfo"]) <= 1.0 for row in rows)


@pytest.mark.slow
def test_import_and_report_store_texts_without_control_characters(config, tmp_path, monkeypatch):
    from rumordesk.classify import scoring
    from rumordesk.classify.baseline import KeywordBaseline

    monkeypatch.setattr(
        scoring, "load_default_model", lambda *_: (KeywordBaseline().predict_proba, "keyword")
    )
    export = write_csv(
        tmp_path / "nd.csv",
        ["Post ID", "Date posted", "Title", "Body", "Reactions"],
        [
            ["nd-\x001", "11/23/2026 7:05 PM", "Road\x00 closure", dirty(RUMOURS[0], 0), "3"],
            ["nd-2", "11/23/2026\x00 8:05 PM", "", "\x00" + BENIGN[0] + "\u202e", ""],
        ],
    )
    imported = run(config, "import", str(export), "--source", "nextdoor")
    assert imported.exit_code == 0, imported.output
    assert "2 row(s): 2 new" in imported.output

    reported = run(
        config,
        "report",
        "--text",
        "Gun\x00man at Valley Fair\x07, everyone run",
        "--where",
        "nextdoor\x00",
        "--by",
        "Ofc.\x00 Diaz",
    )
    assert reported.exit_code == 0, reported.output

    db = open_database(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        with db.read() as connection:
            stored = connection.execute(select(posts.c.source_id, posts.c.text)).all()
            scored = set(connection.scalars(select(post_scores.c.post_id)))
            waiting = connection.execute(select(pending_scores)).all()
            audited = set(connection.scalars(select(audit_log.c.action)))
    finally:
        db.dispose()
    assert len(stored) == 3 and len(scored) == 3 and waiting == []
    for source_id, text in stored:
        assert not any(mark in text + source_id for mark in CONTROLS), (source_id, text)
    assert {"nd-1", "nd-2"} <= {source_id for source_id, _ in stored}
    assert "import" in audited
