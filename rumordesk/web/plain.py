"""Text a person typed, shown as text where Streamlit renders markdown.

``st.metric``, ``st.caption``, ``st.info`` and their kind render their text as markdown
(with Streamlit's directives: ``:red[…]``, ``:material/…:``, ``$…$``): an assignee
``![x](http://host/px.png)`` would load a remote image in the Chief's browser. Wherever a
stored string reaches such an element, :func:`plain` escapes it first (``st.text``,
``st.code`` and tables need nothing: they never render markdown).
"""

from __future__ import annotations

import re
import string

#: CommonMark lets a backslash escape any ASCII punctuation, and the escaped character is
#: shown as itself: links, images, emphasis, HTML, directives (``\\:red\\[``), emoji short
#: codes and maths all stay plain characters.
_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
#: GitHub's autolinks (``http://…``, ``https://…``, ``www.…``, ``name@host``) are found in
#: the text *after* the escapes are undone; a zero-width space where they begin breaks
#: them without changing what is seen.
_AUTOLINK_START = re.compile(r"(?i)\b(https?|www)(?=[:.])|(?=@)")
ZERO_WIDTH_SPACE = "\u200b"


def plain(text: object) -> str:
    """``text`` escaped so that markdown shows it exactly as typed, on one line."""
    flat = " ".join(str(text).split())
    unlinked = _AUTOLINK_START.sub(lambda m: (m.group(1) or "") + ZERO_WIDTH_SPACE, flat)
    return _PUNCTUATION.sub(r"\\\1", unlinked)
