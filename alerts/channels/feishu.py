"""飞书 / Lark custom group bot (自定义机器人).

`msg_type` "post" (default) sends a rich-text message: the subject as its title, the
plain text line by line as text elements, and a link to the report; "text" sends the
plain text. Plain text elements are shown as written, so crawled text cannot turn into
formatting; a "<at" in it is defused so that it cannot mention anybody.

With 签名校验 set up on the bot, `secret` signs every request: the string
"<timestamp s>\\n<secret>" is the HMAC-SHA256 key over an empty message, base64-encoded,
and sent in the body as "timestamp" and "sign" (an hour of clock skew at most). The
body may not exceed 20 KB, so the text is cut at 15000 bytes. The reply is
{"code": 0, ...} (older bots: {"StatusCode": 0}); the rate limit (11232) is retried,
other codes (19021 bad signature, 19024 keyword, 9499 bad request) are permanent.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from typing import Callable

from ..message import Message
from .base import Channel, ChannelError, HttpConfig, one_line, truncate_utf8
from .transport import post_bot

MAX_BYTES = 15000
TRANSIENT = {11232}
MSG_TYPES = ("post", "text")
_AT = re.compile(r"<(?=\s*/?\s*at\b)", re.I)


@dataclass(frozen=True, kw_only=True)
class FeishuConfig(HttpConfig):
    """url: the bot's webhook address (…/open-apis/bot/v2/hook/…).
    secret: the 签名校验 secret; empty when the bot does not check signatures.
    msg_type: "post" (rich text with a title and a link) or "text".
    at_all_urgent: urgent messages @ everyone in the group."""
    secret: str = ""
    msg_type: str = "post"
    at_all_urgent: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.msg_type not in MSG_TYPES:
            raise ValueError(f"msg_type must be one of {', '.join(MSG_TYPES)}, not {self.msg_type!r}")


def sign(secret: str, timestamp_s: int) -> str:
    key = f"{timestamp_s}\n{secret}".encode("utf-8")
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode("ascii")


def _plain(text: str) -> str:
    return _AT.sub("＜", text)


def body(message: Message, msg_type: str = "post", at_all: bool = False) -> dict:
    note = "\n…（内容过长，已截断）"
    text = _plain(truncate_utf8(message.text, MAX_BYTES, note))
    if msg_type == "text":
        head = _plain(one_line(message.subject, 200))
        link = f"\n{message.url}" if message.url else ""
        mention = '<at user_id="all">所有人</at> ' if at_all else ""
        return {"msg_type": "text", "content": {"text": f"{mention}{head}\n{text}{link}"}}
    rows: list[list[dict]] = []
    if at_all:
        rows.append([{"tag": "at", "user_id": "all"}])
    rows += [[{"tag": "text", "text": line}] for line in text.split("\n")]
    if message.url:
        rows.append([{"tag": "a", "text": "查看报告", "href": message.url}])
    return {"msg_type": "post", "content": {"post": {"zh_cn": {
        "title": _plain(one_line(message.subject, 200)), "content": rows}}}}


class FeishuChannel(Channel):
    config_type = FeishuConfig
    config: FeishuConfig

    def __init__(self, name: str, config: FeishuConfig, clock: Callable[[], float] = time.time):
        super().__init__(name, config)
        self.clock = clock

    def send(self, message: Message) -> None:
        c = self.config
        what = f"feishu {self.name}"
        payload = body(message, c.msg_type, c.at_all_urgent and message.urgent)
        if c.secret:
            ts = int(self.clock())
            payload = {"timestamp": str(ts), "sign": sign(c.secret, ts), **payload}
        reply = post_bot(c.url, payload, what=what, timeout=c.timeout, proxy=c.proxy)
        code = reply.get("code", reply.get("StatusCode"))
        if code == 0:
            return
        msg = str(reply.get("msg", reply.get("StatusMessage", "")))[:200]
        if code is None:
            raise ChannelError(f"{what}: the reply has no code: {reply!r:.200}", transient=True)
        raise ChannelError(f"{what}: code {code}: {msg}", transient=code in TRANSIENT,
                           retry_after=60.0 if code in TRANSIENT else None)
