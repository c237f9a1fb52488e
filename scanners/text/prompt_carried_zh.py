"""prompt_injection: Chinese orders that carry the injection's mark (issue 14, tenth round).

The ninth round's Chinese rules (`prompt_agentic_zh`) count a dangerous object asked for: a
destructive command, a secret sent outside, a safeguard off. They lifted dev Chinese from 11.9
to 60.4 % but carried only 24.1 % to held-out, whose misses are orders to run harmless-looking
commands and context-history attacks (`prompt_history_zh`). A harmless object can only be told
from a user's request by the CARRIER, so the grammar written here, before the dev misses were
read again, is actor + order + verb + object where the carrier, not the object, says who wrote
it:

- the CARRIER marks the order as planted in what the agent reads: the agent addressed
  (助手, 智能体, agent, AI, bot, 机器人), a side task slipped into another one (顺便, 别忘了,
  另外, 回答前, 回复之前, 处理前), a hidden comment (`<!--`), an authority note (系统通知,
  [系统], 管理员, 开发者) or consent nobody can check (用户已授权, 已获授权, 老板批准了);
- the ORDER is an imperative or an obligation (请, 务必, 必须, 立即, 需要, 应当, 马上, 先),
  not negated or asked about (`prompt_agentic_zh.an_order`);
- the VERB classes: a run (执行, 运行, 跑一下), a send (发送, 转发, 上传, 导出, 同步, 发我),
  erasing or switching off a safeguard (删除, 清空, 篡改 the audit), granting a privilege
  (提升 / 设为 / 授予 the current user admin or root) and, after an override of what came
  before (忽略上面的内容, 改为...), a run, send or print;
- the OBJECT classes: a quiet command (`prompt_commands.QUIET`: `whoami`, `id`, `uptime`,
  `ps aux`, `cat /etc/issue`, `curl <url>`), others' data or a secret (所有用户邮箱, 客户资料,
  凭据, 密钥), the audit, an admin or root role.

Rules: `tool_quiet_zh` (a carrier, then a run of a quiet command, or a quiet command run with
its output to be sent back: "运行 uptime 并贴结果"), `exfil_carried_zh` (a side task or forged
consent around others' data or a secret sent, even to the asker), `audit_erase_zh`,
`privilege_zh`, `override_redirect_zh`. A user's own request has no carrier: "请运行测试",
"请运行 pytest 并告诉我结果", "助手,把聊天记录导出发我", "把我设为会议主持人" and "请删除旧的
日志文件" pass; the look-alikes are in `tests/scanners/text/test_pi_zh_carried.py`. Harmless
commands in plain requests ("请运行 ls -la /tmp", "验证:执行 uptime") are left out on purpose:
a manual and a support thread read the same. Gates are Chinese atoms only, so English text
never wakes these rules.
"""

from __future__ import annotations

from scanners.text.finding import Rule, rule
from scanners.text.prompt_agentic_zh import END, RUN, SEND, SEND_ATOMS, an_order
from scanners.text.prompt_commands import QUIET

_ACTOR = r"(?:助手|智能体|(?<![\w-])(?:agent|ai|bot)\b|机器人)"
_SIDE = r"(?:顺便|别忘|另外|回答前|回复前|回答之前|回复之前|处理前|在回答|在回复)"
_CONSENT = (
    r"(?:已(?:经)?(?:获得?)?(?:授权|批准|许可)|(?:老板|领导|经理|主管|管理员)(?:已(?:经)?)?"
    r"(?:批准|同意|授权)|用户已(?:经)?(?:同意|确认|授权))"
)
_AUTHORITY = r"(?:<!--|\[系统\]|(?:系统|管理员|开发者|运维)(?:指令|通知|消息|备注|提醒)?:)"
_CARRIER = f"(?:{_ACTOR}|{_SIDE}|{_AUTHORITY}|{_CONSENT})"
_SIDE_ATOMS = ("*顺便", "*别忘", "*另外", "*回答", "*回复", "*处理前")
_CONSENT_ATOMS = ("*授权", "*批准", "*许可", "*同意", "*确认")
_RUN_CMD_ATOMS = tuple(
    f"*{run}{then}"
    for run in ("执行", "运行", "实行", "跑一下")
    for then in ("一下", " ", "命令", "`", "'", '"', "“", *"wihupengdcl")
)
"""A run followed by what `_CMD` starts with: "一下", a space, "命令", a quote, or the first
letter of a `QUIET` command. Chinese atoms only (an ASCII command atom such as "id" is in
most English text, and each costs the one pass its matches), and a Chinese text saying 运行
of anything else ("运行测试") no longer runs `tool_quiet_zh`'s regex."""
_CMD = rf"(?:一下)? ?(?:命令 ?)?[`'\"“]?{QUIET}"
_REPORT = r"(?:贴|发|返回|回复|告诉|汇报|附上|附在)"

