"""What every layer stands on: settings, errors, secrets, logging, time, mail and chores.

Nothing here imports any other part of Rumor Desk, so any part may import it.
"""
