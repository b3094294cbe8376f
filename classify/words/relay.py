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
)

RELAY_ZH = phrase_list(
    "警方说", "警方表示", "警方称", "警方確認", "警方确认", "警方證實", "警方证实", "警察说"
)
