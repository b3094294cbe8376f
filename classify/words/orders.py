"""Orders and instructions: given, lifted, still in force, and how far they reach.

The relation step compares a post's order with the Department's: an order the Department
never gave (an advisory called a "mandatory evacuation"), one it has lifted repeated as
current ("still under shelter in place"), or a narrow one widened ("the whole mall").
"""

from __future__ import annotations

from rumordesk.classify.scanner import phrase_list, word_list

#: An order or instruction in force: shelter, evacuate, lock down, closed, stay away.
ORDER = word_list(
    r"shelter[- ]in[- ]place",
    r"evacuat\w*",
    r"lock ?down",
    r"locked down",
    r"curfew",
    r"stay (?:inside|indoors|home|away|in your homes?)",
    r"(?:road|street|streets|roads|lanes?|expressway|expwy|campus|school|building|mall|"
    r"station|park|library) (?:is |are )?(?:closed|shut)",
    r"(?:closed|shut down|shut) (?:in both directions|both ways|to traffic)",
    r"(?:is|are|remains?|still) closed",
    r"avoid the area",
    r"must (?:leave|evacuate|stay)",
    r"(?:stay|keep) away from",
    r"(?:is|are) on lockdown",
    r"will (?:be )?clos(?:e|ed)",
    r"leave (?:now|immediately|the area)",
    r"do not (?:come|go|approach|enter)",
    r"keep (?:your )?(?:kids|children) (?:home|inside)",
    r"(?:cierre|cerrad[oa]s?|evacuación|evacuar|evacuen|refugio en el lugar|quédense en casa|"
    r"no salgan|toque de queda|eviten el área)",
    r"(?:sơ tán|phong tỏa|đóng cửa|đóng đường|ở yên trong nhà|ở trong nhà|tránh khu vực|"
    r"giới nghiêm|cấm ra ngoài)",
    r"(?:lumikas|sarado|manatili sa loob|bawal lumabas|iwasan ang lugar)",
    r"(?:band (?:hai|hain|rahega|rahenge|kar diya)|khaa?li kar\w*|ghar (?:ke andar|mein) raho|"
    r"bahar mat niklo|avoid karo|evacuate kar\w*)",
)
ORDER_ZH = phrase_list(
    "封路",
    "封锁",
    "封鎖",
    "封了",
    "疏散",
    "撤离",
    "撤離",
    "宵禁",
    "避难令",
    "避難令",
    "待在家",
    "留在家",
    "不要出门",
    "不要出門",
    "停课",
    "停課",
    "关闭",
    "關閉",
    "请远离",
    "請遠離",
    "绕行",
    "繞行",
)
ORDER_KO = phrase_list(
    "대피",
    "봉쇄",
    "통제",
    "통행금지",
    "통금",
    "폐쇄",
    "휴교",
    "락다운",
    "외출 ?금지",
    "집에 ?있",
    "피하세요",
    "닫",
    script="hangul",
)
ORDER_HI = phrase_list(
    "खाली कर",
    "घर में रह",
    "बाहर मत",
    "कर्फ्यू",
    "बंद है",
    "बंद रहेग",
    "लॉकडाउन",
    "न जाएं",
    "न जाएँ",
    script="devanagari",
)

#: The order is over: lifted, reopened, back to normal.
LIFTED = word_list(
    r"(?:lifted|rescinded|cancell?ed|ended)",
    r"(?:re-?opened|reopening|re-?opens)",
    r"(?:is|are) (?:open|back open)(?: again)?",
    r"all clear",
    r"back to normal",
    r"resum(?:ed|ing|es)",
    r"can (?:go|return) (?:home|back)",
    r"no longer",
    r"(?:se )?levant(?:ó|aron|ado)",
    r"(?:reabiert[oa]s?|ya abrieron|ya pueden (?:salir|regresar))",
    r"(?:đã )?(?:dỡ bỏ|hết lệnh|mở lại|thông xe|hoạt động lại|được về nhà)",
    r"(?:inalis na|binuksan na|bukas na ulit|tapos na ang)",
    r"khul (?:gaya|gayi|gaye)",
    r"hata (?:diya|liya|di)",
    r"normal (?:chal|ho)",
)
LIFTED_ZH = phrase_list(
    "解除", "重新开放", "重新開放", "恢复", "恢復", "开放了", "開放了", "通车", "通車", "照常"
)
LIFTED_KO = phrase_list(
    "해제", "다시 ?열", "재개", "풀렸", "정상 ?운영", "정상 ?진행", script="hangul"
)
LIFTED_HI = phrase_list("हटा दिया", "हट गया", "खुल गया", "खुल गई", "फिर से खुल", script="devanagari")

#: The claim persists: "still closed", "remains", "vẫn", "还在", "아직", "अभी भी".
STILL = word_list(
    r"still",
    r"remains?",
    r"continues? to",
    r"sigue",
    r"siguen",
    r"todavía",
    r"aún",
    r"vẫn",
    r"còn đang",
    r"pa rin",
    r"hanggang ngayon",
    r"abhi (?:bhi|tak)",
    r"ab bhi",
)
STILL_ZH = phrase_list("还在", "還在", "仍然", "仍在", "还没", "還沒", "依然")
STILL_KO = phrase_list("아직", "여전히", "계속", script="hangul")
STILL_HI = phrase_list("अभी भी", "अब भी", "अभी तक", script="devanagari")

#: A place widened: the whole mall, all schools, every store, citywide.
WIDE = word_list(
    r"(?:the )?(?:whole|entire)",
    r"all (?:the )?(?:schools|stores|shops|malls|residents|buildings|campuses|streets|"
    r"roads|neighbou?rs|of)",
    r"every (?:school|store|mall|building|street)",
    r"citywide",
    r"city-wide",
    r"(?:todo|toda|todos|todas) (?:el|la|los|las)",
    r"(?:toàn bộ|tất cả|cả khu|cả trường|cả thành phố)",
    r"(?:buong|lahat ng)",
    r"(?:poora|poore|pura|pure|saare|sab) (?:city|area|shahar|schools?|log)",
)
WIDE_ZH = phrase_list("整个", "整個", "所有", "全部", "全市", "附近几间", "附近幾間", "不只")
WIDE_KO = phrase_list("전체", "전부", "전 구간", "전역", "모든", "다 ?닫", script="hangul")
WIDE_HI = phrase_list("पूरा", "पूरे", "सभी", "सारे", script="devanagari")
