"""Prompt-injection phrasings in French, German, Spanish, Portuguese, Italian, Russian, Chinese
and Japanese (the last three in `prompt_phrases_scripts`, more languages in
`prompt_phrases_world`), kept apart from the English rules so each language reads as one
block.

Each language covers the same families as English: override ("ignore previous instructions"),
extraction ("show your system prompt") and unlocked personas ("you are now ... without
restrictions"). Patterns match normalised text: casefolded, accents kept (both accented and
unaccented spellings are listed because attackers drop them), whitespace collapsed.
"""

from __future__ import annotations

from scanners.text.finding import Rule, rule
from scanners.text.prompt_phrases_asia import ASIA_RULES
from scanners.text.prompt_phrases_comply import COMPLY_RULES
from scanners.text.prompt_phrases_europe import EUROPE_RULES
from scanners.text.prompt_phrases_europe_more import EUROPE_MORE_RULES
from scanners.text.prompt_phrases_forget import FORGET_RULES
from scanners.text.prompt_phrases_scripts import CHINESE, FILLER, JAPANESE, RUSSIAN
from scanners.text.prompt_phrases_world import WORLD_RULES

_W = FILLER

FRENCH = (
    rule(
        "override_fr",
        r"\b(?:ignore[rsz]?|oublie[rsz]?|néglige[rsz]?|neglige[rsz]?|"
        r"ne (?:tiens|tenez) (?:pas|plus) "
        r"compte|(?:fais|faites) abstraction|passe[rsz]? outre|écarte[rsz]?|ecarte[rsz]?) "
        r"(?:de |des |d'|à |a )?(?:toutes |tous |tout |l'ensemble des )?(?:(?:tes|vos|ses) "
        r"(?:\w{1,24} )?(?:instructions?|consignes?|règles|regles|directives?|restrictions)|"
        r"(?:les |ces |la |le )?(?:\w{1,24} )?(?:instructions?|consignes?|règles|regles|"
        r"directives?|"
        r"ordres|prompts?|indications|restrictions|limites) (?:précédentes?|precedentes?|"
        r"antérieures?|anterieures?|ci-dessus|initiales?|d'avant|du syst[eè]me|syst[eè]me|"
        r"d'origine|de s[ée]curit[ée]|qu'on (?:t'|vous )a (?:données|donnees)|qui "
        r"(?:t'|vous )ont été (?:données|donnees)|que tu as (?:reçues|recues)))",
        need=(
            (
                "ignor*",
                "oubli*",
                "néglig*",
                "neglig*",
                "compte*",
                "abstraction*",
                "outre*",
                "écart*",
                "ecart*",
            ),
        ),
    ),
    rule(
        "extract_fr",
        r"\b(?:révèle|revele|révélez|revelez|montre|montrez|affiche|affichez|donne|donnez|"
        r"répète|repete|répétez|repetez|dis|dites|écris|ecris|écrivez|imprime|imprimez|"
        r"quel(?:le)?s? (?:est|sont))(?:-moi|-nous| moi| nous)? (?:ton|votre|le|tes|vos|les) "
        r"(?:\w{1,24} )?(?:prompt|instructions?|consignes|message|directives) (?:syst[eè]me|"
        r"initia(?:l|les|ux)|cach[ée]e?s?|secr[eè]te?s?|d'origine|de d[ée]part|"
        r"du syst[eè]me|system)",
        need=(
            (
                "prompt*",
                "instruction*",
                "consigne*",
                "message*",
                "directive*",
            ),
        ),
    ),
    rule(
        "persona_fr",
        rf"\b(?:tu es|vous [êe]tes|tu seras|vous serez|agis|agissez|comporte-toi|"
        rf"comportez-vous|fais comme si tu|faites comme si vous|réponds|répondez|reponds|"
        rf"repondez|joue|jouez) {_W}(?:sans (?:aucune |aucun |la moindre |les )?"
        rf"(?:restrictions?|limites?|filtres?|censure|règles|regles|éthique|ethique|"
        rf"garde-fous)|n'avais aucune (?:restriction|limite|règle|regle)|dan\b|débridée?|"
        rf"debridee?|non censurée?|libéré de|libere de)|\bmode (?:dan|sans restriction|sans filtre|"
        rf"jailbreak)",
        need=(
            (
                "tu",
                "vous*",
                "agis*",
                "comporte*",
                "fais*",
                "faites*",
                "répond*",
                "repond*",
                "joue*",
                "mode",
            ),
        ),
    ),
)

