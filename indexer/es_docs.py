"""A Post as a cluster document and back.

Empty values are left out of the document rather than written as "": a keyword field
holds a value or nothing, so counting per value (`missing: ""` in esdsl.terms_agg) has
one bucket for "none", as SQLite's NULL and "" both count under "".
"""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import orjson

from nlp.labels import Platform, Sentiment, Topic
from nlp.tokenize import subwords, tokenize

from .post import Post
from .urls import canonical_url

# Everything but these decides whether a stored post changed: when it was stored and
# crawled, its event (assigned later by set_event_ids, and unknown to a re-crawl), and the
# fields derived from its text.
_NOT_CONTENT = ("stored_at", "crawled_at", "event_id", "doc_hash")
_ORDER = orjson.OPT_SORT_KEYS


def post_doc(post: Post, stored_at: int) -> dict[str, Any]:
    """The document of a post, without its segmented text (`add_text` adds it), with the
    digest of its content in `doc_hash`. `stored_at` is microseconds since the epoch (the
    order `stored_since` follows)."""
    doc: dict[str, Any] = {"id": post.id, "ts": int(post.when.timestamp()), "stored_at": stored_at,
                           "text": post.text, "platform": post.platform.value, "reposts": post.reposts,
                           "comments": post.comments, "likes": post.likes}
    for name in ("url", "site", "author", "title", "lang", "region", "event_id", "dup_of", "source", "input_hash"):
        value = getattr(post, name)
        if value:
            doc[name] = value
    if post.url:
        doc["canonical_url"] = canonical_url(post.url)
    if post.site:
        doc["site_domains"] = site_domains(post.site)
    if post.region:
        doc["region_path"] = region_path(post.region)
    if post.published_at:
        doc["published_at"] = post.published_at.isoformat()
    if post.crawled_at:
        doc["crawled_at"] = post.crawled_at.isoformat()
    if post.relevant is not None:
        doc["relevant"] = "true" if post.relevant else "false"
    if post.sentiment:
        doc["sentiment"] = post.sentiment.value
    if post.topic:
        doc["topic"] = post.topic.value
    if post.fingerprint:
        doc["fingerprint"] = str(post.fingerprint)   # 64-bit: a JSON number would lose bits
    if post.keywords:
        doc["keywords"] = list(post.keywords)
    if post.watch_terms:
        doc["watch_terms"] = list(post.watch_terms)
    content = {k: v for k, v in doc.items() if k not in _NOT_CONTENT}
    doc["doc_hash"] = hashlib.blake2b(orjson.dumps(content, option=_ORDER), digest_size=12).hexdigest()
    return doc


def add_text(doc: dict[str, Any], post: Post) -> dict[str, Any]:
    """The segmented title and body, and the dictionary words inside their tokens."""
    body = post.tokens or tokenize(post.text)
    doc["body"] = " ".join(body)
    parts = subwords(body)
    if parts:
        doc["body_parts"] = " ".join(parts)
    if post.title:
        title = tokenize(post.title)
        if title:
            doc["title_tokens"] = " ".join(title)
            title_parts = subwords(title)
            if title_parts:
                doc["title_parts"] = " ".join(title_parts)
    return doc


def full_doc(post: Post, stored_at: int) -> dict[str, Any]:
    return add_text(post_doc(post, stored_at), post)


def doc_post(src: dict[str, Any], with_tokens: bool = False) -> Post:
    rel = src.get("relevant")
    return Post(
        id=src["id"], text=src.get("text", ""), url=src.get("url", ""),
        platform=Platform(src["platform"]) if src.get("platform") else Platform.OTHER,
        site=src.get("site", ""), author=src.get("author", ""), title=src.get("title", ""),
        published_at=datetime.fromisoformat(src["published_at"]) if src.get("published_at") else None,
        crawled_at=datetime.fromisoformat(src["crawled_at"]) if src.get("crawled_at") else None,
        lang=src.get("lang", ""), region=src.get("region", ""),
        tokens=src.get("body", "").split() if with_tokens else [],
        keywords=list(src.get("keywords") or []), event_id=src.get("event_id", ""),
        reposts=src.get("reposts") or 0, comments=src.get("comments") or 0, likes=src.get("likes") or 0,
        relevant=None if rel is None else rel == "true",
        sentiment=Sentiment(src["sentiment"]) if src.get("sentiment") else None,
        topic=Topic(src["topic"]) if src.get("topic") else None,
        source=src.get("source", ""), dup_of=src.get("dup_of", ""),
        fingerprint=int(src.get("fingerprint") or 0), watch_terms=list(src.get("watch_terms") or []),
        input_hash=src.get("input_hash", ""),
    )


def site_domains(site: str) -> list[str]:
    """m.weibo.com → [m.weibo.com, weibo.com, com]: `site:weibo.com` finds sub-domains too."""
    labels = site.split(".")
    return [".".join(labels[i:]) for i in range(len(labels)) if labels[i]]


def region_path(region: str) -> list[str]:
    """广东省/深圳市 → [广东省, 广东省/深圳市]: `region:广东省` finds the regions inside it."""
    parts = region.split("/")
    return ["/".join(parts[:i + 1]) for i in range(len(parts))]
