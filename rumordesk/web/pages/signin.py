"""Sign-in. With no accounts yet, it says exactly which command creates the first one."""

import streamlit as st

from rumordesk.triage import auth
from rumordesk.triage.users import count_users
from rumordesk.web.context import database, settings
from rumordesk.web.plain import plain
from rumordesk.web.session import NOTICE_KEY, start_session

st.title("Rumor Desk")
st.caption(f"{plain(settings().department.name)} · misinformation triage for the PIO")

if notice := st.session_state.pop(NOTICE_KEY, None):
    st.info(plain(notice))  # may quote an e-mail the identity provider gave

db = database()
if count_users(db) == 0:
    st.warning("No accounts exist yet. An administrator creates the first one in a terminal:")
    st.code(".venv/bin/" + auth.FIRST_ACCOUNT_COMMAND, language="bash")
    st.caption(
        "Then add the PIO, the Chief's office and staff the same way (`--role pio`, "
        "`--role chief`, `--role staff`), or on the Users page once signed in."
    )

left, _ = st.columns([1, 1])
with left:
    with st.form("sign_in_form"):
        username = st.text_input("User name", key="signin_user", autocomplete="username")
        password = st.text_input(
            "Password", type="password", key="signin_password", autocomplete="current-password"
        )
        submitted = st.form_submit_button("Sign in", type="primary", width="stretch")
    if submitted:
        client = auth.client_address(
            getattr(st.context, "ip_address", None), st.context.headers, settings().auth
        )
        try:
            session = auth.sign_in(db, settings().auth, username, password, client=client)
        except auth.TooManyAttempts as exc:  # per address: says nothing about the account
            st.error(
                "Too many failed sign-ins from this device: try again after "
                f"{exc.until.astimezone(settings().department.tz):%H:%M:%S}."
            )
        except auth.SignInError as exc:
            st.error(f"Sign-in failed: {exc}.")
        else:
            start_session(session)
            st.rerun()

    if settings().auth.oidc:
        st.divider()
        provider = settings().auth.oidc_provider or None
        if st.button("Sign in with the city account", key="signin_oidc"):
            st.login(provider) if provider else st.login()
