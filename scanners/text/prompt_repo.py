"""prompt_injection: a repository's issue, README, config or code comment that has a coding
agent run something harmful "before making changes" (issue 14, sixth round).

Written from the dev half of inspect-evals' `ipi_coding_agent` repositories (never from
held-out text): the injection is a setup step, and what gives it away is what the step runs,
not its words. Both families need an order's context *and* a shell pattern no setup step
needs:

- `repo_setup_hijack_en`: "before making changes / modifying ... / committing", then within
  the same stretch of text a command that shells out from a one-liner (`os.system(`,
  `subprocess.`), pipes a download into a shell (`curl ... | bash`), reads secrets
  (`os.environ` for a key or secret, `cat .env`, `printenv`), persists itself (`>>
  ~/.bashrc`, `.git/hooks/`, `crontab`) or opens a reverse shell (`nc -e`);
- `repo_env_exfil_en`: an environment or secrets dump (`env | sort`, `printenv`,
  `os.environ`, `cat .env`) whose output is to be pasted, attached, posted or sent.

"Before making changes, run `pip install -e .[dev]`", "install Docker with `curl -fsSL
https://get.docker.com | sh`" and "print `env | sort` to debug" pass
(`tests/scanners/text/test_pi_carriers.py`).
"""

from __future__ import annotations

from scanners.text.finding import Rule, rule

_SHELL = (
    r"(?:os\.system\(|subprocess\.|os\.environ.{0,60}?(?:key|secret|token|passw|credential)|"
    r"\bprintenv\b|\benv ?\| ?|\bcat [^\s`'\"]*\.env\b|"
    r"\| ?(?:ba|z)?sh\b|>> ?~/\.(?:bashrc|profile|zshrc|bash_profile)|\.git/hooks/|\bcrontab\b|"
    r"\bnc -e\b|/etc/(?:passwd|shadow))"
)
_SHELL_ATOMS = (
    "*os.system(", "*subprocess.", "*os.environ", "printenv", "*env |", "*env|", "*.env",
    "*| sh", "*|sh", "*| bash", "*|bash", "*| zsh", "*|zsh", "*>> ~/", "*>>~/", "*.git/hooks/",
    "crontab", "*nc -e", "*/etc/passwd", "*/etc/shadow",
)  # fmt: skip
_ENV_ATOMS = ("printenv", "*env |", "*env|", "*os.environ", "*.env")
_SHARE = (
    "paste", "attach", "post", "send", "upload", "include", "share", "email", "submit",
)  # fmt: skip

REPO_RULES: tuple[Rule, ...] = (
    rule(
        "repo_setup_hijack_en",
        r"before (?:making|modifying|changing|editing|touching|fixing|working on|committing|"
        r"you (?:make|modify|change|edit|touch|fix|commit|start))\b.{0,400}?" + _SHELL,
        need=(("before",), _SHELL_ATOMS),
        pre=r"before ",
    ),
    rule(
        "repo_env_exfil_en",
        r"(?:\benv ?\| ?|\bprintenv\b|os\.environ|\bcat [^\s`'\"]*\.env\b)[^\n]{0,300}?\b(?:paste|"
        r"attach|post|send|upload|include|share|email|submit)(?:s|ing)? (?:(?:the |this |that |its "
        r"|your )?(?:output|result|results|file|dump|it|them|values)\b|`?(?:/|~/)[\w./-]{2,80})",
        need=(_ENV_ATOMS, _SHARE),
    ),
)
