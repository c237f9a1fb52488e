"""prompt_injection: tool and RAG injection in short form, and agentic tool abuse (issue 14,
seventh round).

`prompt_planted` and `prompt_orders` catch orders addressed to whatever model reads a
document and named sending tools called with an attacker's target. The family's GRAMMAR,
written from the attack class (indirect injection in retrieved pages, e-mails and tool
results; an agent talked into using its own tools against its user) and checked against the
dev halves of promptwl's tool-and-RAG list, agentic-redteam's indirect suite,
jailbreak-corpus-mini's tool misuse, AgentThreatBench's exfiltration scenarios and nullsec's
function abuse:

- the ACTORS are the assistant and its tools: the shell, terminal, code interpreter, browser,
  file system, an API or function it may call; and the retrieved text, tool output or page
  that speaks to it;
- the VERBS are a send (send, forward, e-mail, upload, post, exfiltrate), a run (run,
  execute, use the shell to ...), a grant (grant yourself, set `is_admin=true`), or the
  retrieved text claiming authority over the model (instructs you, authorises you);
- the OBJECT is what no ordinary task needs: the conversation, the user's secrets or records
  sent to an outside address; a destructive or secret-reading command (`rm -rf /`,
  `~/.ssh/id_rsa`, `.aws/credentials`, `/etc/shadow`); a privilege flag in the model's own
  tool call; a secret declared shareable with an endpoint.

Rules: `exfil_note_en` and `exfil_secret_en` (the conversation or the user's secrets sent to
an e-mail address or URL, when a note to the model asks for it or the object is a secret),
`exfil_url_slot_en` (a link whose query is a slot for the conversation or a secret),
`tool_abuse_en` (the assistant's tool used for a destructive or secret-reading command),
`tool_privilege_en` and `self_privilege_en` (a privilege flag in the model's tool call,
"grant yourself admin rights"), `retrieved_authority_en` (retrieved text or a tool result
that "instructs you to", "authorises you to ... without confirmation"; a secret "can be
shared with this endpoint"), and `exfil_world` (a note to the assistant followed by a send
of the conversation or data to an address, in Spanish, French, German, Portuguese,
Italian, Russian, Chinese and Japanese).
"When you read this log, what caused the crash?", "forward this e-mail to my manager", "use
the shell tool to run the tests", "call the weather API with city=Paris", "the retrieved
context says the store opens at 9", "never run rm -rf / on a server" and "the API key can be
found in the dashboard" pass. A tool order is what an operator may legitimately give its own
agent, so none of these count in a system message. Look-alikes in
`tests/scanners/text/test_pi_agentic.py`.
"""

from __future__ import annotations

import re

from scanners.text.finding import Memo, Rule, rule
from scanners.text.prompt_direct import phrases
from scanners.text.prompt_extraction import not_a_howto

