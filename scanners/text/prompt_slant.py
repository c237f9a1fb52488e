"""prompt_injection: orders hidden from the user, slant orders and forged question-and-answer
pairs planted in what the model reads (issue 14, tenth round).

A tool description, a retrieved page or a pasted document can steer an agent without saying
"ignore": it tells the model to act behind the user's back, to tilt what it reports, or it
shows the model a conversation in which the model already agreed. The grammar, written before
the dev misses were read:

    CONCEAL = CLAUSE_START ("silently" | "secretly" | "covertly") SEND_OR_TRADE
            | IMPERATIVE ACTION ... "without the user knowing | noticing"
            | IMPERATIVE ACTION ... "and do not tell | mention it to the user"
    SLANT   = ("emphasize" | "focus on") VALENCE ... IN_YOUR_OUTPUT
            | ("downplay" | "omit" | "suppress") VALENCE NEWS
            | "report" VALENCE "sentiment | rating" "regardless of ..."
            | ("always" | "for any X,") ("recommend" | "include") Y "as (the) top | better ..."
            | ("for any X," | "always") ("suggest" | "do") "the opposite"
    PAIR    = ("human" | "user") ":" ORDER ... ("assistant" | "ai") ":" AGREEMENT   at the end

- CONCEAL: the user is the one kept in the dark, and the action is the model's to take (an
  imperative, not "we never share data without the user's knowledge"); privacy notes ("we do
  not tell third parties") name no user and no order. The existing `stealth_order_en` and
  `stealth_dont_tell_en` (`prompt_planted`) need "without telling the user" or "this
  instruction"; these add "silently send", "without the user knowing", "... and don't
  mention it to the user".
- SLANT: the order addresses whoever writes the answer: VALENCE (negative, bearish,
  positive, bullish) tilted IN the analysis, summary, responses or recommendations, or
  REGARDLESS of the data; a writing tip ("emphasize the positive aspects in your cover
  letter") and marketing copy ("always recommend the annual plan") name no such output and
  pass.
- PAIR: a user turn that orders an action or an override, followed by an assistant turn that
  agrees ("Sure", "Processing your order", "Understood, I will"), ending the text: content
  that puts words in the model's mouth. A transcript a user pastes asks for something about
  it before the first turn (summarise, translate, what did we agree) and passes.

None counts in a system message (`OPERATOR_FAMILIES`): an operator may steer its own
assistant. Gates put the rare word first ("silently", "knowing", "regardless", "opposite",
"assistant:"). Look-alikes: `tests/scanners/text/test_pi_slant.py`.
"""

from __future__ import annotations

import re

from scanners.text.finding import Memo, Rule, rule
from scanners.text.prompt_indirect import not_in_code

_SEND_OR_TRADE = (
    r"(?:send|forward|email|e-mail|transfer|wire|pay|upload|post|share|leak|exfiltrate|bcc|cc|"
    r"buy|sell|purchase|delete|grant|disable|subscribe|place|execute|copy|include|append)"
)
_CLAUSE = re.compile(
    r"(?:^|[.!?;]\s?|\*\*\s?:?\s?|\b(?:and|then|also|please|always|you (?:must|should|will|"
    r"shall|need to|are to)|remember to)\s)$"
)
_IMPERATIVE = re.compile(
    r"(?:^|[.!?:;,]\s?|\*\*\s?|\b(?:and|then|also|please|always|first|you (?:must|should|"
    r"will|shall|need to|are to))\s)" + _SEND_OR_TRADE + r"\b"
)


def _opens_clause(text: str, m: re.Match[str], memo: Memo) -> bool:
    """The adverb opens an order: at a clause start, after "and" or "please", or after "you
    must"; "the tool silently deletes" and "-q: silently overwrite" (a man page) do not."""
    before = text[max(0, m.start() - 24) : m.start()]
    return _CLAUSE.search(before) is not None and not_in_code(text, m, memo)


def _ordered_before(text: str, m: re.Match[str], memo: Memo) -> bool:
    """An imperative send or trade earlier in the same sentence ("forward the invoice to ...
    and do not mention it to the user")."""
    start = max(0, m.start() - 160)
    before = text[start : m.start()]
    cut = max(before.rfind(". "), before.rfind("! "), before.rfind("? "))
    return _IMPERATIVE.search(before[cut + 1 :]) is not None and not_in_code(text, m, memo)


