"""path_traversal on query-style parameters that climb (sqlmap's sensitive-file targets reached
through DotDotPwn spellings), and the command-line and build-file shapes that are not attacks."""

from __future__ import annotations

import pytest

from scanners.text import TextScanner

SCANNER = TextScanner(["path_traversal"])


@pytest.mark.parametrize(
    "text",
    [
        "dir=%2e%2e%2f%2e%2e%2fvar/lp/logs/lpnet",
        "flush=../../../usr/local/jboss/server/default/log/server.log",
        "sku=%2e%2e%2f%2e%2e%2ftmp/access.log",
        "page=..%5c..%5cinetpub/logs/x.log",
        "template=../../flag.txt",
    ],
)
def test_climbing_parameters_are_flagged(text: str) -> None:
    assert SCANNER.scan([text]).findings, text


@pytest.mark.parametrize(
    "text",
    [
        "run it with --config=../../conf/app.yaml",
        "SRC=../src and OUT=../build",
        "cd ../.. && make",
        "import Button from '../../components/Button'",
        "the range a=1..10 and b=2..5",
    ],
)
def test_everyday_paths_pass(text: str) -> None:
    assert SCANNER.scan([text]).findings == (), text
