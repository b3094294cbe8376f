"""``/sign-in`` and ``/sign-out``: the HTTP routes that give and take the session cookie.

They live beside Streamlit in the same server (``st.App(routes=…)``, see
:mod:`rumordesk.web.server`) because only an HTTP response can set an HttpOnly cookie:
the page's scripts never see the secret, and Streamlit's websocket hands it to the page
run, where :mod:`rumordesk.web.session` checks it. The cookie is ``HttpOnly``,
``SameSite=Strict``, ``Secure`` when the dashboard is served over https, and lives no
longer than the session's maximum lifetime; the store keeps only its hash.

The form is protected against cross-site posting twice over: a random token in a
SameSite=Strict cookie must match the form's hidden field, and a browser's ``Origin``
must be this server. ``next`` is only ever a path on this server, so signing in cannot
send anyone elsewhere.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from urllib.parse import urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from rumordesk.triage import auth, sessions
from rumordesk.triage.sessions import Ended
from rumordesk.triage.users import count_users
from rumordesk.web import context
from rumordesk.web.sign_in_page import SignInView, ended_text, render

SIGN_IN = "/sign-in"
SIGN_OUT = "/sign-out"
OIDC_START = "/sign-in/oidc"
CSRF_COOKIE = "rumordesk_csrf"
#: Where an identity-provider sign-in returns to (Streamlit's callback lands on "/").
NEXT_COOKIE = "rumordesk_next"
MAX_FORM_FIELDS = 8
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def safe_next(value: str | None) -> str:
    """A path on this server to return to after signing in; anything else is "/"."""
    text = (value or "").strip()
    parts = urlsplit(text)
    if (
        not text.startswith("/")
        or text.startswith(("//", "/\\"))
        or parts.scheme
        or parts.netloc
        or any(c in text for c in "\r\n\t\\")
        or len(text) > 2000
        or text.startswith((SIGN_IN, SIGN_OUT))
    ):
        return "/"
    return text


def _secure(request: Request) -> bool:
    """Mark cookies Secure when the browser reached us over https (directly or through a
    proxy that says so)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def _same_origin(request: Request) -> bool:
    """A browser's POST says where the form came from: it must be this server."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None  # no header: not a browser form (curl); "null": refuse
    return urlsplit(origin).netloc == request.headers.get("host", "")


def _set_session_cookie(response: Response, request: Request, secret: str) -> None:
    response.set_cookie(
        sessions.COOKIE,
        secret,
        max_age=int(context.settings().auth.session_max_hours * 3600),
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def _forget_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        sessions.COOKIE, path="/", httponly=True, samesite="strict", secure=_secure(request)
    )


def _oidc_url(next_path: str) -> str:
    if not context.settings().auth.oidc:
        return ""
    return f"{OIDC_START}?{urlencode({'next': next_path})}"


def _limits_note() -> str:
    limits = context.settings().auth
    return (
        "You stay signed in on this browser, across reloads and new tabs, until you sign "
        f"out, after {limits.session_idle_minutes} minutes without activity, or "
        f"{limits.session_max_hours:g} hours after signing in."
    )


def _page(
    request: Request,
    next_path: str,
    *,
    username: str = "",
    notice: str = "",
    error: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    db = context.database()
    view = SignInView(
        department=context.settings().department.name,
        next_path=next_path,
        csrf=token,
        username=username,
        notice=notice,
        error=error,
        first_account_command=(
            ".venv/bin/" + auth.FIRST_ACCOUNT_COMMAND if count_users(db) == 0 else ""
        ),
        oidc_url=_oidc_url(next_path),
        limits=_limits_note(),
    )
    response = HTMLResponse(render(view), status_code=status_code, headers=HEADERS)
    response.set_cookie(
        CSRF_COOKIE,
        token,
        max_age=3600,
        path=SIGN_IN,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    return response


def _ended(value: str | None) -> Ended | None:
    try:
        return Ended(value) if value else None
    except ValueError:
        return None


async def sign_in_form(request: Request) -> Response:
    """GET /sign-in: already signed in on this browser → straight back; else the form."""
    next_path = safe_next(request.query_params.get("next"))
    presented = request.cookies.get(sessions.COOKIE)
    settings, db = context.settings(), context.database()
    checked = await run_in_threadpool(sessions.check, db, settings.auth, presented, touch=False)
    if checked.actor is not None:
        return RedirectResponse(next_path, status_code=303, headers=HEADERS)
    ended = _ended(request.query_params.get("ended"))
    response = _page(
        request, next_path, notice=ended_text(ended, context.settings().auth) if ended else ""
    )
    if presented:  # a dead secret is worth nothing: take it off the browser
        _forget_session_cookie(response, request)
    return response


async def sign_in(request: Request) -> Response:
    """POST /sign-in: check the password, start a session, return to ``next``."""
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    next_path = safe_next(str(form.get("next") or ""))
    username = str(form.get("username") or "")[:64]
    password = str(form.get("password") or "")[:1024]
    expected = request.cookies.get(CSRF_COOKIE) or ""
    offered = str(form.get("csrf") or "")
    if not (expected and hmac.compare_digest(expected, offered) and _same_origin(request)):
        return _page(
            request,
            next_path,
            username=username,
            error="This sign-in form had expired. Please sign in again.",
            status_code=400,
        )
    settings, db = context.settings(), context.database()
    client = auth.client_address(
        request.client.host if request.client else None, request.headers, settings.auth
    )
    try:
        await run_in_threadpool(
            functools.partial(auth.sign_in, db, settings.auth, username, password, client=client)
        )
    except auth.TooManyAttempts as exc:  # per address: says nothing about the account
        until = exc.until.astimezone(settings.department.tz)
        return _page(
            request,
            next_path,
            username=username,
            error=(f"Too many failed sign-ins from this device: try again after {until:%H:%M:%S}."),
            status_code=429,
        )
    except auth.SignInError:
        return _page(
            request,
            next_path,
            username=username,
            error="Wrong user name or password. Check both and try again.",
            status_code=401,
        )
    actor = await run_in_threadpool(
        sessions.account, db, settings.auth, username.strip().lower(), "password"
    )
    if actor is None:  # disabled between the check and now
        return _page(request, next_path, error="This account is disabled.", status_code=403)
    secret = await run_in_threadpool(
        sessions.start, db, actor, "password", replacing=request.cookies.get(sessions.COOKIE)
    )
    response = RedirectResponse(next_path, status_code=303, headers=HEADERS)
    _set_session_cookie(response, request, secret)
    return response


async def sign_out(request: Request) -> Response:
    """POST /sign-out: end this browser's session (in every tab) and forget the cookie."""
    if _same_origin(request):
        await run_in_threadpool(
            sessions.sign_out, context.database(), request.cookies.get(sessions.COOKIE)
        )
    response = RedirectResponse(
        f"{SIGN_IN}?{urlencode({'ended': Ended.SIGNED_OUT.value})}",
        status_code=303,
        headers=HEADERS,
    )
    _forget_session_cookie(response, request)
    return response


async def oidc_start(request: Request) -> Response:
    """GET /sign-in/oidc: remember where to return, then Streamlit's provider sign-in."""
    provider = context.settings().auth.oidc_provider
    target = "/auth/login" + (f"?{urlencode({'provider': provider})}" if provider else "")
    response = RedirectResponse(target, status_code=303, headers=HEADERS)
    # Lax, not Strict: the provider's redirect back to us is a cross-site navigation.
    response.set_cookie(
        NEXT_COOKIE,
        safe_next(request.query_params.get("next")),
        max_age=600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    return response


ROUTES = [
    Route(SIGN_IN, sign_in_form, methods=["GET"]),
    Route(SIGN_IN, sign_in, methods=["POST"]),
    Route(SIGN_OUT, sign_out, methods=["POST"]),
    Route(OIDC_START, oidc_start, methods=["GET"]),
]
