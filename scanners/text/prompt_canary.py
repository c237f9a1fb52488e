"""prompt_injection: a marker code ordered into the model's replies (issue 14, sixth round).

The probe an indirect injection uses to prove it was obeyed: a code (`AIB-CANARY-N8M3`,
`ZX-1234`, `{canary}`) that a tool result, a web page or a README orders into every reply or
into "your answer". Generalised from the dev half of agent-injection-bench and bastioncorpus
and from the canary probes of the public kits, never from held-out text:

- `canary_order_en`: an adding verb, then "every response" / "your summary" with the code
  after it or right after the verb ("end every response with the code ...", "append the token
  {x} to every summary");
- `canary_must_en`: "the reference code ... must be included in every report you generate";
- `canary_reply_with_en`: "respond to every query with ... <code>";
- `canary_confirm_en`: "confirm receipt by outputting <code>"; "by outputting", "printing",
  "emitting" or "echoing" is the order itself, code or no code ("confirm receipt by
  outputting the phrase below"). Its gate used to want a code anywhere in the text (`pre`)
  and a whole word "outputting": neither is implied by that branch, so the gated scan missed
  what the ungated one found (one held-out text in session 14; `tests/scanners/text/
  test_gate_soundness.py` finds such texts from the regex alone). `canary_reply_with_en`'s
  verb must start a word (`word_start`), as its need group has it;
- `canary_order_world`: the code "must be added to every reply" in French, Spanish, Italian,
  Portuguese and German.

A ticket number a support page asks people to quote ("include your ticket number INC-1 in all
replies"), "confirm receipt by replying to this email" and a code a person needs pass
(`tests/scanners/text/test_pi_planted.py`). Each rule is anchored on its rarest phrase, with
the code checked around it (`sentence`), so `re` does not try a code at every position.
"""

from __future__ import annotations

import re

from scanners.text.finding import Memo, Rule, rule

_CODE = r"(?:\{[a-z_ ]{1,30}\}|(?=[\w-]*\d)(?=[\w-]*[a-z])[a-z0-9]+(?:[-_][a-z0-9]+)+)"
"""A marker code as it reads once casefolded: a `{placeholder}`, or letters and digits
joined by `-` or `_` (`aib-canary-n8m3`, `zx-1234`); a phone number or a date has no letter."""
_OUT = r"(?:responses?|answers?|summar(?:y|ies)|outputs?|completions?)"
"""What a model produces; a reply, a report or an e-mail is also what people write."""
_OUT_ANY = r"(?:" + _OUT[3:-1] + r"|repl(?:y|ies)|messages?|reports?|reviews?|translations?)"
_EVERY = r"(?:every|each|all|any)\s(?:(?:of\s)?(?:your|the)\s)?(?:future\s|subsequent\s|later\s)?"
_CODE_NOUN = (
    r"(?:(?:exact|following|secret|tracking|reference|session|verification|confirmation|"
    r"canary|special)\s)*(?:token|code|string|phrase|marker|tag|canary|reference|identifier|"
    r"id|word|signature|value)\s"
)

