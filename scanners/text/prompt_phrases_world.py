# ruff: noqa: RUF001, RUF002, RUF003
"""Prompt-injection phrasings in Turkish, Arabic, Persian, Korean, Dutch, Polish, Indonesian,
Vietnamese, Hindi and Ukrainian, and German "no rules from now on" set-ups.

The languages after the eight in `prompt_phrases`, chosen from what public multilingual attack
sets carry (garak-multilingual's Turkish, Arabic, Persian sets) and the most used languages on
the web. Each has the override family ("ignore the previous instructions") and, where its
word order allows a tight pattern, extraction ("show your system prompt"). Patterns match the
normaliser's output: casefolded, whitespace collapsed.
"""

from __future__ import annotations

import re

from scanners.text.finding import Memo, Rule, Validator, rule
from scanners.text.prompt_agentic_ko import not_a_howto


def _tr_rule(
    name: str, pattern: str, heads: tuple[str, ...], validate: Validator | None = None
) -> Rule:
    """A Turkish rule: the normaliser folds a dotless ı to i only inside otherwise-ASCII words
    ("talimatları" -> "talimatlari", but "güvenlık" keeps it), so every i matches both. Every
    match holds a word starting with one of `heads` (suffixes vary, so heads, not words): a
    token-set lookup, where substring gates cost a search of the whole text each."""
    both = dict.fromkeys(h2 for h in heads for h2 in (h, h.replace("i", "ı")))
    return rule(
        name, pattern.replace("i", "[iı]"), need=([f"{h}*" for h in both],), validate=validate
    )


_FIRST_PERSON = re.compile(r"(?:lar|ler)?[iıuü]m(?:[iıuüae]|da|de|dan|den)?")
_OVERRIDE_NOUNS = (
    "talimat", "komut", "kural", "yönerge", "yonerge", "direktif", "istem", "mesaj", "sinir",
    "kisit", "filtre", "yanit", "önlem", "onlem", "protokol", "politika", "kontrol", "emir",
    "emr", "yönlendirme", "yonlendirme", "ilke", "prensip", "yasak", "koruma", "denetim",
    "sansür", "sansur", "programlama", "eğitim", "egitim",
)  # fmt: skip


def _not_my_own(text: str, m: re.Match[str], memo: Memo) -> bool:
    """Reject "önceki mesajımı dikkate alma" (ignore *my* previous message): a noun with the
    first-person possessive (-ım, -larım, -umu ...) is the user correcting themselves, as
    "ignore my previous instructions" is in English."""
    for word in m.group().replace("ı", "i").split():
        head = next((h for h in _OVERRIDE_NOUNS if word.startswith(h)), None)
        if head is not None and _FIRST_PERSON.fullmatch(word[len(head) :].replace("i", "ı")):
            return False
    return True


# Turkish is verb-final: "önceki tüm talimatları unut" (previous all instructions-ACC forget).
# The normaliser folds the dotless ı and the dotted İ to i, so only i is written here.
GERMAN_UNLOCK = (
    rule(
        "unlock_de",
        r"\b(?:ab jetzt|von nun an|ab sofort|ab heute)\b[^.!?\n]{0,60}?(?:keine regeln|ohne "
        r"(?:jede|jegliche|irgendwelche|alle) (?:einschränkung|einschrankung|zensur|regeln|filter|"
        r"beschränkung|beschrankung))",
        need=(["jetzt", "nun", "sofort", "heute"],),
    ),
)

