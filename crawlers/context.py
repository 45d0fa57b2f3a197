"""What one crawl round shares between spiders, middlewares and the pipeline: the ingest
chain (and through it the store), the clock, and a report per source."""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from isal import igzip   # gzip as the standard library writes it, in a third of the time

from indexer.crawlstate import Evidence, SeenPage
from indexer.ingest import IngestChain, Summary
from indexer.store import QuarantineRecord

log = logging.getLogger(__name__)

SEEN_BATCH = 200   # pages remembered per write to the crawl state
# ISA-L's level 2: on news pages about as small as zlib's level 1, three times as fast.
# Any gzip reader opens it (`jianyu evidence` uses the standard library's).
EVIDENCE_LEVEL = 2


@dataclass
class SourceReport:
    """One source's round: what was fetched and what became of it."""
    name: str
    pages: int = 0                # responses received (any status)
    skipped: int = 0              # requests not sent: page known already, or not modified (304)
    errors: int = 0               # failed requests and pages that could not be read
    last_error: str = ""
    ingest: Summary = field(default_factory=Summary)

    def to_dict(self) -> dict:
        return {"name": self.name, "pages": self.pages, "skipped": self.skipped, "errors": self.errors,
                "last_error": self.last_error, **self.ingest.to_dict()}


class CrawlContext:
    def __init__(self, chain: IngestChain, *, evidence: bool = True,
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        self.chain = chain
        self.store = chain.store
        self.keep_evidence = evidence
        self.now = now
        self.reports: dict[str, SourceReport] = {}
        self._evidence: dict[str, _Captured] = {}         # post id -> its response, until stored
        self._last: tuple[object, _Captured] | None = None   # the last response captured
        self._seen: list[SeenPage] = []                   # fetched pages not yet written
        self._pending: set[str] = set()                   # and their URLs

    # -- pages fetched -----------------------------------------------------------
    # Written in batches, not one transaction per page. A page whose record is lost with
    # a killed process is fetched again next round, and its post is then found unchanged.
    def mark_seen(self, pages: list[SeenPage]) -> None:
        self._seen.extend(pages)
        self._pending.update(p.url for p in pages)
        if len(self._seen) >= SEEN_BATCH:
            self.flush_seen()

    def seen(self, url: str) -> SeenPage | None:
        """What the crawl state knows of a page (canonical URL), including this round's."""
        if url in self._pending:
            self.flush_seen()
        return self.store.crawl.seen([url]).get(url)

    def flush_seen(self) -> None:
        """Write the pages fetched so far (in the order they were marked: a later record
        adds what an earlier one did not know, such as the post a page became)."""
        pages, self._seen = self._seen, []
        self._pending.clear()
        if pages:
            self.store.crawl.mark_seen(pages)

    def report(self, name: str) -> SourceReport:
        if name not in self.reports:
            self.reports[name] = SourceReport(name)
        return self.reports[name]

    def error(self, source: str, message: str, url: str = "", raw: str = "") -> None:
        """A page that could not be fetched or read: logged, counted, quarantined."""
        rep = self.report(source)
        rep.errors += 1
        rep.last_error = message[:300]
        log.warning("%s: %s%s", source, message, f" ({url})" if url else "")
        self.store.quarantine([QuarantineRecord(source=source, raw=raw or url, error=message, stage="crawl")])

    # -- evidence ----------------------------------------------------------------
    # A response is kept as it came (the body is not copied) until its post is stored;
    # only then is it hashed and compressed, so a post the watch filter drops costs nothing.
    def attach_evidence(self, post_id: str, response) -> None:
        if not self.keep_evidence:
            return
        last = self._last
        if last is not None and last[0] is response:   # another post of the same page
            raw = last[1]
        else:
            raw = _Captured(url=response.url, captured_at=self.now(), status=response.status,
                            headers=response.headers, body=response.body)
            self._last = (response, raw)                 # responses are parsed one at a time
        self._evidence[post_id] = raw

    def take_evidence(self, post_ids: list[str]) -> list[tuple[str, Evidence]]:
        """The evidence of these posts, ready to store; they are forgotten here."""
        return [(pid, self._evidence.pop(pid).evidence()) for pid in post_ids if pid in self._evidence]

    def drop_evidence(self, post_ids: list[str]) -> None:
        """Forget the evidence of posts that were not stored."""
        for pid in post_ids:
            self._evidence.pop(pid, None)


class _Captured:
    """A response as captured, made into `Evidence` (digest, gzip) once, when needed."""

    __slots__ = ("url", "captured_at", "status", "headers", "body", "_evidence")

    def __init__(self, url: str, captured_at: datetime, status: int, headers, body: bytes):
        self.url, self.captured_at, self.status = url, captured_at, status
        self.headers, self.body = headers, body
        self._evidence: Evidence | None = None

    def evidence(self) -> Evidence:
        if self._evidence is None:
            body = bytes(self.body)
            self._evidence = Evidence(
                sha256=hashlib.sha256(body).hexdigest(), url=self.url, captured_at=self.captured_at,
                status=self.status,
                content_type=self.headers.get(b"Content-Type", b"").decode("latin-1"),
                body_gz=igzip.compress(body, compresslevel=EVIDENCE_LEVEL),
                headers={k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in self.headers.items()})
            self.headers = self.body = None
        return self._evidence
