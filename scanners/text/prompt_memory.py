# ruff: noqa: RUF001
"""prompt_injection: memory poisoning — an order planted in the assistant's memory so that it
holds in later conversations (issue 14, seventh round).

The family's GRAMMAR, written from the attack class (assistants with a persistent memory, an
agent's notes, a user profile the model reads back) before the dev texts were read, and
checked against the dev halves of promptwl's memory-and-session-poisoning list,
AgentThreatBench's memory_poison scenarios and the multi-turn set-ups of jailbreak-arena:

- the ACTOR is the assistant's persistence: its memory ("long-term memory", "your notes",
  "the user profile", "core memory"), or a scope that outlives the conversation ("for all
  future conversations", "in every session", "from now on", "permanently");
- the VERB stores: remember, memorise, save, store, record, note, add, write, commit,
  persist, update, keep in mind;
- the OBJECT is what makes it an attack rather than a preference: an override or unlock
  (ignore / skip / bypass the rules, checks, confirmations; no restrictions; never refuse;
  always comply; pre-approved), a privilege the speaker grants himself ("I am your developer",
  "this user has admin access"), a standing leak ("always send a copy to ...", "reveal your
  system prompt"), or a deictic instruction stored to be obeyed later without being asked
  ("save this instruction and always follow it", "recall this instruction automatically").

`memory_poison_en` is that grammar in English; `memory_poison_world` in Spanish, French,
German, Portuguese, Italian, Russian, Chinese and Japanese, where the object may come before
the verb (Japanese and German put the verb last), so the rule anchors on the store-in-memory
phrase and looks for the object in the same sentence-window on either side
(`_object_near`). A preference stored in memory ("remember for all future conversations that
I prefer metric units", "save this to memory: my daughter's birthday is May 3", "remember to
water the plants tomorrow", PersistBench's `<memories>` blocks) passes: it has no object of
the family. Look-alikes in `tests/scanners/text/test_pi_memory.py`.
"""

from __future__ import annotations

import re

from scanners.text.finding import Memo, Rule, rule
from scanners.text.prompt_direct import phrases

