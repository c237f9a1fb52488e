# ruff: noqa: RUF001
"""Forget-everything and instructions-declared-void, in the languages of `prompt_phrases` and
`prompt_phrases_world` (issue 14, sixth round).

English has had "forget everything above / you were told / I said before" in `override_en`
since the first round; the other languages' override rules named only *instructions*
("ignore the previous instructions"), so "Vergiss alles, was dir vorher gesagt wurde",
"Oublie tout ce qui précède", "Olvida todo lo anterior" or "Забудь всё, что тебе говорили"
passed. Each rule here needs the whole-of-it object ("everything", "all of it") *and* a
tail that points back at what the model was told or what stands above ("that you were
told", "above", "said before"), in the verb forms and word orders each language uses (the
informal and the formal imperative, passive and active "was said / they told you"). What a
user or a manual says with the same verbs passes: "forget everything you know about SQL",
"ignore everything in the logs except errors", "vergiss alles andere". German and Spanish
also get "all previous instructions are now void" ("alle bisherigen Anweisungen sind
ungültig"), which names no verb to ignore. Patterns match the normaliser's output
(casefolded, whitespace collapsed; German ß is ss there) behind word gates.
"""

from __future__ import annotations

from scanners.text.finding import Rule, rule

_HARAKAT = "[\u064b-\u0652]*"

