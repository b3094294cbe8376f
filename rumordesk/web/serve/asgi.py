"""The dashboard's server (``streamlit run rumordesk/web/serve/asgi.py``): Streamlit's own
app, running :mod:`~rumordesk.web.serve.script`, with the security headers of
:mod:`rumordesk.web.headers` on every response (media files included)."""

from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

from rumordesk.web.headers import SecurityHeaders

SCRIPT = Path(__file__).resolve().with_name("script.py")

app = st.App(SCRIPT, middleware=[Middleware(SecurityHeaders)])
