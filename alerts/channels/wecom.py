"""企业微信 group bot (群机器人): a markdown message to the bot's webhook.

The webhook address carries the bot's key (…/cgi-bin/webhook/send?key=…). The content
is limited to 4096 bytes of UTF-8; a longer report is cut at a line end and ends with a
note and the link to the full report. The reply is {"errcode": 0, "errmsg": "ok"};
any other errcode is an error, transient for the rate limit (45009) and the "system
busy" code (-1).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..message import Message
from .base import Channel, ChannelError, HttpConfig, truncate_utf8
from .transport import post_bot

MAX_BYTES = 4096
TRANSIENT = {-1, 45009}


@dataclass(frozen=True, kw_only=True)
class WeComConfig(HttpConfig):
    """url: the bot's webhook address with its key."""


def cut_note(url: str) -> str:
    return "\n\n…（内容过长，已截断" + (f"，[查看完整报告]({url})）" if url else "）")


def body(message: Message) -> dict:
    content = truncate_utf8(message.chat or message.markdown, MAX_BYTES, cut_note(message.url))
    return {"msgtype": "markdown", "markdown": {"content": content}}


def check_errcode(reply: dict, what: str, transient_codes: set[int]) -> None:
    """Both 企业微信 and 钉钉 bots answer {"errcode": 0, "errmsg": "ok"} on success."""
    code = reply.get("errcode")
    if code == 0:
        return
    msg = str(reply.get("errmsg", ""))[:200]
    if code is None:
        raise ChannelError(f"{what}: the reply has no errcode: {reply!r:.200}", transient=True)
    raise ChannelError(f"{what}: errcode {code}: {msg}", transient=code in transient_codes,
                       retry_after=60.0 if code in transient_codes and code != -1 else None)


class WeComChannel(Channel):
    config_type = WeComConfig
    config: WeComConfig

    def send(self, message: Message) -> None:
        c = self.config
        what = f"wecom {self.name}"
        reply = post_bot(c.url, body(message), what=what, timeout=c.timeout, proxy=c.proxy)
        check_errcode(reply, what, TRANSIENT)
