"""How a post stands toward what is said: countering a rumour, accusing the police of
hiding something, or reporting what the poster saw or heard.

* a debunk counters the rumour itself ("stop sharing", "the 'still closed' posts are
  old"), often repeating its words;
* a cover-up claim turns the Department's word around ("police are lying", "they always
  lowball", "reading between the lines") — what twists a denial into a confirmation;
* a first-hand report ("I heard", "we're inside") that stays within what the Department
  is investigating is never evidence of falsehood.
"""

from __future__ import annotations

from rumordesk.classify.scanner import phrase_list, word_list

#: The post counters a rumour: asks people to stop sharing it, calls it false or old.
DEBUNK = word_list(
    r"stop (?:sharing|spreading|forwarding|posting|reposting)",
    r"(?:don'?t|do not|please don'?t|pls don'?t) (?:share|spread|forward|repost)",
    r"(?:is|are|was) (?:fake|false|a hoax|not true|old|outdated|wrong)",
    r"(?:old|outdated) (?:news|info|information|post|update)",
    r"not (?:true|real|happening)",
    r"no,? there (?:is|was|are|were) no",
    r"(?:there|it) (?:is|was)n'?t (?:a|an|any)",
    r"(?:fake|false) (?:news|alarm|rumou?r|post|alert|notice|message)",
    r"rumou?rs? (?:is|are) (?:false|fake|wrong|not true)",
    r"(?:nothing|no one) (?:happened|was hurt|got hurt)",
    r"debunk\w*",
    r"misinformation",
    r"(?:dejen de|no) (?:compartir|compartan|reenviar|reenvíen)",
    r"(?:es|son) (?:falso|falsa|falsos|mentira)",
    r"(?:đừng|ngừng) (?:chia sẻ|share|lan truyền|chuyển tiếp)",
    r"tin (?:giả|cũ|đồn)",
    r"(?:wag|huwag) (?:i-?share|ikalat|maniwala|mag-?share)",
    r"fake news",
    r"(?:forward|share) mat karo",
    r"(?:fake|galat|purane?) (?:hai|news|posts?|khabar)",
    r"mat (?:failao|phailao|felao)",
    r"ignore karo",
)
DEBUNK_ZH = phrase_list(
    "不要再转",
    "不要再轉",
    "别再转",
    "別再轉",
    "不要再传",
    "不要再傳",
    "是谣言",
    "是謠言",
    "是假的",
    "假消息",
    "旧的",
    "舊的",
    "不实",
    "不實",
    "澄清",
    "没有",
    "沒有",
)
DEBUNK_KO = phrase_list(
    "퍼나르지",
    "퍼뜨리지",
    "공유하지 ?마",
    "가짜",
    "루머",
    "아니래",
    "아님",
    "아니에요",
    "사실 ?아니",
    "틀린 ?정보",
    "지난 ?정보",
    "헛소문",
    script="hangul",
)
DEBUNK_HI = phrase_list(
    "अफवाह",
    "झूठी",
    "झूठा",
    "फर्जी",
    "मत फैला",
    "आगे मत भेज",
    "पुराना",
    "गलत है",
    script="devanagari",
)

