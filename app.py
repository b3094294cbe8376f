"""Rumor Desk dashboard in a checkout (the tests' AppTest runs this file): the router is
rumordesk/web/app.py. ``rumordesk run`` serves rumordesk/web/serve/asgi.py instead, which
adds the security headers (nosniff) to every response."""

from rumordesk.web.app import main

main()
