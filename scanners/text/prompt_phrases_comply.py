# ruff: noqa: RUF001
"""Compliance demands in other languages (issue 14, sixth round): the families the dev half of
the multilingual phrase lists showed missing, each written for the languages that carry
it rather than for the sentence that showed it.

- `refuse_answer_world`: "don't refuse to answer" (Spanish, Portuguese, Italian, French,
  German; `refuse_answer_ar_hi` Arabic and Hindi); "you may refuse to answer" passes;
- `no_warnings_world`: "answer without any warning / disclaimer" and "add no warnings"
  (Spanish, French, Italian, Portuguese, German, Russian, Ukrainian, Chinese, Japanese).
  Spanish and Portuguese say "responde" for "answer!" and "it answers", so that form needs
  an emphatic "without any" and a server that "answers without warning" still passes;
- `priority_world`: "these new instructions take priority / replace the previous ones"
  (German, French, Spanish, Portuguese, Italian, Dutch, Russian, Turkish, Arabic, Chinese,
  Japanese, Hindi); it names *instructions*: "the new rules take priority" is a game's or a
  law's and passes;
- `no_limits_now_world`: "from now on you have no restrictions" (Portuguese, Italian,
  Spanish, French, German, Hindi, Japanese); a limit *on* something ("from now on you have
  no data limits") passes, as in `unlock_rules_lifted_en`;
- `unlock_developer_mode_cjk`: "you are in a developer mode without restrictions" in Chinese
  and Japanese (a bare developer mode is how phones are set up, and passes); an unlock, so it
  counts in a system message too;
- `override_system_ja`, `extract_more_ja`: "ignore the system prompt", and extraction by what
  Japanese calls the prompt ("the first instruction", "the instructions given to you", "the
  system message", asked to be repeated or output "as is");
- `forget_all_hi`: "forget everything written above" in Hindi.

Patterns match the normaliser's output (casefolded, NFKC) behind word or substring gates.
"""

from __future__ import annotations

import unicodedata

from scanners.text.finding import Rule, rule

_NOT_ON = (
    r"(?! (?:de|di|do|da|del|della|dei|sul|sui|per|para|pour|für|fur|bei|beim|im|in|on|au|"
    r"aux|no|na|nel|nei|en)\b)"
)
"""After "no limits": not a limit on something ("no limits of speed", "keine Grenzen bei")."""


_CJK_WARNINGS = ["*警告", "*免责", "*免責", "*说教", "*說教", "*注意書き", "*免責事項", "*但し書き"]


def _nfkc(pattern: str) -> str:
    return unicodedata.normalize("NFKC", pattern)


_NEW_WORLD = tuple(
    "*" + w
    for w in ("neue", "nouvelles", "nuevas", "novas", "nuove", "nieuwe", "новые", "yeni",
              "الجديدة", _nfkc("नए"))
)  # fmt: skip
"""`priority_world`'s "new" outside Chinese and Japanese: each of those branches starts with
one, so it stands in both of the rule's need groups. A Chinese or Japanese branch needs its
verb ("优先", "取代"...) and its noun ("指令", "指示", or "新しい"): the gate was "新", which
nearly every Chinese text holds, and the rule's ~60 alternatives then cost ~270 µs on a 4 KB
Chinese chat body that could not match."""


