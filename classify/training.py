"""Training the models and keeping the default ones on disk.

``default_model`` is what the collector loop and ``rumordesk rank`` call: it loads the
text model at ``[classify].model_path``, or — on a fresh clone, or after a scikit-learn
upgrade that would make the saved file unreliable — trains one on the built-in set
(seconds) and saves it with its sidecar. ``default_relations`` does the same for the
official-relation step (``relation.skops`` beside it), trained on the shipped scenarios.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sklearn

from rumordesk.base.config import AppSettings
from rumordesk.classify.datasets import BUILTIN_NAME, LabelledSet, builtin_set, combine
from rumordesk.classify.model import MODEL_VERSION, MisinfoModel
from rumordesk.classify.persist import (
    ModelError,
    load_model,
    read_sidecar,
    save_model,
    untrusted_types,
)
from rumordesk.classify.relation import (
    RELATION_VERSION,
    RelationModel,
    relation_version,
    train_relation_model,
)
from rumordesk.classify.scenarios import shipped_kinds, shipped_scenarios
from rumordesk.classify.signals import Gazetteer

log = logging.getLogger(__name__)
_default_lock = threading.Lock()


@dataclass(frozen=True)
class TrainingResult:
    model: MisinfoModel
    metadata: dict
    seconds: float


def train(sets: Sequence[LabelledSet], *, model: MisinfoModel | None = None) -> TrainingResult:
    """Fit one model on the union of ``sets``; the metadata is what the sidecar records."""
    if not sets:
        raise ModelError("no training data: give --data FILE.csv or keep the built-in set")
    texts, labels, groups = combine(sets)
    started = time.perf_counter()
    try:
        fitted = (model or MisinfoModel()).fit(texts, labels, groups=groups)
    except ValueError as exc:
        raise ModelError(f"cannot train: {exc}") from None
    seconds = time.perf_counter() - started
    metadata = {
        "model_family": MODEL_VERSION,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "train_seconds": round(seconds, 2),
        "rows": len(texts),
        "positives": sum(labels),
        "data": [s.describe() for s in sets],
        "params": {k: v for k, v in fitted.get_params().items()},
        "chosen_C": fitted.C_,
        "cross_validated": fitted.cv_metrics_,
    }
    return TrainingResult(fitted, metadata, seconds)


def train_and_save(
    sets: Sequence[LabelledSet], path: str | Path, *, model: MisinfoModel | None = None
) -> TrainingResult:
    result = train(sets, model=model)
    save_model(result.model, path, metadata=result.metadata)
    return result


def stale_reason(path: str | Path) -> str | None:
    """Why the model at ``path`` should be retrained before use, or None if it is current:
    missing, made by another scikit-learn or model family (the saved internals would not
    fit this code), or a default model whose built-in training set has since changed."""
    if not Path(path).is_file():
        return "missing"
    return sidecar_stale_reason(read_sidecar(path))


def sidecar_stale_reason(sidecar: dict | None) -> str | None:
    """:func:`stale_reason` from a model's sidecar alone (a model kept in the database)."""
    if sidecar is None:
        return "without a readable sidecar"
    if sidecar.get("sklearn_version") != sklearn.__version__:
        return f"made by scikit-learn {sidecar.get('sklearn_version')}"
    if sidecar.get("model_family") != MODEL_VERSION:
        return f"of model family {sidecar.get('model_family')}"
    data = sidecar.get("data") or []
    # A default model was trained on the built-in set alone (under whatever name that set
    # had then: it was "builtin:data/training/posts.csv" before the scenarios joined it).
    default = len(data) == 1 and str(data[0].get("name", "")).startswith("builtin:")
    if default and (
        data[0].get("name") != BUILTIN_NAME or data[0].get("sha256") != builtin_set().sha256
    ):
        return "trained on an older built-in set (data/training)"
    return None


def default_model(settings: AppSettings) -> MisinfoModel:
    """The configured model; trained on the built-in set and saved when missing or stale.

    A file that is present but refused (an untrusted type, a corrupt archive) is an error,
    not something to overwrite quietly: the operator should know it was tampered with.
    """
    path = Path(settings.classify.model_path)
    with _default_lock:
        reason = stale_reason(path)
        if reason is None:
            return load_model(path)
        log.info("model %s is %s: training on the built-in set", path, reason)
        if path.exists() and (refused := untrusted_types(path)):
            # a tampered file is reported, not quietly overwritten
            raise ModelError(f"{path}: refusing to load untrusted type(s) {', '.join(refused)}")
        return train_and_save([builtin_set()], path).model


def relation_path(settings: AppSettings) -> Path:
    """Where the relation step's model lives: beside the text model."""
    return Path(settings.classify.model_path).with_name("relation.skops")


def relation_stale_reason(path: str | Path, version: str) -> str | None:
    """Why the relation model at ``path`` should be retrained, or None: missing, made by
    another scikit-learn, or trained on other scenarios or another gazetteer (``version``
    is what :func:`~classify.relation.relation_version` gives for the current ones)."""
    if not Path(path).is_file():
        return "missing"
    sidecar = read_sidecar(path)
    if sidecar is None:
        return "without a readable sidecar"
    if sidecar.get("sklearn_version") != sklearn.__version__:
        return f"made by scikit-learn {sidecar.get('sklearn_version')}"
    if sidecar.get("model_version") != version:
        return "trained on other scenarios or another gazetteer"
    return None


def default_relations(settings: AppSettings) -> RelationModel:
    """The relation step's model at :func:`relation_path`; trained on the shipped scenarios
    (seconds) and saved when missing or stale. A refused file is an error, as for the text
    model."""
    path = relation_path(settings)
    gazetteer = Gazetteer.from_settings(settings.classify)
    scenarios, extra = shipped_scenarios(), shipped_kinds()
    version = relation_version(scenarios, gazetteer, extra)
    with _default_lock:
        reason = relation_stale_reason(path, version)
        if reason is None:
            return load_model(path, RelationModel)
        log.info("relation model %s is %s: training on the shipped scenarios", path, reason)
        if path.exists() and (refused := untrusted_types(path)):
            raise ModelError(f"{path}: refusing to load untrusted type(s) {', '.join(refused)}")
        started = time.perf_counter()
        model = train_relation_model(scenarios, gazetteer, extra=extra)
        metadata = {
            "model_family": RELATION_VERSION,
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "train_seconds": round(time.perf_counter() - started, 2),
            "data": [
                {
                    "name": "builtin:data/training/scenarios",
                    "sha256": scenarios.sha256,
                    "pairs": len(scenarios.pairs()),
                    "department_posts": len(scenarios.officials),
                },
                {
                    "name": "builtin:data/training/department_posts.csv",
                    "sha256": extra.sha256,
                    "department_posts": len(extra.texts),
                },
            ],
            "params": model.get_params(),
        }
        save_model(model, path, metadata=metadata)
        return model
