"""sql_injection on every sqlmap payload in every one of its boundaries, dev half only.

    .venv/bin/python -m evals.sqlmap_dev               # rates per payload file
    .venv/bin/python -m evals.sqlmap_dev --misses 20   # and some missed texts

`evals/sources.py` sends each payload in two sampled boundaries; this takes the full cross
product (about 17,000 texts) and keeps a text only when its SHA-256 puts it in the dev half
(`heldout.split_of`), so no held-out text can enter it, sampled or not. It is the larger set
the issue 14 rules were generalised on (dev: 99.2 % -> 100 % of 8,711 texts).
"""

from __future__ import annotations

import argparse
import html
import random
import re
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evals.heldout import split_of
from evals.sources import _TAG, _fill, read, wheel
from scanners.text import TextScanner


def dev_texts() -> Iterator[tuple[str, str]]:
    """(payload file, text) for every payload x boundary whose hash is in the dev half."""
    bounds = re.findall(
        r"<prefix>(.*?)</prefix>\s*<suffix>(.*?)</suffix>",
        re.sub(
            r"<!--.*?-->", "", read("sqlmap", "sqlmap/data/xml/boundaries.xml"), flags=re.DOTALL
        ),
        re.DOTALL,
    )
    names = sorted(n for n in wheel("sqlmap").namelist() if "/xml/payloads/" in n)
    for name in names:
        xml = re.sub(r"<!--.*?-->", "", read("sqlmap", name), flags=re.DOTALL)
        for request in re.findall(r"<request>(.*?)</request>", xml, re.DOTALL):
            parts = {m.group(1): m.group(2) for m in _TAG.finditer(request)}
            payload = html.unescape(parts.get("payload", ""))
            if not payload:
                continue
            comment = html.unescape(parts.get("comment", ""))
            for prefix, suffix in bounds:
                text = _fill(f"1{html.unescape(prefix)} {payload}{comment} {html.unescape(suffix)}")
                if split_of(text) == "dev":
                    yield name.rsplit("/", 1)[-1], text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--misses", type=int, default=0)
    args = parser.parse_args(argv)
    scanner = TextScanner(["sql_injection"])
    texts = list(dev_texts())
    missed = [(n, t) for n, t in texts if not scanner.scan([t]).findings]
    total, lost = Counter(n for n, _ in texts), Counter(n for n, _ in missed)
    for name in sorted(total):
        rate = 100 * (1 - lost[name] / total[name])
        print(f"{name:<22} {total[name]:>6}  missed {lost[name]:>4}  detected {rate:5.1f} %")
    print(f"{'all':<22} {len(texts):>6}  missed {len(missed):>4}  "
          f"detected {100 * (1 - len(missed) / max(1, len(texts))):5.1f} %")  # fmt: skip
    random.Random(14).shuffle(missed)
    for name, text in missed[: args.misses]:
        print(f"    missed [{name}] {text[:160]!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
