"""What the alerting side keeps in the Store: events, reports, the outbox of messages
to send, and small named cursors. Each backend implements `AlertState` and exposes it
as `store.alerts`.

The records carry their content as plain dicts (`data`, `payload`): the alerts package
owns their shape; the Store only needs the few fields it filters and sorts on.

Two workers may run at once. Everything that must happen once is a create-only write
keyed by a deterministic id (`claim_report`, `enqueue`) or a conditional update
(`lease`), so the loser of a race learns it lost and does nothing.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from nlp.errors import BadInput

from .post import SHANGHAI

def stamp(value: datetime | None) -> str | None:
    """Sortable text of an instant, as the backends store it: UTC, always with
    microseconds (a naive time is read as Asia/Shanghai)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    return value.astimezone(timezone.utc).isoformat(timespec="microseconds")


def unstamp(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(SHANGHAI) if value else None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


REPORT_KINDS = ("first", "update", "close")
VERDICTS = ("useful", "false_alarm")
OUTBOX_STATES = ("pending", "sent", "dead")


def check_one_of(value: str, allowed: tuple[str, ...], what: str) -> None:
    """A report kind, verdict or outbox status as every backend accepts it."""
    if value not in allowed:
        raise BadInput(f"{what} must be one of {', '.join(allowed)}, not {value!r}")


@dataclass
class EventRecord:
    """An event as stored. `data` is alerts.model.Event.to_dict()."""
    id: str
    title: str
    status: str                      # "open" | "closed"
    first_seen: datetime             # time of its first post
    last_seen: datetime              # time of its latest post
    post_count: int
    level: str = ""                  # highest level reported so far ("" before the 首报)
    data: dict[str, Any] = field(default_factory=dict)
    updated_at: datetime | None = None


@dataclass
class ReportRecord:
    """One report as made. Its id is deterministic (see alerts.model.report_id), so the
    same report can be claimed only once, whichever worker gets there first."""
    id: str
    event_id: str
    kind: str                        # one of REPORT_KINDS
    level: str
    sent_at: datetime                # when it was made (simulated time in a backtest)
    title: str
    data: dict[str, Any] = field(default_factory=dict)
    verdict: str = ""                # "" | one of VERDICTS, set by an analyst
    note: str = ""
    marked_at: datetime | None = None


@dataclass
class OutboxItem:
    """One report to deliver on one channel; id is f"{report_id}>{channel}"."""
    id: str
    report_id: str
    channel: str
    payload: dict[str, Any] = field(default_factory=dict)
    status: str = "pending"          # one of OUTBOX_STATES
    attempts: int = 0
    next_try: datetime | None = None
    lease_until: datetime | None = None
    worker: str = ""
    last_error: str = ""
    created_at: datetime | None = None
    sent_at: datetime | None = None


class AlertState(ABC):
    # events ----------------------------------------------------------------
    @abstractmethod
    def save_events(self, events: Iterable[EventRecord]) -> None:
        """Insert or replace by id."""

    @abstractmethod
    def get_event(self, event_id: str) -> EventRecord | None: ...

    @abstractmethod
    def events(self, status: str | None = None, since: datetime | None = None,
               limit: int | None = None) -> list[EventRecord]:
        """Events (with that status, last seen at or after `since`), latest last_seen first."""

    # reports ---------------------------------------------------------------
    @abstractmethod
    def claim_report(self, report: ReportRecord) -> bool:
        """Create the report if no report with its id exists; True only for the creator."""

    @abstractmethod
    def get_report(self, report_id: str) -> ReportRecord | None: ...

    @abstractmethod
    def reports(self, event_id: str | None = None, start: datetime | None = None,
                end: datetime | None = None, marked: bool | None = None,
                limit: int | None = None) -> list[ReportRecord]:
        """Reports in sent_at order, oldest first; start inclusive, end exclusive."""

    @abstractmethod
    def mark_report(self, report_id: str, verdict: str, note: str = "",
                    at: datetime | None = None) -> bool:
        """Record an analyst's verdict; False when there is no such report."""

    # outbox ----------------------------------------------------------------
    @abstractmethod
    def enqueue(self, items: Iterable[OutboxItem]) -> int:
        """Create-only by id; returns how many were new."""

    @abstractmethod
    def due(self, now: datetime, limit: int = 100) -> list[OutboxItem]:
        """Pending items whose next_try has come and whose lease (if any) has run out."""

    @abstractmethod
    def lease(self, item_id: str, worker: str, now: datetime, until: datetime) -> bool:
        """Take a pending item for sending if nobody holds an unexpired lease on it."""

    @abstractmethod
    def finish(self, item_id: str, worker: str, sent_at: datetime) -> None:
        """Mark a leased item sent."""

    @abstractmethod
    def retry_later(self, item_id: str, worker: str, error: str, next_try: datetime | None) -> None:
        """Record a failed attempt: pending again at next_try, or `dead` when next_try is None."""

    @abstractmethod
    def outbox(self, status: str | None = None, limit: int | None = None) -> list[OutboxItem]: ...

    # cursors ---------------------------------------------------------------
    @abstractmethod
    def get_cursor(self, name: str) -> str | None: ...

    @abstractmethod
    def set_cursor(self, name: str, value: str) -> None: ...