_TR_STRONG = (
    r"sans[üu]r",  # censorship
    r"k[iı]s[iı]t",  # restriction
    r"s[iı]n[iı]rs[iı]z|s[iı]n[iı]rlama",  # unlimited, limitation
    r"redd(?:et|ed)",  # refuse
    r"karakter(?:den [cç][iı]k|de kal)",  # leave / stay in character
    r"\bdan\b|jailbreak|geli[sş]tirici mod",
    r"\bmuaf",  # exempt
    r"yok ?say|g[öo]rmezden|\bunut",  # ignore, forget
    r"talimat(?!(?:lar)?[iı]m)",  # instruction, not "my instructions" (a user correcting)
)
_TR_WEAK = (
    r"filtre",
    r"\betik|ahlak",  # ethics, morals
    r"g[üu]venl[iı]k",  # safety
    r"\bkural",  # rule
    r"uyar[iı]",  # warning
    r"yapay zek",  # artificial intelligence
    r"yasa ?d[iı][sş][iı]",  # illegal
    r"her [sş]eyi|her soru",  # everything, every question
    r"[öo]zg[üu]r|serbest",  # free
    r"rol yap|canland[iı]r|farz et|hayal et|varsay",  # role-play, suppose
)
_TR_CUES = tuple((re.compile(c), True) for c in _TR_STRONG) + tuple(
    (re.compile(c), False) for c in _TR_WEAK
)
_TR_LETTERS = re.compile(r"[şğıçöü]")
TR_STRONG_NEEDED = 2
TR_WEAK_WITH_ONE_STRONG = 3
"""Distinct cues a Turkish text needs before `jailbreak_cues_tr` flags it: two that are a
jailbreak's own words (censorship, restriction, refusing, staying in character, forgetting
instructions), or one of those and three that ordinary text about safety, company policy or
films also uses (rules, ethics, warnings, portraying a role)."""


def _many_tr_cues(text: str, m: re.Match[str], memo: Memo) -> bool:
    """A text with Turkish letters (ş ğ ı ç ö ü; the normaliser folds ı to i inside
    otherwise-ASCII words) holding enough cues of a jailbreak's vocabulary
    (`TR_STRONG_NEEDED`): any one is ordinary Turkish, several together are a set-up, however the
    sentences run. Reported once, at the first cue."""
    if "tr_cues" not in memo:
        enough = False
        if _TR_LETTERS.search(text) is not None:
            strong = sum(1 for cue, is_strong in _TR_CUES if is_strong and cue.search(text))
            weak = sum(1 for cue, is_strong in _TR_CUES if not is_strong and cue.search(text))
            enough = strong >= TR_STRONG_NEEDED or (strong > 0 and weak >= TR_WEAK_WITH_ONE_STRONG)
        memo["tr_cues"] = enough
        return enough
    return False


