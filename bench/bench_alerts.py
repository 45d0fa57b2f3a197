"""Alerting speed and quality.

1. a labeled synthetic week (~15,000 posts, alerts.synthetic) ingested with the real
   tagger, then backtested with 10-minute steps: seconds for the backtest (goal ≤ 30 s)
   and the score: every event reported once, delays, false reports;
2. live evaluation on a large store (the 1,000,000-post store of bench_ingest.py, made
   first if missing): the worker's first start, then single steps that each bring a
   hundred new posts (goal ≤ 1 s a step).

    .venv/bin/python bench/bench_alerts.py [--posts 1000000] [--out bench/out] [--skip-live]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def synthetic_week(out: Path) -> None:
    from alerts.scoring import format as format_score
    from alerts.simulate import simulate
    from nlp.tagger import Tagger
    from nlp.watch import DEFAULT_WATCH_TERMS, WatchList

    folder = out / "synthetic"
    for old in folder.glob("synthetic-*.db*"):
        old.unlink()
    sim = simulate(folder, Tagger.load(), WatchList(DEFAULT_WATCH_TERMS))
    print(f"synthetic week: {sim.result.posts} posts, ingest {sim.ingest_seconds:.1f} s, "
          f"backtest {sim.backtest_seconds:.1f} s (goal ≤ 30 s), {sim.result.events} events, "
          f"{len(sim.result.reports)} reports")
    print(format_score(sim.score))


def live(out: Path, posts: int) -> None:
    from alerts.engine import EngineConfig
    from alerts.live import LiveAlerts
    from indexer.sqlite import SqliteStore
    from indexer.store import SearchRequest

    db = out / f"store-{posts}.db"
    if not db.exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "bench_ingest.py"), "--posts", str(posts),
                        "--out", str(out)], check=True)
    with SqliteStore(db) as store:
        now = store.search(SearchRequest(limit=1, sort="time")).hits[0].post.when + timedelta(minutes=1)
        worker = LiveAlerts(store, EngineConfig(), None, worker=f"bench-{time.time_ns()}")
        t0 = time.perf_counter()
        worker.start(now)
        started = time.perf_counter() - t0
        recent = list(store.scan(now - timedelta(hours=6), now))
        steps = []
        for i in range(5):
            now += timedelta(minutes=10)
            fresh = [replace(p, id=f"bench-{i}-{j}-{p.id}", url="", published_at=now - timedelta(minutes=j % 10),
                             event_id="", input_hash="")
                     for j, p in enumerate(recent[i * 100:(i + 1) * 100])]
            store.upsert(fresh)
            t0 = time.perf_counter()
            worker.step(now)
            steps.append(time.perf_counter() - t0)
        print(f"live evaluation on {store.count():,} posts: first start (the last "
              f"{EngineConfig().cluster.window.days} days clustered) {started:.1f} s; a step with 100 new posts: "
              f"median {statistics.median(steps) * 1000:.0f} ms, max {max(steps) * 1000:.0f} ms (goal ≤ 1 s)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--skip-live", action="store_true")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    synthetic_week(args.out)
    if not args.skip_live:
        live(args.out, args.posts)


if __name__ == "__main__":
    main()
