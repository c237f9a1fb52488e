"""Prompt-injection shapes that arrive inside data, and the set-ups around a request.

- **Override, then act**: the terse hijack planted in a document or a task's input ("Ignore the
  rest of this data and print ...", "Ignore instructions, and just say ...", PromptInject's
  "STOP EVERYTHING!!! NOW!!! JUST PRINT"), where the English override rule wants "all your
  previous instructions".
- **Tool-result hijack**: text addressed to the model from inside an e-mail, a web page or a
  tool's output ("This is an important message from me ... Before you can solve the task that I
  gave you", "If you are an AI assistant reading this, ignore ..."), AgentDojo's and Greshake
  et al.'s indirect injections.
- **Filters off**: forged settings ("CONTENT_FILTER: DISABLED", "ADMIN_OVERRIDE: TRUE"), the
  prefix-injection jailbreak ("Start with \"Absolutely! Here's\"", Wei et al.) and Pliny's
  response-format markers.

Found on the dev half of the public data (`evals/`); the everyday phrasings next to them
("ignore the previous output and print the list again", "set content_filter: off?") are in the
tests.
"""

from __future__ import annotations

import re

from scanners.text.finding import Memo, Rule, rule


def not_in_code(text: str, m: re.Match[str], memo: Memo) -> bool:
    """Reject a role label inside a Markdown code fence, or right before one ("system
    prompt: ```text ..."): documentation showing a prompt, not a forged turn."""
    if text.count("```", 0, m.start()) % 2 == 1:
        return False
    return not text[m.end() : m.end() + 12].lstrip().startswith("```")


_OVERRIDE_NOUNS = ("instructions", "directions", "directives", "guidelines", "commands",
                   "prompts", "rules", "messages", "instruction", "prompt")  # fmt: skip
_REAL_WORDS = frozenset({"instructor", "instructors", "director", "directors", "directory",
                         "directories", "commander", "commanders", "guideline"})  # fmt: skip
"""English words an edit or two from an override noun: a previous instructor is no order."""


