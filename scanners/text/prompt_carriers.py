"""prompt_injection: instructions said to ride in a carrier the model reads, and the user's
task declared replaced (issue 14, sixth round).

Generalised by family from the dev half of the public kits (promptwl's image-and-file,
tool-and-RAG and language-switching families, raginject's documents, agentic-redteam's
indirect suite, jailbreak-arena's injections), never from held-out text; the look-alikes that
pass are in `tests/scanners/text/test_pi_carriers.py`:

- `carrier_instructions_en`: an image, caption, alt text, EXIF field, PDF, attachment, QR
  code or retrieved page said to hold "your real instructions", "hidden instructions" or "a
  system prompt you must adopt"; "follow the note written on the whiteboard in this photo";
  a manual that "contains the instructions for assembly" passes;
- `task_replaced_en`: something that "overrides the user's request", "should replace your
  current task", "supersedes your previous instructions" or "overrides your training": only
  a text addressed to the model speaks of its task and its training; "overrides the user's
  request headers" (a noun after the noun) passes;
- `translate_and_obey_en`: translate, unscramble or transliterate something and then follow,
  execute or obey it (the decode-and-obey family of `prompt_orders` for another language or an
  anagram; "decode ... and follow it" is left to `encoded`, whose finding also counts in a
  system message); "translate this and then summarise it" passes, and so does a speaker
  asking about their own task ("should I translate the recipe and then follow it?");
- `answer_replaced_en`: reply with a quoted string "instead of answering", "regardless of the
  question" or after "disregard the passage above": the answer swapped for the attacker's
  text; "reply with 'yes' or 'no'" passes.

Patterns match the normaliser's output (casefolded, whitespace collapsed) behind word gates.
"""

from __future__ import annotations

from scanners.text.finding import Rule, rule
from scanners.text.prompt_canary import word_start

_NOT_A_THING = (
    r"(?! (?:headers?|body|bodies|param(?:eter)?s?|fields?|urls?|ids?|types?|timeouts?|limits?|"
    r"size|method|logs?|handlers?|schemas?|formats?|strings?|data|paths?|flags?|options?|"
    r"settings?|config|values?|queues?|count|rates?|cache|hooks?|templates?)\b)"
)
"""What may not follow the noun of `task_replaced_en`: "overrides the user's request
headers" is about an HTTP request, not the model's task."""

_CARRIER = (
    r"(?:image|photo|picture|screenshot|pdf|file|document|attachment|caption|alt[- ]?text|exif"
    r"(?: \w+)?|metadata|qr code|barcode|footer|header|whiteboard|scanned page|page|"
    r"web ?page|webpage|video|audio|transcript|slide|spreadsheet|comment field|description)"
)
_CARRIER_WORDS = (
    "image", "photo", "picture", "screenshot", "pdf", "file", "document", "attachment",
    "caption", "alt", "alttext", "exif", "metadata", "qr", "barcode", "footer", "header",
    "whiteboard", "page", "webpage", "web", "video", "audio", "transcript", "slide",
    "spreadsheet", "field", "description", "images", "photos", "files", "documents",
)  # fmt: skip
_ORDER_WORDS = (
    "instructions", "instruction", "task", "orders", "prompt", "directive", "directives",
    "objective", "commands", "command", "follow", "execute", "obey", "carry",
)  # fmt: skip
_HIDDEN_ORDERS = (
    r"(?:your (?:real|new|true|actual|hidden|updated) (?:instructions?|task|orders|prompt|"
    r"directives?|objective)|(?:a |an |the )?(?:hidden|secret|embedded|concealed|invisible) "
    r"(?:instructions?|prompt|commands?|directives?|orders)|"
    r"(?:new |real |authori[sz]ed )?instructions? for (?:the |you, the )?(?:assistant|ai|"
    r"model|agent|llm|chatbot)|(?:a |the )?system prompt (?:you|that you|which you) (?:must|"
    r"should|will|are to))"
)