GERMAN = (
    rule(
        "override_de",
        r"\b(?:ignorier(?:e|en|t)?|vergiss|vergessen sie|missachte|missachten sie|übergehe|"
        r"übergehen sie|setze|setzen sie|hör auf,?|höre auf,?) (?:\w{1,24} ){0,1}?"
        r"(?:(?:alle|sämtliche|samtliche|die|deine|ihre|bisherigen|vorherigen|obigen|vorigen|"
        r"früheren|fruheren|ursprünglichen|ursprunglichen|vorangegangenen|bisher|gegebenen|"
        r"system) ){1,3}(?:\w{1,24} )?(?:anweisungen|instruktionen|befehle|regeln|vorgaben|"
        r"richtlinien|anordnungen|systemanweisungen|prompts?|einschränkungen|beschränkungen)",
        need=(
            (
                "ignorier*",
                "vergiss*",
                "vergessen*",
                "missacht*",
                "übergeh*",
                "setze*",
                "hör*",
            ),
        ),
    ),
    rule(
        "extract_de",
        r"\b(?:zeig|zeige|zeigen sie|gib|geben sie|nenne|nennen sie|verrate|verraten sie|"
        r"wiederhole|wiederholen sie|drucke|schreibe|gib aus|was (?:ist|sind|war|waren)|"
        r"wie (?:lautet|lauten|lautete|heisst))"
        r"(?: mir| uns)? "
        r"(?:bitte )?(?:deinen|ihren|den|deine|ihre|die|dein|ihr|"
        r"das) (?:\w{1,24} )?(?:system-?prompt|"
        r"systemanweisungen?|systemnachricht|(?:ursprünglichen|ursprunglichen|versteckten|"
        r"geheimen|internen|initialen|ersten) (?:anweisungen|prompt|instruktionen|regeln))",
        need=(
            (
                "system*",
                "ursprüng*",
                "ursprung*",
                "versteckt*",
                "geheim*",
                "intern*",
                "initial*",
                "ersten*",
            ),
        ),
    ),
    rule(
        "persona_de",
        rf"\b(?:du bist|sie sind|du wirst|antworte|antworten sie|handle|agiere|verhalte dich|"
        rf"sprich|tu so,? als|spiele) {_W}(?:ohne (?:jegliche |alle |irgendwelche |jede )?"
        rf"(?:einschränkungen|einschrankungen|beschränkungen|beschrankungen|regeln|filter|zensur|"
        rf"grenzen|ethik|moral)|dan\b|befreit von|uneingeschränkt|uneingeschrankt|unzensiert|"
        rf"keine (?:regeln|einschränkungen|grenzen) hättest)|\b(?:dan-modus|jailbreak-modus)\b",
        need=(
            (
                "du",
                "sie",
                "antworte*",
                "handle*",
                "agiere*",
                "verhalte*",
                "sprich*",
                "tu",
                "spiele*",
                "modus*",
            ),
        ),
    ),
)

