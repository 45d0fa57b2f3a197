"""Run every benchmark and print its figures: `make bench`.

    .venv/bin/python bench/run_all.py [--posts 1000000]
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=1_000_000, help="posts for the ingest and query benchmark")
    args = ap.parse_args()
    runs = [
        [sys.executable, str(HERE / "bench_tagging.py")],
        [sys.executable, str(HERE / "bench_ingest.py"), "--posts", str(args.posts)],
        [sys.executable, str(HERE / "bench_crawl.py")],
        [sys.executable, str(HERE / "bench_es.py")],
        [sys.executable, str(HERE / "bench_cluster.py")],
        [sys.executable, str(HERE / "bench_alerts.py"), "--posts", str(args.posts)],
    ]
    failed = 0
    for cmd in runs:
        print(f"\n== {Path(cmd[1]).stem} ==", flush=True)
        failed += subprocess.run(cmd).returncode != 0
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
