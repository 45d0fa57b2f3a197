"""An article's own metadata in schema.org JSON-LD (``<script type="application/ld+json">``):
headline, datePublished, author, publisher and description, as portals and CMSs that
follow search-engine guidelines write them."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from .htmltree import collapse

log = logging.getLogger(__name__)

MAX_SCRIPT_CHARS = 200_000     # a larger block is no article's metadata
_ARTICLE_TYPES = frozenset({"article", "newsarticle", "reportagenewsarticle", "blogposting",
                            "analysisnewsarticle", "opinionnewsarticle", "backgroundnewsarticle",
                            "report", "socialmediaposting", "liveblogposting"})


@dataclass
class LinkedData:
    """What the page's JSON-LD says; empty strings where it says nothing."""
    title: str = ""
    published: str = ""
    author: str = ""
    site_name: str = ""
    description: str = ""


def _objects(data, depth: int = 0):
    """Every JSON object in the document, @graph members included, outermost first."""
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _objects(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _objects(graph, depth + 1)


def _types(obj: dict) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _name(value) -> str:
    """A person's or organization's name: a string, {"name": …}, or a list of them (joined with 、)."""
    if isinstance(value, str):
        return collapse(value)
    if isinstance(value, dict):
        return _name(value.get("name"))
    if isinstance(value, list):
        names = [n for n in (_name(v) for v in value[:10]) if n]
        return "、".join(dict.fromkeys(names))
    return ""


def _text(value) -> str:
    return collapse(value) if isinstance(value, str) else ""


def read_linked_data(tree) -> LinkedData:
    """The first article-like object of the page's JSON-LD (one that is a NewsArticle,
    Article, BlogPosting … or has a headline and a datePublished). Blocks that do not
    parse are ignored: a page's metadata never fails a page."""
    found = LinkedData()
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = script.text or ""
        if not raw.strip() or len(raw) > MAX_SCRIPT_CHARS:
            continue
        try:
            data = json.loads(raw)
        except ValueError:
            log.debug("JSON-LD block does not parse")
            continue
        for obj in _objects(data):
            if not (_types(obj) & _ARTICLE_TYPES or ("headline" in obj and "datePublished" in obj)):
                continue
            found.title = found.title or _text(obj.get("headline")) or _text(obj.get("name"))
            found.published = found.published or _text(obj.get("datePublished")) or _text(obj.get("dateCreated"))
            found.author = found.author or _name(obj.get("author"))
            found.site_name = found.site_name or _name(obj.get("publisher"))
            found.description = found.description or _text(obj.get("description"))
            if found.title and found.published:
                return found
    return found
