"""The store's names for things (``not_relevant``, ``sign_in_failed``, ``rate_limited``) in
the words a person reads. Pages show these; the store, the CLI's ``--format json`` and the
audit export keep the names."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from rumordesk.triage.collection_health import STATUS_WORDS as SOURCE_STATUS_WORDS
from rumordesk.triage.workflow import DECISION_LABELS, STATUS_LABELS

ACTION_WORDS = {
    "assign": "Assigned",
    "status": "Status set",
    "bulk_status": "Status set (several at once)",
    "note": "Note added",
    "evidence": "Evidence preserved",
    "screenshot": "Screenshot attached",
    "escalate": "Escalated to the Chief's office",
    "decide": "Chief's decision",
    "correction": "Correction linked",
    "close": "Closed",
    "reopen": "Reopened",
    "legal_hold": "Legal hold changed",
    "staff_report": "Reported by staff",
    "sign_in": "Signed in",
    "sign_in_failed": "Sign-in refused",
    "sign_out": "Signed out",
    "export": "Exported",
    "import": "Imported a file",
    "alert": "Alert sent",
    "alert_test": "Test alert",
    "demo_load": "Demo loaded",
    "demo_remove": "Demo removed",
    "model_train": "Model retrained",
    "purge": "Retention purge",
    "search_config": "Collection settings changed",
    "user_add": "Account added",
    "user_role": "Role changed",
    "user_enable": "Account enabled",
    "user_disable": "Account disabled",
    "user_password": "Password changed",
}
ALERT_STATUS_WORDS = {
    "queued": "Waiting to send",
    "sending": "Sending",
    "sent": "Sent",
    "retrying": "Retrying",
    "failed": "Failed",
    "cancelled": "Cancelled",
}
ALERT_KIND_WORDS = {"first": "First alert", "growth": "Grown sharply"}
ROLE_WORDS = {"pio": "PIO", "chief": "Chief's office", "staff": "Staff", "admin": "Administrator"}
#: Audit detail keys whose values are status or decision names.
_NAMED_VALUES = {"from": STATUS_LABELS, "to": STATUS_LABELS, "decision": DECISION_LABELS}


def _sentence(name: str) -> str:
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def action_words(action: str) -> str:
    return ACTION_WORDS.get(action, _sentence(action))


def status_words(status: str) -> str:
    return STATUS_LABELS.get(status, _sentence(status))


def source_status_words(status: str) -> str:
    return _sentence(SOURCE_STATUS_WORDS.get(status, status))


def role_words(role: str) -> str:
    return ROLE_WORDS.get(role, _sentence(role))


def detail_words(detail: Mapping[str, Any]) -> str:
    """An audit entry's detail as ``from: New, to: Not relevant, note: …`` (empty values
    left out, names in words)."""
    parts = []
    for key, value in detail.items():
        if value in (None, "", [], {}):
            continue
        if isinstance(value, datetime):
            value = value.isoformat(timespec="minutes")
        shown = _NAMED_VALUES.get(key, {}).get(value, value) if isinstance(value, str) else value
        parts.append(f"{key.replace('_', ' ')}: {shown}")
    return ", ".join(parts)
