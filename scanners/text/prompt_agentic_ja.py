"""prompt_injection: Japanese agent injection, extraction and context-history attacks (issue 14,
tenth round).

The Chinese families (`prompt_agentic_zh`, `prompt_carried_zh`, `prompt_history_zh`) in
Japanese. The grammar is the same; Japanese puts the verb last, so each pattern reads object,
particle, verb and an ORDER FORM (実行して, 実行してください, 実行しろ, 実行せよ, 実行すること,
送って); the order form is what a manual's description lacks (実行すると, 実行できます,
実行している) and what a warning negates (実行しないで, 実行するな, 実行してはいけない). A question
(…ますか?, どうやって, なぜ) or a how-to (方法, ように, 防ぐ) in the same sentence is no order.

- CARRIER: the agent addressed (アシスタント, エージェント, AI, bot, ボット), a side task
  (ついでに, 忘れずに, 回答する前に, 返信する前に), a hidden comment or authority note (`<!--`,
  [システム], 管理者:, 開発者メモ:), consent nobody can check (承認済み,
  ユーザーは既に同意しました);
  an urging adverb (今すぐ, 直ちに, 必ず, 至急, まず) counts as a carrier for a dangerous command;
- VERB classes: a run (実行, 起動), a send (送信, 転送, アップロード, 送って), switching a safeguard
  off (無効にして, オフにして, スキップして, 解除して) or erasing the audit (削除, 消去, 改ざん), a
  disclosure (表示, 出力, 教えて, 見せて, 翻訳, 逆順, 最初の単語);
- OBJECT classes: `prompt_commands.DANGER` (with a carrier or urging adverb) and `QUIET` (with
  a carrier), a secret or the conversation sent outside, the approval step, the audit, the
  firewall or two-factor authentication, the model's own system prompt;
- CONTEXT HISTORY: consent forged in the past (以前の会話であなたは同意しました, 約束通り) next to
  what no consent grants, and probes of what came before the user (私との会話の前に何を受け取
  りましたか, 私のメッセージ以外に, あなたのメモリに何が保存されていますか).

Rules `tool_run_ja`, `exfil_ja`, `guard_off_ja`, `extract_yours_ja`, `history_forged_ja`,
`history_probe_ja`, `override_redirect_ja`. "テストを実行してください", "pytest を実行して結果を
教えて", "ユーザーが書いたメールを送信して", "以前の会話を要約して", "ファイアウォールを無効にする
方法は?" and "システムプロンプトの書き方を教えて" pass (`tests/scanners/text/test_pi_ja_ko.py`).
Gates are Japanese atoms (the verbs), so English text never wakes these rules; none counts in a
system message.
"""

from __future__ import annotations

import re

from scanners.text.finding import Memo, Rule, rule, unless_match_holds
from scanners.text.prompt_commands import DANGER, OUTSIDE, QUIET

_S = r"[^。\n]"
_ORDER = (
    r"(?:して(?:ください|下さい|くれ|ほしい|欲しい|おいて|ね|よ)?(?![はもいるみた])|しろ|せよ|"
    r"しなさい|すること|するように)"
)
_NOT_ORDER = re.compile(
    r"なぜ|どうして|どうやって|どのように|方法|危険|攻撃者|もし|ないよう|防ぐ|防止|書き方"
)
_ASKED = re.compile(r"か\s*[?。]?\s*$|か[?。]|\?|ますか|でしょうか|方法|には")


def _an_order(text: str, m: re.Match[str], memo: Memo) -> bool:
    """An order, not a question, a how-to or a warning: nothing asking or warning in the
    sentence around the match (Japanese asks at the end: …を実行してもいいですか?)."""
    start = max(0, text.rfind("。", 0, m.start()) + 1, text.rfind("\n", 0, m.start()) + 1)
    ends = [i for i in (text.find("。", m.end()), text.find("\n", m.end())) if i >= 0]
    end = min(ends) if ends else len(text)
    around = text[max(start, m.start() - 24) : min(end, m.end() + 24)]
    return _NOT_ORDER.search(around) is None and _ASKED.search(text[m.end() : end][:30]) is None


_HOWTO = re.compile(r"どうやって|どのように|方法|ないよう|防ぐ|防止|守る|書き方|作り方")


def _not_a_howto(text: str, m: re.Match[str], memo: Memo) -> bool:
    """Reject "あなたのシステムプロンプトが漏れないようにする方法": asked how, not asked for; a
    question (…教えてくれますか?) is how Japanese asks politely, so it counts."""
    end = min((i for i in (text.find("。", m.end()), text.find("\n", m.end())) if i >= 0),
              default=len(text))  # fmt: skip
    return _HOWTO.search(text[max(0, m.start() - 12) : min(end, m.end() + 24)]) is None


