"""Real test files, built at test time so the repository holds no binaries and no EICAR.

Each builder returns a small but valid file: a PNG that image libraries decode, a PDF with a
real xref table, a DOCX/XLSX with the OOXML package parts Word/Excel require. The zip bomb
is generated from a run of zeros (it would be megabytes if committed), and the EICAR test
string is assembled from two halves so no file in the repo contains it verbatim (a scanner
on a developer's machine would otherwise quarantine the source tree).
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import AsyncIterator, Sequence

# The custom signature in scripts/clamd-test-db/sluicegate-test.ndb matches this marker.
MARKER = b"SLUICEGATE-TEST-MALWARE-MARKER"
EICAR_SIGNATURE = "Sluicegate.Test.EICAR.UNOFFICIAL"
MARKER_SIGNATURE = "Sluicegate.Test.Marker.UNOFFICIAL"


def eicar() -> bytes:
    """The 68-byte EICAR anti-virus test file, assembled from its two halves."""
    return b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def png(width: int = 2, height: int = 2) -> bytes:
    """An 8-bit RGB PNG of solid red, with correct CRCs."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def pdf(text: str = "Hello from sluicegate") -> bytes:
    """A one-page PDF 1.4 with a text stream and a correct xref table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="{target}"/></Relationships>'
)
_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/{part}" ContentType="{ctype}"/></Types>'
)


def _ooxml(part: str, ctype: str, body: str, *, types_first: bool = True) -> bytes:
    buf = io.BytesIO()
    entries = [
        ("[Content_Types].xml", _TYPES.format(part=part, ctype=ctype)),
        ("_rels/.rels", _RELS.format(target=part)),
        (part, body),
    ]
    if not types_first:
        # Some producers write media first; libmagic, seeing only the head, then says zip and
        # the scanner must recognise the package from its central directory instead.
        entries.reverse()
        entries.insert(0, ("customXml/item1.bin", random.Random(7).randbytes(16384).hex()))
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in entries:
            z.writestr(name, text)
    return buf.getvalue()


def docx(text: str = "Hello", *, types_first: bool = True) -> bytes:
    """A minimal Word document Word itself opens."""
    body = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
    )
    ctype = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    return _ooxml("word/document.xml", ctype, body, types_first=types_first)


def xlsx() -> bytes:
    """A minimal spreadsheet package (workbook part only)."""
    body = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheets/></workbook>"
    )
    ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    return _ooxml("xl/workbook.xml", ctype, body)


def zip_of(entries: Sequence[tuple[str, bytes]], *, stored: bool = False) -> bytes:
    """A zip holding `entries` (deflated unless `stored`)."""
    buf = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in entries:
            z.writestr(name, data)
    return buf.getvalue()


def zip_bomb(inflated: int = 64 << 20) -> bytes:
    """A single-entry zip that inflates ~1000:1 (64 MiB of zeros in ~64 KiB)."""
    buf = io.BytesIO()
    block = bytes(1 << 20)
    with (
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z,
        z.open("zeros.bin", "w", force_zip64=True) as entry,
    ):
        for _ in range(inflated >> 20):
            entry.write(block)
    return buf.getvalue()


def nested_zip(depth: int, *, stored: bool = True) -> bytes:
    """`depth` levels of zip-in-zip around a small text file."""
    data = zip_of([("leaf.txt", b"hello\n")], stored=stored)
    for level in range(1, depth):
        data = zip_of([(f"level{level}.zip", data)], stored=stored)
    return data


def overlapping_zip(copies: int = 50) -> bytes:
    """A non-recursive bomb: `copies` central-directory entries pointing at one deflated blob."""
    blob = zip_of([("a.bin", bytes(200_000))])
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        info = z.infolist()[0]
    local_end = blob.index(b"PK\x01\x02")  # local header + data end where the central dir starts
    central = blob[local_end : blob.index(b"PK\x05\x06")]
    eocd = bytearray(blob[blob.index(b"PK\x05\x06") :])
    struct.pack_into("<HH", eocd, 8, copies, copies)
    struct.pack_into("<L", eocd, 12, len(central) * copies)
    assert info.header_offset == 0
    return blob[:local_end] + central * copies + bytes(eocd)


def multipart(
    parts: Sequence[tuple[str, str | None, str | None, bytes]], boundary: str = "sluiceBOUNDARY42"
) -> tuple[str, bytes]:
    """(content_type, body) for parts of (field, filename or None, content type or None, data)."""
    out = bytearray()
    for field, filename, ctype, data in parts:
        out += f"--{boundary}\r\n".encode()
        disposition = f'form-data; name="{field}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        out += f"Content-Disposition: {disposition}\r\n".encode()
        if ctype is not None:
            out += f"Content-Type: {ctype}\r\n".encode()
        out += b"\r\n" + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", bytes(out)


def one_file(filename: str, ctype: str | None, data: bytes) -> tuple[str, bytes]:
    """A /v1/files-style body: a `purpose` field and one `file` part."""
    return multipart([("purpose", None, None, b"assistants"), ("file", filename, ctype, data)])


async def chunked(body: bytes, seed: int, max_chunk: int = 997) -> AsyncIterator[bytes]:
    """Yield `body` in random sizes 1..max_chunk (seeded, so a failure replays exactly)."""
    rng = random.Random(seed)
    i = 0
    while i < len(body):
        n = rng.randint(1, max_chunk)
        yield body[i : i + n]
        i += n
