"""The analyst's two usual reads, timed the same way on any Store: a two-word query over
a 7-day window (newest 20 with total and highlights) and hourly counts for 7 days
grouped by topic. Windows end at random days of the generated posts' 80 days
(bench.generate), from one seeded random stream, so every backend sees the same reads."""
from __future__ import annotations

import random
import time
from datetime import datetime, timedelta

from indexer.post import SHANGHAI
from indexer.store import SearchRequest

WORDS = ["检察院", "公益诉讼", "检察官", "起诉", "申诉", "通报", "不起诉", "未成年人", "举报", "环境",
         "群众", "调查", "司法救助", "公车", "视频", "网友", "依法", "监督", "律师", "判决"]
END_MAX = datetime(2026, 11, 30, 23, 0, tzinfo=SHANGHAI)


class Reads:
    def __init__(self, store, seed: int = 3):
        self.store = store
        self.rng = random.Random(seed)

    def _end(self) -> datetime:
        return END_MAX - timedelta(days=self.rng.randrange(0, 80))

    def searches(self, rounds: int) -> tuple[list[float], list[int]]:
        """Milliseconds of each query, sorted, and the total hits of each."""
        lat, totals = [], []
        for _ in range(rounds):
            a, b = self.rng.sample(WORDS, 2)
            end = self._end()
            req = SearchRequest(query=f"{a} {b}", start=end - timedelta(days=7), end=end, limit=20)
            t0 = time.perf_counter()
            r = self.store.search(req)
            lat.append((time.perf_counter() - t0) * 1000)
            totals.append(r.total)
        return sorted(lat), totals

    def hourly_counts(self, rounds: int = 20) -> tuple[list[float], int]:
        """Milliseconds of each count, sorted, and the rows of the last."""
        lat, rows = [], []
        for _ in range(rounds):
            end = self._end()
            t0 = time.perf_counter()
            rows = self.store.counts(end - timedelta(days=7), end, "hour", group_by="topic")
            lat.append((time.perf_counter() - t0) * 1000)
        return sorted(lat), len(rows)


def p95(sorted_ms: list[float]) -> float:
    return sorted_ms[max(0, int(len(sorted_ms) * 0.95) - 1)]