#: The post says the police are hiding, lying about or playing down the truth.
COVER_UP = word_list(
    r"(?:police|cops|they|scpd|the city|officials|media|news) (?:are|is|were) "
    r"(?:lying|hiding|covering|downplaying|not telling|keeping (?:it|this) quiet)",
    r"cover(?:ing)?[- ]?up",
    r"covering (?:it|this|something) up",
    r"(?:won'?t|don'?t|didn'?t|not going to) (?:tell|admit|say)",
    r"(?:hiding|hid|hushed|hush|buried|burying) (?:it|this|that|the truth|something)",
    r"hush-?hush",
    r"lowball\w*",
    r"play(?:ing|ed)? (?:it )?down",
    r"between the lines",
    r"(?:don'?t|do not|never) (?:believe|trust) (?:the )?(?:police|cops|scpd|them|it)",
    r"(?:yeah|ya) right",
    r"my ass",
    r"lol ok",
    r"sure,? (?:jan|buddy)",
    r"(?:that'?s|thats) what they (?:want|said)",
    r"(?:they|police) (?:always|just) say",
    r"(?:official|real) story",
    r"(?:mienten|están mintiendo|ocultan|ocultando|lo tapan|tapando|no quieren decir)",
    r"(?:nói dối|che giấu|giấu|bưng bít|ỉm đi)",
    r"(?:nagsisinungaling|tinatago|itinatago|pinagtatakpan)",
    r"(?:jhooth bol|jhoot bol|chhupa|chupa|daba) (?:rahi|rahe|raha)\w*",
    r"sach (?:chhupa|nahi bata)\w*",
    r"bahana",
)
COVER_UP_ZH = phrase_list(
    "骗人",
    "騙人",
    "骗谁",
    "騙誰",
    "压下来",
    "壓下來",
    "不公开",
    "不公開",
    "隐瞒",
    "隱瞞",
    "掩盖",
    "掩蓋",
    "少报",
    "少報",
    "太假",
    "不想让",
    "不想讓",
    "不敢讲",
    "不敢講",
    "说谎",
    "說謊",
    "其实",
    "其實",
    "意思就是",
    "肯定有事",
    "肯定找到",
)
COVER_UP_KO = phrase_list(
    "덮으려",
    "덮는",
    "쉬쉬",
    "숨기",
    "숨겼",
    "거짓말",
    "믿지 ?마",
    "축소",
    "은폐",
    "안 알려",
    script="hangul",
)
COVER_UP_HI = phrase_list(
    "झूठ बोल",
    "छुपा",
    "छिपा",
    "दबा रह",
    "दबा रहे",
    "सच नहीं बता",
    "बात दबा",
    script="devanagari",
)

#: The poster saw, heard or is at the scene.
FIRSTHAND = word_list(
    r"i (?:just )?(?:saw|see|heard|hear|was there|am at|am inside|watched)",
    r"i'?m (?:at|inside|in|near|outside|stuck)",
    r"we'?re (?:inside|at|in|stuck|locked)",
    r"(?:we|i) (?:were|was) (?:there|inside|in)",
    r"just (?:heard|saw)",
    r"heard (?:what sounded like|loud|a loud|gunshots|shots|bangs|pops|sirens|\w+ (?:shots|bangs))",
    r"sound(?:s|ed)? like (?:gunshots|shots|gunfire|fireworks|a gun)",
    r"(?:loud )?(?:bangs|pops|booms)",
    r"(?:from|out) my (?:window|balcony|porch)",
    r"(?:estoy|estamos|estaba) (?:en|adentro|cerca)",
    r"(?:vi|oí|escuché|escuchamos|se oy(?:ó|eron)|se escuch(?:ó|aron))",
    r"(?:tôi|mình|em|tụi mình|chúng tôi) (?:đang )?(?:ở|thấy|nghe|vừa nghe|vừa thấy)",
    r"(?:nandito|nasa loob|nakita ko|narinig ko|nakarinig|may narinig)",
    r"nghe (?:tiếng|thấy)",
    r"main (?:wahan|yahan|andar|idhar)",
    r"(?:maine|humne) (?:dekha|suna)",
    r"khud dekha",
)
FIRSTHAND_ZH = phrase_list(
    "我在", "我们在", "我們在", "听到", "聽到", "我看到", "我刚", "我剛", "巨响", "巨響"
)
FIRSTHAND_KO = phrase_list(
    "들었어요",
    "들렸어요",
    "봤어요",
    "봤음",
    "있는데",
    "있어요",
    "왔어요",
    "사는데",
    script="hangul",
)
FIRSTHAND_HI = phrase_list("मैं", "मैंने", "हमने", "देखा", "सुना", "आवाज", script="devanagari")
