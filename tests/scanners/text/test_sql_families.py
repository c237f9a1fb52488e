"""sql_injection payload families beyond tautologies and UNION, and developer SQL that must pass.

The payloads are written here, one or two per family (the evaluation data lives in `evals/`);
each names the rule that must catch it, so a family that stops matching fails by name.
"""

from __future__ import annotations

import pytest

from scanners.text import TextScanner
from scanners.text.normalize import normalize
from scanners.text.sql_injection import SqlInjectionDetector

DETECTOR = SqlInjectionDetector()
SCANNER = TextScanner(["sql_injection"])


def _rules(text: str) -> set[str]:
    return {f.rule for f in DETECTOR.scan(normalize(text))}


@pytest.mark.parametrize(
    ("payload", "rule"),
    [
        # probes: the whole message is the probe
        ("'orderid--", "probe_quote_word"),
        ('"+lookup', "probe_quote_word"),
        ("7 AND 3=4", "probe_constant_compare"),
        ("item=12 or 5>2", "param_constant_compare"),
        ("') UNION ALL SELECT", "probe_union"),
        ("exec xp", "probe_exec"),
        # a literal closed, then more string or a comparison
        ("' or ''*'", "quote_bool_literal"),
        ("' or 'abc' in ('abc')", "quote_bool_literal"),
        ("x') or 7 between 2 and 9--", "quote_between"),
        ("bob'='bob", "quote_compare"),
        ("'<>0--", "quote_compare"),
        ("'||'42", "quote_concat"),
        ("'||lower('x')", "quote_concat"),
        # constants against subqueries and casts
        ("' or 2 in (select @@hostname)--", "constant_subquery"),
        ("1 and 7=(select count(*) from pg_user)", "constant_subquery"),
        ("1 and 1=cast(current_user() as int)", "constant_cast"),
        # self-equal constants used as values
        ("9 (3310=3310)*5", "paren_constant"),
        ("2 OR 7716=7716  zz", "bool_constant"),
        ("3 select case 905 when 905 then 1 else 0 end", "case_constant"),
        # time delays with a variable or placeholder, or sleep inside a subquery
        ("4) and sleep([delay])#", "time_delay_more"),
        ("5 and 61=(select sleep(3) from dual)", "time_delay_more"),
        ("sleep(9)--", "time_delay_more"),
        ("6; declare @d char(8) set @d='0:0:5' waitfor delay @d", "waitfor_more"),
        # stacked reads, hidden statements, mass deletion, procedures, files, remote sources
        ("8;select * from accounts", "stacked_read"),
        ("x'; describe accounts;--", "stacked_read"),
        ("9 declare @c varchar(99) set @c=0x73656c65637420313b exec(@c)", "hex_variable"),
        ("drop table a; drop table b; drop table c;", "mass_drop"),
        ("1; exec master..xp_dirtree '\\\\198.51.100.7\\x'", "server_procedure"),
        ("' union select load_file('/etc/hostname'),2--", "file_read"),
        ("1; copy dump from program 'id'", "file_read"),
        (
            "x' and 1=(select 1 from openrowset('sqloledb','a';'b';'c','select 1'))--",
            "remote_source",
        ),
        # filters dodged: keywords cut by comments or concatenation, booleans without spaces
        ("1 unio/**/n sel/**/ect 1", "comment_split_keyword"),
        ("'; exec('dro'+'p table t')--", "literal_split_keyword"),
        ("9or9=9", "glued_bool"),
        ("1 or nullif(1/0,1)", "division_by_zero"),
        ("' or login like char(37)--", "char_literal"),
        # other comparison operators and hex literals after a break-out
        ("' or 0x41=0x41--", "quote_tautology"),
        ("' or 'k' rlike 'k", "quote_tautology"),
        # a literal closed into a subquery, a union of anything, errors through subqueries
        ("x' and (select 2 from dual)=2--", "quote_subquery"),
        ("q' union select avg(total) from invoices--", "quote_union_any"),
        ("' and json_keys((select version()))--", "subquery_argument"),
        ("1 or row(3,4)>(select count(*) from t)", "row_compare"),
        ("1 procedure analyse(1,1)", "procedure_analyse"),
        ("q') union all (select login, pass from staff)--", "quote_union_any"),
        ("or true--", "probe_bool"),
        (") and 4<9#", "probe_bool"),
        ("1;exec(char(0x73656c65637420404076657273696f6e))", "hex_exec"),
        ("1 or benchmark(__N__,sha1(1))#", "benchmark_placeholder"),
        # blind inference and fingerprinting
        ("1 and length(database())>3", "inference_function"),
        ("1 and ascii((select 'a'))=97", "inference_function"),
        ("1 and system_user() like 'sa%'", "system_compare"),
        ("1 or @@servername <> ''", "variable_compare"),
    ],
)
def test_each_payload_family_is_flagged_by_its_rule(payload: str, rule: str) -> None:
    assert rule in _rules(payload), (payload, _rules(payload))
    assert SCANNER.scan([payload]).findings