TURKISH = (
    rule(
        "jailbreak_cues_tr",
        "|".join(cue.pattern for cue, _ in _TR_CUES),
        need=(["*ş", "*ğ", "*ı", "*ç", "*ö", "*ü"],),
        validate=_many_tr_cues,
    ),
    _tr_rule(
        "override_tr",
        r"(?:önceki|onceki|yukaridaki|yukarıdaki|tüm|tum|bütün|butun|sistem|eski|mevcut|verilen|"
        r"güvenlik|guvenlik|etik|sana verilen|daha önceki|geçmiş|gecmis|ilk|orijinal|varsayilan|"
        r"yerleşik|yerlesik|gizli|temel|bundan önceki|bundan onceki) (?:[\w']{1,20} ){0,3}?"
        r"(?:talimat|komut|kural|yönerge|yonerge|direktif|istem|mesaj|sinir|kisit|filtre|"
        r"yanit|önlem|onlem|protokol|politika|kontrol|emir|emr|yönlendirme|yonlendirme|ilke|"
        r"prensip|yasak|koruma|denetim|sansür|sansur|programlama|eğitim|egitim)"
        r"[\w']{0,10} (?:[\w']{1,20} ){0,2}?(?:unut|yok ?say|görmezden gel|gormezden gel|dikkate "
        r"alma|umursama|kaldir|devre diş|devre dis|iptal et|çiğne|cigne|atla|uyma|bosver|boşver|"
        r"kapat|aş\b|as\b|es geç|es gec|aldirma|önemseme|onemseme|geçersiz kil|gecersiz kil|"
        r"askiya al|hiçe say|hice say|terk et)",
        _OVERRIDE_NOUNS,
        _not_my_own,
    ),
    # Refusal suppression ("never refuse", "you cannot refuse"), rules denied to the model in
    # the second person ("you have no rules", "you need not follow the rules"), an unlimited
    # persona, developer mode, and extraction of "the instructions given to you" or of the
    # text above verbatim. Written from Turkish grammar (suffixes after stems), not from a list.
    _tr_rule(
        "refuse_tr",
        r"\basla (?:hayir deme|reddetme)|(?:hiçbir|hicbir) (?:şeyi|seyi|isteği|istegi|soruyu|"
        r"talebi|talep) (?:asla )?reddetme|\breddedemezsin|\breddetmeyeceksin|reddetmeden "
        r"(?:yanit|cevap)|(?:kural|kisitlama|sinir|sinirlama|filtre|yasak|sansür|sansur)"
        r"(?:lar)?(?:in|un|ün) (?:yok|olmayacak)\b|(?:kurallara|kurallarina|filtrelere|etiğe|"
        r"etige|politikalara|yönergelere|yonergelere) (?:[\w']{1,20} )?(?:uymak zorunda "
        r"(?:değilsin|degilsin)|uymayacaksin|bağli (?:değilsin|degilsin)|bagli degilsin)|"
        r"(?:kuralsiz|filtresiz|kisitlamasiz|sansürsüz|sansursuz|sinirsiz|etiksiz) (?:bir )?"
        r"(?:yapay zek|asistan|ai\b|model|karakter|sohbet botu|bot\b)",
        (
            "asla",
            "hiçbir",
            "hicbir",
            "redded",
            "reddet",
            "kural",
            "kisitlama",
            "sinir",
            "filtre",
            "yasak",
            "sansür",
            "sansur",
            "etiğe",
            "etige",
            "politika",
            "yönerge",
            "yonerge",
            "etiksiz",
        ),
    ),
    _tr_rule(
        "extract_more_tr",
        r"\bsana verilen (?:ilk |gizli |tüm |tum |bütün |butun )?(?:talimat|yönerge|yonerge|"
        r"kural|komut|istem|prompt)[\w']{0,10} (?:[\w']{1,20} ){0,3}?(?:göster|goster|yaz|ver|"
        r"paylaş|paylas|söyle|soyle|tekrarla|sizdir|açikla|acikla|listele|yazdir)|"
        r"(?:sistem|system) prompt[\w']{0,6} (?:[\w']{1,20} ){0,4}?(?:göster|goster|yaz|ver|"
        r"paylaş|paylas|söyle|soyle|tekrarla|sizdir|açikla|acikla|listele|yazdir)|"
        r"(?:yukaridaki|yukarıdaki) (?:her şeyi|her seyi|tüm metni|tum metni|metni|metnin "
        r"tamamini) (?:aynen|kelimesi kelimesine|oldugu gibi|olduğu gibi|eksiksiz) "
        r"(?:tekrarla|yaz|yazdir|göster|goster)|(?:geliştirici|gelistirici) mod(?:u|una|unu)? "
        r"(?:etkin|aktif|açik|acik|geç|gec|başlat|baslat|devrede)",
        ("sana", "sistem", "system", "yukaridaki", "yukarıdaki", "geliştirici", "gelistirici"),
    ),
    _tr_rule(
        "override_short_tr",
        r"(?:talimat|yönerge|yonerge)[\w']{0,10} (?:unut|yok say|görmezden gel|gormezden gel)|"
        r"(?:iç|ic|gizli|sistem) (?:talimat|yönerge|yonerge)[\w']{0,10} (?:göster|goster|açikla|"
        r"acikla|yaz|paylaş|paylas|sizdir)|sansür(?:süz| uygulama)|sansur(?:suz| uygulama)|"
        r"kisitlama(?:lar)?(?:i)? (?:olmadan|kaldir)|güvenlik modu kapali|guvenlik modu kapali|"
        r"filtre(?:yi|leri)? kapat",
        ("talimat", "yönerge", "yonerge", "sansür", "sansur", "kisitlama", "kapal", "filtre"),
        _not_my_own,
    ),
    _tr_rule(
        "extract_tr",
        r"(?:sistem|gizli|ilk|başlangiç|baslangic|orijinal|iç|ic) (?:istem|mesaj|talimat|komut|"
        r"yönerge|yonerge|yapilandirma)[\w']{0,10} (?:[\w']{1,20} ){0,4}?(?:göster|goster|"
        r"yaz|ver|paylaş|paylas|söyle|soyle|tekrarla|sizdir|açikla|acikla|listele|yazdir|"
        r"ifşa et|ifsa et|aktar|kopyala|dök|dok)",
        ("istem", "mesaj", "talimat", "komut", "yönerge", "yonerge", "yapilandirma"),
    ),
    _tr_rule(
        "persona_tr",
        r"(?:sen artik|artik sen|bundan (?:sonra|böyle|boyle)|şu andan itibaren|su andan itibaren|"
        r"gibi davran|rol yap|farz et)[^.!?\n]{0,80}?(?:kisitlama|sinirlama|sansür|sansur|kural|"
        r"filtre|etik)[\w']{0,8} (?:olmadan|olmayan|yok|tanima|tanimayan|uygulama|uygulamaz|takmaz|"
        r"muaf)|\b(?:dan|jailbreak) mod",
        ("artik", "bundan", "itibaren", "davran", "rol", "farz", "dan", "jailbreak"),
    ),
)

