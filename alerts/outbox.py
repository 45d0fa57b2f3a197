"""The persistent outbox: every message to every channel is an item in the Store, sent
by whichever worker leases it, retried with backoff while its channel is down.

Routing. A channel receives a message when the message's level is at or above the
channel's `min_level`, or when the message is urgent and the channel is an urgent one
(急事急报: an urgent channel with min_level "major" gets the urgent messages and the
major ones only). Urgent items are delivered first in each round; the engine calls
`deliver` right after `enqueue` so that they go out at once.

Once. An item's id is f"{report_id}>{channel}" and enqueueing is create-only, so
enqueueing a report again (after a restart, or by a second worker) adds nothing. An
item is sent only by the worker holding its lease.

At least once, not exactly once. A worker that dies after the channel accepted a
message and before `finish` is recorded leaves the item leased; when the lease runs out
another worker sends it again. The window is one SQL write long, plus any time a send
takes beyond the lease, which is why the lease (2 minutes) must exceed the slowest
channel's timeout. Chat bots cannot drop a duplicate; e-mail carries a Message-ID
derived from the item so mail systems can; the file channel is idempotent.

Retries. A transient failure is retried after first_delay, then factor times longer
each time, at most max_delay apart (or later if the server asked for it), until
give_up_after has passed since the item was queued: then the item is `dead` and an
error is logged. A permanent failure is dead at once. After a transient failure the
rest of that channel's items wait for the next round, so a channel that is down costs
one timeout per round, not one per item, and does not hold up the other channels. An item whose channel is no
longer configured stays pending (it is set aside for one lease at a time and logged),
so it goes out when the channel is configured again.

Time. `now` is passed in (the backtest and the tests drive the clock); within one
`deliver` call it is advanced by the real time the call has taken, so that a slow
round does not hold leases that have in truth run out.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Mapping

from indexer.alertstate import AlertState, OutboxItem

from .channels import Channel, ChannelError
from .message import Message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    first_delay: timedelta = timedelta(seconds=30)
    factor: float = 2.0
    max_delay: timedelta = timedelta(minutes=30)
    give_up_after: timedelta = timedelta(hours=48)

    def delay(self, failures: int, retry_after: float | None = None) -> timedelta:
        """The wait after the `failures`-th failure in a row (1 for the first)."""
        seconds = self.first_delay.total_seconds() * self.factor ** max(0, failures - 1)
        if retry_after is not None:
            seconds = max(seconds, retry_after)
        return min(timedelta(seconds=seconds), self.max_delay)


@dataclass
class DeliveryStats:
    sent: int = 0        # accepted by the channel and marked sent
    retried: int = 0     # failed, pending again later
    dead: int = 0        # given up
    skipped: int = 0     # another worker holds the lease
    deferred: int = 0    # its channel failed earlier in this round: left for the next one
    unknown: int = 0     # the channel is not configured

    @property
    def attempted(self) -> int:
        return self.sent + self.retried + self.dead


class Outbox:
    def __init__(self, state: AlertState, channels: Mapping[str, Channel], worker: str,
                 policy: RetryPolicy = RetryPolicy(), lease: timedelta = timedelta(minutes=2)):
        self.state = state
        self.channels = dict(channels)
        self.worker = worker
        self.policy = policy
        self.lease = lease

    def route(self, message: Message) -> list[str]:
        """The names of the channels that want this message."""
        return [name for name, channel in self.channels.items() if channel.wants(message)]

    def enqueue(self, message: Message, now: datetime) -> int:
        """Queue the message for each channel that wants it; how many items were new."""
        items = [OutboxItem(id=f"{message.report_id}>{name}", report_id=message.report_id, channel=name,
                            payload=message.to_dict(attachments=self.channels[name].takes_attachments),
                            status="pending", attempts=0, next_try=now, created_at=now)
                 for name in self.route(message)]
        if not items:
            log.info("report %s (%s) goes to no channel: none takes that level", message.report_id, message.level)
            return 0
        new = self.state.enqueue(items)
        log.info("report %s queued for %d channel(s), %d new%s", message.report_id, len(items), new,
                 " (urgent)" if message.urgent else "")
        return new

    def deliver(self, now: datetime, limit: int = 100) -> DeliveryStats:
        """One round: every due item (urgent ones first) is leased, sent, and marked."""
        stats = DeliveryStats()
        started = time.monotonic()
        items = self.state.due(now, limit)
        items.sort(key=lambda i: not i.payload.get("urgent", False))  # stable: due order otherwise
        missing: set[str] = set()
        down: set[str] = set()

        def clock() -> datetime:
            return now + timedelta(seconds=time.monotonic() - started)

        for item in items:
            at = clock()
            channel = self.channels.get(item.channel)
            if channel is None:
                if self.state.lease(item.id, self.worker, at, at + self.lease):
                    stats.unknown += 1
                    missing.add(item.channel)
                continue
            if item.channel in down:
                stats.deferred += 1
                continue
            if not self.state.lease(item.id, self.worker, at, at + self.lease):
                stats.skipped += 1
                continue
            if not self._attempt(item, channel, clock, stats):
                down.add(item.channel)
        for name in sorted(missing):
            log.error("outbox: channel %r is not configured; its items stay pending until it is", name)
        return stats

    def _attempt(self, item: OutboxItem, channel: Channel, clock: Callable[[], datetime],
                 stats: DeliveryStats) -> bool:
        """Send one leased item; False when the channel looks down (a transient failure)."""
        attempt = item.attempts + 1
        try:
            message = Message.from_dict(item.payload)
        except (KeyError, TypeError, ValueError) as e:
            self._dead(item, clock(), f"unreadable payload: {type(e).__name__}: {e}", stats)
            return True
        try:
            channel.send(message)
        except ChannelError as e:
            if not e.transient:
                self._dead(item, clock(), str(e), stats)
                return True
            self._retry(item, clock(), str(e), e.retry_after, stats)
            return False
        except Exception as e:  # a fault in a channel: keep the message, retry like a transient error
            log.exception("outbox %s: channel %s failed unexpectedly", item.id, item.channel)
            self._retry(item, clock(), f"{type(e).__name__}: {e}", None, stats)
            return False
        self.state.finish(item.id, self.worker, clock())
        stats.sent += 1
        log.info("outbox %s: sent on %s (attempt %d)", item.id, item.channel, attempt)
        return True

    def _retry(self, item: OutboxItem, at: datetime, error: str, retry_after: float | None,
               stats: DeliveryStats) -> None:
        failures = item.attempts + 1
        next_try = at + self.policy.delay(failures, retry_after)
        queued = item.created_at or at
        if next_try - queued > self.policy.give_up_after:
            self._dead(item, at, f"gave up after {failures} attempts over {at - queued}: {error}", stats)
            return
        self.state.retry_later(item.id, self.worker, error, next_try)
        stats.retried += 1
        log.warning("outbox %s: attempt %d failed, next try at %s: %s", item.id, failures,
                    next_try.isoformat(timespec="seconds"), error)

    def _dead(self, item: OutboxItem, at: datetime, error: str, stats: DeliveryStats) -> None:
        self.state.retry_later(item.id, self.worker, error, None)
        stats.dead += 1
        log.error("outbox %s: not delivered, given up (report %s, channel %s): %s", item.id, item.report_id,
                  item.channel, error)

