"""What the crawler remembers between rounds, kept in the Store: pages seen (with their
HTTP validators, for conditional requests), the raw evidence behind each post (证据固定),
and a health record per source."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass
class SeenPage:
    url: str                          # canonical URL
    fetched_at: datetime
    status: int = 200
    etag: str = ""
    last_modified: str = ""
    lastmod: str = ""                 # the sitemap's <lastmod> when it was fetched
    post_id: str = ""


@dataclass
class Evidence:
    """The raw response a post came from, as it was captured."""
    sha256: str
    url: str
    captured_at: datetime
    status: int
    content_type: str
    body_gz: bytes                    # gzip of the raw body
    headers: dict[str, str]


@dataclass
class SourceHealth:
    name: str
    last_run: datetime | None = None
    last_success: datetime | None = None   # last round that fetched pages without failing
    last_post: datetime | None = None      # last round that stored a new post
    pages: int = 0                         # totals over all rounds
    posts: int = 0
    errors: int = 0
    last_error: str = ""
    rounds: int = 0

    def after_round(self, at: datetime, pages: int, posts: int, errors: int, last_error: str,
                    succeeded: bool) -> "SourceHealth":
        """The record with one more crawl round added (every backend keeps this rule)."""
        return SourceHealth(
            name=self.name, last_run=at,
            last_success=at if succeeded else self.last_success,
            last_post=at if posts else self.last_post,
            pages=self.pages + pages, posts=self.posts + posts, errors=self.errors + errors,
            last_error=last_error or self.last_error, rounds=self.rounds + 1)


def iso(value: datetime | None) -> str | None:
    """A time as the crawl state stores it (ISO 8601 text), None kept."""
    return value.isoformat() if value else None


def parse_iso(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
