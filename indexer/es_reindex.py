"""Moving an embedded SQLite store into a cluster: `jianyu index reindex`.

Posts stream in the order the SQLite store wrote them (`stored_since`), a batch at a
time; after each batch the position is saved in the cluster (the cursor
`reindex:posts:<file>`), so an interrupted move resumes where it stopped. Pages seen and
evidence follow the same way by their SQLite row ids. Events, reports, the outbox, the
quarantine and source health are small and copied whole each run; every write is
idempotent (same ids; reports and outbox items create-only), so a second run changes
nothing. The alert cursors are not copied: they are positions in the SQLite store and
mean nothing in the cluster (the alert worker starts over, and its create-only reports
keep it from sending anything twice).

Pages seen and evidence have no listing in the Store interface: the SQLite crawl state
lists them by row id (`seen_after`, `evidence_after` in indexer/sqlite_crawl.py).
"""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .es_store import ClusterStore
    from .sqlite import SqliteStore

log = logging.getLogger(__name__)


@dataclass
class ReindexSummary:
    posts: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    seen_pages: int = 0
    evidence: int = 0
    events: int = 0
    reports: int = 0
    outbox: int = 0
    quarantine: int = 0
    sources: int = 0
    resumed: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def reindex(source: "SqliteStore", target: "ClusterStore", *, batch: int = 500, restart: bool = False,
            progress: Callable[[int], None] | None = None) -> ReindexSummary:
    """Copy everything from `source` into `target` (set up first). Raises StoreError if
    the cluster goes away; run it again to go on."""
    s = ReindexSummary()
    target.setup()
    key = f"reindex:{source.path.resolve()}"
    cursors = target.alerts
    if restart:
        for kind in ("posts", "seen", "evidence"):
            cursors.set_cursor(f"{key}:{kind}", "0")
    cursor = cursors.get_cursor(f"{key}:posts")
    s.resumed = bool(cursor and cursor != "0")
    while True:
        posts, cursor = source.stored_since(cursor, batch)
        if not posts:
            break
        r = target.upsert(posts)
        s.posts += len(posts)
        s.inserted, s.updated, s.unchanged = s.inserted + r.inserted, s.updated + r.updated, s.unchanged + r.unchanged
        cursors.set_cursor(f"{key}:posts", cursor)
        if progress:
            progress(len(posts))
    s.seen_pages = _copy_seen(source, target, f"{key}:seen", batch)
    s.evidence = _copy_evidence(source, target, f"{key}:evidence", batch)
    events = source.alerts.events()
    target.alerts.save_events(events)
    s.events = len(events)
    for report in source.alerts.reports():
        s.reports += target.alerts.claim_report(report)
    s.outbox = target.alerts.enqueue(source.alerts.outbox())
    quarantined = source.quarantined()
    target.quarantine(quarantined)
    s.quarantine = len(quarantined)
    health = source.crawl.health()
    target.crawl.put_health(health)
    s.sources = len(health)
    log.debug("reindex: %s", s)
    return s


def _copy_seen(source: "SqliteStore", target: "ClusterStore", key: str, batch: int) -> int:
    return _copy(target, key, lambda after: source.crawl.seen_after(after, batch),
                 lambda rows: target.crawl.mark_seen(page for _, page in rows))


def _copy_evidence(source: "SqliteStore", target: "ClusterStore", key: str, batch: int) -> int:
    return _copy(target, key, lambda after: source.crawl.evidence_after(after, max(1, batch // 10)),  # bodies are large
                 lambda rows: target.crawl.save_evidence((pid, ev) for _, pid, ev in rows))


def _copy(target: "ClusterStore", key: str, read, write) -> int:
    """Rows read after the cursor `key` (kept in the target), written, the cursor moved on;
    until nothing is left. A reindex that stops resumes after the last batch written."""
    after, n = int(target.alerts.get_cursor(key) or 0), 0
    while rows := read(after):
        write(rows)
        after, n = rows[-1][0], n + len(rows)
        target.alerts.set_cursor(key, str(after))
    return n
