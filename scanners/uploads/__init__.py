"""Upload scanning: streaming multipart parsing, type sniffing, zip-bomb checks and clamd.

The `upload_scan` plugin builds one `UploadScanner` per config load and calls `scan()` per
request; everything a plugin needs is re-exported here. See docs/upload-scanning.md.
"""

from scanners.uploads.archive import ArchiveLimits, ArchiveReport, inspect_zip
from scanners.uploads.clamd import ClamdAddress, ClamdClient, ClamdResult, ClamdUnavailable
from scanners.uploads.scanner import UploadScanner
from scanners.uploads.sniff import Sniffer, TypePolicy
from scanners.uploads.verdict import RejectKind, ScannedFile, UploadVerdict

__all__ = [
    "ArchiveLimits",
    "ArchiveReport",
    "ClamdAddress",
    "ClamdClient",
    "ClamdResult",
    "ClamdUnavailable",
    "RejectKind",
    "ScannedFile",
    "Sniffer",
    "TypePolicy",
    "UploadScanner",
    "UploadVerdict",
    "inspect_zip",
]
