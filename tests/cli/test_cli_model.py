"""``rumordesk train`` and ``evaluate`` end to end, on CSVs the test writes and on PHEME."""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result
from sqlalchemy import insert, select

import rumordesk.classify.training as training
from rumordesk.base.config import CONFIG_ENV, DATABASE_URL_ENV
from rumordesk.classify.datasets import BUILTIN_NAME, builtin_set
from rumordesk.classify.model import MisinfoModel
from rumordesk.classify.persist import load_model, read_sidecar
from rumordesk.cli.main import main
from rumordesk.store import open_database, shared_files
from rumordesk.store.schema import audit_log, post_scores, posts, rumors
from tests.helpers.settings import write_config

RUMOURS = [
    "BREAKING shots fired at the mall, people running, stay away",
    "my friend in dispatch says a gunman is inside the stadium right now",
    "curfew tonight per police, everyone must be home by 8pm, share this",
    "bomb found at the train station, they are hiding it from us",
    "active shooter at the college library, cops everywhere",
    "heard there was a stabbing at the park and police are covering it up",
]
BENIGN = [
    "police say there is no threat at the mall, the video is old",
    "great game at the stadium tonight, traffic was slow after",
    "does anyone know why the train station is closed? is it maintenance",
    "that new ride is a killer, loved it",
    "road work on the main street until friday, plan ahead",
    "sign up for official city alerts on the city website",
]


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
        '[storage]\ndatabase_url = "sqlite:///data/test.db"\n\n'
        '[classify]\nmodel_path = "models/misinfo.skops"\n',
    )


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args])


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def labelled_rows(repeat: int = 3) -> list[list[object]]:
    """Text, label, group: each story told a few ways in three towns."""
    rows = []
    for town in ("alton", "brook", "cedar"):
        for k in range(repeat):
            rows += [[f"{t} in {town} ({k})", 1, town] for t in RUMOURS]
            rows += [[f"{t} in {town} ({k})", 0, town] for t in BENIGN]
    return rows


