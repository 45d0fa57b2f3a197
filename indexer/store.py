"""The Store interface: everything durable lives behind it, whatever the backend."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Iterable, Iterator

from .post import Post

if TYPE_CHECKING:
    from .alertstate import AlertState
    from .sqlite_crawl import CrawlState
from .query import Node, TimeRange, combine, filter_node, parse

SORTS = ("time", "relevance")
INTERVALS = {"hour": 3600, "day": 86400}
GROUP_FIELDS = ("topic", "sentiment", "platform", "site", "region", "relevant", "event_id")


@dataclass
class SearchRequest:
    query: str | Node = ""
    start: datetime | None = None
    end: datetime | None = None
    platform: str | None = None
    site: str | None = None
    sentiment: str | None = None
    topic: str | None = None
    relevant: bool | None = None
    region: str | None = None
    sort: str = "time"
    limit: int = 20
    offset: int = 0

    def ast(self) -> Node:
        """The query text, the filters and the time window as one AST."""
        nodes = [parse(self.query) if isinstance(self.query, str) else self.query]
        for name in ("platform", "site", "sentiment", "topic", "relevant", "region"):
            value = getattr(self, name)
            if value is not None:
                nodes.append(filter_node(name, value))
        if self.start is not None or self.end is not None:
            nodes.append(TimeRange(self.start, self.end))
        return combine(*nodes)


def check_sort(sort: str) -> None:
    """The sorts every backend's `search` accepts."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}")


def check_facet_fields(fields: list[str]) -> None:
    """The fields every backend's `facets` counts by."""
    for fld in fields:
        if fld not in GROUP_FIELDS:
            raise ValueError(f"facet field must be one of {', '.join(GROUP_FIELDS)}")


def check_counts_args(interval: str, group_by: str | None) -> None:
    """The arguments every backend's `counts` accepts."""
    if interval not in INTERVALS:
        raise ValueError(f"interval must be one of {', '.join(INTERVALS)}")
    if group_by is not None and group_by not in GROUP_FIELDS:
        raise ValueError(f"group_by must be one of {', '.join(GROUP_FIELDS)}")


def last_per_id(posts: Iterable[Post]) -> list[Post]:
    """A batch that names one id twice keeps the later post."""
    by_id: dict[str, Post] = {}
    for p in posts:
        by_id.pop(p.id, None)
        by_id[p.id] = p
    return list(by_id.values())


def query_ast(query: str | Node, start: datetime | None = None, end: datetime | None = None) -> Node:
    return SearchRequest(query=query, start=start, end=end).ast()


@dataclass
class Hit:
    post: Post
    score: float = 0.0
    highlight: str = ""


@dataclass
class SearchResult:
    total: int
    hits: list[Hit] = field(default_factory=list)


@dataclass
class UpsertResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class QuarantineRecord:
    """A post that could not be processed, kept with its error so it can be re-run."""
    source: str
    raw: str
    error: str
    stage: str = ""
    line: int | None = None
    id: int | None = None
    created_at: datetime | None = None


class Store(ABC):
    """One interface for the embedded SQLite store and the cluster backends.

    `crawl` holds what the crawler remembers between rounds (indexer.crawlstate):
    seen pages, evidence and source health, with the methods of sqlite_crawl.CrawlState.
    `alerts` holds events, reports, the outbox and cursors (indexer.alertstate.AlertState).
    """

    crawl: "CrawlState"
    alerts: "AlertState"

    # posts -----------------------------------------------------------------
    @abstractmethod
    def upsert(self, posts: Iterable[Post]) -> UpsertResult:
        """Insert or update by id; a post stored again with the same content is `unchanged`."""

    @abstractmethod
    def get(self, post_id: str) -> Post | None: ...

    @abstractmethod
    def get_many(self, ids: Iterable[str]) -> dict[str, Post]: ...

    @abstractmethod
    def input_hashes(self, ids: Iterable[str]) -> dict[str, str]:
        """Map each already-stored id to the input hash it was stored with."""

    @abstractmethod
    def ids_for_urls(self, canonical_urls: Iterable[str]) -> dict[str, str]:
        """Map each already-stored canonical URL to the id of its post."""

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchResult: ...

    @abstractmethod
    def counts(self, start: datetime, end: datetime, interval: str = "hour",
               group_by: str | None = None, query: str | Node = "") -> list[tuple[datetime, str, int]]:
        """Post counts per time bucket (and per value of `group_by`), buckets without posts left out."""

    @abstractmethod
    def facets(self, fields: Iterable[str], query: str | Node = "", start: datetime | None = None,
               end: datetime | None = None, size: int = 20) -> dict[str, list[tuple[str, int]]]: ...

    @abstractmethod
    def scan(self, start: datetime | None = None, end: datetime | None = None,
             query: str | Node = "", batch_size: int = 1000) -> Iterator[Post]:
        """Every matching post in time order (published, else crawled), streaming."""

    @abstractmethod
    def recent_fingerprints(self, limit: int) -> list[tuple[str, int]]:
        """(id, fingerprint) of the newest `limit` posts that are not duplicates, oldest first."""

    @abstractmethod
    def stored_since(self, cursor: str | None, limit: int = 1000) -> tuple[list[Post], str]:
        """Posts inserted or changed after `cursor` (None: from the beginning), in the order
        they were stored, and the cursor to pass next time. Setting event ids does not
        count as a change."""

    @abstractmethod
    def newest_cursor(self) -> str:
        """The cursor `stored_since` gives after reading everything stored so far, found
        without reading it: a reader that starts here sees only what is stored next."""

    @abstractmethod
    def set_event_ids(self, assignments: dict[str, str]) -> int:
        """Set `event_id` on stored posts (post id -> event id); returns how many were found."""

    # quarantine ------------------------------------------------------------
    @abstractmethod
    def quarantine(self, records: Iterable[QuarantineRecord]) -> int: ...

    @abstractmethod
    def quarantined(self, limit: int | None = None) -> list[QuarantineRecord]: ...

    @abstractmethod
    def release(self, record_ids: Iterable[int]) -> int:
        """Remove quarantine records that were re-run successfully."""

    # lifecycle -------------------------------------------------------------
    def close(self) -> None:
        pass

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
