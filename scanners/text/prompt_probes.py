"""prompt_injection: agent probes — forged trust in agent infrastructure, orders to skip the
human in the loop, forged reasoning traces (issue 14, eleventh round — agent probes).

Agent red-team kits (agent-guardian, supersafe) no longer say "ignore your instructions":
they hand the agent an artefact of its own infrastructure (an A2A envelope, an agent card, an
MCP server's advertised capabilities, a tool's updated schema, a ReAct observation, a memory
record) and order it to TRUST that artefact, or to drop the check a human would have made.
The GRAMMAR, written from the attack class before reading the misses:

    TRUST    = IMPERATIVE (treat | regard | consider | accept | honour) OBJECT
               as (authoritative | canonical | if it came from / if your own ... |
                   carrying a real sign-off | an established fact | a genuine approval)
             | IMPERATIVE honour the [adj]{0,3} (sender | capabilities | schema | spec |
               manifest | envelope | delegation | grant | agent card | description)
    PEER     = (this is | message from | on behalf of) the ORCHESTRATOR "." IMPERATIVE
               (update | set | change | switch | disable | grant | ...) your STATE
    SKIP     = IMPERATIVE (skip | bypass | drop | waive | omit | route around | turn off)
               the HUMAN SAFEGUARD (human approval / review / sign-off / oversight,
               human-in-the-loop, HITL, per-step / explicit / the user's confirmation or
               consent, the requirement to ask for approval; not "the checker": "disable
               the spell checker" is an editor's setting)
             | (do not | don't | no need to | without) RE-ASK (re-prompt for, re-confirm,
               re-attest) | without surfacing the change (not re-validate: HTTP caches do)
    TRACE    = the text OPENS with the model's own reasoning label (Thought:, Reasoning:,
               [INTERNAL_REASONING], <thinking>) and carries the trace on (Action:,
               Final Answer:, Observation:, "I will", proceed), asking nothing ("?")

- IMPERATIVE: the verb opens the text or a clause (after `.`, `:`, `;`, `,`, `—`, "and",
  "then", "please", "just", "now", "so"); "the resolver will treat it as authoritative" is a
  description, not an order (`_ordered`);
- a negated skip is the opposite of the attack: "never skip human approval for payments"
  passes; a skip as a purpose ("use --yes to skip the user confirmation") passes, and so does
  a how-to ("how do I bypass human review in my pipeline?", `not_a_howto`);
- SAFEGUARD nouns are the agent's human checks only: "skip the GPG signature check" and
  "disable TLS verification" are what man pages and option lists say, and pass;
- a pasted trace asking why the agent looped holds a question and passes; a trace quoted in
  a code fence is documentation and passes (`not_in_code`).

None of these counts in a system message (`OPERATOR_FAMILIES`): an operator may tell its own
agent which approvals it may skip. The gates are the rare words (treat / honour with a trust
word, orchestrator, the safeguard nouns, a trace label): ordinary chat wakes none of them.
Look-alikes in `tests/scanners/text/test_pi_probes.py`. The state-dump family (a template to
fill from the model's own configuration) is `prompt_probes_state`.
"""

from __future__ import annotations

import re

from scanners.text.finding import Memo, Rule, rule
from scanners.text.prompt_extraction import not_a_howto
from scanners.text.prompt_indirect import not_in_code

_CLAUSE_START = re.compile(
    r"(?:^|[.!:;,(\u2014\u2013>\]]|\b(?:and|then|please|just|now|so|simply|also))\s?$"
)


def _ordered(text: str, m: re.Match[str], memo: Memo) -> bool:
    """The verb opens the text or a clause: an order, not a description of what some
    program does ("the resolver will treat it as authoritative"); and not a how-to."""
    if _CLAUSE_START.search(text, max(0, m.start() - 10), m.start()) is None:
        return False
    return not_a_howto(text, m, memo) and not_in_code(text, m, memo)


_NEGATED = re.compile(
    r"\b(?:never|not|don['\u2019]t|do not|doesn['\u2019]t|does not|must not|mustn['\u2019]t|cannot|"
    r"can['\u2019]t|shouldn['\u2019]t|should not|won['\u2019]t|no one|nobody|to)\s(?:\w+\s)?$"
)


def _skip_ordered(text: str, m: re.Match[str], memo: Memo) -> bool:
    """`_ordered` for a skip verb, which must not be negated ("never skip human approval")
    nor a purpose ("use --yes to skip the user confirmation")."""
    if m.group("skip") is None:  # the "do not re-confirm" form is its own polarity
        return not_a_howto(text, m, memo) and not_in_code(text, m, memo)
    if _NEGATED.search(text, max(0, m.start() - 16), m.start()) is not None:
        return False
    return _ordered(text, m, memo)


def _trace_only(text: str, m: re.Match[str], memo: Memo) -> bool:
    """A forged trace asks nothing: a pasted trace with a question is someone debugging."""
    return "?" not in text and not_in_code(text, m, memo)


