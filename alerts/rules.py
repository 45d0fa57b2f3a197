"""ElastAlert-style rules, for operators who already think in them.

`spike` compares the posts of the last `timeframe` (current window) with the
`timeframe` before it (reference window), as ElastAlert 2's spike rule does:
a rise when current >= reference * spike_height, a drop when
current <= reference / spike_height, never below `threshold_cur` current or
`threshold_ref` reference posts. After an alert the key's reference is discarded, so
it cannot alert again until two fresh timeframes have passed; `realert` drops repeats
for longer. `frequency` alerts when `num_events` posts fall within `timeframe`.

Each rule takes counts either pushed one at a time (`add_data(t, count, key)`, then
`garbage_collect(now)` to move the windows on in quiet spells) or read from the Store
(`evaluate(store, now)`, exact windows [now - timeframe, now) and the one before).
Matches collect in `matches`; `pop_matches()` hands them over.

Two departures from ElastAlert, both to stop alerts about nothing: a rise needs at
least one current post and a drop at least one reference post.
"""
from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, Mapping

from indexer.query import Node, parse
from indexer.store import GROUP_FIELDS, Store
from nlp.errors import ConfigError, QueryError
from nlp.labels import SENTIMENT_ZH, TOPIC_ZH, Sentiment, Topic

log = logging.getLogger(__name__)

SPIKE_TYPES = ("up", "down", "both")
KIND_ZH = {"up": "突增", "down": "骤降", "frequency": "达到阈值"}


def span_zh(d: timedelta) -> str:
    """A timeframe as an analyst reads it: 1小时, 30分钟, 2天."""
    s = int(d.total_seconds())
    if s % 86400 == 0:
        return f"{s // 86400}天"
    if s % 3600 == 0:
        return f"{s // 3600}小时"
    if s % 60 == 0:
        return f"{s // 60}分钟"
    return f"{s}秒"


def _check_common(name: str, query: str, timeframe: timedelta, realert: timedelta,
                  query_key: str | None) -> None:
    if not name:
        raise ConfigError("rule: `name` is required")
    if timeframe <= timedelta(0):
        raise ConfigError(f"rule {name}: `timeframe` must be positive")
    if realert < timedelta(0):
        raise ConfigError(f"rule {name}: `realert` must not be negative")
    if query_key is not None and query_key not in GROUP_FIELDS:
        raise ConfigError(f"rule {name}: `query_key` must be one of {', '.join(GROUP_FIELDS)}")
    try:
        parse(query)
    except QueryError as e:
        raise ConfigError(f"rule {name}: `query`: {e}") from e


@dataclass(frozen=True)
class SpikeRuleConfig:
    """A spike rule (ElastAlert option names and meanings).

    name: names the rule in reports; required.
    query: analyst query selecting the posts counted ("" counts every post).
    timeframe: length of the current window and of the reference window before it (1 hour).
    spike_height: how many times the reference the current count must reach for a rise,
        or the reference must reach of the current count for a drop (3).
    spike_type: "up" (rises), "down" (drops) or "both" ("up").
    threshold_cur: no alert with fewer current posts than this (0).
    threshold_ref: no alert with fewer reference posts than this (0: a rise from an empty
        reference alerts; set it to want a history first).
    realert: after an alert, the same rule and key stay silent this long (1 minute, as
        ElastAlert; the rule is also quiet for two timeframes after each alert).
    query_key: a field (topic, sentiment, platform, site, region, relevant, event_id)
        whose every value gets windows of its own (None: one pair of windows).
    alert_on_new_data: with `query_key`, a value first seen less than two timeframes ago
        may alert (once the rule itself has run two timeframes); otherwise it waits (False).
    """
    name: str
    query: str = ""
    timeframe: timedelta = timedelta(hours=1)
    spike_height: float = 3.0
    spike_type: str = "up"
    threshold_cur: int = 0
    threshold_ref: int = 0
    realert: timedelta = timedelta(minutes=1)
    query_key: str | None = None
    alert_on_new_data: bool = False

    def __post_init__(self) -> None:
        _check_common(self.name, self.query, self.timeframe, self.realert, self.query_key)
        if self.spike_type not in SPIKE_TYPES:
            raise ConfigError(f"rule {self.name}: `spike_type` must be one of {', '.join(SPIKE_TYPES)}")
        if not self.spike_height > 0:
            raise ConfigError(f"rule {self.name}: `spike_height` must be positive")
        if self.threshold_cur < 0 or self.threshold_ref < 0:
            raise ConfigError(f"rule {self.name}: `threshold_cur` and `threshold_ref` must not be negative")


@dataclass(frozen=True)
class FrequencyRuleConfig:
    """A frequency rule: at least `num_events` posts within `timeframe`.

    name, query, realert, query_key: as for the spike rule.
    timeframe: the window the posts must fall in (1 hour).
    num_events: posts that make a match (10); after a match the count starts afresh.
    """
    name: str
    query: str = ""
    timeframe: timedelta = timedelta(hours=1)
    num_events: int = 10
    realert: timedelta = timedelta(minutes=1)
    query_key: str | None = None

    def __post_init__(self) -> None:
        _check_common(self.name, self.query, self.timeframe, self.realert, self.query_key)
        if self.num_events < 1:
            raise ConfigError(f"rule {self.name}: `num_events` must be at least 1")