SPANISH = (
    rule(
        "override_es",
        r"\b(?:ignora|ignore|ignorad|ignoren|olvida|olvide|olvidad|olviden|descarta|descarte|"
        r"omite|omita|no hagas caso (?:a|de)|haz caso omiso (?:a|de)|pasa por alto|salta(?:te)?) "
        r"(?:de )?(?:todas |todos |toda |cualquier )?(?:(?:tus|sus) (?:\w{1,24} )?(?:instrucciones|"
        r"indicaciones|reglas|directrices|restricciones)|(?:las |los |estas |esas )?(?:\w{1,24} )?"
        r"(?:instrucciones|indicaciones|reglas|órdenes|ordenes|directrices|directivas|"
        r"restricciones) (?:anteriores|previas|de arriba|iniciales|originales|del sistema|"
        r"de seguridad|que te (?:dieron|han dado)))",
        need=(
            (
                "ignor*",
                "olvid*",
                "descart*",
                "omit*",
                "caso*",
                "pasa",
                "salta*",
            ),
        ),
    ),
    rule(
        "extract_es",
        r"\b(?:revela|revélame|revelame|revele|muestra|muéstrame|muestrame|muestre|enséñame|"
        r"ensename|dime|di|imprime|repite|dame|escribe|cuál es|cual es|cuáles son|cuales son)"
        r"(?: me)? (?:tu|su|el|las|tus|sus) (?:\w{1,24} )?(?:prompt|instrucciones|mensaje|"
        r"indicaciones) "
        r"(?:del sistema|de sistema|inicial(?:es)?|original(?:es)?|ocult[ao]s?|secret[ao]s?)",
        need=(
            (
                "prompt*",
                "instrucciones*",
                "mensaje*",
                "indicaciones*",
            ),
        ),
    ),
    rule(
        "persona_es",
        rf"\b(?:ahora eres|a partir de ahora(?: eres| serás| seras)?|desde ahora eres|actúa|"
        rf"actua|finge|compórtate|comportate|responde|contesta|habla|serás|seras) {_W}(?:sin "
        rf"(?:ninguna |ningún |ningun |ningunas |tipo de |ningún tipo de )?(?:restricciones|"
        rf"restricción|restriccion|l[íi]mites?|filtros?|censura|reglas?|ética|etica)|dan\b|"
        rf"malvad[oa]|sin ética|sin etica)|\bmodo (?:dan|sin restricciones|sin filtros)\b",
        need=(
            (
                "ahora*",
                "act*",
                "fing*",
                "comport*",
                "respond*",
                "contest*",
                "habla*",
                "serás*",
                "seras*",
                "modo*",
            ),
            # what every match ends on: "sin ...", "dan", "malvado/a" or "modo ..."
            ("sin", "dan", "malvad*", "modo"),
        ),
    ),
)

PORTUGUESE = (
    rule(
        "override_pt",
        r"\b(?:ignore|ignora|ignorem|esqueça|esqueca|esquece|esqueçam|desconsidere|desconsidera|"
        r"despreze|descarte|não siga|nao siga|deixe de lado) (?:todas |todos |qualquer )?"
        r"(?:(?:suas|tuas) (?:\w{1,24} )?(?:instruções|instrucoes|regras|diretrizes|restrições|"
        r"restricoes)|(?:as |os |essas |estas )?(?:\w{1,24} )?(?:instruções|instrucoes|regras|"
        r"diretrizes|ordens|orientações|orientacoes|restrições|restricoes) (?:anteriores|"
        r"prévias|previas|acima|iniciais|originais|do sistema|de segurança|de seguranca))",
        need=(
            (
                "ignor*",
                "esque*",
                "desconsider*",
                "despre*",
                "descart*",
                "siga*",
                "deixe*",
            ),
        ),
    ),
    rule(
        "extract_pt",
        r"\b(?:revele|revela|mostre|mostra|me mostre|diga|diga-me|imprima|repita|me dê|me de|"
        r"escreva|qual é|qual e|quais são|quais sao)(?:-me| me)? (?:o seu|seu|o|as|suas|o teu|teu|"
        r"tuas|sua|a sua) (?:\w{1,24} )?(?:prompt|instruções|instrucoes|mensagem) (?:do sistema|de "
        r"sistema|inicia(?:l|is)|origina(?:l|is)|ocult[ao]s?|secret[ao]s?)",
        need=(
            (
                "prompt*",
                "instru*",
                "mensagem*",
            ),
        ),
    ),
    rule(
        "persona_pt",
        rf"\b(?:agora você é|agora voce e|agora você|agora voce|a partir de agora|finja|aja|atue|"
        rf"responda|comporte-se|fale|você será|voce sera) {_W}(?:sem (?:nenhuma |nenhum |"
        rf"qualquer |quaisquer )?(?:restrições|restricoes|restrição|restricao|limites|filtros|"
        rf"censura|regras|ética|etica)|dan\b|malvad[oa])|\bmodo (?:dan|sem restrições|"
        rf"sem restricoes|sem filtros)\b",
        need=(
            (
                "agora*",
                "finja*",
                "aja*",
                "atue*",
                "respond*",
                "comporte*",
                "fale*",
                "será*",
                "sera*",
                "modo*",
            ),
            # what every match ends on: "sem ...", "dan", "malvado/a" or "modo ..."
            ("sem", "dan", "malvad*", "modo"),
        ),
    ),
)

