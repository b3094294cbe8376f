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
    r"(?:alguien|nadie) (?:sabe|vio|escuchó|tiene)",
    r"qué (?:pasa|paso|onda)",
    r"(?:es|será) (?:cierto|verdad)",
    r"(?:có )?ai (?:biết|ở gần|thấy)",
    r"chuyện gì (?:vậy|đang xảy ra|xảy ra)",
    r"(?:thật|đúng) không",
    r"có sao không",
    r"(?:may )?(?:alam|nakakita) ba",
    r"totoo (?:ba|yan)",
    r"anyone\?",
    # Hinglish
    r"(?:sach|true|real) hai kya",
    r"kya hua",
    r"(?:kisi|kisiko|kisi ko) (?:ko )?pata",
    r"koi bata sakta",
    r"(?:hai|hua|hui|ho gaya|gaya|mili|chali) kya",
    r"kyun (?:ghoom|khadi|khade|band)",
    r"safe hai kya",
)
QUESTION_ZH = phrase_list(
    "是真的吗",
    "是真的嗎",
    "有人知道",
    "发生了什么",
    "發生了什麼",
    "吗？",
    "嗎？",
    r"吗\?",
    r"嗎\?",
    "怎么了",
    "怎麼了",
    "什么事",
    "什麼事",
    "是不是",
    "有没有人",
    "有沒有人",
    "有人在",
)
#: Korean questions: "진짜예요?", "무슨 일이에요", "아시는 분".
QUESTION_KO = phrase_list(
    r"진짜(?:예요|에요|인가요|야|임)?\?",
    r"사실(?:인가요|이에요|이야)?\?",
    r"맞(?:아요|나요|죠|지)\?",
    "무슨 ?일",
    "아시는 ?분",
    "아는 ?사람",
    r"(?:나|까|가|죠|요)\?",
    script="hangul",
)
#: Hindi questions: "क्या हुआ", "सच है क्या?", "किसी को पता है".
QUESTION_HI = phrase_list(
    "क्या हुआ",
    "सच है क्या",
    "किसी को पता",
    "कोई बता सकता",
    r"क्या\s",
    "क्यों",
    "कितने",
    "कब तक",
    r"क्या\?",
    script="devanagari",
)
