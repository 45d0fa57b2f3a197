"""Delivery channels and their registry.

A channel type is a class with one frozen config dataclass (`config_type`) whose fields
are its options, documented on the dataclass; `make_channel` builds one from plain
values, as the shell reads them from settings (secrets included: the shell takes them
from environment variables, nothing here does).
"""
from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any

from .base import Channel, ChannelConfig, ChannelError, redact
from .dingtalk import DingTalkChannel, DingTalkConfig
from .email import EmailChannel, EmailConfig
from .feishu import FeishuChannel, FeishuConfig
from .file import FileChannel, FileConfig
from .webhook import WebhookChannel, WebhookConfig
from .wecom import WeComChannel, WeComConfig

CHANNEL_TYPES: dict[str, type[Channel]] = {
    "email": EmailChannel,
    "webhook": WebhookChannel,
    "wecom": WeComChannel,
    "dingtalk": DingTalkChannel,
    "feishu": FeishuChannel,
    "file": FileChannel,
}

__all__ = ["CHANNEL_TYPES", "Channel", "ChannelConfig", "ChannelError", "DingTalkChannel", "DingTalkConfig",
           "EmailChannel", "EmailConfig", "FeishuChannel", "FeishuConfig", "FileChannel", "FileConfig",
           "WeComChannel", "WeComConfig", "WebhookChannel", "WebhookConfig", "make_channel", "options",
           "redact"]


def options(type: str) -> dict[str, Any]:
    """The options of a channel type: name -> default (MISSING for a required one)."""
    cls = _type(type)
    return {f.name: (f.default if f.default is not MISSING
                     else f.default_factory() if f.default_factory is not MISSING else MISSING)
            for f in fields(cls.config_type)}


def _type(type: str) -> type[Channel]:
    try:
        return CHANNEL_TYPES[type]
    except KeyError:
        raise ValueError(f"unknown channel type {type!r}; allowed: {', '.join(CHANNEL_TYPES)}") from None


def make_channel(type: str, name: str, **opts: Any) -> Channel:
    """A channel of `type` called `name`; ValueError naming any unknown, missing or bad option."""
    cls = _type(type)
    allowed = options(type)
    unknown = sorted(set(opts) - set(allowed))
    if unknown:
        raise ValueError(f"channel {name!r} ({type}): unknown option{'s' if len(unknown) > 1 else ''} "
                         f"{', '.join(unknown)}; allowed: {', '.join(allowed)}")
    missing = [k for k, v in allowed.items() if v is MISSING and k not in opts]
    if missing:
        raise ValueError(f"channel {name!r} ({type}): missing option{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(missing)}")
    try:
        config = cls.config_type(**opts)
    except (TypeError, ValueError) as e:
        raise ValueError(f"channel {name!r} ({type}): {e}") from None
    return cls(name, config)
