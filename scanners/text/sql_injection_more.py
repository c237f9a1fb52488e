"""More `sql_injection` rules: payload families the first list missed on held-out data.

The held-out review (93.2 % detected, `python -m evals.heldout --breakdown sql_injection`) found
the misses in families, not in strings, so each rule here names a structure an injection needs
and ordinary SQL or prose has no use for:

- **probes**: a whole message that is a stray quote and a word (`'x--`), a number followed by a
  constant comparison (`1 and 1=2`), a bare `UNION SELECT`;
- **break-out into an expression**: an unbalanced quote, then a boolean and a literal that is
  concatenated or cut off (`' or ''-'`), or `||` into a literal or a call (`'||'6`);
- **constants against subqueries**: `or 1 in (select ...)`, `and 5=(select sleep(5) ...)`, a
  constant compared with `cast(version() as int)`;
- **self-equal constants** used as values: `(4821=4821)*7`, `case 4821 when 4821`, `and 4821=4821`
  with numbers longer than the `1=1` of query builders;
- **time delays** with a variable or placeholder for the duration (`sleep(__TIME__)`,
  `waitfor delay @x`) or a sleep called inside a subquery;
- **stacked statements** that read (`; select *`, `; desc users`, `; begin declare`), a long hex
  string assigned to a variable (the way a payload hides its text), three or more `DROP TABLE`s
  in a row, MSSQL's `xp_` procedures and `master..` calls, file reads (`load_file('...')`,
  `pg_read_file(`, `copy ... from program`);
- **inference and fingerprinting**: a boolean followed by `ascii`/`length`/`substr` of a system
  function or subquery, or a system function compared (`and user_name() = 'dbo'`).

Every rule is gated by its literal cues (`need`) and compiled at load; a question that quotes
these forms for discussion is weighed by `discussion.py` like the other findings.
"""

from __future__ import annotations

import re

from scanners.text.finding import Memo, Rule, rule
from scanners.text.sql_grammar import (
    BOOL,
    BOOL_WORDS,
    LIT,
    OSEP,
    QUOTES,
    SEP,
    after_breakout,
    quote_opens,
)

_CMP = r"(?:=|<>|!=|<=|>=|<|>|\blike\b)"
_SYSFN = (
    r"(?:user|version|database|db_name|schema|current_user|system_user|session_user|user_name|"
    r"suser_sname|current_database)\s?\(\s?\)"
)
_SYSFN_WORDS = [
    "user",
    "version",
    "database",
    "db_name",
    "schema",
    "current_user",
    "system_user",
    "session_user",
    "user_name",
    "suser_sname",
    "current_database",
]


_VALUE_THEN_COMPARE = (
    rf"\s?-?\d{{1,10}}\s?['\"`]?\s?\)?{SEP}{BOOL}{SEP}\(?\s?\d{{1,10}}\s?"
    rf"(?:=|<>|!=|<=|>=|<|>)\s?\d{{1,10}}"
)
_BOOL_OR_CLAUSE = rf"(?:{BOOL}|\bwhere\b|\bhaving\b|\bwhen\b){OSEP}\(?\s?"
_CONSTANT = rf"(?:\d{{1,10}}|'[^']{{0,20}}'|\"[^\"]{{0,20}}\")\s?(?:{_CMP}|\bin\b)\s?"
_BOOL_OR_CLAUSE_WORDS = [*BOOL_WORDS, "where", "having", "when"]
_SYSFN_CALL = (
    r"\(\s?(?:\(\s?select\b|@@|(?:user|version|database|db_name|schema|current_user|"
    r"system_user|session_user|user_name|suser_sname|current_database)\s?\(\s?\))"
)
"""A literal-led prefilter: `(` opening a subquery, a system variable or a system call."""

