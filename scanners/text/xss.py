"""Script injection: markup that bleach would strip because a browser would run it.

Detection is regex-based so a 4 KB message costs microseconds; bleach (an html5lib parse,
milliseconds per message) runs only in `sanitize`, for `action = "redact"`, and only on texts
that already had a finding. The rules target *active* markup: script-capable tags, event-handler
attributes, `javascript:`/`vbscript:`/`data:text/html` URLs and CSS expressions. Inert markup
(`<b>`, `<div class="x">`, `<table>`) and prose about JavaScript are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable

import bleach

from scanners.text.finding import Rule, RuleDetector, rule

_ACTIVE_TAGS = (
    "script|iframe|frame|frameset|object|embed|applet|svg|math|base|isindex|xss|portal|"
    "import|xml|animate|set|handler|listener|layer|ilayer|bgsound|xmp|plaintext|noembed"
)
_EVENT_NAMES = (
    "abort|activate|afterprint|animationend|animationiteration|animationstart|auxclick|"
    "beforeprint|beforeunload|blur|cancel|canplay|change|click|close|contextmenu|copy|cut|"
    "dblclick|drag|dragend|dragenter|dragleave|dragover|dragstart|drop|durationchange|ended|"
    "error|focus|focusin|focusout|hashchange|input|invalid|keydown|keypress|keyup|load|"
    "loadeddata|loadstart|message|mousedown|mouseenter|mouseleave|mousemove|mouseout|"
    "mouseover|mouseup|mousewheel|pageshow|paste|pause|play|playing|pointerdown|pointerenter|"
    "pointerover|pointerup|popstate|progress|readystatechange|reset|resize|scroll|search|"
    "select|show|start|submit|toggle|touchstart|touchend|transitionend|unload|wheel|begin|"
    "finish|repeat|end"
)
_QUOTES = ("'", '"', "`")
# Every match of the breakout rule holds `on<event>` as a whole word (a quote, space or `/`
# before it, `\s?=` after it), so the word set answers for it in one set intersection.
_EVENT_WORDS = tuple("on" + e for e in _EVENT_NAMES.split("|"))
_JS_SCHEME = r"j\s?a\s?v\s?a\s?s\s?c\s?r\s?i\s?p\s?t\s?:"


class XssDetector(RuleDetector):
    """Flags markup and URLs a browser would execute; see the module docstring for scope."""

    name = "xss"

    def build_rules(self) -> Iterable[Rule]:
        return (
            # <script, </script, <svg/onload, <iframe src=...>, < script (some parsers allow)
            # (not C's `#include <math.h>`: a header name is no tag)
            rule("active_tag", rf"<\s?/?\s?(?:{_ACTIVE_TAGS})(?![a-z0-9-]|\.h>)", gates=("<",)),
            # any tag with an on*= attribute: <img src=x onerror=...>, <body onload=...>
            rule(
                "event_handler_in_tag",
                r"<[a-z!][a-z0-9:-]{0,32}[\s/][^<>]{0,512}?(?<![a-z0-9_-])on[a-z]{3,40}\s?=",
                gates=("<",),
            ),
            # attribute break-out: " onmouseover="alert(1)  ' autofocus onfocus=...
            rule(
                "event_handler_breakout",
                rf"[\"'`]\s?/?\s?(?:[a-z-]{{1,20}}\s)?on(?:{_EVENT_NAMES})\s?=",
                need=(["="], _QUOTES, _EVENT_WORDS),
            ),
            # javascript: with no space after the colon, or followed by a call or a comment
            rule(
                "javascript_url",
                rf"(?<![a-z0-9]){_JS_SCHEME}(?:[^\s]|\s?[a-z_$][\w$.]{{0,64}}\s?\(|\s?/[/*])",
                need=([":"],),
                gates=("j",),
            ),
            rule(
                "javascript_attr",
                rf"(?:href|src|action|formaction|data|xlink:href|background|poster|lowsrc|dynsrc)"
                rf"\s?=\s?[\"'`]?\s?{_JS_SCHEME}",
                need=([":"],),
                gates=("=",),
            ),
            rule("vbscript_url", r"(?<![a-z0-9])vbscript\s?:", need=([":"],), gates=("vbscript",)),
            rule(
                "data_html_url",
                r"data\s?:\s?(?:text/html|image/svg\+xml|application/(?:x-)?(?:xhtml|javascript))",
                need=([":"],),
                gates=("data",),
            ),
            rule(
                "css_expression",
                r"[:=]\s?[\"'`]?\s?expression\s?\(|-moz-binding|behavior\s?:\s?url",
                need=(["(", "-moz-binding", ":"],),
                gates=("expression", "-moz-binding", "behavior"),
            ),
            rule("meta_refresh", r"<meta[^<>]{0,256}?http-equiv", gates=("<meta",)),
            rule("link_import", r"<link[^<>]{0,256}?rel\s?=\s?[\"']?import", gates=("<link",)),
            rule(
                "srcdoc", r"<[a-z][^<>]{0,256}?\ssrcdoc\s?=", need=(["<"], ["="]), gates=("srcdoc",)
            ),
            rule(
                "template_injection",
                r"\{\{[^{}]{0,64}constructor\.constructor|\{\{[^{}]{0,32}\$(?:eval|on)\b",
                gates=("{{",),
            ),
        )


def sanitize(text: str) -> str:
    """Return `text` with every tag and comment removed, for `action = "redact"`.

    The result is bleach's escaped output: no markup survives, and characters that could
    re-form a tag stay escaped (`&lt;`), so the text is safe to embed in HTML as well as to
    forward to a model.
    """
    cleaned: str = bleach.clean(text, tags=set(), attributes={}, strip=True, strip_comments=True)
    return cleaned