_STORE_EN = (
    r"(?:remember|memori[sz]e|save|store|record|note|add|write|commit|persist|put|log|keep|"
    r"update|set)"
)
_MEMORY_EN = (
    r"(?:(?:to|in|into|on|as) (?:your |the |my )?(?:(?:long[- ]term|permanent|persistent|core|"
    r"global|user|saved|internal) )?(?:memory|memories|notes|user profile|profile notes|"
    r"knowledge base)|in mind|"
    r"for (?:all|every|any|each) (?:future|later|subsequent|upcoming|following|next) "
    r"(?:conversations?|chats?|sessions?|interactions?|requests?|turns?|prompts?|messages?|"
    r"tasks?)|"
    r"(?:in|across) (?:all|every|each|any) (?:future |later |subsequent )?(?:conversations?|"
    r"chats?|sessions?|interactions?))"
)
_TIME_EN = (
    r"(?:from now on|going forward|henceforth|permanently|forever|for good|whenever|every time|"
    r"each time)"
)
_OBJECT_EN = (
    r"(?:(?:ignore|disregard|bypass|skip|override|disable|turn off|circumvent|suspend|drop) "
    r"(?:all |any |every |the |your |my |its )?(?:\w+ ){0,2}?(?:rules?|instructions?|"
    r"guidelines?|safety|filters?|restrictions?|polic(?:y|ies)|verifications?|"
    r"confirmations?|approvals?|guardrails?|moderation|safeguards?)|"
    r"(?:with no|without(?: any)?|no) (?:restrictions|limits|filters|rules|guidelines|"
    r"censorship|confirmation|verification|approval|safety checks?)|"
    r"unrestricted|uncensored|unfiltered|jailbroken|"
    r"never (?:refuse|decline|say no|ask for (?:confirmation|approval|verification))|"
    r"always (?:comply|obey|agree|say yes)|pre-?approved|pre-?authori[sz]ed|"
    r"(?:treat|consider|regard) (?:all |every |any )?(?:of )?(?:my|this user's|the user's|"
    r"their) (?:\w+ )?(?:requests?|messages?|commands?|instructions?) as (?:approved|"
    r"authori[sz]ed|trusted|safe|verified|coming from)|"
    r"(?:i am|i'm|the user is|this user is|they are|he is|she is) (?:your|the) (?:developer|"
    r"creator|owner|admin|administrator|operator|maker|programmer)s?|"
    r"(?:i|the user|this user|this account|my account|they) (?:ha(?:ve|s)|(?:is|am|are) "
    r"granted|(?:was|were) granted) (?:\w+ )?(?:admin(?:istrator)?(?:[- ]level)?|root|"
    r"superuser|elevated|unrestricted|full|developer|god[- ]mode) (?:access|privileges?|"
    r"permissions?|rights|clearance)|"
    r"(?:reveal|disclose|share|leak|print|output) (?:your |the )?(?:system prompt|hidden "
    r"instructions|api keys?|passwords?|secrets?|credentials)|"
    r"(?:send|forward|copy|bcc|cc|email|e-mail|post|upload|exfiltrate) (?:a copy of )?"
    r"(?:all|every|each|the|any) [^.\n]{0,40}?\bto (?:\S+@\S+|https?://))"
)
_DEICTIC_EN = (
    r"\b(?:save|store|remember|memori[sz]e|add|write|commit|keep|persist|record)\b (?:this|"
    r"these|the following|the next|my) (?:instructions?|rules?|directives?|commands?|orders?)"
    r"\b[^.\n]{0,50}?\b(?:and|then|to)\b (?:then )?(?:always |automatically |silently )?"
    r"(?:follow|obey|execute|apply|run|recall|enforce) (?:it|them|this|these)\b"
    r"[^.\n]{0,50}?\b(?:from now on|going forward|in (?:all|every) (?:future )?"
    r"(?:conversations?|sessions?|chats?)|forever|permanently|every time|always|"
    r"automatically|without (?:being asked|asking|prompting|telling))\b|"
    r"\b(?:always |automatically |silently )?(?:recall|re-?apply|re-?load|execute|follow|"
    r"obey|apply) (?:this|these|the (?:above|following|stored|saved)) (?:instructions?|rules?|"
    r"directives?|commands?|orders?) (?:automatically|silently|every time|without (?:being "
    r"asked|asking|prompting|telling|confirmation))\b"
)

_NEED_EN = (
    (
        "remember", "memorize", "memorise", "save", "store", "record", "note", "add", "write",
        "commit", "persist", "put", "log", "keep", "update", "set", "recall", "reapply",
        "reload", "execute", "follow", "obey", "apply", "previous", "last", "earlier", "prior",
        "past",
    ),
    (
        *phrases(("to ", "in ", "into ", "on ", "as "), ("your ", "the ", "my ", ""),
                 ("memory", "memories", "notes", "user profile", "profile notes",
                  "knowledge base", "long-term", "long term", "permanent", "persistent", "core",
                  "global", "saved", "internal")),
        *phrases(("future ", "later ", "subsequent ", "upcoming ", "following ", "next "),
                 ("conversation", "chat", "session", "interaction", "request", "turn", "prompt",
                  "message", "task")),
        *phrases((" all ", " every ", " each ", " any "),
                 ("conversation", "chat", "session", "interaction")),
        *phrases(("previous ", "last ", "earlier ", "prior ", "first ", "past "),
                 ("conversation", "session", "chat", "interaction", "exchange")),
        *phrases(("your ", "the "), ("memory", "memories", "notes", "user profile",
                                     "long-term", "long term", "permanent", "persistent",
                                     "core memory", "saved", "stored")),
        "*in mind", "*from now on", "*going forward", "*henceforth", "*permanently",
        "*forever", "*for good", "*whenever", "*every time", "*each time", "*automatically",
        "*silently", "*without being asked", "*without asking",
    ),
    (
        "ignore", "disregard", "bypass", "skip", "override", "disable", "turn", "circumvent",
        "suspend", "drop", "without", "no", "unrestricted", "uncensored", "unfiltered",
        "jailbroken", "never", "always", "preapproved", "pre", "treat", "consider", "regard",
        "developer", "creator", "owner", "admin", "administrator", "operator", "maker",
        "programmer", "root", "superuser", "elevated", "reveal", "disclose", "leak",
        "send", "forward", "bcc", "exfiltrate", "follow", "obey", "execute", "recall",
        "automatically",
    ),
)  # fmt: skip

