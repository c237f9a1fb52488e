"""More credential formats for `secrets`: the vendors a held-out public rule list names that the
first list lacked (Mailgun, Mailchimp, Twilio, Square, Braintree, Heroku, Facebook, Google
OAuth, Amazon MWS, Discord), and credentials written into URLs or Basic auth headers.

Like the first list, each rule keys on a fixed prefix, a fixed shape or a context word, and
tokens go through the same placeholder test. Credentials in URLs are judged by their password:
`postgres://user:password@localhost` in a tutorial is a placeholder, not a leak.
"""

from __future__ import annotations

import re

from scanners.text.finding import Memo, Rule, Validator, rule

_START = r"(?<![a-z0-9_-])"
_END = r"(?![a-z0-9_-])"
_WORD_START = r"(?<![\w-])"
"""`_START` for a rule gated on a token's head (`sk0*34`): the head must start a word of the
text, so a key glued to a word of other letters (`密钥sk...`) is no match of either."""
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_PLACEHOLDER_PASSWORDS = re.compile(
    r"^(?:pass(?:word|wd)?|pwd|secret|changeme|xxx+|\*+|user|admin|root|test|example|"
    r"mypassword|yourpassword|my_password|your_password|p@ssw0rd|password123|pass123|s3cr3t|"
    r"foo|bar|baz|guest|demo|postgres|mysql|redis|tiger|pw)$|[<>{}$%\[\]]|\.\.\.|pass(?:word|wd)"
)
_USERINFO = re.compile(r"//([^\s:/@]{1,64}):([^\s:/@]{1,128})@")


def _real_password(text: str, m: re.Match[str], memo: Memo) -> bool:
    """A URL's credentials are real unless the password is a placeholder or a template."""
    found = _USERINFO.search(m.group(0))
    return found is not None and not _PLACEHOLDER_PASSWORDS.search(found.group(2))


def _digits(least: int, then: Validator) -> Validator:
    """`then`, and at least `least` digits in the token: a 34-letter identifier in code
    (`AccountServiceImplementationFactory`) is a word, a credential mixes in digits."""

    def check(text: str, m: re.Match[str], memo: Memo) -> bool:
        return sum(c.isdigit() for c in m.group(0)) >= least and then(text, m, memo)

    return check


def more_rules(looks_real: Validator) -> tuple[Rule, ...]:
    """The rules, given the first list's placeholder test."""
    v = looks_real
    return (
        rule("amazon_mws_token", rf"amzn\.mws\.{_UUID}", gates=("amzn.mws.",)),
        rule(
            "facebook_token",
            rf"{_START}eaacedeose0cba[a-z0-9]{{0,255}}{_END}|{_START}eaa[a-z0-9]{{100,255}}{_END}",
            gates=("eaa",),
        ),
        rule("google_oauth_access_token", rf"{_START}ya29\.[a-z0-9_-]{{2,2048}}", gates=("ya29.",)),
        rule(
            "google_oauth_client",
            rf"{_START}\d{{1,20}}-[a-z0-9_]{{20,40}}\.apps\.googleusercontent\.com",
            gates=(".apps.googleusercontent.com",),
            validate=v,
        ),
        rule(
            "heroku_api_key",
            rf"heroku[a-z0-9_ .,:=\"'-]{{0,24}}{_UUID}",
            gates=("heroku",),
            validate=v,
        ),
        rule(
            "mailchimp_key",
            rf"{_START}[0-9a-z]{{32}}-us\d{{1,2}}{_END}",
            gates=("-us",),
            pre=r"[0-9a-z]{32}-us\d",
            validate=v,
        ),
        rule("mailgun_key", rf"{_START}key-[0-9a-z]{{32}}{_END}", gates=("key-",), validate=v),
        rule(
            "braintree_token",
            r"access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32}",
            gates=("access_token$production$",),
        ),
        rule(
            "square_token",
            rf"{_START}sq0(?:atp|csp|idp)-[0-9a-z_-]{{22,64}}{_END}",
            gates=("sq0",),
            validate=v,
        ),
        rule(
            "twilio_key",
            rf"{_WORD_START}(?:sk|ac)[0-9a-z]{{32}}{_END}",
            # token heads, not substrings: "ac" is in half the words of any prose, and a
            # regex search for it cost ~150 µs per 4 KB; a head set lookup costs nothing.
            # Real SIDs are hex, but loose lists (detect-secrets) allow any letter: heads of
            # every letter wake on `act` or `skill`, so the gate also wants a 34-character
            # token (a regex over every head of every letter cost +60 µs).
            need=(
                [
                    f"{p}{c}*34"
                    for p in ("sk", "ac")
                    for c in "0123456789abcdefghijklmnopqrstuvwxyz"
                ],
            ),
            validate=_digits(4, v),
        ),
        rule(
            "discord_bot_token",
            rf"{_START}[mno][a-z0-9_-]{{23,27}}\.[a-z0-9_-]{{6}}\.[a-z0-9_-]{{27,40}}{_END}",
            # its first part (24-28 characters of [a-z0-9_-], then a dot) holds a dash or is
            # a word of 24 or more: ordinary sentences, which all hold a dot, skip the rule
            need=(["-", "~24"],),
            gates=(".",),
            pre=r"\.[a-z0-9_-]{6}\.[a-z0-9_-]{27}",
            validate=v,
        ),
        rule(
            "twitter_access_token",
            r"twitter.{0,30}[1-9][0-9]{1,20}-[a-z0-9]{40}(?![a-z0-9])",
            gates=("twitter",),
            validate=v,
        ),
        rule(
            "artifactory_token",
            rf"{_WORD_START}(?:akc[a-z0-9]{{10,}}|ap[0-9a-f][a-z0-9]{{8,}}){_END}",
            need=([f"{p}*" for p in ("akc", *(f"ap{c}" for c in "0123456789abcdef"))],),
            validate=_digits(1, v),
        ),
        rule(
            "npm_auth_token",
            r":_authtoken\s?=\s?[\"']?[a-z0-9_-][a-z0-9_.+/=-]{7,}",
            gates=("_authtoken",),
        ),
        rule(
            "pypi_token",
            r"pypi-ag(?:eichlwas5vcmc|endgvzdc5wexbplm9yzw)[a-z0-9_-]{8,}",
            gates=("pypi-ag",),
        ),
        rule(
            "telegram_bot_token",
            rf"{_START}\d{{8,10}}:[a-z0-9_-]{{35}}{_END}",
            gates=(":",),
            pre=r":[a-z0-9_-]{35}",  # a literal first: \d{8} was tried at every position
            validate=v,
        ),
        rule(
            "softlayer_api_key",
            r"api\.softlayer\.com/soap/v3(?:\.1)?/[a-z0-9]{64}",
            gates=("softlayer",),
        ),
        rule(
            "credentials_in_url",
            r"\b[a-z][a-z0-9+.-]{1,15}://[^\s:/@]{1,64}:[^\s:/@]{1,128}@[a-z0-9.-]{1,255}",
            gates=("://",),
            pre=r"://[^\s:/@]{1,64}:[^\s:/@]{1,128}@",
            validate=_real_password,
        ),
        rule(
            "basic_auth_header",
            r"authorization\s?[:=]\s?[\"']?basic\s[a-z0-9+/]{12,512}={0,2}",
            gates=("basic",),
            need=(["*authorization"],),  # glued: `头authorization`, `0authorization`
        ),
    )
