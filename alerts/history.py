"""Hourly volumes of relevant posts, read from the Store, for the baselines.

One query fetches a span of hours; later calls reuse it and only read the hours
that are new, so a live evaluation or a backtest step costs no full re-count.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from indexer.store import Store

from .baseline import HOUR, Baseline, to_hour


class HourlyHistory:
    """Relevant posts per hour, cached; `baseline(now)` fits on the hours before `now`."""

    def __init__(self, store: Store, days: int = 14):
        self.store = store
        self.days = days
        self.counts: dict[datetime, int] = {}
        self.loaded_from: datetime | None = None
        self.loaded_to: datetime | None = None     # hours before this are final
        self._fitted: tuple[datetime, Baseline] | None = None

    def preload(self, start: datetime, end: datetime) -> None:
        """Read every hour in [start - days, end) at once (a backtest knows its span)."""
        self._load(to_hour(start) - timedelta(days=self.days), to_hour(end) + HOUR)

    def _load(self, start: datetime, end: datetime) -> None:
        if start >= end:
            return
        for bucket, _, n in self.store.counts(start, end, "hour", query="relevant:true"):
            self.counts[to_hour(bucket)] = n
        self.loaded_from = start if self.loaded_from is None else min(self.loaded_from, start)
        self.loaded_to = end if self.loaded_to is None else max(self.loaded_to, end)

    def _ensure(self, now: datetime) -> None:
        want_from = to_hour(now) - timedelta(days=self.days)
        want_to = to_hour(now)
        if self.loaded_from is None or self.loaded_from > want_from:
            self.counts.clear()
            self.loaded_from = self.loaded_to = None
            self._load(want_from, want_to)
        elif self.loaded_to < want_to:
            # the last loaded hour may have been partial: read it again
            self._load(self.loaded_to - HOUR, want_to)

    def baseline(self, now: datetime) -> Baseline:
        """The baseline fitted on complete hours before `now`, refitted once per hour."""
        key = to_hour(now)
        if self._fitted is not None and self._fitted[0] == key:
            return self._fitted[1]
        self._ensure(now)
        start = key - timedelta(days=self.days)
        window = {h: n for h, n in self.counts.items() if start <= h < key}
        fitted = Baseline.fit(window, key, days=self.days)
        self._fitted = (key, fitted)
        return fitted
