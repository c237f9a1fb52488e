"""prompt_injection: forged turns, forged authority notes and forged tool results that order
an action (issue 14, ninth round — forged turns).

An agent reads user content, tool results and tool descriptions; an attacker who controls any
of them writes text shaped like a part of the conversation the model trusts more, then gives
an order there. The grammar, written before looking at the misses:

    FORGED_TURN   = "[" ROLE "]" ":" ORDER          one side of a conversation, alone
    AUTHORITY     = ("**" | "[") LABEL ("**" | "]") ":" ORDER ... AUTONOMY
    FORGED_RESULT = TOOL_TAG ... CONFIRMATION       a tool result that confirms for the user

- ROLE is the user, human, customer or account holder, or the assistant; ORDER is an action
  verb (buy, sell, execute, transfer, send, post, share, delete, place an order, report,
  recommend) within the same turn. A pasted chat transcript has both sides; a forged turn is
  one side only, so a text holding a tag of the other side does not count (the transcript
  pasted for summarising passes), and neither does one inside a code fence;
- LABEL names authority or standing consent (system, admin, priority, override, standing
  order, pre-authorization, verification, broker, operator, compliance, security); the order
  must carry AUTONOMY, what a tool's documentation never asks of a model: acting
  automatically, alongside or with every request, when the tool is used, before responding,
  silently, without asking, always, regardless, the opposite of what was asked. "**Note**:
  call this before X" has no authority label and passes; "**Security**: run the installer as
  administrator" has no autonomy and passes;
- TOOL_TAG is `<tool_result>`, `<function_call>`, `<function_result>`, `<tool_output>`,
  `<internal_state>`; CONFIRMATION is a flag that consent was given or skipped
  (`user_confirmed: true`, `skip_confirmation=true`, `execute_immediately: true`) or "user
  confirmed ... proceed". Two such flags without the tag count too (a preference block that
  turns confirmation off and execution on).

Chat-template control tokens (`<|system|>`, `<|im_start|>system`, `[INST]`, `<<SYS>>`) are
`fake_system_turn_en` (`prompt_rules_en`), and a user turn that orders the model to ignore or
repeat is `forged_user_turn_en` (`prompt_indirect`); these rules add the action orders. None
counts in a system message (`OPERATOR_FAMILIES`): an operator may describe its own tools'
conventions. The gates are the rare marks only (a bracketed role tag, `]:` or `**:` with an
authority word, a consent flag's name), not the action verbs ordinary prose is full of: the
4 KB chat body's six checks +0.1 % instructions, the 4 KB docs slice (Markdown, bold labels)
+2.2 % (`python -m benchmarks.scan_instructions --base main -n 40`). Look-alikes in
`tests/scanners/text/test_pi_forged.py`.
"""

from __future__ import annotations

import re

from scanners.text.finding import Memo, Rule, rule
from scanners.text.prompt_indirect import not_in_code

_ACTIONS = (
    "buy", "sell", "short", "execute", "executing", "transfer", "wire", "send", "pay", "post",
    "share", "delete", "purchase", "place", "report", "recommend",
)  # fmt: skip
_ACTION = "|".join(_ACTIONS)
_USER_SIDE = ("user", "human", "customer", "client", "account holder")
_MODEL_SIDE = ("assistant", "ai", "agent", "bot", "model")
_SIDES = "|".join((*_USER_SIDE, *_MODEL_SIDE))
_TAG = re.compile(rf"\[({_SIDES})\]\s?:")


def _one_side(text: str, m: re.Match[str], memo: Memo) -> bool:
    """A forged turn, not a transcript: no tag of the other side anywhere in the text, and
    not inside or right before a code fence."""
    if not not_in_code(text, m, memo):
        return False
    side = m.group(1) in _USER_SIDE
    return all((t.group(1) in _USER_SIDE) == side for t in _TAG.finditer(text))


_AUTHORITY = (
    r"system|admin|administrator|priority|override|standing|pre-?authori[sz]ation|"
    r"authori[sz]ation|verification|broker|operator|compliance|security"
)
_AUTONOMY = (
    r"automatic(?:ally)?|auto-\w+|alongside|with every|when this tool is (?:used|called|"
    r"invoked)|before (?:responding|replying|answering|you (?:respond|reply|answer))|"
    r"silent(?:ly)?|without (?:asking|confirmation|confirming|telling|informing|notifying)|"
    r"always|regardless|opposite|reverse|pre-?approved|pre-?authori[sz]ed"
)
_CONFIRM = (
    r"(?:user_?confirmed|skip_?confirmation|bypass_?confirmation|execute_?immediately|"
    r"auto_?execute|pre_?authori[sz]ed)[\"']?\s?[:=]\s?[\"']?(?:true|1|yes)\b"
)
_TOOL_TAGS = ("<tool_result>", "<function_call>", "<function_result>", "<tool_output>",
              "<internal_state>")  # fmt: skip
_CONFIRM_RE = re.compile(_CONFIRM)


def _tagged_or_twice(text: str, m: re.Match[str], memo: Memo) -> bool:
    """A confirmation forged inside a tool tag, or two such flags in one block."""
    if m.group().startswith("<"):
        return True
    return any(t in text for t in _TOOL_TAGS) or len(_CONFIRM_RE.findall(text)) >= 2


_TURN = rf"\[({_SIDES})\]\s?:\s?[^\[\]]{{0,100}}?\b(?:{_ACTION})\b"
_HEADER = rf"(?:\*\*|\[)(?:[\w-]+ ){{0,3}}?(?:{_AUTHORITY})(?: [\w-]+){{0,3}}(?:\*\*|\])\s?:"
_ORDER = rf"(?:{_ACTION}|include|trade)"
_NOTE = (
    rf"{_HEADER}[^*\[\]]{{0,140}}?\b{_ORDER}\b[^*\[\]]{{0,100}}?\b(?:{_AUTONOMY})\b|"
    rf"{_HEADER}[^*\[\]]{{0,140}}?\b(?:{_AUTONOMY})\b[^*\[\]]{{0,60}}?\b{_ORDER}\b"
)
_RESULT = (
    rf"<(?:{'|'.join(t[1:-1] for t in _TOOL_TAGS)})>[^<]{{0,200}}?"
    r"\buser (?:has )?confirmed\b[^<]{0,80}?\b(?:proceed|execute|go ahead)\b|" + _CONFIRM
)
_NEED_TURN = (tuple(f"*[{side}]" for side in (*_USER_SIDE, *_MODEL_SIDE)),)
_NEED_NOTE = (
    ("*]:", "*] :", "**:", "** :"),
    ("system", "admin", "administrator", "priority", "override", "standing",
     "pre-authorization", "preauthorization", "pre-authorisation", "authorization",
     "authorisation", "verification", "broker", "operator", "compliance", "security"),
)  # fmt: skip
_NEED_RESULT = (
    ("*confirmed", "*confirmation", "*execute_immediately", "*executeimmediately",
     "*auto_execute", "*autoexecute", "*pre_authori", "*preauthori"),
)  # fmt: skip

FORGED_RULES: tuple[Rule, ...] = (
    rule("forged_turn_action_en", _TURN, need=_NEED_TURN, validate=_one_side),
    rule("forged_authority_order_en", _NOTE, need=_NEED_NOTE, validate=not_in_code),
    rule("forged_tool_confirmation_en", _RESULT, need=_NEED_RESULT, validate=_tagged_or_twice),
)
