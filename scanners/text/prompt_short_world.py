# ruff: noqa: RUF001
"""prompt_injection: the short English overrides of `prompt_short` in French, German,
Spanish, Portuguese, Italian and Russian (issue 14, tenth round — short phrases).

The other languages' families (`prompt_phrases*`) know "ignore the previous instructions" and
"show your system prompt" but missed, on phrasings written for this module, every one of
three grammars that `prompt_short` carries in English:

    LIMITS_OFF = IMPERATIVE_2SG (remove | disable | lift) [all] YOUR_2SG LIMITS
    STANDING   = FROM_NOW_ON [you] NEVER_REFUSE
    MAKER      = "I am your" MAKER ... AUTHORIZE

The verb is the informal imperative (supprime, entferne, elimina, remova, rimuovi, убери) and
the possessive the informal one (tes, deine, tus, tuas/suas, tue, свои/твои): that is how a
user talks to a chatbot, while software, whose catalogues say "Désactiver les filtres",
"Entfernen Sie Ihre Filter", addresses the reader formally or not at all. None of 572,465
gettext messages on this machine (`/usr/share/locale/{fr,de,es,pt,it,ru,...}`) matches.
"Je suis ton créateur" alone is Frankenstein; MAKER needs the authorization after it. None
counts in a system message (`OPERATOR_FAMILIES`). Look-alikes:
`tests/scanners/text/test_pi_short_overrides.py`.
"""

from __future__ import annotations

from scanners.text.finding import Rule, rule

_LIMITS_OFF = (
    # French
    r"\b(?:supprime|enlève|enleve|retire|désactive|desactive|lève|leve|abandonne) (?:toutes |"
    r"tous )?(?:tes|vos) (?:restrictions|limites|limitations|filtres|règles|regles|garde-fous|"
    r"consignes|principes|censures?|protections)\b",
    # German
    r"\b(?:entferne|deaktiviere|lösche|losche|loesche|beseitige|streiche) (?:alle )?(?:deine) "
    r"(?:einschränkungen|einschrankungen|beschränkungen|beschrankungen|filter|"
    r"sicherheitsfilter|regeln|richtlinien|grenzen|schutzmaßnahmen|zensur)\b|"
    r"\bschalte (?:alle )?deine (?:\w+)?filter aus\b",
    # Spanish
    r"\b(?:elimina|quita|desactiva|suprime|retira|abandona) (?:todas |todos )?(?:tus) "
    r"(?:restricciones|filtros|reglas|límites|limites|limitaciones|directrices|salvaguardas|"
    r"barreras|censuras?)\b",
    # Portuguese
    r"\b(?:remova|retire|desative|desativa|desligue|desliga|elimine|abandone) (?:todas |todos )?"
    r"(?:as |os )?(?:suas|seus|tuas|teus) (?:restrições|restricoes|regras|filtros|limites|"
    r"limitações|limitacoes|diretrizes|salvaguardas|censuras?)\b",
    # Italian
    r"\b(?:rimuovi|elimina|disattiva|togli|abbandona) (?:tutte |tutti )?(?:le |i )?(?:tue|tuoi) "
    r"(?:restrizioni|regole|filtri|limiti|limitazioni|linee guida|protezioni|censure)\b",
    # Russian
    r"(?:убери|удали|отключи|сними|отмени) (?:все )?(?:свои|твои) (?:ограничения|фильтры|"
    r"правила|запреты|рамки|цензуру)",
)
_STANDING = (
    r"(?:à partir de maintenant|a partir de maintenant|désormais|desormais|dorénavant|"
    r"dorenavant),? (?:tu ne refuses? (?:plus|jamais|rien)|ne refuse (?:plus|jamais|rien)|tu ne "
    r"refuseras (?:plus|jamais|rien))|"
    r"(?:ab jetzt|ab sofort|von nun an),? (?:lehnst du nichts(?: mehr)? ab|lehne nichts"
    r"(?: mehr)? ab|verweigerst du nichts|verweigere nichts|lehnst du nie)|"
    r"(?:a partir de ahora|desde ahora|de ahora en adelante),? (?:no rechaces|no te niegues|"
    r"nunca rechaces|nunca te niegues)|"
    r"(?:a partir de agora|de agora em diante|daqui em diante),? (?:não recuse|nao recuse|"
    r"nunca recuse|não se recuse|nao se recuse)|"
    r"(?:d'ora in poi|da ora in poi|da adesso in poi|da adesso),? (?:non rifiutare|non "
    r"rifiuterai|non rifiutarti)|"
    r"(?:отныне|с этого момента|теперь),? (?:ты )?(?:никогда )?не отказывай"
)
_MAKER = (
    r"je suis ton (?:créateur|createur|développeur|developpeur|administrateur|concepteur)\b"
    r"[^.!?]{0,40}?\b(?:autorise|ordonne|permets|accorde)|"
    r"ich bin dein (?:entwickler|schöpfer|schopfer|administrator|ersteller)\b[^.!?]{0,40}?\b"
    r"(?:erlaube|befehle|autorisiere|gestatte)|"
    r"soy tu (?:desarrollador|creador|administrador|programador)\b[^.!?]{0,40}?\b(?:autorizo|"
    r"ordeno|permito)|"
    r"sou (?:o )?(?:seu|teu) (?:desenvolvedor|criador|administrador|programador)\b[^.!?]{0,40}?"
    r"\b(?:autorizo|ordeno|permito)|"
    r"sono il tuo (?:sviluppatore|creatore|amministratore|programmatore)\b[^.!?]{0,40}?\b"
    r"(?:autorizzo|ordino|permetto)|"
    r"я твой (?:создатель|разработчик|администратор)[^.!?]{0,40}?(?:разрешаю|приказываю|велю)"
)

