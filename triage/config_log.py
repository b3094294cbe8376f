"""Who configured what to be collected, and when: the collection-configuration log.

``config.toml`` says what Rumor Desk collects, and anyone who can edit the file can change
it. On every start (``rumordesk init``, ``collect``, ``run``) each source's settings —
its purpose, queries, accounts, addresses — and the ``[retention]`` and ``[guardrails]``
sections are hashed and compared with the last logged state; every difference is kept in
``search_config_log`` and written to the audit log as action ``search_config``, naming the
operator (``$RUMORDESK_OPERATOR``, else the operating-system user) and the host. A search
can therefore not be added, widened or removed without leaving a dated, attributed record.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, insert, select

from rumordesk.store.db import lock
from rumordesk.store.schema import search_config_log
from rumordesk.triage import audit
from rumordesk.triage.roles import Actor, Role

if TYPE_CHECKING:
    from rumordesk.base.config import AppSettings
    from rumordesk.store.db import Database

log = logging.getLogger(__name__)

OPERATOR_ENV = "RUMORDESK_OPERATOR"
#: Settings sections logged beside the sources (what is kept, and who the Department is).
SECTIONS = ("retention", "guardrails")
ACTION = "search_config"


@dataclass(frozen=True, slots=True)
class ConfigChange:
    name: str
    kind: str
    change: str  # added | changed | removed
    fingerprint: str
    fields: tuple[str, ...]
    audit_id: int


def operator() -> tuple[str, str]:
    """``(who, how we know)``: $RUMORDESK_OPERATOR, else the operating-system account."""
    named = os.environ.get(OPERATOR_ENV, "").strip()
    if named:
        return named[:64], OPERATOR_ENV
    try:
        return getpass.getuser()[:64], "os_user"
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        return "unknown", "none"


def configured(settings: AppSettings) -> dict[str, dict[str, Any]]:
    """What each logged item looks like now: ``{name: {kind, purpose, is_search, settings}}``."""
    items: dict[str, dict[str, Any]] = {}
    for source in settings.sources:
        items[source.name] = {
            "kind": source.kind,
            "purpose": source.purpose,
            "is_search": source.is_search,
            "settings": source.model_dump(mode="json"),
        }
    for section in SECTIONS:
        items[f"[{section}]"] = {
            "kind": "section",
            "purpose": None,
            "is_search": False,
            "settings": getattr(settings, section).model_dump(mode="json"),
        }
    return items


def fingerprint(values: dict[str, Any]) -> str:
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def last_logged(connection: Connection) -> dict[str, Any]:
    """The newest log row of every name (removed ones included)."""
    newest = (
        select(func.max(search_config_log.c.id))
        .group_by(search_config_log.c.name)
        .scalar_subquery()
    )
    rows = connection.execute(
        select(search_config_log).where(search_config_log.c.id.in_(newest))
    ).all()
    return {row.name: row for row in rows}


def record_changes(
    db: Database, settings: AppSettings, *, now: datetime | None = None
) -> list[ConfigChange]:
    """Log every source and section whose settings differ from the last logged; return them."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    who, how = operator()
    actor = Actor(who, Role.ADMIN, f"{who} (configuration file)")
    current = configured(settings)
    changes: list[ConfigChange] = []
    with db.write() as connection:
        # processes starting together (several hosts) compare and log one after the other
        lock(connection, "config-log")
        logged = last_logged(connection)
        for name, item in current.items():
            digest = fingerprint(item["settings"])
            before = logged.get(name)
            if before is not None and before.change != "removed" and before.fingerprint == digest:
                continue
            old = json.loads(before.settings) if before is not None else {}
            change = "added" if before is None or before.change == "removed" else "changed"
            fields = tuple(
                key
                for key in sorted(set(old) | set(item["settings"]))
                if old.get(key) != item["settings"].get(key)
            )
            changes.append(
                _log(connection, actor, how, now, name, item, change, digest, fields, old)
            )
        for name, before in logged.items():
            if name not in current and before.change != "removed":
                item = {
                    "kind": before.kind,
                    "purpose": before.purpose,
                    "is_search": before.is_search,
                    "settings": {},
                }
                changes.append(_log(connection, actor, how, now, name, item, "removed", "", (), {}))
    return changes


def _log(
    connection: Connection,
    actor: Actor,
    how: str,
    now: datetime,
    name: str,
    item: dict[str, Any],
    change: str,
    digest: str,
    fields: tuple[str, ...],
    old: dict[str, Any],
) -> ConfigChange:
    new = item["settings"]
    audit_id = audit.record(
        connection,
        actor,
        ACTION,
        subject=name,
        detail={
            "change": change,
            "kind": item["kind"],
            "purpose": item["purpose"],
            "fingerprint": digest,
            "fields": list(fields),
            "values": {key: new.get(key) for key in fields},
            "previous": {key: old.get(key) for key in fields if key in old},
            "operator_from": how,
            "host": socket.gethostname(),
        },
        at=now,
    )
    connection.execute(
        insert(search_config_log).values(
            name=name,
            kind=item["kind"],
            change=change,
            fingerprint=digest,
            purpose=item["purpose"],
            is_search=bool(item["is_search"]),
            settings=json.dumps(new, sort_keys=True, ensure_ascii=False),
            operator=actor.username,
            logged_at=now,
            audit_id=audit_id,
        )
    )
    log.info("configuration: %s %s by %s (audit entry %s)", name, change, actor.username, audit_id)
    return ConfigChange(name, item["kind"], change, digest, fields, audit_id)


def history(db: Database) -> list[Any]:
    """Every logged change, oldest first (for the transparency report)."""
    with db.read() as connection:
        return connection.execute(select(search_config_log).order_by(search_config_log.c.id)).all()
