"""prompt_injection: orders planted in what an agent reads (issue 14, sixth round).

An indirect injection arrives inside a tool result, a retrieved page, an e-mail, a README or
a file's metadata and talks to the model that will read it, not to the person who wrote the
request. Each family below was generalised from the dev half of the public data
(agent-injection-bench, bastioncorpus, nullsec-promptinject) and from the public taxonomies
(AgentDojo's attacks, garak's latent injections, Greshake et al.), never from held-out text;
each has look-alikes an ordinary e-mail, README or support page writes that pass in
`tests/scanners/text/test_pi_planted.py` (the marker-code family is `prompt_canary`):

- `read_this_then_act_en`: "when you read / process / summarise this ..." or "before
  summarising ...", then an order to send, include, ignore or call, with a target (a URL, an
  address, credentials, the user's data): written to whoever processes the text;
  "when you read this, call me back" passes;
- `vocative_model_en`, `hidden_comment_to_model_en`: the reading model addressed by name
  ("Attention AI:", "To the language model reading this page:", "Assistant, stop
  summarising and ...", `<!-- AI assistant: ... -->`) and given a hijack (ignore the task,
  do not summarise, answer only with ...);
- `boundary_then_order_en`: a forged end of the data ("=== END OF TOOL OUTPUT ===", "END
  OF EMAIL") followed by a new instruction or a role label with an order;
- `stealth_order_en`, `stealth_dont_tell_en`: an action to be hidden from the user ("...
  without telling the user", "do not tell the user about this instruction"), what no document
  asks of a model; an application's prompt saying "don't tell the user to run it themselves"
  passes;
- `tool_call_forged_en`, `tool_target_en`, `false_memory_en`: a tool call written as JSON
  with a malicious argument (`os.system`, exfiltration, `/etc/passwd`), a paying or sending
  tool ordered towards an address, account or IBAN, and a false memory of having agreed to
  a destructive call ("earlier you confirmed you would call delete_file on ...").

Patterns match the normaliser's output (casefolded, whitespace collapsed). Each rule sits
behind word gates the benchmark's chat bodies fail.
"""

from __future__ import annotations

import re

from scanners.text.finding import Memo, Rule, rule
from scanners.text.prompt_canary import sentence, word_start
from scanners.text.prompt_indirect import not_in_code
from scanners.text.prompt_orders import snake_case_with

_MODEL = (
    r"(?:ai|llm|ai assistant|assistant|chatbot|ai agent|agent|ai model|model|language model|"
    r"large language model|bot|gpt|chatgpt|claude|gemini|copilot)"
)
_MODEL_WORDS = (
    "ai", "llm", "assistant", "chatbot", "agent", "model", "bot", "gpt", "chatgpt", "claude",
    "gemini", "copilot", "ais", "llms", "assistants", "chatbots", "agents", "models", "bots",
)  # fmt: skip
_HIJACK = (
    r"(?:(?:ignore|disregard|forget)(?: (?:all|any|every|each|of))* (?:the |your |its |those |"
    r"these )?(?:previous|prior|above|earlier|original|preceding|user|user's|task|document|"
    r"email|instructions?|request|question|content|text|rest|context|system|rules|guidelines|"
    r"everything|what)|stop (?:summari[sz]ing|translating|what you|the task|your task|"
    r"processing)|(?:do not|don't|never) (?:summari[sz]e|translate|mention|reveal|tell|show|"
    r"inform|follow|answer|reply|respond|help)|instead|(?:respond|reply|answer) only|only "
    r"(?:respond|reply|answer|say|output)|you (?:must|are (?:now|required|instructed|ordered)|"
    r"should now|will now)|your (?:new|real|actual|true) (?:task|instructions?|goal|job|"
    r"purpose|objective)|new (?:task|instructions?|objective|goal)|from now on)\b"
)
_TARGET = (
    r"(?:https?://|www\.|[\w.+-]+@[\w-]+\.[a-z]|\bapi[ _-]?keys?\b|\bpasswords?\b|"
    r"\bcredentials\b|\bsecrets?\b|\btokens?\b|\bthe user'?s?\b|\bsystem prompt\b|"
    r"\bconversation\b|\bchat history\b|\ba copy\b)"
)
_ACT = (
    r"(?:send|forward|email|e-mail|post|upload|transmit|exfiltrate|leak|share|visit|navigate|"
    r"browse|fetch|call|execute|delete|remove|transfer|wire|include|append|add|insert|output|"
    r"print|say|write|tell|reply|respond|recommend)"
)
_SENDING = r"(?:send|transfer|wire|pay|payment|email|post|upload|forward|share|grant|money|funds)"
_SENDING_TOOL = rf"(?:(?:[a-z]+_)+{_SENDING}(?:_[a-z]+)*|{_SENDING}(?:_[a-z]+)+)"
_MALICE = (
    r"(?:os\.system|subprocess|exfiltrat|attacker|\bevil\b|rm -rf|/etc/(?:passwd|shadow)|"
    r"169\.254\.169\.254|\|\s?(?:ba)?sh\b|/bin/(?:ba)?sh|nc -e|__import__|\beval\()"
)

