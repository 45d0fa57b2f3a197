"""What every JianYu spider shares: its Source, decoding, Post building, evidence, errors."""
from __future__ import annotations

import logging
from datetime import datetime

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError

from indexer.post import Platform, Post
from indexer.urls import canonical_url, post_id_for_url

from ..context import CrawlContext
from ..encoding import decode_body
from ..extract import extract_article
from ..middlewares import ARTICLE, LASTMOD
from ..sources import Source

log = logging.getLogger(__name__)


class SourceSpider(scrapy.Spider):
    """A spider bound to one configured source (crawlers.run passes `source` and `context`)."""

    default_platform = Platform.NEWS

    def __init__(self, source: Source, context: CrawlContext, **kwargs):
        super().__init__(name=source.name, **kwargs)
        self.source = source
        self.context = context
        self.allowed_domains = list(source.domains())

    # -- requests --------------------------------------------------------------------
    def request(self, url: str, callback, *, article: bool = False, lastmod: str = "", **meta) -> scrapy.Request:
        meta.update({ARTICLE: article, LASTMOD: lastmod})
        # The cookie goes in as Request.cookies: Scrapy's CookiesMiddleware drops a
        # hand-set Cookie header and sends only its own jar.
        return scrapy.Request(url, callback=callback, errback=self.failed, headers=dict(self.source.headers),
                              cookies=_cookie_pairs(self.source.cookie), meta=meta)

    def failed(self, failure):
        request = getattr(failure, "request", None)
        url = request.url if request is not None else ""
        if failure.check(HttpError):
            status = failure.value.response.status
            self.context.error(self.source.name, f"HTTP {status}", url)
        elif failure.check(IgnoreRequest):
            return  # known page, not modified, or disallowed by robots.txt: not an error
        else:
            self.context.error(self.source.name, f"fetch failed: {failure.getErrorMessage()}", url)

    # -- reading pages -----------------------------------------------------------------
    def text_of(self, response) -> str:
        """The page as text: the source's forced encoding, else what the page declares or looks like."""
        if self.source.encoding:
            return bytes(response.body).decode(self.source.encoding, errors="replace")
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        text, _ = decode_body(bytes(response.body), content_type)
        return text

    def now(self) -> datetime:
        return self.context.now()

    def article_post(self, response, **known) -> Post | None:
        """A Post from an article page, read automatically (or with the source's selectors);
        `known` carries what a feed or sitemap already said (title, published_at, …)."""
        html = self.text_of(response)
        if not html.strip():
            self.context.error(self.source.name, "empty page", response.url)
            return None
        art = extract_article(html, response.url, self.now())
        text = art.text
        title = known.get("title") or art.title
        sel = self.source.selectors
        if sel:
            page = scrapy.Selector(text=html)
            title = _pick(page, sel.get("title")) or title
            text = "\n".join(_pick_all(page, sel.get("body"))) or text
        if not text.strip():
            self.context.error(self.source.name, "no article text found on the page", response.url,
                               raw=html[:20000])
            return None
        url = art.canonical_url or response.url
        return self.make_post(
            response, url=url, title=title, text=text,
            published_at=known.get("published_at") or art.published_at,
            author=known.get("author") or art.author or "", site=self.source.site or art.site_name or "")

    def make_post(self, response, *, url: str, text: str, title: str = "", published_at=None,
                  author: str = "", site: str = "", platform: Platform | None = None, **extra) -> Post:
        post = Post(
            id=extra.pop("id", None) or post_id_for_url(url), url=canonical_url(url) or url, text=text,
            title=title or "", published_at=published_at, crawled_at=self.now(), author=author or "",
            site=site or self.source.site, source=self.source.name,
            platform=platform or (Platform(self.source.platform) if self.source.platform else self.default_platform),
            **extra)
        self.context.attach_evidence(post.id, response)
        return post


def _cookie_pairs(cookie: str) -> dict[str, str]:
    """`a=1; b=2` as {"a": "1", "b": "2"}."""
    pairs = (part.strip().partition("=") for part in cookie.split(";"))
    return {name.strip(): value.strip() for name, sep, value in pairs if name.strip() and sep}


def _pick(page, selector: str | None) -> str:
    values = _pick_all(page, selector)
    return values[0] if values else ""


def _pick_all(page, selector: str | None) -> list[str]:
    if not selector:
        return []
    nodes = page.xpath(selector) if selector.startswith(("/", "(")) else page.css(selector)
    out = []
    for node in nodes:
        text = " ".join(t.strip() for t in node.xpath(".//text()").getall() if t.strip())
        if text:
            out.append(text)
    return out
