"""Tables, in the order data flows: sources → posts → metric snapshots and raw payloads.

This is the *current* shape. Each change to it is also written as a numbered migration
in :mod:`store.migrations`; ``tests/test_store_migrations.py`` fails when the two drift.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
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
    UniqueConstraint("source", "source_id", name="uq_posts_source_source_id"),
)
Index("ix_posts_created_at", posts.c.created_at)
Index("ix_posts_first_seen_at", posts.c.first_seen_at)
Index("ix_posts_official_created", posts.c.is_official, posts.c.created_at)

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
)
Index("ix_rumors_key_last_seen", rumors.c.cluster_key, rumors.c.last_seen_at)
Index("ix_rumors_score", rumors.c.score)
Index("ix_rumors_status_score", rumors.c.status, rumors.c.score)
Index("ix_rumors_last_seen", rumors.c.last_seen_at)

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
    # JSON: every signal separately, and the plain-language reasons in order.
    Column("signals", Text, nullable=False),
    Column("reasons", Text, nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("scored_at", UTCDateTime, nullable=False),
)
Index("ix_post_scores_rumor", post_scores.c.rumor_id)
Index("ix_post_scores_score", post_scores.c.score)
