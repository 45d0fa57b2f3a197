"""Builds the alerting side from settings: the engine's configuration, the channels (with
their secrets read from the environment here, at the edge), the outbox and the rules.

The option names of `alerts.cluster`, `alerts.burst`, `alerts.levels`, each channel type
and each rule type are the fields of one frozen dataclass in the alerts package; they are
declared there once and checked here, so an unknown or bad option names its key.
"""
from __future__ import annotations

import dataclasses
import os
import socket
import typing
from datetime import timedelta
from typing import Any, Mapping

from nlp.errors import ConfigError

from .config import Settings, parse_duration


def from_options(key: str, cls: type, options: Mapping[str, Any]):
    """An instance of the frozen dataclass `cls` from a settings mapping; durations may be
    written as 30s / 10m / 1h / 1d, numbers and booleans as text (environment overrides)."""
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for name, value in options.items():
        if name not in fields:
            raise ConfigError(f"{key}.{name}: unknown option (allowed: {', '.join(fields)})")
        try:
            kwargs[name] = _coerce(hints.get(name), value)
        except (TypeError, ValueError) as e:
            raise ConfigError(f"{key}.{name}: {e} (got {value!r})") from None
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{key}: {e}") from None


def _coerce(hint: Any, value: Any) -> Any:
    if hint is timedelta:
        return value if isinstance(value, timedelta) else timedelta(seconds=parse_duration(value))
    if hint is bool and isinstance(value, str):
        low = value.strip().lower()
        if low not in ("true", "false", "1", "0", "yes", "no"):
            raise ValueError("must be true or false")
        return low in ("true", "1", "yes")
    if hint in (int, float) and isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return hint(value)
    origin = typing.get_origin(hint)
    if origin is tuple and isinstance(value, list):
        return tuple(value)
    return value


def engine_config(settings: Settings):
    from alerts.cluster import ClusterConfig
    from alerts.engine import EngineConfig
    from alerts.levels import LevelConfig
    from alerts.spikes import BurstConfig

    a = settings.alerts
    return EngineConfig(
        cluster=from_options("alerts.cluster", ClusterConfig, a.cluster),
        burst=from_options("alerts.burst", BurstConfig, a.burst),
        levels=from_options("alerts.levels", LevelConfig, a.levels),
        close_after=timedelta(seconds=a.close_after),
        baseline_days=a.baseline_days,
    )


def worker_name(settings: Settings) -> str:
    return settings.alerts.worker or f"{socket.gethostname()}-{os.getpid()}"


def make_channels(settings: Settings, environ: Mapping[str, str] | None = None) -> dict:
    """Channel objects by name; `*_env` options are read from the environment."""
    from alerts.channels import make_channel

    env = os.environ if environ is None else environ
    out = {}
    for c in settings.alerts.channels:
        key = f"alerts.channels[{c.name}]"
        options: dict[str, Any] = {}
        for name, value in c.options().items():
            if name.endswith("_env"):
                secret = env.get(str(value), "")
                if not secret:
                    raise ConfigError(f"{key}.{name}: the environment variable {value} is not set")
                options[name[:-4]] = secret
            else:
                options[name] = value
        try:
            out[c.name] = make_channel(c.type, c.name, urgent=c.urgent, min_level=c.min_level, **options)
        except (TypeError, ValueError) as e:
            raise ConfigError(f"{key}: {e}") from None
    return out


def make_rules(settings: Settings) -> list:
    from alerts.rules import RULE_TYPES

    rules = []
    for i, raw in enumerate(settings.alerts.rules):
        raw = dict(raw)
        name = raw.get("name") or f"{i + 1}"
        key = f"alerts.rules[{name}]"
        kind = raw.pop("type", "spike")
        if kind not in RULE_TYPES:
            raise ConfigError(f"{key}.type: {kind!r} is not allowed (allowed: {', '.join(RULE_TYPES)})")
        rule_cls = RULE_TYPES[kind]
        rules.append(rule_cls(from_options(key, rule_cls.Config, raw)))
    return rules


def make_volume(settings: Settings, config):
    """Topic and keyword volume bursts, judged with the engine's burst settings."""
    from alerts.volume import VolumeWatch
    from indexer.query import parse
    from nlp.errors import QueryError

    a = settings.alerts
    for i, query in enumerate(a.keywords):
        try:
            parse(query)
        except QueryError as e:
            raise ConfigError(f"alerts.keywords[{i + 1}]: {e}") from None
    if not a.volume_topics and not a.keywords:
        return None
    return VolumeWatch(burst=config.burst, keywords=tuple(a.keywords), topics=a.volume_topics,
                       realert=timedelta(seconds=a.volume_realert), days=a.baseline_days)


def make_live(settings: Settings, store, channels: dict):
    """The live alert worker on `store`, delivering to `channels` (`jianyu alerts run`, `jianyu run`)."""
    from alerts.live import LiveAlerts
    from alerts.outbox import Outbox

    config = engine_config(settings)
    worker = worker_name(settings)
    return LiveAlerts(store, config, Outbox(store.alerts, channels, worker), worker=worker,
                      base_url=settings.alerts.base_url, rules=make_rules(settings),
                      volume=make_volume(settings, config))
