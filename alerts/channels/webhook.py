"""A generic JSON webhook: POSTs the message as one JSON object.

The body is `Message.to_dict()` without `html`, `chat` and attachments (a receiver
that wants HTML can follow `url`; chart images would make every POST large):

    {"report_id", "event_id", "kind", "level", "urgent", "subject", "text",
     "markdown", "url"}

Any 2xx reply is success; 429, 408 and 5xx are retried; other replies are permanent.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from ..message import Message
from .base import Channel, HttpConfig
from .transport import post_json


@dataclass(frozen=True, kw_only=True)
class WebhookConfig(HttpConfig):
    """headers: extra request headers, e.g. {"Authorization": "Bearer …"} (values are secrets)."""
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "headers", {str(k): str(v) for k, v in dict(self.headers).items()})
        for k, v in self.headers.items():
            if any(c in k + v for c in "\r\n"):
                raise ValueError(f"headers: the value of {k!r} has a line break")


def body(message: Message) -> dict:
    d = message.to_dict(attachments=False)
    del d["html"], d["attachments"], d["chat"]
    return d


class WebhookChannel(Channel):
    config_type = WebhookConfig
    config: WebhookConfig

    def send(self, message: Message) -> None:
        c = self.config
        post_json(c.url, body(message), what=f"webhook {self.name}", timeout=c.timeout, proxy=c.proxy,
                  headers=dict(c.headers))
