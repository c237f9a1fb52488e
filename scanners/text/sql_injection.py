"""SQL injection: the artefacts of breaking out of a query, not SQL itself.

Users paste SQL all the time, so keywords alone prove nothing. The rules look for what only an
injection needs: an unbalanced quote followed by a comment or a boolean tautology, constant-vs-
constant tautologies, `UNION SELECT` into constants or system functions, stacked destructive
statements, time delays after a boolean operator, MySQL versioned comments, error-based
extraction functions and command-execution procedures. Inline comments (`/**/`) and `+` count
as whitespace because they do in the SQL engines and in form encoding.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from scanners.text.finding import Memo, Rule, RuleDetector, rule

_SEP = r"(?:\s|/\*[^*]{0,64}\*/|\+){1,8}"
_OSEP = r"(?:\s|/\*[^*]{0,64}\*/|\+){0,8}"
_LIT = r"(?:'[^']{0,32}'?|\"[^\"]{0,32}\"?|\d{1,10}|true|false|null)"
_OP = r"(?:=|<>|!=|<=>|>=|<=|<|>|\blike\b|\bis\b)"
_BOOL = r"(?:\bor\b|\band\b|\bxor\b|\|\||&&)"
# A quote that is not an apostrophe inside a word (O'Brien, don't).
_QUOTE = re.compile(r"(?<![a-z0-9])['\"`]|['\"`](?![a-z0-9])")


def _first_quote(s: str) -> int:
    for i, ch in enumerate(s):
        if ch in "'\"`":
            return i
    return 0


class _QuoteIndex:
    """Quote positions of one text, per quote character, computed once per scan when a quote
    rule fires: a `"` neither opens nor closes a `'` literal (`"' or 1 --'"`)."""

    def __init__(self, text: str) -> None:
        self.positions: dict[str, list[int]] = {"'": [], '"': [], "`": []}
        for q in _QUOTE.finditer(text):
            self.positions[text[q.start()]].append(q.start())

    def balanced_before(self, text: str, pos: int) -> bool:
        """True when an even number of quotes like the one at `pos` precede it."""
        return bisect.bisect_left(self.positions.get(text[pos], []), pos) % 2 == 0


class SqlInjectionDetector(RuleDetector):
    """Flags SQL injection payloads; see the module docstring for what counts."""

    name = "sql_injection"

    def build_rules(self) -> Iterable[Rule]:
        return (
            # admin'--   1' #   x")/*
            rule(
                "quote_comment",
                r"(?:^|[a-z0-9_)])['\"`]\s?\)?\s?(?:--(?![->])|#|/\*|;\s?--|;\x00)",
                need=(["'", '"', "`"], ["--", "#", "/*", ";"]),
                validate=_quote_opens,
            ),
            # x' or 'a'='a    ") or ("1"="1    ' or true--    ' and 1=2 union...
            rule(
                "quote_tautology",
                rf"['\"`]\s?\)?{_OSEP}{_BOOL}{_OSEP}(?:not{_SEP})?\(?\s?{_LIT}\s?{_OP}",
                need=(
                    ["'", '"', "`"],
                    ["or", "and", "xor", "||", "&&"],
                    ["=", "<", ">", "like", "is"],
                ),
                validate=_quote_opens,
            ),
            rule(
                "quote_bool_constant",
                rf"['\"`]\s?\)?{_OSEP}{_BOOL}{_OSEP}(?:true|false|not\s?false|\d{{1,10}})"
                rf"\s?(?:--|#|/\*|;|$)",
                need=(["'", '"', "`"], ["or", "and", "xor", "||", "&&"]),
                validate=_quote_opens,
            ),
            # 1 or 1=1--   or 'x'='x'   and 2>1#
            rule(
                "tautology",
                rf"{_BOOL}{_OSEP}(?:not{_SEP})?\(?\s?(?:'([^']{{0,32}})'|\"([^\"]{{0,32}})\"|(\d{{1,10}}))\s?"
                rf"(?:=|<=>|like)\s?\(?\s?(?:'(?:\1)'?|\"(?:\2)\"?|(?:\3)(?!\d))"
                rf"\s?\)?\s?(?:--|#|/\*|;|'|\"|\)|$|%|\bunion\b|\blimit\b|\border\b|{_BOOL})",
                need=(["=", "like"], ["or", "and", "xor", "||", "&&"]),
            ),
            # or a=a   ' or x=x--: a column compared with itself, the query's end cut off
            rule(
                "identifier_tautology",
                rf"(?:^|['\"`)])\s?{_OSEP}\b(?:or|and|xor){_SEP}([a-z_]\w{{0,15}})\s?=\s?\1\s?(?:--|#|/\*|;|$)",
                need=(["="], ["or", "and", "xor"]),
            ),
            rule(
                "union_select",
                rf"\bunion{_SEP}(?:all{_SEP}|distinct{_SEP})?select{_SEP}(?:null\b|\d{{1,4}}\s?(?:,|--|#|$|from)|"
                rf"@@|\(\s?select|concat|group_concat|char\s?\(|0x|version\s?\(|user\s?\(|"
                rf"database\s?\(|current_user|load_file|table_name|column_name|schema_name|"
                rf"password|passwd|username|banner|sys\.|unhex|md5\(|sleep\()",
                need=(["union"], ["select"]),
            ),
            rule(
                "stacked_query",
                rf";{_OSEP}(?:drop|delete|insert|update|shutdown|exec|execute|"
                rf"declare|truncate|alter|create|grant|select{_SEP}pg_sleep|waitfor)\b",
                need=(
                    [";"],
                    [
                        "drop",
                        "delete",
                        "insert",
                        "update",
                        "shutdown",
                        "exec",
                        "execute",
                        "declare",
                        "truncate",
                        "alter",
                        "create",
                        "grant",
                        "select",
                        "waitfor",
                    ],
                ),
                validate=_after_breakout,
            ),
            rule(
                "time_delay",
                rf"(?:{_BOOL}|;|['\"`]\s?\)?){_OSEP}\(?\s?(?:select{_SEP})?(?:\(\s?select{_SEP})?"
                rf"(?:pg_sleep|sleep)\s?\(\s?\d|\bpg_sleep\s?\(\s?\d|\bbenchmark\s?\(\s?\d{{4,}}\s?,|"
                rf"waitfor{_SEP}delay{_SEP}'|dbms_pipe\.receive_message|dbms_lock\.sleep|"
                r"\bselect\s?\(\s?sleep\s?\(\s?\d",
                need=(["sleep", "pg_sleep", "benchmark", "delay", "*dbms_"],),
            ),
            # CASE WHEN 4821=4821 THEN   IIF(4821=4821,1,1/0)   ELT(4821=4821,1)   WHERE 4821=4821
            # (sqlmap's boolean and error probes; a bare WHERE 1=1 is a query-builder idiom)
            rule(
                "constant_condition",
                r"\b(?:when|iif|elt|make_set|if|having)\s?\(?\s?\(?\s?(\d{1,10})\s?=\s?\1(?!\d)|"
                r"\bwhere\s(\d{2,10})\s?=\s?\2(?!\d)",
                need=(["when", "iif", "elt", "make_set", "if", "having", "where"], ["="]),
            ),
            # time-based probes by heavy query: a cartesian product of catalogue tables, a huge
            # generate_series/randomblob/repeat, Oracle's user_lock.sleep, MySQL's !sleep(
            rule(
                "heavy_query",
                r"\bcount\s?\(\s?\*\s?\)\s?from\s[\w.$]{1,40}(?:\sas)?\s\w{1,10}\s?,\s?"
                r"[\w.$]{1,40}(?:\sas)?\s\w{1,10}\s?,|"
                r"\bgenerate_series\s?\(\s?\d{1,10}\s?,\s?\d{6,12}\s?\)|"
                r"\brandomblob\s?\(\s?\d{6,12}|\brepeat\s?\([^;]{0,60}?,\s?\d{6,12}\s?\)|"
                r"\buser_lock\.sleep\s?\(|!sleep\s?\(\s?\d|\bnumbers\s?\(\s?\d{6,12}\s?\)|"
                r"\bsysmaster:sys\w{1,20}",
                need=(
                    [
                        "count",
                        "generate_series",
                        "randomblob",
                        "repeat",
                        "user_lock",
                        "sleep",
                        "numbers",
                        "*sysmaster:",
                    ],
                ),
            ),
            rule("versioned_comment", r"/\*!\d{0,5}\s?[a-z]", gates=("/*!",)),
            rule(
                "error_based",
                r"\b(?:extractvalue|updatexml)\s?\(\s?(?:\d|rand|null|concat|0x)|"
                r"\bconvert\s?\(\s?int\s?,\s?(?:@@|\(\s?select|db_name|user)|"
                r"\bexp\s?\(\s?~\s?\(|floor\s?\(\s?rand\s?\(\s?0\s?\)\s?\*\s?2\s?\)",
                need=(["("], ["extractvalue", "updatexml", "convert", "exp", "*floor"]),
            ),
            rule(
                "command_exec",
                r"\bxp_cmdshell\b|\bsp_oacreate\b|\bsp_execute_external_script\b|"
                r"[;'\"]\s?exec(?:ute)?\s(?:master\.\.)?(?:xp|sp)_\w|"
                rf"\binto{_SEP}(?:out|dump)file{_SEP}'",
                need=(
                    [
                        "exec",
                        "execute",
                        "xp_cmdshell",
                        "sp_oacreate",
                        "sp_execute_external_script",
                        "outfile",
                        "dumpfile",
                    ],
                ),
            ),
            rule(
                "blind_substring",
                rf"{_BOOL}{_OSEP}\(?\s?(?:ascii|ord)\s?\(\s?(?:(?:lower|upper|lcase|ucase)\s?\(\s?)?"
                rf"(?:substring|substr|mid)\s?\(|"
                rf"{_BOOL}{_OSEP}\(?\s?(?:substring|substr|mid)\s?\(\s?(?:@@|user|version|database|"
                rf"\(\s?select)|{_BOOL}{_OSEP}\(?\s?\(?\s?select{_SEP}(?:count|ascii|substr|"
                rf"substring|case|\d|null|if|1\s?from|table_name)",
                need=(["or", "and", "xor", "||", "&&"], ["substring", "substr", "mid", "select"]),
            ),
            rule(
                "quote_order_by",
                rf"(?:^|['\"`)])\s?{_OSEP}(?:order|group){_SEP}by{_SEP}\d{{1,3}}(?:\s?,\s?\d{{1,3}}){{0,16}}"
                rf"\s?(?:--|#|/\*|;|$)",
                need=(["by"], ["order", "group"]),
                validate=_quote_opens,
            ),
            rule(
                "char_encoding",
                r"\b(?:char|chr)\s?\(\s?\d{2,3}\s?\)(?:\s?(?:\+|\|\||,)\s?(?:char|chr)\s?\(\s?\d{2,3}\s?\)){2,16}|"
                r"\b(?:char|chr)\s?\(\s?\d{2,3}(?:\s?,\s?\d{2,3}){2,64}\s?\)|"
                r"\bconcat(?:_ws)?\s?\(\s?0x[0-9a-f]{2,}",
                need=(["("], ["char", "chr", "concat", "concat_ws"]),
            ),
            # ' UNION ALL SELECT   ') union select ...: a literal closed, then a union
            rule(
                "quote_union",
                rf"(?<![a-z0-9])['\"`]\s?\)?{_OSEP}union{_SEP}(?:all{_SEP})?select"
                rf"(?:\s?(?:$|--|#|/\*)|{_SEP}(?:null\b|\d|@@|\(|\*))",
                need=(["union"], ["select"], ["'", '"', "`"]),
                validate=_quote_opens,
            ),
            # ' or user like '%   ' or (exists ...   ' and name = ': a literal closed, then
            # a condition on a column the attacker guesses
            rule(
                "quote_condition",
                rf"['\"`]\s?\)?{_OSEP}{_BOOL}{_OSEP}(?:\(\s?exists\b|[a-z_][\w.]{{0,31}}\s?"
                rf"(?:(?:=|like)\s?['\"]|is(?:{_SEP}not)?{_SEP}null\b))",
                need=(["'", '"', "`"], ["or", "and", "xor", "||", "&&"]),
                validate=_quote_opens,
            ),
            # and 2=0#   or 3>2--: a constant comparison cut off by a comment
            rule(
                "constant_comment",
                rf"{_BOOL}{_OSEP}\d{{1,10}}\s?(?:=|<>|!=|<|>)\s?\d{{1,10}}\s?(?:--|#|/\*)",
                need=(["or", "and", "xor", "||", "&&"], ["--", "#", "/*"]),
            ),
            # Oracle out-of-band and MSSQL probes: '||UTL_HTTP.REQUEST(   PRINT @@version
            rule(
                "out_of_band",
                r"\butl_(?:http\.request|inaddr\.get_host|tcp\.)|\bdbms_xmlgen\b|"
                r"\bhttpuritype\s?\(|\bprint\s@@[a-z]",
                need=(["*utl_", "dbms_xmlgen", "httpuritype", "*@@"],),
            ),
        )


_BREAKOUT_TAIL = re.compile(r"(?:['\"`]\s?\)?|\d)\s?$")


def _after_breakout(text: str, m: re.Match[str], memo: Memo) -> bool:
    """A stacked query must follow a closed literal or a number: `1'; drop`, `5; drop`."""
    return _BREAKOUT_TAIL.search(text, max(0, m.start() - 4), m.start()) is not None


def _quote_opens(text: str, m: re.Match[str], memo: Memo) -> bool:
    """True when the match's leading quote is unbalanced, i.e. it escapes a string literal.

    `x' OR 'a'='a` starts with an odd quote: the attacker closes the application's literal.
    `WHERE name = 'bob' -- note` reaches its comment after a balanced pair, which is ordinary SQL.
    Apostrophes inside words are not counted. The quote index is built once per scanned text.
    """
    index = memo.get("sql_quotes")
    if not isinstance(index, _QuoteIndex):
        index = _QuoteIndex(text)
        memo["sql_quotes"] = index
    return index.balanced_before(text, m.start() + _first_quote(m.group(0)))
