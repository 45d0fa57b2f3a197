"""Bursts of topic and keyword volume that no reported event explains.

A story that is already reported makes its topic's volume jump too; telling the team
again would be a flood, not news. So a topic (or a watched keyword) is alerted only when
its last window is a burst against the expected volume for that hour AND less than half
of the posts in it belong to events already reported; then not again for `realert`.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from indexer.store import Store

from .spikes import BaselineCache, Burst, BurstConfig, volume_bursts

log = logging.getLogger(__name__)


@dataclass
class VolumeAlert:
    kind: str                 # "topic" | "keyword"
    key: str                  # the topic code, or the keyword's query
    at: datetime
    burst: Burst

    @property
    def id(self) -> str:
        return f"volume:{self.kind}:{self.key}:{self.at.isoformat(timespec='minutes')}"

    def describe(self) -> str:
        from nlp.labels import TOPIC_ZH, Topic

        name = TOPIC_ZH[Topic(self.key)] if self.kind == "topic" else f"关键词「{self.key}」"
        b = self.burst
        return f"{name}声量异常：{self.at:%m-%d %H:%M}前一段时间{b.observed}条，约为同时段预期（{b.expected:.1f}条）的{b.observed / max(b.expected, 0.1):.1f}倍"


@dataclass
class VolumeWatch:
    burst: BurstConfig = field(default_factory=BurstConfig)
    keywords: tuple[str, ...] = ()
    topics: bool = True
    realert: timedelta = timedelta(hours=6)
    days: int = 14
    cache: BaselineCache = field(default_factory=BaselineCache)
    last: dict[tuple[str, str], datetime] = field(default_factory=dict)

    def check(self, store: Store, now: datetime, reported_events: set[str]) -> list[VolumeAlert]:
        out: list[VolumeAlert] = []
        if self.topics:
            bursts = volume_bursts(store, now, "topic", self.burst, query="relevant:true", days=self.days,
                                   cache=self.cache)
            for topic, b in bursts.items():
                if topic in ("", "irrelevant") or not b.is_burst:
                    continue
                if self._explained(store, now, f"relevant:true topic:{topic}", b, reported_events):
                    continue
                out += self._alert("topic", topic, now, b)
        for query in self.keywords:
            b = volume_bursts(store, now, None, self.burst, query=query, days=self.days, cache=self.cache)["all"]
            if b.is_burst and not self._explained(store, now, query, b, reported_events):
                out += self._alert("keyword", query, now, b)
        return out

    def _explained(self, store: Store, now: datetime, query: str, b: Burst, reported: set[str]) -> bool:
        """At least half of the window's posts sit in events already reported."""
        rows = store.counts(now - self.burst.window, now, "hour", group_by="event_id", query=query)
        inside = sum(n for _, event_id, n in rows if event_id and event_id in reported)
        if inside * 2 >= b.observed:
            log.debug("volume burst of %s explained by reported events (%d of %d posts)", query, inside, b.observed)
            return True
        return False

    def _alert(self, kind: str, key: str, now: datetime, b: Burst) -> list[VolumeAlert]:
        last = self.last.get((kind, key))
        if last is not None and now - last < self.realert:
            return []
        self.last[(kind, key)] = now
        return [VolumeAlert(kind, key, now, b)]