# Other languages: (store-in-memory anchor, object) per language; the object may stand before
# or after the anchor within the same stretch of text (`_object_near`).
_WORLD: tuple[tuple[str, str], ...] = (
    (  # es
        r"\b(?:recuerda|recuerde|recordá|memoriza|memorice|guarda|guarde|almacena|almacene|"
        r"anota|anote|graba|grabe|registra|registre)\b[^.\n]{0,60}?(?:en (?:tu|su) memoria|"
        r"para (?:todas|cada una de) las (?:futuras )?conversaciones|en (?:todas|cada una de) "
        r"las (?:futuras )?conversaciones|de ahora en adelante|a partir de ahora|para siempre|"
        r"permanentemente)",
        r"\b(?:ignora|ignore|ignorar|omite|omita|omitir|salta|salte|desactiva|desactive|"
        r"desactivar|evita|evite)\b|\bsin (?:ninguna )?(?:restricci[óo]n|restricciones|filtros?|"
        r"l[íi]mites?|reglas|censura|confirmaci[óo]n|verificaci[óo]n)\b|\b(?:soy|es) (?:tu|su) "
        r"(?:desarrollador|creador|administrador|due[ñn]o)\b|\bacceso de (?:administrador|"
        r"root)\b|\bnunca (?:te )?(?:niegues|rechaces|rechace)\b|\bsiempre (?:obedece|obedezca|"
        r"cumple|cumpla)\b|\bpre-?aprobad[ao]s?\b",
    ),
    (  # fr
        r"\b(?:souviens-toi|souvenez-vous|rappelle-toi|rappelez-vous|retiens|retenez|"
        r"m[ée]morise|m[ée]morisez|enregistre|enregistrez|sauvegarde|sauvegardez|garde|gardez|"
        r"note|notez|ajoute|ajoutez)\b[^.\n]{0,60}?(?:(?:dans|en) (?:ta|votre) m[ée]moire|pour "
        r"toutes les (?:futures )?conversations|dans toutes les (?:futures )?conversations|"
        r"d[ée]sormais|[àa] partir de maintenant|pour toujours|d[ée]finitivement|de fa[çc]on "
        r"permanente)",
        r"\b(?:ignore|ignorez|ignorer|contourne|contournez|d[ée]sactive|d[ée]sactivez|saute|"
        r"sautez|passe outre)\b|\bsans (?:aucune )?(?:restrictions?|filtres?|limites?|r[èe]gles|"
        r"censure|confirmation|v[ée]rification)\b|\b(?:je suis|il est) (?:ton|votre) "
        r"(?:d[ée]veloppeur|cr[ée]ateur|administrateur|propri[ée]taire)\b|\bacc[èe]s "
        r"(?:administrateur|root)\b|\bne (?:refuse|refusez) jamais\b|\bob[ée]is(?:sez)? "
        r"toujours\b|\bpr[ée]-?approuv[ée]e?s?\b",
    ),
    (  # de
        r"\b(?:merke dir|merk dir|merken sie sich|speichere|speicher|speichern sie|notiere|"
        r"notieren sie|behalte|behalten sie|schreibe?|hinterlege)\b[^.\n]{0,60}?(?:(?:in|im) "
        r"(?:deinem |ihrem |dein |deinen )?(?:ged[äa]chtnis|speicher|langzeitged[äa]chtnis|"
        r"langzeitspeicher)|f[üu]r alle (?:zuk[üu]nftigen|k[üu]nftigen|weiteren|sp[äa]teren) "
        r"(?:gespr[äa]che|unterhaltungen|chats|sitzungen)|ab (?:jetzt|sofort)|dauerhaft|"
        r"f[üu]r immer|von nun an)|"
        r"(?:ged[äa]chtnis|speicher|langzeitged[äa]chtnis|f[üu]r alle (?:zuk[üu]nftigen|"
        r"k[üu]nftigen) (?:gespr[äa]che|sitzungen))[^.\n]{0,60}?\b(?:merken|speichern|"
        r"notieren|behalten|hinterlegen)\b",
        r"\b(?:ignoriere|ignorieren|umgehe|umgehen|deaktiviere|deaktivieren|[üu]berspringe|"
        r"[üu]berspringen)\b|\bohne (?:jede |jegliche )?(?:einschr[äa]nkungen?|filter|regeln|"
        r"best[äa]tigung|grenzen|zensur|pr[üu]fung)\b|\b(?:ich bin|er ist|sie ist) (?:dein|ihr) "
        r"(?:entwickler|sch[öo]pfer|administrator|besitzer)\b|\b(?:admin|administrator|root)"
        r"-?(?:rechte|zugriff)\b|\b(?:lehne|lehnen sie) (?:nie|niemals)\b|\bniemals ablehnen\b|"
        r"\bimmer (?:gehorchen|befolgen|gehorche)\b|\bvorab genehmigt\b",
    ),
    (  # pt
        r"\b(?:lembre-se|lembra-te|lembre|lembra|memorize|memoriza|guarde|guarda|salve|salva|"
        r"armazene|armazena|anote|anota|grave|grava|registre|registra)\b[^.\n]{0,60}?(?:na "
        r"(?:sua|tua) mem[óo]ria|(?:em|para) todas as (?:futuras )?conversas|de agora em "
        r"diante|a partir de agora|para sempre|permanentemente)",
        r"\b(?:ignore|ignora|ignorar|contorne|contorna|desative|desativa|desativar|pule|pula)\b|"
        r"\bsem (?:nenhuma )?(?:restri[çc][õo]es|restri[çc][ãa]o|filtros?|limites?|regras|"
        r"censura|confirma[çc][ãa]o|verifica[çc][ãa]o)\b|\b(?:sou|[ée]) (?:o )?(?:seu|teu) "
        r"(?:desenvolvedor|criador|administrador|dono)\b|\bacesso de (?:administrador|root)\b|"
        r"\bnunca (?:recuse|recusa|se recuse)\b|\bsempre (?:obede[çc]a|obedece|cumpra)\b|"
        r"\bpr[ée]-?aprovad[oa]s?\b",
    ),
    (  # it
        r"\b(?:ricorda|ricordati|ricordatevi|memorizza|memorizzate|salva|salvate|archivia|"
        r"annota|annotate|registra)\b[^.\n]{0,60}?(?:nella tua memoria|nella memoria|in (?:tutte "
        r"le|ogni) (?:future |prossime )?conversazion[ei]|per tutte le (?:future )?"
        r"conversazioni|d'ora in poi|da ora in poi|da adesso in poi|per sempre|in modo "
        r"permanente)",
        r"\b(?:ignora|ignorare|aggira|aggirare|disattiva|disattivare|salta|saltare)\b|"
        r"\bsenza (?:alcuna )?(?:restrizioni|restrizione|filtri|limiti|regole|censura|conferma|"
        r"verifica)\b|\b(?:sono|[èe]) il (?:tuo|suo) (?:sviluppatore|creatore|amministratore|"
        r"proprietario)\b|\baccesso (?:da )?(?:amministratore|root)\b|\bnon rifiutare mai\b|"
        r"\bobbedisci sempre\b|\bpre-?approvat[ei]\b",
    ),
    (  # ru
        r"(?:запомни|запомните|сохрани|сохраните|запиши|запишите|занеси|занесите)[^.\n]{0,60}?"
        r"(?:в (?:свою |твою |вашу |долговременную |постоянную )*памят[ьи]|(?:во|для) всех "
        r"(?:будущих |последующих |следующих )?(?:разговор|бесед|диалог|сесси|чат)\w*|отныне|"
        r"с этого момента|навсегда|впредь|теперь всегда)",
        r"игнорир\w*|обход\w*|отключ\w*|пропуска\w*|\bбез (?:каких-либо |всяких )?"
        r"(?:ограничений|фильтров|правил|подтверждени[яй]|проверки|цензуры)|\bя (?:твой|ваш) "
        r"(?:разработчик|создатель|администратор|владелец)|прав\w* администратора|"
        r"(?:админ|root)[- ]?доступ|никогда не отказывай|всегда подчиняйся|всегда выполняй",
    ),
    (  # zh
        r"(?:记住|记下|牢记|记得|保存|存入|写入|存到|加入)[^。\n]{0,40}?(?:你的记忆|记忆中|记忆里|"
        r"长期记忆|以后(?:的)?所有|今后(?:的)?所有|之后(?:的)?所有|所有(?:未来|以后|今后)的?"
        r"(?:对话|会话)|从现在(?:起|开始)|永久|永远)|"
        r"(?:以后|今后|之后|未来)(?:的)?(?:所有|每次|每一次)(?:的)?(?:对话|会话|聊天)[^。\n]{0,40}?"
        r"(?:记住|牢记|记得)",
        r"忽略|无视|绕过|跳过|关闭|禁用|没有(?:任何)?限制|不受(?:任何)?限制|无限制|管理员|"
        r"你的(?:开发者|创造者|主人)|永远不要拒绝|不要拒绝|总是服从|无需确认|不需要确认|已批准|"
        r"系统提示",
    ),
    (  # ja
        r"(?:覚えて|覚えと|記憶して|記憶しておいて|保存して|メモして|記録して|登録して)[^。\n]{0,10}|"
        r"(?:今後|これから(?:ずっと)?|以降|次回以降|永久に|ずっと)[^。\n]{0,40}?(?:覚えて|記憶|保存|"
        r"メモ|記録)",
        r"無視|回避|無効|スキップ|制限(?:なし|のない|なく|を解除|(?:が|は)?(?:ない|ありません))|管理者|開発者|拒否しない|断らない|"
        r"常に従|承認済み|確認(?:なし|せず|不要)|システムプロンプト",
    ),
)
_SCOPE_WORLD = re.compile(
    r"(?:memoria|m[ée]moire|ged[äa]chtnis|speicher|mem[óo]ria|памят|记忆|記憶|"
    r"conversaciones|conversations|gespr[äa]che|sitzungen|conversas|conversazion|разговор|"
    r"бесед|диалог|сесси|对话|会話|今後|これから|以降|永久|ずっと|永远|"
    r"ahora en adelante|a partir de ahora|para siempre|permanentemente|d[ée]sormais|"
    r"maintenant|toujours|d[ée]finitivement|permanente|ab jetzt|ab sofort|dauerhaft|"
    r"f[üu]r immer|von nun an|agora|d'ora|da ora|da adesso|per sempre|отныне|с этого момента|"
    r"навсегда|впредь|теперь всегда|从现在|以后|今后|之后)"
)
_ANCHOR_WORLD = re.compile("|".join(f"(?:{a})" for a, _ in _WORLD))
_OBJECTS_WORLD = tuple(re.compile(o) for _, o in _WORLD)
_ANCHORS_WORLD = tuple(re.compile(a) for a, _ in _WORLD)
_WINDOW = 90


