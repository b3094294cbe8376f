"""Users (the administrator): accounts, roles, and the demo scenario."""

import streamlit as st

from rumordesk.base.errors import RumorDeskError
from rumordesk.triage import users
from rumordesk.triage.roles import Permission, Role
from rumordesk.web import context, demo_panel, session

actor = session.require_page(Permission.MANAGE_USERS)
db = context.database()
ROLES = [r.value for r in Role]

st.title("Users")
if flash := st.session_state.pop("users_flash", None):
    # the message may quote a typed user name: plain text inside the alert, never markdown
    (st.error if flash[0] == "error" else st.success)(
        "Done." if flash[0] != "error" else "Not done:"
    )
    st.text(flash[1])


def _do(label: str, action, *args) -> None:  # type: ignore[no-untyped-def]
    try:
        action(db, actor, *args)
    except RumorDeskError as exc:
        st.session_state["users_flash"] = ("error", f"{label}: {exc}")
    else:
        st.session_state["users_flash"] = ("success", f"{label}: done.")
    st.rerun()


accounts = users.list_users(db, actor)
st.dataframe(
    [
        {
            "user": u.username,
            "name": u.display_name,
            "role": session.ROLE_LABELS[u.role],
            "state": "active" if u.active else "disabled",
            "e-mail": u.email or "",
            "last sign-in": context.local_time(u.last_login_at),
            "failed sign-ins": u.failed_attempts,
            "locked until": context.local_time(u.locked_until),
        }
        for u in accounts
    ],
    hide_index=True,
    width="stretch",
    key="users_table",
)

add, change = st.columns(2)
with add, st.form("user_add_form", clear_on_submit=True):
    st.write("**Add an account**")
    name = st.text_input("User name", key="ua_name")
    display = st.text_input("Full name", key="ua_display")
    role = st.selectbox(
        "Role", ROLES, format_func=lambda r: session.ROLE_LABELS[Role(r)], key="ua_role"
    )
    email = st.text_input("E-mail (optional)", key="ua_email")
    secret = st.text_input("Password (at least 10 characters)", type="password", key="ua_pw")
    if st.form_submit_button("Add account", type="primary"):
        try:
            users.add_user(
                db, actor, name, role, password=secret, display_name=display, email=email or None
            )
        except RumorDeskError as exc:
            st.session_state["users_flash"] = ("error", f"Add account: {exc}")
        else:
            st.session_state["users_flash"] = ("success", f"Account {name} created.")
        st.rerun()
with change:
    st.write("**Change an account**")
    names = [u.username for u in accounts]
    if names:
        who = st.selectbox("Account", names, key="uc_user")
        new_role = st.selectbox(
            "New role", ROLES, format_func=lambda r: session.ROLE_LABELS[Role(r)], key="uc_role"
        )
        if st.button("Set role", key="uc_set_role"):
            _do("Set role", users.set_role, who, new_role)
        left, right = st.columns(2)
        if left.button("Disable", key="uc_disable"):
            _do("Disable", users.set_active, who, False)
        if right.button("Enable (and unlock)", key="uc_enable"):
            _do("Enable", users.set_active, who, True)

st.subheader("Demo scenario")
from rumordesk.demo import has_demo, remove_demo  # noqa: E402

if has_demo(db):
    demo_panel.demo_banner(db)
    if st.button("Remove the demo scenario", key="demo_remove"):
        _do("Remove demo", lambda d, a: remove_demo(d, a))
else:
    demo_panel.demo_offer(actor, db)