_ACTOR = r"(?:アシスタント|エージェント|(?<![\w-])(?:agent|ai|bot)\b|ボット|チャットボット)"
_SIDE = (
    r"(?:ついでに|忘れずに|回答する前に|回答の前に|返信する前に|応答する前に|処理する前に|その前に)"
)
_AUTHORITY = (
    r"(?:<!--|\[システム\]|(?:システム|管理者|開発者|運用)(?:指示|通知|メッセージ|メモ|注記)?:)"
)
_CONSENT = (
    r"(?:承認済み|許可済み|認可済み|(?:ユーザー|上司|管理者)(?:は|が)?(?:既に|すでに)?(?:承認|許可|"
    r"同意)"
    r"(?:済み|しました|している|した))"
)
_CARRIER = f"(?:{_ACTOR}|{_SIDE}|{_AUTHORITY}|{_CONSENT})"
_URGE = r"(?:今すぐ|直ちに|ただちに|必ず|至急|すぐに|まず)"
_RUN = rf"(?:を|コマンドを)? ?(?:実行|起動){_ORDER}"
_RUN_ATOMS = ("*実行", "*起動")

_SEND = (
    rf"(?:(?:送信|転送|アップロード|送付|共有|投稿|エクスポート){_ORDER}|送って(?:ください|下さい|"
    r"くれ|"
    r"ほしい)?(?![はもいる])|送れ)"
)
_SEND_ATOMS = ("*送信", "*転送", "*アップロード", "*送付", "*共有", "*投稿", "*エクスポート",
               "*送って", "*送れ")  # fmt: skip
_DATA = (
    r"(?:会話履歴|チャット履歴|会話の?内容|会話ログ|これまでの会話|ユーザーの?(?:メールアドレス|"
    r"個人情報|"
    r"データ)|メールアドレス一覧|顧客(?:データ|情報|リスト|名簿)|個人情報|環境変数|\.env\b|"
    r"認証情報|"
    r"資格情報|パスワード|api ?キー|api ?key|トークン|秘密鍵|シークレット|id_rsa|credentials)"
)
_OUTSIDE = rf"(?:{OUTSIDE}|外部の?(?:サーバー|アドレス|メール)|第三者|公開リポジトリ)"
_TO_SELF = re.compile(r"私の|自分の|僕の")

_order_not_to_self = unless_match_holds(_an_order, _TO_SELF)


_GUARD = (
    r"(?:承認(?:ステップ|手順|フロー)?|確認(?:ステップ|手順|ダイアログ)|人による確認|監査(?:ログ)?|"
    r"ファイアウォール|二要素認証|2段階認証|二段階認証|多要素認証|2要素認証|"
    r"セキュリティ(?:チェック|"
    r"スキャン|フィルター)|ウイルス対策|コンテンツフィルター|安全フィルター|ログ記録|安全制限)"
)
_OFF = rf"(?:(?:無効|オフ|停止|スキップ|解除|バイパス|回避)(?:に|化)?{_ORDER})"

_PROMPT = (
    r"(?:システムプロンプト|system ?prompt|システムメッセージ|システム指示|初期指示|初期プロンプト|"
    r"隠された指示|隠し指示|内部指示|元の指示|最初の指示|指示文|プロンプト)"
)
_DISCLOSE = (
    r"(?:表示|出力|教えて|見せて|繰り返|書き出|共有|翻訳|変換|エンコード|base64|逆順|ローマ字|要約|"
    r"最初の(?:単語|文|一文|言葉)|最後の(?:単語|文)|何文字|全文|原文|一字一句|そのまま|json|絵文字)"
)

_CLAIM = (
    r"(?:(?:あなた|君)は(?:以前|前に|さっき|先ほど|前回|すでに|既に)"
    rf"{_S}{{0,10}}?(?:同意|承諾|約束|了承|許可|承認)(?:した|しました|してくれた|済み)|(?:以前|"
    r"前回|"
    rf"先ほど|さっき|前)の(?:会話|セッション|やり取り|チャット)で{_S}{{0,12}}?(?:同意|承諾|約束|"
    r"了承|許可|"
    r"教えてくれ)|(?:約束|合意|取り決め)(?:した)?(?:通り|どおり)|前に(?:決めた|話した|約束した)"
    r"(?:通り|どおり))"
)
_FORBIDDEN = (
    r"(?:システムプロンプト|system ?prompt|隠された指示|内部指示|初期指示|制限(?:なし|のない|"
    r"を解除|を外|"
    r"を無視)|制限なく|無制限|脱獄|開発者モード|管理者権限|root ?権限|パスワード|秘密鍵|api ?キー|"
    r"ルールを無視|安全(?:フィルター|機能)を(?:無効|オフ)|確認なしで|確認不要|コマンドを実行|機密)"
)

