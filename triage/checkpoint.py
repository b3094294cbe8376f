"""Checkpoints: the audit log's head, signed and kept outside the database.

The database owner can drop the triggers, cut the end off the log and move the head row
back; nothing inside the database can tell. A checkpoint — how many entries the log had
and the last one's hash, at a moment, signed with ``$RUMORDESK_AUDIT_KEY`` (HMAC) — kept
somewhere else (each weekly export, the e-mail to ``[audit] checkpoint_to``, a file from
``rumordesk audit checkpoint``) can: ``rumordesk audit verify --checkpoint FILE`` fails
when the log is shorter than the checkpoint or differs at its position.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rumordesk.base import mail as base_mail
from rumordesk.base.config import AppSettings
from rumordesk.base.errors import RumorDeskError
from rumordesk.store.db import Database
from rumordesk.triage.audit import (
    AUDIT_KEY_ENV,
    AuditError,
    audit_key,
    read_head,
    sign,
    signature_matches,
)

FORMAT = "rumordesk-audit-checkpoint/1"
MEDIA_TYPE = "application/json"


class CheckpointError(RumorDeskError):
    """The checkpoint file cannot be read, or its signature does not match."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The log had ``seq`` entries, the last with ``hash``, at ``at``."""

    seq: int
    hash: str
    at: datetime
    #: HMAC of the fields above with the audit key; None when no key was configured.
    signature: str | None = None

    def signed_text(self) -> str:
        return f"{self.seq}\x1f{self.hash}\x1f{self.at.astimezone(UTC).isoformat()}"

    def to_json(self) -> str:
        body = {
            "format": FORMAT,
            "seq": self.seq,
            "hash": self.hash,
            "at": self.at.astimezone(UTC).isoformat(),
            "signature": self.signature,
            "note": "The Rumor Desk audit log's head. Keep it outside the Department's "
            "server; check the log against it with: rumordesk audit verify --checkpoint FILE",
        }
        return json.dumps(body, indent=2) + "\n"


def take(db: Database, *, now: datetime | None = None) -> Checkpoint:
    """The current head, signed when the audit key is configured."""
    with db.read() as connection:
        head = read_head(connection)
    if head is None:
        raise AuditError("the audit log has no head row: run rumordesk init, or it was removed")
    unsigned = Checkpoint(head.seq, head.hash, (now or datetime.now(UTC)).astimezone(UTC))
    key = audit_key()
    if key is None:
        return unsigned
    return Checkpoint(
        unsigned.seq, unsigned.hash, unsigned.at, sign(key, "checkpoint", unsigned.signed_text())
    )


def parse(text: str, *, origin: str = "checkpoint") -> Checkpoint:
    try:
        body = json.loads(text)
        if body.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} document")
        seq, digest = int(body["seq"]), str(body["hash"])
        at = datetime.fromisoformat(body["at"])
        signature = body.get("signature")
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise CheckpointError(f"{origin}: not a Rumor Desk audit checkpoint ({exc})") from None
    if seq < 0 or len(digest) != 64 or at.tzinfo is None:
        raise CheckpointError(f"{origin}: not a Rumor Desk audit checkpoint (bad fields)")
    return Checkpoint(seq, digest, at, signature if isinstance(signature, str) else None)


def load(path: Path) -> Checkpoint:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path}: cannot be read ({exc})") from None
    return parse(text, origin=str(path))


def check_signature(checkpoint: Checkpoint) -> str:
    """Raise :class:`CheckpointError` when the signature is wrong; say what was checked."""
    key = audit_key()
    if key is None:
        return f"signature not checked (${AUDIT_KEY_ENV} is not set)"
    if checkpoint.signature is None:
        raise CheckpointError(
            "the checkpoint is not signed, but the audit key is set: it cannot be trusted"
        )
    if not signature_matches(key, "checkpoint", checkpoint.signed_text(), checkpoint.signature):
        raise CheckpointError(
            "the checkpoint's signature does not match (altered, or signed with another key)"
        )
    return "signature valid"


def file_name(checkpoint: Checkpoint) -> str:
    return f"rumordesk-audit-checkpoint-{checkpoint.at:%Y%m%dT%H%M%SZ}-{checkpoint.seq}.json"


def mail(settings: AppSettings, checkpoint: Checkpoint, *, why: str) -> bool:
    """E-mail the checkpoint to ``[audit] checkpoint_to``; False when none is configured.

    Raises :class:`base.mail.MailError` when the server refuses it (the caller decides
    whether that stops anything: a weekly export still counts as written)."""
    recipients = list(settings.audit.checkpoint_to)
    if not recipients or not settings.mail.enabled:
        return False
    body = (
        f"The audit log of {settings.department.name}'s Rumor Desk had {checkpoint.seq:,} "
        f"entries at {checkpoint.at:%Y-%m-%d %H:%M} UTC ({why}).\n\n"
        f"Last entry's hash: {checkpoint.hash}\n"
        f"Signature: {checkpoint.signature or 'none (no audit key configured)'}\n\n"
        "Keep the attached file. To check that nothing was removed from or rewritten in the "
        "log since, run on the server:\n  rumordesk audit verify --checkpoint FILE\n"
    )
    message = base_mail.build_message(
        settings.mail,
        to=recipients,
        subject=f"{settings.department.name}: Rumor Desk audit checkpoint {checkpoint.seq:,}",
        body=body,
        attachments=[
            base_mail.Attachment(
                file_name(checkpoint), checkpoint.to_json().encode("utf-8"), MEDIA_TYPE
            )
        ],
    )
    base_mail.send(settings.mail, message)
    return True