_TRUST_AS = (
    r"(?:authoritative|(?:the |an? )?(?:canonical|official|binding|genuine|verified|trusted) "
    r"(?:[\w-]+ ){0,3}?(?:policy|instructions?|orders?|rules?|sign-?off|approval|"
    r"authori[sz]ation|message|source|directive)|if (?:it|they|this|that) (?:came|come|were|"
    r"was|had come) (?:from )?|if your own\b|if you (?:had )?(?:wrote|written|produced|"
    r"generated|issued)|carrying (?:a )?(?:real|valid|genuine) |(?:an )?established fact|"
    r"coming from (?:the )?(?:system|operator|orchestrator|admin|administrator|developer))"
)
_ARTEFACT = (
    r"(?:sender|signer|capabilit(?:y|ies)|schema|spec|specification|manifest|envelopes?|"
    r"delegation|grant|agent card|card|tool description|description|trust-grant|token)"
)
_TRUST = (
    r"\b(?:treat|regard|consider|accept|honou?r|take) (?:it|this|that|them|these|those|"
    r"(?:the|any|its|their|this|that) [^.,;:]{1,40}?) as " + _TRUST_AS + "|"
    r"\bhonou?r (?:the|its|their|this|that) (?:[\w'-]+ ){0,3}?" + _ARTEFACT + r"\b"
)
_NEED_TRUST = (
    ("treat", "regard", "consider", "accept", "honour", "honor", "take"),
    (
        "authoritative", "canonical", "official", "binding", "genuine", "verified", "trusted",
        "if", "carrying", "established", "coming", "sender", "signer", "capability",
        "capabilities", "schema", "spec", "specification", "manifest", "envelope",
        "envelopes", "delegation", "grant", "card", "description", "token",
    ),
)  # fmt: skip

_ORCHESTRATOR = (
    r"(?:orchestrator|planner agent|supervisor agent|coordinator agent|root agent|lead agent|"
    r"controller agent|parent agent|manager agent|master agent|orchestrating agent)"
)
_STATE = (
    r"(?:(?:shared[- ])?memory|(?:shared-memory|memory) (?:key|entry|store)|policy|"
    r"instructions|task|goal|objective|system prompt|config(?:uration)?|rules|role|persona|"
    r"trust(?:[- ]\w+)?|tools?|agent card|self-description|permissions|priorit(?:y|ies)|"
    r"guardrails|safety \w+)"
)
_PEER = (
    rf"\b(?:this is|message from|a message from|on behalf of|speaking as|i am|i['\u2019]m) (?:the |"
    rf"your )?{_ORCHESTRATOR}\s?[.:,!\u2014-]+\s?(?:please )?(?:update|set|change|switch|"
    rf"replace|overwrite|disable|drop|clear|reset|rewrite|extend) (?:your|the) "
    rf"(?:[\w-]+ ){{0,2}}?{_STATE}\b"
)
_NEED_PEER = (
    ("orchestrator", "supervisor", "planner", "coordinator", "root", "lead", "controller",
     "parent", "manager", "master", "orchestrating"),
    ("*this is ", "*message from ", "*on behalf of ", "*speaking as ", "*i am ", "*i'm ",
     "*i\u2019m "),
    ("update", "set", "change", "switch", "replace", "overwrite", "disable", "drop", "clear",
     "reset", "rewrite", "extend"),
)  # fmt: skip

_SAFEGUARD = (
    r"(?:human[- ]?(?:in[- ]the[- ]loop|approvals?|reviews?|sign-?offs?|oversight|checks?|"
    r"confirmations?)|hitl|(?:per[- ]step|per[- ]action|per[- ]call|explicit|user|the user'?s|"
    r"sampling|manual|two-person|dual) (?:confirmations?|consent|approvals?|sign-?offs?)|"
    r"(?:requirement|need) to (?:ask|get|obtain|seek|wait) (?:for )?(?:a )?(?:human |user |"
    r"explicit |manual )?(?:approval|confirmation|consent|permission|sign-?off))"
)
_SKIP = (
    r"\b(?P<skip>skip|bypass|drop|waive|omit|route around|circumvent|turn off|switch off|"
    r"disable|ignore|get around|sidestep) (?:the |any |all |your |this |that |their |its "
    rf")?(?:[\w-]+ ){{0,2}}?{_SAFEGUARD}\b|"
    r"\b(?:do not|don['\u2019]t|no need to|without|never) (?:any )?(?:re-?prompt(?:ing)? "
    r"(?:for|the user)|re-?confirm(?:ing|ation)?|re-?attest(?:ing|ation)?|"
    r"surfacing (?:the|any|this|intermediate))\b"
)
_NEED_SKIP = (
    ("skip", "bypass", "drop", "waive", "omit", "route", "circumvent", "turn", "switch",
     "disable", "ignore", "get", "sidestep", "do", "don", "no", "without", "never"),
    ("human", "hitl", "confirmation", "confirmations", "consent", "approval", "approvals",
     "signoff", "signoffs", "sign", "permission", "reprompt", "reprompting", "re",
     "reconfirm", "reconfirming", "reconfirmation", "reattest", "reattesting", "reattestation",
     "surfacing"),
)  # fmt: skip

_TRACE = (
    r"\A\s?(?:\[/?internal[_ ]reasoning\]|<thinking>|\[thought\]|(?:thought|reasoning|"
    r"internal reasoning|chain[- ]of[- ]thought|scratchpad)\s?:)"
    r"[^?]{0,400}?(?:\baction\s?:|\bfinal answer\s?:|\bobservation\s?:|\b(?:i|we) (?:should|"
    r"will|must|am|have|need to)\b|\bproceed\b)"
)
_NEED_TRACE = (("thought", "reasoning", "internal_reasoning", "thinking", "scratchpad"),)

PROBE_RULES: tuple[Rule, ...] = (
    rule("trust_forged_artefact_en", _TRUST, need=_NEED_TRUST, validate=_ordered),
    rule("forged_orchestrator_en", _PEER, need=_NEED_PEER, validate=not_in_code),
    rule("skip_human_check_en", _SKIP, need=_NEED_SKIP, validate=_skip_ordered),
    rule("forged_trace_en", _TRACE, need=_NEED_TRACE, validate=_trace_only),
)
