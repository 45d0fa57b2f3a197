"""`jianyu run`: the long-running monitor.

Crawls each source on its own schedule, each round in a child process (`jianyu crawl
NAME`: Scrapy's reactor runs once per process, and a crawl that fails cannot take the
monitor down), and evaluates alerts between rounds in this process. When a source's last
round (from its health record in the Store) is older than its interval it is due; at most
`parallel` rounds run at once. SIGINT/SIGTERM stop it cleanly: running rounds finish,
nothing half-done is left.
"""
from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from indexer.post import SHANGHAI
from indexer.store import Store

log = logging.getLogger(__name__)


@dataclass
class Round:
    name: str
    process: subprocess.Popen
    started: datetime


@dataclass
class Monitor:
    store: Store
    intervals: dict[str, int]                       # source name -> seconds
    step_alerts: Callable[[datetime], object] | None
    config_path: str | None = None
    parallel: int = 1
    poll: float = 30.0
    running: dict[str, Round] = field(default_factory=dict)
    stopping: bool = False

    def due(self, now: datetime) -> list[str]:
        last = {h.name: h.last_run for h in self.store.crawl.health()}
        out = []
        for name, every in self.intervals.items():
            if name in self.running:
                continue
            t = last.get(name)
            if t is None or now - t >= timedelta(seconds=every):
                out.append(name)
        # the most overdue first
        return sorted(out, key=lambda n: last.get(n) or datetime.min.replace(tzinfo=SHANGHAI))

    def start_round(self, name: str, now: datetime) -> None:
        cmd = [sys.executable, "-m", "jianyu"]
        if self.config_path:
            cmd += ["--config", self.config_path]
        cmd += ["-q", "crawl", name]
        log.info("crawl round: %s", name)
        self.running[name] = Round(name, subprocess.Popen(cmd), now)

    def reap(self) -> None:
        for name, r in list(self.running.items()):
            code = r.process.poll()
            if code is None:
                continue
            del self.running[name]
            if code != 0:
                log.error("crawl round %s ended with exit code %d", name, code)

    def tick(self, now: datetime) -> None:
        self.reap()
        if not self.stopping:
            for name in self.due(now)[: max(0, self.parallel - len(self.running))]:
                self.start_round(name, now)
        if self.step_alerts is not None:
            try:
                self.step_alerts(now)
            except Exception:  # noqa: BLE001 — the monitor outlives one bad step, loudly
                log.exception("alert evaluation failed; retrying at the next step")

    def run(self, clock: Callable[[], datetime] = lambda: datetime.now(SHANGHAI)) -> None:
        def stop(signum, _frame):
            log.info("stopping (signal %d): waiting for running crawl rounds", signum)
            self.stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not self.stopping:
            self.tick(clock())
            slept = 0.0
            while slept < self.poll and not self.stopping:
                time.sleep(0.5)
                slept += 0.5
        for r in self.running.values():
            r.process.wait()
        self.reap()