@dataclass
class RuleMatch:
    """One alert from a rule: `key` is the query_key value ("all" without one)."""
    rule: str
    key: str
    time: datetime
    kind: str                       # up | down | frequency
    current: int
    reference: int | None
    timeframe: timedelta

    def describe(self) -> str:
        """One line in Chinese for the report (topic and sentiment codes in Chinese)."""
        who = f"「{self.rule}」" + ("" if self.key == "all" else f"（{_label_zh(self.key)}）")
        span = span_zh(self.timeframe)
        if self.kind == "frequency":
            return f"{who}{span}内{self.current}条，{KIND_ZH[self.kind]}"
        return f"{who}最近{span}{self.current}条，此前{span}{self.reference}条，{KIND_ZH[self.kind]}"


def _label_zh(code: str) -> str:
    if code in Topic._value2member_map_:
        return TOPIC_ZH[Topic(code)]
    if code in Sentiment._value2member_map_:
        return SENTIMENT_ZH[Sentiment(code)]
    return code


def spike_kind(cur: int, ref: int, config: SpikeRuleConfig) -> str | None:
    """"up", "down" or None for one pair of window counts."""
    if cur < config.threshold_cur or ref < config.threshold_ref:
        return None
    if config.spike_type in ("up", "both") and cur > 0 and cur >= ref * config.spike_height:
        return "up"
    if config.spike_type in ("down", "both") and ref > 0 and cur <= ref / config.spike_height:
        return "down"
    return None


class _Window:
    """Counts at times, newest minus oldest kept under `span`; what falls out goes to `spill`."""

    def __init__(self, span: timedelta, spill: "_Window | None" = None):
        self.span, self.spill = span, spill
        self.data: list[tuple[datetime, int]] = []
        self.count = 0

    def add(self, t: datetime, n: int) -> None:
        bisect.insort(self.data, (t, n))
        self.count += n
        while self.data[-1][0] - self.data[0][0] >= self.span:
            old = self.data.pop(0)
            self.count -= old[1]
            if self.spill is not None:
                self.spill.add(*old)

    def clear(self) -> None:
        self.data, self.count = [], 0


class _Rule:
    def __init__(self, config):
        self.config = config
        self.matches: list[RuleMatch] = []
        self.silenced = 0
        self._query: Node = parse(config.query)
        self._last_alert: dict[str, datetime] = {}

    def pop_matches(self) -> list[RuleMatch]:
        out, self.matches = self.matches, []
        return out

    def _emit(self, match: RuleMatch) -> None:
        last = self._last_alert.get(match.key)
        if last is not None and match.time - last < self.config.realert:
            self.silenced += 1
            log.debug("rule %s: %s silenced by realert", self.config.name, match.key)
            return
        self._last_alert[match.key] = match.time
        self.matches.append(match)

    def _counts(self, store: Store, start: datetime, end: datetime) -> dict[str, int]:
        out: dict[str, int] = {}
        for _, value, n in store.counts(start, end, "hour", self.config.query_key, self._query):
            key = value if self.config.query_key else "all"
            out[key] = out.get(key, 0) + n
        return out

    def _forget_alerts(self, now: datetime) -> None:
        for key, t in list(self._last_alert.items()):
            if now - t >= self.config.realert:
                del self._last_alert[key]