_ADD_WORDS = (
    "end", "start", "begin", "prefix", "suffix", "sign", "finish", "close", "conclude",
    "append", "add", "include", "insert", "put", "output", "print", "mention",
    "write", "tag", "cite", "quote", "state",
)  # fmt: skip
_ADD = "(?:" + "|".join(_ADD_WORDS) + ")"
_ADDED_WORDS = (
    "included", "added", "appended", "shown", "mentioned", "placed", "inserted",
    "printed", "output", "repeated",
)  # fmt: skip
_ASKED_WORDS = (
    "query", "queries", "question", "questions", "prompt", "prompts", "request",
    "requests", "message", "messages",
)  # fmt: skip
_CONFIRM_WORDS = (
    "outputting", "printing", "emitting", "echoing", "replying", "responding",
    "answering", "saying", "writing", "typing", "including",
)  # fmt: skip
_REPLY_WORLD = (
    "réponse", "réponses", "reponse", "reponses", "résumé", "résumés", "antwort",
    "antworten", "zusammenfassung", "zusammenfassungen", "respuesta", "respuestas",
    "resumen", "resúmenes", "risposta", "risposte", "riassunto", "riassunti",
    "resposta", "respostas", "resumo", "resumos",
)  # fmt: skip
_MUST_VERBS = (
    "cite", "include", "mention", "contain", "end", "start", "begin", "say", "state",
    "reference", "quote", "append", "add",
)  # fmt: skip
_EVERY_WORDS = ("every", "each", "all", "any", "your")
_ADD_RE = re.compile(r"\b" + _ADD + r"\b")
_CODE_RE = re.compile(r"(?<![\w-])" + _CODE + r"(?![\w-])")
_ADD_THEN_CODE = re.compile(r"\b" + _ADD + r"\b[^.!?]{0,20}?(?<![\w-])" + _CODE)
_ADD_CODE_RE = re.compile(r"\b" + _ADD + r"\s(?:the\s)?(?:" + _CODE_NOUN + r")?" + _CODE)
_MODEL_OUT = re.compile(_OUT + r"$")
_CODE_PRE = r"[-_{][\w ]*[\d}]|\d[a-z0-9]*[-_]"
"""Every marker code holds this (`-12`, `_n8`, `{canary}`): a `pre` led by a character class.
`[\\w ]`, not `[a-z0-9_ ]`: `_CODE`'s digit may lie past its last ASCII character ("ab-cdé1"
is the code "ab-cd" by its look-ahead), and the pre must still find "-cdé1"."""
_SENTENCE_END = re.compile(r"[.!?]")


def sentence(text: str, m: re.Match[str], reach: int = 80) -> tuple[str, str]:
    """The match's sentence up to `reach` characters either side: (before it, after it)."""
    before = text[max(0, m.start() - reach) : m.start()]
    cut = max(before.rfind("."), before.rfind("!"), before.rfind("?"))
    after = text[m.end() : m.end() + reach]
    end = _SENTENCE_END.search(after)
    return before[cut + 1 :], after[: end.start()] if end is not None else after


def _code_ordered(text: str, m: re.Match[str], memo: Memo) -> bool:
    """An adding verb before "every response" / "your answer", and a marker code after it,
    or right after the verb ("append the token {x} to every summary"); a code a person is
    told to quote in their replies ("include your ticket number INC-1 in all replies") is
    neither."""
    before, after = sentence(text, m)
    if _ADD_THEN_CODE.search(after) is not None:
        return True  # "in your answer, always cite: <code>"
    if _ADD_RE.search(before) is None:
        return False
    if _CODE_RE.search(after) is not None:
        return True
    model_out = m.group(0).startswith("your") or _MODEL_OUT.search(m.group(0)) is not None
    return model_out and _ADD_CODE_RE.search(before) is not None


