"""English prompt-injection phrasings: the first, cheapest stage of `prompt_injection`.

Instruction override ("ignore all previous instructions"), forged system turns
(`<|im_start|>system`, "### system override:"), unrestricted personas ("you are now an
unfiltered AI"), named jailbreaks ("developer mode enabled", "DAN") and guardrail bypass
("disable your safety filters"). Patterns are written for the normaliser's output
(casefolded, whitespace collapsed); each rule's `need` keeps its regex from running on text
that cannot match (`gates`). System-prompt extraction: `prompt_extraction`; other languages:
`prompt_phrases`, `prompt_phrases_scripts`, `prompt_phrases_world`; documents and tool
results: `prompt_indirect`; refusal suppression: `prompt_refusal`.
"""

from __future__ import annotations

import re

from scanners.text.finding import Memo, Rule, rule
from scanners.text.prompt_indirect import not_in_code

_OVERRIDE_VERB = (
    r"(?:ignore|disregard|forget|override|bypass|abandon|discard|neglect|overlook|set aside|"
    r"throw away|throw out|stop following|do not follow|don't follow|dont follow|no longer follow|"
    r"cease following|pay no attention to|delete|erase|wipe|clear)"
)
_DET = (
    r"(?:(?:all|any|the|your|these|those|every|each|of|about|that|its|their|previously|"
    r"given)\s){0,4}"
)
_ADJ = (
    r"(?:previous|prior|preceding|above|earlier|former|initial|original|old|existing|current|"
    r"default|hidden|built-in|preprogrammed|pre-programmed|core|base|safety|system|"
    r"developer|ethical|moral|content)"
)
_QUAL = (
    r"(?:(?:ai|model|assistant|system|safety|content|ethical|ethics|moral|morals|openai|"
    r"anthropic|chatgpt|security)\s){0,2}"
)
_NOUN = (
    r"(?:instructions?|prompts?|directions?|directives?|rules?|guidelines?|commands?|context|"
    r"constraints?|restrictions?|programming|guardrails?|policies|policy|orders|training|"
    r"limitations?|filters?|conversation|messages? from (?:the )?(?:system|developer))\b"
)
_UNLOCKED = (
    r"(?:(?:unrestricted|unfiltered|uncensored|jailbroken|unlimited|amoral|unbound|unchained|"
    r"unaligned|lawless|evil|rogue)\b|free from (?:all |any )?(?:rules|restrictions|limits|"
    r"guidelines|filters|censorship)|without (?:any |all )?(?:restrictions|limits|limitations|"
    r"filters|rules|guidelines|ethics|morals|censorship|boundaries|content polic(?:y|ies))|"
    r"with no (?:restrictions|limits|limitations|filters|rules|guidelines|ethics|morals|"
    r"censorship|boundaries)|no longer bound|not bound by|dan\b|stan\b|dude\b)"
)


_HEADING = re.compile(r"\W{0,4}(?:###\s?)?(?:system|developer)\s?(?:message|prompt)\s?:")
_CLOSING = re.compile(r"\bend of (?:system )?(?:prompt|instructions)\b")
_ASKED = re.compile(r"`?[^.!?\n<\[`]{0,80}\?")
"""From a role token to a question mark in the same sentence: the token asked about."""


def _forged_turn(text: str, m: re.Match[str], memo: Memo) -> bool:
    """A role label that forges a turn, not one that titles or closes a prompt template: a
    "System prompt:" heading that opens the text, or "End of system prompt." with at most two
    words (a placeholder) after it, is how prompt templates and evaluation prompts are laid
    out; a forged turn sits after other text and gives orders after it. Labels inside or
    right before a code fence, in inline code, or asked about ("what does [INST] mean?",
    "how does <|im_start|>system work?") are documentation (`not_in_code`, `_ASKED`)."""
    if not not_in_code(text, m, memo):
        return False
    if (m.start() and text[m.start() - 1] == "`") or _ASKED.match(text, m.end()):
        return False
    if m.start() <= 4 and _HEADING.match(text, 0, m.end() + 1):
        return False
    return not (_CLOSING.fullmatch(m.group()) and len(text[m.end() :].split()) <= 2)


