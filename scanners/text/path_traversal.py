"""Path traversal: climbing out of a directory, and the files such a climb is after.

Relative imports (`../utils`, `../../components/Button`) are everyday code, and absolute paths
like `/etc/hosts` are everyday sysadmin questions, so neither alone is flagged. The rules want
a climb that reaches a sensitive target, an unusually deep climb, the non-canonical spellings
only filter evasion uses (`....//`, `..;/`, `..\\/`), a sensitive absolute path handed over as a
parameter value (`file=/etc/passwd`), `file://` URLs to system files and PHP stream wrappers.
Encoded forms (`%2e%2e%2f`, `%252e`, overlong `%c0%af`) are decoded by the normaliser first.
"""

from __future__ import annotations

from collections.abc import Iterable

from scanners.text.finding import Rule, RuleDetector, rule

# A separator as filters fail to see it: `/` `\`, the look-alikes IIS decoded from `%u2215`,
# `%u2216`, `%uEFC8`, `%uF025`, the fullwidth forms, a broken overlong byte before a slash
# (`%c0%2f` decodes to U+FFFD + `/`), and the `0x2f`/`0x5c` hex spellings of fuzzers' lists.
_SEP = r"(?:[\\/\u2215\u2216\uefc8\uf025\uff0f\uff3c]|\ufffd[\\/]?|0x2f|0x5c)"
_DOTS = r"(?:\.\.|0x2e0x2e|\ufffd\.\ufffd\.)"
_UP = rf"{_DOTS}{_SEP}{{1,4}}"
# A climb pattern starts with _UP spelt out (not a repeat of it) and _DOTS is a plain branch of
# literals, so the regex engine skips to the next "." / "0" / U+FFFD instead of trying every
# position: deep_climb ~590 -> ~14 µs per 4 KB of documentation (ellipses pass the gates).
_CLIMB_GATES = ("..", "0x2e0x2e", "\ufffd.")
_TARGETS = (
    r"etc[\\/]|proc[\\/]|boot\.ini|windows[\\/]|winnt[\\/]|win\.ini|system32|system\.ini|"
    r"inetpub|root[\\/]|var[\\/]|usr[\\/]|"
    r"\.ssh|\.aws|\.git[\\/]|\.htaccess|\.htpasswd|\.bash_history|\.docker|\.kube|id_rsa|"
    r"id_ed25519|web-inf|meta-inf|wp-config|shadow\b|passwd\b|program files|programdata|appdata"
)
# Directories that are ordinary one or two levels up in a project but not three.
_DEEP_TARGETS = r"home[\\/]|users[\\/]|tmp[\\/]|opt[\\/]|srv[\\/]|dev[\\/]|sys[\\/]|\.env\b"
_SENSITIVE_ABS = (
    r"(?:/etc/(?:passwd|shadow|group|gshadow|sudoers|master\.passwd|security/|ssh/|issue|"
    r"hostname|crontab|mysql/|apache2/|nginx/|httpd/)|/proc/(?:self|\d{1,7})/|"
    r"/var/log/|/root/|/home/[a-z0-9_.-]{1,32}/\.ssh|~/\.ssh/|"
    r"[a-z]:[\\/](?:windows|winnt|boot\.ini|inetpub|users[\\/][^\\/\s]{1,32}[\\/]\.ssh))"
)


class PathTraversalDetector(RuleDetector):
    """Flags directory climbs towards system files; see the module docstring for scope."""

    name = "path_traversal"

    def build_rules(self) -> Iterable[Rule]:
        return (
            # ../../etc/passwd  ..\..\windows\win.ini  ../.ssh/id_rsa
            rule("climb_to_target", rf"{_UP}(?:{_UP}){{0,31}}(?:{_TARGETS})", gates=_CLIMB_GATES),
            rule(
                "deep_climb_to_dir",
                rf"{_UP}(?:{_UP}){{2,31}}(?:{_DEEP_TARGETS})",
                gates=_CLIMB_GATES,
            ),
            # deeper than any sane relative import: ../../../../../
            rule("deep_climb", rf"{_UP}(?:{_UP}){{4,}}", gates=_CLIMB_GATES),
            # page=../../x   file=..\..\boot.ini: a query-style parameter whose value climbs
            # (not --flag=../../x on a command line, and one level is an ordinary sibling)
            rule(
                "param_climb",
                rf"(?<![\w-])[a-z_][a-z0-9_]{{0,31}}=[\"']?(?:{_UP}){{2,32}}[^\s&\"']",
                need=(["="],),
                gates=_CLIMB_GATES,
            ),
            # ....// ..././ ..;/ ..\/ .../ — spellings that only exist to dodge a filter
            rule(
                "evasive_climb",
                r"(?:\.{3,8}[\\/]{1,2}|\.\.[\\/]{2}|\.\.;[\\/]|\.\.\\/|\.\./\./|\.\.\./\.\.){2,}|"
                r"(?:\.\.[\\/]){1,32}\.\.;|\.\.[\\/]\.\.[\\/]?\x00",
                gates=_CLIMB_GATES,
                # every match holds ".." then ".", two separators, ";", "\/", "/./" or a NUL
                # climb: a literal to skip to where the pattern (a repeat first) is not
                pre=r"\.\.(?:\.|[\\/]{2}|;|/\./|[\\/]\.\.[\\/]?\x00)",
            ),
            # %5c..%5c..%5c..  \..\..\..\..: the climb written separator-first
            rule(
                "reversed_climb",
                r"(?:%?[\\/]\.\.){4,}",
                gates=("..",),
                pre=r"[\\/]\.\.%?[\\/]\.\.%?[\\/]\.\.%?[\\/]\.\.",  # four climbs in a row
            ),
            # ./\/././\/.//etc/passwd  .\\./.\\./boot.ini: dot-and-slash runs that some
            # servers fold into a climb, ending at a system file
            rule(
                "dot_run_to_target",
                rf"(?<![\w.])(?:\.{{1,2}}[\\/]{{1,3}}){{4,32}}(?:{_TARGETS})",
                gates=("./", ".\\"),
            ),
            # file=/etc/passwd   ?path=c:\windows\win.ini   page=/proc/self/environ
            rule(
                "param_sensitive_path",
                rf"[=:]\s?[\"']?(?:file:/{{2,3}})?{_SENSITIVE_ABS}",
                gates=("/etc/", "/proc/", "/var/", "/root/", "/home/", "~/", ":\\", ":/"),
            ),
            rule(
                "file_url",
                r"file:/{2,3}(?:localhost/)?(?:etc|proc|root|windows|winnt|[a-z]:[\\/](?:windows|"
                r"winnt|boot\.ini|users))\b",
                gates=("file:",),
            ),
            rule(
                "stream_wrapper",
                r"\b(?:php://(?:filter|input|fd)|expect://|phar://|zip://[^\s]{1,256}#|"
                r"data://text/plain;base64)",
                gates=("://",),
            ),
            rule(
                "proc_self",
                r"/proc/self/(?:environ|cmdline|fd/\d|maps|mem|cwd|exe|root|status)",
                gates=("/proc/self",),
            ),
        )