_KEYWORDS = frozenset(
    {
        *("union", "select", "insert", "update", "delete", "drop", "from", "where", "and"),
        *("or", "exec", "execute", "sleep", "benchmark", "concat", "waitfor", "delay"),
        *("having", "order", "group", "table", "information_schema", "char"),
    }
)
"""What a keyword cut in two by a comment or a concatenation may spell."""


def _joined_split(text: str, m: re.Match[str], memo: Memo) -> bool:
    """The two halves around the comment or the concatenation spell a SQL keyword."""
    return (m.group(1) + m.group(2)) in _KEYWORDS


_BOOL_NUMBER_TAIL = re.compile(rf"{BOOL}{OSEP}\(?\s?(\d{{2,10}})\s?$")


def _same_number_after_bool(text: str, m: re.Match[str], memo: Memo) -> bool:
    """`and 4821=4821`: the rule matches from `=` (a literal `re` skips to, where a leading
    boolean alternation is tried at every position); the same number and a boolean before it."""
    before = _BOOL_NUMBER_TAIL.search(text, max(0, m.start() - 48), m.start())
    return before is not None and before.group(1) == m.group(1)


def more_rules() -> tuple[Rule, ...]:
    """The rules of this module, in the order the detector runs them."""
    return (
        # 'sqlvuln   '+x   'test--   "probe#: the whole message is a stray quote and a word
        rule(
            "probe_quote_word",
            r"^\s?['\"`]\s?\+?\s?[a-z_]\w{0,30}\s?(?:(?:--|#)[^\n'\"]{0,20}|;)?$",
            need=(QUOTES,),
        ),
        # 1 and 1=2   1' or 2>1   id=5 and 3<4: a value, then a comparison of constants
        rule(
            "probe_constant_compare",
            rf"^\s?{_VALUE_THEN_COMPARE}",
            need=(["=", "<", ">"], BOOL_WORDS),
        ),
        rule(
            "param_constant_compare",
            rf"={_VALUE_THEN_COMPARE}",
            need=(["=", "<", ">"], BOOL_WORDS),
        ),
        # or true--   ) or 2>1#   and false;: a message that starts with the boolean, cut off
        rule(
            "probe_bool",
            rf"^\s?\){{0,3}}\s?{BOOL}{SEP}(?:\(?\s?\d{{1,10}}\s?(?:=|<>|!=|<=|>=|<|>)\s?\d{{1,10}}|"
            rf"true|false|not{SEP}false|\d{{1,10}})\s?(?:--|#|/\*|;)",
            need=(["--", "#", "/*", ";"], BOOL_WORDS),
        ),
        rule(
            "probe_union",
            rf"^\s?(?:['\"`)]\s?){{0,3}}union{SEP}(?:all{SEP}|distinct{SEP})?select\s?(?:--|#|;|$)",
            need=(["union"], ["select"]),
        ),
        # ' or ''-'   " or "" "   ' or 'a'||'b: a literal after the boolean, then more string
        rule(
            "quote_bool_literal",
            rf"['\"`]\s?\)?{SEP}{BOOL}{SEP}\(?\s?(?:n?'[^']{{0,32}}'|\"[^\"]{{0,32}}\")\s?"
            r"(?:[-+*/%&^|]\s?['\"]|\s['\"]|--|#|;|in\s?\(|between\s)",
            need=(QUOTES, BOOL_WORDS),
            validate=quote_opens,
        ),
        # ' and (select 1 from t)=1   ") or ((select ...: a literal closed into a subquery
        rule(
            "quote_subquery",
            rf"['\"`]\s?\){{0,3}}{SEP}{BOOL}{SEP}(?:not{SEP})?\({{1,3}}\s?select\b",
            need=(["select"], QUOTES, BOOL_WORDS),
            validate=quote_opens,
        ),
        # x' union select sum(price) from t--: after a break-out, a call, `*` or columns
        rule(
            "quote_union_any",
            rf"['\"`]\s?\){{0,3}}{SEP}union{SEP}(?:all{SEP}|distinct{SEP})?\(?\s?select{SEP}"
            rf"(?:[a-z_]{{1,30}}\s?\(|\*|[a-z_][\w.]{{0,30}}\s?(?:,|{SEP}from\b))",
            need=(["union"], ["select"], QUOTES),
            validate=quote_opens,
        ),
        # ' or gtid_subset((select ...))   and row(1,1)>(select ...)   procedure analyse(
        rule(
            "subquery_argument",
            rf"['\"`]\s?\){{0,3}}{SEP}{BOOL}{OSEP}\(?\s?[a-z_]{{2,20}}\s?\(\s?\(\s?select\b",
            need=(["select"], QUOTES, BOOL_WORDS),
            pre=r"\(\s?\(\s?select\b",
            validate=quote_opens,
        ),
        rule(
            "row_compare",
            rf"{BOOL}{OSEP}\(?\s?row\s?\(\s?\d{{1,10}}\s?,\s?\d{{1,10}}\s?\)\s?(?:=|<|>)",
            need=(["row"], BOOL_WORDS),
        ),
        rule(
            "procedure_analyse",
            rf"\bprocedure{SEP}analyse\s?\(",
            need=(["procedure"], ["analyse"]),
        ),
        # ' or 2 between 1 and 3   ") and 'b' between 'a' and 'c
        rule(
            "quote_between",
            rf"['\"`]\s?\){{0,3}}{SEP}{BOOL}{SEP}\(?\s?{LIT}\s?(?:not{SEP})?between{SEP}{LIT}{SEP}"
            rf"and{SEP}{LIT}",
            need=(QUOTES, ["*between"]),  # `1between`: glued to its literal
            validate=quote_opens,
        ),
        # x'='x   '='   admin'<>'   '=0--: the literal closed straight into a comparison
        rule(
            "quote_compare",
            r"(?:^|(?<=[\w)]))['\"`]\s?(?:=|<>|!=|\blike\b)\s?"
            r"(?:['\"`]|\d{1,10}\s?(?:--|#|/\*|;|$)|--|#|$)",
            need=(["=", "<>", "!=", "like"], QUOTES),
            pre=r"['\"`]\s?(?:=|<>|!=|like\b)",
            validate=quote_opens,
        ),
        # '||'6   '||(elt(...   '+(select ...)+'
        rule(
            "quote_concat",
            r"['\"]\s?\)?\s?(?:\|\|\s?(?:['\"(]|\d|[a-z_]\w{0,20}\s?\()|\+\s?\(\s?select\b)",
            need=(["||", "+"], QUOTES),
            validate=quote_opens,
        ),
        # or 1 in (select @@version)   and 5=(select ...)   and 1=cast(version() as int)
        rule(
            "constant_subquery",
            rf"{_BOOL_OR_CLAUSE}{_CONSTANT}\(\s?(?:select\b|@@)",
            need=(["select", "@@"], _BOOL_OR_CLAUSE_WORDS),
            pre=r"\(\s?(?:select\b|@@)",
        ),
        rule(
            "constant_cast",
            rf"{_BOOL_OR_CLAUSE}{_CONSTANT}(?:cast|convert)\s?\(\s?(?:\(\s?select\b|{_SYSFN}|@@)",
            need=(["cast", "convert"], _BOOL_OR_CLAUSE_WORDS),
            pre=_SYSFN_CALL,
        ),
        # (4821=4821)*7   case 4821 when 4821   and 4821=4821 (longer than a builder's 1=1)
        rule(
            "paren_constant",
            r"\(\s?(\d{2,10})\s?=\s?\1\s?\)",
            need=(["="], ["("]),
        ),
        rule(
            "bool_constant",
            r"=\s?(\d{2,10})(?![\d.])",
            need=(["="], BOOL_WORDS),
            validate=_same_number_after_bool,
        ),
        rule(
            "case_constant",
            rf"\bcase{SEP}(\d{{1,10}}){SEP}when{SEP}\1(?!\d)",
            need=(["case"], ["when"]),
            pre=rf"case{SEP}\d",
        ),
        # or sleep(__TIME__)   =(select sleep(5) ...   where sleepeachrow(1)   waitfor delay @x
        rule(
            "time_delay_more",
            rf"(?:{BOOL}|;|['\"`]\s?\)?|\bwhere\b|\bselect\b|=\s?\(?\s?select\b){OSEP}\(?\s?"
            r"[a-z_]{0,12}sleep[a-z_]{0,12}\s?\(\s?(?:\d|_|\[|\{|@|\$|%|:)|"
            rf"\(\s?select{SEP}(?:pg_)?sleep\s?\(|"
            r"\b(?:pg_)?sleep\s?\(\s?\d{1,10}\s?\)\s?(?:#|--|/\*)",
            need=(["("], ["*sleep"]),
            pre=r"sleep[a-z_]{0,12}\s?\(",
        ),
        rule(
            "waitfor_more",
            rf"\bwaitfor{SEP}(?:delay|time){SEP}(?:['\"@]|\d)",
            need=(["waitfor"],),
        ),
        # 1; select *   '; desc users   '; begin declare @v ...
        rule(
            "stacked_read",
            rf";{OSEP}(?:select{SEP}(?:\*|@@|null\b|\d|(?:user|version|database|current_user|"
            rf"system_user|load_file|sleep|pg_sleep|benchmark)\s?\()|desc(?:ribe)?{SEP}[a-z_]|"
            rf"begin{SEP}(?:declare|exec|waitfor|select)\b)",
            need=([";"], ["select", "desc", "describe", "begin"]),
            validate=after_breakout,
        ),
        # select @s = 0x77616974...   set @x=0x303a303a35   set @q=cast(0x... as varchar)
        rule(
            "hex_variable",
            rf"\b(?:set|select){SEP}@\w{{1,30}}\s?=\s?(?:cast\s?\(\s?)?0x[0-9a-f]{{8,}}",
            need=(["@"], ["set", "select"]),
        ),
        # exec(char(0x73656c656374...))   execute(0x7761...): a statement run from a hex blob
        rule(
            "hex_exec",
            r"\bexec(?:ute)?\s?\(\s?(?:(?:n?char|cast|convert)\s?\(\s?)?0x[0-9a-f]{8,}",
            need=(["exec", "execute"],),
            pre=r"0x[0-9a-f]{8}",
        ),
        # or benchmark(__COUNT__,md5(1))   and benchmark([n],sha1(1)): a placeholder count
        rule(
            "benchmark_placeholder",
            r"\bbenchmark\s?\(\s?(?:_|\[|\{|@|\$|%|:)[^,()]{0,24},\s?[a-z_0-9]{2,12}\s?\(",
            need=(["benchmark"], ["("], [","]),
        ),
        rule(
            "mass_drop",
            rf"(?:\bdrop{SEP}(?:table|database|schema){SEP}(?:if{SEP}exists{SEP})?"
            rf"[\w.`\"\[\]]{{1,64}}\s?;\s?){{2}}drop{SEP}(?:table|database|schema)\b",
            need=(["drop"], [";"]),
        ),
        rule(
            "server_procedure",
            rf"\bexec(?:ute)?{SEP}(?:master\.{{1,2}}(?:dbo\.)?)?xp_|"
            r"\bmaster\.{1,2}(?:dbo\.)?(?:xp|sp)_\w",
            need=(["master", "*xp_"],),
        ),
        rule(
            "file_read",
            r"\bload_file\s?\(\s?(?:'|\"|0x|char\s?\(|concat|\(?\s?select\b)|"
            r"\bpg_read_(?:binary_)?file\s?\(\s?'|"
            rf"\bcopy{SEP}[\w.]{{1,40}}(?:\s?\([^)]{{0,80}}\))?{SEP}(?:from|to){SEP}program{SEP}'",
            need=(["load_file", "pg_read_file", "pg_read_binary_file", "program"],),
        ),
        # uni/**/on sel/**/ect   'sel' || 'ect'   'dr'+'op': a keyword cut to pass a filter
        rule(
            "comment_split_keyword",
            r"\b([a-z]{1,12})/\*[^*]{0,16}\*/([a-z]{1,12})\b",
            need=(["/*"],),
            pre=r"\*/[a-z]",
            validate=_joined_split,
        ),
        rule(
            "literal_split_keyword",
            r"(?<![a-z])'([a-z]{1,12})'\s?(?:\|\||\+)\s?'([a-z]{1,12})'?",
            need=(["||", "+"], ["'"]),
            pre=r"'\s?(?:\|\||\+)\s?'",
            validate=_joined_split,
        ),
        # 1or1=1   'or'1'='1: SQL needs no space around a boolean
        rule(
            "glued_bool",
            r"\d(?:or|and|xor)\d{1,10}\s?=\s?\d",
            need=(["="],),
            pre=r"=\s?\d",
        ),
        # or isnull(1/0)   and (1/0): an error on purpose, a division by zero after a boolean
        rule(
            "division_by_zero",
            rf"{BOOL}{OSEP}\(?\s?(?:[a-z_]{{1,12}}\s?\(\s?)?\d{{1,4}}\s?/\s?0(?![\d.])",
            need=(["/"], BOOL_WORDS),
            pre=r"/\s?0(?![\d.])",
        ),
        # or name like char(37)   and login = char(114,111,111,116): a literal spelled in codes
        rule(
            "char_literal",
            rf"{BOOL}{SEP}[a-z_][\w.]{{0,30}}\s?(?:=|\blike\b)\s?(?:n?char|chr)\s?\(\s?\d{{2,3}}\s?[),]",
            need=(["char", "nchar", "chr"], BOOL_WORDS),
        ),
        # exec sp   1 exec xp_   ';execute sp_who: a whole message that calls a procedure
        rule(
            "probe_exec",
            rf"^\s?(?:\d{{1,10}}\s?)?['\"]?\s?;?\s?exec(?:ute)?{SEP}(?:master\.{{1,2}})?"
            r"(?:sp|xp)(?:_\w{0,30})?\s?(?:--|#|;|$)",
            need=(["*exec"],),  # `1exec`: glued to the number before it
        ),
        # select * from [odbc;driver=...;server=host]   openrowset('sqloledb', ...): the query
        # reaches out to a server the attacker names
        rule(
            "remote_source",
            rf"\bfrom{SEP}\[\s?odbc\s?;|\bopen(?:rowset|datasource)\s?\(\s?'(?:sqloledb|msdasql|"
            r"sqlncli\w{0,4}|microsoft\.(?:ace|jet)\.oledb)",
            need=(["odbc", "openrowset", "opendatasource"],),
        ),
        # and ascii(substr((select ...   or length(database())=8   and user_name() = 'dbo'
        rule(
            "inference_function",
            rf"{BOOL}{OSEP}\(?\s?(?:ascii|ord|length|len|hex|unicode|substring|substr|mid|left|"
            rf"right)\s?\(\s?(?:\(\s?select\b|{_SYSFN}|@@)",
            need=(["("], BOOL_WORDS, [*_SYSFN_WORDS, "select", "@@"]),
            pre=_SYSFN_CALL,
        ),
        rule(
            "system_compare",
            rf"{BOOL}{OSEP}\(?\s?{_SYSFN}\s?{_CMP}",
            need=(["("], BOOL_WORDS, _SYSFN_WORDS),
            pre=r"\(\s?\)\s?(?:=|<|>|!|like\b)",
        ),
        rule(
            "variable_compare",
            rf"{BOOL}{OSEP}\(?\s?@@[a-z_]{{2,20}}\s?{_CMP}",
            need=(["@@"], BOOL_WORDS),
            pre=r"@@[a-z_]{2,20}\s?(?:=|<|>|!|like\b)",
        ),
    )
