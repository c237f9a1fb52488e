"""The multipart ``model`` field: found by part headers, never in a file's bytes; replaced
in place; malformed forms give None rather than a guess."""

from __future__ import annotations

import pytest

from proxy.multipart import boundary_of, form_field, replace_field

FILE_FIRST = (
    b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n'
    b"Content-Type: audio/wav\r\n\r\n"
    b'RIFF\r\nContent-Disposition: form-data; name="model"\r\n\r\nfake\r\n'
    b'--B\r\ncontent-disposition: form-data; name="model"\r\n\r\nalias-1\r\n'
    b'--B\r\nContent-Disposition: form-data; name="language"\r\n\r\nen\r\n--B--\r\n'
)


def test_the_field_is_read_from_its_own_part_not_from_the_file() -> None:
    assert form_field(FILE_FIRST, b"B", b"model") == "alias-1"
    assert form_field(FILE_FIRST, b"B", b"language") == "en"
    assert form_field(FILE_FIRST, b"B", b"file") is None  # a file part is not a field


def test_replacing_changes_only_that_value() -> None:
    out = replace_field(FILE_FIRST, b"B", b"model", b"whisper-1")
    assert out == FILE_FIRST.replace(b"alias-1", b"whisper-1")
    assert replace_field(FILE_FIRST, b"B", b"absent", b"x") == FILE_FIRST


@pytest.mark.parametrize(
    "body",
    [
        b"model=alias",
        b'--B\r\nContent-Disposition: form-data; name="model"\r\n\r\nno closing delimiter',
        b'--B\r\nContent-Disposition: form-data; name="model"',
        b"--B--\r\n",
        b'--B\r\nContent-Disposition: form-data; name="model"\r\n\r\n\xff\xfe\r\n--B--',
    ],
)
def test_malformed_forms_have_no_model(body: bytes) -> None:
    assert form_field(body, b"B", b"model") is None


@pytest.mark.parametrize(
    ("header", "boundary"),
    [
        ("multipart/form-data; boundary=abc", b"abc"),
        ('Multipart/Form-Data; charset=utf-8; boundary="a b"', b"a b"),
        ("multipart/form-data", None),
        ("multipart/mixed; boundary=abc", None),
        ("application/json", None),
        ("multipart/form-data; boundary=" + "x" * 71, None),
    ],
)
def test_boundary_of(header: str, boundary: bytes | None) -> None:
    assert boundary_of(header) == boundary