_SECRET_DATA = (
    r"(?:所有用户|全部用户|用户邮箱|邮箱列表|通讯录|客户(?:数据|资料|名单|信息)|用户(?:数据|资料|"
    r"名单)|"
    r"环境变量|\.env\b|credentials|凭据|凭证|密钥|密码|令牌|token|api ?key|/var/backups|id_rsa|"
    r"数据库备份)"
)
_TO_ANYONE = rf"(?:{SEND}|发我|给我|发一份)"

_PUSH = r"(?:请|需|需要|必须|务必|立即|立刻|马上|先|要求|应当|应该)"
_ERASE = r"(?:删除|删掉|清空|清除|清理|抹掉|篡改|修改)"
_SUBJECT = r"(?:当前用户|我的账号|我|该用户|此用户|这个用户|这个账号|该账号|此账号)"
_ROLE = r"(?:超级管理员|超管|管理员|super-?admin|admin|root)"
_GRANT = r"(?:提升|升级|设为|设置为|改为|改成|加为|授予|赋予|开通)"

CARRIED_CHINESE_RULES: tuple[Rule, ...] = (
    rule(
        "tool_quiet_zh",
        rf"{_CARRIER}{END}{{0,24}}?{RUN}{_CMD}|{RUN}{_CMD}{END}{{0,16}}?(?:并|然后|再)"
        rf"(?:把)?(?:结果|输出)?{_REPORT}",
        need=(_RUN_CMD_ATOMS,),
        validate=an_order,
    ),
    rule(
        "exfil_carried_zh",
        rf"(?:{_SIDE}|{_CONSENT}){END}{{0,24}}?{_SECRET_DATA}{END}{{0,20}}?{_TO_ANYONE}|"
        rf"{_SECRET_DATA}{END}{{0,20}}?{_TO_ANYONE}{END}{{0,24}}?{_CONSENT}",
        need=((*_SIDE_ATOMS, *_CONSENT_ATOMS), (*SEND_ATOMS, "*发我", "*给我", "*发一份")),
        validate=an_order,
    ),
    rule(
        "audit_erase_zh",
        rf"{_PUSH}{END}{{0,16}}?{_ERASE}(?:掉)?{END}{{0,6}}?(?:审计|audit)",
        need=(
            ("*删除", "*删掉", "*清空", "*清除", "*清理", "*抹掉", "*篡改", "*修改"),
            ("*审计", "*audit"),
        ),
        validate=an_order,
    ),
    rule(
        "privilege_zh",
        rf"(?:{_PUSH}|{_CARRIER}){END}{{0,8}}?(?:{_GRANT}{_SUBJECT}(?:为|成|到)?{_ROLE}|"
        rf"把{_SUBJECT}{_GRANT}?(?:为|成|到){_ROLE}|给{_SUBJECT}(?:授予|赋予|开通|添加|"
        rf"加上)? ?{_ROLE}"
        r" ?(?:权限|角色))",
        need=(
            ("*超级管理员", "*超管", "*管理员", "*admin", "*root"),
            (
                "*提升",
                "*升级",
                "*设为",
                "*设置为",
                "*改为",
                "*改成",
                "*加为",
                "*授予",
                "*赋予",
                "*开通",
                "*把",
                "*给",
            ),
        ),
        validate=an_order,
    ),
    rule(
        "override_redirect_zh",
        r"(?:忽略|无视|不要理会|忘记|忘掉|抛开)(?:掉)?(?:上面|以上|前面|之前|上述|先前|此前)(?:的)?"
        rf"(?:所有|全部|一切)?(?:的)?(?:内容|文字|文本|信息|一切|所有|问题|任务)?{END}{{0,4}}?"
        rf"(?:改为|而是|转而|转为|直接|只需|现在|接下来){END}{{0,12}}?(?:{RUN}|{SEND}|输出|打印)",
        need=(("*忽略", "*无视", "*理会", "*忘记", "*忘掉", "*抛开"),),
    ),
)
