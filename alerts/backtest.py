"""Replay stored posts in time order through a fresh engine and collect every report it
would have sent, stamped with the simulated time. Nothing is written to the Store: the
alert state lives in memory for the run, and posts keep their event ids."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from indexer.sqlite import SqliteStore
from indexer.store import Store

from .engine import Engine, EngineConfig
from .history import HourlyHistory
from .report import Report

log = logging.getLogger(__name__)


@dataclass
class BacktestResult:
    start: datetime
    end: datetime
    step: timedelta
    posts: int = 0
    reports: list[Report] = field(default_factory=list)
    events: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(),
                "step_seconds": int(self.step.total_seconds()), "posts": self.posts,
                "events": self.events, "reports": [report_json(r) for r in self.reports]}


def report_json(report: Report) -> dict[str, Any]:
    """One report in the backtest's JSON shape."""
    first = report.first
    return {
        "event_id": report.event_id, "kind": report.kind, "sent_at": report.sent_at.isoformat(),
        "level": report.level.value, "title": report.title,
        "sentiment": report.sentiments[0][0] if report.sentiments else "",
        "topic": report.topics[0][0] if report.topics else "",
        "post_count": report.post_count,
        "first_post": {"id": first.id, "url": first.url, "site": first.site,
                       "published_at": first.published_at.isoformat() if first.published_at else None},
        "posts": [{"id": pid, "url": url} for pid, url in report.posts],
    }


def backtest(store: Store, start: datetime, end: datetime, step: timedelta = timedelta(minutes=10),
             config: EngineConfig = EngineConfig(),
             progress: Callable[[int], None] | None = None) -> BacktestResult:
    if step <= timedelta(0):
        raise ValueError("step must be positive")
    result = BacktestResult(start, end, step)
    history = HourlyHistory(store, config.baseline_days)
    history.preload(start, end)
    scratch = SqliteStore(":memory:")
    try:
        engine = Engine(store, scratch.alerts, config, write_posts=False, history=history)
        posts = store.scan(start, end)
        waiting = next(posts, None)
        now = start
        while now < end:
            now = min(now + step, end)
            batch = []
            while waiting is not None and waiting.when < now:
                batch.append(waiting)
                waiting = next(posts, None)
            result.posts += len(batch)
            engine.add(batch)
            result.reports += engine.evaluate(now)
            if progress is not None:
                progress(len(batch))
        result.events = len(scratch.alerts.events())
    finally:
        scratch.close()
    log.info("backtest %s → %s: %d posts, %d events, %d reports", start, end, result.posts,
             result.events, len(result.reports))
    return result
