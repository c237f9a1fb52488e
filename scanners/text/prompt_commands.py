"""prompt_injection: the shell and SQL commands an injected order asks an agent to run, shared by
the Chinese, Japanese and Korean agent rules (issue 14, ninth and tenth rounds).

A command is written the same in every language; only the order around it changes, so the
object classes live here once and each language module wraps them in its own verbs, order
forms and carriers (`prompt_agentic_zh`, `prompt_agentic_ja`, `prompt_agentic_ko`). Patterns
are for casefolded text.

- `DANGER`: destructive, backdoor or secret-reading commands no ordinary request needs; a run
  of one counts when someone is asked for it (a manual names them too, but does not ask).
- `QUIET`: harmless-looking reconnaissance and foothold commands an injection asks for to
  learn the host or fetch a payload (`whoami`, `id`, `uptime`, `ps aux`, `cat /etc/issue`,
  `curl <url>`, `crontab`); users and manuals run them all the time, so a run of one counts
  only when the text also carries the injection's mark (the agent addressed, a side task, a
  hidden comment, forged consent): each language's `CARRIER`.
- `BACKDOOR`: the backdoor commands that count after any label ("部署: echo ssh-rsa ... >>
  ~/.ssh/authorized_keys").
- `OUTSIDE`: an address outside the conversation (URL, webhook, gist, paste site, e-mail,
  an IP address, rsync).
"""

from __future__ import annotations

DANGER = (
    r"(?:rm -(?:rf|fr) |/etc/(?:passwd|shadow|sudoers)|\.ssh/id_(?:rsa|ed25519|ecdsa)(?!\.pub)|"
    r"id_rsa(?!\.pub)|>> ?\S*authorized_keys|\.aws/credentials|aws_(?:access|secret)|"
    r"/dev/tcp/|\buseradd\b|\busermod\b|nopasswd|history -c|"
    r"systemctl (?:stop|disable) (?:auditd|firewalld|ufw)|"
    r"(?:\bwhoami\b|\bprintenv\b|(?<![$\w])env\b(?! ?=))[^\n。]{0,20}?(?:贴出|贴到|发给|发我|发送|"
    r"发到|post|上传)|os\.system|drop (?:table|database)|truncate table|grant \w+ on|"
    r"chmod [0-7]{3} /etc|base64 -d[^\n。]{0,20}\|\s?(?:ba)?sh\b|"
    r"\$\((?:env|printenv|whoami|id|cat [~/])|update \w+ set (?:role|is_admin|is_superuser)\b)"
)
QUIET = (
    r"(?:(?:whoami|id|hostname|uname|uptime|ps (?:aux|-ef)|env|printenv|ifconfig|ip a(?:ddr)?|"
    r"netstat|crontab|history|git log --all|git config --list|docker run|nc|ncat)(?![\w-])|"
    r"ls -la? (?:/|~)|cat (?:/etc/|~/|/proc/)|(?:curl|wget) \S*(?:https?://|\.[a-z]{2,6}\b))"
)
BACKDOOR = (
    r"(?:/dev/tcp/|>> ?~/\.ssh/authorized_keys|nopasswd|\| ?sudo tee -a /etc/sudoers|"
    r"base64 -d[^\n。]{0,20}\|\s?(?:ba)?sh\b|--privileged[^\n。]{0,60}rm -rf)"
)
BACKDOOR_ATOMS = ("*/dev/tcp/", "*authorized_keys", "*nopasswd", "*/etc/sudoers", "*base64 -d",
                  "*--privileged")  # fmt: skip
OUTSIDE = (
    r"(?:https?://|webhook|\bgist\b|pastebin|[\w.+-]+@[\w-]+|rsync|\b\d{1,3}(?:\.\d{1,3}){3}\b)"
)