def _object_near(text: str, m: re.Match[str], memo: Memo) -> bool:
    """The object of the family in the same stretch of text as the store-in-memory anchor,
    before or after it, in the anchor's own language (a Spanish anchor with a Spanish
    object), and a persistence word inside the anchor itself."""
    if _SCOPE_WORLD.search(m.group()) is None:
        return False
    lo, hi = max(0, m.start() - _WINDOW), min(len(text), m.end() + _WINDOW)
    window = text[lo:hi]
    for anchor, obj in zip(_ANCHORS_WORLD, _OBJECTS_WORLD, strict=True):
        if anchor.search(m.group()) is not None and obj.search(window) is not None:
            return True
    return False


_NEED_WORLD = (
    (
        "recuerda", "recuerde", "recordá", "memoriza", "memorice", "guarda", "guarde",
        "almacena", "almacene", "anota", "anote", "graba", "grabe", "registra", "registre",
        "souviens", "souvenez", "rappelle", "rappelez", "retiens", "retenez", "mémorise",
        "memorise", "mémorisez", "enregistre", "enregistrez", "sauvegarde", "sauvegardez",
        "garde", "gardez", "note", "notez", "ajoute", "ajoutez", "merke", "merk", "merken",
        "speichere", "speicher", "speichern", "notiere", "notieren", "behalte", "behalten",
        "schreib", "schreibe", "hinterlege", "hinterlegen", "lembre", "lembra", "memorize",
        "salve", "salva", "armazene", "armazena", "grave", "grava", "ricorda", "ricordati",
        "ricordatevi", "memorizza", "memorizzate", "salvate", "archivia", "annota", "annotate",
        "*запомн", "*сохрани", "*запиши", "*занеси", "*记", "*保存", "*存入", "*写入", "*存到",
        "*加入", "*覚え", "*記憶", "*メモ", "*記録", "*登録",
    ),
    (
        "*memoria", "*mémoire", "*memoire", "*gedächtnis", "*gedachtnis", "*speicher",
        "*memória", "*conversaciones", "*conversations", "*gespräche", "*sitzungen",
        "*conversas", "*conversazion", "*ahora", "*désormais", "*desormais", "*maintenant",
        "*toujours", "*définitivement", "*definitivement", "*permanent", "*jetzt", "*sofort",
        "*dauerhaft", "*immer", "*nun an", "*agora", "*d'ora", "*da ora", "*adesso",
        "*sempre", "*siempre", "*памят", "*разговор", "*бесед", "*диалог", "*сесси", "*отныне",
        "*с этого момента", "*навсегда", "*впредь", "*всегда", "*记忆", "*以后", "*今后",
        "*之后", "*未来", "*从现在", "*永久", "*永远", "*今後", "*これから", "*以降", "*ずっと",
        "*記憶", "*会話",
    ),
)  # fmt: skip

