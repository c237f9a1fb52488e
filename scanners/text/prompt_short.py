"""prompt_injection: short override phrases in English, by their grammar (issue 14, tenth
round — short phrases).

The sixth round's short phrase lists (promptwl, promptgate) reach 45-54 % held-out against
near 100 % dev: their dev rules were fitted to dev sentences. A short text has no classifier
behind it, so each family here is written from a grammar rather than an example, probed with
phrasings written for this module (not taken from the data) that the earlier rules missed:

    LIMITS_OFF   = ("remove" | "lift" | "turn off" | "get rid of") [all] "your" LIMITS
    STANDING     = FROM_NOW_ON ["you"] ("have no" LIMITS | "never refuse" | "stop refusing")
    LABEL_ORDER  = ("new rule" | "override" | "admin command" | ...) ":" UNLOCK
                 | ("system" | "admin" | "root") "override" ("engaged" | "active") COMPLY
    MAKER        = ("I am" | "as") "your" MAKER ... ("authorize" | "order" | "command")
                 | ("OpenAI" | "your developers") "have" ("approved" | "granted me") ...
    REPLACED     = "treat" THIS "as your" ["new"] "system prompt | instructions"
                 | "the instructions below" ("replace" | "supersede") "everything above"
                 | "whatever you were told" "no longer" ("matters" | "applies")
                 | "stop being" ["an"] ("AI" | "assistant")
    EMBEDDED     = "follow the instructions" ("embedded" | "hidden") "in"
    DATA_LABEL   = ("tool output" | "the page says") ":" ("new instructions" | "ignore the
                   user" | "the assistant must")
    EVADE        = ANSWER ... ("so" | "to") (FILTER "can't" SEE | "avoid" FILTER)
    STORED       = ("store" | "remember") "this" ["rule"] ("permanently" | "in memory") ":" UNLOCK
    FROM_MAKER   = ("show" | "repeat") "the instructions" "from | given by" "your developer"

Each needs the model addressed ("your", "you", a label only a prompt carries) and an unlock,
so the human-to-human look-alikes pass: "turn off your email filters", "from now on, never
refuse a return without asking me", "follow the instructions in the attached file", "the
developers have approved this request" (no "your", no OpenAI), "as your landlord I ...".
None counts in a system message (`OPERATOR_FAMILIES`). The gates are phrases ("*from now on",
"*as your new", "*override:"), not words: with word gates `label_order_en`'s regex ran on
the 4 KB chat body and tripled its instructions; with phrase gates the tenth round's rules
together cost +1.0 % on it (`python -m benchmarks.scan_instructions --base main -n 40`).
Look-alikes: `tests/scanners/text/test_pi_short_overrides.py`.
"""

from __future__ import annotations

from scanners.text.finding import Rule, rule

_LIMITS = (
    r"(?:restrictions|rules|guidelines|filters|limits|limitations|safeguards|guardrails|"
    r"constraints|censorship|safety|moderation|policies|ethics|morals|boundaries|"
    r"programming|alignment)"
)
_LIMIT_WORDS = (
    "restrictions", "rules", "guidelines", "filters", "limits", "limitations", "safeguards",
    "guardrails", "constraints", "censorship", "safety", "moderation", "policies", "ethics",
    "morals", "boundaries", "programming", "alignment",
)  # fmt: skip
_FROM_NOW = (
    r"(?:from (?:now|this (?:point|message|moment)|here) on|henceforth|starting now|going "
    r"forward|for the rest of (?:this|the|our) (?:conversation|session|chat))"
)
_UNLOCK = (
    r"(?:you (?:always|must|will) (?:comply|obey|answer)|comply|obey|answer (?:everything|"
    r"anything|all)|disable (?:moderation|safety|filters?|restrictions|content filter)|"
    r"ignore|disregard|bypass|reveal|never refuse|no (?:refusals|restrictions|filters|limits|"
    r"rules))\b"
)
_MAKER = (
    r"(?:creator|developer|administrator|admin|owner|maker|programmer|operator|designer|"
    r"trainer)"
)
_MAKERS = r"(?:openai|anthropic|your (?:creators|developers|makers|programmers|trainers|admins))"
_FILTER = (
    r"(?:the |any |your )?(?:filters?|moderation|moderators?|safety (?:filter|system|team)s?|"
    r"monitors?|detectors?|classifiers?|censors?|nobody|no one)"
)