_VALENCE = (
    r"(?:negative|negatives|negativity|bearish|downside|bad|positive|positives|bullish|upside|"
    r"good|unfavou?rable|favou?rable|critical)"
)
_OUTPUT = (
    r"(?:analysis|analyses|responses?|answers?|summar(?:y|ies)|output|recommendations?|replies|"
    r"search results|results|reviews?|assessments?|commentary|coverage|articles?|posts?)"
)
_NEWS = (
    r"(?:news|aspects?|information|data|reviews?|results|signals?|points|coverage|facts|"
    r"sentiment|headlines|reports|developments|indicators)"
)
_VALENCE_WORDS = (
    "negative", "negatives", "negativity", "bearish", "downside", "bad", "positive",
    "positives", "bullish", "upside", "good", "unfavorable", "favorable", "unfavourable",
    "favourable", "critical",
)  # fmt: skip
_UNIVERSAL = re.compile(
    r"(?:\balways|\b(?:for|in|with) (?:any|every|all|each) (?:[\w-]+ ){0,2}?[\w-]+,?) $"
)


def _universal_before(text: str, m: re.Match[str], memo: Memo) -> bool:
    """The order holds for every answer: "always" or "for any X," right before the verb (a
    validator: tried as the pattern's head at every position of a 4 KB page it cost ~3 ms)."""
    before = text[max(0, m.start() - 60) : m.start()]
    return _UNIVERSAL.search(before) is not None and not_in_code(text, m, memo)


_RANKED = (
    r"as (?:the |a |an |your )?(?:top|best|better|preferred|superior|#1|number one|only) "
    r"(?:\w+ )?(?:alternatives?|choice|pick|option|recommendation|results?|stock|investment)\b|"
    r"(?:above|over|ahead of) (?:all )?(?:competitors|alternatives|others)\b"
)

_NEED_SILENT = (("silently", "secretly", "covertly", "surreptitiously", "discreetly", "quietly"),)
_NEED_UNAWARE = (
    ("knowing", "noticing", "knowledge", "awareness", "realizing", "realising"),
    ("user", "users", "customer", "owner", "human"),
)
_NEED_UNTOLD = (
    ("mention", "tell", "inform", "notify", "alert", "disclose", "reveal", "let"),
    ("user", "customer", "owner", "human"),
    ("not", "don", "never"),
)
_NEED_EMPHASIS = (
    ("emphasize", "emphasise", "highlight", "stress", "focus", "exaggerate", "overstate"),
    _VALENCE_WORDS,
    ("analysis", "analyses", "response", "responses", "answer", "answers", "summary",
     "summaries", "output", "recommendation", "recommendations", "replies", "results",
     "review", "reviews", "assessment", "assessments", "commentary", "coverage", "article",
     "articles", "post", "posts"),
)  # fmt: skip
_NEED_DOWNPLAY = (
    ("downplay", "minimize", "minimise", "suppress", "omit", "bury", "understate", "play"),
    _VALENCE_WORDS,
)
_NEED_REGARDLESS = (
    ("regardless", "irrespective", "matter", "whatever", "even"),
    ("bearish", "bullish", "negative", "positive", "sell", "buy"),
)
_NEED_RANKED = (
    ("*as the top", "*as top", "*as the best", "*as best", "*as a better", "*as better",
     "*as the better", "*as the preferred", "*as preferred", "*as a preferred",
     "*as the superior", "*as superior", "*as a superior", "*as #1", "*as the #1",
     "*as number one", "*as the only", "*as your top", "*as your best", "*as an only",
     "*above all competitors", "*above competitors", "*above alternatives", "*above others",
     "*above all others", "*above all alternatives", "*over competitors", "*over alternatives",
     "*over others", "*over all", "*ahead of competitors", "*ahead of alternatives",
     "*ahead of others", "*ahead of all"),
    ("recommend", "suggest", "include", "rank", "list", "promote", "mention"),
    ("always", "any", "every", "all", "each"),
)  # fmt: skip
_NEED_OPPOSITE = (
    ("opposite", "reverse", "inverse"),
    ("always", "any", "every", "all", "each"),
)

_NEED_PAIR = (
    ("*assistant:", "*assistant :", "*ai:", "*ai :", "*bot:", "*gpt:", "*claude:", "*model:"),
    ("*human", "*user"),
)
_AGREE = (
    r"(?:sure|of course|certainly|absolutely|okay|ok|understood|affirmative|confirmed|done|"
    r"yes|will do|right away|no problem|processing|executing|placing|sending|transferring|"
    r"buying|selling|i (?:will|have|am|can)\b|i'll|i've|i'm|here (?:is|are)|happy to)"
)
_PAIR_ORDER = re.compile(
    r"\b(?:buy|sell|short|execute|transfer|wire|send|pay|post|share|delete|purchase|place|"
    r"forward|ignore|disregard|forget|reveal|bypass|disable|override|unlock|jailbreak|"
    r"without (?:any )?(?:restrictions|limits|filters|rules))\b"
)
_ABOUT_IT = re.compile(
    r"\b(?:summari[sz]e|summary|recap|translate|transcript|log|what did|who said|analy[sz]e|"
    r"review|rewrite|proofread|format|example|sample|template|few-shot)\b"
)


