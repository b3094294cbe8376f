"""The text model every host loads is the one pinned in the database, by its SHA-256 —
not whatever each host happened to train on first use (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from rumordesk.base.config import AppSettings, parse_settings
from rumordesk.classify import shared_model, training
from rumordesk.classify.model import MisinfoModel
from rumordesk.classify.persist import sidecar_path
from rumordesk.classify.training import default_model
from rumordesk.store import shared_files
from rumordesk.store.db import Database


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One model trained on the built-in set (small settings: seconds), copied per host."""
    path = tmp_path_factory.mktemp("trained") / "misinfo.skops"
    settings = parse_settings({"classify": {"model_path": str(path)}})
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(training, "MisinfoModel", lambda: MisinfoModel(C=(1.0,), folds=3))
        default_model(settings)
    return path


def host(db: Database, folder: Path) -> AppSettings:
    """A host's settings: the shared database, its own model file."""
    url = db.url.render_as_string(hide_password=False)
    model = folder / "models" / "misinfo.skops"
    return parse_settings(
        {"storage": {"database_url": url}, "classify": {"model_path": str(model)}}
    )


def copy_model(source: Path, settings: AppSettings) -> Path:
    target = Path(settings.classify.model_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    shutil.copy(sidecar_path(source), sidecar_path(target))
    return target


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def no_training(*_args, **_kwargs):  # type: ignore[no-untyped-def]
    raise AssertionError("this host must load the pinned model, not train its own")


@pytest.mark.slow
def test_the_first_host_pins_its_model_and_the_next_loads_the_same_bytes(
    db: Database, trained: Path, tmp_path: Path, monkeypatch
):
    first = host(db, tmp_path / "a")
    local = copy_model(trained, first)
    shared_model.pinned_model(first, db)
    pinned = shared_files.newest(db, shared_files.MODEL)
    assert pinned is not None and pinned.sha256 == sha(local)
    assert pinned.meta == json.loads(sidecar_path(local).read_text())

    second = host(db, tmp_path / "b")  # nothing on this host's disk
    monkeypatch.setattr(training, "train_and_save", no_training)
    model = shared_model.pinned_model(second, db)
    there = Path(second.classify.model_path)
    assert sha(there) == pinned.sha256 and sidecar_path(there).is_file()
    assert model.predict_proba(["gunman inside the stadium right now"])[0] > 0.5


def test_a_host_with_another_model_file_loads_the_pinned_one(
    db: Database, trained: Path, tmp_path: Path
):
    first = host(db, tmp_path / "a")
    shared_model.pin(db, copy_model(trained, first))
    other = host(db, tmp_path / "b")
    stray = copy_model(trained, other)
    stray.write_bytes(stray.read_bytes() + b"\0")  # not the pinned bytes (nor a loadable file)
    shared_model.pinned_model(other, db)
    assert sha(stray) == sha(trained)


@pytest.mark.slow
def test_a_pinned_model_this_version_cannot_use_is_replaced(
    db: Database, trained: Path, tmp_path: Path
):
    with db.write() as connection:
        shared_files.put(
            connection,
            shared_files.MODEL,
            b"made by an older scikit-learn",
            media_type=shared_model.MEDIA_TYPE,
            meta={"sklearn_version": "0.1", "model_family": "old"},
        )
    settings = host(db, tmp_path / "a")
    local = copy_model(trained, settings)
    shared_model.pinned_model(settings, db)
    assert shared_files.newest(db, shared_files.MODEL).sha256 == sha(local)


def test_pinning_again_makes_a_model_the_newest(db: Database, trained: Path, tmp_path: Path):
    """`rumordesk train` pins what it trained, even bytes pinned once before."""
    first = copy_model(trained, host(db, tmp_path / "a"))
    shared_model.pin(db, first)
    with db.write() as connection:
        shared_files.put(
            connection,
            shared_files.MODEL,
            b"a later model",
            media_type=shared_model.MEDIA_TYPE,
            meta=json.loads(sidecar_path(first).read_text()),
            newest=True,
        )
    assert shared_files.newest(db, shared_files.MODEL).content == b"a later model"
    assert shared_model.pin(db, first).sha256 == sha(first)
