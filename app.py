"""Rumor Desk dashboard: this file only routes; each page lives in pages/."""

import streamlit as st

st.set_page_config(page_title="Rumor Desk", layout="wide")

navigation = st.navigation(
    [
        st.Page("pages/posts.py", title="Collected posts", icon=":material/feed:", default=True),
        st.Page("pages/sources.py", title="Source health", icon=":material/monitor_heart:"),
    ]
)
navigation.run()
