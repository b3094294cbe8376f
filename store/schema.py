"""Tables, in the order data flows: sources → posts → metric snapshots and raw payloads.

This is the *current* shape. Each change to it is also written as a numbered migration
in :mod:`store.migrations`; ``tests/test_store_migrations.py`` fails when the two drift.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes in, timezone-aware UTC datetimes out, on any backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # type: ignore[no-untyped-def]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store times in UTC with tzinfo")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):  # type: ignore[no-untyped-def]
        return None if value is None else value.replace(tzinfo=UTC)


metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
)

sources = Table(
    "sources",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("channel", String(32), nullable=False),
    # JSON: conditional-GET validators, since-ids, page tokens. Saved with the posts.
    Column("cursor", Text, nullable=False, default="{}"),
    # never | ok | error | rate_limited | misconfigured | rejected
    Column("status", String(20), nullable=False, default="never"),
    Column("last_attempt_at", UTCDateTime),
    Column("last_success_at", UTCDateTime),
    Column("last_error", Text),
    Column("last_error_at", UTCDateTime),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("last_new", Integer, nullable=False, default=0),
    Column("last_updated", Integer, nullable=False, default=0),
    Column("last_requests", Integer, nullable=False, default=0),
    Column("next_poll_at", UTCDateTime),
)

posts = Table(
    "posts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(64), nullable=False),
    Column("source_id", String(500), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("url", Text),
    Column("author", String(200)),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime),
    Column("lang", String(16)),
    Column("is_official", Boolean, nullable=False, default=False),
    # Current engagement; NULL means the platform does not say (not zero).
    Column("likes", BigInteger),
    Column("shares", BigInteger),
    Column("replies", BigInteger),
    Column("quotes", BigInteger),
    Column("views", BigInteger),
    Column("metrics_at", UTCDateTime),
    Column("content_hash", String(64), nullable=False),
    Column("raw_sha256", String(64), nullable=False),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("edited_at", UTCDateTime),
    # --- threads (migration 12): a reply or comment under one of the Department's posts ---
    # The platform's id of the Department post it answers (its thread), as collected.
    Column("in_reply_to", String(500)),
    # That Department post in the store, once both are stored (store/threads.py).
    Column("reply_to_post_id", Integer, ForeignKey("posts.id", ondelete="SET NULL")),
    UniqueConstraint("source", "source_id", name="uq_posts_source_source_id"),
)
Index("ix_posts_created_at", posts.c.created_at)
Index("ix_posts_first_seen_at", posts.c.first_seen_at)
Index("ix_posts_official_created", posts.c.is_official, posts.c.created_at)
ix_posts_in_reply_to = Index("ix_posts_in_reply_to", posts.c.in_reply_to)
ix_posts_reply_to_post = Index("ix_posts_reply_to_post", posts.c.reply_to_post_id)

metric_snapshots = Table(
    "metric_snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("captured_at", UTCDateTime, nullable=False),
    Column("likes", BigInteger),
    Column("shares", BigInteger),
    Column("replies", BigInteger),
    Column("quotes", BigInteger),
    Column("views", BigInteger),
)
Index("ix_metric_snapshots_post_time", metric_snapshots.c.post_id, metric_snapshots.c.captured_at)

raw_payloads = Table(
    "raw_payloads",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    Column("retrieved_at", UTCDateTime, nullable=False),
    Column("url", Text),
    Column("collector", String(64), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("payload", Text, nullable=False),
)
Index("ix_raw_payloads_post", raw_payloads.c.post_id, raw_payloads.c.retrieved_at)

# --- a staff report's screenshot → its text (collectors/ocr.py, migration 12) ---------

screenshot_texts = Table(
    "screenshot_texts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), nullable=False),
    # The screenshot the text was read from (store/files.py keeps it under this name).
    Column("sha256", String(64), nullable=False),
    # read | unavailable (no engine here) | failed (the engine could not read it)
    Column("status", String(16), nullable=False),
    Column("engine", String(64), nullable=False, default=""),
    # Tesseract's languages of the pass kept, e.g. "chi_tra+eng".
    Column("languages", String(64), nullable=False, default=""),
    # Mean word confidence, 0–1 (None when nothing was read).
    Column("confidence", Float),
    # What the engine read (the post's text unless the reporter typed it).
    Column("text", Text, nullable=False, default=""),
    # JSON: what was done to the image and which lines were dropped as the phone's chrome.
    Column("details", Text, nullable=False, default="{}"),
    Column("message", Text),
    Column("extracted_at", UTCDateTime, nullable=False),
    # The PIO's correction (audited: triage/screenshots.py); the post's text follows it.
    Column("corrected_text", Text),
    Column("corrected_by", String(64)),
    Column("corrected_at", UTCDateTime),
    UniqueConstraint("post_id", name="uq_screenshot_texts_post"),
)
Index("ix_screenshot_texts_sha256", screenshot_texts.c.sha256)

# --- scores → rumours (classify/) ------------------------------------------------------

rumors = Table(
    "rumors",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # The story, e.g. "claim:active_shooter@Westfield Valley Fair" or "text:<hash>".
    Column("cluster_key", String(200), nullable=False),
    Column("status", String(32), nullable=False, default="new"),
    Column("score", Float, nullable=False, default=0.0),
    Column("severity", Float, nullable=False, default=0.0),
    Column("harm", String(32)),
    Column("places", Text, nullable=False, default="[]"),
    Column("channels", Text, nullable=False, default="[]"),
    Column("lead_post_id", Integer, ForeignKey("posts.id", ondelete="SET NULL")),
    Column("claim", Text, nullable=False, default=""),
    Column("top_reason", Text, nullable=False, default=""),
    Column("post_count", Integer, nullable=False, default=0),
    Column("reach", BigInteger, nullable=False, default=0),
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # --- the workflow (triage/workflow.py); scoring never writes these ---
    # 1 when staff forwarded a post of it (the policy's "forward it to the PIO"): the queue
    # lists it in its "Forwarded by staff" band (triage/queue.py), never above the model's order.
    Column("priority", Integer, nullable=False, default=0),
    Column("assignee", String(64)),
    Column("recommendation", Text),
    Column("escalated_at", UTCDateTime),
    Column("escalated_by", String(64)),
    # correction | monitor | no_action | other (triage.workflow.DECISIONS)
    Column("decision", String(32)),
    Column("decision_reason", Text),
    Column("decided_by", String(64)),
    Column("decided_at", UTCDateTime),
    Column("correction_url", Text),
    Column("duplicate_of", Integer, ForeignKey("rumors.id", ondelete="SET NULL")),
    Column("first_action_at", UTCDateTime),
    Column("closed_at", UTCDateTime),
    Column("closed_by", String(64)),
    # A legal hold stops the purge of the rumour, its posts and its evidence.
    Column("legal_hold", Boolean, nullable=False, default=False),
    Column("is_demo", Boolean, nullable=False, default=False),
)
Index("ix_rumors_key_last_seen", rumors.c.cluster_key, rumors.c.last_seen_at)
Index("ix_rumors_score", rumors.c.score)
Index("ix_rumors_status_score", rumors.c.status, rumors.c.score)
Index("ix_rumors_last_seen", rumors.c.last_seen_at)
Index("ix_rumors_priority_score", rumors.c.priority, rumors.c.score)
Index("ix_rumors_awaiting", rumors.c.escalated_at, rumors.c.decided_at)

post_scores = Table(
    "post_scores",
    metadata,
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("rumor_id", Integer, ForeignKey("rumors.id", ondelete="SET NULL")),
    Column("p_misinfo", Float, nullable=False),
    Column("score", Float, nullable=False),
    Column("severity", Float, nullable=False),
    Column("harm", String(32)),
    Column("locality", String(16), nullable=False),
    Column("cluster_key", String(200), nullable=False),
    # Near-copy key of the text (classify.cluster): a copy joins the copied post's rumour.
    Column("text_key", String(64), nullable=False, default=""),
    # JSON: every signal separately, and the plain-language reasons in order.
    Column("signals", Text, nullable=False),
    Column("reasons", Text, nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("scored_at", UTCDateTime, nullable=False),
)
Index("ix_post_scores_rumor", post_scores.c.rumor_id)
Index("ix_post_scores_score", post_scores.c.score)
Index("ix_post_scores_text_key", post_scores.c.text_key)

# The scoring outbox (store/pending.py): a post new or edited (kind "score") or whose
# engagement alone moved (kind "spread") is written here in the transaction that stores
# it, and leaves only in the transaction that writes its score, so a crash between the
# two is repaired by the next run. ``generation`` grows with every new reason to score:
# the scorer removes only the generation it read.
pending_scores = Table(
    "pending_scores",
    metadata,
    Column("post_id", Integer, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(8), nullable=False),
    Column("generation", Integer, nullable=False, default=1),
    Column("queued_at", UTCDateTime, nullable=False),
    # Set when scoring this post failed: tried again from retry_at, the error kept.
    Column("attempts", Integer, nullable=False, default=0),
    Column("retry_at", UTCDateTime),
    Column("last_error", Text),
)

# --- rumours → decisions (triage/) ---------------------------------------------------

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False, default=""),
    # pio | chief | staff | admin (triage.roles.Role)
    Column("role", String(16), nullable=False),
    Column("email", String(254)),
    # argon2id; NULL for accounts that sign in through the identity provider only.
    Column("password_hash", Text),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime),
    Column("last_login_at", UTCDateTime),
    # Sessions started before this moment may no longer act (set when the account is
    # disabled, its role changed or its password set: triage/authz.py). Migration 9.
    Column("sessions_revoked_at", UTCDateTime),
)

# Failed sign-ins per client address (and per client and user name), not per account: a
# guesser is slowed down where they are, and cannot lock the PIO out (triage/auth.py).
sign_in_throttle = Table(
    "sign_in_throttle",
    metadata,
    # "client:<address>" or "client-user:<address>:<user name>"
    Column("key", String(400), primary_key=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("locked_until", UTCDateTime),
    Column("last_failure_at", UTCDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("action", String(48), nullable=False),
    # No foreign key: the record outlives a purged rumour.
    Column("rumor_id", Integer),
    Column("subject", Text),
    Column("detail", Text, nullable=False, default="{}"),
    # Each entry's hash covers the previous entry's hash (triage/audit.py).
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    # HMAC-SHA256 of the hash with $RUMORDESK_AUDIT_KEY (NULL: written without the key), so
    # an entry forged by someone without the key is detected. Migration 9.
    Column("mac", String(64)),
)
Index("ix_audit_rumor", audit_log.c.rumor_id, audit_log.c.id)
Index("ix_audit_at", audit_log.c.at)
Index("ix_audit_actor_at", audit_log.c.actor, audit_log.c.at)
Index("ix_audit_action_at", audit_log.c.action, audit_log.c.at)

# Append-only in the database itself, not only in the application: an UPDATE or DELETE
# through any client fails. (Tampering with the file directly is what the hash chain catches.)
_SQLITE_APPEND_ONLY = [
    f"CREATE TRIGGER IF NOT EXISTS audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    for verb in ("UPDATE", "DELETE")
]
# On PostgreSQL TRUNCATE is refused too (it fires no row trigger), and the triggers belong to
# the role that owns the tables, which the application does not use (docs/postgresql/):
# the application's role can neither drop nor disable them.
POSTGRES_NO_TRUNCATE = (
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
)
#: The same, for a database created before it existed (migration 11).
POSTGRES_NO_TRUNCATE_IF_MISSING = (
    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE "
    "tgname = 'audit_log_no_truncate' AND tgrelid = 'audit_log'::regclass) THEN "
    "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only(); END IF; END $$"
)
#: Raised as an integrity violation (SQLSTATE 23001), as SQLite's RAISE(ABORT) is.
POSTGRES_APPEND_ONLY_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ BEGIN "
    "RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'restrict_violation'; "
    "END $$ LANGUAGE plpgsql"
)
#: No role but the table's owner may UPDATE, DELETE or TRUNCATE it, whatever the default
#: privileges granted when it was created (docs/postgresql/roles.sql grants the app role
#: read and write on every table; this takes the audit log's back).
POSTGRES_AUDIT_PRIVILEGES = (
    "DO $$ DECLARE who oid; BEGIN "
    "FOR who IN SELECT DISTINCT a.grantee FROM pg_class c, aclexplode(c.relacl) a "
    "WHERE c.oid = 'audit_log'::regclass AND a.grantee <> c.relowner "
    "AND a.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE') LOOP "
    "EXECUTE 'REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM ' || "
    "CASE WHEN who = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(who)) END; "
    "END LOOP; END $$"
)
_POSTGRES_APPEND_ONLY = [
    POSTGRES_APPEND_ONLY_FUNCTION,
    POSTGRES_AUDIT_PRIVILEGES,
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    POSTGRES_NO_TRUNCATE,
]
for _statement in _SQLITE_APPEND_ONLY:
    event.listen(audit_log, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in _POSTGRES_APPEND_ONLY:
    event.listen(audit_log, "after_create", DDL(_statement).execute_if(dialect="postgresql"))

# The end of the chain: how many entries it has and the last one's hash. Every append
# locks and moves this one row in its own transaction, so concurrent appenders on any
# backend take turns (the row lock) and cannot both chain onto the same entry; and a log
# whose end was cut off no longer matches it (triage/audit.py). Migration 9.
#: The ``prev_hash`` of the audit log's first entry, and the head's hash while it is empty.
AUDIT_GENESIS = "0" * 64
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("id = 1", name="ck_audit_head_one_row"),
)
_SQLITE_HEAD_FORWARD = [
    "CREATE TRIGGER IF NOT EXISTS audit_head_no_delete BEFORE DELETE ON audit_head "
    "BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_head_forward BEFORE UPDATE ON audit_head "
    "WHEN NEW.seq != OLD.seq + 1 OR NEW.id != OLD.id "
    "BEGIN SELECT RAISE(ABORT, 'the audit head only moves forward'); END",
]
_POSTGRES_HEAD_FORWARD = [
    "CREATE OR REPLACE FUNCTION audit_head_forward() RETURNS trigger AS $$ BEGIN "
    "IF TG_OP = 'DELETE' OR NEW.seq <> OLD.seq + 1 OR NEW.id <> OLD.id THEN "
    "RAISE EXCEPTION 'the audit head only moves forward' USING ERRCODE = 'restrict_violation'; "
    "END IF; RETURN NEW; END $$ "
    "LANGUAGE plpgsql",
    "CREATE TRIGGER audit_head_forward BEFORE UPDATE OR DELETE ON audit_head "
    "FOR EACH ROW EXECUTE FUNCTION audit_head_forward()",
]
for _statement in _SQLITE_HEAD_FORWARD:
    event.listen(audit_head, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in _POSTGRES_HEAD_FORWARD:
    event.listen(audit_head, "after_create", DDL(_statement).execute_if(dialect="postgresql"))

evidence = Table(
    "evidence",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rumor_id", Integer, ForeignKey("rumors.id", ondelete="CASCADE"), nullable=False),
    # snapshot (posts' text and raw payloads as JSON) | screenshot (a file under data/)
    Column("kind", String(16), nullable=False),
    Column("captured_at", UTCDateTime, nullable=False),
    Column("captured_by", String(64), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", Text),
    Column("path", Text),
    Column("media_type", String(64)),
    Column("size", BigInteger, nullable=False, default=0),
    Column("note", Text),
)
Index("ix_evidence_rumor", evidence.c.rumor_id)

# --- rumours → alerts (triage/alerts/) -------------------------------------------------

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rumor_id", Integer, ForeignKey("rumors.id", ondelete="CASCADE"), nullable=False),
    # "email:<address>" or "webhook:<name>" (triage.alerts.targets)
    Column("target", String(300), nullable=False),
    # first | growth: a rumour alerts once, and once more if it grows sharply
    Column("kind", String(16), nullable=False),
    # queued | sending | sent | retrying | failed | cancelled
    Column("status", String(16), nullable=False, default="queued"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime),
    Column("last_error", Text),
    # The rumour as it was when the alert was queued (what the message says).
    Column("score", Float, nullable=False, default=0.0),
    Column("severity", Float, nullable=False, default=0.0),
    Column("reach", BigInteger, nullable=False, default=0),
    Column("post_count", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
    # Set when a delivery starts: a 'sending' row this old was cut short by a restart.
    Column("sending_at", UTCDateTime),
    Column("sent_at", UTCDateTime),
    # One alert per rumour, target and kind: a restart can never queue or send twice.
    UniqueConstraint("rumor_id", "target", "kind", name="uq_alerts_rumor_target_kind"),
)
Index("ix_alerts_due", alerts.c.status, alerts.c.next_attempt_at)
Index("ix_alerts_created", alerts.c.created_at)
# The alert check reads "rumours changed since the last check" every second.
ix_rumors_updated_at = Index("ix_rumors_updated_at", rumors.c.updated_at)

# --- guardrails: who configured what to be collected (triage/config_log.py) ------------

search_config_log = Table(
    "search_config_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # A source's name, or "[retention]" / "[guardrails]" for those settings sections.
    Column("name", String(80), nullable=False),
    Column("kind", String(32), nullable=False),
    # added | changed | removed
    Column("change", String(16), nullable=False),
    # SHA-256 of the settings as logged ("" once removed).
    Column("fingerprint", String(64), nullable=False),
    Column("purpose", Text),
    Column("is_search", Boolean, nullable=False, default=False),
    # JSON: the settings as they were from this moment (never secrets: config.toml has none).
    Column("settings", Text, nullable=False, default="{}"),
    Column("operator", String(64), nullable=False),
    Column("logged_at", UTCDateTime, nullable=False),
    # The audit entry recording the same change.
    Column("audit_id", Integer),
)
Index("ix_search_config_log_name", search_config_log.c.name, search_config_log.c.id)
# The purge deletes posts in bulk; each deleted post clears rumors.lead_post_id (ON DELETE
# SET NULL), which without this index is a scan of every rumour per post.
ix_rumors_lead_post = Index("ix_rumors_lead_post", rumors.c.lead_post_id)

# --- dashboard sign-ins: one row per browser session (triage/sessions.py) ---------------

browser_sessions = Table(
    "browser_sessions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # SHA-256 of the browser's secret (our cookie; for OIDC, Streamlit's identity cookie).
    # The secret itself is never stored.
    Column("token_hash", String(64), nullable=False, unique=True),
    # A local user name, or the e-mail an identity-provider user signed in with.
    Column("username", String(254), nullable=False),
    # password | oidc
    Column("method", String(16), nullable=False),
    # The role at sign-in: a changed role ends the session.
    Column("role", String(16), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime),
    # signed out | signed in again | idle | too old | disabled | role changed | ...
    Column("end_reason", String(32)),
)
ix_browser_sessions_user = Index(
    "ix_browser_sessions_user", browser_sessions.c.username, browser_sessions.c.ended_at
)


# --- several hosts on one database (store/leases.py, store/shared_files.py) -------------

leases = Table(
    "leases",
    metadata,
    # What is held: "chore:purge", "weekly-export:2026-W42", ...
    Column("name", String(200), primary_key=True),
    # host:pid:random of the process holding it (store.leases.THIS_PROCESS)
    Column("holder", String(200), nullable=False),
    Column("acquired_at", UTCDateTime, nullable=False),
    # Free for another holder from this moment on (a holder that died lets go by itself).
    Column("expires_at", UTCDateTime, nullable=False),
    # JSON the holder keeps with it (the weekly export: its files and the mail's state).
    Column("state", Text, nullable=False, default="{}"),
)

shared_files = Table(
    "shared_files",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # model (the text model every host loads) | screenshot (evidence, staff reports)
    Column("kind", String(32), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("content", LargeBinary, nullable=False),
    # JSON: for a model, its sidecar (versions, training data hashes, metrics).
    Column("meta", Text, nullable=False, default="{}"),
    Column("stored_at", UTCDateTime, nullable=False),
    UniqueConstraint("kind", "sha256", name="uq_shared_files_kind_sha256"),
)
