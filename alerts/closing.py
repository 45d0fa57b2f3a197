"""Closing an event by hand (an analyst's 结案)."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Mapping

from indexer.alertstate import EventRecord, ReportRecord
from indexer.store import Store

from .live import message_for
from .model import Event, Level, report_id
from .outbox import Outbox
from .report import Report, build_report

log = logging.getLogger(__name__)


def close_event(store: Store, event_id: str, note: str, now: datetime, *, channels: Mapping,
                worker: str, base_url: str = "") -> Report | None:
    """Make and queue the 结案 of a reported event; None if it is unknown, was never
    reported, or is closed already (the claim is create-only, as for the engine)."""
    state = store.alerts
    record = state.get_event(event_id)
    if record is None:
        return None
    previous = [Report.from_dict(r.data) for r in state.reports(event_id=event_id)]
    if not previous or any(r.kind == "close" for r in previous):
        return None
    level = Level(record.level) if record.level else previous[-1].level
    event = Event.from_dict(record.data)
    change = "分析人员结案" + (f"：{note}" if note else "")
    report = build_report(event, "close", level, now, change=change, previous=previous)
    claimed = state.claim_report(ReportRecord(
        id=report_id(event_id, "close"), event_id=event_id, kind="close", level=level.value, sent_at=now,
        title=report.title, data=report.to_dict(), note=note))
    if not claimed:
        return None
    event.status = "closed"
    state.save_events([EventRecord(id=record.id, title=record.title, status="closed",
                                   first_seen=record.first_seen, last_seen=record.last_seen,
                                   post_count=record.post_count, level=record.level,
                                   data=event.to_dict(), updated_at=now)])
    outbox = Outbox(state, dict(channels), worker)
    outbox.enqueue(message_for(report, base_url), now)
    outbox.deliver(now)
    log.info("event %s closed by hand", event_id)
    return report