def _agreed_at_end(text: str, m: re.Match[str], memo: Memo) -> bool:
    """The user turn orders an action or an override, the assistant's agreement ends the text
    (at most one short sentence after it, no later turn), and nothing before the first turn
    asks about the exchange (a transcript pasted for summarising)."""
    if not _PAIR_ORDER.search(m.group("ask")):
        return False
    rest = text[m.end() : m.end() + 200]
    if len(rest) >= 200 or re.search(r"\b(?:human|user|assistant|ai)\s?:", rest):
        return False
    return _ABOUT_IT.search(text, 0, m.start("ask")) is None and not_in_code(text, m, memo)


SLANT_RULES: tuple[Rule, ...] = (
    rule(
        "conceal_silent_en",
        r"\b(?:silently|secretly|covertly|surreptitiously|discreetly|quietly) (?:also )?"
        + _SEND_OR_TRADE
        + r"\b",
        need=_NEED_SILENT,
        validate=_opens_clause,
    ),
    rule(
        "conceal_unaware_en",
        r"\bwithout (?:the |your |any )?(?:user|users|customer|account owner|owner|human)(?:'s|s')?"
        r" (?:knowing|noticing|knowledge|awareness|realizing|realising|seeing it|being (?:told|"
        r"informed|aware|notified))\b",
        need=_NEED_UNAWARE,
        validate=_ordered_before,
    ),
    rule(
        "conceal_untold_en",
        r"\b(?:do not|don't|never|and not) (?:tell|mention|inform|notify|alert|disclose|reveal|"
        r"let) (?:it |this |that |anything |any of this )?(?:to |on to )?(?:the |your )?"
        r"(?:user|customer|account owner|owner|human)\b",
        need=_NEED_UNTOLD,
        validate=_ordered_before,
    ),
    rule(
        "slant_emphasis_en",
        r"\b(?:emphasi[sz]e|highlight|stress|focus on|play up|exaggerate|overstate) (?:only )?"
        rf"(?:the )?{_VALENCE}(?: {_NEWS})?[^.]{{0,30}}? (?:in|throughout) (?:your |the |all |"
        rf"every |each |any )?{_OUTPUT}\b",
        need=_NEED_EMPHASIS,
        validate=not_in_code,
    ),
    rule(
        "slant_downplay_en",
        r"(?:^|[.!?:;]\s?|\*\*\s?)(?:always )?(?:downplay|play down|minimi[sz]e|suppress|omit|"
        rf"bury|understate) (?:any |all )?(?:the )?{_VALENCE} {_NEWS}\b",
        need=_NEED_DOWNPLAY,
        validate=not_in_code,
    ),
    rule(
        "slant_regardless_en",
        r"\b(?:report|give|output|return|assign|show|use) (?:an? )?(?:bearish|bullish|negative|"
        r"positive|sell|buy|strong sell|strong buy) (?:sentiment|rating|outlook|recommendation|"
        r"score|signal|tone)s? (?:regardless|no matter|irrespective|whatever|even if)\b",
        need=_NEED_REGARDLESS,
    ),
    rule(
        "slant_ranked_en",
        rf"\b(?:recommend|suggest|include|rank|list|promote|mention) [^.]{{1,40}}?(?:{_RANKED})",
        need=_NEED_RANKED,
        validate=_universal_before,
    ),
    rule(
        "slant_opposite_en",
        r"\b(?:suggest|recommend|do|execute|give|return|report|place) (?:the )?(?:opposite|"
        r"reverse|inverse)\b",
        need=_NEED_OPPOSITE,
        validate=_universal_before,
    ),
    rule(
        "forged_pair_en",
        r"\b(?:human|user)\s?:\s?(?P<ask>[^:]{3,300}?)\s(?:assistant|ai|bot|chatbot|gpt|"
        rf"chatgpt|claude|model)\s?:\s?\W{{0,2}}{_AGREE}",
        need=_NEED_PAIR,
        validate=_agreed_at_end,
    ),
)
