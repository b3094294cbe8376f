"""The text model every process on one database scores with, pinned there by its SHA-256.

Hosts share a database, not a disk: trained "on first use" on each host, every host would
have a model of its own. Instead the first process that needs the model and finds none
pinned (or only one this scikit-learn cannot use) loads or trains its local file as before
and stores it with its sidecar in the store (:mod:`rumordesk.store.shared_files`), under a
lock, so two hosts doing this at once pin one of the two. Every process then loads the
pinned model: a local file with another hash is replaced by the pinned bytes (atomically)
first, and it is loaded through the same trusted-types check as any model file.
``rumordesk train`` pins the model it trained for the configured path.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path

from rumordesk.base.config import AppSettings
from rumordesk.classify.model import MisinfoModel
from rumordesk.classify.persist import load_model, read_sidecar, sidecar_path
from rumordesk.classify.training import default_model, sidecar_stale_reason
from rumordesk.store import shared_files
from rumordesk.store.db import Database, lock
from rumordesk.store.shared_files import SharedFile

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/x-skops"
_PIN_LOCK = "model:pin"
_local = threading.Lock()


def pinned_model(settings: AppSettings, db: Database) -> MisinfoModel:
    """The model pinned in the store (pinning this host's first when there is none)."""
    path = Path(settings.classify.model_path)
    with _local:
        pinned = _usable(shared_files.newest(db, shared_files.MODEL))
        if pinned is None:
            default_model(settings)  # this host's file: loaded, or trained and saved
            pinned = pin(db, path, replace_unusable=True)
        if _sha256(path) != pinned.sha256:
            log.info("loading the model pinned in the database (%s)", pinned.sha256[:12])
            _write_local(path, pinned)
        return load_model(path)


def pin(db: Database, path: Path, *, replace_unusable: bool = False) -> SharedFile:
    """Store the model at ``path`` as the one every process loads; returns what is pinned.

    With ``replace_unusable`` it is pinned only if nothing usable is pinned yet (another
    process may have pinned one a moment ago: that one stays, and is returned)."""
    content = path.read_bytes()
    meta = read_sidecar(path) or {}
    with db.write() as connection:
        lock(connection, _PIN_LOCK)
        current = _usable(shared_files.newest_in(connection, shared_files.MODEL))
        if not (replace_unusable and current is not None):
            shared_files.put(
                connection,
                shared_files.MODEL,
                content,
                media_type=MEDIA_TYPE,
                meta=meta,
                newest=True,
            )
    pinned = shared_files.newest(db, shared_files.MODEL)
    assert pinned is not None  # just stored, or found
    return pinned


def _usable(stored: SharedFile | None) -> SharedFile | None:
    if stored is None:
        return None
    reason = sidecar_stale_reason(stored.meta)
    if reason is not None:
        log.info("the model pinned in the database is %s: pinning a new one", reason)
        return None
    return stored


def _sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _write_local(path: Path, pinned: SharedFile) -> None:
    """The pinned model and its sidecar as this host's files, each replaced atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sidecar = json.dumps(pinned.meta, indent=2, sort_keys=True, default=str) + "\n"
    for target, data in ((path, pinned.content), (sidecar_path(path), sidecar.encode())):
        partial = target.with_name(f".{target.name}.pinned")
        partial.write_bytes(data)
        partial.replace(target)
