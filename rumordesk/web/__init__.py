"""The dashboard: ``app.py`` routes, ``views/`` are the pages, thin views over the packages below.

:mod:`context` opens the settings and the database once per process, :mod:`session` says
who is signed in (and stops a page for anyone else), :mod:`navigation` lists each role's
pages, and :mod:`demo_panel` offers and labels the demo scenario.
"""
