"""indexer.alertstate on a cluster: events, reports, the outbox and cursors, an index each.

What must happen once is a create-only write or a conditional one, so that of two
alert workers only one wins:
- `claim_report` creates the report with `op_type: create` under its deterministic id:
  the second worker to claim a 首报 gets a conflict and sends nothing;
- `enqueue` creates each outbox item the same way;
- `lease`, `finish` and `retry_later` read the item (a real-time get), check it, and write
  it back with `if_seq_no`/`if_primary_term`: if another worker changed it in between,
  the write is refused and this worker has lost.

Times are written as ISO text with their offset (dates to the cluster, exact instants in
`_source`) and read back in Asia/Shanghai time, as the SQLite store does.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable

from .alertstate import (OUTBOX_STATES, REPORT_KINDS, VERDICTS, AlertState, EventRecord, OutboxItem,
                         ReportRecord, check_one_of, stamp, unstamp, utcnow)
from .es_wire import Conflict

if TYPE_CHECKING:
    from .es_store import ClusterStore

log = logging.getLogger(__name__)
PAGE = 1000
TRIES = 5     # conditional writes re-read and try again this often when they lose a race


class ClusterAlertState(AlertState):
    def __init__(self, store: "ClusterStore"):
        self.store = store

    def _index(self, kind: str) -> str:
        return self.store.names.state(kind)

    def _search(self, kind: str, query: dict[str, Any], sort: list[Any], limit: int | None) -> list[dict[str, Any]]:
        """All hits (or the first `limit`) in `sort` order."""
        return self.store.wire.search_all(self._index(kind), {"query": query, "sort": sort}, f"read {kind}", limit,
                                          page=PAGE)

    def _get(self, kind: str, doc_id: str) -> dict[str, Any] | None:
        return self.store.wire.get(self._index(kind), doc_id)

    # events ----------------------------------------------------------------
    def save_events(self, events: Iterable[EventRecord]) -> None:
        now = stamp(utcnow())
        index = self._index("events")
        actions = [{"_op_type": "index", "_index": index, "_id": e.id, "_source": {
            "id": e.id, "title": e.title, "status": e.status, "first_seen": stamp(e.first_seen),
            "last_seen": stamp(e.last_seen), "post_count": e.post_count, "level": e.level, "data": e.data,
            "updated_at": stamp(e.updated_at) or now}} for e in events]
        if actions:
            self.store.ready()
            self.store.write_bulk(actions, "save events")

    def get_event(self, event_id: str) -> EventRecord | None:
        doc = self._get("events", event_id)
        return None if doc is None else _event(doc["_source"])

    def events(self, status: str | None = None, since: datetime | None = None,
               limit: int | None = None) -> list[EventRecord]:
        filters: list[dict[str, Any]] = []
        if status is not None:
            filters.append({"term": {"status": status}})
        if since is not None:
            filters.append({"range": {"last_seen": {"gte": stamp(since)}}})
        hits = self._search("events", {"bool": {"filter": filters}}, [{"last_seen": "desc"}, {"id": "asc"}], limit)
        return [_event(h["_source"]) for h in hits]

    # reports ---------------------------------------------------------------
    def claim_report(self, report: ReportRecord) -> bool:
        check_one_of(report.kind, REPORT_KINDS, "report kind")
        doc = {"id": report.id, "event_id": report.event_id, "kind": report.kind, "level": report.level,
               "sent_at": stamp(report.sent_at), "title": report.title, "data": report.data,
               "verdict": report.verdict, "note": report.note, "marked_at": stamp(report.marked_at)}
        self.store.ready()
        try:
            self.store.wire.put(self._index("reports"), report.id, doc, create=True, refresh=self.store.refresh)
        except Conflict:
            return False
        return True

    def get_report(self, report_id: str) -> ReportRecord | None:
        doc = self._get("reports", report_id)
        return None if doc is None else _report(doc["_source"])

    def reports(self, event_id: str | None = None, start: datetime | None = None,
                end: datetime | None = None, marked: bool | None = None,
                limit: int | None = None) -> list[ReportRecord]:
        filters: list[dict[str, Any]] = []
        must_not: list[dict[str, Any]] = []
        if event_id is not None:
            filters.append({"term": {"event_id": event_id}})
        window = {k: stamp(v) for k, v in (("gte", start), ("lt", end)) if v is not None}
        if window:
            filters.append({"range": {"sent_at": window}})
        marked_clause = {"bool": {"filter": [{"exists": {"field": "verdict"}}],
                                  "must_not": [{"term": {"verdict": ""}}]}}
        if marked is True:
            filters.append(marked_clause)
        elif marked is False:
            must_not.append(marked_clause)
        query = {"bool": {"filter": filters, "must_not": must_not}}
        return [_report(h["_source"]) for h in self._search("reports", query, [{"sent_at": "asc"}, {"id": "asc"}], limit)]

    def mark_report(self, report_id: str, verdict: str, note: str = "", at: datetime | None = None) -> bool:
        check_one_of(verdict, VERDICTS, "verdict")
        return self.store.wire.update(self._index("reports"), report_id,
                                      {"verdict": verdict, "note": note, "marked_at": stamp(at or utcnow())},
                                      refresh=self.store.refresh)

    # outbox ----------------------------------------------------------------
    def enqueue(self, items: Iterable[OutboxItem]) -> int:
        now = stamp(utcnow())
        items = list(items)
        for i in items:
            check_one_of(i.status, OUTBOX_STATES, "outbox status")
        if not items:
            return 0
        index = self._index("outbox")
        actions = [{"_op_type": "create", "_index": index, "_id": i.id, "_source": _item_doc(i, now)} for i in items]
        self.store.ready()
        outcomes = self.store.write_bulk(actions, "enqueue messages", conflicts_ok=True)
        return sum(1 for outcome, _ in outcomes if outcome == "ok")

    def due(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        t = stamp(now)
        query = {"bool": {"filter": [
            {"term": {"status": "pending"}},
            {"bool": {"should": [{"range": {"next_try": {"lte": t}}},
                                 {"bool": {"must_not": [{"exists": {"field": "next_try"}}]}}]}},
            {"bool": {"should": [{"range": {"lease_until": {"lt": t}}},
                                 {"bool": {"must_not": [{"exists": {"field": "lease_until"}}]}}]}},
        ]}}
        sort = [{"next_try": {"order": "asc", "missing": "_first"}}, {"created_at": "asc"}, {"id": "asc"}]
        return [_item(h["_source"]) for h in self._search("outbox", query, sort, limit)]

    def lease(self, item_id: str, worker: str, now: datetime, until: datetime) -> bool:
        doc = self._get("outbox", item_id)
        if doc is None:
            return False
        item = _item(doc["_source"])
        if item.status != "pending" or (item.next_try and item.next_try > now) or \
                (item.lease_until and item.lease_until >= now):
            return False
        src = {**doc["_source"], "worker": worker, "lease_until": stamp(until)}
        try:
            self.store.wire.put(self._index("outbox"), item_id, src, seq_no=doc["_seq_no"],
                                primary_term=doc["_primary_term"], refresh=self.store.refresh)
        except Conflict:
            return False   # another worker took it between our read and our write
        return True

    def finish(self, item_id: str, worker: str, sent_at: datetime) -> None:
        def change(src: dict[str, Any]) -> dict[str, Any]:
            return {**src, "status": "sent", "sent_at": stamp(sent_at), "attempts": (src.get("attempts") or 0) + 1,
                    "lease_until": None, "last_error": ""}
        if not self._change_leased(item_id, worker, change):
            log.warning("outbox %s: %s does not hold the lease; not marked sent", item_id, worker)

    def retry_later(self, item_id: str, worker: str, error: str, next_try: datetime | None) -> None:
        def change(src: dict[str, Any]) -> dict[str, Any]:
            return {**src, "status": "pending" if next_try is not None else "dead",
                    "next_try": stamp(next_try) if next_try is not None else src.get("next_try"),
                    "attempts": (src.get("attempts") or 0) + 1, "lease_until": None, "last_error": error}
        if not self._change_leased(item_id, worker, change):
            log.warning("outbox %s: %s does not hold the lease; failure not recorded", item_id, worker)

    def _change_leased(self, item_id: str, worker: str, change) -> bool:
        """Apply `change` to an item this worker holds the lease on, conditionally."""
        for _ in range(TRIES):
            doc = self._get("outbox", item_id)
            if doc is None:
                return False
            src = doc["_source"]
            if src.get("worker") != worker or src.get("status") != "pending" or not src.get("lease_until"):
                return False
            try:
                self.store.wire.put(self._index("outbox"), item_id, change(src), seq_no=doc["_seq_no"],
                                    primary_term=doc["_primary_term"], refresh=self.store.refresh)
                return True
            except Conflict:
                continue   # changed meanwhile: look again
        return False

    def outbox(self, status: str | None = None, limit: int | None = None) -> list[OutboxItem]:
        query = {"term": {"status": status}} if status is not None else {"match_all": {}}
        return [_item(h["_source"]) for h in self._search("outbox", query, [{"created_at": "asc"}, {"id": "asc"}], limit)]

    # cursors ---------------------------------------------------------------
    def get_cursor(self, name: str) -> str | None:
        doc = self._get("cursors", name)
        return None if doc is None else doc["_source"].get("value")

    def set_cursor(self, name: str, value: str) -> None:
        self.store.ready()
        self.store.wire.put(self._index("cursors"), name, {"name": name, "value": value, "updated_at": stamp(utcnow())},
                            refresh=self.store.refresh)

    # -----------------------------------------------------------------------


def _item_doc(i: OutboxItem, now: str | None) -> dict[str, Any]:
    return {"id": i.id, "report_id": i.report_id, "channel": i.channel, "payload": i.payload, "status": i.status,
            "attempts": i.attempts, "next_try": stamp(i.next_try), "lease_until": stamp(i.lease_until),
            "worker": i.worker, "last_error": i.last_error, "created_at": stamp(i.created_at) or now,
            "sent_at": stamp(i.sent_at)}


def _event(s: dict[str, Any]) -> EventRecord:
    return EventRecord(id=s["id"], title=s.get("title") or "", status=s.get("status") or "",
                       first_seen=unstamp(s.get("first_seen")), last_seen=unstamp(s.get("last_seen")),
                       post_count=s.get("post_count") or 0, level=s.get("level") or "", data=s.get("data") or {},
                       updated_at=unstamp(s.get("updated_at")))


def _report(s: dict[str, Any]) -> ReportRecord:
    return ReportRecord(id=s["id"], event_id=s.get("event_id") or "", kind=s["kind"], level=s.get("level") or "",
                        sent_at=unstamp(s.get("sent_at")), title=s.get("title") or "", data=s.get("data") or {},
                        verdict=s.get("verdict") or "", note=s.get("note") or "", marked_at=unstamp(s.get("marked_at")))


def _item(s: dict[str, Any]) -> OutboxItem:
    return OutboxItem(id=s["id"], report_id=s.get("report_id") or "", channel=s.get("channel") or "",
                      payload=s.get("payload") or {}, status=s["status"], attempts=s.get("attempts") or 0,
                      next_try=unstamp(s.get("next_try")), lease_until=unstamp(s.get("lease_until")),
                      worker=s.get("worker") or "", last_error=s.get("last_error") or "",
                      created_at=unstamp(s.get("created_at")), sent_at=unstamp(s.get("sent_at")))
