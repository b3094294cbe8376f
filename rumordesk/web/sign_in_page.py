"""The sign-in page's HTML: a plain form, served by :mod:`rumordesk.web.sign_in_routes`.

Plain HTML rather than a Streamlit page because the answer to the form must set an
HttpOnly cookie, which only an HTTP response can do. Every value written into the page
goes through :func:`html.escape`; the page runs no script.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from rumordesk.base.config import AuthSettings
from rumordesk.triage.sessions import Ended

STYLE = """
body{font-family:"Source Sans Pro",system-ui,-apple-system,"Segoe UI",sans-serif;
background:#f5f6f8;color:#262730;margin:0}
main{max-width:26rem;margin:8vh auto;background:#fff;border:1px solid #e1e3e8;
border-radius:.6rem;padding:2rem 2.2rem}
h1{font-size:1.8rem;margin:0 0 .2rem}
.sub{color:#6b6f7b;margin:0 0 1.4rem}
label{display:block;font-weight:600;margin:.9rem 0 .3rem}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;font-size:1.05rem;
padding:.55rem .6rem;border:1px solid #c4c7cf;border-radius:.4rem}
button,.button{display:block;width:100%;box-sizing:border-box;margin-top:1.3rem;
font-size:1.05rem;padding:.6rem;border-radius:.4rem;border:0;background:#c8102e;color:#fff;
cursor:pointer;text-align:center;text-decoration:none}
.button.secondary{background:#fff;color:#262730;border:1px solid #c4c7cf}
.note,.error{border-radius:.4rem;padding:.7rem .8rem;margin:0 0 1rem}
.note{background:#e8f0fe;color:#1a3d7c}.error{background:#fde8e8;color:#8a1620}
code{background:#f0f1f4;padding:.1rem .3rem;border-radius:.25rem}
.small{color:#6b6f7b;font-size:.9rem;margin-top:1.2rem}
"""


@dataclass(frozen=True, slots=True)
class SignInView:
    """What the page shows: every field is plain text (escaped here)."""

    department: str
    next_path: str
    csrf: str
    username: str = ""
    notice: str = ""
    error: str = ""
    first_account_command: str = ""
    oidc_url: str = ""
    #: How long a sign-in lasts, in words.
    limits: str = ""


def render(view: SignInView) -> str:
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width,initial-scale=1'>",
        "<title>Sign in · Rumor Desk</title>",
        f"<style>{STYLE}</style></head><body><main>",
        "<h1>Rumor Desk</h1>",
        f"<p class='sub'>{escape(view.department)} · misinformation triage for the PIO</p>",
    ]
    if view.notice:
        parts.append(f"<p class='note' role='status'>{escape(view.notice)}</p>")
    if view.error:
        parts.append(f"<p class='error' role='alert'>{escape(view.error)}</p>")
    if view.first_account_command:
        parts.append(
            "<p class='note'>No accounts exist yet. An administrator creates the first one "
            f"in a terminal: <code>{escape(view.first_account_command)}</code></p>"
        )
    parts += [
        "<form method='post' action='/sign-in'>",
        f"<input type='hidden' name='next' value='{escape(view.next_path)}'>",
        f"<input type='hidden' name='csrf' value='{escape(view.csrf)}'>",
        "<label for='username'>User name</label>",
        "<input type='text' id='username' name='username' autocomplete='username' "
        f"required autofocus value='{escape(view.username)}'>",
        "<label for='password'>Password</label>",
        "<input type='password' id='password' name='password' "
        "autocomplete='current-password' required>",
        "<button type='submit'>Sign in</button>",
        "</form>",
    ]
    if view.oidc_url:
        parts.append(
            f"<a class='button secondary' href='{escape(view.oidc_url)}'>"
            "Sign in with the city account</a>"
        )
    if view.limits:
        parts.append(f"<p class='small'>{escape(view.limits)}</p>")
    parts.append("</main></body></html>")
    return "".join(parts)


def ended_text(reason: Ended | None, limits: AuthSettings) -> str:
    """Why the user is asked to sign in, in words (on this page and in the dashboard)."""
    return {
        Ended.IDLE: f"You were signed out after {limits.session_idle_minutes} minutes "
        "without activity. Sign in again to continue.",
        Ended.TOO_OLD: f"Your session reached its {limits.session_max_hours:g}-hour limit. "
        "Sign in again to continue.",
        Ended.SIGNED_OUT: "You signed out.",
        Ended.DISABLED: "This account is disabled. Ask the administrator.",
        Ended.ROLE_CHANGED: "Your role was changed. Sign in again to see your pages.",
        Ended.PASSWORD_CHANGED: "Your password was changed. Sign in with the new one.",
    }.get(reason, "Please sign in.")  # type: ignore[arg-type]
