"""Reading posts from a cluster: search, counts over time, facets, scans in time order,
and the look-ups the ingest chain makes. Mixed into es_store.ClusterStore."""
from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any, Iterable, Iterator

from nlp.errors import BadInput

from .es_docs import doc_post
from .es_wire import Missing, StoreError, Wire
from .esdsl import (MAX_WINDOW, SORT_STORED, SORT_TIME_ASC, SORT_TIME_DESC, DslCompiler, Names, counts_body,
                    marked_tokens, search_body, terms_agg)
from .highlight import highlight
from .post import SHANGHAI, Post
from .query import Node, positive_terms
from .store import Hit, SearchRequest, SearchResult, check_counts_args, check_facet_fields, check_sort, query_ast

log = logging.getLogger(__name__)

CHUNK = 1000           # ids per look-up request
PIT_KEEP_ALIVE = "5m"   # renewed by every page of a scan


class ClusterReads:
    wire: Wire
    names: Names
    compiler: DslCompiler
    settle_seconds: float

    # -- look-ups by id and URL ----------------------------------------------
    def _locate(self, ids: Iterable[str], source: list[str] | bool) -> dict[str, dict[str, Any]]:
        """id -> hit (with _index and the requested _source fields) of stored posts. A post
        stored twice (in two months, after a race) answers with its newest copy."""
        ids = list(dict.fromkeys(ids))
        out: dict[str, dict[str, Any]] = {}
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i:i + CHUNK]
            body = {"query": {"ids": {"values": chunk}}, "size": 2 * len(chunk), "_source": source,
                    "sort": [{"stored_at": "asc"}]}
            for hit in self._search_posts(body, "look up posts by id")["hits"]["hits"]:
                out[hit["_id"]] = hit
        return out

    def _search_posts(self, body: dict[str, Any], what: str) -> dict[str, Any]:
        """A search on the read alias; a store that was never set up is an empty one."""
        try:
            return self.wire.search(self.names.posts, body, what)
        except Missing:
            return {"hits": {"hits": [], "total": {"value": 0}}, "aggregations": {}}

    def get(self, post_id: str) -> Post | None:
        return self.get_many([post_id]).get(post_id)

    def get_many(self, ids: Iterable[str]) -> dict[str, Post]:
        return {pid: doc_post(hit["_source"], with_tokens=True) for pid, hit in self._locate(ids, True).items()}

    def _ids_for_urls(self, urls: list[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for i in range(0, len(urls), CHUNK):
            chunk = urls[i:i + CHUNK]
            body = {"query": {"terms": {"canonical_url": chunk}}, "size": min(MAX_WINDOW, 4 * len(chunk)),
                    "_source": ["canonical_url", "id"]}
            for hit in self._search_posts(body, "look up posts by URL")["hits"]["hits"]:
                out.setdefault(hit["_source"]["canonical_url"], hit["_source"]["id"])
        return out

    def count(self) -> int:
        try:
            return self.wire.count(self.names.posts)
        except Missing:
            return 0

    # -- search ----------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResult:
        check_sort(request.sort)
        if request.offset + request.limit > MAX_WINDOW:
            raise BadInput(f"a cluster pages through the first {MAX_WINDOW:,} hits only "
                           f"(offset {request.offset} + limit {request.limit}); narrow the query or the time window")
        ast = request.ast()
        terms = positive_terms(ast)
        body = search_body(self.compiler.compile(ast), request.sort, request.limit, request.offset, bool(terms))
        resp = self._search_posts(body, "search posts")
        hits = []
        for h in resp["hits"]["hits"]:
            post = doc_post(h["_source"])
            marks = [*marked_tokens(h), *terms] if terms else []
            hits.append(Hit(post=post, score=float(h.get("_score") or 0.0), highlight=highlight(post.text, marks)))
        return SearchResult(total=int(resp["hits"]["total"]["value"]), hits=hits)

    def counts(self, start: datetime, end: datetime, interval: str = "hour",
               group_by: str | None = None, query: str | Node = "") -> list[tuple[datetime, str, int]]:
        check_counts_args(interval, group_by)
        body = counts_body(self.compiler.compile(query_ast(query, start, end)), interval, group_by)
        resp = self._search_posts(body, "count posts over time")
        rows: list[tuple[datetime, str, int]] = []
        for b in (resp.get("aggregations") or {}).get("t", {}).get("buckets", []):
            when = datetime.fromtimestamp(b["key"] / 1000, SHANGHAI)
            if group_by:
                rows.extend((when, str(g["key"]), g["doc_count"]) for g in b["g"]["buckets"])
            elif b["doc_count"]:
                rows.append((when, "", b["doc_count"]))
        return sorted(rows, key=lambda r: (r[0], r[1]))

    def facets(self, fields: Iterable[str], query: str | Node = "", start: datetime | None = None,
               end: datetime | None = None, size: int = 20) -> dict[str, list[tuple[str, int]]]:
        fields = list(fields)
        check_facet_fields(fields)
        if not fields:
            return {}
        body = {"query": self.compiler.compile(query_ast(query, start, end)), "size": 0, "track_total_hits": False,
                "aggs": {f: terms_agg(f, size) for f in fields}}
        aggs = self._search_posts(body, "count posts per value").get("aggregations") or {}
        return {f: [(str(b["key"]), b["doc_count"]) for b in aggs.get(f, {}).get("buckets", [])] for f in fields}

    # -- streaming -----------------------------------------------------------
    def scan(self, start: datetime | None = None, end: datetime | None = None,
             query: str | Node = "", batch_size: int = 1000) -> Iterator[Post]:
        """Every matching post in time order, through a point in time (a consistent view
        while the scan runs) and search_after."""
        q = self.compiler.compile(query_ast(query, start, end))
        try:
            pit = self.wire.open_pit(self.names.posts, PIT_KEEP_ALIVE)
        except Missing:
            return
        try:
            after = None
            while True:
                body: dict[str, Any] = {"query": q, "size": batch_size, "sort": SORT_TIME_ASC,
                                        "pit": {"id": pit, "keep_alive": PIT_KEEP_ALIVE}, "track_total_hits": False}
                if after is not None:
                    body["search_after"] = after
                resp = self.wire.search_pit(body, "scan posts")
                pit = resp.get("pit_id") or pit
                hits = resp["hits"]["hits"]
                for h in hits:
                    yield doc_post(h["_source"])
                if len(hits) < batch_size:
                    return
                after = hits[-1]["sort"]
        finally:
            try:
                self.wire.close_pit(pit)
            except StoreError:
                log.debug("closing a point in time failed; it expires by itself", exc_info=True)

    def _recent_fingerprints(self, limit: int) -> list[tuple[str, int]]:
        query = {"bool": {"filter": [{"exists": {"field": "fingerprint"}}],
                          "must_not": [{"exists": {"field": "dup_of"}}]}}
        out: list[tuple[str, int]] = []
        after = None
        while len(out) < limit:
            body: dict[str, Any] = {"query": query, "size": min(MAX_WINDOW, limit - len(out)),
                                    "sort": SORT_TIME_DESC, "_source": ["id", "fingerprint"], "track_total_hits": False}
            if after is not None:
                body["search_after"] = after
            hits = self._search_posts(body, "read recent fingerprints")["hits"]["hits"]
            out.extend((h["_source"]["id"], int(h["_source"]["fingerprint"])) for h in hits)
            if len(hits) < body["size"]:
                break
            after = hits[-1]["sort"]
        return out[::-1]

    def stored_since(self, cursor: str | None, limit: int = 1000) -> tuple[list[Post], str]:
        """Posts in the order they were stored; the cursor is the `stored_at` (microseconds)
        of the last one returned. A page never ends inside a group of posts with the same
        `stored_at` (stamps are unique within a process, not across processes), so the next
        page, `stored_at > cursor`, misses none.

        Only posts stored at least `settle_seconds` ago are returned: on a cluster, a write
        becomes visible to search a moment after it is made (refresh), and a bulk another
        worker started earlier may land later; reading behind that margin, the cursor never
        passes a post that is not visible yet."""
        after = _parse_cursor(cursor)
        limit = max(1, min(limit, MAX_WINDOW - 1))
        window: dict[str, Any] = {"lte": self._settled()}
        if after is not None:
            window["gt"] = after
        body: dict[str, Any] = {"query": {"range": {"stored_at": window}}, "size": limit + 1,
                                "sort": SORT_STORED, "track_total_hits": False}
        hits = self._search_posts(body, "read newly stored posts")["hits"]["hits"]
        if len(hits) > limit:
            last = hits[limit]["_source"]["stored_at"]
            page = [h for h in hits[:limit] if h["_source"]["stored_at"] != last]
            if not page:   # one stamp shared by more than `limit` posts: return them all
                body = {"query": {"term": {"stored_at": last}}, "size": MAX_WINDOW, "sort": SORT_STORED}
                page = self._search_posts(body, "read newly stored posts")["hits"]["hits"]
            hits = page
        posts = [doc_post(h["_source"], with_tokens=True) for h in hits]
        if not hits:
            return posts, cursor or "0"
        return posts, str(hits[-1]["_source"]["stored_at"])

    def _settled(self) -> int:
        """The newest `stored_at` (microseconds) a reader may trust: older than settle_seconds."""
        return (time.time_ns() // 1000) - int(self.settle_seconds * 1_000_000)

    def newest_cursor(self) -> str:
        """The `stored_at` of the newest settled post (see `stored_since`), or "0"."""
        body = {"query": {"range": {"stored_at": {"lte": self._settled()}}}, "size": 1, "_source": ["stored_at"],
                "sort": [{"stored_at": "desc"}], "track_total_hits": False}
        hits = self._search_posts(body, "find the newest stored post")["hits"]["hits"]
        return str(hits[0]["_source"]["stored_at"]) if hits else "0"


def _parse_cursor(cursor: str | None) -> int | None:
    if not cursor or cursor == "0":
        return None
    if not cursor.isdigit():
        raise BadInput(f"not a cursor of this store: {cursor!r}")
    return int(cursor)
