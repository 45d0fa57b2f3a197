"""The ingest chain: normalize → watch filter → dedup → tag → store.

Plain Python that knows nothing of Scrapy: the crawler's item pipeline and
`jianyu ingest FILE` both feed it. Each post ends with exactly one outcome
(stored, updated, duplicate, filtered, quarantined), logged and counted. Nothing is
lost silently: a post that cannot be processed is quarantined with its error.
"""
from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import orjson

from nlp.errors import PostError
from nlp.keywords import keywords
from nlp.normalize import normalize
from nlp.region import detect_region
from nlp.simhash import NearDupIndex, simhash
from nlp.tagger import Tagger
from nlp.tokenize import tokenize
from nlp.watch import WatchList

from .post import Post
from .store import QuarantineRecord, Store

log = logging.getLogger(__name__)

MAX_LINE_BYTES = 20 * 1024 * 1024   # a line larger than this is quarantined unread
MAX_RAW_KEPT = 1024 * 1024          # quarantine keeps at most this much of a raw line
OUTCOMES = ("stored", "updated", "duplicates", "filtered", "quarantined")


@dataclass
class Summary:
    read: int = 0
    stored: int = 0
    updated: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    filtered: int = 0
    quarantined: int = 0
    reasons: Counter = field(default_factory=Counter)

    def add(self, other: "Summary") -> None:
        for name in ("read", "stored", "updated", "duplicates", "near_duplicates", "filtered", "quarantined"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.reasons.update(other.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {"read": self.read, "stored": self.stored, "updated": self.updated,
                "duplicates": self.duplicates, "near_duplicates": self.near_duplicates,
                "filtered": self.filtered, "quarantined": self.quarantined,
                "reasons": dict(self.reasons)}


@dataclass
class Incoming:
    """One raw record on its way in: a decoded JSON object or a Post, with where it came from."""
    source: str
    data: dict[str, Any] | Post | None
    line: int | None = None
    raw: str = ""
    error: str = ""          # set when the record could not even be read
    nbytes: int = 0          # size of the raw line, for progress


class IngestChain:
    def __init__(self, store: Store, tagger: Tagger | None, watch: WatchList, *,
                 keep_labels: bool = False, near_dup_window: int = 200_000, batch_size: int = 500,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        self.store = store
        self.tagger = tagger
        self.watch = watch
        self.keep_labels = keep_labels
        self.batch_size = batch_size
        self.now = now
        self.near = NearDupIndex(max_items=max(near_dup_window, 1))
        if near_dup_window:
            for pid, fp in store.recent_fingerprints(near_dup_window):
                self.near.add(pid, fp)
        self._warm_up()

    def _warm_up(self) -> None:
        """Load what the stages load on first use (the segmenter and its dictionary, the
        IDF table, the gazetteer, the SimHash character table) now, while the chain is
        built, and not in the middle of the first batch of a crawl."""
        sample = "青石县人民检察院依法提起公诉"
        tokens = tokenize(sample)
        keywords(tokens)
        simhash(tokens)
        detect_region(sample, "")

    # -- driving -----------------------------------------------------------------
    def run(self, records: Iterable[Incoming], progress: Callable[[int], None] | None = None) -> Summary:
        total = Summary()
        batch: list[Incoming] = []
        for rec in records:
            batch.append(rec)
            if len(batch) >= self.batch_size:
                total.add(self.process(batch))
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            total.add(self.process(batch))
            if progress:
                progress(len(batch))
        return total

    def process(self, records: list[Incoming]) -> Summary:
        summary, bad = self._process(records)
        if bad:
            self.store.quarantine(bad)
        return summary

    def _process(self, records: list[Incoming]) -> tuple[Summary, list[QuarantineRecord]]:
        """Run a batch through the chain; returns the summary and the records that failed."""
        s = Summary(read=len(records))
        bad: list[QuarantineRecord] = []
        posts = self._normalize(records, bad)
        posts = self._watch(posts, s)
        posts = self._dedup(posts, s)
        try:
            self._tag([p for _, p in posts])
        except Exception as e:  # a model fault must not lose the batch
            log.exception("tagging failed for a batch of %d posts", len(posts))
            bad.extend(quarantine_record(rec, "tag", f"{type(e).__name__}: {e}") for rec, _ in posts)
            posts = []
        self._store([p for _, p in posts], s)
        s.quarantined += len(bad)
        for q in bad:
            s.reasons[q.error.split(":")[0][:60]] += 1
            log.warning("quarantined %s%s: %s", q.source, f":{q.line}" if q.line else "", q.error)
        return s, bad

    # -- stages ------------------------------------------------------------------
    def _normalize(self, records: list[Incoming], bad: list[QuarantineRecord]) -> list[tuple[Incoming, Post]]:
        out = []
        for rec in records:
            try:
                out.append((rec, self._prepare(rec)))
            except PostError as e:
                bad.append(quarantine_record(rec, "normalize", str(e)))
        return out

    def _prepare(self, rec: Incoming) -> Post:
        if rec.error:
            raise PostError(rec.error)
        post = rec.data if isinstance(rec.data, Post) else Post.from_dict(rec.data or {})
        post.text = normalize(post.text)
        post.title = normalize(post.title) if post.title else ""
        if not post.text:
            raise PostError("no text after normalization (markup or control characters only)")
        if not post.source:
            post.source = rec.source
        if post.crawled_at is None:
            post.crawled_at = self.now()
        if not self.keep_labels:
            post.relevant = post.sentiment = post.topic = None
        return post

    def _watch(self, posts: list[tuple[Incoming, Post]], s: Summary) -> list[tuple[Incoming, Post]]:
        out = []
        for rec, post in posts:
            matched = self.watch.match(post.title + "\n" + post.text)
            if matched:
                post.watch_terms = matched
                out.append((rec, post))
            else:
                s.filtered += 1
                s.reasons["no watch term"] += 1
                log.debug("filtered %s (%s:%s): no watch term", post.id, rec.source, rec.line)
        return out

    def _dedup(self, posts: list[tuple[Incoming, Post]], s: Summary) -> list[tuple[Incoming, Post]]:
        """Same post again (same id, or same canonical URL under another id) with the
        same content: dropped before any tagging. Then near-duplicates are marked."""
        self._resolve_urls([p for _, p in posts])
        latest: dict[str, tuple[Incoming, Post]] = {}
        for rec, post in posts:
            post.input_hash = input_hash(post, self.keep_labels)
            if latest.pop(post.id, None) is not None:
                s.duplicates += 1  # the same id earlier in this batch: the later one wins
            latest[post.id] = (rec, post)
        stored = self.store.input_hashes(latest)
        out = []
        for pid, (rec, post) in latest.items():
            if stored.get(pid) == post.input_hash:
                s.duplicates += 1
                log.debug("duplicate %s (%s:%s): stored already, unchanged", pid, rec.source, rec.line)
            else:
                out.append((rec, post))
        for _, p in out:
            full = p.title + "\n" + p.text if p.title else p.text
            p.tokens = tokenize(full)
            p.fingerprint = simhash(p.tokens)
        s.near_duplicates += self._mark_near_duplicates([p for _, p in out])
        return out

    def _resolve_urls(self, posts: list[Post]) -> None:
        """A post whose canonical URL is stored under another id is that post."""
        urls = {p.canonical_url: p for p in posts if p.url}
        known = self.store.ids_for_urls(urls)
        for p in posts:
            old = known.get(p.canonical_url) if p.url else None
            if old and old != p.id:
                log.debug("post %s is stored as %s (same URL)", p.id, old)
                p.id = old

    def _mark_near_duplicates(self, posts: list[Post]) -> int:
        n = 0
        for p in posts:
            if not p.fingerprint:
                continue
            first = self.near.find(p.fingerprint)
            if first and first != p.id:
                p.dup_of = first
                n += 1
            else:
                p.dup_of = ""
                self.near.add(p.id, p.fingerprint)
        return n

    def _tag(self, posts: list[Post]) -> None:
        texts = []
        for p in posts:
            full = p.title + "\n" + p.text if p.title else p.text
            p.keywords = keywords(p.tokens)
            if not p.region:
                p.region = detect_region(full, p.site)
            texts.append(full)
        need = [i for i, p in enumerate(posts) if p.relevant is None or p.sentiment is None or p.topic is None]
        if not need:
            return
        if self.tagger is None:
            raise PostError("no tagger loaded")
        labels = self.tagger.predict([texts[i] for i in need], [posts[i].tokens for i in need])
        for i, lab in zip(need, labels):
            posts[i].relevant, posts[i].sentiment, posts[i].topic = lab.relevant, lab.sentiment, lab.topic

    def _store(self, posts: list[Post], s: Summary) -> None:
        if not posts:
            return
        result = self.store.upsert(posts)
        s.stored += result.inserted
        s.updated += result.updated
        s.duplicates += result.unchanged
        for p in posts:
            log.debug("stored %s %s/%s/%s", p.id, p.relevant, p.sentiment, p.topic)


def input_hash(post: Post, with_labels: bool = False) -> str:
    """A digest of what a post arrived with (before tagging), to know a re-crawled or
    re-imported post is unchanged without tagging it again."""
    fields = [post.id, post.url, post.platform.value, post.site, post.author, post.title, post.text,
              post.published_at.isoformat() if post.published_at else None, post.lang, post.region,
              post.event_id, post.reposts, post.comments, post.likes]
    if with_labels:
        fields += [post.relevant, post.sentiment.value if post.sentiment else None,
                   post.topic.value if post.topic else None]
    return hashlib.blake2b(orjson.dumps(fields), digest_size=12).hexdigest()


def quarantine_record(rec: Incoming, stage: str, error: str) -> QuarantineRecord:
    """The quarantine entry of a record: its raw line, or the post as JSON, so that
    `retry_quarantine` can run it again."""
    raw = rec.raw
    if not raw and rec.data is not None:
        data = rec.data.to_dict() if isinstance(rec.data, Post) else rec.data
        raw = orjson.dumps(data, default=str).decode()
    return QuarantineRecord(source=rec.source, line=rec.line, stage=stage, error=error, raw=raw[:MAX_RAW_KEPT])


def read_jsonl(path: Path, source: str | None = None) -> Iterator[Incoming]:
    """Stream a JSONL file as Incoming records; a line that is not a JSON object comes
    through with its error so the chain quarantines it. Reading never stops early."""
    source = source or str(path)
    with open(path, "rb") as fh:
        for no, line in enumerate(fh, 1):
            if line.strip():  # blank lines separate nothing and carry no post
                yield decode_line(line, source, no)


def decode_line(line: bytes, source: str, no: int | None) -> Incoming:
    rec = _decode_line(line, source, no)
    rec.nbytes = len(line)
    return rec


def _decode_line(line: bytes, source: str, no: int | None) -> Incoming:
    if len(line) > MAX_LINE_BYTES:
        return Incoming(source, None, no, raw=line[:MAX_RAW_KEPT].decode("utf-8", "replace"),
                        error=f"line of {len(line)} bytes is over the {MAX_LINE_BYTES} byte limit")
    stripped = line.strip()
    if not stripped:
        return Incoming(source, None, no, error="empty line")
    try:
        text = stripped.decode("utf-8")
    except UnicodeDecodeError as e:
        return Incoming(source, None, no, raw=stripped.decode("utf-8", "backslashreplace"),
                        error=f"not UTF-8 text (byte {e.start})")
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as e:
        return Incoming(source, None, no, raw=text, error=f"invalid JSON: {e}")
    if not isinstance(data, dict):
        return Incoming(source, None, no, raw=text, error=f"a post must be a JSON object, not {type(data).__name__}")
    return Incoming(source, data, no, raw=text)


def retry_quarantine(chain: IngestChain, limit: int | None = None) -> tuple[Summary, int]:
    """Re-run quarantined records through the chain; those that now go through are
    released, the others stay quarantined as they were. Returns the summary and the
    number released."""
    summary = Summary()
    released: list[int] = []
    for q in chain.store.quarantined(limit):
        rec = decode_line(q.raw.encode("utf-8"), q.source, q.line)
        s, bad = chain._process([rec])
        summary.add(s)
        if not bad and q.id is not None:
            released.append(q.id)
    chain.store.release(released)
    return summary, len(released)
