"""What the Elasticsearch and OpenSearch backends say to the cluster: index names,
mappings and templates, and the analyst query language compiled to the query DSL.

Both products speak the same DSL, so everything here is plain dicts; only the client
that sends them differs (indexer/elasticsearch.py, indexer/opensearch.py).

Search behaves as on SQLite without any server plugin: the text is segmented here, by
the same jieba dictionary, and indexed space-joined in `body` (and `title_tokens`) with
the built-in whitespace analyzer. The dictionary words inside longer tokens (公益诉讼 in
行政公益诉讼) go into `body_parts` / `title_parts`, so a query word finds them while a
phrase keeps its adjacency. A query word is segmented the same way and becomes a
`match_phrase` over those fields; filters are `term`s on keyword fields; the time window
is a `range` on `ts` (epoch seconds of the post's time, as SQLite's rowids).
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from .query import And, Filter, MatchAll, Node, Not, Or, Phrase, Term, TimeRange

Segmenter = Callable[[str], list[str]]

TEXT_FIELDS = ("title_tokens", "body", "title_parts", "body_parts")
TITLE_FIELDS = ("title_tokens", "title_parts")
_FILTER_FIELD = {"platform": "platform", "sentiment": "sentiment", "topic": "topic", "author": "author",
                 "event": "event_id", "relevant": "relevant", "region": "region_path", "site": "site_domains"}
MAX_WINDOW = 10_000   # from + size of one search (index.max_result_window)


@dataclass(frozen=True)
class Names:
    """Every index and alias of one JianYu installation, from its prefix."""
    prefix: str = "jianyu"

    @property
    def posts(self) -> str:          # read alias over every monthly posts index
        return f"{self.prefix}-posts"

    @property
    def posts_write(self) -> str:    # write alias: the current month's index
        return f"{self.prefix}-posts-write"

    def posts_month(self, when: datetime) -> str:
        return f"{self.prefix}-posts-{when:%Y.%m}"

    @property
    def posts_pattern(self) -> str:
        return f"{self.prefix}-posts-*"

    def state(self, kind: str) -> str:
        return f"{self.prefix}-{kind}"

    def month_of(self, index: str) -> str | None:
        """"2026.11" for a monthly posts index, else None."""
        m = re.fullmatch(re.escape(self.prefix) + r"-posts-(\d{4}\.\d{2})", index)
        return m.group(1) if m else None


# -- mappings --------------------------------------------------------------
_KW = {"type": "keyword"}
_KW_STORED = {"type": "keyword", "index": False, "doc_values": False}
_WS = {"type": "text", "analyzer": "whitespace"}
_RAW = {"type": "text", "index": False}
_DATE = {"type": "date"}
_OBJ = {"type": "object", "enabled": False}   # kept in _source, not indexed

POST_MAPPING: dict[str, Any] = {"dynamic": False, "properties": {
    "id": _KW, "url": _KW, "canonical_url": _KW, "platform": _KW, "site": _KW, "site_domains": _KW,
    "author": _KW, "title": _RAW, "text": _RAW, "title_tokens": _WS, "body": _WS, "title_parts": _WS,
    "body_parts": _WS, "ts": {"type": "date", "format": "epoch_second"}, "published_at": _DATE,
    "crawled_at": _DATE, "stored_at": {"type": "long"}, "lang": _KW, "region": _KW, "region_path": _KW,
    "relevant": _KW, "sentiment": _KW, "topic": _KW, "event_id": _KW, "dup_of": _KW, "source": _KW,
    "fingerprint": _KW, "reposts": {"type": "integer"}, "comments": {"type": "integer"},
    "likes": {"type": "integer"}, "keywords": _KW, "watch_terms": _KW, "input_hash": _KW, "doc_hash": _KW,
}}

STATE_MAPPINGS: dict[str, dict[str, Any]] = {
    "quarantine": {"qid": _KW, "source": _KW, "line": {"type": "integer"}, "stage": _KW, "error": _RAW,
                   "raw": _RAW, "created_at": _DATE},
    "events": {"id": _KW, "title": _RAW, "status": _KW, "first_seen": _DATE, "last_seen": _DATE,
               "post_count": {"type": "integer"}, "level": _KW, "data": _OBJ, "updated_at": _DATE},
    "reports": {"id": _KW, "event_id": _KW, "kind": _KW, "level": _KW, "sent_at": _DATE, "title": _RAW,
                "data": _OBJ, "verdict": _KW, "note": _RAW, "marked_at": _DATE},
    "outbox": {"id": _KW, "report_id": _KW, "channel": _KW, "payload": _OBJ, "status": _KW,
               "attempts": {"type": "integer"}, "next_try": _DATE, "lease_until": _DATE, "worker": _KW,
               "last_error": _RAW, "created_at": _DATE, "sent_at": _DATE},
    "cursors": {"name": _KW, "value": _KW_STORED, "updated_at": _DATE},
    "users": {"username": _KW, "role": _KW, "password_hash": _KW_STORED, "created_at": _DATE},
    "seen": {"url": _KW, "fetched_at": _DATE, "status": {"type": "integer"}, "etag": _KW_STORED,
             "last_modified": _KW_STORED, "lastmod": _KW_STORED, "post_id": _KW},
    "evidence": {"sha256": _KW, "url": _KW, "captured_at": _DATE, "status": {"type": "integer"},
                 "content_type": _KW, "headers": _OBJ, "body_gz": {"type": "binary"}},
    "evidence-links": {"post_id": _KW, "sha256": _KW, "captured_at": _DATE},
    "sources": {"name": _KW, "last_run": _DATE, "last_success": _DATE, "last_post": _DATE,
                "pages": {"type": "long"}, "posts": {"type": "long"}, "errors": {"type": "long"},
                "last_error": _RAW, "rounds": {"type": "long"}},
}


def posts_template(names: Names, shards: int = 1, replicas: int = 1) -> dict[str, Any]:
    """The composable index template every monthly posts index is created from; it also
    puts each new month behind the read alias."""
    return {"index_patterns": [names.posts_pattern], "priority": 200,
            "template": {"settings": {"number_of_shards": shards, "number_of_replicas": replicas},
                         "mappings": POST_MAPPING, "aliases": {names.posts: {}}},
            "_meta": {"managed_by": "jianyu"}}


def state_template(names: Names, kind: str, replicas: int = 1) -> dict[str, Any]:
    return {"index_patterns": [names.state(kind)], "priority": 200,
            "template": {"settings": {"number_of_shards": 1, "number_of_replicas": replicas},
                         "mappings": state_mapping(kind)},
            "_meta": {"managed_by": "jianyu"}}


def state_mapping(kind: str) -> dict[str, Any]:
    return {"dynamic": False, "properties": STATE_MAPPINGS[kind]}


# -- queries ---------------------------------------------------------------
MATCH_ALL: dict[str, Any] = {"match_all": {}}
MATCH_NONE: dict[str, Any] = {"match_none": {}}


class DslCompiler:
    """AST → query DSL, with SQLite's semantics: a word or phrase is matched as a phrase
    of its segmented tokens in the title or body (or their sub-words); `site:` also matches
    sub-domains, `region:` also matches the regions inside it; a word that segments to
    nothing matches nothing."""

    def __init__(self, segment: Segmenter):
        self.segment = segment

    def compile(self, node: Node) -> dict[str, Any]:
        if isinstance(node, MatchAll):
            return MATCH_ALL
        if isinstance(node, (Term, Phrase)):
            tokens = [t for t in self.segment(node.text) if t.strip()]
            if not tokens:
                return MATCH_NONE
            phrase = " ".join(tokens)
            fields = TITLE_FIELDS if node.field == "title" else TEXT_FIELDS
            return {"bool": {"should": [{"match_phrase": {f: phrase}} for f in fields], "minimum_should_match": 1}}
        if isinstance(node, Filter):
            return self.filter(node)
        if isinstance(node, TimeRange):
            return {"range": {"ts": time_range(node.start, node.end)}}
        if isinstance(node, Not):
            return {"bool": {"must_not": [self.compile(node.item)]}}
        if isinstance(node, Or):
            return {"bool": {"should": [self.compile(i) for i in node.items], "minimum_should_match": 1}}
        if isinstance(node, And):
            must, filters, must_not = [], [], []
            for item in node.items:
                if isinstance(item, Not):
                    must_not.append(self.compile(item.item))
                elif isinstance(item, (Filter, TimeRange)):
                    filters.append(self.compile(item))   # no score: a filter does not rank
                else:
                    must.append(self.compile(item))
            clause: dict[str, Any] = {}
            for key, items in (("must", must), ("filter", filters), ("must_not", must_not)):
                if items:
                    clause[key] = items
            return {"bool": clause}
        raise TypeError(node)  # pragma: no cover

    @staticmethod
    def filter(node: Filter) -> dict[str, Any]:
        return {"term": {_FILTER_FIELD[node.field]: node.value}}


def time_range(start: datetime | None, end: datetime | None) -> dict[str, Any]:
    """[start, end) in whole seconds, as the SQLite store compares."""
    r: dict[str, Any] = {"format": "epoch_second"}
    if start is not None:
        r["gte"] = int(start.timestamp())
    if end is not None:
        r["lt"] = int(end.timestamp())
    return r


SORT_TIME_DESC = [{"ts": "desc"}, {"stored_at": "desc"}, {"id": "desc"}]
SORT_TIME_ASC = [{"ts": "asc"}, {"stored_at": "asc"}, {"id": "asc"}]
SORT_RELEVANCE = ["_score", *SORT_TIME_DESC]
SORT_STORED = [{"stored_at": "asc"}, {"id": "asc"}]
HIGHLIGHT = {"encoder": "html", "fields": {f: {"number_of_fragments": 5, "fragment_size": 200} for f in TEXT_FIELDS}}
_MARKED = re.compile(r"<em>(.*?)</em>")


def search_body(query: dict[str, Any], sort: str, limit: int, offset: int, highlight: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"query": query, "from": offset, "size": limit, "track_total_hits": True,
                            "sort": SORT_RELEVANCE if sort == "relevance" else SORT_TIME_DESC}
    if highlight:
        body["highlight"] = HIGHLIGHT
    return body


def marked_tokens(hit: dict[str, Any]) -> list[str]:
    """The tokens the cluster marked as matching in a hit's highlight."""
    out: dict[str, None] = {}
    for fragments in (hit.get("highlight") or {}).values():
        for fragment in fragments:
            for m in _MARKED.finditer(fragment):
                for token in html.unescape(m.group(1)).split():
                    out[token] = None
    return list(out)


def counts_body(query: dict[str, Any], interval: str, group_field: str | None) -> dict[str, Any]:
    """Buckets of an hour or of a day (midnight to midnight in Asia/Shanghai), empty ones left out."""
    hist: dict[str, Any] = {"date_histogram": {"field": "ts", "fixed_interval": "1h" if interval == "hour" else "1d",
                                               "time_zone": "+08:00", "min_doc_count": 1}}
    if group_field:
        hist["aggs"] = {"g": terms_agg(group_field, 10_000)}
    return {"query": query, "size": 0, "track_total_hits": False, "aggs": {"t": hist}}


def terms_agg(field: str, size: int) -> dict[str, Any]:
    """Counts per value, most first, ties by value; posts without the field count under ""."""
    return {"terms": {"field": field, "size": size, "missing": "",
                      "order": [{"_count": "desc"}, {"_key": "asc"}]}}
