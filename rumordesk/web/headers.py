"""Security headers on every response of the dashboard's server, media files included.

Streamlit serves ``st.image`` through its media endpoint (``/media/<id>.png``) without
``X-Content-Type-Options``; a browser may then sniff a file's type from its bytes. The
screenshots are re-encoded before they are kept (store/files.py), and this middleware
makes the type they are served with final: mount it in the dashboard's ``st.App``::

    app = st.App("…/app.py", middleware=[Middleware(SecurityHeaders)])

A plain ASGI middleware (no Starlette import needed at run time), so it wraps any ASGI app.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Added to every HTTP response that does not set them itself.
HEADERS: dict[bytes, bytes] = {
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"no-referrer",
}


class SecurityHeaders:
    """ASGI middleware adding :data:`HEADERS` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message.get("type") == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS.items() if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)
