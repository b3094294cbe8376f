"""The dashboard's web server: Streamlit plus the sign-in routes, as one ``st.App``.

``streamlit run app.py`` (the project's top-level ``app.py``) and ``rumordesk run``
(``rumordesk/web/serve.py``, the same two lines inside the package) both find an
``st.App`` and serve it with uvicorn: Streamlit's own routes, and ours from
:mod:`rumordesk.web.sign_in_routes`. Each browser connection then runs :data:`SCRIPT`.

Streamlit writes a browser's session id into its log when a connection reconnects; the
id is not a credential here (the cookie is), but it should not sit in a log either, so
:func:`hide_session_ids` masks ids in every Streamlit and uvicorn log line. Every response
carries the security headers of :mod:`rumordesk.web.headers` (:func:`middleware`).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from starlette.middleware import Middleware

from rumordesk.web.headers import SecurityHeaders
from rumordesk.web.sign_in_routes import ROUTES

#: The script each browser connection runs: the router.
SCRIPT = str(Path(__file__).resolve().parent / "app.py")
_SESSION_ID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
_MASKED_LOGGERS = ("streamlit", "uvicorn")


def _mask(text: str) -> str:
    return _SESSION_ID.sub("<session id hidden>", text)


def hide_session_ids() -> None:
    """Mask UUIDs (Streamlit's session ids) in every Streamlit and uvicorn log record.

    A record factory rather than a filter: Streamlit gives each of its loggers its own
    handler and replaces them when its configuration is read, so only the factory sees
    every record. Installed once per process.
    """
    factory = logging.getLogRecordFactory()
    if getattr(factory, "rumordesk_masks_ids", False):
        return

    def masked(*args, **kwargs):  # type: ignore[no-untyped-def]
        record = factory(*args, **kwargs)
        if record.name.startswith(_MASKED_LOGGERS):
            message = record.getMessage()
            hidden = _mask(message)
            if hidden != message:
                record.msg, record.args = hidden, ()
        return record

    masked.rumordesk_masks_ids = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masked)


class _RoutesUseTheCache(logging.Filter):
    """The sign-in routes read the settings and the database through the dashboard's
    ``st.cache_resource`` (one engine per process); Streamlit warns about that outside a
    script run, for every request. Drop that one warning outside script threads."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            "missing ScriptRunContext" in record.getMessage()
            and not record.threadName.startswith("ScriptRunner")
        )


def middleware() -> list[Middleware]:
    """Around every response, Streamlit's media files included: the security headers."""
    return [Middleware(SecurityHeaders)]


def routes() -> list:  # type: ignore[type-arg]
    """Our routes, added beside Streamlit's."""
    hide_session_ids()
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        _RoutesUseTheCache()
    )
    return list(ROUTES)
