"""What ``streamlit run`` serves: the dashboard as an ASGI app with its security headers.

A folder of its own, on purpose: Streamlit runs any ``pages/`` folder beside the script it
is given in its legacy multipage mode (every page listed, each runnable directly, until
someone loads ``/``). The pages live in ``rumordesk/web/pages/``, next to ``app.py``; the
script Streamlit runs is :mod:`rumordesk.web.serve.script`, here, with no ``pages/``.
"""
