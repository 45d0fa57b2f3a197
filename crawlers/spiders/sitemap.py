"""Sitemaps: sitemap indexes, url sets and news sitemaps (<news:news>), and the
`Sitemap:` lines of robots.txt. <lastmod> makes rounds incremental: a known page is
fetched again only when its lastmod is newer than when it was fetched."""
from __future__ import annotations

from lxml import etree

from ..dates import parse_time_text
from .base import SourceSpider


def parse_sitemap(body: bytes) -> tuple[str, list[dict]]:
    """("index" | "urlset", entries with loc, lastmod, and news title/date when present)."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    root = etree.fromstring(body, parser=parser)
    if root is None:
        raise ValueError("not XML")
    kind = etree.QName(root).localname
    if kind not in ("sitemapindex", "urlset"):
        raise ValueError(f"not a sitemap (root element <{kind}>)")
    entries = []
    for node in root.xpath("./*[local-name()='sitemap' or local-name()='url']"):
        def first(xpath: str) -> str:
            found = node.xpath(xpath)
            return (found[0].text or "").strip() if found else ""
        entries.append({
            "loc": first("./*[local-name()='loc']"),
            "lastmod": first("./*[local-name()='lastmod']"),
            "title": first(".//*[local-name()='news']/*[local-name()='title']"),
            "date": first(".//*[local-name()='news']/*[local-name()='publication_date']"),
        })
    return ("index" if kind == "sitemapindex" else "urlset"), [e for e in entries if e["loc"]]


class SitemapSpider(SourceSpider):
    async def start(self):
        for url in self.source.urls:
            if url.rstrip("/").endswith("robots.txt"):
                yield self.request(url, self.parse_robots)
            else:
                yield self.request(url, self.parse_sitemap)

    def parse_robots(self, response):
        for line in self.text_of(response).splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() == "sitemap" and value.strip():
                yield self.request(response.urljoin(value.strip()), self.parse_sitemap)

    def parse_sitemap(self, response):
        body = bytes(response.body)
        if body[:2] == b"\x1f\x8b":
            import gzip

            try:
                body = gzip.decompress(body)
            except OSError as e:
                self.context.error(self.source.name, f"broken gzip sitemap: {e}", response.url)
                return
        try:
            kind, entries = parse_sitemap(body)
        except (ValueError, etree.XMLSyntaxError) as e:
            self.context.error(self.source.name, f"unreadable sitemap: {e}", response.url,
                               raw=body[:20000].decode("utf-8", "replace"))
            return
        for entry in entries:
            url = response.urljoin(entry["loc"])
            if kind == "index":
                yield self.request(url, self.parse_sitemap)
                continue
            known = {"title": entry["title"],
                     "published_at": parse_time_text(entry["date"], self.now()) if entry["date"] else None}
            yield self.request(url, self.parse_article, article=True, lastmod=entry["lastmod"], known=known)

    def parse_article(self, response):
        post = self.article_post(response, **response.meta.get("known", {}))
        if post is not None:
            yield post
