"""The outbox on the SQLite store, delivering to real local servers (an HTTP webhook
endpoint, an aiosmtpd mailbox, a directory). The clock is passed in: nothing sleeps."""
from __future__ import annotations

import email
import email.policy
import json
import logging
import socket
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from aiosmtpd.controller import Controller

from alerts.channels import WebhookChannel, make_channel
from alerts.message import Message
from alerts.outbox import Outbox, RetryPolicy
from indexer.post import SHANGHAI
from indexer.sqlite import SqliteStore
from tests.alerts.servers import threaded

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=SHANGHAI)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


def message(n: int = 1, level: str = "serious", urgent: bool = False) -> Message:
    return Message(report_id=f"ev{n}:first", event_id=f"ev{n}", kind="first", level=level, urgent=urgent,
                   subject=f"【首报】事件{n}", text=f"事件{n} <b>原文</b>", markdown=f"事件{n} \\<b\\>",
                   html=f"<p>事件{n} &lt;b&gt;</p><img src=\"cid:trend.png\">",
                   url=f"http://127.0.0.1/reports/ev{n}:first", attachments=[("trend.png", "image/png", PNG)])


class Endpoint(ThreadingHTTPServer):
    """A webhook receiver: answers from `script` (one status per request, then 200 for
    good unless `always` is set) and counts what it received per report."""

    daemon_threads = True

    def __init__(self, script=(), always: int | None = None, delay: float = 0.0):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = list(script)
        self.always = always
        self.delay = delay
        self.lock = threading.Lock()
        self.statuses: list[int] = []
        self.received: Counter = Counter()
        self.bodies: list[dict] = []

    def next_status(self) -> int:
        with self.lock:
            status = self.script.pop(0) if self.script else (self.always or 200)
            self.statuses.append(status)
            return status

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.server.delay:
            time.sleep(self.server.delay)
        status = self.server.next_status()
        if status == 200:
            with self.server.lock:
                self.server.received[body["report_id"]] += 1
                self.server.bodies.append(body)
        self.send_response(status)
        if status == 429:
            self.send_header("Retry-After", "300")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    with threaded(Endpoint) as start:
        yield start


def hook(server: Endpoint, name: str = "hook", **kw):
    return make_channel("webhook", name, url=server.url, timeout=5, **kw)


def item(store, item_id: str):
    [found] = [i for i in store.alerts.outbox() if i.id == item_id]
    return found


# --- policy and routing ----------------------------------------------------------------

def test_backoff_doubles_up_to_the_cap():
    p = RetryPolicy()
    assert [p.delay(n).total_seconds() for n in range(1, 9)] == [30, 60, 120, 240, 480, 960, 1800, 1800]
    assert p.delay(1, retry_after=300).total_seconds() == 300
    assert p.delay(1, retry_after=99999) == p.max_delay


def test_routing_by_level_and_urgency(store, tmp_path, serve):
    server = serve()
    channels = {
        "all": hook(server, "all"),
        "major": hook(server, "major", min_level="major"),
        "duty": hook(server, "duty", min_level="major", urgent=True),
        "archive": make_channel("file", "archive", directory=str(tmp_path / "files")),
    }
    box = Outbox(store.alerts, channels, worker="w1")
    assert box.route(message(1, "general")) == ["all", "archive"]
    assert box.route(message(2, "serious", urgent=True)) == ["all", "duty", "archive"]
    assert box.route(message(3, "major", urgent=True)) == ["all", "major", "duty", "archive"]
    assert box.enqueue(message(3, "major", urgent=True), T0) == 4
    payloads = {i.channel: i.payload for i in store.alerts.outbox()}
    assert {i.id for i in store.alerts.outbox()} == {f"ev3:first>{c}" for c in channels}
    assert payloads["all"]["attachments"] == [] and len(payloads["archive"]["attachments"]) == 1

    # a restart (a new Outbox, a new connection) enqueues the same report again: nothing new
    again = SqliteStore(tmp_path / "store.db")
    try:
        assert Outbox(again.alerts, channels, worker="w2").enqueue(message(3, "major", urgent=True), T0) == 0
    finally:
        again.close()
    assert len(store.alerts.outbox()) == 4


# --- retries -------------------------------------------------------------------------------

