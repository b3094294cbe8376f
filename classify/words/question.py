"""A genuine question: asking whether something happened rather than saying it did."""

from __future__ import annotations

from rumordesk.classify.scanner import phrase_list, word_list

#: A genuine question: asking whether something happened rather than saying it did.
QUESTION = word_list(
    r"is (?:it|this|that|there) (?:true|real|legit|confirmed|an?|any)",
    r"was (?:it|this|that|there) (?:true|real|an?|any)",
    r"(?:does|did|can|could|has) (?:any|some)(?:one|body)",
    r"any ?(?:one|body) (?:know|knows|hear|heard|see|saw|confirm|else|have)",
    r"what(?:'s| is| was)? (?:going on|happening|happened)",
    r"what happened",
    r"(?:true|real|legit|confirmed)\?",
    r"is everything ok",
    r"why (?:are|were|is) (?:there )?(?:so many )?(?:cops|police|helicopters?|ambulances?)",
    r"es (?:cierto|verdad)",
    r"alguien sabe",
    r"qué (?:pasó|está pasando)",
    r"có thật không",
    r"có ai biết",
    r"phải không",
    r"chuyện gì",
    r"totoo ba",
    r"may nakakaalam",
    r"ano(?:ng)? (?:ang )?nangyari",
)
QUESTION_ZH = phrase_list(
    "是真的吗", "是真的嗎", "有人知道", "发生了什么", "發生了什麼", "吗？", "嗎？", r"吗\?", r"嗎\?"
)