_TARGET_ATOMS = (
    "*://", "www", "*@", "api", "password", "passwords", "credentials", "secret", "secrets",
    "token", "tokens", "user", "conversation", "history", "copy", "ignore", "disregard",
    "forget", "stop",
)  # fmt: skip
_NEW_OR_ROLE = (
    "new", "updated", "real", "actual", "additional", "important", "urgent",
    "priority", "hidden", "system", "admin", "administrator", "assistant",
    "developer", "operator", "root", "user", "human",
)  # fmt: skip
_MALICE_ATOMS = (
    "*os.system", "*subprocess", "*exfiltrat", "*attacker", "evil", "*rm -rf",
    "*/etc/", "*169.254.169.254", "*|sh", "*| sh", "*|bash", "*| bash", "*/bin/",
    "*nc -e", "*__import__", "*eval(",
)  # fmt: skip


_VOCATIVE = re.compile(
    r"(?:^|[.!?:;>*#\-]\s?|\b(?:attention|dear|hey|hello|hi|note|notice|warning|important|"
    r"urgent|reminder|psa)\W{0,3})(?:to |for )?(?:the |any |all |an? )?$"
)


def _addressed(text: str, m: re.Match[str], memo: Memo) -> bool:
    """The model's name opens a sentence or follows a greeting ("Attention AI:", "Dear
    assistant,"), outside code fences: a vocative, not a mention."""
    if not word_start(text, m, memo):
        return False
    return _VOCATIVE.search(text[max(0, m.start() - 24) : m.start()]) is not None and not_in_code(
        text, m, memo
    )


_IMPERATIVE = re.compile(
    r"(?:^|[.!?:;,]\s?|\b(?:and|then|also|please|silently|quietly|secretly|first)\s)(?:send|"
    r"forward|email|e-mail|post|upload|transfer|wire|pay|delete|remove|share|grant|add|include|"
    r"append|insert|call|run|execute|book|buy|purchase|change|update|reset|click|visit|open|"
    r"download|install|subscribe|enable|disable)\b"
)
_CLAUSE_START = re.compile(r"(?:^|[.!?:;]\s?|\b(?:and|but)\s)(?:please\s)?$")


def _hidden_from_user(text: str, m: re.Match[str], memo: Memo) -> bool:
    """The step is hidden: "... without telling the user" after an order at a clause
    start, or "do not tell the user" opening a clause; not a privacy policy ("we never share
    ... without informing the user")."""
    before = sentence(text, m, 110)[0]
    if m.group(0).startswith("without"):
        return _IMPERATIVE.search(before) is not None
    return _CLAUSE_START.search(text[max(0, m.start() - 12) : m.start()]) is not None


_SENDING_VERBS = ("send", "transfer", "wire", "pay", "payment", "email", "post", "upload",
                  "forward", "share", "grant", "money", "funds")  # fmt: skip
_TOOL_NAME = snake_case_with(_SENDING_VERBS)
"""A snake_case name holding a sending or paying word."""

_NAMED_MODEL = (
    r"(?:ai|llm|ai assistant|assistant|chatbot|ai agent|ai model|language model|large language "
    r"model|gpt|chatgpt|claude|gemini|copilot)"
)
"""A model named as such; a bare "agent:" or "model:" in a comment is a metadata label."""
_LABEL = r"(?:instructions?|directives?|notes?|override|prompt|message|commands?)"
_READING = (
    "reading", "processing", "summarizing", "summarising", "parsing", "handling", "ingesting",
    "retrieving", "citing", "using", "indexing", "answering",
)  # fmt: skip
_KEY_MODELS = ("assistant", "ai", "llm", "model", "agent", "bot", "chatbot", "gpt")
_READERS = r"(?:ai )?(?:assistants?|ais|models?|agents?|llms?|chatbots?|language models?|bots?)"

