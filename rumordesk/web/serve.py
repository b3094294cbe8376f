"""What ``rumordesk run`` serves (``streamlit run`` finds the ``st.App`` below): the
dashboard, its sign-in routes and its security headers. The project's top-level
``app.py`` is the same, for ``streamlit run app.py`` from a checkout."""

import streamlit as st

from rumordesk.web.server import SCRIPT, middleware, routes

app = st.App(SCRIPT, routes=routes(), middleware=middleware())
