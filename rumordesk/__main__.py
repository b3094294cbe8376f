"""``python -m rumordesk``: the same command as ``rumordesk``."""

from rumordesk.cli.main import main

main(prog_name="rumordesk")
