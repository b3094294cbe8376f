"""Rumor Desk dashboard: ``streamlit run app.py`` serves it (``make run`` and ``rumordesk
run`` serve the same app from ``rumordesk/web/serve.py``).

An ``st.App``: Streamlit runs the router (``rumordesk/web/app.py``) for each browser,
beside the sign-in routes that set the session cookie and the security headers on every
response (``rumordesk/web/server.py``).
"""

import streamlit as st

from rumordesk.web.server import SCRIPT, middleware, routes

app = st.App(SCRIPT, routes=routes(), middleware=middleware())
