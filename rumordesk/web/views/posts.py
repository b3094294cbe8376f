"""The Department's posts (and every collected post), newest first, with engagement.

Post text is untrusted: it is shown as data, never markup."""

import streamlit as st

from rumordesk.store.posts import PostFilter, count_posts, list_posts
from rumordesk.triage.roles import Permission
from rumordesk.web.context import database, local_time, settings
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
            "source": row["source"],
            "channel": row["channel"],
            "official": bool(row["is_official"]),
            "text": row["text"],
            "author": row["author"] or "",
            "likes": row["likes"],
            "shares": row["shares"],
            "replies": row["replies"],
            "views": row["views"],
            "link": row["url"],
        }
        for row in rows
    ]
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "text": st.column_config.TextColumn("text", width="large"),
            "link": st.column_config.LinkColumn("link", display_text="open"),
            "official": st.column_config.CheckboxColumn("official"),
        },
        key="posts_table",
    )
