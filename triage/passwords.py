"""The password policy for local accounts, as NIST SP 800-63B puts it: long, not common,
not the account's own name — and bounded, so a megabyte "password" never reaches argon2.

Checked wherever a password is set (``rumordesk user add`` and ``set-password``, the Users
page), all through :func:`triage.users.hash_password`.
"""

from __future__ import annotations

import re
from functools import cache

from rumordesk.data import data_file

MIN_LENGTH = 12
#: Longer passphrases gain nothing; much longer ones only cost memory and time to hash.
MAX_LENGTH = 128
BLOCKLIST = data_file("passwords", "common.txt")
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_RUNS = (
    "0123456789" * 3,
    "abcdefghijklmnopqrstuvwxyz" * 2,
    "qwertyuiopasdfghjklzxcvbnm" * 2,
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p" * 2,
)


@cache
def common_passwords() -> frozenset[str]:
    with BLOCKLIST.open(encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def problems(password: str, *, username: str = "", context: tuple[str, ...] = ()) -> list[str]:
    """Why ``password`` is refused (empty: accepted). ``context``: other words it may not
    contain (the display name's parts)."""
    found: list[str] = []
    if len(password) > MAX_LENGTH:
        return [f"the password may have at most {MAX_LENGTH} characters"]
    if len(password) < MIN_LENGTH:
        found.append(f"the password must have at least {MIN_LENGTH} characters")
    if password.strip() != password:
        found.append("the password may not start or end with spaces")
    folded = password.casefold()
    words = [w.casefold() for w in (username, *context) if len(w.strip()) >= 3]
    if any(word in folded for word in words):
        found.append("the password may not contain the user name (or the person's name)")
    if len(set(folded)) < 5 or any(folded in run or folded in run[::-1] for run in _RUNS):
        found.append("the password is a repetition or a keyboard sequence")
    common = common_passwords()
    if folded in common or _DECORATION.sub("", folded) in common:
        found.append("the password is one of the most common passwords (or one with digits added)")
    return found
