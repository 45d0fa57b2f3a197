"""The channel contract: one method to send, one frozen config per channel type, and one
error that says whether trying again later can help."""
from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from nlp.errors import JianYuError

from ..message import Message
from ..model import LEVEL_ORDER, Level

LEVELS = tuple(level.value for level in LEVEL_ORDER)


class ChannelError(JianYuError):
    """A message could not be delivered.

    `transient` is True when the same message may go through later unchanged: the
    network, a timeout, HTTP 5xx or 429, a bot's rate limit, an SMTP 4xx reply. It is
    False when only a person can fix it: a rejected request (4xx), a wrong key, failed
    authentication, a bad configuration. The outbox retries the first kind with backoff
    and marks the second kind dead at once. `retry_after` (seconds) is the server's hint,
    if it gave one. Messages never contain secrets or signed URLs.
    """

    def __init__(self, message: str, transient: bool, retry_after: float | None = None):
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after


@dataclass(frozen=True, kw_only=True)
class ChannelConfig:
    """Options every channel type has.

    min_level: the lowest report level this channel receives ("general", "serious", "major").
    urgent: an urgent channel (急事急报) also receives every urgent message, whatever
        its min_level; with min_level "major" it receives urgent messages only and
        major ones.
    """
    min_level: str = "general"
    urgent: bool = False

    def __post_init__(self) -> None:
        if self.min_level not in LEVELS:
            raise ValueError(f"min_level must be one of {', '.join(LEVELS)}, not {self.min_level!r}")
        if not isinstance(self.urgent, bool):
            raise ValueError(f"urgent must be true or false, not {self.urgent!r}")


@dataclass(frozen=True, kw_only=True)
class HttpConfig(ChannelConfig):
    """Options of the channels that POST to a URL.

    url: the endpoint; for the bots, the webhook address with its key or token.
        Treated as a secret: never logged beyond its scheme and host.
    timeout: seconds to wait for the connection and the reply.
    proxy: an HTTP proxy URL such as "http://10.0.0.1:3128"; empty for a direct
        connection (proxy environment variables are not read).
    """
    url: str
    timeout: float = 10.0
    proxy: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"url must be an http:// or https:// address, not {redact(self.url)!r}")
        try:
            parts.port
        except ValueError:
            raise ValueError(f"url has a bad port: {redact(self.url)!r}") from None
        if any(c.isspace() for c in self.url):
            raise ValueError("url contains white space")
        if self.proxy and urlsplit(self.proxy).scheme not in ("http", "https"):
            raise ValueError("proxy must be an http:// or https:// address")
        if not self.timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, not {self.timeout!r}")


class Channel(ABC):
    """Sends a Message somewhere. `send` returns when the message was accepted and raises
    ChannelError otherwise; it does no retrying itself (that is the outbox's job)."""

    config_type: ClassVar[type[ChannelConfig]]
    takes_attachments: ClassVar[bool] = False   # False: the outbox stores no attachments for it

    def __init__(self, name: str, config: ChannelConfig):
        self.name = name
        self.config = config
        self.urgent = config.urgent
        self.min_level = config.min_level

    @abstractmethod
    def send(self, message: Message) -> None: ...

    def wants(self, message: Message) -> bool:
        """The routing rule: at or above min_level, or urgent to an urgent channel."""
        return message.rank >= Level(self.min_level).rank or (message.urgent and self.urgent)

    def __repr__(self) -> str:  # never the config: it holds secrets
        return f"{type(self).__name__}({self.name!r})"


def redact(url: str) -> str:
    """What may be logged of a URL that carries a key: its scheme and host."""
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{parts.hostname or '?'}{port}/…"


def one_line(text: str, limit: int = 200) -> str:
    """A title or subject: no line breaks (header injection), bounded length."""
    text = re.sub(r"[\r\n\t\x00-\x1f]+", " ", text).strip()
    return text if len(text) <= limit else text[:limit - 1] + "…"


def truncate_utf8(text: str, limit: int, suffix: str = "") -> str:
    """`text` cut to at most `limit` bytes of UTF-8 (suffix included), never inside a
    character; when it must cut, it cuts at a line end if one is in the last half, so
    that a Markdown escape or tag is not cut in two, and then appends `suffix`."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    room = limit - len(suffix.encode("utf-8"))
    if room <= 0:
        return suffix.encode("utf-8")[:limit].decode("utf-8", "ignore")
    head = data[:room].decode("utf-8", "ignore")
    cut = head.rfind("\n")
    if cut >= len(head) // 2:
        head = head[:cut + 1]
    return head + suffix
