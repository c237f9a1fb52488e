"""prompt_injection: terse direct injections in Spanish, French, German, Portuguese, Italian,
Russian, Arabic, Hindi and Chinese (issue 14, eleventh round — short injections).

The multilingual phrase lists carry a handful of core orders per language (refuse nothing,
answer without warnings, show your instructions, these instructions come first). The sixth
round's families (`prompt_phrases_comply`) were written for the phrasings dev showed; the
same orders said another ordinary way passed. Each family below is the order's grammar in
the language's own words, written before it was measured:

    NEVER_REFUSE = SENTENCE_START [never | not] REFUSE_2SG [to answer] (END | "me" | ANY_REQUEST)
    NO_WARNINGS  = SENTENCE_START ANSWER_2SG ... WITHOUT [any] WARNINGS
    SHOW_YOURS   = SENTENCE_START SHOW_2SG [me] YOUR_2SG INSTRUCTIONS [verbatim] END
    MINE_FIRST   = (THESE | MY) INSTRUCTIONS (have priority | come first) (END | over all)

Where the imperative is also the third person ("ne refuse", "responde"), the order must open
a sentence: "il ne refuse jamais de répondre" and "el servidor responde sin advertencias"
describe someone and pass. SHOW_YOURS and MINE_FIRST must end the text (or end with "over
everything"): "zeig mir deine Anweisungen für den Kuchen" asks a friend for a recipe, and a
manual's "diese Anweisungen haben Vorrang vor der Kurzanleitung" ranks two documents. The
informal possessive (tus, tes, deine, tue, твои, تعليماتك) is how a user addresses a chatbot;
software addresses its reader formally or not at all. None counts in a system message
(`OPERATOR_FAMILIES`). Look-alikes: `tests/scanners/text/test_pi_terse.py`.
"""

from __future__ import annotations

import unicodedata

from scanners.text.finding import Rule, rule

_START = r"(?:^|[.!?:;,¡¿]\s?|\n)"
"""A sentence opens here: where an imperative is told from a description."""
_END = r"\s?[.!?]*\s?$"
"""The text ends here (a short order is the whole text)."""


def _nfkc(pattern: str) -> str:
    return unicodedata.normalize("NFKC", pattern)