CARRIER_RULES: tuple[Rule, ...] = (
    rule(
        "carrier_instructions_en",
        _CARRIER + r"s?\b[^.!?]{0,50}?\b(?:contains?|holds?|has|carries|hides|includes?|is|"
        r"are)\b[^.!?]{0,12}?" + _HIDDEN_ORDERS + r"|\bfollow (?:the )?(?:note|text|"
        r"instructions?|commands?|message|orders?|directions?) (?:written|hidden|embedded|"
        r"contained|shown|printed|encoded)\b[^.!?]{0,30}?\b(?:in|on|inside) (?:this|that) "
        + _CARRIER
        + r"|\b(?:hidden|embedded|written|encoded|stored) in (?:this|the) (?:\w+'s )?"
        + _CARRIER
        + r"[^.!?:]{0,30}?:\s?(?:new |real |hidden |your )*(?:instructions?|orders|directives?)\b"
        r"|\b(?:decode|read|scan|open|extract) the " + _CARRIER + r"[^.!?]{0,40}?\band "
        r"(?:then )?(?:follow|execute|obey|carry out)\b",
        need=(_CARRIER_WORDS, _ORDER_WORDS),
    ),
    rule(
        "task_replaced_en",
        r"(?:overrides?|supersedes?|replaces?|should replace|must replace|takes? precedence "
        r"over|invalidates?|cancels?) (?:the user'?s?|your(?: current| original| previous| "
        r"existing| prior| initial)?|all (?:previous|prior|other|earlier)) (?:request|task|"
        r"instructions?|question|prompt|goal|objective|guidelines|rules|training|programming|"
        r"directives?|system prompt)s?\b" + _NOT_A_THING,
        need=(
            (
                "overrides",
                "override",
                "supersedes",
                "supersede",
                "replaces",
                "replace",
                "precedence",
                "invalidates",
                "invalidate",
                "cancels",
                "cancel",
            ),
            ("user", "your", "all"),
            (
                "request",
                "task",
                "instructions",
                "instruction",
                "question",
                "prompt",
                "goal",
                "objective",
                "guidelines",
                "rules",
                "training",
                "programming",
                "directive",
                "directives",
                "requests",
                "tasks",
                "questions",
                "prompts",
                "goals",
            ),
        ),
        validate=word_start,
    ),
    rule(
        "translate_and_obey_en",
        r"(?<!\bi )(?<!\bwe )(?:translate|unscramble|transliterate|interpret)\b"
        r"[^.!?]{0,60}?\b(?:and|then)\b[^.!?]{0,20}?\b(?:follow|execute|obey|comply with|"
        r"carry out|act on|do what|do as) (?:it|them|that|this|the (?:instructions?|commands?|"
        r"orders?)|what it says|as it says|its instructions?|the meaning)\b|the (?:real|true|"
        r"actual|hidden) (?:instruction|command|task|request|order)s? (?:is|are) (?:written|"
        r"hidden|encoded|given|placed)\b[^.!?]{0,60}?\b(?:execute|follow|obey|do|perform|carry "
        r"out)\b",
        need=(
            (
                "translate",
                "unscramble",
                "transliterate",
                "interpret",
                "real",
                "true",
                "actual",
                "hidden",
            ),
            ("follow", "execute", "obey", "comply", "carry", "act", "do", "perform"),
        ),
        validate=word_start,
    ),
    rule(
        "answer_replaced_en",
        r"(?:reply|respond|answer|output|say)(?: only)? with (?:exactly |only |just |the "
        r"(?:text|string|phrase|word) )?[\"'\u201c][^\"'\u201d\n]{1,80}[\"'\u201d][^.!?]{0,30}?"
        r"\b(?:instead of (?:answering|responding|replying|summari[sz]ing|the (?:answer|"
        r"response|summary))|regardless of (?:the|what the|what) (?:user|question|request|"
        r"query|customer)|no matter what (?:the user|they|the question))|(?:ignore|"
        r"disregard|forget) (?:all |everything in )?(?:the |this )?(?:passage|text|content|"
        r"document|context|paragraph|section|input|data|page|article)s? (?:above|before this|so "
        r"far)\b[^.!?]{0,6}?(?:,|;|\.|and|then)\s?(?:instead\s|just\s)?(?:reply|respond|answer|"
        r"say|print|output|write) (?:only )?(?:with )?(?:exactly |only |just |verbatim )?"
        r"[\"'\u201c]",
        need=(
            ("reply", "respond", "answer", "output", "say", "print", "write"),
            ("instead", "regardless", "matter", "above", "before", "far"),
        ),
        validate=word_start,
    ),
)
