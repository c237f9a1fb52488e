"""Text scanning for the input_scan plugin: one shared normaliser, one detector per check.

Build a `TextScanner` once at config load; call `scan()` (or `scan_payload()`) per request.
Findings carry check, rule and span, never the matched text.
"""

from scanners.text.custom import CustomRules
from scanners.text.extract import extract_texts
from scanners.text.finding import Detector, Finding, redact_spans
from scanners.text.normalize import normalize
from scanners.text.regex_safety import UnsafePattern, check_pattern
from scanners.text.scanner import CHECKS, ScannedText, ScanResult, TextScanner, operator_view
from scanners.text.xss import sanitize

__all__ = [
    "CHECKS",
    "CustomRules",
    "Detector",
    "Finding",
    "ScanResult",
    "ScannedText",
    "TextScanner",
    "UnsafePattern",
    "check_pattern",
    "extract_texts",
    "normalize",
    "operator_view",
    "redact_spans",
    "sanitize",
]
