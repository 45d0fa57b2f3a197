"""Tagging speed: normalization + tokenization + the three classifiers, on one core,
beside SnowNLP's sentiment on the same posts in the same run.

    .venv/bin/python bench/bench_tagging.py [--posts 20000] [--snownlp 1000]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the goal is stated

from bench.generate import posts  # noqa: E402
from nlp.normalize import normalize  # noqa: E402
from nlp.tagger import Tagger  # noqa: E402
from nlp.tokenize import tokenize  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=20_000)
    ap.add_argument("--snownlp", type=int, default=1_000, help="posts to time SnowNLP on")
    ap.add_argument("--batch", type=int, default=500)
    args = ap.parse_args()

    texts = [p["text"] for p in posts(args.posts, seed=11)]
    chars = sum(map(len, texts)) / len(texts)
    tagger = Tagger.load()
    tagger.predict([normalize(texts[0])])  # load dictionaries and the model first
    tokenize(texts[0])

    t0 = time.perf_counter()
    for i in range(0, len(texts), args.batch):
        batch = [normalize(t) for t in texts[i:i + args.batch]]
        tokens = [tokenize(t) for t in batch]  # made once, for the index and the tagger
        tagger.predict(batch, tokens)
    ours = time.perf_counter() - t0
    print(f"posts: {len(texts)} (mean {chars:.0f} characters)")
    print(f"jianyu tagging (normalize + tokenize + relevance/sentiment/topic): "
          f"{len(texts) / ours:,.0f} posts/s  ({ours * 1e6 / len(texts):.0f} µs/post)  goal ≥ 5,000")

    from snownlp import SnowNLP

    sample = texts[:args.snownlp]
    t0 = time.perf_counter()
    for t in sample:
        SnowNLP(t).sentiments
    snow = time.perf_counter() - t0
    print(f"snownlp sentiment only, same posts: {len(sample) / snow:,.0f} posts/s "
          f"({snow * 1e6 / len(sample):.0f} µs/post), measured on {len(sample)} posts")


if __name__ == "__main__":
    main()