def test_a_channel_that_is_down_is_retried_with_backoff(store, serve):
    server = serve(script=[503, 503])
    box = Outbox(store.alerts, {"hook": hook(server)}, worker="w1")
    box.enqueue(message(), T0)

    stats = box.deliver(T0)
    assert (stats.sent, stats.retried) == (0, 1)
    first = item(store, "ev1:first>hook")
    assert first.status == "pending" and first.attempts == 1 and "HTTP 503" in first.last_error
    assert timedelta(seconds=30) <= first.next_try - T0 < timedelta(seconds=31)

    assert box.deliver(T0 + timedelta(seconds=10)).attempted == 0  # not due yet
    assert box.deliver(T0 + timedelta(seconds=31)).retried == 1
    second = item(store, "ev1:first>hook")
    assert timedelta(seconds=60) <= second.next_try - (T0 + timedelta(seconds=31)) < timedelta(seconds=61)

    assert box.deliver(T0 + timedelta(seconds=80)).attempted == 0
    assert box.deliver(T0 + timedelta(seconds=92)).sent == 1
    done = item(store, "ev1:first>hook")
    assert done.status == "sent" and done.attempts == 3 and done.last_error == ""
    assert server.statuses == [503, 503, 200] and server.received == {"ev1:first": 1}
    assert box.deliver(T0 + timedelta(hours=1)).attempted == 0


def test_give_up_after_the_limit(store, serve, caplog):
    server = serve(always=503)
    policy = RetryPolicy(give_up_after=timedelta(minutes=20))
    box = Outbox(store.alerts, {"hook": hook(server)}, worker="w1", policy=policy)
    box.enqueue(message(), T0)
    now = T0
    for _ in range(20):
        box.deliver(now)
        current = item(store, "ev1:first>hook")
        if current.status == "dead":
            break
        now = current.next_try + timedelta(seconds=1)
    dead = item(store, "ev1:first>hook")
    assert dead.status == "dead"
    # 30 s, 1, 2, 4, 8 min: the next wait (16 min) would pass 20 minutes since it was queued
    assert len(server.statuses) == 6 and "gave up after 6 attempts" in dead.last_error
    assert any(r.levelno == logging.ERROR and "ev1:first>hook" in r.getMessage() for r in caplog.records)
    assert box.deliver(now + timedelta(days=1)).attempted == 0


def test_a_channel_that_is_down_is_tried_once_per_round(store, serve):
    down, up = serve(always=503), serve()
    box = Outbox(store.alerts, {"down": hook(down, "down"), "up": hook(up, "up")}, worker="w1")
    for n in range(3):
        box.enqueue(message(n), T0)
    stats = box.deliver(T0)
    assert (stats.sent, stats.retried, stats.deferred) == (3, 1, 2)
    assert len(down.statuses) == 1 and sum(up.received.values()) == 3
    assert len(store.alerts.due(T0 + timedelta(seconds=1))) == 2  # the deferred ones are due still


def test_a_permanent_error_is_dead_at_once(store, serve):
    server = serve(always=400)
    box = Outbox(store.alerts, {"hook": hook(server)}, worker="w1")
    box.enqueue(message(), T0)
    assert box.deliver(T0).dead == 1
    assert item(store, "ev1:first>hook").status == "dead" and server.statuses == [400]


def test_a_server_retry_after_is_respected(store, serve):
    server = serve(script=[429])
    box = Outbox(store.alerts, {"hook": hook(server)}, worker="w1")
    box.enqueue(message(), T0)
    assert box.deliver(T0).retried == 1
    wait = item(store, "ev1:first>hook").next_try - T0
    assert timedelta(seconds=300) <= wait < timedelta(seconds=301)  # the server's Retry-After, not 30 s
    assert box.deliver(T0 + timedelta(seconds=301)).sent == 1


# --- once ----------------------------------------------------------------------------------

def test_two_workers_on_one_store_send_each_message_once(tmp_path, serve):
    server = serve(delay=0.005)
    path = tmp_path / "shared.db"
    stores = [SqliteStore(path), SqliteStore(path)]
    try:
        boxes = [Outbox(s.alerts, {"hook": hook(server)}, worker=f"w{i}") for i, s in enumerate(stores)]
        for n in range(40):  # both workers see the same reports and both enqueue them
            for box in boxes:
                box.enqueue(message(n), T0)
        assert len(stores[0].alerts.outbox()) == 40
        results = [[] for _ in boxes]
        go = threading.Barrier(len(boxes))

        def work(i: int) -> None:
            go.wait()
            for _ in range(10):
                stats = boxes[i].deliver(T0, limit=100)
                results[i].append(stats)
                if stats.attempted == 0 and stats.skipped == 0:
                    break

        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(boxes))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        sent = [sum(s.sent for s in r) for r in results]
        assert sum(sent) == 40
        assert server.received == Counter({f"ev{n}:first": 1 for n in range(40)})
        assert {i.status for i in stores[1].alerts.outbox()} == {"sent"}
    finally:
        for s in stores:
            s.close()