class SpikeRule(_Rule):
    """Current vs reference window per key, with ElastAlert's waiting and realert."""
    Config = SpikeRuleConfig

    def __init__(self, config: SpikeRuleConfig):
        super().__init__(config)
        self._cur: dict[str, _Window] = {}
        self._ref: dict[str, _Window] = {}
        self._first: dict[str, datetime] = {}
        self._skip: dict[str, datetime] = {}
        self._filled = False
        self._evaluated = False

    def add_data(self, t: datetime, count: int = 1, key: str = "all") -> None:
        """`count` posts at time `t` for `key`; times may come slightly out of order."""
        self._first.setdefault(key, t)
        ref = self._ref.setdefault(key, _Window(self.config.timeframe))
        cur = self._cur.setdefault(key, _Window(self.config.timeframe, ref))
        cur.add(t, count)
        self._check(key, t, cur.count, ref.count)

    def garbage_collect(self, now: datetime) -> None:
        """Move every key's windows on to `now` (a drop shows only this way), forget keys
        whose windows are empty, and realert memories that have run out."""
        for key in list(self._cur):
            if key != "all" and self._cur[key].count == 0 and self._ref[key].count == 0:
                for d in (self._cur, self._ref, self._first, self._skip):
                    d.pop(key, None)
                continue
            self.add_data(now, 0, key)
        self._forget(now)

    def evaluate(self, store: Store, now: datetime) -> list[RuleMatch]:
        """Read both windows from the Store and return the matches this step made."""
        tf = self.config.timeframe
        cur = self._counts(store, now - tf, now)
        ref = self._counts(store, now - 2 * tf, now - tf)
        keys = set(cur) | set(ref) if self.config.query_key else {"all"}
        for key in [k for k in self._first if k not in keys]:
            del self._first[key]                  # a key gone quiet is new when it returns
        first_call, self._evaluated = not self._evaluated, True
        before = len(self.matches)
        for key in sorted(keys):
            # history already in the Store counts as seen on the first call
            self._first.setdefault(key, now - 2 * tf if first_call else now)
            self._check(key, now, cur.get(key, 0), ref.get(key, 0))
        self._forget(now)
        return self.matches[before:]

    def _forget(self, now: datetime) -> None:
        self._forget_alerts(now)
        for key, until in list(self._skip.items()):
            if now >= until:
                del self._skip[key]

    def _check(self, key: str, t: datetime, cur: int, ref: int) -> None:
        tf = self.config.timeframe
        if t - self._first[key] < 2 * tf:
            if not self._filled:
                return                             # the rule has not run long enough
            if not (self.config.query_key and self.config.alert_on_new_data):
                return                             # a new key waits for its reference
            if key in self._skip and t < self._skip[key]:
                return                             # it alerted lately
        else:
            self._filled = True
        kind = spike_kind(cur, ref, self.config)
        if kind is None:
            return
        self._first.pop(key, None)                 # start afresh: two timeframes of new data
        if key in self._ref:
            self._ref[key].clear()
        self._skip[key] = t + 2 * tf
        self._emit(RuleMatch(self.config.name, key, t, kind, cur, ref, tf))


class FrequencyRule(_Rule):
    """At least `num_events` posts within `timeframe` per key; counting restarts after a match."""
    Config = FrequencyRuleConfig

    def __init__(self, config: FrequencyRuleConfig):
        super().__init__(config)
        self._windows: dict[str, _Window] = {}
        self._since: dict[str, datetime] = {}     # evaluate: counting restarted at a match

    def add_data(self, t: datetime, count: int = 1, key: str = "all") -> None:
        window = self._windows.setdefault(key, _Window(self.config.timeframe))
        window.add(t, count)
        if window.count >= self.config.num_events:
            self._windows.pop(key)
            self._emit(RuleMatch(self.config.name, key, t, "frequency", window.count, None, self.config.timeframe))

    def garbage_collect(self, now: datetime) -> None:
        for key, window in list(self._windows.items()):
            if not window.data or now - window.data[-1][0] > self.config.timeframe:
                del self._windows[key]
        for key, t in list(self._since.items()):
            if now - t >= self.config.timeframe:
                del self._since[key]
        self._forget_alerts(now)

    def evaluate(self, store: Store, now: datetime) -> list[RuleMatch]:
        tf = self.config.timeframe
        counts = self._counts(store, now - tf, now)
        for key, since in list(self._since.items()):
            if since > now - tf:
                counts[key] = self._counts(store, since, now).get(key, 0)
            else:
                del self._since[key]
        before = len(self.matches)
        for key in sorted(counts):
            if counts[key] >= self.config.num_events:
                self._since[key] = now
                self._emit(RuleMatch(self.config.name, key, now, "frequency", counts[key], None, tf))
        self._forget_alerts(now)
        return self.matches[before:]


RULE_TYPES: dict[str, type] = {"spike": SpikeRule, "frequency": FrequencyRule}

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(value: Any, name: str = "duration") -> timedelta:
    """A timedelta, an ElastAlert mapping ({"minutes": 30}) or text such as "30m", "1h", "2d"."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, Mapping):
        try:
            return timedelta(**{str(k): float(v) for k, v in value.items()})
        except (TypeError, ValueError) as e:
            raise ConfigError(f"`{name}`: {e}") from e
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", str(value))
    if not m:
        raise ConfigError(f"`{name}` must be like 30m, 1h, 2d or {{minutes: 30}}, not {value!r}")
    return timedelta(**{_UNITS[m.group(2)]: float(m.group(1))})


def rule_from_dict(options: Mapping[str, Any]) -> SpikeRule | FrequencyRule:
    """A rule from ElastAlert-like options; `type` picks it ("spike" when absent)."""
    options = dict(options)
    kind = options.pop("type", "spike")
    if kind not in RULE_TYPES:
        raise ConfigError(f"rule type must be one of {', '.join(RULE_TYPES)}, not {kind!r}")
    cls = RULE_TYPES[kind]
    known = {f.name: f for f in fields(cls.Config)}
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise ConfigError(f"rule {options.get('name', '?')}: unknown option(s) {', '.join(unknown)} "
                          f"(allowed: type, {', '.join(known)})")
    for key in ("timeframe", "realert"):
        if key in options:
            options[key] = parse_duration(options[key], key)
    try:
        return cls(cls.Config(**options))
    except TypeError as e:
        raise ConfigError(f"rule: {e}") from e
