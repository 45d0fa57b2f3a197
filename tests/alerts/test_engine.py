"""一事一报 end to end, on a labeled synthetic week (alerts.synthetic) that went through the
real ingest chain and tagger: every event reported exactly once, promptly, with no false
reports; and the same holds live, across a restart and with two workers at once."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest

from alerts.backtest import report_json
from alerts.engine import EngineConfig
from alerts.live import LiveAlerts
from alerts.outbox import Outbox
from alerts.channels import make_channel
from alerts.report import Report
from alerts.scoring import format, score
from alerts.simulate import simulate
from indexer.sqlite import SqliteStore
from nlp.watch import DEFAULT_WATCH_TERMS, WatchList

STEP = timedelta(minutes=15)


@pytest.fixture(scope="module")
def week(tmp_path_factory, tagger):
    folder = tmp_path_factory.mktemp("week")
    return simulate(folder, tagger, WatchList(DEFAULT_WATCH_TERMS), store_path=folder / "week.db"), folder


def test_every_event_is_reported_exactly_once_without_false_reports(week):
    sim, _ = week
    s = sim.score
    assert not s.missed, s.missed
    assert not s.duplicated, s.duplicated
    assert s.exactly_once
    assert s.false_count == 0, [f"{f.reason}: {f.title}" for f in s.false_reports]
    assert not s.orphans


def test_reports_come_promptly_after_each_burst(week):
    sim, _ = week
    delays = {e.kind: e.delay_minutes for e in sim.score.expected}
    for kind, delay in delays.items():
        limit = 24 * 60 if kind == "slow_burn" else 120
        assert delay is not None and delay <= limit, (kind, delay)


def test_every_report_lists_every_post_of_its_event_at_that_time(week):
    sim, _ = week
    seen: dict[str, int] = {}
    for r in sim.result.reports:
        j = report_json(r)
        assert j["post_count"] == len(j["posts"]) == len({p["id"] for p in j["posts"]})
        assert j["first_post"]["id"] in {p["id"] for p in j["posts"]}
        assert j["post_count"] >= seen.get(r.event_id, 0)   # events only grow
        seen[r.event_id] = j["post_count"]
    kinds = Counter((r.event_id, r.kind) for r in sim.result.reports)
    assert all(n == 1 for (eid, kind), n in kinds.items() if kind in ("first", "close"))


def test_an_official_response_brings_a_follow_up_not_a_new_first_report(week):
    sim, _ = week
    rumor = next(t for t in sim.stream.truths if t.kind == "rumor")
    result = next(e for e in sim.score.events if e.key == rumor.key)
    event_id = result.firsts[0][0]
    updates = [r for r in sim.result.reports if r.event_id == event_id and r.kind == "update"]
    assert any(r.official is not None for r in updates), [r.change for r in updates]


def _replay(source: SqliteStore, workers: list[LiveAlerts], stores: list[SqliteStore],
            start: datetime, end: datetime, restart_at: datetime | None = None, make=None):
    now, turn = start, 0
    while now < end:
        nxt = now + STEP
        stores[turn % len(stores)].upsert(list(source.scan(now, nxt)))
        if restart_at is not None and now <= restart_at < nxt:
            workers = make()          # the process stopped and came back
        for w in workers:
            w.step(nxt)
        now, turn = nxt, turn + 1
    return workers


def _worker(store: SqliteStore, name: str, folder) -> LiveAlerts:
    channel = make_channel("file", "archive", directory=str(folder))
    return LiveAlerts(store, EngineConfig(), Outbox(store.alerts, {"archive": channel}, name), worker=name)


def test_live_workers_restart_and_run_twice_yet_report_once(week, tmp_path):
    sim, folder = week
    source = SqliteStore(folder / "week.db")
    start = sim.stream.start
    # the days before are history; the workers go live for the days the stories break
    live_from = start + timedelta(days=2, hours=12)
    end = start + timedelta(days=5, hours=6)
    path = tmp_path / "live.db"
    with SqliteStore(path) as seed:
        seed.upsert(list(source.scan(start, live_from)))
    a, b = SqliteStore(path), SqliteStore(path)
    out = tmp_path / "out"
    workers = [_worker(a, "a", out), _worker(b, "b", out)]
    restart_at = live_from + timedelta(hours=23)   # in the middle of a burst

    def restarted():
        return [_worker(a, "a", out), _worker(b, "b", out)]

    _replay(source, workers, [a, b], live_from, end, restart_at, restarted)
    reports = a.alerts.reports()
    firsts = Counter(r.event_id for r in reports if r.kind == "first")
    assert firsts and all(n == 1 for n in firsts.values())
    # each report delivered once: one .json per report in the archive
    delivered = Counter(p.name.split("-", 1)[1] for p in out.glob("*.json"))
    assert len(delivered) == len(reports) and all(n == 1 for n in delivered.values())
    # every story that broke while live was reported once, and nothing else was
    scored = score([report_json(Report.from_dict(r.data)) for r in reports], sim.stream.truths,
                   sim.stream.post_truth(), sim.stream.decoy_ids())
    broke = [e for e in scored.expected if live_from + STEP < e.burst_start < end - timedelta(hours=3)]
    assert len(broke) >= 3 and all(e.reported_once for e in broke), format(scored)
    assert scored.false_count == 0, format(scored)
    for s in (a, b, source):
        s.close()
