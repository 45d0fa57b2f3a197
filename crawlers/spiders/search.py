"""Search-engine result pages (Baidu-news-like) leading to article pages.

Each source URL is a template: ``{query}`` becomes the URL-encoded keyword, ``{page}`` the
1-based page number, ``{offset}`` the number of results before the page (0, 10, 20 …).
The offset step is read from the 下一页 link when it carries the offset parameter, else
from the number of results on the first page. Result pages are fetched up to the
source's max_pages, stopping at a page without results or without a next page.

Results are found the way list pages are read (`crawlers.extract.find_article_links`),
over links to any host (or to the source's allowed_domains, when it lists some), leaving
out the engine's own pages: links on its host under the directory of its results path
(``/search/…`` for ``/search/s``; only ``/s`` itself for a results path at the root).
Each result is followed to its article page (article=True: a page stored in an earlier
round is not fetched again) and read with the spider's article reader.
"""
from __future__ import annotations

import logging
from urllib.parse import parse_qsl, quote, urlsplit

from ..extract import find_article_links, find_next_page
from ..htmltree import absolute, base_href, host_of, parse_html
from .base import SourceSpider

log = logging.getLogger(__name__)


def fill(template: str, query: str, page: int = 1, offset: int = 0) -> str:
    return (template.replace("{query}", quote(query, safe=""))
            .replace("{page}", str(page)).replace("{offset}", str(offset)))


def offset_param(template: str) -> str:
    """The name of the query parameter holding {offset} ("" when there is none)."""
    for key, value in parse_qsl(urlsplit(template).query, keep_blank_values=True):
        if value == "{offset}":
            return key
    return ""


def linked_hosts(html: str, base_url: str) -> list[str]:
    tree = parse_html(html)
    if tree is None:
        return []
    base = base_href(tree, base_url)
    return sorted({host_of(u) for u in (absolute(base, a.get("href")) for a in tree.iter("a")) if u} - {""})


class SearchSpider(SourceSpider):
    def __init__(self, source, context, **kwargs):
        super().__init__(source, context, **kwargs)
        # results lead to any site: restrict requests only when the source lists domains
        self.allowed_domains = list(source.allowed_domains)

    async def start(self):
        for keyword in self.source.keywords:
            for template in self.source.urls:
                yield self.results_request(template, keyword, page=1, offset=0, step=0)

    def results_request(self, template: str, keyword: str, *, page: int, offset: int, step: int):
        return self.request(fill(template, keyword, page, offset), self.parse_results, article=False,
                            template=template, keyword=keyword, page=page, offset=offset, step=step)

    def is_engine_page(self, url: str, template: str) -> bool:
        engine = urlsplit(fill(template, "q"))
        parts = urlsplit(url)
        if (parts.hostname or "").lower() != (engine.hostname or "").lower():
            return False
        folder = engine.path.rsplit("/", 1)[0] + "/"
        return parts.path == engine.path or (folder != "/" and parts.path.startswith(folder))

    def result_links(self, html: str, url: str, template: str) -> list[str]:
        hosts = list(self.source.allowed_domains) or linked_hosts(html, url)
        return [link for link in find_article_links(html, url, allowed_hosts=hosts)
                if not self.is_engine_page(link, template)]

    def parse_results(self, response):
        meta = response.meta
        template, keyword, page = meta["template"], meta["keyword"], meta["page"]
        html = self.text_of(response)
        if not html.strip():
            self.context.error(self.source.name, "empty search result page", response.url)
            return
        links = self.result_links(html, response.url, template)
        if not links:
            log.info("%s: no results for %r on page %d", self.source.name, keyword, page)
            return
        for link in links:
            yield self.request(link, self.parse_article, article=True)
        nxt = find_next_page(html, response.url)
        if page >= self.source.max_pages or not nxt:
            return
        if "{page}" in template:
            yield self.results_request(template, keyword, page=page + 1, offset=0, step=0)
        elif "{offset}" in template:
            step = meta["step"] or len(links)
            offset = meta["offset"] + step
            name = offset_param(template)
            said = dict(parse_qsl(urlsplit(nxt).query)).get(name, "") if name else ""
            if said.isdigit() and int(said) > meta["offset"]:
                offset = int(said)  # the engine's own next offset beats our count of its results
            yield self.results_request(template, keyword, page=page + 1, offset=offset, step=step)

    def parse_article(self, response):
        post = self.article_post(response)
        if post is not None:
            yield post
