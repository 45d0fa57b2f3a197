"""The item pipeline: hands crawled posts to the same ingest chain `jianyu ingest` uses.

Posts go to the chain in batches: the chain's per-call work (one store lookup for known
hashes, one tagger call that vectorizes the whole batch, one SQLite transaction) is then
paid once for many posts. A batch is handed over when it is full (``JIANYU_BATCH_SIZE``,
200), when its oldest post has waited ``JIANYU_BATCH_SECONDS`` (2 s; checked as posts
arrive) and when the spider closes. A batch the chain cannot take (the store failing) is
quarantined post by post, so nothing crawled is lost.
"""
from __future__ import annotations

import logging
import time

from scrapy.exceptions import DropItem

from indexer.crawlstate import SeenPage
from indexer.ingest import Incoming, quarantine_record
from indexer.post import Post

from .context import CrawlContext
from .process import tune_process

log = logging.getLogger(__name__)


class IngestPipeline:
    def __init__(self, crawler, batch_size: int = 200, max_wait: float = 2.0, clock=time.monotonic):
        self.crawler = crawler
        self.batch_size = max(1, batch_size)
        self.max_wait = max_wait
        self.clock = clock
        self.batch: list[Post] = []
        self.since = 0.0              # when the oldest post of the batch arrived

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getint("JIANYU_BATCH_SIZE", 200),
                   crawler.settings.getfloat("JIANYU_BATCH_SECONDS", 2.0))

    @property
    def context(self) -> CrawlContext:
        """The round's context, which crawlers.run hands every spider."""
        return self.crawler.spider.context

    def process_item(self, item):
        if not isinstance(item, Post):
            raise DropItem(f"not a Post but {type(item).__name__}")
        now = self.clock()
        if not self.batch:
            self.since = now
        self.batch.append(item)
        if len(self.batch) >= self.batch_size or now - self.since >= self.max_wait:
            self.flush()
        return item

    def open_spider(self) -> None:
        tune_process()   # the crawl process is ours from here on (crawlers.process)

    def close_spider(self) -> None:
        self.flush()
        self.context.flush_seen()

    def flush(self) -> None:
        if not self.batch:
            return
        posts, self.batch = self.batch, []
        source = self.crawler.spider.source.name
        first_ids = [p.id for p in posts]  # the chain may map a post to an already stored id
        try:
            summary = self.context.chain.process([Incoming(source, p) for p in posts])
        except Exception as e:  # the store failing: keep the batch in quarantine, re-runnable
            self._quarantine(source, posts, first_ids, e)
            return
        self.context.report(source).ingest.add(summary)
        stored = self.context.store.input_hashes(p.id for p in posts)
        kept = {first: p.id for first, p in zip(first_ids, posts) if p.id in stored}
        keep = [(kept[first], ev) for first, ev in self.context.take_evidence(list(kept))]
        self.context.drop_evidence(first_ids)
        if keep:
            self.context.store.crawl.save_evidence(keep)
        now = self.context.now()
        self.context.mark_seen([SeenPage(url=p.canonical_url, fetched_at=now, post_id=p.id)
                                for p in posts if p.url and p.id in stored])
        self.context.flush_seen()   # with the batch's posts stored, their pages are known
        log.info("%s: %d posts → stored %d, updated %d, duplicates %d, filtered %d, quarantined %d",
                 source, summary.read, summary.stored, summary.updated, summary.duplicates,
                 summary.filtered, summary.quarantined)

    def _quarantine(self, source: str, posts: list[Post], first_ids: list[str], error: Exception) -> None:
        message = f"{type(error).__name__}: {error}"
        log.error("%s: a batch of %d posts could not be ingested (%s); quarantining it",
                  source, len(posts), message, exc_info=error)
        self.context.drop_evidence(first_ids)      # not stored: let it go
        rep = self.context.report(source)
        rep.errors += 1
        rep.last_error = message[:300]
        rep.ingest.read += len(posts)
        rep.ingest.quarantined += len(posts)
        rep.ingest.reasons[message.split(":")[0][:60]] += len(posts)
        try:
            self.context.store.quarantine([quarantine_record(Incoming(source, p), "ingest", message) for p in posts])
        except Exception:
            log.critical("%s: the quarantine failed too; these posts are lost: %s",
                         source, " ".join(p.url or p.id for p in posts))
            raise