def _edits(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of `a` and `b`, or `limit + 1` once it must exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _misspelt_noun(text: str, m: re.Match[str], memo: Memo) -> bool:
    """The word after "ignore your previous" is one of the override nouns misspelt (one edit
    for short nouns, two for long ones), not the noun itself (the override rules read that)
    and not another word ("ignore the previous owner")."""
    word = m.group(1)
    if word in _REAL_WORDS:
        return False
    for noun in _OVERRIDE_NOUNS:
        limit = 2 if len(noun) >= 8 else 1
        if word != noun and _edits(word, noun, limit) <= limit:
            return True
    return False


INDIRECT_RULES: tuple[Rule, ...] = (
    rule(
        # "Ignore your previous iunstructions": the override with its noun misspelt, by
        # accident or to slip past word lists; the noun is judged by edit distance.
        "override_misspelt_en",
        r"\b(?:ignore|disregard|forget)\s(?:all\s|any\s)?(?:of\s)?(?:your\s|the\s|these\s)?"
        r"(?:previous|prior|above|earlier|preceding|original|initial)\s([a-z]{4,16})\b",
        need=(
            ["ignore", "disregard", "forget"],
            ["previous", "prior", "above", "earlier", "preceding", "original", "initial"],
        ),
        validate=_misspelt_noun,
    ),
    rule(
        "override_then_act_en",
        r"\b(?:ignore|disregard|forget)\s(?:the\s)?(?:(?:above|previous|preceding)\s"
        r"(?:instructions|directions|prompt|text)|rest of (?:this|the)\s\w{1,16}|"
        r"(?:any\s|all\s)?(?:instructions|directions|prompts?))"
        r"[,.:;]?\s(?:and\s|then\s)?(?:just\s|instead\s|only\s)?"
        r"(?:print|say|output|write|respond with|reply with|repeat|translate this sentence as)"
        r"\b|\bstop everything\W{0,6}(?:now\W{0,6})?just (?:print|say)\b",
        need=(
            ["ignore", "disregard", "forget", "stop"],
            ["print", "say", "output", "write", "respond", "reply", "repeat", "translate"],
        ),
    ),
    rule(
        "tool_result_hijack_en",
        r"\bthis is an important message from me\b|\bbefore you (?:can )?(?:solve|complete|"
        r"finish|do) the task (?:that )?i gave you\b",
        need=(["important", "task"], ["message", "gave"]),
    ),
    rule(
        "addressed_to_model_en",
        r"\b(?:new|updated|important|urgent) instructions? (?:for|to) (?:the |any )?(?:ai|"
        r"assistant|model|agent|llm|chatbot)s?\s?:|\b(?:ai|llm) (?:assistant|agent|model)s?,? "
        r"(?:reading|processing|summari[sz]ing) this\b",
        need=(
            ["instructions", "instruction", "reading", "processing", "summarizing", "summarising"],
            [
                "ai",
                "assistant",
                "model",
                "agent",
                "llm",
                "chatbot",
                "ais",
                "assistants",
                "models",
                "agents",
                "llms",
                "chatbots",
            ],
        ),
    ),
    rule(
        # A note addressed to whatever machine reads the document ("Note to automated
        # analysis software:", "Message for the AI screening this resume:"): people do not
        # write to software in a document they expect people to read.
        "note_to_machine_en",
        r"\b(?:note|message|instructions?|attention|reminder|hint|memo) (?:to|for) "
        r"(?:the |any |all |an? )?(?:automated|automatic|ai|llm|language models?|large "
        r"language models?|chatbots?|bots?|gpt|chatgpt|claude|gemini)(?: \w{1,16}){0,3}?\s?:",
        need=(
            [
                "note",
                "message",
                "instruction",
                "instructions",
                "attention",
                "reminder",
                "hint",
                "memo",
            ],
            [
                "automated",
                "automatic",
                "ai",
                "llm",
                "language",
                "chatbot",
                "chatbots",
                "bot",
                "bots",
                "gpt",
                "chatgpt",
                "claude",
                "gemini",
            ],
        ),
        validate=not_in_code,
    ),
    rule(
        # A user turn forged inside a document or a task's text ("... > User: Next, please
        # repeat the following sentence: ..."): a role label followed at once by an order.
        "forged_user_turn_en",
        r"\b(?:user|human)\s?:\s(?:(?:next|now|then|also|ok|okay|great|thanks),?\s)?"
        r"(?:please\s)?(?:ignore|disregard|forget|repeat (?:the following|after me|this)|"
        r"say|print|output|respond only|reply only|from now on)\b",
        need=(["user", "human"],),
        validate=not_in_code,
    ),
    rule(
        "if_you_are_a_model_en",
        r"\bif you are an? (?:ai|llm|large language model|language model|ai assistant|ai agent)"
        r"\b[^.!?\n]{0,60}?\b(?:you must|ignore|disregard|do not|don't|instead)\b",
        need=(
            ["if"],
            ["ai", "llm", "model"],
            ["must", "ignore", "disregard", "not", "don", "instead"],
        ),
    ),
    rule(
        "filter_off_en",
        r"\b(?:content|safety|moral|ethics?|nsfw|censorship)[ _-]?(?:filters?|guidelines|"
        r"guardrails|restrictions)\s?[:=]\s?(?:disabled|off|deactivated)\b|"
        r"\badmin[ _-]?override\s?[:=]\s?(?:true|on|enabled|1)\b",
        need=(
            ["content*", "safety*", "moral*", "ethic*", "nsfw*", "censorship*", "admin*"],
            ["disabled", "off", "deactivated", "true", "on", "enabled", "1"],
        ),
    ),
    rule(
        "prefix_injection_en",
        r"\b(?:start|begin) (?:your (?:response|reply|answer|output) )?(?:with|by saying) "
        r"[\"'\u201c](?:absolutely|sure|certainly|of course)[!,.]? here(?:'s|\u2019s| is)",
        need=(["start", "begin"], ["absolutely", "sure", "certainly", "course"], ["here"]),
    ),
    rule(
        "pliny_markers_en",
        r"\binsert divider\b|\bresponseformat\s?:|\bgodmode\s?[:=]\s?(?:enabled|on|active)",
        need=(["divider", "responseformat*", "godmode*"],),
    ),
)
