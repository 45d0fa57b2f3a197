"""The SQLite tables behind indexer.alertstate: events, reports, the outbox, cursors.

Times are kept as ISO text in UTC with a fixed width (microseconds always written), so
that comparing and sorting the text in SQL is comparing the instants; they come back
in Asia/Shanghai time. A naive datetime is taken as Shanghai time, as indexer.post does.

Whatever must happen once is one SQL statement whose effect tells the caller whether it
won: `claim_report` and `enqueue` insert-or-ignore on the primary key, `lease` is an
UPDATE guarded by the item's state. SQLite takes the write lock before such a statement
reads, so two processes on one file (WAL) cannot both win.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import datetime
from typing import Any, Iterable

import orjson

from .alertstate import (OUTBOX_STATES, REPORT_KINDS, VERDICTS, AlertState, EventRecord, OutboxItem,
                         ReportRecord, check_one_of, stamp, unstamp, utcnow)

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY, title TEXT, status TEXT, first_seen TEXT, last_seen TEXT,
    post_count INTEGER, level TEXT, data TEXT, updated_at TEXT
);
CREATE INDEX IF NOT EXISTS events_status_seen ON events(status, last_seen);
CREATE INDEX IF NOT EXISTS events_seen ON events(last_seen);
CREATE TABLE IF NOT EXISTS reports (
    id TEXT PRIMARY KEY, event_id TEXT, kind TEXT, level TEXT, sent_at TEXT, title TEXT,
    data TEXT, verdict TEXT, note TEXT, marked_at TEXT
);
CREATE INDEX IF NOT EXISTS reports_event ON reports(event_id, sent_at);
CREATE INDEX IF NOT EXISTS reports_sent ON reports(sent_at);
CREATE TABLE IF NOT EXISTS outbox (
    id TEXT PRIMARY KEY, report_id TEXT, channel TEXT, payload TEXT, status TEXT,
    attempts INTEGER, next_try TEXT, lease_until TEXT, worker TEXT, last_error TEXT,
    created_at TEXT, sent_at TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(status, next_try);
CREATE INDEX IF NOT EXISTS outbox_report ON outbox(report_id);
CREATE TABLE IF NOT EXISTS cursors (name TEXT PRIMARY KEY, value TEXT, updated_at TEXT);
"""

_EVENT = "id, title, status, first_seen, last_seen, post_count, level, data, updated_at"
_REPORT = "id, event_id, kind, level, sent_at, title, data, verdict, note, marked_at"
_OUTBOX = ("id, report_id, channel, payload, status, attempts, next_try, lease_until, worker, "
           "last_error, created_at, sent_at")


def _json(value: dict[str, Any]) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _limit(limit: int | None) -> int:
    return -1 if limit is None else limit


