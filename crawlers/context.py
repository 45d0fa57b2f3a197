"""What one crawl round shares between spiders, middlewares and the pipeline: the ingest
chain (and through it the store), the clock, and a report per source."""
from __future__ import annotations

import gzip
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from indexer.crawlstate import Evidence
from indexer.ingest import IngestChain, Summary
from indexer.store import QuarantineRecord

log = logging.getLogger(__name__)


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
        self._evidence: dict[str, Evidence] = {}          # post id -> evidence, until stored
        self._by_response: dict[int, Evidence] = {}       # one digest per response object

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
    def attach_evidence(self, post_id: str, response) -> None:
        if not self.keep_evidence:
            return
        key = id(response)
        ev = self._by_response.get(key)
        if ev is None or ev.url != response.url:
            body = bytes(response.body)
            ev = Evidence(
                sha256=hashlib.sha256(body).hexdigest(), url=response.url, captured_at=self.now(),
                status=response.status,
                content_type=response.headers.get(b"Content-Type", b"").decode("latin-1"),
                body_gz=gzip.compress(body, compresslevel=6),
                headers={k.decode("latin-1"): b", ".join(v).decode("latin-1")
                         for k, v in response.headers.items()})
            self._by_response = {key: ev}  # responses are parsed one at a time
        self._evidence[post_id] = ev

    def take_evidence(self, post_ids: list[str]) -> list[tuple[str, Evidence]]:
        return [(pid, self._evidence.pop(pid)) for pid in post_ids if pid in self._evidence]
