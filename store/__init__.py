"""The store: one database for posts, sources, scores, rumours, decisions and the audit log."""

from __future__ import annotations

from rumordesk.store.db import Database


def open_database(url: str) -> Database:
    """Connect and bring the schema up to date (idempotent, cheap when nothing is pending)."""
    from rumordesk.store.migrations import migrate

    db = Database(url)
    migrate(db)
    return db