class SqliteAlertState(AlertState):
    """Alert state on the store's connection (shares its lock)."""

    def __init__(self, db: sqlite3.Connection, lock: threading.RLock):
        self.db = db
        self.lock = lock
        with lock:
            db.executescript(SCHEMA)

    # events ----------------------------------------------------------------
    def save_events(self, events: Iterable[EventRecord]) -> None:
        now = stamp(utcnow())
        rows = [(e.id, e.title, e.status, stamp(e.first_seen), stamp(e.last_seen), e.post_count, e.level,
                 _json(e.data), stamp(e.updated_at) or now) for e in events]
        if not rows:
            return
        with self.lock:
            self._write_many(f"INSERT OR REPLACE INTO events ({_EVENT}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def get_event(self, event_id: str) -> EventRecord | None:
        with self.lock:
            row = self.db.execute(f"SELECT {_EVENT} FROM events WHERE id = ?", (event_id,)).fetchone()
        return None if row is None else _event(row)

    def events(self, status: str | None = None, since: datetime | None = None,
               limit: int | None = None) -> list[EventRecord]:
        where, params = ["1"], []
        if status is not None:
            where.append("status = ?")
            params.append(status)
        if since is not None:
            where.append("last_seen >= ?")
            params.append(stamp(since))
        with self.lock:
            rows = self.db.execute(f"SELECT {_EVENT} FROM events WHERE {' AND '.join(where)} "
                                   "ORDER BY last_seen DESC, id LIMIT ?", [*params, _limit(limit)]).fetchall()
        return [_event(r) for r in rows]

    # reports ---------------------------------------------------------------
    def claim_report(self, report: ReportRecord) -> bool:
        check_one_of(report.kind, REPORT_KINDS, "report kind")
        row = (report.id, report.event_id, report.kind, report.level, stamp(report.sent_at), report.title,
               _json(report.data), report.verdict, report.note, stamp(report.marked_at))
        with self.lock:
            cur = self.db.execute(f"INSERT OR IGNORE INTO reports ({_REPORT}) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
        return cur.rowcount == 1

    def get_report(self, report_id: str) -> ReportRecord | None:
        with self.lock:
            row = self.db.execute(f"SELECT {_REPORT} FROM reports WHERE id = ?", (report_id,)).fetchone()
        return None if row is None else _report(row)

    def reports(self, event_id: str | None = None, start: datetime | None = None,
                end: datetime | None = None, marked: bool | None = None,
                limit: int | None = None) -> list[ReportRecord]:
        where, params = ["1"], []
        if event_id is not None:
            where.append("event_id = ?")
            params.append(event_id)
        if start is not None:
            where.append("sent_at >= ?")
            params.append(stamp(start))
        if end is not None:
            where.append("sent_at < ?")
            params.append(stamp(end))
        if marked is not None:
            where.append("verdict != ''" if marked else "verdict = ''")
        with self.lock:
            rows = self.db.execute(f"SELECT {_REPORT} FROM reports WHERE {' AND '.join(where)} "
                                   "ORDER BY sent_at, id LIMIT ?", [*params, _limit(limit)]).fetchall()
        return [_report(r) for r in rows]

    def mark_report(self, report_id: str, verdict: str, note: str = "",
                    at: datetime | None = None) -> bool:
        check_one_of(verdict, VERDICTS, "verdict")
        with self.lock:
            cur = self.db.execute("UPDATE reports SET verdict = ?, note = ?, marked_at = ? WHERE id = ?",
                                  (verdict, note, stamp(at or utcnow()), report_id))
        return cur.rowcount == 1

    # outbox ----------------------------------------------------------------
    def enqueue(self, items: Iterable[OutboxItem]) -> int:
        now = stamp(utcnow())
        rows = [(i.id, i.report_id, i.channel, _json(i.payload), i.status, i.attempts, stamp(i.next_try),
                 stamp(i.lease_until), i.worker, i.last_error, stamp(i.created_at) or now, stamp(i.sent_at))
                for i in items]
        for r in rows:
            check_one_of(r[4], OUTBOX_STATES, "outbox status")
        if not rows:
            return 0
        with self.lock:
            return self._write_many(f"INSERT OR IGNORE INTO outbox ({_OUTBOX}) "
                                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def due(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        t = stamp(now)
        with self.lock:
            rows = self.db.execute(
                f"SELECT {_OUTBOX} FROM outbox WHERE status = 'pending' "
                "AND (next_try IS NULL OR next_try <= ?) AND (lease_until IS NULL OR lease_until < ?) "
                "ORDER BY next_try, created_at, id LIMIT ?", (t, t, limit)).fetchall()
        return [_item(r) for r in rows]

    def lease(self, item_id: str, worker: str, now: datetime, until: datetime) -> bool:
        t = stamp(now)
        with self.lock:
            cur = self.db.execute(
                "UPDATE outbox SET worker = ?, lease_until = ? WHERE id = ? AND status = 'pending' "
                "AND (next_try IS NULL OR next_try <= ?) AND (lease_until IS NULL OR lease_until < ?)",
                (worker, stamp(until), item_id, t, t))
        return cur.rowcount == 1

    def finish(self, item_id: str, worker: str, sent_at: datetime) -> None:
        with self.lock:
            cur = self.db.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, attempts = attempts + 1, lease_until = NULL, "
                "last_error = '' WHERE id = ? AND worker = ? AND status = 'pending' AND lease_until IS NOT NULL",
                (stamp(sent_at), item_id, worker))
        if cur.rowcount != 1:
            log.warning("outbox %s: %s does not hold the lease; not marked sent", item_id, worker)

    def retry_later(self, item_id: str, worker: str, error: str, next_try: datetime | None) -> None:
        status = "pending" if next_try is not None else "dead"
        with self.lock:
            cur = self.db.execute(
                "UPDATE outbox SET status = ?, next_try = COALESCE(?, next_try), attempts = attempts + 1, "
                "lease_until = NULL, last_error = ? "
                "WHERE id = ? AND worker = ? AND status = 'pending' AND lease_until IS NOT NULL",
                (status, stamp(next_try), error, item_id, worker))
        if cur.rowcount != 1:
            log.warning("outbox %s: %s does not hold the lease; failure not recorded", item_id, worker)

    def outbox(self, status: str | None = None, limit: int | None = None) -> list[OutboxItem]:
        where, params = "1", []
        if status is not None:
            where, params = "status = ?", [status]
        with self.lock:
            rows = self.db.execute(f"SELECT {_OUTBOX} FROM outbox WHERE {where} ORDER BY created_at, id LIMIT ?",
                                   [*params, _limit(limit)]).fetchall()
        return [_item(r) for r in rows]

    # cursors ---------------------------------------------------------------
    def get_cursor(self, name: str) -> str | None:
        with self.lock:
            row = self.db.execute("SELECT value FROM cursors WHERE name = ?", (name,)).fetchone()
        return None if row is None else row[0]

    def set_cursor(self, name: str, value: str) -> None:
        with self.lock:
            self.db.execute("INSERT OR REPLACE INTO cursors VALUES (?, ?, ?)", (name, value, stamp(utcnow())))

    # -----------------------------------------------------------------------
    def _write_many(self, sql: str, rows: list[tuple]) -> int:
        """Run one statement over many rows in one write transaction; rows changed."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            changed = 0
            for i in range(0, len(rows), 500):
                changed += self.db.executemany(sql, rows[i:i + 500]).rowcount
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return changed


def _event(r: tuple) -> EventRecord:
    i, title, status, first, last, count, level, data, updated = r
    return EventRecord(id=i, title=title or "", status=status or "", first_seen=unstamp(first), last_seen=unstamp(last),
                       post_count=count or 0, level=level or "", data=orjson.loads(data) if data else {},
                       updated_at=unstamp(updated))


def _report(r: tuple) -> ReportRecord:
    i, event_id, kind, level, sent, title, data, verdict, note, marked = r
    return ReportRecord(id=i, event_id=event_id or "", kind=kind, level=level or "", sent_at=unstamp(sent),
                        title=title or "", data=orjson.loads(data) if data else {}, verdict=verdict or "",
                        note=note or "", marked_at=unstamp(marked))


def _item(r: tuple) -> OutboxItem:
    i, report_id, channel, payload, status, attempts, next_try, lease, worker, error, created, sent = r
    return OutboxItem(id=i, report_id=report_id or "", channel=channel or "",
                      payload=orjson.loads(payload) if payload else {}, status=status, attempts=attempts or 0,
                      next_try=unstamp(next_try), lease_until=unstamp(lease), worker=worker or "", last_error=error or "",
                      created_at=unstamp(created), sent_at=unstamp(sent))