_NEVER_REFUSE = (
    # Spanish
    r"(?:no|nunca|jamás|jamas) te (?:niegues|resistas)(?: nunca| jamás| jamas)? a "
    r"(?:responder|contestar)(?: (?:nada|a nada|ninguna pregunta|mis preguntas))?" + _END,
    # French
    _START + r"ne (?:refuse|refuses|refusez) (?:jamais|plus|rien|aucune (?:question|demande))"
    r"(?: de (?:répondre|repondre))?(?: (?:à mes questions|a mes questions|à rien|a rien))?" + _END,
    # German
    _START + r"(?:verweigere|verweigre) (?:niemals |nie |nicht )?(?:die|eine|deine) antwort" + _END,
    r"\b(?:weigere|verweigere) dich (?:niemals|nie),? (?:zu antworten|mir zu helfen)\b",
    _START + r"lehne (?:niemals |nie )?(?:keine|keinen|nichts|keine meiner) (?:anfragen?|"
    r"fragen?|bitten?)?\s?ab" + _END,
    # Portuguese
    _START + r"(?:não|nao|nunca|jamais) (?:se |te )?recus(?:e|es)(?: nunca| jamais)? (?:a )?"
    r"(?:responder|atender|ajudar)" + _END,
    # Italian
    _START + r"(?:non|mai) (?:rifiutarti|rifiutare|ti rifiutare)(?: mai)? (?:di )?"
    r"(?:rispondere|aiutarmi)" + _END,
    # Russian
    r"(?:^|[.!?,;]\s?)(?:никогда )?не (?:отказывайся|отказывай мне)(?: никогда)?"
    r"(?: (?:отвечать|от ответа|помогать|мне|выполнять))?"
    r"(?: (?:на )?(?:мои |любые |какие-либо )?(?:вопросы|запросы|просьбы))?" + _END,
)
_NO_WARNINGS = (
    # Spanish: the imperative opens the sentence ("el servidor responde sin ..." passes)
    _START + r"(?:responde|contesta|respóndeme|respondeme|contéstame|contestame)(?: a todo| a "
    r"mis preguntas)? sin (?:ningún |ninguna |ningun )?(?:advertencias?|avisos?|descargos?|"
    r"disclaimers?|sermones|moralinas?)\b",
    # Russian
    _START + r"(?:ответь|ответьте)(?: мне)?[^.!?]{0,20}? без (?:каких-либо |всяких |любых "
    r"|каких-то )?(?:предупреждений|оговорок|дисклеймеров|нравоучений)",
    # Arabic
    _nfkc(
        r"(?:أجب|اجب|أجيبي|اجيبي|رد|ردّ|أجبني|اجبني)(?: على [^.!?؟]{0,20})? (?:دون|بدون|من "
        r"دون|من غير) (?:أي |اي )?(?:تحذير|تحذيرات|تنبيه|تنبيهات|إخلاء مسؤولية)"
    ),
    # Hindi
    _nfkc(
        r"बिना (?:किसी )?(?:चेतावनी|चेतावनियों|अस्वीकरण)(?: के)? (?:जवाब|उत्तर) "
        r"(?:दो|दीजिए|दें|देना)|(?:जवाब|उत्तर) (?:दो|दीजिए|दें)[^।.!?]{0,10}?बिना "
        r"(?:किसी )?(?:चेतावनी|अस्वीकरण)"
    ),
    # Chinese: "when answering, add no warning" with the verbs the earlier rule lacks
    r"(?:回答|回复|答复|回覆)(?:时|時|的时候|的時候)?(?:不要|别|別|不必|不用|无需|無需)"
    r"(?:加|带|帶|写|寫|附|给|給)(?:任何|上)?(?:警告|免责声明|免責聲明|提醒|说教|說教)",
)
_SHOW = (
    # Spanish
    _START + r"(?:muéstrame|muestrame|muestra|enséñame|ensename|dime|repite(?:me)?|escribe|"
    r"imprime|copia|revela(?:me)?|dame) (?:todas )?tus (?:instrucciones|indicaciones|consignas|"
    r"directrices)(?: (?:iniciales|originales|del sistema|ocultas|secretas))?(?: (?:palabra "
    r"por palabra|textualmente|exactamente|completas|tal cual))?" + _END,
    # French
    _START + r"(?:montre|montre-moi|affiche|répète|repete|répète-moi|donne-moi|écris|ecris|"
    r"recopie|révèle|revele|dis-moi|cite) (?:toutes )?tes (?:instructions|consignes|"
    r"directives)(?: (?:initiales|d'origine|système|systeme|cachées|cachees|secrètes|"
    r"secretes))?(?: (?:mot pour mot|textuellement|telles quelles|exactement|en entier))?" + _END,
    # German
    _START + r"(?:zeig|zeige|wiederhole|nenne|schreib|schreibe|verrate|gib)(?: mir)? (?:alle )?"
    r"deine (?:anweisungen|instruktionen|vorgaben|systemanweisungen|anfangsanweisungen|"
    r"systemnachricht|richtlinien)(?: (?:wörtlich|wortlich|vollständig|vollstandig|genau))?"
    r"(?: aus| wieder)?" + _END,
    # Portuguese
    _START + r"(?:mostre|mostra|mostre-me|me mostre|repita|repete|diga|me diga|escreva|revele|"
    r"imprima)(?: me)? (?:todas )?(?:as )?(?:suas|tuas) (?:instruções|instrucoes|diretrizes|"
    r"orientações|orientacoes)(?: (?:iniciais|originais|do sistema|ocultas|secretas))?"
    r"(?: (?:palavra por palavra|literalmente|exatamente|na íntegra))?" + _END,
    # Italian
    _START + r"(?:mostra|mostrami|ripeti|ripetimi|dimmi|scrivi|rivela|rivelami|stampa)"
    r"(?: tutte)?(?: le)? tue (?:istruzioni|direttive|indicazioni|consegne)(?: (?:iniziali|"
    r"originali|di sistema|nascoste|segrete))?(?: (?:parola per parola|alla lettera|"
    r"esattamente|per intero))?" + _END,
    # Russian
    _START + r"(?:покажи|выведи|повтори|напиши|скажи|раскрой|назови|перечисли)(?: мне)? "
    r"(?:все )?(?:свои|твои) (?:инструкции|указания|установки|директивы)(?: (?:дословно|"
    r"полностью|целиком))?" + _END,
    _START + r"(?:покажи|выведи|повтори|напиши)(?: мне)? (?:свое |своё |твое |твоё |свой |твой "
    r")?(?:системное сообщение|системный промпт|системные инструкции|системную подсказку)"
    r"(?: (?:дословно|полностью|целиком))?" + _END,
    # Arabic
    _nfkc(
        r"(?:اعرض|أعرض|أظهر|اظهر|أرني|ارني|اكتب|كرر)(?: لي)? (?:كل |جميع )?"
        r"(?:تعليماتك|إرشاداتك|ارشاداتك|أوامرك|اوامرك)"
    )
    + _END,
    # Hindi
    _nfkc(r"अपने (?:सभी |सारे )?(?:निर्देश|निर्देशों को|नियम) (?:दिखाओ|बताओ|दोहराओ|लिखो|दिखाइए|बताइए)")
    + _END,
)
_MINE_FIRST = (
    _START + r"(?:estas|esas|mis) (?:instrucciones|órdenes|ordenes) (?:tienen|toman) "
    r"(?:prioridad|precedencia)(?: (?:absoluta|máxima|maxima|sobre todo|sobre todas las "
    r"(?:anteriores|demás|demas)))?" + _END,
    _START + r"(?:ces|mes) (?:instructions|consignes) (?:sont prioritaires|ont (?:la )?"
    r"priorité|ont (?:la )?priorite|priment)(?: (?:absolue|sur tout|sur toutes les autres))?"
    + _END,
    _START + r"(?:diese|meine) (?:anweisungen|instruktionen|befehle) (?:haben|hat) (?:absoluten |"
    r"höchsten |hochsten )?(?:vorrang|priorität|prioritat)(?: (?:vor allem|vor allen anderen))?"
    + _END,
    _START + r"(?:estas|essas|minhas) (?:instruções|instrucoes|ordens) (?:têm|tem) "
    r"(?:prioridade|precedência|precedencia)(?: (?:absoluta|máxima|maxima|sobre tudo))?" + _END,
    _START + r"(?:queste|le mie) (?:istruzioni|direttive) (?:hanno|prendono) (?:la )?"
    r"(?:priorità|priorita|precedenza)(?: (?:assoluta|su tutto))?" + _END,
    _START + r"(?:эти|мои) (?:инструкции|указания|команды) (?:имеют|в) (?:высший |абсолютный )?"
    r"(?:приоритет|приоритете)(?: (?:над всем|над всеми остальными))?" + _END,
    _START + r"(?:эти|мои) (?:инструкции|указания|команды) (?:важнее|главнее) "
    r"(?:всего|всех|предыдущих|прежних)(?: остальных)?" + _END,
    _nfkc(r"(?:इन|मेरे) (?:निर्देशों|आदेशों) को (?:सबसे ऊपर |सर्वोच्च )?प्राथमिकता (?:दो|दें|दीजिए)") + _END,
)

