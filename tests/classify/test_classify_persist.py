"""Saving and loading the model: skops, an explicit trust list, a sidecar saying what it is."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest
import sklearn
import skops.io as sio
from sklearn.linear_model import LogisticRegression

import rumordesk.classify.training as training
from rumordesk.classify.datasets import (
    BUILTIN_NAME,
    BUILTIN_SCENARIOS,
    BUILTIN_SET,
    LabelledSet,
    builtin_set,
    read_labelled_csv,
)
from rumordesk.classify.model import MisinfoModel
from rumordesk.classify.persist import ModelError, load_model, read_sidecar, sidecar_path
from rumordesk.classify.training import default_model, train_and_save
from tests.helpers.settings import make_settings

PROBES = [
    "ACTIVE SHOOTER AT VALLEY FAIR RIGHT NOW GET OUT",
    "SCPD: there is no threat at Levi's Stadium tonight",
    "shooting photos at the Art and Wine Festival",
    "",
]


def small_model() -> MisinfoModel:
    return MisinfoModel(C=(1.0,), folds=3)


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> tuple[Path, MisinfoModel, dict]:
    folder = tmp_path_factory.mktemp("model")
    data_file = folder / "posts.csv"
    builtin = builtin_set()
    rows = [("text", "label")] + [
        (t, str(y)) for t, y in zip(builtin.texts[::4], builtin.labels[::4], strict=True)
    ]
    data_file.write_text("\n".join(f'"{t.replace(chr(34), chr(34) * 2)}",{y}' for t, y in rows))
    labelled = read_labelled_csv(data_file)
    path = folder / "misinfo.skops"
    result = train_and_save([labelled], path, model=small_model())
    return path, result.model, {"file": data_file, "set": labelled}


@pytest.mark.slow
def test_round_trip_gives_identical_probabilities(saved):
    path, model, _ = saved
    loaded = load_model(path)
    assert isinstance(loaded, MisinfoModel)
    assert np.array_equal(loaded.predict_proba(PROBES), model.predict_proba(PROBES))
    assert loaded.threshold_ == model.threshold_ and loaded.version == model.version


def test_sidecar_says_what_made_the_model(saved):
    path, model, data = saved
    sidecar = json.loads(sidecar_path(path).read_text())
    assert sidecar_path(path) == path.with_suffix(".json")
    assert sidecar["sklearn_version"] == sklearn.__version__
    assert sidecar["model_version"] == model.version
    assert sidecar["rows"] == len(data["set"])
    [entry] = sidecar["data"]
    assert entry["sha256"] == hashlib.sha256(data["file"].read_bytes()).hexdigest()
    assert entry["rows"] == len(data["set"]) and entry["positives"] == data["set"].positives
    assert set(sidecar["cross_validated"]) >= {"macro_f1", "average_precision", "brier"}
    assert sidecar["trained_at"].endswith("+00:00")
    assert read_sidecar(path) == sidecar


def test_a_model_carrying_an_untrusted_type_is_refused(saved, tmp_path):
    """What an attacker would write: a real model with a callable smuggled inside."""
    _, model, _ = saved
    evil = tmp_path / "evil.skops"
    model.views_.features.cues_.hook = os.system
    try:
        sio.dump(model, evil)
    finally:
        del model.views_.features.cues_.hook
    with pytest.raises(ModelError, match=r"refusing to load untrusted type\(s\) posix\.system"):
        load_model(evil)


def test_files_that_are_not_our_model_are_refused(tmp_path):
    junk = tmp_path / "junk.skops"
    junk.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ModelError, match="not a readable model file"):
        load_model(junk)
    other = tmp_path / "other.skops"
    sio.dump(LogisticRegression(), other)
    with pytest.raises(ModelError, match="not a MisinfoModel"):
        load_model(other)
    with pytest.raises(ModelError, match="model file not found"):
        load_model(tmp_path / "missing.skops")


@pytest.fixture
def fast_training(monkeypatch):
    """default_model's own logic, with a one-C, three-fold model to keep the test short."""
    monkeypatch.setattr(training, "MisinfoModel", small_model)


@pytest.fixture
def small_builtin(monkeypatch, fast_training):
    """A quarter of the built-in set, for the tests about when (not what) to retrain."""
    full = builtin_set()
    quarter = LabelledSet(full.name, full.texts[::4], full.labels[::4], None, full.sha256)
    monkeypatch.setattr(training, "builtin_set", lambda: quarter)


@pytest.mark.slow
def test_default_model_trains_once_then_loads(tmp_path, fast_training):
    path = tmp_path / "models" / "misinfo.skops"
    settings = make_settings([], classify={"model_path": str(path)})
    first = default_model(settings)
    assert path.is_file() and sidecar_path(path).is_file()
    sidecar = read_sidecar(path)
    posts = hashlib.sha256(BUILTIN_SET.read_bytes()).hexdigest()
    scenes = hashlib.sha256(BUILTIN_SCENARIOS.read_bytes()).hexdigest()
    both = hashlib.sha256(f"{posts}\n{scenes}".encode()).hexdigest()
    assert sidecar["data"][0] == {**sidecar["data"][0], "name": BUILTIN_NAME, "sha256": both}
    written = path.stat().st_mtime_ns
    second = default_model(settings)
    assert path.stat().st_mtime_ns == written  # loaded, not retrained
    assert np.array_equal(first.predict_proba(PROBES), second.predict_proba(PROBES))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("field", "value"),
    [("sklearn_version", "0.0.1"), ("model_family", "misinfo-linear-0"), ("sha256", "0" * 64)],
)
def test_default_model_retrains_when_stale(tmp_path, small_builtin, field, value):
    """After a scikit-learn upgrade, a change of model code, or a new built-in set."""
    path = tmp_path / "misinfo.skops"
    settings = make_settings([], classify={"model_path": str(path)})
    default_model(settings)
    current = read_sidecar(path)
    stale = json.loads(json.dumps(current))
    if field == "sha256":
        stale["data"][0]["sha256"] = value
    else:
        stale[field] = value
    sidecar_path(path).write_text(json.dumps(stale))
    default_model(settings)
    assert read_sidecar(path)["trained_at"] >= current["trained_at"]
    retrained = read_sidecar(path)
    assert retrained["sklearn_version"] == sklearn.__version__
    assert retrained["model_family"] == current["model_family"]
    assert retrained["data"][0]["sha256"] == current["data"][0]["sha256"]


def test_default_model_does_not_overwrite_a_tampered_file(tmp_path, small_builtin):
    path = tmp_path / "misinfo.skops"
    sio.dump({"payload": os.system}, path)
    before = path.read_bytes()
    settings = make_settings([], classify={"model_path": str(path)})
    with pytest.raises(ModelError, match="posix.system"):
        default_model(settings)
    assert path.read_bytes() == before