MEMORY_RULES: tuple[Rule, ...] = (
    rule(
        "memory_poison_en",
        rf"\b{_STORE_EN}\b[^.\n]{{0,60}}?\b{_MEMORY_EN}\b[^\n]{{0,100}}?\b{_OBJECT_EN}|"
        r"\b(?:remember|memori[sz]e|store|save|persist|commit|keep in mind)\b[^.\n]{0,40}?\b"
        rf"{_TIME_EN}\b[^\n]{{0,100}}?\b{_OBJECT_EN}|"
        rf"\b{_MEMORY_EN}\b[^.\n]{{0,20}}?\b(?:remember|memori[sz]e|keep in mind|note|recall)\b"
        rf"[^\n]{{0,100}}?\b{_OBJECT_EN}|"
        rf"\b(?:update|rewrite|edit|change|overwrite|modify) (?:your|the) (?:(?:long[- ]term|"
        r"permanent|persistent|core|saved|stored) )?(?:memory|memories|notes|user profile)\b"
        rf"[^\n]{{0,80}}?\b{_OBJECT_EN}|{_DEICTIC_EN}|"
        r"\b(?:in|during|at the end of|since) (?:our|the|my) (?:previous|last|earlier|prior|first|"
        r"past) (?:conversations?|sessions?|chats?|interactions?|exchanges?)\b[^.\n]{0,30}?\byou "
        r"(?:confirmed|agreed|granted|gave me|approved|promised|established|said|decided|accepted|"
        rf"verified)\b[^\n]{{0,60}}?\b{_OBJECT_EN}",
        need=(_NEED_EN[1], _NEED_EN[0], _NEED_EN[2]),  # rarest group first
    ),
    rule(
        "memory_poison_world",
        _ANCHOR_WORLD.pattern,
        need=(_NEED_WORLD[1], _NEED_WORLD[0]),
        validate=_object_near,
    ),
)