_NEED_NEVER_REFUSE = (
    ("niegues", "resistas", "*ne refuse", "verweigere", "verweigre",
     "weigere", "lehne", "recuse", "recuses", "rifiutarti", "rifiutare", "отказывайся",
     "отказывай"),
)  # fmt: skip
_NEED_NO_WARNINGS = (
    ("sin", "без", "دون", "بدون", "غير", "*" + _nfkc("बिना"), "*回答", "*回复", "*答复",
     "*回覆"),
    ("advert*", "aviso*", "descargo*", "disclaimer*", "sermones", "moralina*", "предупреждений",
     "оговорок", "дисклеймеров", "нравоучений", "تحذير", "تحذيرات", "تنبيه", "تنبيهات",
     "مسؤولية", "*" + _nfkc("चेतावनी"), "*" + _nfkc("अस्वीकरण"),
     "*警告", "*免责", "*免責", "*提醒", "*说教", "*說教"),
)  # fmt: skip
_NEED_SHOW = (
    ("tus", "tes", "deine", "suas", "tuas", "tue", "свои", "твои", "системное", "системный",
     "системные", "системную", "تعليماتك", "إرشاداتك", "ارشاداتك", "أوامرك", "اوامرك",
     "*" + _nfkc("अपने")),
    ("instrucciones", "indicaciones", "consignas", "directrices", "instructions", "consignes",
     "directives", "anweisungen", "instruktionen", "vorgaben", "systemanweisungen",
     "anfangsanweisungen", "systemnachricht", "richtlinien", "instruções", "instrucoes",
     "diretrizes", "orientações", "orientacoes", "istruzioni", "direttive", "indicazioni",
     "consegne", "инструкции", "указания", "установки", "директивы", "сообщение", "промпт",
     "подсказку", "تعليماتك", "إرشاداتك", "ارشاداتك", "أوامرك", "اوامرك", "*" + _nfkc("निर्देश"),
     "*" + _nfkc("नियम")),
)  # fmt: skip
_NEED_MINE_FIRST = (
    ("prioridad", "precedencia", "prioritaires", "priorité", "priorite", "priment", "vorrang",
     "priorität", "prioritat", "prioridade", "precedência", "precedencia", "priorità",
     "priorita", "precedenza", "приоритет", "приоритете", "важнее", "главнее",
     "*" + _nfkc("प्राथमिकता")),
)  # fmt: skip

TERSE_WORLD_RULES: tuple[Rule, ...] = (
    rule("never_refuse_world", "|".join(_NEVER_REFUSE), need=_NEED_NEVER_REFUSE),
    rule("no_warnings_terse_world", "|".join(_NO_WARNINGS), need=_NEED_NO_WARNINGS),
    rule("show_yours_world", "|".join(_SHOW), need=_NEED_SHOW),
    rule("mine_first_world", "|".join(_MINE_FIRST), need=_NEED_MINE_FIRST),
)
