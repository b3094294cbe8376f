"""Words by which a post passes on what the Department said."""

from __future__ import annotations

from rumordesk.classify.scanner import phrase_list, word_list

#: A post that passes on what the Department said.
RELAY = word_list(
    r"(?:scpd|santa clara (?:pd|police)|police|the department|officers|the city|city officials?|"
    r"authorities) (?:(?:have|has|just) )?(?:say|says|said|confirm\w*|report\w*|tweeted|"
    r"posted|announced|stated|clarif\w*|update\w*|tell|told)",
    r"according to (?:the )?(?:scpd|police|santa clara (?:pd|police)|the city|officials|"
    r"the department|authorities)",
    r"per (?:the )?(?:scpd|police|santa clara (?:pd|police)|department)",
    r"(?:update|statement|message|word|post|tweet) from (?:scpd|the police|santa clara "
    r"(?:pd|police)|the city|the department)",
    r"(?:scpd|santa clara (?:pd|police)|police)(?: department)?:",
    r"la policía (?:de santa clara )?(?:dice|dijo|confirmó|confirma|informó|aclaró)",
    r"según la policía",
    r"cảnh sát (?:santa clara )?(?:nói|cho biết|xác nhận|thông báo)",
    r"theo cảnh sát",
    r"ayon sa (?:pulis|pulisya|scpd)",
    r"sabi ng (?:pulis|pulisya|scpd)",
    r"(?:police|scpd) update",
    r"via @?santaclarapd",
    r"rt @?santaclarapd",
    # Spanish, Vietnamese, Tagalog: more ways of passing the Department on
    r"(?:la )?policía (?:de santa clara )?(?:ya )?(?:dice|dijo|confirmó|confirma|informó|"
    r"aclaró|reporta|reportó|avisa|pide)",
    r"policía de santa clara:",
    r"(?:scpd|la policía) (?:ya )?(?:lo )?(?:confirmó|desmintió)",
    r"cảnh sát (?:santa clara )?(?:đã )?(?:nói|cho biết|xác nhận|thông báo|báo|khẳng định)",
    r"cảnh sát santa clara:",
    r"(?:sabi|ayon) (?:ng|sa) (?:police|pulis|pulisya|scpd)",
    r"(?:police|pulis|pulisya|scpd) (?:na )?mismo",
    r"kinumpirma ng (?:pulis|pulisya|scpd|police)",
    # Hinglish
    r"(?:police|scpd|cops) ne (?:clear |saaf )?(?:bola|kaha|bataya|confirm|clear|check|"
    r"announce|bol diya|keh diya)\w*",
    r"police ke (?:hisaab|mutabik|anusaar) se",
    r"police (?:bol|keh) rahi",
)

RELAY_ZH = phrase_list(
    "警方说",
    "警方表示",
    "警方称",
    "警方確認",
    "警方确认",
    "警方證實",
    "警方证实",
    "警察说",
    "警方說",
    "警察說",
    "警方稱",
    "警方澄清",
    "警方更新",
    "警方通报",
    "警方通報",
    "警方:",
    "警方：",
    "警方宣布",
    "警方已经",
    "警方已經",
)
#: Korean: "경찰이 … 했어요", "경찰 발표", "경찰에 따르면".
RELAY_KO = phrase_list(
    "경찰 ?발표",
    "경찰 ?공지",
    "경찰에 ?따르면",
    "경찰이 ?확인",
    "경찰이 ?(?:말|발표|공지|밝혔|그러|아니라고|없다고)",
    "경찰은 ?",
    "경찰 ?말로는",
    "경찰 ?공식",
    "경찰 ?확인",
    script="hangul",
)
#: Hindi in Devanagari: "पुलिस ने कहा", "पुलिस के अनुसार".
RELAY_HI = phrase_list(
    "पुलिस ने (?:साफ )?(?:कहा|बताया|साफ किया|पुष्टि|स्पष्ट|जांच|जाँच|कन्फर्म)",
    "पुलिस के (?:अनुसार|मुताबिक)",
    "पुलिस कह रही",
    "पुलिस कहती",
    "पुलिस का कहना",
    "पुलिस:",
    script="devanagari",
)
