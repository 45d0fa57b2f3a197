"""RSS 2.0, Atom and RDF (RSS 1.0) feeds. An item that carries its full text becomes a
post as it is; an item with only a summary is followed to its page for the full text."""
from __future__ import annotations

from lxml import etree

from nlp.normalize import html_to_text

from ..dates import parse_time_text
from .base import SourceSpider

FULL_TEXT_CHARS = 200  # an item whose text is shorter is only a summary


def _first(node, *names: str) -> str:
    for name in names:
        found = node.xpath(f"./*[local-name()='{name}']")
        if found:
            text = "".join(found[0].itertext()).strip()
            if text:
                return text
    return ""


def _link(node) -> str:
    for link in node.xpath("./*[local-name()='link']"):
        href = link.get("href")
        if href and link.get("rel", "alternate") == "alternate":
            return href.strip()
        if not href and (link.text or "").strip():
            return link.text.strip()
    guid = node.xpath("./*[local-name()='guid']")
    if guid and (guid[0].text or "").startswith("http") and guid[0].get("isPermaLink", "true") != "false":
        return guid[0].text.strip()
    return ""


def parse_feed(body: bytes) -> list[dict]:
    """The entries of an RSS 2.0, Atom or RDF feed: link, title, summary, content, date, author."""
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    root = etree.fromstring(body, parser=parser)
    if root is None:
        raise ValueError("not XML")
    entries = root.xpath("//*[local-name()='item' or local-name()='entry']")
    if not entries and etree.QName(root).localname not in ("rss", "feed", "RDF"):
        raise ValueError(f"not a feed (root element <{etree.QName(root).localname}>)")
    out = []
    for node in entries:
        author = _first(node, "creator", "author")
        names = node.xpath("./*[local-name()='author']/*[local-name()='name']")
        if names and (names[0].text or "").strip():
            author = names[0].text.strip()
        out.append({
            "link": _link(node),
            "title": html_to_text(_first(node, "title")),
            "summary": html_to_text(_first(node, "description", "summary")),
            "content": html_to_text(_first(node, "encoded", "content")),
            "date": _first(node, "pubDate", "published", "updated", "date", "issued", "modified"),
            "author": author,
        })
    return out


class FeedSpider(SourceSpider):
    async def start(self):
        for url in self.source.urls:
            yield self.request(url, self.parse_feed)

    def parse_feed(self, response):
        try:
            entries = parse_feed(bytes(response.body))
        except (ValueError, etree.XMLSyntaxError) as e:
            self.context.error(self.source.name, f"unreadable feed: {e}", response.url,
                               raw=bytes(response.body[:20000]).decode("utf-8", "replace"))
            return
        for entry in entries:
            if not entry["link"]:
                continue
            link = response.urljoin(entry["link"])
            published = parse_time_text(entry["date"], self.now()) if entry["date"] else None
            text = entry["content"] or entry["summary"]
            if len(text) >= FULL_TEXT_CHARS:
                yield self.make_post(response, url=link, title=entry["title"], text=text,
                                     published_at=published, author=entry["author"])
            else:
                yield self.request(link, self.parse_article, article=True,
                                   known={"title": entry["title"], "published_at": published,
                                          "author": entry["author"]})

    def parse_article(self, response):
        post = self.article_post(response, **response.meta.get("known", {}))
        if post is not None:
            yield post
