"""The item pipeline on a real Scrapy crawler, ingest chain, tagger and SQLite store:
batches by size and by age, the last batch at close, and a batch the store refuses kept
in quarantine."""
import gzip
import hashlib
from datetime import datetime, timezone

import pytest
from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawlers.context import CrawlContext
from crawlers.pipelines import IngestPipeline
from crawlers.sources import Source
from crawlers.spiders.listing import ListingSpider
from indexer.ingest import IngestChain, retry_quarantine
from indexer.post import Platform, Post
from nlp.watch import DEFAULT_WATCH_TERMS, WatchList

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
SOURCE = Source(name="qingshi", type="listing", urls=("http://127.0.0.1/list/index.html",))


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def context(store, tagger):
    chain = IngestChain(store, tagger, WatchList(DEFAULT_WATCH_TERMS), now=lambda: NOW)
    return CrawlContext(chain, evidence=False, now=lambda: NOW)


def pipeline(context, batch_size=3, max_wait=2.0, clock=None):
    crawler = get_crawler(ListingSpider, {"JIANYU_BATCH_SIZE": batch_size, "JIANYU_BATCH_SECONDS": max_wait})
    crawler.spider = ListingSpider(SOURCE, context)
    pipe = IngestPipeline.from_crawler(crawler)
    if clock is not None:
        pipe.clock = clock
    return pipe


def post(n: int) -> Post:
    return Post(id=f"p{n}", url=f"http://127.0.0.1/news/202611/t20261130_{n}.html", platform=Platform.NEWS,
                title=f"青石县检察院通报第{n}起案件", text=f"青石县人民检察院依法对第{n}起诈骗案件提起公诉，追缴赃款{n}万元。",
                published_at=NOW, crawled_at=NOW, source=SOURCE.name)


def stored(store, n: int) -> int:
    return len(store.input_hashes(f"p{i}" for i in range(n)))


def test_batches_by_size_and_the_rest_at_close(context, store):
    pipe = pipeline(context, batch_size=3)
    for i in range(7):
        assert pipe.process_item(post(i)) is not None
        assert stored(store, 7) == (i + 1) // 3 * 3
    pipe.close_spider()
    assert stored(store, 7) == 7
    rep = context.report(SOURCE.name).ingest
    assert (rep.read, rep.stored) == (7, 7)
    assert store.crawl.seen([post(6).canonical_url])


def test_a_batch_is_handed_over_when_its_first_post_has_waited(context, store):
    clock = Clock()
    pipe = pipeline(context, batch_size=100, max_wait=2.0, clock=clock)
    pipe.process_item(post(0))
    clock.t += 1.0
    pipe.process_item(post(1))
    assert stored(store, 3) == 0
    clock.t += 1.5
    pipe.process_item(post(2))                 # the first has waited 2.5 s
    assert stored(store, 3) == 3
    clock.t += 0.5
    pipe.process_item(post(3))                 # a new batch, its own clock
    assert stored(store, 4) == 3


def test_not_a_post_is_dropped_with_its_reason(context):
    with pytest.raises(DropItem, match="not a Post but dict"):
        pipeline(context).process_item({"url": "http://127.0.0.1/"})


def test_a_batch_the_store_refuses_is_quarantined_not_lost(context, store):
    pipe = pipeline(context, batch_size=10)
    for i in range(3):
        pipe.process_item(post(i))
    store.db.execute("ALTER TABLE posts RENAME TO posts_gone")     # the store breaks mid-crawl
    pipe.close_spider()
    held = store.quarantined()
    assert len(held) == 3 and {q.stage for q in held} == {"ingest"}
    assert all(q.source == SOURCE.name and "posts" in q.error for q in held)
    rep = context.report(SOURCE.name)
    assert (rep.errors, rep.ingest.read, rep.ingest.quarantined) == (1, 3, 3)
    store.db.execute("ALTER TABLE posts_gone RENAME TO posts")     # repaired: the batch goes in
    summary, released = retry_quarantine(context.chain)
    assert (summary.stored, released) == (3, 3) and stored(store, 3) == 3


def test_evidence_is_kept_for_stored_posts_only(store, tagger):
    chain = IngestChain(store, tagger, WatchList(DEFAULT_WATCH_TERMS), now=lambda: NOW)
    context = CrawlContext(chain, evidence=True, now=lambda: NOW)
    pipe = pipeline(context, batch_size=10)
    pages = {}
    for n, title, text in ((1, post(1).title, post(1).text),
                           (2, "周末", "今天天气很好，去公园散步。")):   # the second has no watch term
        body = f"<html><body><p>{text}</p></body></html>".encode("gb18030")
        pages[n] = HtmlResponse(f"http://127.0.0.1/news/{n}.html", status=200, body=body,
                                headers={"Content-Type": "text/html; charset=gb18030", "ETag": f'"e{n}"'})
        item = post(n)
        item.title, item.text = title, text
        context.attach_evidence(item.id, pages[n])
        pipe.process_item(item)
    pipe.close_spider()
    (ev,) = store.crawl.evidence_for("p1")
    assert gzip.decompress(ev.body_gz) == pages[1].body
    assert ev.sha256 == hashlib.sha256(pages[1].body).hexdigest()
    assert (ev.url, ev.status, ev.captured_at) == ("http://127.0.0.1/news/1.html", 200, NOW)
    assert ev.content_type == "text/html; charset=gb18030" and ev.headers["Etag"] == '"e1"'
    assert store.crawl.evidence_for("p2") == [] and store.get("p2") is None
    assert context.take_evidence(["p1", "p2"]) == []          # nothing left behind


def test_fetched_pages_are_written_in_batches_and_seen_before(context, store):
    from crawlers.context import SEEN_BATCH
    from indexer.crawlstate import SeenPage

    url = "http://127.0.0.1/list/index_{}.html"
    context.mark_seen([SeenPage(url=url.format(0), fetched_at=NOW, status=200, etag='"v1"')])
    assert store.crawl.seen([url.format(0)]) == {}          # not written yet: one transaction per batch
    assert context.seen(url.format(0)).etag == '"v1"'        # but this round already knows it
    assert store.crawl.seen([url.format(0)])[url.format(0)].etag == '"v1"'

    context.mark_seen([SeenPage(url=url.format(i), fetched_at=NOW, status=200) for i in range(1, SEEN_BATCH)])
    assert len(store.crawl.seen(url.format(i) for i in range(SEEN_BATCH))) == 1
    context.mark_seen([SeenPage(url=url.format(SEEN_BATCH), fetched_at=NOW, status=200)])
    assert len(store.crawl.seen(url.format(i) for i in range(SEEN_BATCH + 1))) == SEEN_BATCH + 1  # a full batch

    pipe = pipeline(context)
    context.mark_seen([SeenPage(url=post(1).canonical_url, fetched_at=NOW, status=200, etag='"a"')])
    pipe.process_item(post(1))
    pipe.close_spider()                                      # the last batch and the pages with it
    page = store.crawl.seen([post(1).canonical_url])[post(1).canonical_url]
    assert (page.etag, page.post_id) == ('"a"', "p1")        # the later record adds the post
