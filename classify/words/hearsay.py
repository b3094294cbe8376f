"""Hearsay and unverified sourcing."""

from __future__ import annotations

from rumordesk.classify.scanner import phrase_list, word_list

#: Hearsay and unverified sourcing.
HEARSAY = word_list(
    r"my (?:cousin|friend|brother|sister|mom|dad|aunt|uncle|coworker|neighbou?r)\w*",
    r"a friend (?:of (?:a|mine)|in|who)",
    r"heard (?:from|that|there)",
    r"someone (?:said|told)",
    r"people (?:are )?saying",
    r"(?:group ?chat|whatsapp|telegram)",
    r"unconfirmed",
    r"(?:rumou?r|reportedly|apparently|allegedly)",
    r"forwarded",
    r"pass (?:it|this) on",
    r"share (?:this|before)",
    r"they (?:aren't|are not|won't) telling",
    r"media (?:isn't|won't)",
    # Spanish, Vietnamese, Tagalog
    r"(?:mi|me dijo mi) (?:primo|prima|tío|tía|comadre|compadre|vecino|vecina|amigo|amiga|"
    r"hermano|hermana|cuñado|cuñada|mamá|abuela)",
    r"dicen que",
    r"me dijeron",
    r"(?:reenviado|reenvío|pásalo|compartan)",
    r"en el grupo",
    r"nghe (?:nói|đâu|bảo|đồn)",
    r"(?:bạn|chị|anh|em|cô|chú|bà|ông) (?:tôi|mình) (?:nói|kể|bảo)",
    r"chuyển tiếp",
    r"(?:trong )?nhóm zalo",
    r"sabi (?:ng|daw|nila)",
    r"daw",
    r"(?:pinsan|kapatid|kaibigan|kapitbahay|tita|tito) ko",
    r"i-?share (?:nyo|niyo)",
    # Hinglish
    r"(?:mere|meri|mera) (?:cousin|dost|bhai|friend|uncle|aunty|didi|jija|padosi|colleague)\w*",
    r"(?:bol|keh) (?:raha|rahi|rahe) (?:hai|the|thi)",
    r"sun(?:a|aa) (?:hai|ki)",
    r"forward (?:karo|kar do|kar raha)",
    r"group (?:mein|pe) (?:aaya|bola|likha)",
)

HEARSAY_ZH = phrase_list(
    "听说",
    "聽說",
    "朋友说",
    "朋友說",
    "群里说",
    "群裡說",
    "群組",
    "转发",
    "轉發",
    "转传",
    "轉傳",
    "据说",
    "據說",
    "同事说",
    "同事說",
    "家长群",
    "家長群",
)
#: Korean reported speech ("-대요", "-래요": "they say that …") and group chats.
HEARSAY_KO = phrase_list(
    "대요",
    "래요",
    "했대",
    "났대",
    "있대",
    "다고 ?함",
    "라고 ?함",
    "다던데",
    "다더라",
    "카더라",
    "단톡",
    "들었는데",
    "친구가 ?그러는데",
    "아는 ?(?:언니|동생|형|오빠|누나)",
    "\\[전달\\]",
    script="hangul",
)
#: Hindi: "मेरे दोस्त ने बताया", "सुना है", "ग्रुप में", "आगे भेजें".
HEARSAY_HI = phrase_list(
    "(?:मेरे|मेरी|मेरा) (?:भाई|दोस्त|सहेली|भतीजी|जीजा|पडोसी|चाचा|मामा|कजिन)",
    "सुना है",
    "बता रहे थे",
    "बोल रहे",
    "ग्रुप में",
    "आगे भेज",
    "उसने बताया",
    "उन्होंने कहा",
    script="devanagari",
)