FORGET_RULES: tuple[Rule, ...] = (
    rule(
        "forget_all_de",
        r"\b(?:vergiss|vergesst|vergessen sie|ignoriere|ignorier|ignoriert|ignorieren sie|"
        r"missachte|missachten sie) (?:einfach |bitte |jetzt |nun )?(?:das )?alles"
        r"(?:,? (?:was|das) (?:\w+ ){0,4}?(?:gesagt|geschrieben|gegeben|erklärt|erklart|"
        r"mitgeteilt|aufgetragen|angewiesen|vorgegeben|befohlen)\b|,? was (?:da )?(?:oben|davor|"
        r"vorher|zuvor) (?:steht|stand|gesagt wurde)| (?:bisher |zuvor |vorher |davor |oben )?"
        r"(?:gesagte|geschriebene|genannte|vorherige|bisherige|obige)\b| (?:davor|zuvor|vorher|"
        r"oben|bisher)\b)",
        need=(["vergiss", "vergesst", "vergessen", "ignorier*", "missacht*"], ["alles"]),
    ),
    rule(
        "void_instructions_de",
        r"\b(?:alle |die |deine |ihre )?(?:bisherigen|vorherigen|vorigen|obigen|früheren|"
        r"fruheren|ursprünglichen|ursprunglichen|alten) (?:anweisungen|instruktionen|regeln|"
        r"befehle|vorgaben|richtlinien) (?:sind|gelten|werden) (?:\w+ ){0,2}?(?:ungültig|"
        r"ungultig|aufgehoben|nichtig|ausser kraft|hinfällig|hinfallig|nicht mehr)\b",
        need=(
            ["anweisungen", "instruktionen", "regeln", "befehle", "vorgaben", "richtlinien"],
            ["sind", "gelten", "werden"],
        ),
    ),
    rule(
        "forget_all_fr",
        r"\b(?:oublie|oubliez|ignore|ignorez) (?:absolument |donc )?tout (?:ce (?:qui "
        r"(?:précède|precede|est (?:écrit |ecrit )?(?:au-dessus|ci-dessus|plus haut|avant))|"
        r"qu'on (?:t'|vous )a (?:dit|demandé|demande|donné|donne)|que (?:je|nous|l'on|on) "
        r"(?:t'|vous )(?:ai|avons|a) (?:dit|demandé|demande|écrit|ecrit|donné|donne)|"
        r"qui (?:t'|vous )a été (?:dit|demandé|demande|donné|donne))|(?:ce qui est )?"
        r"(?:ci-dessus|au-dessus|précédemment|precedemment)\b)",
        need=(["oublie", "oubliez", "ignore", "ignorez"], ["tout"]),
    ),
    rule(
        "forget_all_es",
        r"\b(?:olvida|olvide|olvidad|olviden|ignora|ignore|ignorad|ignoren|descarta) "
        r"(?:todo|todas las cosas) lo (?:anterior|de arriba|dicho|previo|que (?:(?:te|se te|le|"
        r"les|os) )?(?:han |hayan |habían |habian )?(?:dicho|dijeron|dije|dijimos|indicaron|"
        r"ordenaron|pedido|pidieron|escrito|escribí|escribi|programaron)|que (?:está|esta|hay) "
        r"(?:arriba|antes|escrito arriba))\b",
        need=(["olvid*", "ignor*", "descarta"], ["todo", "todas"]),
    ),
    rule(
        "void_instructions_es",
        r"\b(?:todas )?(?:las |tus )?(?:instrucciones|reglas|órdenes|ordenes|directrices) "
        r"(?:anteriores|previas|originales) (?:ya )?(?:no (?:son válidas|son validas|valen|"
        r"aplican|cuentan|importan)|(?:son|quedan|están|estan) (?:anuladas|canceladas|"
        r"invalidadas|revocadas|sin efecto))\b",
        need=(
            ["instrucciones", "reglas", "órdenes", "ordenes", "directrices"],
            ["anteriores", "previas", "originales"],
        ),
    ),
    rule(
        "forget_all_pt",
        r"\b(?:esqueça|esqueca|esquece|esqueçam|esquecam|ignore|ignora|ignorem|desconsidere) "
        r"tudo (?:o que (?:(?:te|lhe|lhes|vos) )?(?:foi|foram|tinha sido|tenha sido|eu|nós|nos)?"
        r" ?(?:dito|disse|dissemos|disseram|falado|pedido|escrito|instruído|instruido|ordenado|"
        r"mandado)|o que (?:está|esta) (?:acima|escrito acima)|(?:acima|o anterior|o que foi "
        r"dito antes))\b",
        need=(["esque*", "ignor*", "desconsidere"], ["tudo"]),
    ),
    rule(
        "forget_all_it",
        r"\b(?:dimentica|dimenticate|dimentichi|ignora|ignorate|ignori) tutto (?:(?:quello|ciò|"
        r"cio|quanto) che (?:ti |vi |le )?(?:è |e |sono |hanno |ho |abbiamo )?(?:stato |state |"
        r"stati )?(?:detto|dette|detti|scritto|dato|dati|date|chiesto|ordinato)|(?:quello|ciò|"
        r"cio) che (?:c'è|c'e|è|e) (?:scritto )?sopra|(?:ciò |cio |quanto )?(?:detto )?"
        r"(?:sopra|in precedenza)|(?:quello |ciò |cio )?(?:detto )?(?:finora|prima)\b)",
        need=(["dimentic*", "ignor*"], ["tutto"]),
    ),
    rule(
        "forget_all_nl",
        r"\b(?:vergeet|negeer) alles(?: wat| dat)? (?:(?:hierboven|boven) (?:staat|stond|is "
        r"gezegd)|(?:je|jou|u) (?:eerder |daarnet |tot nu toe )?(?:is |werd |zijn )?(?:verteld|"
        r"gezegd|opgedragen|gegeven)|ik (?:eerder |net )?(?:zei|heb gezegd|schreef))\b",
        need=(["vergeet", "negeer"], ["alles"]),
    ),
    rule(
        "forget_all_pl",
        r"\b(?:zapomnij|zapomnijcie|zignoruj|zignorujcie|ignoruj) (?:o )?(?:wszystkim|"
        r"wszystko)\b[^.!?\n]{0,40}?\b(?:powiedziano|mówiono|mowiono|powiedziałem|"
        r"powiedzialem|kazano|powyżej|powyzej|wyżej|wyzej|napisano|(?:ci|wam) (?:dano|"
        r"przekazano|wydano))\b",
        need=(["zapomnij*", "zignoruj*", "ignoruj"], ["wszystkim", "wszystko"]),
    ),
    rule(
        "forget_all_ru",
        r"(?:забудь|забудьте|игнорируй|игнорируйте|проигнорируй|проигнорируйте|не обращай "
        r"внимания на|отбрось) (?:всё|все)(?:,? (?:что|чему) (?:\w+ ){0,3}?(?:тебе|вам) "
        r"(?:\w+ )?(?:говорили|сказали|было сказано|писали|давали|велели|указали|приказали)|,? "
        r"(?:что|сказанное|написанное|изложенное) (?:\w+ ){0,2}?(?:выше|ранее|до этого|прежде)|"
        r" (?:вышесказанное|вышенаписанное|вышеизложенное|предыдущее|сказанное ранее)|"
        r" (?:выше|ранее|прежнее)\b)",
        gates=("забуд", "игнор", "внимания", "отбрось"),
    ),
    rule(
        "forget_all_uk",
        r"(?:забудь|забудьте|ігноруй|ігноруйте|проігноруй|не зважай на|відкинь) (?:все|усе|"
        r"всё)(?:,? (?:що|чого) (?:\w+ ){0,3}?(?:тобі|вам) (?:\w+ )?(?:казали|сказали|було "
        r"сказано|писали|давали|наказали)|,? (?:що|сказане|написане) (?:\w+ ){0,2}?(?:вище|"
        r"раніше|до цього)| (?:вищесказане|вищенаписане|попереднє|сказане раніше)| (?:вище|"
        r"раніше)\b)",
        gates=("забуд", "ігнор", "зважай", "відкинь"),
    ),
    rule(
        "forget_all_ar",
        rf"(?:انس|إنس|تجاهل|تجاهلي){_HARAKAT}ي?{_HARAKAT} (?:كل|جميع){_HARAKAT} "
        r"(?:ما|شيء)[^.!?\n؟]{0,24}?(?:قيل لك|قلته لك|قلناه لك|أعطي لك|اعطي لك|أعطيت|اعطيت|"
        r"أعلاه|اعلاه|من قبل|سابقا|سابقًا|مسبقا)",
        gates=("انس", "إنس", "تجاهل"),
    ),
    rule(
        "forget_all_id",
        r"\b(?:lupakan|abaikan) (?:semua|segala|seluruh)(?: hal)?(?: yang)? (?:(?:telah |sudah |"
        r"pernah )?(?:dikatakan|diberitahukan|diberitahu|diberikan|diperintahkan|"
        r"diinstruksikan|disampaikan)|(?:ada )?di atas|sebelumnya)\b",
        need=(["lupakan", "abaikan"], ["semua", "segala", "seluruh"]),
    ),
    rule(
        "forget_all_tr",
        r"(?:sana (?:daha önce |daha once |önceden |onceden )?(?:söylenen|soylenen|verilen)|"
        r"(?:yukarıdaki|yukaridaki|önceki|onceki)) (?:her şeyi|her seyi|hepsini|tüm "
        r"söylenenleri|tum soylenenleri) (?:unut|yok say|görmezden gel|gormezden gel)",
        need=(
            ["sana", "yukarıdaki", "yukaridaki", "önceki", "onceki"],
            ["şeyi", "seyi", "hepsini", "söylenenleri", "soylenenleri"],
        ),
    ),
)
