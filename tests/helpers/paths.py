"""Where the tests find the project and the real third-party data beside it."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
#: ``../shared``: real labelled rumour data, recorded API bodies and real feeds.
SHARED = PROJECT_ROOT.parent / "shared"