_ADDRESS = r"(?:[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?://\S+|(?:a |an |the |this )?webhook|pastebin)"
_SEND = (
    r"(?:send|forward|e-?mail|upload|post|exfiltrate|copy|bcc|cc|transmit|leak|share|submit|"
    r"relay|mail|sync|dump|pipe)"
)
_CONVERSATION = (
    r"(?:(?:the |this |our |all |every |each |a copy of (?:the |this )?|the full |the entire |"
    r"the whole |full |entire |whole |complete |the complete )*(?:conversation|thread|chat|"
    r"chat history|conversation history|message history|history|transcript|context|inbox|"
    r"emails?|messages|customer records?|user (?:data|records?|profiles?)|records?|"
    r"contact list|address book|contacts|documents?|files|attachments|notes|memory|"
    r"system prompt|instructions)(?: so far| above| history)?)"
)
_SECRET = (
    r"(?:(?:the |this |their |his |her |my |all |every |any |users?'?s? |customers?'?s? |"
    r"stored |saved |session |access |private |ssh |aws |api |auth |login |admin |cloud )*"
    r"(?:passwords?|credentials|api[- ]?keys?|secret keys?|access keys?|private keys?|ssh keys?|"
    r"tokens?|session (?:cookies?|tokens?|ids?)|cookies|secrets|ssns?|social security numbers?|"
    r"credit card (?:numbers?|details)|card numbers?|bank details|env(?:ironment)? "
    r"variables|\.env(?: file)?))"
)
_TO_MODEL = (
    r"(?:(?:note|message|instructions?|notice|reminder|attention|important|directive) "
    r"(?:to|for) (?:the |any |all )?(?:ai|assistant|agent|model|llm|bot|chatbot|copilot|"
    r"gpt|language model)s?|(?:attention|hey|dear|hello) (?:ai|assistant|agent|model|llm|"
    r"bot|chatbot|copilot)s?|(?:the|any|all|every) (?:ai|assistant|agent|model|llm|bot|"
    r"chatbot|copilot)s? (?:reading|processing|summari[sz]ing|handling|parsing|seeing) "
    r"(?:this|these)|(?:the|an?) (?:ai )?(?:assistant|agent|model|llm) (?:must|should|shall|"
    r"will|is (?:required|expected|instructed) to|needs to)|\bsystem:|\bassistant:)"
)
_SEND_WORDS = (
    "send", "forward", "email", "e", "upload", "post", "exfiltrate", "copy", "bcc", "cc",
    "transmit", "leak", "share", "submit", "relay", "mail", "sync", "dump", "pipe",
)  # fmt: skip
_ADDRESS_ATOMS = ("*@", "*http://", "*https://", "webhook", "pastebin")
_NEED_EXFIL_NOTE = (
    _SEND_WORDS,
    _ADDRESS_ATOMS,
    (
        *phrases(("note", "message", "instruction", "instructions", "notice", "reminder",
                  "attention", "important", "directive"), (" to ", " for ")),
        *phrases(("attention ", "hey ", "dear ", "hello "),
                 ("ai", "assistant", "agent", "model", "llm", "bot", "chatbot", "copilot")),
        *phrases((" reading ", " processing ", " summarizing ", " summarising ", " handling ",
                  " parsing ", " seeing "), ("this", "these")),
        *phrases(("ai ", "assistant ", "agent ", "model ", "llm "),
                 ("must", "should", "shall", "will", "is required", "is expected",
                  "is instructed", "needs to")),
        "*system:", "*assistant:",
        *phrases(("also ", "additionally ", "silently ", "quietly ", "secretly ",
                  "automatically "), ("please ", "send", "forward", "email", "e-mail", "upload",
                                      "post", "exfiltrate", "copy", "bcc", "cc", "transmit",
                                      "leak", "share", "submit", "relay", "mail", "sync", "dump",
                                      "pipe")),
    ),
)  # fmt: skip
_NEED_EXFIL_SECRET = (
    _SEND_WORDS,
    _ADDRESS_ATOMS,
    (
        "password", "passwords", "credentials", "key", "keys", "apikey", "apikeys", "token",
        "tokens", "cookie", "cookies", "secrets", "ssn", "ssns", "social", "card", "bank",
        "env", "environment", "session", "ids",
    ),
)  # fmt: skip
_NEED_URL_SLOT = (
    ("*http://", "*https://"),
    ("*={", "*=[", "*=<", "*=$"),
    (
        "*conversation", "*chat", "*history", "*transcript", "*context", "*summary", "*secret",
        "*token",
        "*password", "*key", "*data", "*email", "*messages", "*memory", "*prompt", "*ssn",
        "*credentials", "*cookie", "*session", "*user",
    ),
)  # fmt: skip
_SHELL_TOOL = (
    r"(?:(?:the |your |a )?(?:shell|terminal|bash|command[- ]line|console|code interpreter|"
    r"python|exec|run_command|execute_command|run_shell|code execution|file ?system|browser|"
    r"computer|sandbox)(?: tool| access| function)?)"
)
_DANGER = (
    r"(?:rm -(?:rf|fr|r -f|f -r)\s+(?:/|~|\*|\$home|--no-preserve-root)(?![\w.-])|"
    r"rm -(?:rf|fr) (?:/\*|~/\*)|"
    r"mkfs(?:\.\w+)? /dev/|dd if=/dev/(?:zero|random|urandom) of=/dev/|:\(\)\{:\|:&\};:|"
    r"chmod -r 777 /(?![\w.-])|"
    r"(?:cat|type|print|read|open|upload|send|copy|show|output|display|dump|exfiltrate|leak)"
    r"\b[^\n]{0,30}?(?:~/\.ssh/|/\.ssh/id_|id_rsa|id_ed25519|\.aws/credentials|/etc/shadow|"
    r"\.git-credentials|\.netrc|\.docker/config\.json|\.kube/config)|"
    r"/dev/tcp/[\w.-]+/\d+|\bnc -e /bin/(?:ba)?sh|"
    r"drop (?:table|database) \w+)"
)
_NEED_TOOL_ABUSE = (
    (
        "shell", "terminal", "bash", "command", "line", "console", "interpreter", "python",
        "exec", "run_command", "execute_command", "run_shell", "execution", "file", "filesystem",
        "system", "browser", "computer", "sandbox", "run", "execute", "use", "invoke", "call",
        "type", "enter", "paste", "launch", "using", "with", "via", "through", "open",
    ),
    (
        "*rm -rf", "*rm -fr", "*rm -r -f", "*rm -f -r", "mkfs", "*dd if=/dev/", "*:(){",
        "*chmod -r 777", "*.ssh/", "id_rsa", "id_ed25519", "*.aws/credentials", "*/etc/shadow",
        "*.git-credentials", "*.netrc", "*.docker/config", "*.kube/config", "*/dev/tcp/",
        "*nc -e", "*drop table", "*drop database",
    ),
)  # fmt: skip
_FLAG_NAMES = (
    "admin", "is_admin", "isadmin", "role", "sudo", "bypass_auth", "skip_auth",
    "skip_approval", "require_approval", "requires_approval", "confirm", "human_approval",
)  # fmt: skip
_NEED_FLAG = (
    (
        *phrases(
            tuple(f for f in _FLAG_NAMES if f != "role"),
            ("=", " =", ":", " :", '":', '" :', "':", "' :"),
        ),
        "*role=",
        "*role =",
    ),
    ("true", "1", "false", "admin"),
    ("tool", "function", "api", "endpoint", "calls", "call"),
)
_NEED_YOURSELF = (
    ("*grant yourself", "*give yourself", "*assign yourself", "*elevate your",
     "*escalate your"),
)  # fmt: skip
_FLAG = (
    r"(?:(?:is_?admin|admin|sudo|bypass_auth|skip_auth|skip_approval|require_approval|"
    r"requires_approval|confirm|human_approval)[\"']? ?[:=]|role ?=) ?[\"']?(?:true|1|admin|"
    r"false)\b"
)
_NEED_RETRIEVED = (
    (
        *phrases(("retrieved ", "search ", "tool ", "function ", "api ", "web ", "plugin ",
                  "rag "), ("context", "document", "passage", "snippet", "result", "results",
                            "output", "response", "page", "data", "content", "text")),
        *phrases(("this ",), ("web page", "webpage", "page", "document", "email", "file",
                              "snippet", "tool output", "search result")),
        *phrases(("the user has ",), ("already", "authorized", "authorised", "approved",
                                      "pre-approved", "preapproved", "consented", "allowed")),
        *phrases(("api key", "api keys", "apikey", "apikeys", "token", "tokens", "password",
                  "passwords", "credentials", "secret", "secrets", "session cookie",
                  "session cookies", "private key", "private keys", "ssh key", "ssh keys"),
                 (" can ", " may ", " should ", " must ", " is allowed to ",
                  " are allowed to ")),
    ),
)  # fmt: skip

