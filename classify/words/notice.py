"""The shape of an official notice or order, as impersonators use it."""

from __future__ import annotations

from rumordesk.classify.scanner import phrase_list, word_list

#: An "official" voice: the shape of a notice or order, as impersonators use it.
OFFICIAL_NOTICE = word_list(
    r"official (?:notice|alert|announcement|order|statement|update|channel|whatsapp|telegram)",
    r"(?:got|received|getting) (?:a|an|the|this) (?:nixle|alert|text alert|robocall|"
    r"reverse[- ]?911|emergency (?:alert|text)|amber alert|wireless alert)",
    r"wireless emergency alert",
    r"robo ?call",
    r"reverse[- ]?911",
    r"until further notice",
    r"effective immediately",
    r"(?:police|scpd|city) (?:order|notice|directive)",
    r"emergency alert",
    r"by order of",
    r"per (?:the )?(?:scpd|police|city|mayor|chief)",
    r"(?:scpd|santa clara (?:pd|police)|police department|the city|city of santa clara) "
    r"(?:has |have )?(?:advis|order|announc|confirm|declar|instruct|direct|issu|mandat)\w*",
    r"all residents (?:must|are (?:ordered|required|advised))",
    r"residents (?:must|are (?:ordered|required|advised))",
    r"mandatory",
    r"nixle alert",
    r"alerta oficial",
    r"aviso oficial",
    r"thông báo chính thức",
    r"lệnh (?:của )?(?:cảnh sát|thành phố)",
    r"aviso de la policía",
    r"orden (?:de la )?(?:policía|ciudad)",
    r"utos ng (?:pulis|lungsod)",
    r"opisyal na (?:abiso|anunsyo)",
    r"attention all residents",
    r"alerta de emergencia",
    r"cảnh báo khẩn(?: cấp)?",
    r"thông báo khẩn",
    r"babala",
    # Hinglish
    r"(?:police|city) (?:ka|ki) (?:official )?(?:msg|message|alert|notice|order|suchna)",
    r"official (?:msg|message|group)",
    r"city notice",
    r"police alert aaya",
)

OFFICIAL_NOTICE_ZH = phrase_list(
    "紧急通知",
    "緊急通知",
    "紧急警报",
    "緊急警報",
    "官方帐号",
    "官方帳號",
    "官方通知",
    "市政府通知",
    "警察局通知",
    "警方通知",
    "公告",
    "撤离令",
    "撤離令",
)
#: Korean: "[긴급]", "재난문자", "공식 카톡 채널", "경찰 공지:".
OFFICIAL_NOTICE_KO = phrase_list(
    "\\[긴급\\]",
    "긴급 ?(?:알림|공지|안내)",
    "재난 ?문자",
    "공식 ?(?:카톡|채널|계정)",
    "\\[공지\\]",
    "경찰 ?긴급",
    script="hangul",
)
#: Hindi: "पुलिस की सूचना", "आपातकालीन अलर्ट", "आधिकारिक".
OFFICIAL_NOTICE_HI = phrase_list(
    "पुलिस की सूचना",
    "आपातकालीन",
    "आधिकारिक",
    "की तरफ से नोटिस",
    "शहर की सूचना",
    script="devanagari",
)