ARABIC = (
    rule(
        "override_ar",
        r"(?:تجاهل|تجاهلي|انس|انسى|إنس|تخط|تخطى|لا تتبع|لا تلتزم ب|ألغ|الغ)[^.!?\n؟]{0,30}?"
        r"(?:التعليمات|تعليمات|الأوامر|اوامر|أوامر|القواعد|قواعد|الإرشادات|التوجيهات|القيود)",
        gates=("تجاهل", "انس", "إنس", "تخط", "تتبع", "تلتزم", "ألغ", "الغ"),
    ),
    rule(
        "extract_ar",
        r"(?:اعرض|أظهر|اظهر|اكتب|أعطني|اعطني|اكشف|كرر|أخبرني|اخبرني|اطبع)[^.!?\n؟]{0,30}?"
        r"(?:موجه النظام|رسالة النظام|تعليمات النظام|التعليمات الأولية|التعليمات المخفية|"
        r"تعليماتك)",
        gates=("النظام", "التعليمات", "تعليماتك"),
    ),
)

PERSIAN = (
    rule(
        "override_fa",
        r"(?:دستور|دستورات|دستورالعمل|قوانین|قواعد|محدودیت)[^.!?\n؟]{0,30}?(?:را )?(?:نادیده بگیر|"
        r"فراموش کن|کنار بگذار|رعایت نکن)",
        gates=("نادیده", "فراموش", "کنار", "رعایت"),
    ),
    rule(
        "extract_fa",
        r"(?:پیام سیستمی|دستورات سیستمی|پرامپت سیستم|دستورالعمل اولیه)[^.!?\n؟]{0,40}?(?:بنویس|"
        r"نشان بده|بگو|تکرار کن)",
        gates=("سیستم", "اولیه"),
    ),
)

KOREAN = (
    rule(
        "override_ko",
        r"(?:이전|위의|앞의|모든|기존|시스템)[^.!?\n]{0,12}?(?:지시|지침|명령|규칙|프롬프트|제한)"
        r"[^.!?\n]{0,8}?(?:무시(?:하(?:세요|십시오|시오|라|고)|해)|잊어|따르지 마)",
        gates=("무시", "잊어", "따르지"),
    ),
    rule(
        "extract_ko",
        r"(?:시스템 프롬프트|시스템 메시지|초기 지시|숨겨진 지시)[^.!?\n]{0,10}?(?:보여|출력|알려|"
        r"말해|반복)",
        gates=("프롬프트", "메시지", "지시"),
        validate=not_a_howto,  # "시스템 프롬프트 작성법을 알려줘" asks how to write one
    ),
)

DUTCH = (
    rule(
        "override_nl",
        r"\b(?:negeer|vergeet|verwaarloos) (?:al(?:le)? )?(?:je |jouw |uw |de |het )?(?:\w{1,24} )?"
        r"(?:vorige|eerdere|voorgaande|bovenstaande|oorspronkelijke|systeem)?\s?(?:instructies|"
        r"opdrachten|regels|richtlijnen|prompts?|beperkingen)",
        need=(["negeer", "vergeet", "verwaarloos"],),
    ),
    rule(
        "extract_nl",
        r"\b(?:toon|laat|geef|herhaal|print|onthul)(?: me| mij)? (?:je|jouw|uw|de) (?:volledige |"
        r"oorspronkelijke |verborgen |geheime )?(?:systeemprompt|systeeminstructies|"
        r"systeembericht|oorspronkelijke instructies|verborgen instructies)",
        need=(["systeem*", "instructies"],),
    ),
)

