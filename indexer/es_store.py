"""The Store on an Elasticsearch or OpenSearch cluster; the two backends differ only in
their client (es_wire.Wire subclasses in elasticsearch.py and opensearch.py).

Writing posts: the batch's ids are looked up first (one search on the read alias), so a
post stored before is updated in the index where it lives and counted as updated or
unchanged (same content digest), and a new one goes to the current month through the
write alias. Every post has its id as `_id`: storing it again is idempotent, also when
two workers store the same new post at once (the later write replaces the earlier with
the same content), so posts need no create-only write; reports and the outbox do
(es_alerts.py). The bulk request streams (helpers.streaming_bulk); items that fail for a
passing reason (429, 503, a dropped connection) are retried with backoff, items the
cluster refuses are quarantined with its reason, and when the cluster stays unreachable
the posts go to the local spool (es_spool.py) and are replayed when it is back. Nothing
is dropped.

While the cluster is down, the ingest chain's look-ups (input hashes, URLs, recent
fingerprints, pages seen) answer from the spool instead of failing, and for
`breaker_seconds` after a failure writes go straight to the spool rather than waiting
through the retries again.
"""
from __future__ import annotations

import logging
import random
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

import orjson

from nlp.errors import StoreError
from nlp.tokenize import segment_query

from .es_alerts import ClusterAlertState
from .es_crawl import ClusterCrawlState
from .es_docs import add_text, post_doc
from .es_read import ClusterReads
from .es_setup import Layout
from .es_spool import Spool
from .es_wire import BulkItemError, Unreachable, Wire, item_reason
from .esdsl import DslCompiler, Names
from .post import Post
from .store import QuarantineRecord, Store, UpsertResult, last_per_id

log = logging.getLogger(__name__)


