"""List pages with pagination (下一页) leading to article pages. Without selectors the
article links, the next page and the article's title, text, time and author are found
automatically."""
from __future__ import annotations

import scrapy

from ..extract import find_article_links, find_next_page
from .base import SourceSpider


class ListingSpider(SourceSpider):
    async def start(self):
        for url in self.source.urls:
            yield self.request(url, self.parse_list, page=1)

    def parse_list(self, response):
        html = self.text_of(response)
        if not html.strip():
            self.context.error(self.source.name, "empty list page", response.url)
            return
        sel = self.source.selectors
        if sel.get("article_links"):
            page = scrapy.Selector(text=html)
            expr = sel["article_links"]
            nodes = page.xpath(expr) if expr.startswith(("/", "(")) else page.css(expr)
            links = [response.urljoin(h) for h in (n.attrib.get("href") or n.get() for n in nodes) if h]
        else:
            links = find_article_links(html, response.url, allowed_hosts=self.allowed_domains or None)
        for link in links:
            yield self.request(link, self.parse_article, article=True)
        page_no = response.meta.get("page", 1)
        if page_no >= self.source.max_pages:
            return
        nxt = None
        if sel.get("next_page"):
            page = scrapy.Selector(text=html)
            expr = sel["next_page"]
            found = (page.xpath(expr) if expr.startswith(("/", "(")) else page.css(expr))
            href = found[0].attrib.get("href") if found else None
            nxt = response.urljoin(href) if href else None
        else:
            nxt = find_next_page(html, response.url)
        if nxt and nxt != response.url:
            yield self.request(nxt, self.parse_list, page=page_no + 1)

    def parse_article(self, response):
        post = self.article_post(response)
        if post is not None:
            yield post
