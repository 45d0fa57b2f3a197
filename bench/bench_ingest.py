"""Ingest and query speed on the embedded store.

1. writes N generated posts (default 1,000,000) to a JSONL file (not timed);
2. ingests it end to end (read → normalize → watch → dedup → tag → store) in a child
   process: posts/s and the child's peak memory;
3. on that store: a two-word query with a 7-day filter (p50/p95 over many queries) and
   hourly counts for 7 days grouped by topic.

    .venv/bin/python bench/bench_ingest.py [--posts 1000000] [--out bench/out]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def generate(path: Path, n: int) -> None:
    from bench.generate import posts

    with open(path, "w", encoding="utf-8") as fh:
        for p in posts(n):
            fh.write(json.dumps(p, ensure_ascii=False) + "\n")


def ingest(jsonl: Path, db: Path) -> None:
    """Runs in the child process."""
    from indexer.ingest import IngestChain, read_jsonl
    from indexer.sqlite import SqliteStore
    from nlp.tagger import Tagger
    from nlp.watch import DEFAULT_WATCH_TERMS, WatchList

    store = SqliteStore(db)
    chain = IngestChain(store, Tagger.load(), WatchList(DEFAULT_WATCH_TERMS), batch_size=1000)
    t0 = time.perf_counter()
    done = 0

    def progress(k: int) -> None:
        nonlocal done
        done += k
        if done % 100_000 < k:
            el = time.perf_counter() - t0
            print(f"  {done:,} posts in {el:,.0f} s ({done / el:,.0f}/s)", file=sys.stderr, flush=True)

    s = chain.run(read_jsonl(jsonl), progress=progress)
    el = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": el, "read": s.read, "stored": s.stored, "filtered": s.filtered,
                      "near_duplicates": s.near_duplicates, "quarantined": s.quarantined, "peak_mib": peak}))


def queries(db: Path, rounds: int) -> None:
    from bench.query_times import Reads, p95
    from indexer.sqlite import SqliteStore

    reads = Reads(SqliteStore(db))
    lat, totals = reads.searches(rounds)
    print(f"two-word query, 7-day filter, newest 20 with total: p50 {statistics.median(lat):.1f} ms, "
          f"p95 {p95(lat):.1f} ms, max {lat[-1]:.1f} ms over {rounds} queries "
          f"(median total {statistics.median(totals):.0f} hits)  goal p95 ≤ 50 ms")
    lat, rows = reads.hourly_counts()
    print(f"hourly counts for 7 days grouped by topic: median {statistics.median(lat):.0f} ms, "
          f"max {lat[-1]:.0f} ms ({rows} rows)  goal ≤ 200 ms")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--reuse", action="store_true", help="query the store of an earlier run instead of ingesting")
    ap.add_argument("--child", nargs=2, metavar=("JSONL", "DB"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        ingest(Path(args.child[0]), Path(args.child[1]))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    jsonl = args.out / f"posts-{args.posts}.jsonl"
    db = args.out / f"store-{args.posts}.db"
    if not jsonl.exists():
        print(f"generating {args.posts:,} posts → {jsonl}", file=sys.stderr)
        generate(jsonl, args.posts)
    if args.reuse and db.exists():
        queries(db, args.queries)
        return
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    print(f"ingesting {args.posts:,} posts into {db} …", file=sys.stderr)
    out = subprocess.run([sys.executable, __file__, "--child", str(jsonl), str(db)], check=True,
                         stdout=subprocess.PIPE, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"ingest end to end: {r['read']:,} posts in {r['seconds']:,.0f} s = {r['read'] / r['seconds']:,.0f} posts/s "
          f"(stored {r['stored']:,}, filtered {r['filtered']:,}, near-duplicates {r['near_duplicates']:,}); "
          f"peak memory {r['peak_mib']:,.0f} MiB  goal ≥ 2,000 posts/s, ≤ 1,024 MiB")
    queries(db, args.queries)


if __name__ == "__main__":
    main()