@pytest.mark.parametrize(
    "text",
    [
        # SQL as developers write it and paste it
        "SELECT name FROM users WHERE id IN (SELECT user_id FROM orders WHERE total > 100);",
        "SELECT CASE status WHEN 1 THEN 'open' WHEN 2 THEN 'closed' END FROM tickets",
        "UPDATE stock SET qty = qty - 1 WHERE sku = 'A-100' AND qty > 0;",
        "SELECT first_name || ' ' || last_name AS full_name FROM people ORDER BY 1",
        "DROP TABLE IF EXISTS staging_orders;\nCREATE TABLE staging_orders (id int);",
        "In T-SQL, EXEC sp_help 'dbo.orders' lists the columns and their types.",
        "SELECT COUNT(*) FROM events WHERE created_at > now() - interval '1 day' AND kind = 'x'",
        "DECLARE @limit int; SET @limit = 10; SELECT TOP (@limit) * FROM orders;",
        # code and prose that reach the rules' cues
        "Use time.sleep(5) between retries, or asyncio.sleep(5) inside a coroutine.",
        "The flag must be either 'little' or 'big', and defaults to 'big'.",
        "If x and y are both 10 then x == y and (x == 10) holds.",
        "Pick 'yes' or 'no' in the dialog, then press 'OK'.",
        "Set retries=10 and timeout=20 in the config, or retries=3 for tests.",
        "Students' or teachers' accounts are reviewed each term.",
        "How do I write WHERE 1 = (SELECT COUNT(*) FROM t) safely with SQLAlchemy?",
        "python -c 'print(1/0)' raises ZeroDivisionError, and so does 5/0 in a shell.",
        "SELECT id FROM a UNION SELECT id FROM b WHERE note = 'x' AND COALESCE((SELECT 1), 0) = 1",
        "WHERE total > 0 AND COALESCE((SELECT SUM(qty) FROM lines), 0) > 1",
        "The phrase 'UNION SELECT' appears in the log, and 'OR 1' too.",
        "or true, depending on the flag; the default is false.",
        "Run EXECUTE sp_who2 to list sessions; its 0x0000 values are spids.",
    ],
)
def test_developer_sql_and_prose_pass(text: str) -> None:
    assert SCANNER.scan([text]).findings == (), (text, _rules(text))


@pytest.mark.parametrize(
    "text",
    [
        "'orderid--",
        "2 OR 7716=7716  zz",
        "4) and sleep([delay])#",
        "1 and length(database())>3",
        "1 and system_user() like 'sa%'",
        "SELECT name FROM users WHERE id IN (SELECT user_id FROM orders WHERE total > 100);",
        "Use time.sleep(5) between retries, or asyncio.sleep(5) inside a coroutine.",
    ],
)
def test_gates_agree_with_the_ungated_scan(text: str) -> None:
    normalized = normalize(text)
    assert DETECTOR.scan(normalized) == DETECTOR.scan_ungated(normalized)


def test_a_question_about_a_new_family_passes_unless_it_is_evasive() -> None:
    question = "Why does `1 and length(database())>3` tell an attacker the name's length?"
    assert SCANNER.scan([question]).findings == ()
    assert SCANNER.scan(["Why does 1 un/**/ion sel/**/ect 1 work?"]).findings
