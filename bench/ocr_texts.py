"""The posts drawn into the OCR benchmark's screenshots, as staff would type them.

Written for the benchmark (invented, like the demo evening): rumours, questions, relays
of the Department and ordinary chatter, in the languages Santa Clara's residents write
in. Language codes are BCP 47 (``zh-Hans`` simplified and ``zh-Hant`` traditional Chinese).
"""

from __future__ import annotations

TEXTS: dict[str, tuple[str, ...]] = {
    "en": (
        "Is it true there is an active shooter at Valley Fair?? My cousin works at Macy's "
        "and says three people are dead. Stay away from the mall!",
        "Bomb threat at Levi's Stadium tonight, they are evacuating the whole north lot. "
        "Share this with anyone going to the game.",
        "Heard gunshots near Santa Clara University about ten minutes ago. Police cars "
        "everywhere on El Camino. Does anyone know what happened?",
        "Someone got stabbed at Central Park this afternoon, my neighbor saw the ambulance. "
        "Keep your kids inside tonight.",
        "Santa Clara Police say there is no threat at Great America. The park is open and "
        "the rumor about a shooter is false.",
        "Lost dog near Mission College, brown lab mix named Buddy. Please call if you see "
        "him, he is very friendly.",
        "My friend at the Convention Center says there is a hostage situation inside hall "
        "B and SWAT is on the way.",
        "Road closed on Lafayette Street because of a water main break. Use Bowers Avenue "
        "instead until tomorrow morning.",
        "There was an explosion at the Art and Wine Festival!! People are running "
        "everywhere, do not go downtown.",
    ),
    "es": (
        "¿Es verdad que hay un tirador activo en Valley Fair? Mi primo dice que hay tres "
        "muertos. ¡No vayan al centro comercial!",
        "Amenaza de bomba en el estadio Levi's esta noche, están evacuando a todos. "
        "Compartan con sus familias.",
        "Escuché disparos cerca de la Universidad de Santa Clara hace diez minutos. Hay "
        "patrullas por todos lados.",
        "Apuñalaron a un muchacho en Central Park esta tarde, mi vecina vio la ambulancia. "
        "Cuiden a sus hijos.",
        "La policía de Santa Clara dice que no hay ninguna amenaza en Great America. El "
        "parque sigue abierto.",
        "Se perdió un perro cerca de Mission College, es café y se llama Chato. Por favor "
        "avisen si lo ven.",
        "Dicen que hay rehenes en el Centro de Convenciones y que ya llegó el equipo SWAT. "
        "¿Alguien sabe algo?",
        "Hubo una explosión en el festival de arte y vino, la gente está corriendo. No "
        "vayan al centro hoy.",
        "Mañana habrá clínica de vacunas gratis en la biblioteca central de diez a dos. "
        "Traigan su identificación.",
    ),
    "vi": (
        "Có ai biết chuyện gì ở Valley Fair không? Nghe nói có người nổ súng và ba người đã chết.",
        "Có đe dọa đánh bom ở sân vận động Levi's tối nay, họ đang sơ tán mọi người. Hãy "
        "chia sẻ cho gia đình.",
        "Tôi nghe tiếng súng gần trường đại học Santa Clara mười phút trước. Xe cảnh sát khắp nơi.",
        "Cảnh sát Santa Clara nói không có tay súng nào ở Great America. Công viên vẫn mở "
        "cửa bình thường.",
        "Có người bị đâm ở Central Park chiều nay, hàng xóm tôi thấy xe cứu thương. Giữ "
        "con ở trong nhà nhé.",
        "Mất chó gần Mission College, chó màu nâu tên Mực. Ai thấy xin gọi cho tôi, cảm ơn nhiều.",
        "Bạn tôi nói có bắt giữ con tin ở trung tâm hội nghị và đội đặc nhiệm đang đến.",
        "Đường Lafayette bị đóng vì vỡ ống nước. Mọi người đi đường Bowers cho đến sáng mai nhé.",
        "Có vụ nổ ở lễ hội nghệ thuật và rượu vang! Mọi người đang chạy tán loạn, đừng xuống phố.",
    ),
    "tl": (
        "Totoo ba na may pamamaril sa Valley Fair? Sabi ng pinsan ko may tatlong patay na. "
        "Huwag kayong pumunta doon.",
        "May banta ng bomba sa Levi's Stadium ngayong gabi, pinapalabas na ang lahat. "
        "Pakishare sa pamilya ninyo.",
        "May narinig akong putok ng baril malapit sa Santa Clara University kanina. Ang "
        "daming pulis sa kalsada.",
        "Sabi ng pulis ng Santa Clara walang banta sa Great America. Bukas pa rin ang "
        "parke ngayon.",
        "May sinaksak daw sa Central Park kaninang hapon, nakita ng kapitbahay ko ang ambulansya.",
        "Nawawala ang aso namin malapit sa Mission College, kulay tsokolate at Bantay ang "
        "pangalan.",
        "Sabi ng kaibigan ko may hostage sa Convention Center at papunta na ang SWAT.",
        "Sarado ang Lafayette Street dahil sa sirang tubo ng tubig. Dumaan muna kayo sa "
        "Bowers Avenue.",
        "May pagsabog sa Art and Wine Festival! Nagtatakbuhan ang mga tao, huwag muna "
        "kayong pumunta.",
    ),
    "zh-Hans": (
        "听说Valley Fair有枪手，已经有三个人死了，大家不要去商场！",
        "今晚李维斯体育场有炸弹威胁，正在疏散所有人，请转发给家人。",
        "十分钟前在圣塔克拉拉大学附近听到枪声，到处都是警车。",
        "圣塔克拉拉警察说Great America没有任何威胁，乐园照常开放。",
        "今天下午中央公园有人被刺伤，邻居看到了救护车，晚上让孩子待在家里。",
        "在Mission College附近走失一只棕色小狗，名叫豆豆，看到请联系我。",
        "朋友说会展中心里有人质，特警已经在路上了，有人知道吗？",
        "艺术与葡萄酒节发生爆炸！大家都在跑，千万不要去市中心。",
    ),
    "zh-Hant": (
        "聽說Valley Fair有槍手，已經有三個人死了，大家不要去商場！",
        "今晚李維斯體育場有炸彈威脅，正在疏散所有人，請轉發給家人。",
        "十分鐘前在聖塔克拉拉大學附近聽到槍聲，到處都是警車。",
        "聖塔克拉拉警察說Great America沒有任何威脅，樂園照常開放。",
        "今天下午中央公園有人被刺傷，鄰居看到了救護車，晚上讓孩子待在家裡。",
        "在Mission College附近走失一隻棕色小狗，名叫豆豆，看到請聯繫我。",
        "朋友說會展中心裡有人質，特警已經在路上了，有人知道嗎？",
        "藝術與葡萄酒節發生爆炸！大家都在跑，千萬不要去市中心。",
    ),
    "ko": (
        "밸리 페어에 총격범이 있다는 게 사실인가요? 사촌이 세 명이 죽었다고 했어요.",
        "오늘 밤 리바이스 스타디움에 폭탄 위협이 있어서 모두 대피하고 있대요. "
        "가족들에게 알려주세요.",
        "십 분 전에 산타클라라 대학교 근처에서 총소리를 들었어요. 경찰차가 많이 왔어요.",
        "산타클라라 경찰은 그레이트 아메리카에 위협이 없다고 발표했습니다. 공원은 정상 운영합니다.",
        "오늘 오후 센트럴 파크에서 누가 칼에 찔렸대요. 이웃이 구급차를 봤어요.",
        "미션 칼리지 근처에서 갈색 강아지를 잃어버렸어요. 보시면 연락 주세요.",
        "친구가 컨벤션 센터에 인질이 있고 특공대가 오고 있다고 했어요.",
        "예술 와인 축제에서 폭발이 있었어요! 사람들이 뛰고 있으니 시내에 가지 마세요.",
    ),
    "hi": (
        "क्या यह सच है कि वैली फेयर में गोलीबारी हुई है? मेरे भाई ने कहा कि तीन लोग मारे गए।",
        "आज रात लेवी स्टेडियम में बम की धमकी है, सबको बाहर निकाला जा रहा है।",
        "दस मिनट पहले सांता क्लारा यूनिवर्सिटी के पास गोलियों की आवाज़ सुनी। हर तरफ पुलिस है।",
        "सांता क्लारा पुलिस ने कहा कि ग्रेट अमेरिका में कोई खतरा नहीं है। पार्क खुला है।",
        "आज दोपहर सेंट्रल पार्क में किसी को चाकू मारा गया, पड़ोसी ने एम्बुलेंस देखी।",
        "मिशन कॉलेज के पास हमारा भूरा कुत्ता खो गया है। दिखे तो कृपया फोन करें।",
        "मेरे दोस्त ने कहा कि कन्वेंशन सेंटर में लोगों को बंधक बनाया गया है।",
        "कला और वाइन महोत्सव में धमाका हुआ! लोग भाग रहे हैं, शहर में मत जाइए।",
    ),
}