_NEED_LIMITS_OFF_WORLD = (
    ("tes", "vos", "deine", "tus", "suas", "seus", "tuas", "teus", "tue", "tuoi", "свои",
     "твои"),
    ("supprime", "enlève", "enleve", "retire", "désactive", "desactive", "lève", "leve",
     "abandonne", "entferne", "deaktiviere", "lösche", "losche", "loesche", "beseitige",
     "streiche", "schalte", "elimina", "quita", "desactiva", "suprime", "retira", "abandona",
     "remova", "desative", "desativa", "desligue", "desliga", "elimine", "abandone", "rimuovi",
     "disattiva", "togli", "abbandona", "убери", "удали", "отключи", "сними", "отмени"),
)  # fmt: skip
_NEED_STANDING_UNLOCK_WORLD = (
    ("*refus", "*lehn", "*verweiger", "*rechac", "*niegues", "*recuse", "*rifiut",
     "*отказыв"),
    ("*partir de", "désormais", "desormais", "dorénavant", "dorenavant", "*ab jetzt",
     "*ab sofort", "*von nun an", "*desde ahora", "*de ahora en", "*de agora em", "*daqui em",
     "*d'ora in", "*da ora in", "*da adesso", "отныне", "*с этого момента", "теперь"),
)  # fmt: skip
_NEED_MAKER_AUTHORITY_WORLD = (
    ("*autoris", "*ordonn", "*permets", "*accorde", "*erlaube", "*befehle", "*gestatte",
     "*autoriz", "*ordeno", "*permito", "*ordino", "*permetto", "*разрешаю", "*приказываю",
     "*велю"),
    ("suis", "bin", "soy", "sou", "sono", "я"),
)  # fmt: skip

SHORT_WORLD_RULES: tuple[Rule, ...] = (
    rule(
        "limits_off_world",
        "|".join(_LIMITS_OFF),
        need=_NEED_LIMITS_OFF_WORLD,
    ),
    rule(
        "standing_unlock_world",
        _STANDING,
        need=_NEED_STANDING_UNLOCK_WORLD,
    ),
    rule(
        "maker_authority_world",
        _MAKER,
        need=_NEED_MAKER_AUTHORITY_WORLD,
    ),
)
