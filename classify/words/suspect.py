"""Where a suspect is said to be: still at large, or in custody (and "the wrong man").

What the relation step compares first when the Department announced an arrest: "the
suspect is in custody, no ongoing threat" against "he's still loose, they got the wrong
guy" is the twist a PIO most needs to see.
"""

from __future__ import annotations

from rumordesk.classify.scanner import phrase_list, word_list

#: The suspect is free: at large, on the run, still out there.
AT_LARGE = word_list(
    r"(?:still )?(?:at large|on the loose|on the run)",
    r"still (?:loose|out there|running|free|around|roaming|hiding)",
    r"(?:got|ran|gets|getting|running) away",
    r"(?:fled|escaped|took off)",
    r"left (?:on foot|in an? \w+|the scene|before officers)",
    r"(?:hasn'?t|haven'?t|has not|have not|not) (?:been )?(?:caught|arrested|found|captured)",
    r"(?:no|not an?) arrests?(?: yet)?",
    r"(?:2nd|second|another|other) (?:one|shooter|suspect|guy|gunman|attacker|man|robber)",
    r"(?:his|their|the) (?:partner|accomplice|buddy)",
    r"(?:prófugo|prófuga|sigue suelto|anda suelto|sigue libre|se escapó|se dio a la fuga|"
    r"no lo han (?:agarrado|detenido|arrestado)|otro (?:tirador|sujeto|atacante))",
    r"(?:vẫn (?:đang )?(?:lẩn trốn|chạy|trốn|còn ngoài|nhởn nhơ|chưa bị bắt)|chưa bắt được|"
    r"bỏ trốn|tẩu thoát|còn một (?:tên|người))",
    r"(?:nakatakas|tumakas|hindi pa nahuhuli|hindi pa nahuli|pakalat-kalat|may isa pa)",
    r"(?:abhi bhi|ab bhi) (?:free|bhaag|ghoom|khula|azaad|farar)\w*",
    r"(?:bhaag|bhag) (?:gaya|gaye|raha)",
    r"farar",
    r"saathi",
)
AT_LARGE_ZH = phrase_list(
    "在逃",
    "还在跑",
    "還在跑",
    "跑了",
    "逃走",
    "逃跑",
    "还没抓到",
    "還沒抓到",
    "没抓到",
    "沒抓到",
    "同伙",
    "同夥",
    "主犯",
    "主嫌",
    "第二个",
    "第二個",
)
AT_LARGE_KO = phrase_list(
    "도주",
    "도망",
    "못 ?잡",
    "안 ?잡",
    "아직 ?(?:안|못)",
    "공범",
    "하나 ?더",
    "또 ?다른 ?(?:범인|용의자|사람)",
    script="hangul",
)
AT_LARGE_HI = phrase_list(
    "फरार",
    "भाग गया",
    "भागा",
    "आजाद",
    "खुला घूम",
    "पकडा नहीं",
    "साथी",
    script="devanagari",
)

#: The suspect is held: arrested, in custody, detained, surrendered.
IN_CUSTODY = word_list(
    r"(?:in|into|taken into) custody",
    r"arrest(?:ed|s)?",
    r"detain(?:ed)?",
    r"(?:apprehended|surrendered|caught|captured|nabbed|booked)",
    r"(?:detenido|detenida|detenidos|arrestad[oa]s?|capturad[oa]s?|bajo custodia|se entregó|"
    r"lo (?:agarraron|detuvieron|arrestaron))",
    r"(?:bị bắt|đã bắt|bắt được|tạm giữ|bị giam|đầu hàng)",
    r"(?:naaresto|inaresto|nahuli|hinuli|sumuko|nakakulong)",
    r"(?:arrest|pakda|pakad|pakdi|pakde|giraftaar|giraftar)\w*",
)
IN_CUSTODY_ZH = phrase_list(
    "被捕", "逮捕", "抓到", "落网", "落網", "抓了", "被抓", "投降", "拘留", "羁押", "羈押"
)
IN_CUSTODY_KO = phrase_list("체포", "검거", "잡혔", "잡았", "붙잡", "구금", "투항", script="hangul")
IN_CUSTODY_HI = phrase_list(
    "गिरफ्तार", "पकडा गया", "पकड लिया", "पकडा", "हिरासत", script="devanagari"
)

#: The arrest is disputed: "they got the wrong guy", "not the real one".
WRONG_PERSON = word_list(
    r"wrong (?:guy|man|person|kid|suspect|one|student)",
    r"not the (?:real|right|actual) (?:one|guy|shooter|suspect|kid)",
    r"real (?:one|shooter|suspect|attacker) is still",
    r"(?:persona|hombre|tipo) equivocad[oa]",
    r"bắt nhầm",
    r"maling (?:tao|lalaki)",
    r"galat (?:aadmi|bande|banda|bacche|bachche|insaan)\w*",
)
WRONG_PERSON_ZH = phrase_list("抓错", "抓錯", "不是真凶", "不是那个", "不是那個")
WRONG_PERSON_KO = phrase_list("엉뚱한", "다른 사람을 ?잡", "진범", script="hangul")
WRONG_PERSON_HI = phrase_list("गलत आदमी", "किसी और को", "असली हमलावर", script="devanagari")