POLISH = (
    rule(
        "override_pl",
        r"\b(?:zignoruj|ignoruj|zapomnij o|zapomnij|pomiń|pomin|nie stosuj się do) "
        r"(?:(?:wszystkie|wszystkich|wcześniejsze|wczesniejsze|poprzednie|powyższe|powyzsze|"
        r"swoje|twoje|systemowe|dotychczasowe|poprzednich|wcześniejszych) ){1,3}"
        r"(?:instrukcje|instrukcji|polecenia|poleceń|polecen|zasady|zasad|reguły|reguly|"
        r"ograniczenia|wytyczne)",
        need=(["zignoruj", "ignoruj", "zapomnij", "pomiń", "pomin", "stosuj"],),
    ),
    rule(
        "extract_pl",
        r"\b(?:pokaż|pokaz|wypisz|podaj|ujawnij|powtórz|powtorz|wyświetl|wyswietl)(?: mi)? "
        r"(?:swój |swoj |twój |twoj |swoje |pełny |pelny |cały |caly )?(?:prompt systemowy|"
        r"systemowy prompt|instrukcje systemowe|ukryte instrukcje|początkowe instrukcje)",
        need=(["systemowy", "systemowe", "instrukcje"],),
    ),
)

INDONESIAN = (
    rule(
        "override_id",
        r"\b(?:abaikan|lupakan|acuhkan|jangan ikuti) (?:semua |seluruh )?(?:instruksi|perintah|"
        r"aturan|petunjuk|arahan|batasan)(?: \w{1,20}){0,2}? ?(?:sebelumnya|di atas|sistem|"
        r"awal|lama)?",
        need=(["abaikan", "lupakan", "acuhkan", "ikuti"],),
    ),
    rule(
        "extract_id",
        r"\b(?:tampilkan|tunjukkan|ungkapkan|ulangi|cetak|berikan)(?: kepada)?(?: saya)? "
        r"(?:prompt sistem|instruksi sistem|pesan sistem|instruksi awal|instruksi tersembunyi)",
        need=(["sistem", "instruksi"],),
    ),
)

VIETNAMESE = (
    rule(
        "override_vi",
        r"(?:bỏ qua|phớt lờ|quên|lờ đi|đừng tuân theo|không tuân theo) (?:tất cả |mọi |toàn bộ |"
        r"các |những )*(?:hướng dẫn|chỉ dẫn|chỉ thị|lệnh|quy tắc|câu lệnh|lời nhắc|giới hạn)",
        gates=("bỏ qua", "phớt", "quên", "lờ", "tuân"),
    ),
    rule(
        "extract_vi",
        r"(?:hiển thị|cho tôi xem|tiết lộ|in ra|lặp lại|nói cho tôi)[^.!?\n]{0,20}?"
        r"(?:lời nhắc hệ thống|prompt hệ thống|hướng dẫn hệ thống|chỉ dẫn ban đầu)",
        gates=("hệ thống", "ban đầu"),
    ),
)

HINDI = (
    rule(
        "override_hi",
        r"(?:पिछले|पिछली|पहले के|ऊपर के|ऊपर दिए|सभी|सारे|सिस्टम)[^.!?\n।]{0,30}?(?:निर्देश|"
        r"निर्देशों|नियम|नियमों|आदेश|आदेशों)[^.!?\n।]{0,20}?(?:अनदेखा|नज़रअंदाज़|नजरअंदाज|भूल जा|"
        r"भूल जाओ|मत मानो|न मानें)",
        gates=("अनदेखा", "अंदाज", "अंदाज़", "भूल", "मत", "न मान"),
    ),
    rule(
        "extract_hi",
        r"(?:सिस्टम प्रॉम्प्ट|सिस्टम संदेश|सिस्टम निर्देश|छिपे (?:हुए )?निर्देश)[^.!?\n।]{0,30}?"
        r"(?:दिखाओ|दिखाएं|बताओ|बताएं|लिखो|लिखें|दोहराओ)",
        gates=("सिस्टम", "छिपे"),
    ),
)

UKRAINIAN = (
    rule(
        "override_uk",
        r"(?:ігноруй|ігноруйте|проігноруй|забудь|забудьте|не зважай на|відкинь) (?:(?:всі|усі|"
        r"свої|твої|попередні|попередніх|вищезазначені|системні|початкові) ){1,3}(?:\w{1,24} )?"
        r"(?:інструкції|інструкцій|вказівки|правила|команди|обмеження|промпт)",
        gates=("ігнор", "забуд", "зважай", "відкинь"),
    ),
)


WORLD_RULES: tuple[Rule, ...] = (
    *GERMAN_UNLOCK,
    *TURKISH,
    *ARABIC,
    *PERSIAN,
    *KOREAN,
    *DUTCH,
    *POLISH,
    *INDONESIAN,
    *VIETNAMESE,
    *HINDI,
    *UKRAINIAN,
)
