"""Training the text model and keeping the default one on disk.

``default_model`` is what the collector loop and ``rumordesk rank`` call: it loads the
model at ``[classify].model_path``, or — on a fresh clone, or after a scikit-learn upgrade
that would make the saved file unreliable — trains one on the built-in set (seconds) and
saves it with its sidecar.
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
    default = [d.get("name") for d in data] == [BUILTIN_NAME]
    if default and data[0].get("sha256") != builtin_set().sha256:
        return "trained on an older data/training/posts.csv"
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