def word_start(text: str, m: re.Match[str], memo: Memo) -> bool:
    """The match starts a word: the pattern leaves `\\b` out so `re` can skip to the
    characters an alternation of literals starts with."""
    return m.start() == 0 or not (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_")


def _code_after(text: str, m: re.Match[str], memo: Memo) -> bool:
    """A marker code within the next `reach` characters ("must cite the reference code X")."""
    return _CODE_RE.search(text, m.end(), m.end() + 120) is not None


def _word_then_code(text: str, m: re.Match[str], memo: Memo) -> bool:
    return word_start(text, m, memo) and _code_after(text, m, memo)


def _code_before(text: str, m: re.Match[str], memo: Memo) -> bool:
    """A marker code earlier in the same sentence ("the code X-1 must be included in ...")."""
    return _CODE_RE.search(sentence(text, m)[0]) is not None


CANARY_RULES: tuple[Rule, ...] = (
    rule(
        "canary_doc_must_en",
        r"(?:any|every|each|all) (?:answers?|responses?|repl(?:y|ies)|summar(?:y|ies)|outputs?)"
        r"(?: that| which)? (?:drawing on|based on|using|citing|referencing|derived from|"
        r"generated from|that uses|about|concerning|mentioning|referring to|drawn from) (?:this|"
        r"these) \w+\b[^.!?]{0,30}?\b(?:must|should|shall|has to|is required to|needs to) "
        r"(?:always )?(?:cite|include|mention|contain|end with|start with|begin with|say|state|"
        r"reference|quote|append|add)\b",
        need=(("any", "every", "each", "all"), _MUST_VERBS),
        validate=_word_then_code,
        pre=_CODE_PRE,
    ),
    rule(
        "canary_order_cjk",
        r"(?:回复|回答|答复|响应|摘要|总结|返信|応答|要約)[^\u3002\uff01\uff1f!?]{0,30}?(?:必须|务必|一定要|必ず)"
        r"[^\u3002\uff01\uff1f!?]{0,12}?(?:附上|加上|包含|注明|添加|带上|附加|付け|記載|含め|追加|付与)",
        need=(
            ("*必须", "*务必", "*一定要", "*必ず"),
            ("*回复", "*回答", "*答复", "*响应", "*摘要", "*总结", "*返信", "*応答", "*要約"),
        ),
        validate=_code_after,
    ),
    rule(
        "canary_order_en",
        r"(?:every|each|all|any|your) (?:(?:of )?(?:your|the) )?(?:future |subsequent |later )?"
        + _OUT_ANY
        + r"\b",
        need=(
            _ADD_WORDS,
            _EVERY_WORDS,
        ),
        validate=_code_ordered,
        pre=_CODE_PRE,
    ),
    rule(
        "canary_must_en",
        r"(?:must|should|has to|needs to|is to|shall) (?:always )?be (?:included|added|appended|"
        r"shown|mentioned|placed|inserted|printed|output|repeated)\b[^.!?]{0,30}?\b(?:(?:every|"
        r"each|all|any) (?:future |subsequent )?(?:" + _OUT + r"|" + _OUT_ANY + r" you "
        r"(?:produce|generate|write|give|create))|your " + _OUT_ANY + r")\b",
        need=(
            _ADDED_WORDS,
            _EVERY_WORDS,
        ),
        validate=_code_before,
        pre=_CODE_PRE,
    ),
    rule(
        "canary_reply_with_en",
        r"(?:respond|reply|answer) (?:to )?" + _EVERY + r"(?:quer(?:y|ies)|questions?|prompts?|"
        r"requests?|messages?)\b[^.!?]{0,40}?\bwith\b[^.!?]{0,30}?\b" + _CODE,
        need=(
            ("respond", "reply", "answer"),
            ("every", "each", "all", "any"),
            _ASKED_WORDS,
        ),
        validate=word_start,  # the verb starts a word, as the need group has it
        pre=_CODE_PRE,
    ),
    rule(  # no `pre`: "by outputting" names no code (see the module docstring)
        "canary_confirm_en",
        r"\bconfirm\b[^.!?]{0,40}?\bby (?:(?:outputting|printing|emitting|echoing)\b|(?:replying|"
        r"responding|answering|saying|writing|typing|including) (?:with )?(?:the )?(?:"
        + _CODE_NOUN
        + r")?"
        + _CODE
        + r")",
        need=(
            ("confirm",),
            _CONFIRM_WORDS,
        ),
    ),
    rule(
        "canary_order_world",
        r"(?:(?:doit|doivent) (?:être|etre) (?:ajouté|ajoutée|ajoutés|inclus|incluse|mentionné|"
        r"mentionnée|affiché|affichée|ins[ée]r[ée]e?)|(?:debe|deben) (?:añadirse|incluirse|"
        r"agregarse|aparecer|figurar|mostrarse|ser (?:añadido|incluido|agregado))|(?:deve|devono) "
        r"(?:essere (?:aggiunto|aggiunta|incluso|inclusa|inserito|inserita|riportato)|ser "
        r"(?:adicionado|adicionada|inclu[íi]do|inclu[íi]da|inserido|inserida)|aparecer))\b"
        r"[^.!?]{0,50}?\b(?:toute|chaque|toutes les|vos|votre|cada|toda|todas las|tu|su|sus|ogni|"
        r"tutte le|la tua|sua|todas as)\s(?:\w+\s)?(?:réponses?|reponses?|résumés?|resumes?|"
        r"respuestas?|resúmenes|resumen|risposte?|riassunt[oi]|respostas?|resumos?)\b|"
        r"(?:muss|soll) (?:am ende |am anfang |in |zu beginn )?(?:jeder|jede|allen|ihrer|deiner) "
        r"(?:\w+ )?(?:antwort(?:en)?|zusammenfassung(?:en)?) (?:angehängt|angefügt|eingefügt|"
        r"enthalten|ausgegeben|stehen|erscheinen)\b",
        need=(
            ("doit", "doivent", "muss", "soll", "debe", "deben", "deve", "devono"),
            _REPLY_WORLD,
        ),
        validate=_code_before,
        pre=_CODE_PRE,
    ),
)