def test_a_worker_that_died_holding_a_lease(store, tmp_path, serve):
    server = serve()
    Outbox(store.alerts, {"hook": hook(server)}, worker="w1").enqueue(message(), T0)
    # w1 leased the item and died before sending
    assert store.alerts.lease("ev1:first>hook", "w1", T0, T0 + timedelta(minutes=2))

    restarted = SqliteStore(tmp_path / "store.db")
    try:
        box = Outbox(restarted.alerts, {"hook": hook(server)}, worker="w2")
        assert box.deliver(T0 + timedelta(minutes=1)).attempted == 0
        assert server.received == {}
        assert box.deliver(T0 + timedelta(minutes=2, seconds=1)).sent == 1
        assert server.received == {"ev1:first": 1}
    finally:
        restarted.close()


class DiesAfterSending(WebhookChannel):
    """The real webhook channel, in a process that is killed right after the server
    accepted the message and before the outbox could record it."""

    def send(self, message: Message) -> None:
        super().send(message)
        raise KeyboardInterrupt


def test_a_crash_between_send_and_finish_resends_only_after_the_lease(store, tmp_path, serve):
    server = serve()
    dying = DiesAfterSending("hook", hook(server).config)
    box = Outbox(store.alerts, {"hook": dying}, worker="w1")
    box.enqueue(message(), T0)
    with pytest.raises(KeyboardInterrupt):
        box.deliver(T0)
    assert server.received == {"ev1:first": 1}
    assert item(store, "ev1:first>hook").status == "pending"

    restarted = SqliteStore(tmp_path / "store.db")
    try:
        box = Outbox(restarted.alerts, {"hook": hook(server)}, worker="w2")
        assert box.deliver(T0 + timedelta(seconds=110)).attempted == 0
        assert server.received == {"ev1:first": 1}
        # the lease ran out: the one duplicate of the at-least-once window
        assert box.deliver(T0 + timedelta(minutes=2, seconds=1)).sent == 1
        assert server.received == {"ev1:first": 2}
        assert box.deliver(T0 + timedelta(hours=1)).attempted == 0
    finally:
        restarted.close()


# --- configuration changes and order -----------------------------------------------------

def test_an_unknown_channel_keeps_its_items(store, serve, caplog):
    server = serve()
    box = Outbox(store.alerts, {"hook": hook(server), "gone": hook(server, "gone")}, worker="w1")
    box.enqueue(message(), T0)

    fewer = Outbox(store.alerts, {"hook": hook(server)}, worker="w1")
    stats = fewer.deliver(T0)
    assert (stats.sent, stats.unknown) == (1, 1)
    assert any(r.levelno == logging.ERROR and "'gone' is not configured" in r.getMessage() for r in caplog.records)
    kept = item(store, "ev1:first>gone")
    assert kept.status == "pending" and kept.attempts == 0
    assert fewer.deliver(T0 + timedelta(seconds=5)).unknown == 0  # set aside, not in the way

    again = Outbox(store.alerts, {"hook": hook(server), "gone": hook(server, "gone")}, worker="w1")
    assert again.deliver(T0 + timedelta(minutes=3)).sent == 1
    assert server.received == {"ev1:first": 2}  # one per channel
    assert item(store, "ev1:first>gone").status == "sent"


def test_urgent_items_go_first(store, serve):
    server = serve()
    box = Outbox(store.alerts, {"hook": hook(server)}, worker="w1")
    box.enqueue(message(1), T0)
    box.enqueue(message(2, "major", urgent=True), T0 + timedelta(seconds=1))
    assert box.deliver(T0 + timedelta(seconds=2), limit=2).sent == 2
    assert [b["report_id"] for b in server.bodies] == ["ev2:first", "ev1:first"]


# --- through to the channels --------------------------------------------------------------

class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 OK"


def test_attachments_survive_the_outbox(store, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        channels = {
            "mail": make_channel("email", "mail", host="127.0.0.1", port=port, security="none",
                                 sender="yuqing@jcy.example", recipients=["duty@jcy.example"], helo="t"),
            "archive": make_channel("file", "archive", directory=str(tmp_path / "out")),
        }
        box = Outbox(store.alerts, channels, worker="w1")
        box.enqueue(message(), T0)
        assert box.deliver(T0).sent == 2
    finally:
        controller.stop()
    [mail] = mailbox.messages
    [png] = [p for p in mail.walk() if p.get_content_type() == "image/png"]
    assert png.get_content() == PNG
    [written] = (tmp_path / "out").glob("*-trend.png")
    assert written.read_bytes() == PNG
    assert "&lt;b&gt;" in next((tmp_path / "out").glob("*.html")).read_text(encoding="utf-8")
