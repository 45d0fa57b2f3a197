"""The item pipeline: hands crawled posts to the same ingest chain `jianyu ingest` uses."""
from __future__ import annotations

import logging

from scrapy.exceptions import DropItem

from indexer.crawlstate import SeenPage
from indexer.ingest import Incoming
from indexer.post import Post

from .context import CrawlContext

log = logging.getLogger(__name__)


class IngestPipeline:
    def __init__(self, crawler, batch_size: int = 200):
        self.crawler = crawler
        self.batch_size = batch_size
        self.batch: list[Post] = []

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler, crawler.settings.getint("JIANYU_BATCH_SIZE", 200))

    @property
    def context(self) -> CrawlContext:
        """The round's context, which crawlers.run hands every spider."""
        return self.crawler.spider.context

    def process_item(self, item):
        if not isinstance(item, Post):
            raise DropItem(f"not a Post but {type(item).__name__}")
        self.batch.append(item)
        if len(self.batch) >= self.batch_size:
            self.flush()
        return item

    def close_spider(self) -> None:
        self.flush()

    def flush(self) -> None:
        if not self.batch:
            return
        posts, self.batch = self.batch, []
        source = self.crawler.spider.source.name
        first_ids = [p.id for p in posts]  # the chain may map a post to an already stored id
        summary = self.context.chain.process([Incoming(source, p) for p in posts])
        self.context.report(source).ingest.add(summary)
        stored = self.context.store.input_hashes(p.id for p in posts)
        evidence = dict(self.context.take_evidence(first_ids))
        keep = [(p.id, evidence[first]) for first, p in zip(first_ids, posts) if p.id in stored and first in evidence]
        if keep:
            self.context.store.crawl.save_evidence(keep)
        now = self.context.now()
        self.context.store.crawl.mark_seen(
            SeenPage(url=p.canonical_url, fetched_at=now, post_id=p.id) for p in posts if p.url and p.id in stored)
        log.info("%s: %d posts → stored %d, updated %d, duplicates %d, filtered %d, quarantined %d",
                 source, summary.read, summary.stored, summary.updated, summary.duplicates,
                 summary.filtered, summary.quarantined)
