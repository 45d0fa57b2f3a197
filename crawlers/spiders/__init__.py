"""One spider module per kind of source; `SPIDERS` maps a source type to its spider."""
from __future__ import annotations


def spider_for(source_type: str):
    from .feed import FeedSpider
    from .listing import ListingSpider
    from .search import SearchSpider
    from .sitemap import SitemapSpider
    from .weibo import WeiboSpider

    spiders = {"feed": FeedSpider, "sitemap": SitemapSpider, "listing": ListingSpider,
               "weibo": WeiboSpider, "search": SearchSpider}
    try:
        return spiders[source_type]
    except KeyError:
        raise ValueError(f"no spider for source type {source_type!r} yet") from None
