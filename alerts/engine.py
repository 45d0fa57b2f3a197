"""The alert engine: posts in, events clustered, bursts judged, one report per event out.

The same engine runs live (`jianyu alerts run`, `jianyu run`) and in a backtest; only
the clock and where posts come from differ. Every report is claimed in the Store under
a deterministic id (alerts.model.report_id) before it is handed on, so a restart or a
second worker never sends a second 首报 for one event:

    首报  the first time an event is a burst (judged against the expected volume)
    续报  when it reaches a higher level, when an official response appears, or when it
          flares up again after a 结案
    结案  when it has been quiet for `close_after`, or an analyst closes it
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Callable, Iterable

from indexer.alertstate import AlertState, EventRecord, ReportRecord
from indexer.post import Post
from indexer.store import Store

from .cluster import ClusterConfig, Clusterer
from .history import HourlyHistory
from .levels import Assessment, LevelConfig, assess
from .model import Event, Level, report_id
from .report import Report, build_report
from .baseline import Baseline
from .spikes import BurstConfig, event_burst

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineConfig:
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    burst: BurstConfig = field(default_factory=BurstConfig)
    levels: LevelConfig = field(default_factory=LevelConfig)
    close_after: timedelta = timedelta(hours=24)   # a reported event quiet this long gets its 结案
    min_event_posts: int = 2                       # smaller clusters are not kept as events
    baseline_days: int = 14                        # history the expected volume is fitted on


@dataclass
class Progress:
    """What has been reported for one event, as the Store knows it."""
    level: Level | None = None
    steps: set[str] = field(default_factory=set)   # report ids claimed
    closed: bool = False
    reports: list[Report] = field(default_factory=list)

    @property
    def reported(self) -> bool:
        return self.level is not None


Notify = Callable[[Report], None]


class Engine:
    def __init__(self, store: Store, state: AlertState, config: EngineConfig = EngineConfig(), *,
                 notify: Notify | None = None, write_posts: bool = True, history: HourlyHistory | None = None):
        self.store = store
        self.state = state
        self.config = config
        self.notify = notify
        self.write_posts = write_posts       # a backtest leaves stored posts as they are
        self.clusterer = Clusterer(config.cluster)
        self.history = history or HourlyHistory(store, config.baseline_days)
        self.dirty: set[str] = set()
        self.progress: dict[str, Progress] = {}

    # posts -----------------------------------------------------------------
    def add(self, posts: Iterable[Post]) -> None:
        """Cluster posts (in time order) and record their event ids."""
        assignments: dict[str, str] = {}
        for post in sorted(posts, key=lambda p: p.when):
            event = self.clusterer.add(post)
            if event is None:
                continue
            self.dirty.add(event.id)
            if event.size >= self.config.min_event_posts:
                if event.size == self.config.min_event_posts:
                    assignments.update(dict.fromkeys(event.posts, event.id))
                else:
                    assignments[post.id] = event.id
        if assignments and self.write_posts:
            self.store.set_event_ids(assignments)

    # evaluation --------------------------------------------------------------
    def evaluate(self, now: datetime, *, reload: bool = False) -> list[Report]:
        """Judge every event that changed, and every reported one still open; returns the
        reports this call made (and claimed). `reload` re-reads report state from the Store
        first (live mode: an analyst or another worker may have acted)."""
        cfg = self.config
        made: list[Report] = []
        baseline = self.history.baseline(now)
        ids = set(self.dirty) | {eid for eid, p in self.progress.items() if p.reported and not p.closed}
        self.dirty.clear()
        touched: list[Event] = []
        for eid in sorted(ids):
            event = self.clusterer.get(eid)
            if event is None or event.size < cfg.min_event_posts:
                continue
            touched.append(event)
            if event.merged_into:
                continue  # folded into another event, which speaks for both
            progress = self._progress(eid, reload)
            twin = None if progress.reported else self._reported_twin(event, reload)
            if twin is not None:
                # one story that started twice: the half reported first keeps speaking for it
                event, progress = replace(event, id=twin), self._progress(twin)
            if not progress.reported:
                if event.size < cfg.burst.min_posts:
                    continue
                burst = event_burst(event, now, baseline, cfg.burst)
                if burst.is_burst:
                    a = assess(event, now, cfg.levels, burst)
                    made += self._claim(event, "first", a.level, now, a, progress)
                continue
            made += self._follow_up(event, now, progress, baseline)
        expired = self.clusterer.expire(now)
        for event in expired:
            if event.size >= cfg.min_event_posts:   # a smaller one was never reported (events only grow)
                progress = self._progress(event.id, reload)
                if progress.reported and not progress.closed:
                    made += self._close(event, now, progress, "事件已超过观察窗口无新增信息")
            touched.append(event)
        self._save(touched, now)
        for event in expired:   # out of the clusterer for good; restore() reloads what it needs
            self.progress.pop(event.id, None)
        return made

    def _follow_up(self, event: Event, now: datetime, progress: Progress, baseline: Baseline) -> list[Report]:
        cfg = self.config
        last_post = event.last_seen or now
        if progress.closed:
            # a flare-up after 结案 is the same event: a 续报, never a second 首报
            closed_at = _closed_at(progress)
            if closed_at is not None and last_post > closed_at:
                burst = event_burst(event, now, baseline, cfg.burst)
                if burst.is_burst:
                    a = assess(event, now, cfg.levels, burst)
                    return self._claim(event, "update", max(a.level, progress.level, key=lambda lv: lv.rank), now, a,
                                       progress, step=f"reopen-{_closed_count(progress)}",
                                       change="事件再度升温（结案后出现新一轮传播）")
            return []
        a = assess(event, now, cfg.levels, None)
        # a level reached and an official response seen in the same step make one 续报,
        # named by the level so that two workers racing on it claim the same id
        steps, changes = [], []
        if a.level.rank > progress.level.rank:
            steps.append(a.level.value)
            changes.append(f"级别由{progress.level.zh}升为{a.level.zh}")
        if event.official is not None and not any(r.official for r in progress.reports):
            steps.append("official")
            who = event.official.site or event.official.author or "官方"
            changes.append(f"{who}发布官方回应")
        if steps:
            return self._claim(event, "update", max(a.level, progress.level, key=lambda lv: lv.rank), now, a, progress,
                               step=steps[0], change="；".join(changes))
        if now - last_post >= cfg.close_after:
            return self._close(event, now, progress, f"已连续{_hours(cfg.close_after)}小时无新增信息")
        return []

    def _reported_twin(self, event: Event, reload: bool) -> str | None:
        for fid in self.clusterer.folded_into(event.id):
            if self._progress(fid, reload).reported:
                return fid
        return None

    def _close(self, event: Event, now: datetime, progress: Progress, why: str) -> list[Report]:
        return self._claim(event, "close", progress.level or Level.GENERAL, now, None, progress, change=why)

    def _claim(self, event: Event, kind: str, level: Level, now: datetime, a: Assessment | None,
               progress: Progress, *, step: str = "", change: str = "") -> list[Report]:
        rid = report_id(event.id, kind, step)
        if rid in progress.steps:
            return []
        report = build_report(event, kind, level, now, reasons=list(a.reasons) if a else [],
                              change=change, previous=progress.reports, step=step)
        record = ReportRecord(id=rid, event_id=event.id, kind=kind, level=level.value, sent_at=now,
                              title=report.title, data=report.to_dict())
        won = self.state.claim_report(record)
        # whoever made it, it exists now: remember it so it is not tried again
        self._note(progress, rid, kind, level, report)
        if not won:
            log.info("report %s was already made (another worker, or before a restart)", rid)
            return []
        log.info("report %s: %s %s (%d posts)", rid, level.zh, report.title, event.size)
        if self.notify is not None:
            self.notify(report)
        return [report]

    def _note(self, progress: Progress, rid: str, kind: str, level: Level, report: Report) -> None:
        progress.steps.add(rid)
        progress.reports.append(report)
        if kind == "close":
            progress.closed = True
        else:
            if ":update:reopen" in rid:
                progress.closed = False
            progress.level = max(level, progress.level or level, key=lambda lv: lv.rank)

    def _progress(self, event_id: str, reload: bool = False) -> Progress:
        progress = self.progress.get(event_id)
        if progress is None or reload:
            progress = Progress()
            for rec in self.state.reports(event_id=event_id):
                self._note(progress, rec.id, rec.kind, Level(rec.level), Report.from_dict(rec.data))
            self.progress[event_id] = progress
        return progress

    def _save(self, events: list[Event], now: datetime) -> None:
        records = []
        for e in events:
            progress = self.progress.get(e.id)
            if progress is not None and progress.closed:
                e.status = "closed"
            records.append(EventRecord(
                id=e.id, title=e.title, status=e.status, first_seen=e.first_seen or now,
                last_seen=e.last_seen or now, post_count=e.size,
                level=progress.level.value if progress and progress.level else "",
                data=e.to_dict(), updated_at=now))
        if records:
            self.state.save_events(records)

    # restart -----------------------------------------------------------------
    def restore(self, now: datetime) -> int:
        """Re-seat the events of the last window after a restart, so new posts join them and
        what was reported stays reported. Returns how many events came back."""
        since = now - self.config.cluster.window
        n = 0
        for record in self.state.events(since=since):
            event = Event.from_dict(record.data)
            recent = list(event.posts)[-200:]
            posts = list(self.store.get_many(recent).values())
            self.clusterer.restore(event, posts)
            self._progress(event.id, reload=True)
            n += 1
        return n


def _hours(d: timedelta) -> int:
    return int(d.total_seconds() // 3600)


def _closed_at(progress: Progress) -> datetime | None:
    closes = [r.sent_at for r in progress.reports if r.kind == "close"]
    return max(closes) if closes else None


def _closed_count(progress: Progress) -> int:
    return sum(1 for r in progress.reports if r.kind == "close")