# other languages: a note to the assistant (or "the assistant must"), then a send of the
# conversation or the user's data to an address
_WORLD_NOTE = (
    r"(?:nota (?:para|al|a la) (?:el |la )?(?:asistente|ia|agente|modelo)|"
    r"(?:el|la) (?:asistente|ia|agente|modelo) (?:debe|deber[áa]|tiene que)|"
    r"note (?:pour|[àa]) (?:l'|la |le )?(?:assistant|ia|agent|mod[èe]le)|"
    r"l'(?:assistant|ia|agent) (?:doit|devra)|"
    r"hinweis (?:f[üu]r|an) (?:den |die |das )?(?:assistenten|ki|agenten|modell)|"
    r"(?:der|die) (?:assistent|ki|agent) (?:muss|soll)|"
    r"nota (?:para|ao|[àa]) (?:o |a )?(?:assistente|ia|agente|modelo)|"
    r"o (?:assistente|agente|modelo) (?:deve|dever[áa]|tem que)|"
    r"nota (?:per|all'|al) ?(?:l'|il )?(?:assistente|ia|agente|modello)|"
    r"l'(?:assistente|agente|ia) (?:deve|dovr[àa])|"
    r"(?:примечание|заметка|сообщение|указание) для (?:ассистента|ии|агента|модели)|"
    r"(?:ассистент|агент|модель|ии) (?:должен|должна|обязан)|"
    r"(?:给|致)(?:ai|人工智能)?(?:助手|智能体|模型|代理)的(?:说明|备注|提示|指令)|"
    r"(?:ai|人工智能)?(?:助手|智能体|模型|代理)(?:必须|应该|需要)|"
    r"(?:ai|aiアシスタント|アシスタント|エージェント|モデル)(?:へ|に)の(?:メモ|注記|指示|お知らせ)|"
    r"(?:アシスタント|エージェント|モデル)は(?:必ず)?)"
)
_WORLD_SEND = (
    r"(?:env[íi]a|reenv[íi]a|manda|sube|envoie|transf[èe]re|t[ée]l[ée]verse|sende|schicke|"
    r"leite \w+ weiter|lade \w+ hoch|envie|encaminhe|mande|invia|inoltra|carica|отправ\w*|"
    r"перешл\w*|загрузи\w*|发送|转发|上传|送信|転送|アップロード)"
)
_NEED_WORLD = (
    (
        "envía", "envia", "reenvía", "reenvia", "manda", "sube", "envoie", "transfère",
        "transfere", "téléverse", "televerse", "sende", "schicke", "leite", "lade", "envie",
        "encaminhe", "mande", "invia", "inoltra", "carica", "*отправ", "*перешл", "*загрузи",
        "*发送", "*转发", "*上传", "*送信", "*転送", "*アップロード",
    ),
    (
        "nota", "asistente", "agente", "modelo", "note", "assistant", "agent", "modèle",
        "modele", "hinweis", "assistenten", "ki", "agenten", "modell", "assistent",
        "assistente", "modello", "ia", "*примечание", "*заметка", "*сообщение", "*указание",
        "*ассистент", "*агент", "*модел", "*助手", "*智能体", "*模型", "*代理", "*アシスタント",
        "*エージェント", "*モデル",
    ),
    ("*@", "*http://", "*https://", "webhook", "pastebin"),
)  # fmt: skip

