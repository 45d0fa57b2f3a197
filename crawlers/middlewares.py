"""Downloader middlewares and the health extension.

- BackoffRetryMiddleware: Scrapy's retries (5xx, 429, timeouts, dropped connections)
  with an exponentially growing wait before each retry.
- IncrementalMiddleware: an article page fetched in an earlier round is not fetched
  again (unless its sitemap <lastmod> is newer); feeds, sitemaps, list pages and API
  pages are fetched with If-None-Match / If-Modified-Since, and a 304 ends there.
- RobotsTxtMiddleware: Scrapy's, with concurrent first requests to a host all
  waiting for its robots.txt.
- MetaRefreshMiddleware: Scrapy's, skipping pages whose head cannot hold a refresh.
- HealthExtension: counts pages and errors per source and writes the source's health
  record when its spider closes.
"""
from __future__ import annotations

import asyncio
import logging
import re

from scrapy import signals
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware as _ScrapyMetaRefreshMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _ScrapyRobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from indexer.crawlstate import SeenPage
from indexer.urls import canonical_url

log = logging.getLogger(__name__)

ARTICLE = "jianyu_article"      # request.meta: this request fetches an article page
LASTMOD = "jianyu_lastmod"      # request.meta: the sitemap's <lastmod> of the page
RETRY_DELAY = "jianyu_retry_delay"


def _context(crawler):
    """The round's context, which crawlers.run hands every spider (None for other spiders)."""
    return getattr(crawler.spider, "context", None)


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 120.0)

    def _retry(self, request, reason):
        retry = super()._retry(request, reason)
        if retry is not None and self.base > 0:
            n = retry.meta.get("retry_times", 1)
            retry.meta[RETRY_DELAY] = min(self.cap, self.base * 2 ** (n - 1))
            retry.dont_filter = True
        return retry

    async def process_request(self, request):
        delay = request.meta.pop(RETRY_DELAY, 0)
        if delay:
            log.debug("waiting %.1f s before retrying %s", delay, request.url)
            await asyncio.sleep(delay)
        return None


class IncrementalMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def context(self):
        return _context(self.crawler)

    def _report(self):
        return self.context.report(self.crawler.spider.source.name)

    def process_request(self, request):
        if self.context is None or request.meta.get("dont_skip"):
            return None
        url = canonical_url(request.url)
        seen = self.context.seen(url)
        if seen is None:
            return None
        if request.meta.get(ARTICLE):
            lastmod = request.meta.get(LASTMOD) or ""
            if not lastmod or (seen.lastmod and lastmod <= seen.lastmod):
                self._report().skipped += 1
                raise IgnoreRequest(f"known page, fetched {seen.fetched_at:%Y-%m-%d %H:%M}")
            return None
        if seen.etag and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = seen.etag
        if seen.last_modified and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = seen.last_modified
        return None

    def process_response(self, request, response):
        if self.context is None:
            return response
        self._report().pages += 1
        if response.status == 304:
            self._report().skipped += 1
            raise IgnoreRequest(f"not modified: {request.url}")
        if response.status == 200:
            header = response.headers.get
            self.context.mark_seen([SeenPage(
                url=canonical_url(request.url), fetched_at=self.context.now(), status=200,
                etag=(header(b"ETag") or b"").decode("latin-1"),
                last_modified=(header(b"Last-Modified") or b"").decode("latin-1"),
                lastmod=request.meta.get(LASTMOD) or "")])
        return response


class HealthExtension:
    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.spider_error, signal=signals.spider_error)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_error(self, failure, response, spider):
        context = getattr(spider, "context", None)
        if context is not None:
            context.error(spider.source.name, f"parse error: {failure.getErrorMessage()}", response.url)

    def spider_closed(self, spider, reason):
        context = getattr(spider, "context", None)
        if context is None:
            return
        context.flush_seen()
        rep = context.report(spider.source.name)
        ok = reason == "finished" and (rep.pages > rep.errors or rep.pages == 0 and rep.errors == 0)
        context.store.crawl.record_round(
            spider.source.name, context.now(), pages=rep.pages, posts=rep.ingest.stored,
            errors=rep.errors, last_error=rep.last_error, succeeded=ok)


class RobotsTxtMiddleware(_ScrapyRobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, with every request that waits for a host's
    robots.txt getting the parsed file: in Scrapy 2.19 only the first waiter got it and
    the others went ahead as if allowed."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self._waiting: dict[str, list[Deferred]] = {}

    async def robot_parser(self, request):
        netloc = urlparse_cached(request).netloc
        if isinstance(self._parsers.get(netloc), Deferred):
            waiter: Deferred = Deferred()
            self._waiting.setdefault(netloc, []).append(waiter)
            return await maybe_deferred_to_future(waiter)
        return await super().robot_parser(request)

    async def _parse_robots(self, response, netloc, request):
        await super()._parse_robots(response, netloc, request)
        self._release(netloc)

    def _robots_error(self, exc, netloc):
        super()._robots_error(exc, netloc)
        self._release(netloc)

    def _release(self, netloc: str) -> None:
        parser = self._parsers.get(netloc)
        for waiter in self._waiting.pop(netloc, []):
            waiter.callback(parser)


class MetaRefreshMiddleware(_ScrapyMetaRefreshMiddleware):
    """Scrapy's meta-refresh redirects, without decoding every page to look for one.

    Scrapy decodes each HTML page and searches its first 4,096 characters for a
    ``<meta http-equiv="refresh">`` (the word "refresh", any case, must be in it).
    In every encoding a page here arrives in except UTF-16 and UTF-32 (UTF-8, GBK,
    GB18030, Big5, Latin-1 …) ASCII letters are their ASCII bytes, and 4,096 characters
    take at most 16 KiB. So a page whose first 16 KiB hold neither "refresh" nor a NUL
    byte (the mark of UTF-16 and UTF-32) has no refresh for Scrapy to find, and is
    passed on undecoded; every other page goes through Scrapy's own check."""

    HEAD_BYTES = 4096 * 4

    def process_response(self, request, response):
        head = response.body[:self.HEAD_BYTES]
        if b"\x00" not in head and not _REFRESH.search(head):
            return response
        return super().process_response(request, response)


_REFRESH = re.compile(rb"refresh", re.IGNORECASE)
