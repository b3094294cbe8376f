"""The Department's posts (and every collected post), newest first, with engagement.

Post text is untrusted: it is shown as data, never markup."""

import streamlit as st

from rumordesk.store.posts import PostFilter, count_posts, list_posts
from rumordesk.store.records import DEMO_SOURCE
from rumordesk.triage.roles import Permission
from rumordesk.web.context import EMPTY, count, database, local_time, settings
from rumordesk.web.session import require_page

require_page(Permission.VIEW_QUEUE)
st.title("Department posts")
db = database()
sources = [s.name for s in settings().sources]

left, middle, right = st.columns([2, 2, 3])
source = left.selectbox("Source", ["All sources", *sources], key="posts_source")
scope = middle.radio(
    "Posted by", ["Department", "Everyone", "Public"], horizontal=True, key="posts_scope"
)
search = right.text_input("Text contains", key="posts_search")

where = PostFilter(
    source=None if source == "All sources" else source,
    official={"Everyone": None, "Department": True, "Public": False}[scope],
    search=search.strip() or None,
    limit=500,
)
rows = list_posts(db, where)
st.caption(f"{count_posts(db):,} posts stored; showing the newest {len(rows):,} that match.")
if not rows:
    st.info("No posts yet. Run `rumordesk collect --once`, or check the Source health page.")
else:
    table = [
        {
            "published": local_time(row["created_at"] or row["first_seen_at"]),
            "link": row["url"],
            "channel": row["channel"],
            "text": ("DEMO · " if row["source"] == DEMO_SOURCE else "") + row["text"],
            "likes": count(row["likes"]),
            "shares": count(row["shares"]),
            "replies": count(row["replies"]),
            "views": count(row["views"]),
            "official": bool(row["is_official"]),
            "author": row["author"] or EMPTY,
            "source": row["source"],
        }
        for row in rows
    ]
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "published": st.column_config.TextColumn("Published", width="small"),
            "link": st.column_config.LinkColumn("Original", display_text="open ↗", width="small"),
            "channel": st.column_config.TextColumn("Channel", width="small"),
            "text": st.column_config.TextColumn("Text", width="large"),
            "likes": st.column_config.TextColumn("Likes", width="small"),
            "shares": st.column_config.TextColumn("Shares", width="small"),
            "replies": st.column_config.TextColumn("Replies", width="small"),
            "views": st.column_config.TextColumn("Views", width="small"),
            "official": st.column_config.CheckboxColumn("Department", width="small"),
            "author": st.column_config.TextColumn("Author", width="small"),
            "source": st.column_config.TextColumn("Source", width="small"),
        },
        key="posts_table",
    )
