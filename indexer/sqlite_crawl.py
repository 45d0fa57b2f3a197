"""The SQLite tables behind indexer.crawlstate: seen pages, evidence, source health."""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
import threading
from datetime import datetime
from typing import Iterable

import orjson

from .crawlstate import Evidence, SeenPage, SourceHealth, iso, parse_iso

SCHEMA = """
CREATE TABLE IF NOT EXISTS seen_pages (
    url TEXT PRIMARY KEY, fetched_at TEXT, status INTEGER, etag TEXT, last_modified TEXT,
    lastmod TEXT, post_id TEXT
);
CREATE TABLE IF NOT EXISTS evidence (
    sha256 TEXT PRIMARY KEY, url TEXT, captured_at TEXT, status INTEGER, content_type TEXT,
    headers TEXT, body_gz BLOB
);
CREATE TABLE IF NOT EXISTS post_evidence (
    post_id TEXT, sha256 TEXT, captured_at TEXT, PRIMARY KEY (post_id, sha256)
);
CREATE TABLE IF NOT EXISTS source_health (
    name TEXT PRIMARY KEY, last_run TEXT, last_success TEXT, last_post TEXT, pages INTEGER,
    posts INTEGER, errors INTEGER, last_error TEXT, rounds INTEGER
);
"""


class CrawlState:
    """Crawl memory on the store's connection (shares its lock)."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock):
        self.db = db
        self.lock = lock
        with lock:
            db.executescript(SCHEMA)

    def seen(self, urls: Iterable[str]) -> dict[str, SeenPage]:
        urls = list(dict.fromkeys(urls))
        out: dict[str, SeenPage] = {}
        with self.lock:
            for i in range(0, len(urls), 500):
                chunk = urls[i:i + 500]
                q = f"SELECT {_SEEN_COLUMNS} FROM seen_pages WHERE url IN ({','.join('?' * len(chunk))})"
                for row in self.db.execute(q, chunk):
                    out[row[0]] = _seen_page(row)
        return out

    def seen_after(self, rowid: int, limit: int) -> list[tuple[int, SeenPage]]:
        """Fetched pages in the order they were first recorded, after `rowid` (for moving a store)."""
        with self.lock:
            rows = self.db.execute(f"SELECT rowid, {_SEEN_COLUMNS} FROM seen_pages WHERE rowid > ? "
                                   "ORDER BY rowid LIMIT ?", (rowid, limit)).fetchall()
        return [(row[0], _seen_page(row[1:])) for row in rows]

    def mark_seen(self, pages: Iterable[SeenPage]) -> None:
        rows = [(p.url, iso(p.fetched_at), p.status, p.etag, p.last_modified, p.lastmod, p.post_id) for p in pages]
        if not rows:
            return
        with self.lock, self._transaction():
            self.db.executemany(
                "INSERT INTO seen_pages VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET "
                "fetched_at=excluded.fetched_at, status=excluded.status, "
                # a later record that does not know a value keeps the one already there
                "etag=CASE WHEN excluded.etag != '' THEN excluded.etag ELSE etag END, "
                "last_modified=CASE WHEN excluded.last_modified != '' THEN excluded.last_modified "
                "ELSE last_modified END, "
                "lastmod=CASE WHEN excluded.lastmod != '' THEN excluded.lastmod ELSE lastmod END, "
                "post_id=CASE WHEN excluded.post_id != '' THEN excluded.post_id ELSE post_id END", rows)

    def save_evidence(self, items: Iterable[tuple[str, Evidence]]) -> None:
        """(post id, evidence) pairs; one body stored once however many posts it holds."""
        items = list(items)
        if not items:
            return
        with self.lock, self._transaction():
            self.db.executemany("INSERT OR IGNORE INTO evidence VALUES (?, ?, ?, ?, ?, ?, ?)",
                                [(ev.sha256, ev.url, iso(ev.captured_at), ev.status, ev.content_type,
                                  orjson.dumps(ev.headers).decode(), ev.body_gz) for _, ev in items])
            self.db.executemany("INSERT OR IGNORE INTO post_evidence VALUES (?, ?, ?)",
                                [(post_id, ev.sha256, iso(ev.captured_at)) for post_id, ev in items])

    @contextmanager
    def _transaction(self):
        """One write transaction for a batch of rows (not one per row)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def evidence_for(self, post_id: str) -> list[Evidence]:
        with self.lock:
            rows = self.db.execute(
                f"SELECT {_EVIDENCE_COLUMNS} FROM post_evidence pe JOIN evidence e ON e.sha256 = pe.sha256 "
                "WHERE pe.post_id = ? ORDER BY pe.captured_at", (post_id,)).fetchall()
        return [_evidence(row) for row in rows]

    def evidence_after(self, rowid: int, limit: int) -> list[tuple[int, str, Evidence]]:
        """(rowid, post id, evidence) in the order posts got them, after `rowid` (for moving a store)."""
        with self.lock:
            rows = self.db.execute(
                f"SELECT pe.rowid, pe.post_id, {_EVIDENCE_COLUMNS} FROM post_evidence pe "
                "JOIN evidence e ON e.sha256 = pe.sha256 WHERE pe.rowid > ? ORDER BY pe.rowid LIMIT ?",
                (rowid, limit)).fetchall()
        return [(row[0], row[1], _evidence(row[2:])) for row in rows]

    def health(self) -> list[SourceHealth]:
        with self.lock:
            rows = self.db.execute("SELECT name, last_run, last_success, last_post, pages, posts, errors, "
                                   "last_error, rounds FROM source_health ORDER BY name").fetchall()
        return [SourceHealth(n, parse_iso(r), parse_iso(s), parse_iso(p), pg or 0, po or 0, e or 0, le or "", rd or 0)
                for n, r, s, p, pg, po, e, le, rd in rows]

    def record_round(self, name: str, at: datetime, pages: int, posts: int, errors: int,
                     last_error: str, succeeded: bool) -> SourceHealth:
        """Add one crawl round to a source's health record."""
        with self.lock:
            row = self.db.execute("SELECT last_success, last_post, pages, posts, errors, last_error, rounds "
                                  "FROM source_health WHERE name = ?", (name,)).fetchone()
            old = SourceHealth(name) if row is None else SourceHealth(
                name, None, parse_iso(row[0]), parse_iso(row[1]), row[2] or 0, row[3] or 0, row[4] or 0,
                row[5] or "", row[6] or 0)
            new = old.after_round(at, pages, posts, errors, last_error, succeeded)
            self.db.execute("INSERT OR REPLACE INTO source_health VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (name, iso(new.last_run), iso(new.last_success), iso(new.last_post), new.pages,
                             new.posts, new.errors, new.last_error, new.rounds))
        return new


_SEEN_COLUMNS = "url, fetched_at, status, etag, last_modified, lastmod, post_id"
_EVIDENCE_COLUMNS = "e.sha256, e.url, e.captured_at, e.status, e.content_type, e.body_gz, e.headers"


def _seen_page(row: tuple) -> SeenPage:
    u, f, st, e, lm, lmod, pid = row
    return SeenPage(u, parse_iso(f), st or 0, e or "", lm or "", lmod or "", pid or "")


def _evidence(row: tuple) -> Evidence:
    sha, url, at, st, ct, body, h = row
    return Evidence(sha, url, parse_iso(at), st, ct, body, orjson.loads(h or "{}"))
