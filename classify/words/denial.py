"""Words by which a post says that something did not happen or is false."""

from __future__ import annotations

from rumordesk.classify.scanner import phrase_list, word_list

#: Words by which a post says that something did NOT happen or is false.
DENIAL = word_list(
    r"no threat",
    r"no (?:credible|active|ongoing|known|immediate) (?:threat|danger|risk|evidence|information)",
    r"not (?:a )?credible",
    r"unsubstantiated",
    r"baseless",
    r"(?:is|are|was|were) (?:false|untrue|not true|unfounded|inaccurate|fake)",
    r"safe to (?:return|go|visit|come back)",
    r"no (?:active )?shooter",
    r"no shooting",
    r"no shots",
    r"no evidence",
    r"no (?:bomb|explosive|danger|injuries)",
    r"not (?:true|real|accurate)",
    r"unfounded",
    r"false (?:alarm|report|rumou?r|information|claim)",
    r"rumou?rs? (?:are|is) false",
    r"all clear",
    r"is safe",
    r"are safe",
    r"there (?:is|was|were) no \w+",
    r"did not happen",
    r"didn't happen",
    r"hoax",
    r"debunk\w*",
    r"misinformation",
    r"fake",
    r"not a shooting",
    r"no (?:one|people|person|students?|kids|injuries|victims) (?:was |were |is |got )?"
    r"(?:hurt|hit|injured|harmed|reported)",
    r"(?:didn'?t|did not|does not|doesn'?t) come from (?:us|them|the (?:department|police|city))",
    r"(?:was|is|were) not (?:from|sent by|issued by) "
    r"(?:us|them|scpd|the (?:police|department|city))",
    r"not (?:an? )?(?:official|real|authorized) (?:alert|notice|message|order)",
    r"fake (?:alert|notice|text|robocall|message|order|account)",
    r"found no(?:thing| \w+)",
    r"no (?:gun|weapon|weapons|bomb|explosives?|device) (?:was |were )?(?:found|located)",
    r"nobody (?:was |is |got )?(?:hurt|hit|injured|harmed)",
    r"turned out (?:to be|it was)",
    r"(?:it|that|this) was (?:just|only) ",
    r"(?:was|were) (?:just |only )?(?:fireworks?|an? (?:illegal )?firework|a transformer|"
    r"a car backfiring|backfir\w*|a (?:fire )?drill|a test|a prank|a balloon)",
    r"(?:nadie|ningún) (?:herido|lastimado)",
    r"era (?:solo |sólo )?(?:el|un|una) ",
    r"không ai bị thương",
    r"walang nasaktan",
    r"ningún peligro",
    r"no hay peligro",
    r"es falso",
    r"không có mối đe dọa",
    r"walang panganib",
    r"no hay (?:amenaza|peligro|tirador)",
    r"falso",
    r"không có",
    r"tin giả",
    r"walang (?:banta|pamamaril)",
    r"hindi totoo",
)

DENIAL_ZH = phrase_list("没有", "沒有", "谣言", "謠言", "不实", "不實", "假消息", "并无", "並無")