def assert_one_line_error(result: Result, *fragments: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_train_on_given_files_alone(config, tmp_path):
    data = write_csv(tmp_path / "mine.csv", ["text", "label", "town"], labelled_rows())
    out = tmp_path / "elsewhere" / "model.skops"
    result = run(config, "train", "--no-builtin", "--data", str(data), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"data: {data}: 108 rows (54 positive)" in result.output
    assert "builtin" not in result.output
    sidecar = read_sidecar(out)
    assert [d["sha256"] for d in sidecar["data"]] == [hashlib.sha256(data.read_bytes()).hexdigest()]
    model = load_model(out)
    high, low = model.predict_proba(["gunman inside the stadium right now", "road work friday"])
    assert high > low
    assert not (tmp_path / "models").exists()  # --out, not the configured path
    assert "pinned" not in result.output  # nor the model every host loads
    db = open_database(f"sqlite:///{tmp_path / 'data' / 'test.db'}")
    with db.read() as connection:
        actions = connection.execute(select(audit_log.c.action, audit_log.c.subject)).all()
    db.dispose()
    assert ("model_train", f"model:{model.version}") in actions


def test_train_uses_groups_for_calibration_when_given(config, tmp_path):
    data = write_csv(tmp_path / "mine.csv", ["text", "label", "town"], labelled_rows())
    out = tmp_path / "model.skops"
    args = ["train", "--no-builtin", "--data", str(data), "--group-by", "town", "--out", str(out)]
    result = run(config, *args)
    assert result.exit_code == 0, result.output
    assert "cross-validated (leave-group-out)" in result.output


@pytest.mark.slow
def test_train_adds_the_builtin_set_and_the_pios_decisions(config, tmp_path, monkeypatch):
    monkeypatch.setattr(training, "MisinfoModel", lambda: MisinfoModel(C=(1.0,), folds=3))
    db = open_database(f"sqlite:///{tmp_path / 'data' / 'test.db'}")
    now = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)
    with db.write() as connection:
        for n, (text, status) in enumerate(
            [("gunman at the mall, they are hiding it", "confirmed"), ("all clear", "accurate")]
        ):
            post_id = connection.execute(
                insert(posts).values(
                    source="test",
                    source_id=str(n),
                    channel="reddit",
                    text=text,
                    first_seen_at=now,
                    updated_at=now,
                    is_official=False,
                    content_hash="0" * 64,
                    raw_sha256="0" * 64,
                )
            ).inserted_primary_key[0]
            rumor_id = connection.execute(
                insert(rumors).values(
                    cluster_key=f"k{n}",
                    status=status,
                    first_seen_at=now,
                    last_seen_at=now,
                    updated_at=now,
                )
            ).inserted_primary_key[0]
            connection.execute(
                insert(post_scores).values(
                    post_id=post_id,
                    rumor_id=rumor_id,
                    p_misinfo=0.5,
                    score=0.5,
                    severity=0,
                    locality="local",
                    cluster_key=f"k{n}",
                    signals="{}",
                    reasons="[]",
                    model_version="x",
                    scored_at=now,
                )
            )
    db.dispose()
    result = run(config, "train")
    assert result.exit_code == 0, result.output
    builtin = builtin_set()
    assert f"data: {BUILTIN_NAME}: {len(builtin)} rows" in result.output
    assert "data: store:triage decisions: 2 rows (1 positive)" in result.output
    model_path = tmp_path / "models" / "misinfo.skops"
    assert [d["name"] for d in read_sidecar(model_path)["data"]] == [
        BUILTIN_NAME,
        "store:triage decisions",
    ]
    # the configured model: pinned in the database, so every collector loads this one
    assert "pinned in the database for every host" in result.output
    db = open_database(f"sqlite:///{tmp_path / 'data' / 'test.db'}")
    pinned = shared_files.newest(db, shared_files.MODEL)
    db.dispose()
    assert pinned is not None
    assert pinned.sha256 == hashlib.sha256(model_path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_evaluate_prints_text_and_json(config, tmp_path):
    data = write_csv(tmp_path / "mine.csv", ["text", "label", "town"], labelled_rows(2))
    text = run(config, "evaluate", "--data", str(data), "--group-by", "town")
    assert text.exit_code == 0, text.output
    as_json = run(config, "evaluate", "--data", str(data), "--group-by", "town", "--json")
    assert as_json.exit_code == 0, as_json.output
    figures = json.loads(as_json.output)
    assert [g["group"] for g in figures["groups"]] == ["alton", "brook", "cedar"]
    pooled = figures["pooled"]
    assert pooled["n"] == 72 and pooled["positives"] == 36
    for label, key in [
        ("macro-F1", "macro_f1"),
        ("misinfo precision", "precision"),
        ("misinfo recall", "recall"),
        ("misinfo F1", "f1"),
        ("average precision", "average_precision"),
    ]:
        assert f"{label:<19}{pooled[key]:.3f}" in text.output
    assert f"Brier score        {pooled['brier']:.4f}" in text.output


@pytest.mark.slow
def test_evaluate_on_real_pheme_events(config, tmp_path, shared_dir):
    """The shared PHEME file: three main events and a small one, subsampled to stay short."""
    with (shared_dir / "data" / "pheme.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    rng = np.random.default_rng(11)
    sample = []
    for event in ("charliehebdo", "ottawashooting", "sydneysiege", "gurlitt"):
        mine = [r for r in rows if r["event"] == event]
        sample += [mine[i] for i in rng.choice(len(mine), min(150, len(mine)), replace=False)]
    data = write_csv(
        tmp_path / "pheme_sample.csv",
        ["text", "label", "event", "in_pheme5"],
        [[r["text"], r["label"], r["event"], r["in_pheme5"]] for r in sample],
    )
    args = ["evaluate", "--data", str(data), "--group-by", "event", "--where", "in_pheme5=1"]
    result = run(config, *args, "--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert [g["group"] for g in figures["groups"]] == [
        "charliehebdo",
        "ottawashooting",
        "sydneysiege",
    ]  # gurlitt is not one of the five main events
    assert figures["pooled"]["n"] == 450
    pooled = figures["pooled"]
    base_rate = pooled["positives"] / pooled["n"]
    assert pooled["macro_f1"] > 0.5 and pooled["average_precision"] > base_rate + 0.05


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ("words,label\nhello,1\n", ["missing column(s) text", "found: words, label"]),
        ("text,label\nhello,1\nworld,2\n", ["line 3: label '2' is not 0 or 1"]),
        ("text,label\nhello,yes\n", ["line 2: label 'yes' is not 0 or 1"]),
        ("text,label\n,1\n", ["line 2: empty text"]),
        ("text,label\n", ["no labelled rows"]),
    ],
)
def test_bad_csvs_give_one_clear_line(config, tmp_path, content, fragments):
    data = tmp_path / "bad.csv"
    data.write_text(content, encoding="utf-8")
    assert_one_line_error(run(config, "train", "--no-builtin", "--data", str(data)), *fragments)
    assert not (tmp_path / "models").exists()


def test_evaluate_refuses_what_it_cannot_evaluate(config, tmp_path):
    data = write_csv(
        tmp_path / "one.csv", ["text", "label", "town"], [["a", 1, "x"], ["b", 0, "x"]]
    )
    assert_one_line_error(
        run(config, "evaluate", "--data", str(data), "--group-by", "town"), "fewer than two groups"
    )
    assert_one_line_error(
        run(config, "evaluate", "--data", str(data), "--group-by", "event"),
        "missing column(s) event",
    )
    assert_one_line_error(
        run(config, "evaluate", "--data", str(tmp_path / "nope.csv"), "--group-by", "x"),
        "file not found",
    )


def test_no_builtin_needs_data(config):
    result = run(config, "train", "--no-builtin")
    assert result.exit_code == 2 and "--no-builtin needs at least one --data" in result.output
