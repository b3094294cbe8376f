"""Words that negate a harm just before it, and emphasis that only looks like negation."""

from __future__ import annotations

import re

#: Words that, just before a harm, say it did not happen: "no shooting", "no hubo balacera".
NEGATOR = re.compile(
    r"(?<!\w)(?:so-called|no|not|never|zero|without|wasn'?t|isn'?t|weren'?t|aren'?t|didn'?t|"
    r"no (?:sign|signs|evidence|reports?) of(?: an?| any)?|nothing about(?: an?)?|false|fake|"
    r"hoax|no hubo|no hay|sin|ningún|ninguna|không có|không phải|chẳng có|walang|hindi)"
    # At most two more words, and never across the end of a sentence.
    r"(?:[ \t,'\"“”‘’-]+\w+){0,2}[ \t,'\"“”‘’:-]*$"
)
NEGATOR_ZH = re.compile(r"(?:没有|沒有|不是|并无|並無|并没有|並沒有)\W*\w{0,3}$")

#: Emphasis that looks like a negation but is not: "no joke, shooter at Valley Fair".
EMPHATIC = re.compile(
    r"(?<!\w)(?:no|not) (?:a )?(?:joke|joking|cap|kidding|lie|lying|exaggerating|clickbait|drill|"
    r"test|prank|playing|rumou?r|hoax|fake news|fake)\b|this is not a drill"
)
