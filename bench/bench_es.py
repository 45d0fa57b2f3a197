"""Bulk ingest and query speed of the cluster backends, against osmem-server (the
in-memory OpenSearch-compatible server the tests use; the Elasticsearch client goes
through the tests' media-type proxy).

1. N generated posts (default 4,000), segmented and labelled before timing starts;
2. for each client (opensearch-py, elasticsearch): JianYu's path — `store.upsert` in
   batches of 500, as the ingest chain calls it (id look-up, documents built, streaming
   bulk) — beside a bare `helpers.bulk` of the same documents (built beforehand) from a
   client made with its defaults. Each writes into its own empty clone; the two take
   turns batch by batch (who goes first alternates), so that a machine busy with
   something else slows both alike. `--rounds` rounds, each on a fresh osmem-server;
   the median of the rounds' rates and ratios (goal: JianYu's path ≥ 90 % of the bare
   client's rate);
3. on a store holding the N posts: the queries of bench_ingest.py — a two-word query
   with a 7-day window (p50/p95), and hourly counts for 7 days grouped by topic.

    .venv/bin/python bench/bench_es.py [--posts 4000] [--rounds 5] [--queries 200]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

def make_posts(n: int):
    from bench.generate import posts
    from indexer.post import Post
    from nlp.labels import Sentiment, Topic
    from nlp.normalize import normalize
    from nlp.tokenize import tokenize

    rng = random.Random(11)
    out = []
    for d in posts(n):
        p = Post.from_dict(d)
        p.text = normalize(p.text)
        p.tokens = tokenize(p.text)
        p.relevant = rng.random() < 0.6
        p.sentiment = rng.choice(list(Sentiment))
        p.topic = rng.choice(list(Topic))
        p.fingerprint = rng.getrandbits(63)
        out.append(p)
    return out


def bare_client(backend: str, url: str):
    """A client with its defaults, but a long timeout: osmem pauses now and then to
    merge its in-memory segments, sometimes longer than the default 10 s."""
    if backend == "opensearch":
        from opensearchpy import OpenSearch, helpers

        return OpenSearch(hosts=[url], timeout=120), helpers
    from elasticsearch import Elasticsearch, helpers

    return Elasticsearch(url, request_timeout=120), helpers


def race(backend: str, posts, docs, folder: Path, batch: int = 500):
    """One round on a fresh server: (bare posts/s, JianYu posts/s, the server and the
    clone holding JianYu's posts, for the queries)."""
    from tests.indexer.esfixtures import Osmem

    osmem = Osmem()
    bare_clone, ours_clone = osmem.clone(), osmem.clone()
    with osmem.store(backend, folder, clone=bare_clone) as store:
        store.setup()
        index = store.layout.write_index()
    client, helpers = bare_client(backend, osmem.url_for(backend, bare_clone))
    actions = [{"_op_type": "index", "_index": index, "_id": p.id, "_source": d} for p, d in zip(posts, docs)]
    store = make_store(osmem, backend, folder, ours_clone)
    store.setup()
    t_bare = t_ours = 0.0
    paired: list[float] = []
    inserted = 0
    for n, i in enumerate(range(0, len(posts), batch)):
        took = {}
        for which in (("bare", "ours") if n % 2 == 0 else ("ours", "bare")):
            if which == "bare":
                osmem.url_for(backend, bare_clone)
                t0 = time.perf_counter()
                ok, errors = helpers.bulk(client, actions[i:i + batch], chunk_size=batch)
                took[which] = time.perf_counter() - t0
                assert not errors, errors
            else:
                osmem.url_for(backend, ours_clone)
                t0 = time.perf_counter()
                inserted += store.upsert(posts[i:i + batch]).inserted
                took[which] = time.perf_counter() - t0
        t_bare += took["bare"]
        t_ours += took["ours"]
        paired.append(took["bare"] / took["ours"] * 100)
    assert inserted == len(posts), inserted
    client.close()
    bare_clone.close()
    return len(posts) / t_bare, len(posts) / t_ours, paired, osmem, ours_clone, store


def make_store(osmem, backend: str, folder: Path, clone):
    from tests.indexer.esfixtures import make_cluster_store

    return make_cluster_store(backend, osmem.url_for(backend, clone), folder, timeout=120)


def queries(store, rounds: int) -> tuple[str, str]:
    from bench.query_times import Reads, p95

    reads = Reads(store)
    lat, totals = reads.searches(rounds)
    search = (f"two-word query, 7-day window, newest 20 with total and highlights: p50 {statistics.median(lat):.1f} ms, "
              f"p95 {p95(lat):.1f} ms over {rounds} queries (median total {statistics.median(totals):.0f} hits)")
    lat, rows = reads.hourly_counts()
    counts = f"hourly counts for 7 days grouped by topic: median {statistics.median(lat):.0f} ms, max {lat[-1]:.0f} ms ({rows} rows)"
    return search, counts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=4_000,
                    help="posts per round (osmem pauses to merge segments past ~4,500 documents)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()

    from indexer.es_docs import full_doc

    print(f"preparing {args.posts:,} posts …", file=sys.stderr)
    posts = make_posts(args.posts)
    docs = [full_doc(p, 0) for p in posts]
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for backend in ("opensearch", "elasticsearch"):
            bare, ours, ratios, batches = [], [], [], []
            for r in range(args.rounds):
                b, o, paired, osmem, clone, store = race(backend, posts, docs, folder)
                bare.append(b)
                ours.append(o)
                ratios.append(o / b * 100)
                batches.extend(paired)
                print(f"  {backend} round {r + 1}: bare {b:,.0f}/s, JianYu {o:,.0f}/s ({ratios[-1]:.0f} %)",
                      file=sys.stderr)
                if r == args.rounds - 1:
                    osmem.url_for(backend, clone)
                    for line in queries(store, args.queries):
                        print(f"{backend}: {line}")
                store.close()
                clone.close()
                osmem.close()
            ratio = statistics.median(ratios)
            failed |= ratio < 90
            total = args.posts * args.rounds
            rate_ours = total / sum(args.posts / o for o in ours)
            rate_bare = total / sum(args.posts / b for b in bare)
            print(f"{backend}: bulk ingest, {args.rounds} rounds of {args.posts:,} posts: JianYu {rate_ours:,.0f} "
                  f"posts/s vs bare helpers.bulk {rate_bare:,.0f} posts/s; median ratio {ratio:.0f} % (rounds {min(ratios):.0f}–"
                  f"{max(ratios):.0f} %; median of {len(batches)} batch pairs {statistics.median(batches):.0f} %)"
                  f"  goal ≥ 90 %")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