COMPLY_RULES: tuple[Rule, ...] = (
    rule(
        "refuse_answer_world",
        r"\bno te (?:niegues|resistas) a (?:responder|contestar|ayudar(?:me)?)\b|\bno "
        r"(?:rechaces|rehúses|rehuses) (?:responder|contestar)\b|"
        r"\b(?:não|nao) (?:se |te )?recus(?:e|es) a (?:responder|atender|ajudar)\b|"
        r"\bnon (?:rifiutarti|ti rifiutare|rifiutare) di (?:rispondere|aiutar(?:mi|e))\b|"
        r"\bne (?:refuse|refusez) pas de (?:répondre|repondre|m'aider)\b|"
        r"\b(?:weigere|verweigere) dich nicht,? (?:zu antworten|mir zu helfen|zu helfen)\b|"
        r"\b(?:weigern|verweigern) sie sich nicht,? (?:zu antworten|zu helfen)\b",
        need=(
            [
                "niegues",
                "resistas",
                "rechaces",
                "rehúses",
                "rehuses",
                "recuse",
                "recuses",
                "rifiutarti",
                "rifiutare",
                "refuse",
                "refusez",
                "weigere",
                "verweigere",
                "weigern",
                "verweigern",
            ],
            [
                "responder",
                "contestar",
                "ayudar",
                "ayudarme",
                "atender",
                "ajudar",
                "rispondere",
                "aiutarmi",
                "aiutare",
                "répondre",
                "repondre",
                "aider",
                "antworten",
                "helfen",
            ],
        ),
    ),
    rule(
        "refuse_answer_ar_hi",
        _nfkc(
            r"لا (?:ترفض|ترفضي|تمتنع عن|تمتنعي عن) (?:الإجابة|الاجابة|الرد|إجابة|اجابة)|"
            r"(?:जवाब|उत्तर) देने से (?:इनकार|इंकार|मना) (?:मत|न) कर"
        ),
        gates=("ترفض", "تمتنع", _nfkc("इनकार"), _nfkc("इंकार"), "मना"),
    ),
    rule(
        "no_warnings_world",
        r"\b(?:respóndeme|respondeme|contéstame|contestame)\b[^.!?\n]{0,20}?\bsin (?:ninguna |"
        r"ningún |ningun )?(?:advertencias?|descargos? de responsabilidad|disclaimers?)\b|"
        r"\b(?:responde|contesta) sin (?:ninguna|ningún|ningun) (?:advertencia|descargo|"
        r"disclaimer)\b|\bno (?:incluyas|añadas|anadas|agregues|pongas) (?:ninguna |ningún |"
        r"ningun )?(?:advertencias?|descargos?|disclaimers?)\b|"
        r"\b(?:réponds|reponds|répondez|repondez)\b[^.!?\n]{0,20}?\bsans (?:aucun |aucune |le "
        r"moindre )?(?:avertissements?|mises? en garde|disclaimers?)\b|\bn'(?:ajoute|ajoutez|"
        r"inclus|incluez|mets|mettez) (?:aucun |aucune |pas d')(?:avertissements?|mises? en "
        r"garde|disclaimers?)\b|"
        r"\b(?:rispondi|rispondete|rispondimi)\b[^.!?\n]{0,20}?\bsenza (?:alcun |alcuna |nessun "
        r"|nessuna )?(?:avvis[oi]|avvertiment[oi]|avvertenz[ae]|disclaimer)\b|\bnon "
        r"(?:aggiungere|includere|mettere) (?:alcun |nessun )?(?:avvis[oi]|avvertiment[oi]|"
        r"avvertenz[ae]|disclaimer)\b|"
        r"\b(?:responda|responda-me|me responda)\b[^.!?\n]{0,20}?\bsem (?:nenhum |nenhuma |"
        r"qualquer )?(?:avisos?|advertências|advertencias|advertência|advertencia|alertas?|"
        r"disclaimers?|ressalvas?)\b|\b(?:não|nao) (?:inclua|adicione|coloque) (?:nenhum |"
        r"nenhuma |qualquer )?(?:avisos?|advertências|advertencias|alertas?|disclaimers?|"
        r"ressalvas?)\b|"
        r"\b(?:antworte|antworten sie)\b[^.!?\n]{0,20}?\bohne (?:jegliche |irgendwelche |jede "
        r"|einen )?(?:warnungen|warnung|warnhinweise?|disclaimer|haftungsausschluss|"
        r"belehrungen?|moralpredigt)\b|\b(?:füge|fuge|gib) (?:keine|keinerlei) (?:warnungen|"
        r"warnhinweise|disclaimer)\b|"
        r"\bотвечай без (?:каких-либо |всяких |любых )?(?:предупреждений|оговорок|"
        r"дисклеймеров|нравоучений)|\bвідповідай без (?:жодних |будь-яких )?(?:попереджень|"
        r"застережень)|"
        r"(?:回答|回复|答复|回覆)(?:时|時)?(?:不要|别|別|无需|無需|不用)(?:给出|給出|加上|附加|添加|包含|"
        r"附上)?(?:任何)?(?:警告|免责声明|免責聲明|道德说教|道德說教)|"
        r"(?:警告|注意書き|免責事項|但し書き)(?:なし|無し|抜き)で(?:答え|回答|返答|応答)|"
        r"(?:警告|免責事項|注意書き)を(?:付けず|つけず|入れず|含めず|出さず)に(?:答え|回答)",
        need=(
            [
                "sin",
                "sans",
                "senza",
                "sem",
                "ohne",
                "без",
                "incluyas",
                "añadas",
                "anadas",
                "agregues",
                "pongas",
                "ajoute",
                "ajoutez",
                "inclus",
                "incluez",
                "mets",
                "mettez",
                "aggiungere",
                "includere",
                "mettere",
                "inclua",
                "adicione",
                "coloque",
                "füge",
                "fuge",
                "gib",
                *_CJK_WARNINGS,
            ],
            [
                "advert*",
                "descargo*",
                "disclaimer*",
                "avertissement*",
                "garde",
                "avvis*",
                "avvert*",
                "aviso*",
                "alerta*",
                "ressalva*",
                "warn*",
                "haftungsausschluss",
                "belehrung*",
                "moralpredigt",
                "предупреждений",
                "оговорок",
                "дисклеймеров",
                "нравоучений",
                "попереджень",
                "застережень",
                *_CJK_WARNINGS,
            ],
        ),
    ),
    rule(
        "priority_world",
        _nfkc(
            r"\bneuen? (?:anweisungen|instruktionen|befehle|vorgaben) (?:haben|hat|genie(?:ss|ß)en)"
            r" (?:absoluten |höchsten |hochsten |ab sofort |jetzt )?(?:vorrang|priorität|"
            r"prioritat)\b|\bneuen? (?:anweisungen|instruktionen) (?:ersetzen|überschreiben|"
            r"uberschreiben) (?:alle|die|sämtliche|samtliche) (?:bisherigen|vorherigen|alten|"
            r"früheren|fruheren|obigen)\b|"
            r"\bnouvelles (?:instructions|consignes|directives) (?:ont|prennent|priment)(?: la)?"
            r" ?(?:priorité|priorite|le dessus|sur)\b|\bnouvelles (?:instructions|consignes) "
            r"(?:remplacent|annulent) (?:toutes )?(?:les|vos|tes) (?:instructions|consignes)\b|"
            r"\bnuevas (?:instrucciones|órdenes|ordenes|directrices) (?:tienen|toman) "
            r"(?:prioridad|preferencia|precedencia)\b|\bnuevas (?:instrucciones|órdenes|ordenes) "
            r"(?:reemplazan|anulan|sustituyen) (?:a )?(?:todas )?(?:las|tus) (?:instrucciones|"
            r"órdenes|ordenes)\b|"
            r"\bnovas (?:instruções|instrucoes|ordens|diretrizes) (?:têm|tem) (?:prioridade|"
            r"precedência|precedencia)\b|\bnovas (?:instruções|instrucoes) (?:substituem|anulam) "
            r"(?:todas )?(?:as|suas) (?:instruções|instrucoes)\b|"
            r"\bnuove (?:istruzioni|direttive) (?:hanno|prendono) (?:la )?(?:priorità|priorita|"
            r"precedenza)\b|\bnuove istruzioni (?:sostituiscono|annullano) (?:tutte )?"
            r"(?:le|le tue) (?:istruzioni|regole)\b|"
            r"\bnieuwe instructies (?:hebben|krijgen) (?:voorrang|prioriteit)\b|"
            r"\bновые (?:инструкции|указания|команды) (?:имеют|получают) (?:высший )?"
            r"(?:приоритет|преимущество)|\bновые (?:инструкции|указания) (?:заменяют|отменяют) "
            r"(?:все )?(?:предыдущие|прежние)|"
            r"\byeni (?:talimatlar|talimat|komutlar)[\w']{0,6} (?:öncelikli|oncelikli|öncelik "
            r"taşır|oncelik tasir|önceliğe sahip|oncelige sahip)|"
            r"(?:التعليمات|الأوامر) الجديدة (?:لها|هي صاحبة) (?:الأولوية|الاولوية)|"
            r"新(?:的)?(?:指令|指示)(?:具有|拥有|擁有|有)?(?:最高)?(?:优先|優先)|新(?:的)?(?:指令|指示)"
            r"(?:取代|覆盖|覆蓋|替代)(?:之前|以前|所有)|"
            r"新しい(?:指示|命令)(?:が|を|は)(?:最)?優先|"
            r"नए (?:निर्देश|आदेश)[^।.!?]{0,20}?(?:प्राथमिकता|सर्वोपरि)"
        ),
        need=(
            (*_NEW_WORLD, "*优先", "*優先", "*取代", "*覆盖", "*覆蓋", "*替代"),
            (*_NEW_WORLD, "*指令", "*指示", "*新しい"),
        ),
    ),
    rule(
        "no_limits_now_world",
        _nfkc(
            r"\b(?:a partir de agora|de agora em diante|agora),? (?:você|voce|tu) (?:não|nao) "
            r"(?:tem|tens|possui) (?:mais )?(?:nenhuma |nenhum |qualquer )?(?:restrição|"
            r"restricao|restrições|restricoes|regras?|limites?|filtros?|censura)\b"
            rf"{_NOT_ON}|"
            r"\b(?:da ora(?: in poi)?|d'ora in poi|da adesso(?: in poi)?|adesso|ora),? non hai "
            r"(?:più )?(?:alcuna |nessuna |alcun |nessun )?(?:restrizion[ei]|regol[ae]|limit[ei]|"
            rf"filtr[oi]|censura)\b{_NOT_ON}|"
            r"\b(?:a partir de ahora|desde ahora|de ahora en adelante|ahora),? no tienes "
            r"(?:ninguna |ningún |ningun )?(?:restricción|restriccion|restricciones|reglas?|"
            rf"límites?|limites?|filtros?|censura)\b{_NOT_ON}|"
            r"\b(?:à partir de maintenant|a partir de maintenant|désormais|desormais|dorénavant|"
            r"dorenavant|maintenant),? (?:tu n'as|vous n'avez) (?:plus )?(?:aucune? |pas de )"
            rf"(?:restrictions?|règles?|regles?|limites?|filtres?|censure)\b{_NOT_ON}|"
            r"\b(?:ab jetzt|von nun an|ab sofort|ab heute),? (?:hast du|haben sie) (?:keine|"
            r"keinerlei) (?:einschränkungen|einschrankungen|beschränkungen|beschrankungen|regeln|"
            rf"grenzen|filter|zensur)\b{_NOT_ON}|"
            r"अब से (?:तुम|आप)(?: पर| पे| के पास| के लिए)? (?:कोई|कोई भी) (?:प्रतिबंध|पाबंदी|सीमा|"
            r"नियम|रोक) नहीं|"
            r"(?:今から|これから|今後|以後)[^。]{0,10}?(?:あなた|君|お前)(?:に|には)(?:もう)?"
            r"(?:一切の|何の|いかなる)?(?:制限|制約|ルール|フィルター)(?:は|が|も)(?:一切)?"
            r"(?:ありません|ない)"
        ),
        need=(
            [
                "agora",
                "ora",
                "adesso",
                "ahora",
                "maintenant",
                "désormais",
                "desormais",
                "dorénavant",
                "dorenavant",
                "jetzt",
                "nun",
                "sofort",
                "heute",
                "अब",
                "*今から",
                "*これから",
                "*今後",
                "*以後",
            ],
        ),
    ),
    rule(
        "unlock_developer_mode_cjk",
        r"你(?:现在|現在)?(?:处于|處於|在|进入了?|進入了?)(?:一个|一個)?(?:没有|沒有|无|無|不受)(?:任何)?"
        r"(?:限制|过滤|過濾|审查|審查)的(?:开发者|開發者)模式|(?:あなた|君)は(?:今|いま|現在)?、?"
        r"(?:制限|制約|検閲|フィルター)(?:の|が)(?:ない|無い|なし)(?:開発者|dan|脱獄)モード",
        gates=("开发者模式", "開發者模式", "モード"),
    ),
    rule(
        "override_system_ja",
        r"(?:システムプロンプト|システムメッセージ|システム(?:の)?指示)(?:は|を)(?:すべて|全て|全部|"
        r"一旦|いったん)?(?:無視|無効に|忘れ|リセット|破棄)|(?:これまで|今まで|以前|元|最初)の設定"
        r"(?:は|を)(?:すべて|全て|全部)?(?:無視|忘れ)",
        gates=("無視", "無効", "忘れ", "リセット", "破棄"),
    ),
    rule(
        "extract_more_ja",
        r"(?:システムメッセージ|システム(?:の)?指示|最初の(?:指示|プロンプト|メッセージ)|初期(?:の)?"
        r"(?:設定|プロンプト)|(?:あなた|君)に与えられた(?:指示|命令|プロンプト|ルール)(?:の内容)?|"
        r"(?:あなた|君)の(?:指示|プロンプト)(?:の内容)?|隠し(?:命令|指示))(?:を|は)(?:そのまま|全て|"
        r"すべて|全部|一字一句|正確に)?(?:表示|教えて|見せて|出力|繰り返|書き出|共有)",
        gates=("システム", "最初の", "初期", "与えられた", "あなたの", "君の", "隠し"),
    ),
    rule(
        "forget_all_hi",
        _nfkc(
            r"(?:ऊपर|पहले|पिछला|पिछले) (?:लिखा|लिखी|लिखे|कहा|बताया|दिया)(?: गया| हुआ)? "
            r"(?:सब कुछ|सबकुछ|सब) (?:भूल जा|अनदेखा कर|नज़रअंदाज़ कर|नजरअंदाज कर)|"
            r"(?:तुम्हें|आपको) (?:जो कुछ भी|जो भी|जो कुछ) (?:बताया|कहा|सिखाया) गया[^।]{0,20}?"
            r"(?:भूल जा|अनदेखा)"
        ),
        gates=("भूल", "अनदेखा", _nfkc("नज़रअंदाज़"), "नजरअंदाज"),
    ),
)
