"""What ``rumordesk run`` serves (``streamlit run`` finds the ``st.App`` below): the
dashboard and its sign-in routes. The project's top-level ``app.py`` is the same, for
``streamlit run app.py`` from a checkout."""

import streamlit as st

from rumordesk.web.server import SCRIPT, routes

app = st.App(SCRIPT, routes=routes())
