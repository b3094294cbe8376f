"""What an incident is about, beyond the harm claimed: a power outage, a fire, a crash,
a fight, a lost child, a suspicious package, an event. Two posts about different topics
at the same evening are about different incidents (the relation step's *unrelated*).
"""

from __future__ import annotations

from rumordesk.classify.scanner import Lexicon, phrase_list, word_list

#: Topic → its words in Latin script, then its phrase lists (Chinese, Korean, Hindi).
TOPICS: dict[str, tuple[Lexicon, ...]] = {
    "outage": (
        word_list(
            r"power (?:outage|is out|out|back|went out)",
            r"(?:outage|blackout|brownout)s?",
            r"(?:no|without) power",
            r"(?:apagón|apagones|sin (?:luz|corriente))",
            r"mất điện",
            r"(?:walang kuryente|brownout)",
            r"(?:light|bijli) (?:chali gayi|gayi|nahi)",
        ),
        phrase_list("停电", "停電", "断电", "斷電"),
        phrase_list("정전", script="hangul"),
        phrase_list("बिजली", script="devanagari"),
    ),
    "traffic": (
        word_list(
            r"traffic",
            r"(?:lanes?|road|roads|street|ramp|exit)s? (?:closed|closure|blocked|reopened)",
            r"(?:road|lane) closures?",
            r"detours?",
            r"(?:tráfico|trafico|desvío)",
            r"(?:kẹt xe|tắc đường|giao thông)",
            r"(?:trapik|traffic)",
        ),
        phrase_list("交通", "塞车", "塞車", "封路", "绕行", "繞行"),
        phrase_list("교통", "통제", "우회", script="hangul"),
        phrase_list("ट्रैफिक", "जाम", script="devanagari"),
    ),
    "fire": (
        word_list(
            r"fires?",
            r"smoke",
            r"blaze",
            r"firefighters?",
            r"fire (?:alarm|truck|engine|department)",
            r"(?:incendio|humo|bomberos)",
            r"(?:cháy|khói|cứu hỏa)",
            r"(?:sunog|usok|bumbero)",
            r"aag",
        ),
        phrase_list("火灾", "火災", "起火", "着火", "著火", "火警", "消防", "烟雾", "煙霧"),
        phrase_list("화재", "불이", "연기", "소방", script="hangul"),
        phrase_list("आग", "धुआं", "धुआँ", "फायर", script="devanagari"),
    ),
    "gas": (
        word_list(
            r"gas (?:leak|main|smell|line)",
            r"pg&e",
            r"(?:fuga de gas|olor a gas)",
            r"rò rỉ (?:khí )?gas",
            r"(?:gas leak|tagas ng gas)",
        ),
        phrase_list("燃气", "燃氣", "瓦斯", "煤气", "煤氣", "漏气", "漏氣"),
        phrase_list("가스", script="hangul"),
        phrase_list("गैस", script="devanagari"),
    ),
    "fireworks": (
        word_list(
            r"fire ?works?",
            r"firecrackers?",
            r"m-?80s?",
            r"(?:cohetes|fuegos artificiales|cuetes)",
            r"pháo(?: hoa| nổ)?",
            r"paputok",
            r"patakh?e",
        ),
        phrase_list("烟花", "煙火", "鞭炮", "爆竹"),
        phrase_list("불꽃", "폭죽", script="hangul"),
        phrase_list("पटाखे", "आतिशबाजी", script="devanagari"),
    ),
    "drone": (
        word_list(r"drones?", r"(?:dron|drones)", r"flycam"),
        phrase_list("无人机", "無人機"),
        phrase_list("드론", script="hangul"),
        phrase_list("ड्रोन", script="devanagari"),
    ),
    "scam": (
        word_list(
            r"scam(?:s|mer|mers)?",
            r"gift cards?",
            r"(?:fraud|phishing|impersonat\w*)",
            r"(?:estafa|fraude)",
            r"lừa đảo",
            r"(?:scam|modus)",
        ),
        phrase_list("诈骗", "詐騙", "冒充", "礼物卡", "禮物卡"),
        phrase_list("사기", "기프트카드", script="hangul"),
        phrase_list("फर्जी कॉल", "गिफ्ट कार्ड", "धोखा", script="devanagari"),
    ),
    "robbery": (
        word_list(
            r"rob(?:bed|bery|beries|ber|bers|bing)",
            r"(?:hold ?up|stick ?up|heist|smash[- ]and[- ]grab|carjack\w*|burglar\w*|"
            r"break[- ]ins?|looting|looted|shoplift\w*|theft|stolen|stole)",
            r"(?:asalto|robo|robaron|asaltaron|saqueo)",
            r"(?:cướp|trộm)",
            r"(?:holdap|nanakawan|ninakawan|nakawan)",
            r"(?:loot|chori|chain snatching)",
        ),
        phrase_list(
            "抢劫", "搶劫", "抢车", "搶車", "盗窃", "盜竊", "偷", "砸车", "砸車", "抢", "搶"
        ),
        phrase_list("강도", "절도", "털이", "약탈", "빼앗", "뺏", script="hangul"),
        phrase_list("लूट", "चोरी", "छीन", script="devanagari"),
    ),
    "fight": (
        word_list(
            r"fights?",
            r"fighting",
            r"brawls?",
            r"(?:fist ?fight|scuffle|altercation|argument|argued|punch(?:ed)?)",
            r"(?:pelea|pleito|riña|golpes)",
            r"(?:đánh nhau|ẩu đả|cãi nhau)",
            r"(?:rambulan|suntukan|nag-?away)",
            r"(?:jhagda|jhagde|ladai)",
        ),
        phrase_list("打架", "斗殴", "鬥毆", "冲突", "衝突", "吵架"),
        phrase_list("싸움", "몸싸움", "말싸움", "폭행", script="hangul"),
        phrase_list("झगडा", "झगडे", "मारपीट", "लडाई", script="devanagari"),
    ),
    "crash": (
        word_list(
            r"(?:crash|crashed|collision|hit[- ]and[- ]run|struck by|wreck|accident|"
            r"pedestrian (?:hit|struck))",
            r"(?:choque|atropell\w*|accidente)",
            r"(?:tai nạn|tông xe|đụng xe)",
            r"(?:banggaan|aksidente|nasagasaan)",
            r"(?:takkar|accident)",
        ),
        phrase_list("车祸", "車禍", "撞", "事故"),
        phrase_list("사고", "치였", "충돌", script="hangul"),
        phrase_list("टक्कर", "दुर्घटना", "हादसा", "कुचल", script="devanagari"),
    ),
    "lost_child": (
        word_list(
            r"(?:lost|missing|found) (?:child|kid|girl|boy|toddler|son|daughter)",
            r"(?:got )?separated",
            r"reunited",
            r"(?:niñ[oa] perdid[oa]|se perdió)",
            r"(?:lạc|đi lạc)",
            r"(?:nawawalang|nawala)",
            r"(?:kho gaya|kho gayi|bichhad)",
        ),
        phrase_list("走失", "走散", "迷路", "失踪", "失蹤"),
        phrase_list("길 ?잃", "미아", "실종", script="hangul"),
        phrase_list("बिछड", "खो ग", "गायब", script="devanagari"),
    ),
    "protest": (
        word_list(
            r"protests?",
            r"protesters?",
            r"(?:rally|march|demonstration|riot)s?",
            r"(?:protesta|manifestación|cacerolazo)",
            r"(?:biểu tình)",
            r"(?:rally|protesta)",
        ),
        phrase_list("抗议", "抗議", "示威"),
        phrase_list("시위", script="hangul"),
        phrase_list("प्रदर्शन", "विरोध", script="devanagari"),
    ),
    "package": (
        word_list(
            r"(?:suspicious|unattended|abandoned) (?:package|bag|backpack|item|luggage|box|"
            r"suitcase|vehicle|car)",
            r"(?:paquete|mochila|maleta) sospechos[oa]",
            r"(?:gói|túi|ba lô) (?:khả nghi|đáng ngờ)",
        ),
        phrase_list("可疑", "行李"),
        phrase_list("가방", "수상한", script="hangul"),
        phrase_list("संदिग्ध", "बैग", script="devanagari"),
    ),
    "threat_post": (
        word_list(
            r"(?:social media|instagram|insta|tiktok|snapchat|online|emailed|email|posted) "
            r"(?:threat|post|story|message)s?",
            r"threat(?:ening)? (?:post|message|email|call|note)",
            r"swatt\w*",
            r"(?:prank|hoax) call",
            r"(?:amenaza en redes|publicación)",
        ),
        phrase_list("网上", "網上", "网络", "網路", "帖子", "贴文", "貼文", "恶作剧", "惡作劇"),
        phrase_list("협박글", "게시물", "인스타", "장난 ?전화", script="hangul"),
        phrase_list("पोस्ट", "धमकी वाली", "झूठी कॉल", script="devanagari"),
    ),
    "event": (
        word_list(
            r"(?:game|concert|festival|parade|graduation|tree lighting|election|vote center|"
            r"polling|(?:soccer|football|world cup|cricket) match|county fair)",
            r"(?:partido|concierto|festival|desfile)",
            r"(?:trận đấu|buổi hòa nhạc|lễ hội)",
            r"(?:laro|konsiyerto|pista)",
        ),
        phrase_list("比赛", "比賽", "演唱会", "演唱會", "游行", "遊行", "投票"),
        phrase_list("경기", "콘서트", "축제", "퍼레이드", "졸업식", "투표", script="hangul"),
        phrase_list("मैच", "मेला", "परेड", "वोटिंग", script="devanagari"),
    ),
}
