"""A labeled synthetic week through the real pipeline: generate it, ingest it (tagger
included) into a scratch store, backtest it, and score the reports against the truth.

Operators use it (`jianyu alerts simulate`) to see what a change of thresholds does
before they deploy it; the test suite uses it to prove 一事一报 holds end to end.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from indexer.ingest import IngestChain, read_jsonl
from indexer.sqlite import SqliteStore
from nlp.tagger import Tagger
from nlp.watch import WatchList

from .backtest import BacktestResult, backtest, report_json
from .engine import EngineConfig
from .scoring import Score, score
from .synthetic import Stream, generate, write_jsonl

log = logging.getLogger(__name__)


@dataclass
class Simulation:
    stream: Stream
    result: BacktestResult
    score: Score
    ingest_seconds: float
    backtest_seconds: float


def simulate(folder: Path, tagger: Tagger, watch: WatchList, config: EngineConfig = EngineConfig(), *,
             seed: int = 7, days: int = 7, scale: float = 1.0, step: timedelta = timedelta(minutes=10),
             store_path: Path | None = None) -> Simulation:
    folder.mkdir(parents=True, exist_ok=True)
    stream = generate(seed=seed, days=days, scale=scale)
    name = f"synthetic-{seed}-{days}d-{scale:g}x"
    path = write_jsonl(stream, folder / f"{name}.jsonl")
    end = stream.start + timedelta(days=days)
    # a store already made for the same stream is reused: re-scoring other thresholds is quick
    with SqliteStore(store_path or folder / f"{name}.db") as store:
        t0 = time.perf_counter()
        if store.count() == 0:
            chain = IngestChain(store, tagger, watch, now=lambda: end)
            chain.run(read_jsonl(path))
        t1 = time.perf_counter()
        result = backtest(store, stream.start, end, step, config)
        t2 = time.perf_counter()
    scored = score([report_json(r) for r in result.reports], stream.truths, stream.post_truth(),
                   stream.decoy_ids())
    return Simulation(stream, result, scored, t1 - t0, t2 - t1)