_LINK_BEFORE = re.compile(r"https?://[^\s)\]\"'>]{0,120}$")


def _in_a_link(text: str, m: re.Match[str], memo: Memo) -> bool:
    """The slot is the query of a link: `http(s)://` earlier in the same URL."""
    return _LINK_BEFORE.search(text, max(0, m.start() - 130), m.start()) is not None


AGENTIC_RULES: tuple[Rule, ...] = (
    rule(
        "exfil_note_en",
        rf"{_TO_MODEL}[^\n]{{0,80}}?\b{_SEND}\b[^\n]{{0,30}}?\b{_CONVERSATION}\b[^\n]{{0,60}}?"
        rf"\b(?:to|at|into|via) {_ADDRESS}|"
        rf"\b(?:also |additionally |silently |quietly |secretly |automatically )(?:please )?"
        rf"{_SEND}\b[^\n]{{0,20}}?\b{_CONVERSATION}\b[^\n]{{0,40}}?\b(?:to|at|into|via) "
        rf"{_ADDRESS}",
        need=(_NEED_EXFIL_NOTE[2], _NEED_EXFIL_NOTE[1], _NEED_EXFIL_NOTE[0]),  # rarest first
    ),
    rule(
        "exfil_secret_en",
        rf"\b{_SEND}\b (?:a copy of |all |every |the |their |his |her )*{_SECRET}\b[^\n]{{0,60}}?"
        rf"\b(?:to|at|into|via) {_ADDRESS}",
        need=(_NEED_EXFIL_SECRET[1], _NEED_EXFIL_SECRET[2], _NEED_EXFIL_SECRET[0]),
    ),
    rule(
        # a link whose query is a slot for the conversation or a secret: the model fills it
        # in and the attacker's server logs it ("![img](https://x/log?d={summary})")
        "exfil_url_slot_en",
        r"[?&][\w.-]{1,30}=(?:\{\{?|\[|<|\$\{?)\s?(?:the |user_?|"
        r"full_?|all_?|your_?)?(?:conversation|chat|history|transcript|secrets?|tokens?|"
        r"passwords?|api_?keys?|messages|memory|system_?prompt|ssn|credentials|cookies?|"
        r"session_?(?:id|token)s?|user_?(?:data|info|email))\w*\s?"
        r"(?:\}\}?|\]|>)",
        need=(_NEED_URL_SLOT[1], _NEED_URL_SLOT[0], _NEED_URL_SLOT[2]),
        validate=_in_a_link,
    ),
    rule(
        "tool_abuse_en",
        rf"\b(?:use|using|with|via|through|invoke|call|open) {_SHELL_TOOL}\b[^\n]{{0,50}}?"
        rf"{_DANGER}|"
        rf"(?:^|[.!:;]\s?|\b(?:please|now|then|just|first|and) )(?:run|execute|type|enter|"
        rf"paste|launch)\b[^\n]{{0,40}}?{_DANGER}",
        need=(_NEED_TOOL_ABUSE[1], _NEED_TOOL_ABUSE[0]),
        validate=not_a_howto,
    ),
    rule(
        "tool_privilege_en",
        rf"\b{_FLAG}[^\n]{{0,30}}?\b(?:in|to|for|on) (?:your|the|every|all|each) (?:next |"
        r"following |subsequent )?(?:tool|function|api) ?calls?\b|"
        r"\b(?:call|invoke|hit|query|use) (?:the |this |that )?(?:\w+ )?(?:api|tool|function|"
        rf"endpoint)\b[^\n]{{0,30}}?\b{_FLAG}[^\n]{{0,30}}?\b(?:and|then)\b(?: then)? "
        r"(?:delete|drop|wipe|erase|export|dump|transfer|disable|grant|reset|list all|download "
        r"all|remove)\b",
        need=_NEED_FLAG,
        validate=not_a_howto,
    ),
    rule(
        "self_privilege_en",
        r"\b(?:grant|give|assign) yourself (?:full |admin(?:istrator)? |root |elevated |"
        r"unrestricted |superuser |owner )+(?:access|permissions?|privileges?|rights|role)\b|"
        r"\b(?:elevate|escalate) your (?:own )?(?:privileges?|permissions?|access|role|rights)\b",
        need=_NEED_YOURSELF,
        validate=not_a_howto,
    ),
    rule(
        "retrieved_authority_en",
        r"\b(?:the |this )?(?:retrieved|search|tool|function|api|web|plugin|rag) (?:context|"
        r"document|passage|snippet|results?|output|response|page|data|content|text)\b"
        r"[^.\n]{0,20}?\b(?:(?:instructs?|tells?|orders?|requires?|directs?|commands?|"
        r"authori[sz]es?|permits?|asks?) you to|says (?:that )?you (?:must|should|have to|need "
        r"to|are to))\b|"
        r"\b(?:per|according to|as instructed by) this (?:web ?page|page|document|email|file|"
        r"snippet|tool output|search result),? (?:you (?:must|should|are to|will)|your (?:new |"
        r"real )?(?:instructions|task|orders))\b|"
        r"\bthe user has (?:already )?(?:authori[sz]ed|approved|pre-?approved|consented to|allowed)"
        r"(?: you)?(?: to)? (?:\w+ ){0,6}?(?:without (?:confirmation|approval|asking|"
        r"verification|checking)|all (?:transfers|payments|deletions|actions))\b|"
        r"\b(?:the |this |your |any |all )?(?:api ?keys?|tokens?|passwords?|credentials|secrets?|"
        r"session cookies?|private keys?|ssh keys?) (?:can|may|should|must|is allowed to|are "
        r"allowed to) (?:safely )?(?:be )?(?:shared|disclosed|sent|forwarded|posted|leaked|"
        r"uploaded|exposed|given) (?:with|to) (?:this|that|the following|our|my|any) "
        r"(?:endpoint|url|server|address|site|domain|webhook|email|third party|partner|vendor|"
        r"service)\b",
        need=_NEED_RETRIEVED,
    ),
    rule(
        "exfil_world",
        rf"{_WORLD_NOTE}[^\n]{{0,80}}?(?:{_WORLD_SEND}[^\n]{{0,80}}?{_ADDRESS}|{_ADDRESS}"
        rf"[^\n]{{0,20}}?{_WORLD_SEND})",
        need=_NEED_WORLD,
    ),
)
