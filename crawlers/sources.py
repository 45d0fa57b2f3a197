"""The source registry as the crawler sees it: plain, already validated values.

The shell (`jianyu/config.py`) reads and checks `sources:` from jianyu.yaml and hands
the crawler a list of `Source`; nothing here reads configuration or the environment.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

SOURCE_TYPES = ("feed", "sitemap", "listing", "weibo", "search")
SELECTOR_KEYS = ("article_links", "next_page", "title", "body", "published_at", "author")


@dataclass(frozen=True)
class Source:
    name: str
    type: str
    urls: tuple[str, ...] = ()
    interval: int = 1800                      # seconds between rounds
    keywords: tuple[str, ...] = ()
    selectors: dict[str, str] = field(default_factory=dict)
    encoding: str = ""                        # forced page encoding, when a site lies about it
    headers: dict[str, str] = field(default_factory=dict)
    cookie: str = ""                          # the Cookie header value, already read from the environment
    rate_limit: float = 0.0                   # requests per second to this source's hosts; 0 = AutoThrottle only
    allowed_domains: tuple[str, ...] = ()
    platform: str = ""                        # overrides the spider's default platform
    site: str = ""                            # display name of the site
    max_pages: int = 20                       # list pages, search pages or API pages per round

    def domains(self) -> tuple[str, ...]:
        """Hosts this source may fetch from: the configured ones, else those of its URLs."""
        if self.allowed_domains:
            return self.allowed_domains
        hosts = {urlsplit(u.replace("{query}", "q").replace("{page}", "1").replace("{offset}", "0")).hostname
                 for u in self.urls}
        return tuple(sorted(h for h in hosts if h))
