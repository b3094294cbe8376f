"""Users (the administrator): accounts, roles, and the demo scenario."""

import streamlit as st

from rumordesk.base.errors import RumorDeskError
from rumordesk.triage import sessions, users
from rumordesk.triage.roles import Permission, Role
from rumordesk.web import context, demo_panel, session
from rumordesk.web.context import EMPTY
from rumordesk.web.plain import plain

actor = session.require_page(Permission.MANAGE_USERS)
db = context.database()
ROLES = [r.value for r in Role]

st.title("Users")
demo_panel.demo_banner(db, actor)


def _flash() -> None:
    # the message may quote a typed user name: escaped inside the alert, never markdown
    if flash := st.session_state.pop("users_flash", None):
        (st.error if flash[0] == "error" else st.success)(flash[1])


def _do(label: str, action, *args) -> None:  # type: ignore[no-untyped-def]
    try:
        action(db, actor, *args)
    except RumorDeskError as exc:
        st.session_state["users_flash"] = ("error", f"{label}: not done. {plain(str(exc))}.")
    else:
        st.session_state["users_flash"] = ("success", f"{label}: done.")
    st.rerun()


def _state(user: users.User) -> str:
    """Active or disabled: failed sign-ins slow the device that makes them down
    (triage/throttle.py), they never lock the account."""
    return "Active" if user.active else "Disabled"


accounts = users.list_users(db, actor)
st.dataframe(
    [
        {
            "user": u.username,
            "name": u.display_name or EMPTY,
            "role": session.ROLE_LABELS[u.role],
            "state": _state(u),
            "signed in now": sessions.open_sessions(db, u.username),
            "e-mail": u.email or EMPTY,
            "last sign-in": context.local_time(u.last_login_at),
            "failed sign-ins": u.failed_attempts,
        }
        for u in accounts
    ],
    hide_index=True,
    width="stretch",
    column_config={
        "user": st.column_config.TextColumn("User", width="small"),
        "name": st.column_config.TextColumn("Name", width="medium"),
        "role": st.column_config.TextColumn("Role", width="medium"),
        "state": st.column_config.TextColumn("State", width="small"),
        "signed in now": st.column_config.NumberColumn(
            "Open sessions", width="small", help="Browsers signed in right now."
        ),
        "e-mail": st.column_config.TextColumn("E-mail", width="medium"),
        "last sign-in": st.column_config.TextColumn("Last sign-in", width="small"),
        "failed sign-ins": st.column_config.NumberColumn("Failed sign-ins", width="small"),
    },
    key="users_table",
)
st.caption(
    "Disabling an account, or changing its role or password, signs it out of every "
    "browser at once. Enabling an account also unlocks it."
)
_flash()

add, change = st.columns(2)
with add, st.form("user_add_form", clear_on_submit=True):
    st.write("**Add an account**")
    name = st.text_input("User name", key="ua_name")
    display = st.text_input("Full name", key="ua_display")
    role = st.selectbox(
        "Role", ROLES, format_func=lambda r: session.ROLE_LABELS[Role(r)], key="ua_role"
    )
    email = st.text_input("E-mail (optional)", key="ua_email")
    secret = st.text_input(
        f"Password (at least {users.MIN_PASSWORD_LENGTH} characters, not a common one)",
        type="password",
        key="ua_pw",
    )
    if st.form_submit_button("Add account", type="primary"):
        try:
            users.add_user(
                db, actor, name, role, password=secret, display_name=display, email=email or None
            )
        except RumorDeskError as exc:
            st.session_state["users_flash"] = (
                "error",
                f"Add account: not done. {plain(str(exc))}.",
            )
        else:
            st.session_state["users_flash"] = ("success", f"Account {plain(name)} created.")
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
from rumordesk.demo import has_demo  # noqa: E402

demo_panel.demo_removal(db, actor)
demo_panel.demo_removal_confirmation(db, actor)
if not has_demo(db):
    demo_panel.demo_offer(actor, db)
