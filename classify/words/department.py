"""Words in the Department's own posts: a harm only reported, or an incident unnamed."""

from __future__ import annotations

from rumordesk.classify.scanner import phrase_list, word_list

#: A Department post that mentions a harm only as something people say ("we are aware of
#: posts about a shooting"): it neither confirms nor denies it.
REPORTED = word_list(
    r"aware of",
    r"looking into",
    r"reports? (?:of|about)",
    r"posts? (?:about|claiming)",
    r"rumou?rs? (?:of|about)",
    r"claims? (?:of|about|that)",
    r"unconfirmed",
    r"(?:social media|online) (?:posts|reports|claims)",
)

#: A Department post about an incident that does not name a harm ("police activity").
INCIDENT = word_list(
    r"police activity",
    r"avoid the area",
    r"investigat\w*",
    r"incident",
    r"suspicious (?:package|person|item|device|vehicle|circumstances)",
    r"reports? of",
    r"responding to",
    r"(?:officers|police) (?:are )?on scene",
    r"medical emergency",
    r"welfare check",
    r"actividad policial",
    r"hoạt động của cảnh sát",
    r"(?:officers|police|we) are (?:at|on|checking|searching|looking)",
    r"on a report",
    r"(?:until we|we will) (?:give|post|share) an update",
    r"updates? to follow",
    r"more information (?:to follow|when)",
    r"checking (?:a |the |reports?)",
    r"(?:está|están|estamos) investigando",
    r"eviten (?:el área|la zona)",
    r"(?:đang )?điều tra",
    r"tránh khu vực",
)
INCIDENT_ZH = phrase_list(
    "正在调查", "正在調查", "调查", "調查", "警方活动", "警方活動", "请避开", "請避開"
)

#: A Department post confirming an incident with its facts: who was hurt, how badly.
CONFIRMED = word_list(
    r"(?:was|were) (?:stabbed|shot|struck|hit|injured|hurt|wounded|punched|cut|robbed|"
    r"killed|taken|carjacked|assaulted)",
    r"(?:stable|serious|critical|fair) condition",
    r"expected to survive",
    r"(?:non-|not )?life-threatening",
    r"minor injur\w*",
    r"taken to (?:a |the )?hospital",
    r"(?:we are|officers are) looking for",
    r"(?:fue|fueron) (?:apuñalad[oa]s?|baleado|herid[oa]s?|atropellad[oa])",
    r"resultó herid[oa]",
    r"bị (?:đâm|thương|bắn|cướp)",
    r"(?:not|no) (?:believed to be|a) (?:a )?(?:threat|random)",
    r"isolated (?:incident|dispute)",
)
CONFIRMED_ZH = phrase_list(
    "被刺伤", "被刺傷", "受伤", "受傷", "送医", "送醫", "中枪", "中槍", "伤势", "傷勢"
)

#: The situation is over.
OVER = word_list(
    r"(?:is|are|was) over",
    r"all clear",
    r"back to normal",
    r"(?:service|classes|the game|the event|stores?) (?:is |are )?(?:back|resum\w*|reopen\w*|"
    r"continu\w*)",
    r"resolved",
    r"(?:todo )?(?:en orden|normalidad)",
    r"(?:trở lại bình thường|đã kết thúc)",
)

#: A Department post of general safety information rather than about an incident.
ADVISORY = word_list(
    r"expect (?:heavy |more |delays|traffic|road closures)",
    r"reminder",
    r"(?:heavy )?traffic",
    r"(?:plan|planned) (?:ahead|exercise|drill|event)",
    r"(?:this is|it is|was) a (?:planned )?drill",
    r"(?:tips?|safety tips|be aware|sign up|scam|scams)",
    r"(?:you may|you will|you might) (?:see|hear)",
    r"(?:extra|more|additional) officers",
    r"(?:if you see|call 911|non-emergency)",
    r"(?:fireworks|firework)",
    r"(?:light rail|vta|parking|clear bags?)",
    r"(?:drive|driving) (?:slowly|carefully|safely)",
    r"(?:is|are) illegal",
    r"as usual",
    r"if you (?:see|lose|hear|are|have)",
    r"(?:happy|celebrating|enjoy)",
    r"(?:please )?(?:leave|keep) (?:them|it|valuables) (?:at home|hidden)",
)
