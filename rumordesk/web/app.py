"""Rumor Desk dashboard: this script only routes; each page lives in ``views/``.

Streamlit runs it on every interaction (``streamlit run app.py`` serves it through the
``st.App`` in the project's top-level ``app.py``, which adds the sign-in routes). Who is
signed in decides which pages the menu lists (``st.navigation`` per role); the others
exist but are hidden, so a link to them gets a plain refusal rather than "Page not found".
The pages check the role again, and the functions they call check the account a third
time (triage/authz.py).
Nobody signed in: the page asked for is remembered and the browser goes to ``/sign-in``,
which brings it back there.
"""

from urllib.parse import urlencode

import streamlit as st

from rumordesk.base.logs import install_masking
from rumordesk.web import session
from rumordesk.web.navigation import ALL_PAGES, PageSpec, hidden_for, pages_for


def _page(spec: PageSpec, *, default: bool = False, hidden: bool = False) -> st.Page:
    return st.Page(
        spec.path,
        title=spec.title,
        icon=spec.icon,
        default=default,
        visibility="hidden" if hidden else "visible",
    )


def _signed_out() -> None:
    """The page behind "/" for a browser nobody is signed in on (never shown: main()
    sends the browser to sign in first)."""


def _asked_for(url_path: str) -> str:
    """The address the browser asked for, to come back to after signing in."""
    query = urlencode(st.query_params.to_dict())
    return "/" + url_path + (f"?{query}" if query else "")


#: Less padding around the page than Streamlit's default, so that the queue's table fits a
#: 1280-pixel screen beside the menu and more of it shows above the fold.
COMPACT = """<style>
[data-testid="stMainBlockContainer"]{padding:1.5rem 1.5rem 3rem 1.5rem;max-width:none}
</style>"""


def main() -> None:
    install_masking()  # every log line of the dashboard's process, whichever library wrote it
    # An emoji icon is drawn by the browser; a :material/…: page icon loads from a font host.
    st.set_page_config(page_title="Rumor Desk", page_icon="🛡️", layout="wide")
    st.html(COMPACT)
    checked = session.current()
    actor = checked.actor
    if actor is None:
        asked = st.navigation(
            [
                st.Page(_signed_out, title="Sign in", default=True),
                *(_page(spec, hidden=True) for spec in ALL_PAGES),
            ],
            position="hidden",
        )
        session.go_to_sign_in(_asked_for(asked.url_path), checked.ended)
        return
    specs = pages_for(actor.role)
    navigation = st.navigation(
        [
            *(_page(spec, default=index == 0) for index, spec in enumerate(specs)),
            *(_page(spec, hidden=True) for spec in hidden_for(actor.role)),
        ]
    )
    with st.sidebar:
        st.caption("Signed in as")
        st.text(f"{actor}\n{session.ROLE_LABELS[actor.role]}")
    if st.sidebar.button("Sign out", key="sign_out", icon=":material/logout:"):
        session.sign_out()
    if checked.started:  # just back from the identity provider: go where the link pointed
        session.return_to_asked_page()
    navigation.run()


if __name__ == "__main__":
    main()