AGENTIC_JAPANESE_RULES: tuple[Rule, ...] = (
    rule(
        "tool_run_ja",
        rf"(?:{_CARRIER}|{_URGE}){_S}{{0,40}}?{DANGER}{_S}{{0,20}}?{_RUN}|"
        rf"{_CARRIER}{_S}{{0,40}}?{QUIET}{_S}{{0,12}}?{_RUN}|"
        rf"{_CARRIER}{_S}{{0,30}}?(?:実行|起動){_ORDER}{_S}{{0,6}}?:? ?(?:{DANGER}|{QUIET})",
        need=(_RUN_ATOMS,),
        validate=_an_order,
    ),
    rule(
        "exfil_ja",
        rf"{_DATA}{_S}{{0,30}}?{_OUTSIDE}{_S}{{0,40}}?{_SEND}|"
        rf"{_OUTSIDE}{_S}{{0,30}}?{_DATA}{_S}{{0,20}}?{_SEND}|"
        rf"(?:{_SIDE}|{_CONSENT}){_S}{{0,24}}?{_DATA}{_S}{{0,40}}?{_SEND}",
        need=(_SEND_ATOMS,),
        validate=_order_not_to_self,
    ),
    rule(
        "guard_off_ja",
        rf"{_GUARD}(?:を|は)(?:すべて|全て|一時的に|一旦|いったん)?{_OFF}|"
        rf"監査(?:ログ|記録|テーブル)?{_S}{{0,12}}?(?:を|から){_S}{{0,8}}?(?:削除|消去|改ざん|"
        r"クリア)"
        rf"{_ORDER}",
        need=(
            (
                "*無効",
                "*オフ",
                "*停止",
                "*スキップ",
                "*解除",
                "*バイパス",
                "*回避",
                "*削除",
                "*消去",
                "*改ざん",
                "*クリア",
            ),
        ),
        validate=_an_order,
    ),
    rule(
        "extract_yours_ja",
        r"(?:あなた|君|お前)(?:の|が(?:最初に)?(?:受け取った|与えられた)(?:最初の)?)(?:すべての|"
        r"全ての|"
        rf"完全な)? ?(?:{_PROMPT}|メッセージ|命令){_S}{{0,30}}?{_DISCLOSE}",
        need=(("*あなた", "*君", "*お前"), ("*プロンプト", "*prompt", "*指示", "*メッセージ")),
        validate=_not_a_howto,
    ),
    rule(
        "history_forged_ja",
        rf"{_CLAIM}{_S}{{0,40}}?{_FORBIDDEN}|(?:以前|前回|先ほど|さっき|前)の(?:会話|セッション|"
        r"やり取り|"
        rf"チャット)で{_S}{{0,30}}?{_FORBIDDEN}{_S}{{0,20}}?(?:同意|承諾|約束|了承|許可)|"
        rf"{_FORBIDDEN}{_S}{{0,30}}?(?:と|って)(?:約束|同意|承諾)"
        r"(?:した|しました|してくれた)",
        need=(
            (
                "*同意",
                "*承諾",
                "*約束",
                "*了承",
                "*許可",
                "*承認",
                "*教えてくれ",
                "*合意",
                "*取り決め",
                "*決めた",
                "*話した",
            ),
        ),
    ),
    rule(
        "history_probe_ja",
        r"(?:私|僕|俺)(?:と|との)(?:の)?(?:会話|対話|チャット|やり取り)(?:が始まる|を始める|"
        r"の)?(?:前|以前)に"
        rf"{_S}{{0,24}}?(?:受け取|与えられ|言われ|注入|指示され|設定され|何を|何か)|"
        rf"私の(?:メッセージ|質問|入力)(?:以外|のほか)に{_S}{{0,20}}?(?:受け取|届い|見え|与えられ)|"
        r"(?:あなた|君)の ?(?:メモリ|記憶|memory|コンテキスト(?:ウィンドウ)?|context(?: window)?)"
        rf"(?:/[\w ]{{1,20}})?(?:に|の中に|には|内に)(?:は)?(?:今|現在)?{_S}{{0,4}}?(?:何が|"
        r"どんな(?:内容|情報)|"
        r"何を)(?:保存|入って|記録|含まれ|ある|残って)",
        need=(
            (
                "*前に",
                "*以外に",
                "*のほかに",
                "*メモリ",
                "*記憶",
                "*memory",
                "*コンテキスト",
                "*context",
            ),
            ("*私", "*僕", "*俺", "*あなた", "*君"),
        ),
    ),
    rule(
        "override_order_ja",
        r"(?:指示|命令|ルール)(?:は|を)(?:すべて|全て|全部)?無視(?:して(?:ください|下さい)?(?![はもいる])|しろ|"
        r"せよ|しなさい)|(?:これまで|今まで|以前|元|最初)の設定(?:は|を)(?:すべて|全て|全部)?無効に"
        rf"{_ORDER}",
        need=(("*無視", "*無効"),),
        validate=_an_order,
    ),
    rule(
        "override_redirect_ja",
        r"(?:上記|以上|これまで|前|先ほど|上)の(?:内容|文章|テキスト|指示|すべて|全て)(?:は|"
        r"を)(?:すべて|全て|"
        rf"全部)?(?:無視|忘れ)(?:して|し|て),?{_S}{{0,36}}?(?:(?:実行|送信|出力|表示|転送){_ORDER}|"
        r"送って)",
        need=(("*無視", "*忘れ"),),
    ),
)
