"""Leaked credentials: cloud keys, AI-provider keys, code-host and SaaS tokens, private keys, JWTs.

Every rule keys on a vendor's fixed prefix and length, so a match is a credential-shaped token,
not a guess from entropy alone. Placeholders people paste in questions (`sk-...`,
`sk-YOUR_KEY_HERE`, `AKIAXXXXXXXXXXXXXXXX`, `ghp_<token>`) are rejected by a validator that
wants a varied alphabet and none of the usual placeholder words. Matching runs on casefolded
text, so the character classes are lowercase; findings never carry the token itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from scanners.text.finding import Memo, Rule, RuleDetector, rule
from scanners.text.secrets_more import more_rules

_PLACEHOLDER = re.compile(
    r"your|example|placeholder|redacted|dummy|sample|insert|replace|changeme|token_here|"
    r"key_here|here_|xxxx|0000|1234|abcd|\.\.\.|<|>|\*\*\*"
)
_START = r"(?<![a-z0-9_-])"
_END = r"(?![a-z0-9_-])"


def _looks_real(text: str, m: re.Match[str], memo: Memo) -> bool:
    """Reject placeholders: a real key has a varied alphabet and no filler words."""
    token = m.group(0)
    if _PLACEHOLDER.search(token):
        return False
    body = token[-min(len(token), 32) :]
    return len(set(body)) >= min(10, len(body) // 2)


class SecretsDetector(RuleDetector):
    """Flags credential-shaped tokens by vendor format; see the module docstring."""

    name = "secrets"

    def build_rules(self) -> Iterable[Rule]:
        v = _looks_real
        return (
            rule(
                "aws_access_key_id",
                rf"{_START}(?:akia|asia|abia|acca|a3t[a-z0-9])[a-z0-9]{{16}}{_END}",
                gates=("akia", "asia", "abia", "acca", "a3t"),
                validate=v,
            ),
            rule(
                "aws_secret_access_key",
                r"aws_?secret_?(?:access_?)?key\s?[\"']?\s?[:=]\s?[\"']?[a-z0-9/+=]{40}(?![a-z0-9/+=])",
                need=([":", "="],),
                gates=("aws",),
                validate=v,
            ),
            rule(
                "gcp_api_key", rf"{_START}aiza[a-z0-9_-]{{35}}{_END}", gates=("aiza",), validate=v
            ),
            rule(
                "gcp_service_account",
                r"\"type\"\s?:\s?\"service_account\"",
                gates=("service_account",),
            ),
            rule(
                "gcp_oauth_secret",
                rf"{_START}gocspx-[a-z0-9_-]{{28}}{_END}",
                gates=("gocspx-",),
                validate=v,
            ),
            rule(
                "azure_storage_key",
                r"accountkey=[a-z0-9+/=]{86,88}(?![a-z0-9+/=])",
                gates=("accountkey=",),
                validate=v,
            ),
            rule(
                "azure_client_secret",
                rf"{_START}[a-z0-9_~.-]{{3}}\dq~[a-z0-9_~.-]{{31,34}}{_END}",
                gates=("q~",),
                validate=v,
            ),
            rule(
                "azure_api_key",
                r"(?:azure|ocp-apim-subscription-key|api-key)[a-z_-]{0,24}[\"']?\s?[:=]\s?[\"']?[a-f0-9]{32}(?![a-z0-9])",
                gates=("azure", "api-key", "ocp-apim"),
                validate=v,
            ),
            rule(
                "anthropic_key",
                rf"{_START}sk-ant-(?:api|admin|sid)\d{{2}}-[a-z0-9_-]{{80,120}}{_END}",
                gates=("sk-ant-",),
                validate=v,
            ),
            rule(
                "openrouter_key",
                rf"{_START}sk-or-v1-[a-f0-9]{{64}}{_END}",
                gates=("sk-or-",),
                validate=v,
            ),
            rule(
                "openai_project_key",
                rf"{_START}sk-(?:proj|svcacct|admin)-[a-z0-9_-]{{40,200}}{_END}",
                gates=("sk-proj-", "sk-svcacct-", "sk-admin-"),
                validate=v,
            ),
            rule(
                "openai_legacy_key",
                rf"{_START}sk-[a-z0-9_-]{{20,100}}t3blbkfj[a-z0-9]{{20}}{_END}|{_START}sk-[a-z0-9]{{48}}{_END}",
                gates=("sk-",),
                validate=v,
            ),
            rule("groq_key", rf"{_START}gsk_[a-z0-9]{{52}}{_END}", gates=("gsk_",), validate=v),
            rule(
                "huggingface_token",
                rf"{_START}hf_[a-z0-9]{{34,40}}{_END}",
                gates=("hf_",),
                validate=v,
            ),
            rule(
                "github_token",
                rf"{_START}gh[pousr]_[a-z0-9_]{{36,40}}{_END}|{_START}github_pat_[a-z0-9_]{{82}}{_END}",
                gates=("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
                validate=v,
            ),
            rule(
                "gitlab_token",
                rf"{_START}gl(?:pat|dt|rt|ptt|cbt|oas|soat|ft|imt)-[a-z0-9_-]{{20,64}}{_END}|"
                rf"{_START}glagent-[a-z0-9_-]{{50,1024}}{_END}|{_START}gr1348941[a-z0-9_-]{{20,50}}{_END}",
                gates=(
                    "glpat-",
                    "gldt-",
                    "glrt-",
                    "glptt-",
                    "glcbt-",
                    "gloas-",
                    "glsoat-",
                    "glft-",
                    "glimt-",
                    "glagent-",
                    "gr1348941",
                ),
                validate=v,
            ),
            rule(
                "slack_token",
                rf"{_START}xox[abposre]-(?:\d{{1,16}}-){{1,3}}[a-z0-9-]{{1,64}}{_END}",
                gates=("xox",),
                validate=v,
            ),
            rule(
                "slack_webhook",
                r"hooks\.slack\.com/services/t[a-z0-9_]{1,12}/b[a-z0-9_]{1,12}/[a-z0-9_]{1,32}",
                gates=("hooks.slack.com",),
                validate=v,
            ),
            rule(
                "stripe_key",
                rf"{_START}(?:sk|rk)_(?:live|test)_[a-z0-9]{{20,99}}{_END}|{_START}whsec_[a-z0-9]{{32,64}}{_END}",
                gates=("_live_", "_test_", "whsec_"),
                validate=v,
            ),
            rule(
                "private_key_pem",
                r"-----begin (?:rsa |ec |dsa |openssh |encrypted |pgp |ssh2 encrypted )?"
                r"private key(?: block)?-----",
                need=(["-----"],),
                gates=("private key",),
            ),
            rule(
                "jwt",
                rf"{_START}eyj[a-z0-9_-]{{8,2048}}\.eyj[a-z0-9_-]{{8,4096}}\.[a-z0-9_-]{{16,1024}}{_END}",
                gates=("eyj",),
                validate=v,
            ),
            rule("npm_token", rf"{_START}npm_[a-z0-9]{{36}}{_END}", gates=("npm_",), validate=v),
            rule(
                "sendgrid_key",
                rf"{_START}sg\.[a-z0-9_-]{{22}}\.[a-z0-9_-]{{43}}{_END}",
                gates=("sg.",),
                validate=v,
            ),
            *more_rules(v),
        )
