"""钉钉 custom group bot (自定义机器人): a markdown message {title, text}.

The webhook address carries the access_token. With 加签 set up on the bot, `secret`
(the "SEC…" string) signs every request afresh: the string "<timestamp ms>\\n<secret>"
is hashed with HMAC-SHA256 keyed by the secret, base64-encoded and sent, URL-encoded,
as `&timestamp=…&sign=…`; DingTalk refuses a timestamp more than an hour away from its
clock, so the machine's clock must be right. The reply is {"errcode": 0}; the rate limit
(130101, 20 messages a minute) and "system busy" (-1) are retried, other codes
(310000: bad signature, keyword or IP) are permanent.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..message import Message
from .base import Channel, HttpConfig, one_line, truncate_utf8
from .transport import post_bot
from .wecom import check_errcode, cut_note

MAX_BYTES = 18000
TRANSIENT = {-1, 130101}


@dataclass(frozen=True, kw_only=True)
class DingTalkConfig(HttpConfig):
    """url: the bot's webhook address with access_token.
    secret: the 加签 secret ("SEC…"); empty when the bot uses keywords or an IP list.
    at_all_urgent: urgent messages @ everyone in the group (isAtAll)."""
    secret: str = ""
    at_all_urgent: bool = False


def sign(secret: str, timestamp_ms: int) -> str:
    """base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")), not yet URL-encoded."""
    to_sign = f"{timestamp_ms}\n{secret}".encode("utf-8")
    return base64.b64encode(hmac.new(secret.encode("utf-8"), to_sign, hashlib.sha256).digest()).decode("ascii")


def signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """The webhook address with a fresh timestamp and sign (any old ones replaced)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("timestamp", "sign")]
    query += [("timestamp", str(timestamp_ms)), ("sign", sign(secret, timestamp_ms))]
    return urlunsplit(parts._replace(query=urlencode(query)))


def body(message: Message, at_all: bool = False) -> dict:
    return {
        "msgtype": "markdown",
        "markdown": {"title": one_line(message.subject, 100),
                     "text": truncate_utf8(message.chat or message.markdown, MAX_BYTES, cut_note(message.url))},
        "at": {"isAtAll": at_all},
    }


class DingTalkChannel(Channel):
    config_type = DingTalkConfig
    config: DingTalkConfig

    def __init__(self, name: str, config: DingTalkConfig, clock: Callable[[], float] = time.time):
        super().__init__(name, config)
        self.clock = clock

    def send(self, message: Message) -> None:
        c = self.config
        what = f"dingtalk {self.name}"
        url = signed_url(c.url, c.secret, int(self.clock() * 1000)) if c.secret else c.url
        reply = post_bot(url, body(message, c.at_all_urgent and message.urgent), what=what,
                         timeout=c.timeout, proxy=c.proxy)
        check_errcode(reply, what, TRANSIENT)