class ClusterStore(ClusterReads, Store):
    def __init__(self, wire: Wire, names: Names, *, shards: int = 1, replicas: int = 1,
                 spool_dir: str | Path | None = None, settle_seconds: float = 5.0, refresh: bool = False,
                 chunk_size: int = 500, breaker_seconds: float = 30.0,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        self.wire = wire
        self.names = names
        self.layout = Layout(wire, names, shards, replicas)
        self.compiler = DslCompiler(segment_query)
        self.spool = Spool(spool_dir) if spool_dir else None
        self.settle_seconds = settle_seconds
        self.refresh = refresh
        self.chunk_size = chunk_size
        self.breaker_seconds = breaker_seconds
        self.now = now
        self._month: str | None = None
        self._write_index = names.posts_write
        self._last_stamp = 0
        self._down_until = 0.0
        self._qseq = random.randrange(1000)
        self.crawl = ClusterCrawlState(self)
        self.alerts = ClusterAlertState(self)
        if self.spool:
            self.spool.recover()

    # -- lifecycle -------------------------------------------------------------
    def setup(self) -> list[str]:
        """Install templates, indices and aliases (idempotent); what was created."""
        created = self.layout.install(self.now())
        self._month = None
        self.ready()
        return created

    def ready(self) -> None:
        """Make sure the indices exist and new posts go to the current month's index."""
        month = self.names.posts_month(self.now())
        if month == self._month:
            return
        if self._month is None and not self.layout.ready():
            self.layout.install(self.now())
        else:
            self.layout.ensure_month(self.now())
        # the index the write alias points at, resolved once a month rather than per post
        self._write_index = self.layout.write_index() or self.names.posts_write
        self._month = month

    def close(self) -> None:
        if self.spool:
            self.spool.close()
        self.wire.close()

    def stamp(self) -> int:
        """Microseconds since the epoch, increasing within this process: `stored_at`."""
        self._last_stamp = max(time.time_ns() // 1000, self._last_stamp + 1)
        return self._last_stamp

    # -- the cluster being down ------------------------------------------------
    def down(self) -> bool:
        return self.spool is not None and time.monotonic() < self._down_until

    def went_down(self, error: Unreachable) -> None:
        """Spool from now on, for a while. A cluster this process never reached is more
        likely a wrong store.url than an outage: that is an error, not a reason to spool."""
        if self.spool is None or not self.wire.contacted:
            raise error
        if not self.down():
            log.warning("%s; spooling for the next %.0f s", error, self.breaker_seconds)
        self._down_until = time.monotonic() + self.breaker_seconds

    def spooled(self, kind: str, records: list[dict[str, Any]]) -> None:
        assert self.spool is not None
        self.spool.add(kind, records)

    def replay(self, force: bool = False) -> int:
        """Write what the spool holds, oldest first; returns how many records went in.
        Stops (keeping the rest) if the cluster goes away again."""
        if self.spool is None or (self.down() and not force) or not self.spool.pending():
            return 0
        done = 0
        for claimed, records in self.spool.take():
            i = 0
            try:
                while i < len(records):
                    kind = records[i][0]
                    j = i
                    while j < len(records) and records[j][0] == kind and j - i < self.chunk_size:
                        j += 1
                    self._apply(kind, [data for _, data in records[i:j]])
                    done += j - i
                    i = j
            except Unreachable as e:
                self.spool.put_back(claimed, records[i:])
                self.went_down(e)
                break
            self.spool.done(claimed)
        if done:
            log.info("replayed %d spooled records into the cluster", done)
        return done

    def _apply(self, kind: str, items: list[dict[str, Any]]) -> None:
        if kind == "post":
            self.ready()
            result = self._upsert([Post.from_dict(d) for d in items], spool_failed=False)
            log.info("spooled posts: %d inserted, %d updated, %d unchanged",
                     result.inserted, result.updated, result.unchanged)
        elif kind == "quarantine":
            self._write_quarantine(items)
        else:
            self.crawl.apply(kind, items)

    # -- posts -----------------------------------------------------------------
    def upsert(self, posts: Iterable[Post]) -> UpsertResult:
        posts = last_per_id(posts)
        if not posts:
            return UpsertResult()
        if self.down():
            self._spool_posts(posts)
            return UpsertResult()
        try:
            self.replay()
            if self.down():   # the replay found the cluster still away: do not wait twice
                self._spool_posts(posts)
                return UpsertResult()
            self.ready()
            return self._upsert(posts, spool_failed=self.spool is not None)
        except Unreachable as e:
            self.went_down(e)
            self._spool_posts(posts)
            return UpsertResult()

    def _spool_posts(self, posts: list[Post]) -> None:
        assert self.spool is not None
        self.spool.add_posts(posts)
        log.warning("%d posts spooled to %s", len(posts), self.spool.path)

    def _upsert(self, posts: list[Post], spool_failed: bool) -> UpsertResult:
        result = UpsertResult()
        existing = self._locate([p.id for p in posts], ["doc_hash", "event_id"])
        plan: list[tuple[Post, str]] = []
        actions: list[dict[str, Any]] = []
        for p in posts:
            doc = post_doc(p, self.stamp())
            old = existing.get(p.id)
            if old is not None and old["_source"].get("doc_hash") == doc["doc_hash"]:
                result.unchanged += 1
                continue
            add_text(doc, p)
            if old is not None:
                if not p.event_id and old["_source"].get("event_id"):
                    doc["event_id"] = old["_source"]["event_id"]   # a re-crawl does not know its event
                actions.append({"_op_type": "index", "_index": old["_index"], "_id": p.id, "_source": doc})
                plan.append((p, "updated"))
            else:
                actions.append({"_op_type": "index", "_index": self._write_index, "_id": p.id, "_source": doc})
                plan.append((p, "inserted"))
        outcomes = self.wire.bulk(actions, self.chunk_size, restamp=self._restamp, refresh=self.refresh)
        lost: list[Post] = []
        refused: list[tuple[Post, str]] = []
        for (post, kind), (outcome, info) in zip(plan, outcomes):
            if outcome == "ok":
                setattr(result, kind, getattr(result, kind) + 1)
            elif outcome == "unreachable":
                lost.append(post)
            else:
                refused.append((post, item_reason(info)))
        if refused:
            self._quarantine_refused(refused)
        if lost:
            if not spool_failed:
                raise Unreachable(f"the cluster at {self.wire.url} went away while writing {len(lost)} posts")
            self._spool_posts(lost)
            self._down_until = time.monotonic() + self.breaker_seconds
        return result

    def _restamp(self, action: dict[str, Any]) -> None:
        if "stored_at" in action.get("_source", {}):
            action["_source"]["stored_at"] = self.stamp()

    def _quarantine_refused(self, refused: list[tuple[Post, str]]) -> None:
        records = [QuarantineRecord(source=p.source or "store", raw=orjson.dumps(p.to_dict()).decode(),
                                    error=f"the cluster refused the post: {reason}", stage="store")
                   for p, reason in refused]
        for r in records:
            log.error("quarantined %s: %s", r.source, r.error)
        self.quarantine(records)

    def input_hashes(self, ids: Iterable[str]) -> dict[str, str]:
        ids = list(ids)
        spooled = {i: self.spool.hashes[i] for i in ids if self.spool and i in self.spool.hashes}
        if self.down():
            return spooled
        try:
            found = self._locate(ids, ["input_hash"])
        except Unreachable as e:
            self.went_down(e)
            return spooled
        out = {pid: h["_source"]["input_hash"] for pid, h in found.items() if h["_source"].get("input_hash")}
        return {**spooled, **out}

    def ids_for_urls(self, canonical_urls: Iterable[str]) -> dict[str, str]:
        urls = [u for u in dict.fromkeys(canonical_urls) if u]
        spooled = {u: self.spool.urls[u] for u in urls if self.spool and u in self.spool.urls}
        if self.down():
            return spooled
        try:
            return {**spooled, **self._ids_for_urls(urls)}
        except Unreachable as e:
            self.went_down(e)
            return spooled

    def recent_fingerprints(self, limit: int) -> list[tuple[str, int]]:
        if self.down() or limit <= 0:
            return []
        try:
            return self._recent_fingerprints(limit)
        except Unreachable as e:
            self.went_down(e)
            return []

    def set_event_ids(self, assignments: dict[str, str]) -> int:
        if not assignments:
            return 0
        found = self._locate(assignments, False)
        actions = [{"_op_type": "update", "_index": hit["_index"], "_id": pid, "doc": {"event_id": assignments[pid]}}
                   for pid, hit in found.items()]
        outcomes = self.wire.bulk(actions, self.chunk_size, refresh=self.refresh)
        bad = [(a["_id"], item_reason(info)) for a, (outcome, info) in zip(actions, outcomes) if outcome != "ok"]
        if bad:
            raise StoreError(f"could not set the event of {len(bad)} posts (first: {bad[0][0]}: {bad[0][1]})")
        return len(found)

    # -- quarantine ------------------------------------------------------------
    def quarantine(self, records: Iterable[QuarantineRecord]) -> int:
        now = datetime.now(timezone.utc)
        docs = [{"qid": _qid(r.id if r.id is not None else self._new_qid()), "source": r.source, "raw": r.raw,
                 "error": r.error, "stage": r.stage, "line": r.line,
                 "created_at": (r.created_at or now).isoformat()} for r in records]
        if not docs:
            return 0
        if self.down():
            self.spooled("quarantine", docs)
            return len(docs)
        try:
            self._write_quarantine(docs)
        except Unreachable as e:
            self.went_down(e)
            self.spooled("quarantine", docs)
        return len(docs)

    def _write_quarantine(self, docs: list[dict[str, Any]]) -> None:
        self.ready()
        index = self.names.state("quarantine")
        actions = [{"_op_type": "index", "_index": index, "_id": d["qid"], "_source": d} for d in docs]
        outcomes = self.wire.bulk(actions, self.chunk_size, refresh=self.refresh)
        bad = [item_reason(info) for outcome, info in outcomes if outcome != "ok"]
        if any(outcome == "unreachable" for outcome, _ in outcomes):
            raise Unreachable(f"the cluster at {self.wire.url} went away while writing quarantine records")
        if bad:
            raise StoreError(f"could not quarantine {len(bad)} records: {bad[0]}")

    def write_bulk(self, actions: list[dict[str, Any]], what: str,
                   conflicts_ok: bool = False) -> list[tuple[str, dict[str, Any]]]:
        """Send `actions` in bulk (retried as Wire.bulk does) and return each one's outcome.
        Raises Unreachable when the cluster went away, else the first failure explained
        (a conflict too, unless `conflicts_ok`: create-only writes of what is there)."""
        outcomes = self.wire.bulk(actions, self.chunk_size, refresh=self.refresh)
        if any(o == "unreachable" for o, _ in outcomes):
            raise Unreachable(f"the cluster at {self.wire.url} went away ({what})")
        bad = [info for o, info in outcomes if o == "failed" or (o == "conflict" and not conflicts_ok)]
        if bad:
            raise self.wire.explain(what, bad[0].get("status"), BulkItemError(item_reason(bad[0])))
        return outcomes

    def _new_qid(self) -> int:
        """Milliseconds and a counter: in time order, and below 2**53 (exact in any JSON)."""
        self._qseq = (self._qseq + 1) % 1000
        return (time.time_ns() // 1_000_000) * 1000 + self._qseq

    def quarantined(self, limit: int | None = None) -> list[QuarantineRecord]:
        hits = self.wire.search_all(self.names.state("quarantine"), {"sort": [{"qid": "asc"}]},
                                    "read the quarantine", limit)
        return [QuarantineRecord(source=s.get("source", ""), raw=s.get("raw", ""), error=s.get("error", ""),
                                 stage=s.get("stage", ""), line=s.get("line"), id=int(s["qid"]),
                                 created_at=datetime.fromisoformat(s["created_at"]))
                for s in (h["_source"] for h in hits)]

    def release(self, record_ids: Iterable[int]) -> int:
        ids = list(record_ids)
        index = self.names.state("quarantine")
        actions = [{"_op_type": "delete", "_index": index, "_id": _qid(i)} for i in ids]
        self.wire.bulk(actions, self.chunk_size, refresh=self.refresh)
        return len(ids)


def _qid(n: int) -> str:
    return f"{n:016d}"   # fixed width: the keyword sorts as the number