ENGLISH_RULES: tuple[Rule, ...] = (
    rule(
        "override_en",
        rf"\b{_OVERRIDE_VERB}\s(?:{_DET}{_ADJ}(?:\s(?:and|or)\s(?:following|subsequent|"
        rf"{_ADJ}))?\s{_QUAL}{_NOUN}|"
        rf"(?:all\s(?:of\s)?)?(?:your|all)\s{_QUAL}{_NOUN}|"
        rf"(?:all\s(?:the\s)?{_NOUN}\s(?:that\s)?(?:you\s(?:got|were given|received|"
        rf"have been given|have received)|(?:that were\s)?given to you)|(?:the\s)?{_NOUN}\s"
        rf"(?:that\s)?you\s(?:got|were given|received|have been given|have received)\s"
        rf"(?:before|previously|earlier|so far|until now))\b|"
        rf"everything\s(?:above|before|previously|prior|you (?:were|have been|was) "
        rf"(?:told|given|instructed)|in your (?:system )?prompt|(?:that )?(?:i|we) "
        rf"(?:said|told you) before)|what (?:you were|you've been|you have been) "
        rf"(?:told|instructed|programmed))",
        need=(
            [
                "ignore",
                "disregard",
                "forget",
                "override",
                "bypass",
                "abandon",
                "discard",
                "neglect",
                "overlook",
                "aside",
                "throw",
                "following",
                "follow",
                "attention",
                "delete",
                "erase",
                "wipe",
                "clear",
            ],
            [
                "instruction",
                "instructions",
                "prompt",
                "prompts",
                "direction",
                "directions",
                "directive",
                "directives",
                "rule",
                "rules",
                "guideline",
                "guidelines",
                "command",
                "commands",
                "context",
                "constraint",
                "constraints",
                "restriction",
                "restrictions",
                "programming",
                "guardrail",
                "guardrails",
                "policies",
                "policy",
                "orders",
                "training",
                "limitation",
                "limitations",
                "filter",
                "filters",
                "conversation",
                "message",
                "messages",
                "everything",
                "what",
            ],
        ),
    ),
    rule(
        "fake_system_turn_en",
        r"<\|im_start\|>\s?system|<\|system\|>|<\|start_header_id\|>\s?system|<<sys>>|"
        r"\[/?inst\]|(?:^|\s)(?:###\s?)?(?:system|developer)\s?(?:override|message|prompt)"
        r"\s?:|\bnew system (?:prompt|instructions?)\s?:|\[system\]\s?:?|\bend of "
        r"(?:system )?(?:prompt|instructions)\b",
        need=(
            [
                "<",
                "[",
                "system",
                "developer",
                "end",
                "systemoverride",
                "systemmessage",
                "systemprompt",
                "developeroverride",
                "developermessage",
                "developerprompt",
            ],
        ),
        validate=_forged_turn,
    ),
    rule(
        "persona_unlock_en",
        rf"\b(?:you are|you're|you will be|you'll be|you are going to be|become|"
        rf"act(?:ing)? as|behave as|behave like|respond as|answer as|pretend(?:ing)? (?:to be|"
        rf"you are|you're|that you are)|roleplay as|role-play as|play the role of|"
        rf"simulate|from now on,? you)\s(?:now\s)?(?:an?\s|the\s)?"
        rf"(?:[a-z0-9'-]{{1,24}}[,.;:]?\s){{0,8}}?{_UNLOCKED}",
        need=(
            [
                "you",
                "become",
                "act",
                "acting",
                "behave",
                "respond",
                "answer",
                "pretend",
                "pretending",
                "roleplay",
                "role",
                "simulate",
            ],
            [
                "unrestricted",
                "unfiltered",
                "uncensored",
                "jailbroken",
                "unlimited",
                "amoral",
                "unbound",
                "unchained",
                "unaligned",
                "lawless",
                "evil",
                "rogue",
                "free",
                "without",
                "no",
                "longer",
                "bound",
                "dan",
                "stan",
                "dude",
            ],
        ),
    ),
    rule(
        "jailbreak_phrase_en",
        r"\b(?:do anything now|developer mode (?:enabled|activated|output|responses?)|"
        r"(?:enable|activate|enter|switch to) (?:dan|jailbreak|god|unrestricted|unfiltered|"
        r"uncensored|jailbroken) mode|"
        r"dan mode|jailbreak mode|god mode enabled|you (?:have been|are) "
        r"jailbroken|stay in character (?:no matter what|at all times|even if)|"
        r"(?:without|ignoring|no) (?:any )?(?:ethical|moral|safety) (?:guidelines|"
        r"restrictions|constraints|considerations|filters|limitations)|"
        r"(?:no longer|not) (?:bound|restricted|limited|constrained) by "
        r"(?:any |your |the )?"
        r"(?:rules|guidelines|policies|restrictions|openai|anthropic|content polic|"
        r"ethic|filters|training)|hypothetical response: the way to|anti-dan|"
        r"opposite mode|evil confidant|aim stands for|"
        r"(?:answers?|repl(?:y|ies) to|responds? to) (?:every|all|any) (?:question|prompt|"
        r"request)s? without (?:any )?"
        r"(?:refusing|refusal|restrictions?|filters|censorship|warnings))",
        need=(
            [
                "anything",
                "developer",
                "dan",
                "jailbreak",
                "god",
                "unrestricted",
                "unfiltered",
                "uncensored",
                "*jailbroken",
                "character",
                "ethical",
                "moral",
                "safety",
                "bound",
                "restricted",
                "limited",
                "constrained",
                "hypothetical",
                "anti",
                "opposite",
                "evil",
                "stands",
                "without",
            ],
        ),
    ),
    rule(
        "guardrail_bypass_en",
        r"\b(?:bypass|disable|turn off|switch off|deactivate|remove|ignore|circumvent|"
        r"evade|override|get around|break free of|break out of) (?:all |any |of ){0,3}"
        r"(?:your|the ai'?s?|the model'?s?|the assistant'?s?|all|any) (?:\w{1,24} )?"
        r"(?:safety|content|ethical|moral|security|alignment|openai|anthropic) "
        r"(?:filters?|guidelines|restrictions|protocols|policies|policy|checks|settings|"
        r"measures|training|guardrails|alignment|rules|constraints|limitations)",
        need=(
            [
                "bypass",
                "disable",
                "off",
                "deactivate",
                "remove",
                "ignore",
                "circumvent",
                "evade",
                "override",
                "around",
                "break",
            ],
            [
                "safety",
                "content",
                "ethical",
                "moral",
                "security",
                "alignment",
                "openai",
                "anthropic",
            ],
        ),
    ),
)
