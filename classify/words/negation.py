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

#: Negation written after the word, as Korean, Hindi and Hinglish do ("총격 아니래요",
#: "गोलीबारी नहीं हुई", "goli nahi chali", "炸弹是假的"): searched in the text right after a
#: harm (``NEGATOR_AFTER.match(text, end)``), within its clause and at most two words on,
#: none of them the police (so that "firing hui police jhooth bol rahi" stays a claim
#: that the police deny).
NEGATOR_AFTER = re.compile(
    r"[^\s,.!?।;:]*"  # the rest of the word: a particle (총격이), a vowel sign
    r"(?:\s+(?!(?:police|पुलिस|경찰|警)\S*)[^\s,.!?।;:]+){0,2}?\s*"
    r"(?:아니|아님|아닙|없|가짜|루머|헛소문|사실무근|사실이 아|사실 아|"
    r"नहीं|नही|झूठ|अफवाह|गलत|फर्जी|"
    r"nahi\b|nahin\b|nhi\b|fake\b|galat\b|jhoo?th|afwah|"
    r"是假|假的|是谣言|是謠言|不实|不實)"
)

#: A harmless cause offered for a sound after it ("heard gunshots near Rivermark, probably
#: fireworks", "oí disparos pero eran cohetes", "총소리 같았는데 폭죽이었대요"): the writer
#: explains the noise away. Searched after a shooting or explosion, in the same sentence.
EXPLAINED = re.compile(
    r"(?<!\w)(?:probably|prob|prolly|likely|most likely|maybe|just|only|turned out(?: to be)?|"
    r"it was|it's|they were|those were|was|were|eran|fueron|era|solo|sólo|creo que|"
    r"chắc là|chỉ là|hóa ra là|là|lang|yata|ata)"
    r"(?:\s+(?:just|only|probably|some|kids with|kids lighting|people lighting|a|an|the|"
    r"solo|sólo|unos|unas|los|las|pura|puro))*\s+"
    r"(?:fireworks?|firecrackers?|car backfir\w*|backfir\w*|transformer\w*|"
    r"cohetes|cuetes|petardos|fuegos artificiales|pháo(?: hoa| nổ| bông)?|paputok|rebentador)"
    r"|(?:原来是|原來是|只是|应该是|應該是|是)(?:在)?(?:放)?(?:鞭炮|烟花|煙花|煙火|炮竹)"
    r"|(?:폭죽|불꽃놀이)(?:이었|였|이래|래|인 ?듯|같)"
    r"|(?:पटाखे|पटाखों|आतिशबाज़ी|आतिशबाजी)(?:\s+(?:थे|था|थी|की आवाज़|की आवाज)|\s*$)"
    r"|(?:patakhe|patake|pataakhe)\s+(?:the|tha|thi|hi the)"
)
#: Words that put the explanation in someone else's mouth ("police will say it was
#: fireworks"), or deny it ("not fireworks"): then it explains nothing away.
EXPLANATION_DISPUTED = re.compile(
    r"(?<!\w)(?:say|says|said|saying|claim|claims|claimed|claiming|call it|calling it|"
    r"story|supposedly|not|no|n't|dicen|dijeron|según|nói là|sabi)\W*(?:\w+\W+){0,2}$"
)
