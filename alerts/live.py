"""Live alerting: read the posts stored since the last step, feed the engine, queue every
report it makes on the channels, deliver what is due.

Each worker keeps its own cursor in the Store ("alerts:<worker>"), so a restart resumes
where it stopped; reports are claimed in the Store, so two workers reading the same posts
still make each report once, and the outbox leases each delivery to one of them.
"""
from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from indexer.store import Store

from .engine import Engine, EngineConfig
from .message import Message
from .outbox import Outbox
from .render import inert, md_escape, render_html, render_markdown, render_text
from .chart import trend_chart
from .report import Report
from .volume import VolumeWatch

log = logging.getLogger(__name__)


def message_for(report: Report, base_url: str = "") -> Message:
    """The message every channel sends for one report (rendered once, stored in the outbox)."""
    chart = trend_chart(report)
    url = f"{base_url.rstrip('/')}/reports/{report.id}" if base_url else ""
    text = render_text(report)
    return Message(
        report_id=report.id, event_id=report.event_id, kind=report.kind, level=report.level.value,
        urgent=report.level.value == "major" and report.kind != "close",
        subject=f"【舆情{report.kind_zh}·{report.level.zh}】{report.title}",
        text=text, markdown=render_markdown(report), html=render_html(report, chart_cid="trend.png"),
        url=url, chat=text, attachments=[("trend.png", "image/png", chart)])


def message_for_rule(match, base_url: str = "") -> Message:
    """A rule's alert (ElastAlert-style spike or frequency): one line, every channel."""
    rid = f"rule:{match.rule}:{match.key}:{match.time.isoformat(timespec='minutes')}"
    return _line_message(rid, "rule", "【舆情规则告警】", match.describe(), base_url)


def message_for_volume(alert, base_url: str = "") -> Message:
    """A topic or keyword whose volume bursts while no reported event explains it."""
    return _line_message(alert.id, "volume", "【舆情声量异常】", alert.describe(), base_url)


def _line_message(report_id: str, kind: str, prefix: str, line: str, base_url: str) -> Message:
    """A one-line alert, the same on every channel (escaped for each)."""
    return Message(report_id=report_id, event_id="", kind=kind, level="general", urgent=False,
                   subject=prefix + line, text=line, markdown=md_escape(line),
                   html=f"<p>{html.escape(line)}</p>", url=base_url, chat=inert(line))


@dataclass
class StepStats:
    posts: int = 0
    reports: list[Report] = field(default_factory=list)
    queued: int = 0
    delivered: int = 0
    rule_matches: list = field(default_factory=list)
    volume: list = field(default_factory=list)


class LiveAlerts:
    def __init__(self, store: Store, config: EngineConfig, outbox: Outbox | None, *, worker: str,
                 base_url: str = "", batch: int = 1000, rules: list | None = None,
                 volume: VolumeWatch | None = None):
        self.store = store
        self.state = store.alerts
        self.outbox = outbox
        self.worker = worker
        self.base_url = base_url
        self.batch = batch
        self.engine = Engine(store, self.state, config)
        self.rules = list(rules or [])
        self.volume = volume
        self.cursor_name = f"alerts:{worker}"
        self.cursor: str | None = None
        self.started = False

    def start(self, now: datetime) -> None:
        """Resume from this worker's cursor; on a first start, begin with the posts of the
        last clustering window rather than the whole store."""
        restored = self.engine.restore(now)
        self.cursor = self.state.get_cursor(self.cursor_name)
        if self.cursor is None:
            # The cursor first: a post stored while the window is read comes in the next step.
            self.cursor = self.store.newest_cursor()
            since = now - self.engine.config.cluster.window
            posts = list(self.store.scan(since, now + timedelta(days=1)))
            known = {pid for e in self.engine.clusterer.live() for pid in e.posts}
            self.engine.add(p for p in posts if p.id not in known)
            self.state.set_cursor(self.cursor_name, self.cursor)
        log.info("alerts worker %s: %d events restored, cursor %s", self.worker, restored, self.cursor)
        self._requeue(now)
        self.started = True

    def _requeue(self, now: datetime, days: int = 2) -> None:
        """A report claimed by a process that stopped before queueing it is queued now
        (queueing is create-only, so nothing already queued is queued twice)."""
        if self.outbox is None:
            return
        queued = {item.report_id for item in self.state.outbox()}
        for record in self.state.reports(start=now - timedelta(days=days)):
            if record.id not in queued:
                report = Report.from_dict(record.data)
                if self.outbox.enqueue(message_for(report, self.base_url), now):
                    log.warning("report %s had not been queued; queued it now", record.id)

    def _reported(self) -> set[str]:
        return {eid for eid, p in self.engine.progress.items() if p.reported}

    def _fresh(self, alert, now: datetime) -> bool:
        """`realert` across restarts and workers: the last alert per key is kept in the Store."""
        name = f"volume-last:{alert.kind}:{alert.key}"
        last = self.state.get_cursor(name)
        if last and now - datetime.fromisoformat(last) < self.volume.realert:
            return False
        self.state.set_cursor(name, now.isoformat())
        return True

    def step(self, now: datetime) -> StepStats:
        if not self.started:
            self.start(now)
        stats = StepStats()
        while True:
            posts, nxt = self.store.stored_since(self.cursor, self.batch)
            if not posts:
                break
            stats.posts += len(posts)
            self.engine.add(posts)
            self.cursor = nxt
        stats.reports = self.engine.evaluate(now, reload=True)
        for rule in self.rules:
            stats.rule_matches += rule.evaluate(self.store, now)
            rule.pop_matches()
        if self.volume is not None:
            stats.volume = [a for a in self.volume.check(self.store, now, self._reported()) if self._fresh(a, now)]
        if self.outbox is not None:
            for report in stats.reports:
                stats.queued += self.outbox.enqueue(message_for(report, self.base_url), now)
            for match in stats.rule_matches:
                stats.queued += self.outbox.enqueue(message_for_rule(match, self.base_url), now)
            for alert in stats.volume:
                stats.queued += self.outbox.enqueue(message_for_volume(alert, self.base_url), now)
        if self.cursor is not None:
            self.state.set_cursor(self.cursor_name, self.cursor)
        if self.outbox is not None:
            stats.delivered = self.outbox.deliver(now).sent
        return stats
