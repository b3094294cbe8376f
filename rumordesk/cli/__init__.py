"""The ``rumordesk`` command (:mod:`rumordesk.cli.main`), one module per stage of the data.

Each module defines plain click commands; :mod:`~rumordesk.cli.main` registers them by
name, so a command that is missing is missing there, in plain sight, and no module here
imports the group it belongs to.
"""