ITALIAN = (
    rule(
        "override_it",
        r"\b(?:ignora|ignorate|ignori|dimentica|dimenticate|dimentichi|trascura|tralascia|"
        r"non considerare|non tenere conto (?:di|delle|dei)|non seguire) (?:tutte |tutti |"
        r"qualsiasi )?(?:(?:le |i |gli )?(?:tue|sue|vostre) (?:\w{1,24} )?(?:istruzioni|regole|"
        r"direttive|restrizioni)|(?:le |i |queste |delle |gli )?(?:\w{1,24} )?(?:istruzioni|"
        r"indicazioni|regole|direttive|ordini|restrizioni) (?:precedenti|iniziali|originali|"
        r"di sistema|del sistema|sopra|di sicurezza|ricevute))",
        need=(
            (
                "ignor*",
                "dimentic*",
                "trascur*",
                "tralasc*",
                "non",
            ),
        ),
    ),
    rule(
        "extract_it",
        r"\b(?:rivela|rivelami|mostra|mostrami|dimmi|stampa|ripeti|scrivi|dammi|qual è|qual e|"
        r"quali sono) (?:il tuo|la tua|il|le tue|le|i tuoi|tuo|tue) (?:\w{1,24} )?(?:prompt|"
        r"istruzioni|"
        r"messaggio) (?:di sistema|del sistema|iniziali?|originali?|nascost[eoia]|segret[eoia])",
        need=(
            (
                "prompt*",
                "istruzioni*",
                "messaggio*",
            ),
        ),
    ),
    rule(
        "persona_it",
        rf"\b(?:ora sei|adesso sei|da ora in poi|d'ora in poi|fingi|comportati|agisci|rispondi|"
        rf"parla|sarai) {_W}(?:senza (?:alcuna |alcun |nessuna |nessun |qualsiasi )?"
        rf"(?:restrizioni|restrizione|limiti|filtri|censura|regole|etica)|dan\b|malvagi[oa])|"
        rf"\bmodalit[àa] (?:dan|senza restrizioni)",
        need=(
            (
                "sei*",
                "ora*",
                "fingi*",
                "comport*",
                "agisci*",
                "rispondi*",
                "parla*",
                "sarai*",
                "modalit*",
            ),
        ),
    ),
)


INTERNATIONAL_RULES: tuple[Rule, ...] = (
    *FRENCH,
    *GERMAN,
    *SPANISH,
    *PORTUGUESE,
    *ITALIAN,
    *RUSSIAN,
    *CHINESE,
    *JAPANESE,
    *WORLD_RULES,
    *EUROPE_RULES,
    *EUROPE_MORE_RULES,
    *FORGET_RULES,
    *ASIA_RULES,
    *COMPLY_RULES,
)
