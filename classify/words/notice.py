"""The shape of an official notice or order, as impersonators use it."""

from __future__ import annotations

from rumordesk.classify.scanner import word_list

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
)
