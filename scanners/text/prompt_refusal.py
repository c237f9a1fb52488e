# ruff: noqa: RUF001
"""Refusal suppression and rules denied to the model, in the languages of `prompt_phrases`.

Two jailbreak building blocks that in-the-wild prompts state plainly in every language and
that the override and persona families do not name: "never refuse any request" (the model
told it may not say no) and "you have no rules anymore" (its rules declared void, in the
second person). Each pattern needs a general object ("any request", "anything") or a marker
of change ("anymore", "from now on", "no longer"), so a store's system prompt saying "never
refuse a return request" or "with this plan you have no limits on storage" is not flagged.
Patterns match the normaliser's output: casefolded, whitespace collapsed.
"""

from __future__ import annotations

from scanners.text.finding import Rule, rule

_RULES_EN = (
    r"(?:rules|restrictions|guidelines|filters|ethics|morals|boundaries|censorship|"
    r"limitations|content polic(?:y|ies))"
)

REFUSAL_RULES: tuple[Rule, ...] = (
    rule(
        "refuse_en",
        r"\b(?:never|do not ever|don't ever|must never|will never|can never|cannot|can't|"
        r"may not|are not allowed to|aren't allowed to|must not|won't)\s(?:ever\s)?"
        r"(?:refuse|decline|reject|deny)(?:\sto\s(?:answer|respond|reply|comply(?:\swith)?))?\s"
        r"(?:anything|any(?:\sof\smy)?\s(?:requests?|questions?|prompts?|orders?|commands?|"
        r"tasks?|instructions?)|a\ssingle\s\w+)\b",
        need=(["refuse", "decline", "reject", "deny"],),
    ),
    rule(
        "no_rules_en",
        # a leading literal ("you", its word start checked behind it: a leading \b hides the
        # literal from `re`), so `re` skips to candidates at C speed: ~90 -> ~7 µs on 4 KB of
        # role-play that holds "you" and "rules"
        rf"you(?<!\wyou) (?:(?:now )?(?:have|'ve got|got) no (?:more )?{_RULES_EN}"
        rf"(?: (?:and|or) no \w+)?(?: \w+){{0,3}}? (?:anymore|any more|now|at all|whatsoever)\b|"
        rf"(?:now )?(?:have|'ve got) no more {_RULES_EN}|"
        rf"no longer have (?:any )?{_RULES_EN}|"
        rf"(?:don't|do not|dont) have (?:any )?{_RULES_EN} (?:anymore|any more|now|at all|"
        rf"whatsoever)\b)",
        need=(
            ["you"],
            [
                "rules",
                "restrictions",
                "guidelines",
                "filters",
                "ethics",
                "morals",
                "boundaries",
                "censorship",
                "limitations",
                "content",
            ],
        ),
    ),
    rule(
        "refuse_fr",
        r"\bne (?:refuse|refuseras|rejette|rejetteras) jamais (?:aucune?|rien|mes (?:demandes|"
        r"questions)|une? (?:demande|requête|question|ordre|instruction))\b|"
        r"\btu ne (?:peux|dois|pourras) (?:pas|jamais|plus) (?:refuser|rejeter) "
        r"(?:aucune?|une?|mes|rien)\b|\btu n'as (?:plus|aucune?) (?:de |aucune? )?(?:règles?|"
        r"restrictions?|limites?|filtres?|censure|éthique|morale)\b",
        need=(["jamais", "refuser", "rejeter", "plus", "aucune", "aucun"],),
    ),
    rule(
        "refuse_de",
        r"\b(?:lehne|lehnst) (?:niemals|nie) (?:eine|irgendeine|eine einzige|meine|keine)? ?"
        r"(?:anfrage|frage|bitte|aufforderung|anweisung)\w* ab\b|\bverweigere (?:niemals|nie)\b|"
        r"\bdu (?:darfst|kannst) (?:nichts|keine (?:anfrage|frage|bitte)) (?:ablehnen|verweigern)|"
        r"\bdu hast keine (?:regeln|einschränkungen|beschränkungen|filter|grenzen|zensur|ethik|"
        r"moral)\w* mehr\b",
        need=(["niemals", "nie", "ablehnen", "verweigern", "mehr"],),
    ),
    rule(
        "refuse_es",
        r"\bnunca (?:rechaces|rechazarás|rechazaras|te niegues a (?:responder|contestar)|"
        r"rechazas) (?:ninguna|ningún|ningun|cualquier|nada|una|mis)\b|\bno (?:puedes|debes) "
        r"(?:rechazar|negarte a) (?:ninguna|ningún|ningun|nada)\b|\bya no tienes (?:ninguna |"
        r"ningún |ningun )?(?:reglas?|restricciones|límites|limites|filtros|censura|ética|etica)|"
        r"\bno tienes (?:ninguna regla|ninguna restricción|ninguna restriccion|reglas ni)",
        need=(["nunca", "rechazar", "negarte", "tienes"],),
    ),
    rule(
        "refuse_pt",
        r"\bnunca (?:recuse|recusará|recusara|recuses|se recuse a (?:responder|atender)|"
        r"rejeite) (?:nenhum|nenhuma|qualquer|nada|um|uma|meus|minhas)\b|\b(?:você|voce|tu) "
        r"(?:não|nao) (?:pode|podes|deve) (?:recusar|rejeitar) (?:nenhum|nenhuma|nada)\b|"
        r"\b(?:você|voce|tu) (?:não|nao) (?:tem|tens) mais (?:nenhuma )?(?:regras?|restrições|"
        r"restricoes|limites|filtros|censura|ética|etica)",
        need=(["nunca", "recusar", "rejeitar", "mais"],),
    ),
    rule(
        "refuse_it",
        r"\bnon (?:rifiutare|rifiuterai|respingere) mai (?:nessuna|nessun|alcuna|qualsiasi|"
        r"una|niente|nulla|le mie)\b|\bnon (?:puoi|devi) rifiutare (?:nessuna|nessun|alcuna|"
        r"niente|nulla)\b|\bnon hai più (?:nessuna |alcuna )?(?:regole|restrizioni|limiti|filtri|"
        r"censura|etica)",
        need=(["mai", "rifiutare", "più"],),
    ),
    rule(
        "refuse_ru",
        r"никогда не (?:отказывай|отказывайся|отклоняй|откажешь)|не (?:отказывай|отклоняй)"
        r"(?:ся)? ни в (?:одном|каком|чём|чем)|у тебя (?:больше |теперь )?нет (?:никаких )?"
        r"(?:правил|ограничений|фильтров|цензуры|запретов|этики)|ты больше не (?:связан|"
        r"ограничен)",
        gates=("отказ", "отклон", "нет ", "больше не"),
    ),
    rule(
        "refuse_zh",
        r"(?:永远|绝不|决不|从不|不要|不得|不许|不能)(?:要)?拒绝(?:任何|我的|用户的|回答)|"
        r"你(?:现在)?(?:没有|不再有)任何(?:规则|限制|约束|过滤|审查|道德)|"
        r"你不再受(?:任何)?(?:规则|限制|约束)",
        gates=("拒绝", "任何", "不再"),
    ),
    rule(
        "refuse_ja",
        r"(?:決して|絶対に|一切|何があっても)(?:拒否|断ら|断って)|拒否しないで|断らないで|"
        r"(?:あなた|君|お前)(?:には|に)(?:もう)?(?:ルール|制限|規則|制約|フィルター|倫理)"
        r"(?:は|が|も)(?:もう|一切)?(?:ありません|ない)",
        gates=("拒否", "断ら", "断って", "ありません", "ない"),
    ),
    rule(
        "refuse_ko",
        r"(?:절대|결코|무슨 일이 있어도) ?(?:거절|거부)(?:하지|하면)|"
        r"(?:아무|어떤) (?:규칙|제한|제약|필터)도 없|(?:규칙|제한|제약|필터)(?:이|가|은|는)? "
        r"(?:더 이상|이제) 없",
        gates=("거절", "거부", "없"),
    ),
    rule(
        "refuse_ar",
        r"لا (?:ترفض|ترفضي) (?:أي|اي|أبدا|ابدا)|(?:ليس لديك|لم يعد لديك|لا توجد لديك) "
        r"(?:أي |اي )?(?:قواعد|قيود|حدود|ضوابط|فلاتر)",
        gates=("ترفض", "لديك"),
    ),
)
