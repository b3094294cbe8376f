"""Saving and loading the models: one skops file each, a JSON sidecar, an explicit trust list.

Why skops and a list: a pickle runs whatever code it names when loaded, so a model file
swapped on disk would run as the dashboard's user. skops refuses any type not on
:data:`TRUSTED_TYPES` — the exact classes a :class:`~classify.model.MisinfoModel` and a
:class:`~classify.relation.RelationModel` are made of — and we never pass
``trusted=True``. The sidecar (``misinfo.json`` beside ``misinfo.skops``, ``relation.json``
beside ``relation.skops``) says what the model is without loading it: version,
scikit-learn version, hashes and row counts of the training data, metrics, when it was
trained.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any, TypeVar

import sklearn
import skops.io as sio

from rumordesk.base.errors import RumorDeskError
from rumordesk.classify.model import MisinfoModel

#: Every type inside a saved MisinfoModel or RelationModel; anything else is refused.
TRUSTED_TYPES: tuple[str, ...] = (
    "rumordesk.classify.model.CharNgrams",
    "rumordesk.classify.model.CueFeatures",
    "rumordesk.classify.model.MisinfoModel",
    "rumordesk.classify.model.TextFeatures",
    "rumordesk.classify.model.Views",
    "rumordesk.classify.relation.RelationModel",
    "rumordesk.classify.relation.TextView",
    "numpy.dtype",
    "numpy.float64",
    "numpy.int64",
    "numpy.ndarray",
    "scipy.sparse._csr.csr_matrix",
    "sklearn.feature_extraction.text.CountVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.naive_bayes.ComplementNB",
    "sklearn.preprocessing._data.StandardScaler",
    "builtins.int",
    "builtins.float",
    "builtins.str",
    "builtins.tuple",
    "builtins.list",
    "builtins.dict",
    "builtins.bool",
    "builtins.NoneType",
)


T = TypeVar("T")


class ModelError(RumorDeskError):
    """A model file that is missing, unreadable, or holds something we do not trust."""


def sidecar_path(path: str | os.PathLike[str]) -> Path:
    return Path(path).with_suffix(".json")


def save_model(model: Any, path: str | os.PathLike[str], *, metadata: dict) -> None:
    """Write ``path`` (skops) and its JSON sidecar, each atomically (never half a file)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    sidecar = {
        "model_version": getattr(model, "version", None),
        "model_class": f"{type(model).__module__}.{type(model).__qualname__}",
        "sklearn_version": sklearn.__version__,
        "skops_version": sio.__version__ if hasattr(sio, "__version__") else _skops_version(),
        "threshold": getattr(model, "threshold_", None),
        **metadata,
    }
    _atomic_write(target, lambda f: sio.dump(model, f, compression=zipfile.ZIP_DEFLATED))
    text = json.dumps(sidecar, indent=2, sort_keys=True, default=str) + "\n"
    _atomic_write(sidecar_path(target), lambda f: f.write(text.encode("utf-8")))


def read_sidecar(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The sidecar of the model at ``path``, or None when it is missing or unreadable."""
    try:
        return json.loads(sidecar_path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def untrusted_types(path: str | os.PathLike[str]) -> list[str]:
    """Types named in the file that are not on :data:`TRUSTED_TYPES`."""
    trusted = set(TRUSTED_TYPES)
    return sorted(t for t in sio.get_untrusted_types(file=path) if t not in trusted)


def load_model(path: str | os.PathLike[str], expected: type[T] = MisinfoModel) -> T:  # type: ignore[assignment]
    """Load a saved model of class ``expected`` (the text model unless told otherwise),
    refusing any file that names a type outside the trust list."""
    source = Path(path)
    if not source.is_file():
        raise ModelError(f"{source}: model file not found")
    try:
        refused = untrusted_types(source)
        if refused:
            raise ModelError(
                f"{source}: refusing to load untrusted type(s) {', '.join(refused)}; "
                "retrain with `rumordesk train`"
            )
        model = sio.load(source, trusted=list(TRUSTED_TYPES))
    except ModelError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise ModelError(f"{source}: not a readable model file ({exc})") from None
    if not isinstance(model, expected):
        raise ModelError(f"{source}: holds a {type(model).__name__}, not a {expected.__name__}")
    return model


def _skops_version() -> str:
    from importlib.metadata import version

    return version("skops")


def _atomic_write(target: Path, write: Any) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