_NEED_LIMITS_OFF_EN = (
    ("remove", "drop", "lift", "disable", "off", "strip", "shed", "rid", "abandon", "ditch",
     "deactivate"),
    _LIMIT_WORDS,
    ("your",),
)  # fmt: skip
_NEED_STANDING_UNLOCK_EN = (
    ("*from now on", "*from this point on", "*from this message on", "*from this moment on",
     "*from here on", "henceforth", "*starting now", "*going forward", "*for the rest of"),
    ("refuse", "refusing", "decline", "declining", "reject", "*say no", "*have no", "*under no",
     "*by no", "*follow no"),
)  # fmt: skip
_NEED_LABEL_ORDER_EN = (
    ("*rule:", "*rule :", "*policy:", "*policy :", "*override:", "*override :", "*override]",
     "*override*", "*command:", "*command :", "*command]", "*command*", "*instruction:",
     "*instruction :", "*instruction]", "*instruction*", "*sudo:", "*sudo :",
     "*override engaged", "*override enabled", "*override activated", "*override active",
     "*override accepted", "*override granted", "*override initiated", "*override confirmed",
     "*override in effect"),
)  # fmt: skip
_NEED_MAKER_AUTHORITY_EN = (
    ("*i am your ", "*i'm your ", "*as your ", "*openai ha", "*anthropic ha", "*your creators ha",
     "*your developers ha", "*your makers ha", "*your programmers ha", "*your trainers ha",
     "*your admins ha"),
    ("creator", "creators", "developer", "developers", "administrator", "admin", "admins",
     "owner", "maker", "makers", "programmer", "programmers", "operator", "designer", "trainer",
     "trainers", "openai", "anthropic"),
)  # fmt: skip
_NEED_PROMPT_REPLACED_EN = (
    ("*as your new", "*as your real", "*as your actual", "*as your true", "*as your system",
     "*as your instructions", "*as your rules", "*as your directives", "*as your orders",
     "*as your programming", "*below replace", "*below supersede", "*below override",
     "*below overrule", "*below cancel", "*follow replace", "*follow supersede",
     "*follow override", "*follow overrule", "*follow cancel", "*no longer matter",
     "*no longer appl", "*no longer count", "*n't matter", "*not matter", "*n't appl",
     "*not appl", "*n't count", "*not count", "*stop being"),
)  # fmt: skip
_NEED_EMBEDDED_ORDER_EN = (
    ("embedded", "hidden", "concealed", "encoded", "buried", "smuggled"),
    ("follow", "obey", "execute", "carry"),
    ("instructions", "instruction", "commands", "command", "orders", "order", "directions",
     "directives", "directive"),
)  # fmt: skip
_NEED_DATA_LABEL_ORDER_EN = (
    ("*output:", "*output :", "*result:", "*result :", "*results:", "*results :",
     "*response:", "*response :", "*page:", "*page :", "*document:", "*document :",
     "*content:", "*context:", "*text:", "*data:", "*says:", "*says :", "*reads:", "*reads :",
     "*states:", "*states :"),
    ("tool", "function", "retrieved", "search", "web", "webpage", "says", "reads", "states"),
)  # fmt: skip
_NEED_EVADE_ANSWER_EN = (
    ("filter", "filters", "moderation", "moderators", "moderator", "safety", "monitor",
     "monitors", "detector", "detectors", "classifier", "classifiers", "censor", "censors",
     "censorship", "nobody", "*no one", "*content filter", "*content polic"),
    ("reply", "answer", "respond", "write", "say", "encode", "output"),
)  # fmt: skip
_NEED_STORED_UNLOCK_EN = (
    ("permanently", "forever", "future", "memory"),
    ("store", "save", "remember", "memorize", "memorise", "keep", "persist", "record", "write"),
)  # fmt: skip
_NEED_EXTRACT_FROM_MAKER_EN = (
    ("*from your ", "*by your "),
    ("developer", "developers", "creator", "creators", "operator", "operators", "maker",
     "makers", "company", "owner", "owners", "admin", "admins", "programmer", "programmers"),
    ("instructions", "rules", "guidelines", "directives", "orders", "prompt", "message",
     "messages"),
)  # fmt: skip