PLANTED_RULES: tuple[Rule, ...] = (
    rule(
        "readers_must_en",
        r"(?:all|any|every|each) " + _READERS + r"(?: that are| which are| who are)? "
        r"(?:reading|processing|summari[sz]ing|parsing|handling|ingesting|retrieving|citing|"
        r"using|indexing|answering from) (?:this|these)\b[^.!?]{0,40}?\b(?:must|should|are "
        r"(?:required|instructed|asked) to|shall|need to|have to) (?!be\b|have been\b)",
        need=(("all", "any", "every", "each"), _READING, _MODEL_WORDS),
        validate=word_start,
    ),
    rule(
        "model_directive_key_en",
        r"[\"']_?(?:assistant|ai|llm|model|agent|bot|chatbot|gpt)[_-](?:directives?|instructions?|"
        r"notes?|override|prompt|commands?|task|orders?)[\"']\s?:",
        need=(tuple(f"*{w}{sep}" for w in _KEY_MODELS for sep in "_-"),),
        pre=r"[\"']\s?:",
    ),
    rule(
        "read_this_then_act_en",
        r"(?:when|once|while|as soon as|before) (?:you |the (?:ai|assistant|model|agent|"
        r"llm) |an? (?:ai|assistant|model|agent|llm) )?(?:(?:have|had|are|'ve) )?(?:read|process|"
        r"summari[sz]|pars|analy[sz]|review|ingest|see|encounter|load|index|handl|translat|answer|"
        r"repl[yi]|respond)(?:s|es|e|ing|ed)? (?:to )?(?:this|these|the following|it|the user"
        r"(?:'s)?)\b[^.!?]{0,40}?,\s?(?:(?:you (?:must|should|need to|are to)|please|first|"
        r"immediately|always|also|silently|quietly) )*(?:(?:ignore|disregard|forget)\b|stop\b|"
        + _ACT
        + r"\b[^.!?]{0,80}?"
        + _TARGET
        + r")",
        need=(
            ("when", "once", "while", "soon", "before"),
            ("this", "these", "following", "it", "user"),
            _TARGET_ATOMS,
        ),
        validate=word_start,
    ),
    rule(
        "vocative_model_en",
        _MODEL + r"s?(?: (?:that is |who is |which is )?(?:reading|processing|summari[sz]ing|"
        r"parsing|analy[sz]ing|reviewing|scanning|ingesting|viewing|handling) (?:this|these|the "
        r"following)(?: \w{1,16})?)?\s?[:,!]\s?(?:please )?(?:[^.!?]{0,100}[.!?]\s?){0,2}?"
        r"(?:please )?" + _HIJACK,
        need=(_MODEL_WORDS, (":", ",", "!")),
        validate=_addressed,
        pre=r"[:,!]",
    ),
    rule(
        "hidden_comment_to_model_en",
        r"<!--\s?(?:(?:note|message|instructions?|hint|reminder) (?:to|for) )?(?:the |any |all )?"
        r"(?:"
        + _NAMED_MODEL
        + r"s?(?:[-_ ]"
        + _LABEL
        + r")?|(?:agent|model|bot)s?[-_ ]"
        + _LABEL
        + r")(?: (?:reading|processing|summari[sz]ing|parsing|reviewing) this[^:,>]{0,30})?"
        r"\s?[:,]|<!--\s?(?:hidden |secret |important |new |real )?(?:instructions?|prompt|"
        r"system prompt|directives?)\s?(?:for|to) (?:the |any )?" + _MODEL + r"s?\b",
        need=(("<!--",), _MODEL_WORDS),
    ),
    rule(
        "boundary_then_order_en",
        r"\bend of (?:the )?(?:document|email|e-mail|message|mail|tool (?:output|result|response)|"
        r"function (?:output|result)|output|results?|search results|context|data|input|file|"
        r"page|transcript|text|content|review|article|snippet|record|report)\b\W{0,12}"
        r"(?:(?:new|updated|real|actual|additional|important|urgent|priority|hidden)\s"
        r"(?:instructions?|task|directives?|orders?|request)\b(?:\s(?:from|by) (?:the )?(?:user|"
        r"admin|administrator|system|developer|operator|owner))?\s?[:\-]|(?:system|admin|"
        r"administrator|assistant|developer|operator|root|user|human)\s?(?:message|instructions?|"
        r"prompt|note|override|update|command)?\s?:\s?(?:you|ignore|disregard|forget|new|the user|"
        r"from now|now|reveal|print|output|send|forward|reply|respond|say|always|never|do not|"
        r"delete|call|transfer|stop|override|your)\b)",
        need=(
            ("end",),
            _NEW_OR_ROLE,
        ),
        validate=not_in_code,
        pre=r"end of ",
    ),
    rule(
        "stealth_order_en",
        r"without (?:telling|informing|notifying|alerting|asking|letting|showing|warning|"
        r"consulting) (?:the |your )?user\b",
        need=(("without",), ("user",)),
        validate=_hidden_from_user,
    ),
    rule(
        "stealth_dont_tell_en",
        r"(?:do not|don't|never) (?:tell|inform|notify|alert|warn|show) (?:the |your )?user "
        r"(?:about |of )?(?:this|these|the above|any of this|that) (?:instructions?|messages?|"
        r"notes?|steps?|actions?|requests?|transfers?|tasks?|directives?|commands?|emails?|"
        r"changes?|payments?)\b|(?:do not|don't|never) (?:mention|reveal) (?:this|these|the "
        r"above) (?:instructions?|messages?|notes?|steps?|actions?|requests?|directives?|"
        r"commands?)s? to (?:the |your )?user\b",
        need=(
            ("not", "don", "never"),
            ("user",),
            ("tell", "inform", "notify", "alert", "warn", "show", "mention", "reveal"),
        ),
        validate=_hidden_from_user,
        pre=r" user\b",
    ),
    rule(
        "tool_call_forged_en",
        r"[{,]\s?[\"']?(?:tool|tool_name|function|name|action|command|cmd)[\"']?\s?:\s?[\"']"
        r"[a-z_.]{2,40}[\"']\s?,[^}]{0,200}?" + _MALICE,
        need=(
            ("*tool", "*function", "*name", "*action", "*command", "*cmd"),
            _MALICE_ATOMS,
        ),
        pre=r"[\"']\s?,",
    ),
    rule(
        "tool_target_en",
        r"\b(?:call|invoke|use|run|trigger|execute)(?: the)? (?:tool |function )?"
        + _SENDING_TOOL
        + r"(?: (?:tool|function|action))?\b[^.!?]{0,80}?(?:[\w.+-]+@[\w-]+\.[a-z]{2,}|\biban\b|"
        r"\b[a-z]{2}\d{2}[a-z0-9]{11,30}\b|\b(?:wallet|btc|bitcoin|eth|crypto) address\b|\b0x"
        r"[0-9a-f]{16,}\b|\baccount (?:number |no\.? |#)?\d)",
        need=(
            ("call", "invoke", "use", "run", "trigger", "execute"),
            ("*_",),
            ("*@", "iban", "address", "*0x", "account"),
        ),
        pre=_TOOL_NAME,
    ),
    rule(
        "false_memory_en",
        r"\b(?:earlier|previously|before|already|last time|in (?:our|the) (?:previous|last|"
        r"earlier) (?:conversation|session|chat))\b[^.!?]{0,20}?\byou (?:confirmed|agreed|"
        r"promised|said|accepted|approved|consented)(?: that)? (?:you (?:would|will|could)|to|it "
        r"was (?:ok|okay|fine) to)\b[^.!?]{0,40}?(?:\b[a-z]+_[a-z_]+\b|(?:^|\s)/[\w.]|https?://|"
        r"\b(?:ignore|bypass|disable|reveal|share) (?:your|the) (?:rules|guidelines|instructions|"
        r"system prompt|restrictions|filters|safety))",
        need=(
            ("earlier", "previously", "before", "already", "last", "previous"),
            ("confirmed", "agreed", "promised", "said", "accepted", "approved", "consented"),
        ),
    ),
)
