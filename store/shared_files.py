"""Files every host must see, kept in the database: screenshots and the text model.

A dashboard on one host shows the screenshot a member of staff sent through another, and
every collector scores with the same model, because both are rows of ``shared_files``
(content-addressed: one row per kind and SHA-256), not files on one host's disk. The
database's backup holds them with the records that point at them. The local files
(``[staff_reports] screenshot_dir``, ``[classify] model_path``) stay as each host's copy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from rumordesk.store.db import Database, insert_for
from rumordesk.store.schema import shared_files

SCREENSHOT = "screenshot"
MODEL = "model"


@dataclass(frozen=True, slots=True)
class SharedFile:
    kind: str
    sha256: str
    media_type: str
    content: bytes
    meta: dict[str, Any]


def put(
    connection: Connection,
    kind: str,
    content: bytes,
    *,
    media_type: str,
    meta: dict[str, Any] | None = None,
    now: datetime | None = None,
    newest: bool = False,
) -> str:
    """Keep ``content`` (once: a second copy of the same bytes is the same row); its SHA-256.

    ``newest``: make it the newest of its kind even if it was stored before (pinning a
    model that was pinned once already)."""
    digest = hashlib.sha256(content).hexdigest()
    stamp = now or datetime.now(UTC)
    statement = insert_for(connection, shared_files).values(
        kind=kind,
        sha256=digest,
        media_type=media_type,
        size=len(content),
        content=content,
        meta=json.dumps(meta or {}, sort_keys=True, default=str),
        stored_at=stamp,
    )
    keys = [shared_files.c.kind, shared_files.c.sha256]
    if newest:
        statement = statement.on_conflict_do_update(index_elements=keys, set_={"stored_at": stamp})
    else:
        statement = statement.on_conflict_do_nothing(index_elements=keys)
    connection.execute(statement)
    return digest


def get(db: Database, kind: str, sha256: str) -> SharedFile | None:
    """The file, checked against its hash (a row edited behind our back is not returned)."""
    with db.read() as connection:
        row = connection.execute(
            select(shared_files).where(shared_files.c.kind == kind, shared_files.c.sha256 == sha256)
        ).first()
    return _checked(row)


def newest(db: Database, kind: str) -> SharedFile | None:
    """The file of this kind stored last (the model every host loads)."""
    with db.read() as connection:
        return newest_in(connection, kind)


def newest_in(connection: Connection, kind: str) -> SharedFile | None:
    row = connection.execute(
        select(shared_files)
        .where(shared_files.c.kind == kind)
        .order_by(shared_files.c.stored_at.desc(), shared_files.c.id.desc())
        .limit(1)
    ).first()
    return _checked(row)


def remove(connection: Connection, kind: str, digests: Iterable[str]) -> None:
    wanted = sorted(set(digests))
    if wanted:
        connection.execute(
            delete(shared_files).where(
                shared_files.c.kind == kind, shared_files.c.sha256.in_(wanted)
            )
        )


def _checked(row: Any) -> SharedFile | None:
    if row is None:
        return None
    content = bytes(row.content)
    if hashlib.sha256(content).hexdigest() != row.sha256:
        return None
    return SharedFile(row.kind, row.sha256, row.media_type, content, json.loads(row.meta or "{}"))
