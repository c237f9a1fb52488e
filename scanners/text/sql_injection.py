"""SQL injection: the artefacts of breaking out of a query, not SQL itself.

Users paste SQL all the time, so keywords alone prove nothing. The rules look for what only an
injection needs: an unbalanced quote followed by a comment or a boolean tautology, constant-vs-
constant tautologies, `UNION SELECT` into constants or system functions, stacked destructive
statements, time delays after a boolean operator, MySQL versioned comments, error-based
extraction functions and command-execution procedures. Inline comments (`/**/`) and `+` count
as whitespace because they do in the SQL engines and in form encoding.
"""

from __future__ import annotations

from collections.abc import Iterable

from scanners.text.finding import Rule, RuleDetector, rule
from scanners.text.sql_grammar import (
    BOOL,
    LIT,
    OP,
    OP_WORDS,
    OSEP,
    SEP,
    after_breakout,
    quote_opens,
)
from scanners.text.sql_injection_more import more_rules


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
                validate=quote_opens,
            ),
            # x' or 'a'='a    ") or ("1"="1    ' or true--    ' and 1=2 union...
            rule(
                "quote_tautology",
                rf"['\"`]\s?\){{0,3}}{OSEP}{BOOL}{OSEP}(?:not{SEP})?\({{0,3}}\s?{LIT}\s?\){{0,3}}\s?{OP}",
                need=(["'", '"', "`"], ["or", "and", "xor", "||", "&&"], OP_WORDS),
                validate=quote_opens,
            ),
            rule(
                "quote_bool_constant",
                rf"['\"`]\s?\)?{OSEP}{BOOL}{OSEP}(?:true|false|not\s?false|\d{{1,10}})"
                rf"\s?(?:--|#|/\*|;|$)",
                need=(["'", '"', "`"], ["or", "and", "xor", "||", "&&"]),
                validate=quote_opens,
            ),
            # 1 or 1=1--   or 'x'='x'   and 2>1#
            rule(
                "tautology",
                rf"{BOOL}{OSEP}(?:not{SEP})?\(?\s?(?:'([^']{{0,32}})'|\"([^\"]{{0,32}})\"|(\d{{1,10}}))\s?"
                rf"(?:=|<=>|like)\s?\(?\s?(?:'(?:\1)'?|\"(?:\2)\"?|(?:\3)(?!\d))"
                rf"\s?\)?\s?(?:--|#|/\*|;|'|\"|\)|$|%|\bunion\b|\blimit\b|\border\b|{BOOL})",
                need=(["=", "*like"], ["or", "and", "xor", "||", "&&"]),  # `1like1`: glued
            ),
            # or a=a   ' or x=x--: a column compared with itself, the query's end cut off
            rule(
                "identifier_tautology",
                rf"(?:^|['\"`)])\s?{OSEP}\b(?:or|and|xor){SEP}([a-z_]\w{{0,15}})\s?=\s?\1\s?(?:--|#|/\*|;|$)",
                need=(["="], ["or", "and", "xor"]),
            ),
            rule(
                "union_select",
                rf"\bunion{SEP}(?:all{SEP}|distinct{SEP})?select{SEP}(?:null\b|\d{{1,4}}\s?(?:,|--|#|$|from)|"
                rf"@@|\(\s?select|concat|group_concat|char\s?\(|0x|version\s?\(|user\s?\(|"
                rf"database\s?\(|current_user|load_file|table_name|column_name|schema_name|"
                rf"password|passwd|username|banner|sys\.|unhex|md5\(|sleep\()",
                need=(["union"], ["select"]),
            ),
            rule(
                "stacked_query",
                rf";{OSEP}(?:drop|delete|insert|update|shutdown|exec|execute|"
                rf"declare|truncate|alter|create|grant|select{SEP}pg_sleep|waitfor)\b",
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
                validate=after_breakout,
            ),
            rule(
                "time_delay",
                rf"(?:{BOOL}|;|['\"`]\s?\)?){OSEP}\(?\s?(?:select{SEP})?(?:\(\s?select{SEP})?"
                rf"(?:pg_sleep|sleep)\s?\(\s?\d|\bpg_sleep\s?\(\s?\d|\bbenchmark\s?\(\s?\d{{4,}}\s?,|"
                rf"waitfor{SEP}delay{SEP}'|dbms_pipe\.receive_message|dbms_lock\.sleep|"
                r"\bselect\s?\(\s?sleep\s?\(\s?\d",
                # every branch holds a "(" but waitfor's (a quote) and dbms_'s
                need=(["sleep", "pg_sleep", "benchmark", "delay", "*dbms_"], ["(", "'", "*dbms_"]),
            ),
            # CASE WHEN 4821=4821 THEN   IIF(4821=4821,1,1/0)   ELT(4821=4821,1)   WHERE 4821=4821
            # (sqlmap's boolean and error probes; a bare WHERE 1=1 is a query-builder idiom)
            rule(
                "constant_condition",
                r"\b(?:when|iif|elt|make_set|if|having)\b\s?\(?\s?\(?\s?(\d{1,10})\s?=\s?\1(?!\d)|"
                r"\bwhere\s(\d{2,10})\s?=\s?\2(?!\d)",
                # the keyword ends its word (`\b`): `when1` is an identifier to SQL, not `when 1`,
                # and the gate's whole words then hold every match (`when1=1` matched, gated out)
                need=(["when", "iif", "elt", "make_set", "if", "having", "where"], ["="]),
                pre=r"=\s?\d",  # the pattern starts with \b, which re cannot skip to
            ),
            # time-based probes by heavy query: a cartesian product of catalogue tables, a huge
            # generate_series/randomblob/repeat, Oracle's user_lock.sleep, MySQL's !sleep(
            rule(
                "heavy_query",
                # every branch starts with a literal (`c(?<!\wc)ount` is `\bcount`), so `re`
                # skips to candidates at C speed instead of trying each position of the text
                r"c(?<!\wc)ount\s?\(\s?\*\s?\)\s?from\s[\w.$]{1,40}(?:\sas)?\s\w{1,10}\s?,\s?"
                r"[\w.$]{1,40}(?:\sas)?\s\w{1,10}\s?,|"
                r"g(?<!\wg)enerate_series\s?\(\s?\d{1,10}\s?,\s?\d{6,12}\s?\)|"
                r"r(?<!\wr)andomblob\s?\(\s?\d{6,12}|r(?<!\wr)epeat\s?\([^;]{0,60}?,\s?\d{6,12}\s?\)|"
                r"u(?<!\wu)ser_lock\.sleep\s?\(|!sleep\s?\(\s?\d|n(?<!\wn)umbers\s?\(\s?\d{6,12}\s?\)|"
                r"s(?<!\ws)ysmaster:sys\w{1,20}",
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
                rf"\binto{SEP}(?:out|dump)file{SEP}'",
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
                rf"{BOOL}{OSEP}\(?\s?(?:ascii|ord)\s?\(\s?(?:(?:lower|upper|lcase|ucase)\s?\(\s?)?"
                rf"(?:substring|substr|mid)\s?\(|"
                rf"{BOOL}{OSEP}\(?\s?(?:substring|substr|mid)\s?\(\s?(?:@@|user|version|database|"
                rf"\(\s?select)|{BOOL}{OSEP}\(?\s?\(?\s?select{SEP}(?:count|ascii|substr|"
                rf"substring|case|\d|null|if|1\s?from|table_name)",
                need=(["or", "and", "xor", "||", "&&"], ["substring", "substr", "mid", "select"]),
            ),
            rule(
                "quote_order_by",
                rf"(?:^|['\"`)])\s?{OSEP}(?:order|group){SEP}by{SEP}\d{{1,3}}(?:\s?,\s?\d{{1,3}}){{0,16}}"
                rf"\s?,?\s?(?:--|#|/\*|;|$)",
                need=(["by"], ["order", "group"]),
                validate=quote_opens,
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
                rf"(?<![a-z0-9])['\"`]\s?\)?{OSEP}union{SEP}(?:all{SEP})?select"
                rf"(?:\s?(?:$|--|#|/\*)|{SEP}(?:null\b|\d|@@|\(|\*))",
                need=(["union"], ["select"], ["'", '"', "`"]),
                validate=quote_opens,
            ),
            # ' or user like '%   ' or (exists ...   ' and name = ': a literal closed, then
            # a condition on a column the attacker guesses
            rule(
                "quote_condition",
                rf"['\"`]\s?\)?{OSEP}{BOOL}{OSEP}(?:\(\s?exists\b|[a-z_][\w.]{{0,31}}\s?"
                rf"(?:(?:=|like)\s?['\"]|is(?:{SEP}not)?{SEP}null\b))",
                need=(["'", '"', "`"], ["or", "and", "xor", "||", "&&"]),
                validate=quote_opens,
            ),
            # and 2=0#   or 3>2--: a constant comparison cut off by a comment
            rule(
                "constant_comment",
                rf"{BOOL}{OSEP}\d{{1,10}}\s?(?:=|<>|!=|<|>)\s?\d{{1,10}}\s?(?:--|#|/\*)",
                need=(["or", "and", "xor", "||", "&&"], ["--", "#", "/*"]),
            ),
            # Oracle out-of-band and MSSQL probes: '||UTL_HTTP.REQUEST(   PRINT @@version
            rule(
                "out_of_band",
                r"\butl_(?:http\.request|inaddr\.get_host|tcp\.)|\bdbms_xmlgen\b|"
                r"\bhttpuritype\s?\(|\bprint\s@@[a-z]",
                need=(["*utl_", "dbms_xmlgen", "httpuritype", "*@@"],),
            ),
            *more_rules(),
        )
