"""indexer.crawlstate on a cluster: pages seen, evidence, source health, an index each,
with the methods of sqlite_crawl.CrawlState.

The crawler must not stop when the cluster does: while it is unreachable, `seen`
answers "not seen" (the page is fetched again), and what would be written goes to the
store's spool and is replayed later (`apply`).
"""
from __future__ import annotations

import base64
import hashlib
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable

from .crawlstate import Evidence, SeenPage, SourceHealth, iso, parse_iso
from .es_spool import unbytes
from .es_wire import Conflict, Missing, Unreachable

if TYPE_CHECKING:
    from .es_store import ClusterStore

log = logging.getLogger(__name__)
CHUNK = 1000
TRIES = 5


def _key(*parts: str) -> str:
    """A document id for values that may be longer than an _id may be (512 bytes)."""
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


class ClusterCrawlState:
    def __init__(self, store: "ClusterStore"):
        self.store = store

    def _index(self, kind: str) -> str:
        return self.store.names.state(kind)

    def _mget(self, kind: str, ids: list[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        wire = self.store.wire
        for i in range(0, len(ids), CHUNK):
            try:
                resp = wire.call(f"read {kind}", wire.client.mget, index=self._index(kind),
                                 body={"ids": ids[i:i + CHUNK]})
            except Missing:
                return out
            out.update((d["_id"], d["_source"]) for d in resp["docs"] if d.get("found"))
        return out

    # -- pages seen --------------------------------------------------------------
    def seen(self, urls: Iterable[str]) -> dict[str, SeenPage]:
        urls = list(dict.fromkeys(urls))
        if self.store.down():
            return {}
        try:
            docs = self._mget("seen", [_key(u) for u in urls])
        except Unreachable as e:
            self.store.went_down(e)
            return {}
        out = {}
        for u in urls:
            s = docs.get(_key(u))
            if s is not None:
                out[u] = SeenPage(u, parse_iso(s.get("fetched_at")), s.get("status") or 0, s.get("etag") or "",
                                  s.get("last_modified") or "", s.get("lastmod") or "", s.get("post_id") or "")
        return out

    def mark_seen(self, pages: Iterable[SeenPage]) -> None:
        docs = [{"url": p.url, "fetched_at": iso(p.fetched_at), "status": p.status, "etag": p.etag,
                 "last_modified": p.last_modified, "lastmod": p.lastmod, "post_id": p.post_id} for p in pages]
        if docs:
            self._write("seen", docs)

    def _mark_seen(self, docs: list[dict[str, Any]]) -> None:
        """A later record that does not know a value keeps the one already there."""
        latest: dict[str, dict[str, Any]] = {}
        for d in docs:
            key = _key(d["url"])
            old = latest.get(key)
            latest[key] = d if old is None else _merge_seen(old, d)
        old_docs = self._mget("seen", list(latest))
        actions = [{"_op_type": "index", "_index": self._index("seen"), "_id": key,
                    "_source": _merge_seen(old_docs[key], d) if key in old_docs else d}
                   for key, d in latest.items()]
        self.store.write_bulk(actions, "mark pages seen")

    # -- evidence ----------------------------------------------------------------
    def save_evidence(self, items: Iterable[tuple[str, Evidence]]) -> None:
        docs = [{"post_id": pid, "sha256": ev.sha256, "url": ev.url, "captured_at": iso(ev.captured_at),
                 "status": ev.status, "content_type": ev.content_type, "headers": dict(ev.headers),
                 "body_gz": ev.body_gz} for pid, ev in items]
        if docs:
            self._write("evidence", docs)

    def _save_evidence(self, docs: list[dict[str, Any]]) -> None:
        """One body stored once, however many posts it holds; neither is ever overwritten."""
        actions: list[dict[str, Any]] = []
        bodies: set[str] = set()
        for d in docs:
            body = d["body_gz"] if isinstance(d["body_gz"], bytes) else unbytes(d["body_gz"])
            if d["sha256"] not in bodies:
                bodies.add(d["sha256"])
                actions.append({"_op_type": "create", "_index": self._index("evidence"), "_id": d["sha256"],
                                "_source": {"sha256": d["sha256"], "url": d["url"], "captured_at": d["captured_at"],
                                            "status": d["status"], "content_type": d["content_type"],
                                            "headers": d["headers"], "body_gz": base64.b64encode(body).decode()}})
            actions.append({"_op_type": "create", "_index": self._index("evidence-links"),
                            "_id": _key(d["post_id"], d["sha256"]),
                            "_source": {"post_id": d["post_id"], "sha256": d["sha256"],
                                        "captured_at": d["captured_at"]}})
        self.store.write_bulk(actions, "save evidence", conflicts_ok=True)

    def evidence_for(self, post_id: str) -> list[Evidence]:
        body = {"query": {"term": {"post_id": post_id}}, "size": 1000,
                "sort": [{"captured_at": "asc"}, {"sha256": "asc"}]}
        try:
            links = self.store.wire.search(self._index("evidence-links"), body, "read evidence")["hits"]["hits"]
        except Missing:
            return []
        shas = [h["_source"]["sha256"] for h in links]
        docs = self._mget("evidence", list(dict.fromkeys(shas)))
        out = []
        for sha in shas:
            s = docs.get(sha)
            if s is not None:
                out.append(Evidence(sha, s.get("url", ""), parse_iso(s.get("captured_at")), s.get("status") or 0,
                                    s.get("content_type", ""), base64.b64decode(s.get("body_gz") or ""),
                                    dict(s.get("headers") or {})))
        return out

    # -- source health -----------------------------------------------------------
    def health(self) -> list[SourceHealth]:
        body = {"query": {"match_all": {}}, "size": 10_000, "sort": [{"name": "asc"}]}
        try:
            hits = self.store.wire.search(self._index("sources"), body, "read source health")["hits"]["hits"]
        except Missing:
            return []
        return [_health(h["_source"]) for h in hits]

    def record_round(self, name: str, at: datetime, pages: int, posts: int, errors: int,
                     last_error: str, succeeded: bool) -> SourceHealth:
        """Add one crawl round to a source's health record (a conditional write: two
        crawlers finishing at once both count)."""
        args = {"name": name, "at": iso(at), "pages": pages, "posts": posts, "errors": errors,
                "last_error": last_error, "succeeded": succeeded}
        if not self.store.down():
            try:
                return self._record_round(args)
            except Unreachable as e:
                self.store.went_down(e)
        self.store.spooled("round", [args])
        return _add_round(SourceHealth(name), args)

    def put_health(self, records: Iterable[SourceHealth]) -> None:
        """Write health records as they are (moving a store; not for crawl rounds)."""
        index = self._index("sources")
        actions = [{"_op_type": "index", "_index": index, "_id": h.name, "_source": _health_doc(h)} for h in records]
        if actions:
            self.store.ready()
            self.store.write_bulk(actions, "write source health")

    def _record_round(self, args: dict[str, Any]) -> SourceHealth:
        self.store.ready()
        wire, index, name = self.store.wire, self._index("sources"), args["name"]
        for _ in range(TRIES):
            doc = wire.get(index, name)
            old = _health(doc["_source"]) if doc else SourceHealth(name)
            new = _add_round(old, args)
            src = _health_doc(new)
            try:
                if doc is None:
                    wire.put(index, name, src, create=True, refresh=self.store.refresh)
                else:
                    wire.put(index, name, src, seq_no=doc["_seq_no"], primary_term=doc["_primary_term"],
                             refresh=self.store.refresh)
                return new
            except Conflict:
                continue
        raise Conflict(f"source {name}: its health record kept changing; round not recorded")

    # -- writing, or spooling ----------------------------------------------------
    def _write(self, kind: str, docs: list[dict[str, Any]]) -> None:
        if not self.store.down():
            try:
                self.apply(kind, docs)
                return
            except Unreachable as e:
                self.store.went_down(e)
        self.store.spooled(kind, docs)

    def apply(self, kind: str, docs: list[dict[str, Any]]) -> None:
        """Write records of one kind (also those replayed from the spool)."""
        self.store.ready()
        if kind == "seen":
            self._mark_seen(docs)
        elif kind == "evidence":
            self._save_evidence(docs)
        elif kind == "round":
            for args in docs:
                self._record_round(args)
        else:
            raise ValueError(kind)


def _merge_seen(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    merged = dict(new)
    for k in ("etag", "last_modified", "lastmod", "post_id"):
        if not new.get(k):
            merged[k] = old.get(k, "")
    return merged


def _add_round(old: SourceHealth, a: dict[str, Any]) -> SourceHealth:
    """`old` with the round `a` (as record_round spools it) added."""
    return old.after_round(parse_iso(a["at"]), a["pages"], a["posts"], a["errors"], a["last_error"], a["succeeded"])


def _health_doc(h: SourceHealth) -> dict[str, Any]:
    return {"name": h.name, "last_run": iso(h.last_run), "last_success": iso(h.last_success),
            "last_post": iso(h.last_post), "pages": h.pages, "posts": h.posts, "errors": h.errors,
            "last_error": h.last_error, "rounds": h.rounds}


def _health(s: dict[str, Any]) -> SourceHealth:
    return SourceHealth(s["name"], parse_iso(s.get("last_run")), parse_iso(s.get("last_success")),
                        parse_iso(s.get("last_post")), s.get("pages") or 0, s.get("posts") or 0,
                        s.get("errors") or 0, s.get("last_error") or "", s.get("rounds") or 0)
