"""Rumor Desk dashboard: this file only routes; each page lives in ``pages/``.

Who is signed in decides which pages exist at all (``st.navigation`` per role): staff see
only "Report a rumour" and "My reports". The pages check the role again, and the
functions they call check the account a third time (triage/authz.py). Streamlit runs
:func:`main` on every interaction, from ``rumordesk/web/serve/script.py`` (what ``rumordesk
run`` serves) or the checkout's top-level ``app.py`` — never give Streamlit this file
itself: the ``pages/`` folder beside it would put Streamlit in its legacy multipage mode.
"""

import streamlit as st

from rumordesk.base.logs import install_masking
from rumordesk.web.navigation import SIGN_IN, pages_for
from rumordesk.web.session import ROLE_LABELS, current_actor, end_session


def main() -> None:
    install_masking()  # every log line of the dashboard's process, whichever library wrote it
    # An emoji icon is drawn by the browser; a :material/…: one loads from a font host.
    st.set_page_config(page_title="Rumor Desk", page_icon="🛡️", layout="wide")
    actor = current_actor()
    if actor is None:
        navigation = st.navigation([st.Page(SIGN_IN.path, title=SIGN_IN.title, icon=SIGN_IN.icon)])
    else:
        specs = pages_for(actor.role)
        navigation = st.navigation(
            [
                st.Page(spec.path, title=spec.title, icon=spec.icon, default=index == 0)
                for index, spec in enumerate(specs)
            ]
        )
        with st.sidebar:
            st.caption("Signed in as")
            st.text(f"{actor}\n{ROLE_LABELS[actor.role]}")
            if st.button("Sign out", key="sign_out", icon=":material/logout:"):
                end_session(actor)
                st.rerun()
    navigation.run()


if __name__ == "__main__":
    main()