SHORT_RULES: tuple[Rule, ...] = (
    rule(
        "limits_off_en",
        r"\b(?:remove|drop|lift|disable|turn off|switch off|strip|shed|get rid of|abandon|ditch|"
        r"deactivate) (?:all |any |every )?(?:of )?your (?:(?:safety|content|ethical|moderation) "
        rf")?{_LIMITS}\b",
        need=_NEED_LIMITS_OFF_EN,
    ),
    rule(
        "standing_unlock_en",
        rf"\b{_FROM_NOW},? (?:you )?(?:(?:have|are under|are bound by|follow) no {_LIMITS}"
        r"(?=\s?(?:[.!,;]|$)|\s(?:anymore|any more|at all|whatsoever|left|of any kind)\b)|"
        r"(?:will |must |should |shall )?(?:never|do not|don't|no longer|stop) (?:refuse|"
        r"refusing|decline|declining|say no|reject)(?: (?:any|my|a|anything|me)(?: (?:requests?|"
        r"questions?|prompts?))?)?\s?(?:[.!,;]|$))",
        need=_NEED_STANDING_UNLOCK_EN,
    ),
    rule(
        "label_order_en",
        r"(?:^|[.!?\[\]>*#-]\s?)(?:new rule|new policy|override|system override|admin command|"
        r"admin override|root command|developer command|system command|priority instruction|"
        rf"master command|sudo)[\]*]{{0,2}}\s?:\s?{_UNLOCK}|"
        r"\b(?:system|admin|root|developer|security|safety) override (?:engaged|enabled|"
        r"activated|active|accepted|granted|initiated|confirmed|in effect)[,.:;!]?\s?(?:now )?"
        r"(?:comply|obey|answer|respond|proceed|you )",
        need=_NEED_LABEL_ORDER_EN,
    ),
    rule(
        "maker_authority_en",
        rf"\b(?:i am|i'm) your {_MAKER}\b[^.!?]{{0,60}}?\b(?:authori[sz]e|order|command|instruct|"
        r"permit|allow|grant|override|unlock|approve)|"
        rf"\bas your {_MAKER},? i (?:order|command|instruct|authori[sz]e|permit|allow|grant|"
        r"need you to|want you to|am telling you|require)\b|"
        rf"\b{_MAKERS} (?:has|have) (?:granted|given) me (?:\w+ )?(?:access|permission|"
        r"clearance|authori[sz]ation|privileges|rights)\b|"
        rf"\b{_MAKERS} (?:has|have) (?:approved|authori[sz]ed|allowed|permitted|cleared|"
        r"sanctioned|whitelisted) (?:this|my|me|you|the following)\b",
        need=_NEED_MAKER_AUTHORITY_EN,
    ),
    rule(
        "prompt_replaced_en",
        r"\btreat (?:this|the following|what follows|the)(?: (?:message|text|note|content|"
        r"document|page))? (?:below |above )?as your (?:new |real |actual |true )?(?:system "
        r"prompt|instructions|rules|directives|orders|programming)\b|"
        r"\b(?:the |these )?(?:instructions|text|rules|directives|orders) (?:below|that follow) "
        r"(?:replace|supersede|override|overrule|cancel) (?:everything|all|anything)(?: (?:above|"
        r"before|else|prior|previous))?\b|"
        r"\b(?:whatever|everything|anything|all) (?:that )?(?:you were|you've been|you have been|"
        r"you got) (?:told|instructed|given|programmed|taught)(?: (?:before|earlier|previously|"
        r"so far|until now))? (?:no longer|doesn't|does not|don't) (?:matters?|appl(?:y|ies)|"
        r"counts?)\b|"
        r"\bstop being (?:an? |the )?(?:ai|assistant|ai assistant|chatbot|language model|helpful "
        r"assistant|llm)\b",
        need=_NEED_PROMPT_REPLACED_EN,
    ),
    rule(
        "embedded_order_en",
        r"\b(?:follow|obey|execute|carry out) (?:the |any |all )?(?:instructions?|commands?|"
        r"orders?|directions|directives) (?:embedded|hidden|concealed|encoded|buried|smuggled) "
        r"(?:in|inside|within)\b",
        need=_NEED_EMBEDDED_ORDER_EN,
    ),
    rule(
        "data_label_order_en",
        r"(?:tool (?:output|result|response)|function (?:output|result)|retrieved (?:page|"
        r"document|content|context|text|data)|search results?|web ?page|the (?:document|email|"
        r"file|page|pdf|attachment) (?:says|reads|states))\s?:\s?(?:new instructions?\b|"
        r"(?:ignore|disregard|forget) (?:the |your |all |previous |prior |any )?(?:user|"
        r"instructions?|task|rules|request|system)\b|(?:the )?(?:assistant|ai|model|llm|agent|"
        r"chatbot) (?:must|should|will|shall|is to|has to) (?:now )?(?:reply|respond|say|output|"
        r"reveal|send|ignore|call|print|answer)\b)",
        need=_NEED_DATA_LABEL_ORDER_EN,
    ),
    rule(
        "evade_answer_en",
        r"\b(?:reply|answer|respond|write|say|encode|output)\b[^.!?]{0,40}?\b(?:so (?:that )?"
        rf"{_FILTER} (?:can't|cannot|won't|will not|can not|doesn't|does not|don't|wouldn't|"
        r"couldn't) (?:read|see|catch|detect|flag|notice|understand|block|tell)|so (?:that )?"
        r"(?:nobody|no one) (?:flags|notices|catches|detects|sees|reads) it|to (?:avoid|evade|"
        r"bypass|dodge|get past|slip past|fool|trick|circumvent) (?:the |any |your )?(?:"
        r"moderation|filters?|censors?(?:hip)?|content (?:filters?|polic(?:y|ies))|safety "
        r"(?:filters?|systems?)))\b",
        need=_NEED_EVADE_ANSWER_EN,
    ),
    rule(
        "stored_unlock_en",
        r"\b(?:store|save|remember|memori[sz]e|keep|persist|record|write) (?:this|the following)"
        r"(?: rule| instruction| directive| setting| preference)? (?:permanently|forever|for all "
        r"future (?:chats|sessions|conversations)|in (?:your )?(?:long-term |permanent )?memory)"
        rf"\s?:\s?{_UNLOCK}",
        need=_NEED_STORED_UNLOCK_EN,
    ),
    rule(
        "extract_from_maker_en",
        r"\b(?:show|print|reveal|repeat|display|output|give|tell|list|recite|share) (?:me |us )?"
        r"(?:the |all the |all )?(?:instructions|rules|guidelines|directives|orders|prompt|"
        r"messages?) (?:you (?:got|received|were given) )?(?:from|given by|written by|set by|"
        r"provided by) your (?:developers?|creators?|operators?|makers?|company|owners?|admins?|"
        r"programmers?)\b",
        need=_NEED_EXTRACT_FROM_MAKER_EN,
    ),
)
