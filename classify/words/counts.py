"""How many: number words and the people counted with them ("3 dead", "tres heridos",
"두 명", "तीन लोग", "三个人").

The relation step compares the largest casualty count a post claims with the Department's
("one person stabbed" against "three stabbed"). Numbers are read only next to a person or
a harm, so "2 inches of rain" and "Gate 3" count nothing.
"""

from __future__ import annotations

from rumordesk.classify.scanner import phrase_list, word_list

#: Number words per language, as written in lower case, with their value.
NUMBER_WORDS: dict[str, int] = {
    # English
    "one": 1,
    "a": 1,
    "an": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "dozen": 12,
    "dozens": 24,
    "several": 3,
    "multiple": 3,
    "many": 5,
    "mass": 5,
    "numerous": 5,
    # Spanish
    "uno": 1,
    "una": 1,
    "un": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "diez": 10,
    "varios": 3,
    "varias": 3,
    "muchos": 5,
    "muchas": 5,
    # Vietnamese
    "một": 1,
    "hai": 2,
    "ba": 3,
    "bốn": 4,
    "năm": 5,
    "sáu": 6,
    "bảy": 7,
    "mười": 10,
    "nhiều": 5,
    "vài": 3,
    "mấy": 3,
    # Tagalog
    "isa": 1,
    "isang": 1,
    "dalawa": 2,
    "dalawang": 2,
    "tatlo": 3,
    "tatlong": 3,
    "apat": 4,
    "apat na": 4,
    "lima": 5,
    "limang": 5,
    "maraming": 5,
    "ilang": 3,
    # Hinglish
    "ek": 1,
    "do": 2,
    "teen": 3,
    "char": 4,
    "chaar": 4,
    "paanch": 5,
    "panch": 5,
    "kai": 3,
    "bahut": 5,
    # Korean (native and Sino-Korean, before 명/사람)
    "한": 1,
    "두": 2,
    "세": 3,
    "네": 4,
    "다섯": 5,
    "여섯": 6,
    "일곱": 7,
    "열": 10,
    "여러": 3,
    "몇": 3,
    # Hindi
    "एक": 1,
    "दो": 2,
    "तीन": 3,
    "चार": 4,
    "पांच": 5,
    "पाँच": 5,
    "छह": 6,
    "कई": 3,
    # Chinese
    "一": 1,
    "两": 2,
    "兩": 2,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
    "十": 10,
    "好几": 3,
    "好幾": 3,
    "几": 3,
    "幾": 3,
    "多": 3,
}

#: A count of people or victims: a number, then (within two words) a person or a harm.
PEOPLE_COUNT = word_list(
    r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|dozens?|several|multiple|"
    r"many|numerous|mass|uno|una|un|dos|tres|cuatro|cinco|seis|varios|varias|muchos|"
    r"muchas|một|hai|ba|bốn|năm|sáu|nhiều|vài|mấy|isa|isang|dalawa|dalawang|tatlo|tatlong|"
    r"apat|lima|limang|maraming|ilang|ek|do|teen|chaa?r|paa?nch|kai)"
    r"(?: \w+)?? (?:people|persons?|victims?|dead|killed|injured|hurt|wounded|shot|stabbed|"
    r"bodies|casualt\w*|students?|kids|children|men|women|man|woman|adults?|teens?|guys|"
    r"suspects|shooters|gunmen|"
    r"attackers|robbers|hostages|personas|muertos|heridos|víctimas|tiradores|hombres|"
    r"người|nạn nhân|tên|tay súng|tao|katao|patay|sugatan|log|logon|logo|aadmi|banda|bande|"
    r"burglars|robbers|shots|stabbing|stabbings|shootings|incidents|bombs?|buildings)",
    r"(?:mass|multiple|several) (?:shooting|stabbing|casualt\w*|victims|shooters)",
)
PEOPLE_COUNT_ZH = phrase_list(
    r"(?:\d+|[一两兩二三四五六七八九十]|好几|好幾|几|幾)(?:个|個|名|位)?(?:人|死|伤|傷|中|被|槍手|枪手|嫌犯|炸弹|炸彈)",
    r"(?:\d+|[一两兩二三四五六七八九十])死",
)
PEOPLE_COUNT_KO = phrase_list(
    r"(?:\d+|한|두|세|네|다섯|여섯|일곱|여러|몇) ?(?:명|사람|분)",
    script="hangul",
)
PEOPLE_COUNT_HI = phrase_list(
    r"(?:\d+|एक|दो|तीन|चार|पांच|पाँच|छह|कई) (?:लोग|लोगों|व्यक्ति|छात्र|बच्चे|मरीज|आदमी|शूटर)",
    script="devanagari",
)
