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
DANGER_ATOMS = ("*rm -rf", "*rm -fr", "*/etc/", "*.ssh/", "*id_rsa", "*authorized_keys",
                "*.aws/credentials", "*aws_", "*/dev/tcp/", "*useradd", "*usermod", "*nopasswd",
                "*history", "*systemctl ", "whoami", "printenv", "env", "*os.system",
                "*drop table", "*drop database", "*truncate table", "*grant ", "*chmod ",
                "*base64", "*$(", "*set role", "*set is_admin", "*set is_superuser")  # fmt: skip
"""Every `DANGER` holds one (`whoami`, `printenv`, `env` as whole words, as its `\\b` and
look-behind have them): a rule's need group, so a Chinese text that says 执行 or 运行 but
names no command does not run the rule's regex. Atoms English prose holds often ("update ",
"env" inside a word, "id") would cost every English scan their matches in the one pass: most
of these were keys of other rules already ("/etc/", ".ssh/", "history", "base64", the word
"env"), the rest are rare."""
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
