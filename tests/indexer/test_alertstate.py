"""The AlertState contract (store.alerts), run against the SQLite backend."""
import threading
from datetime import datetime, timedelta, timezone

import pytest

from indexer.alertstate import EventRecord, OutboxItem, ReportRecord
from indexer.post import SHANGHAI
from nlp.errors import BadInput

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=SHANGHAI)


def event(eid, hours=0, status="open", **kw):
    return EventRecord(id=eid, title=kw.pop("title", f"事件{eid}"), status=status,
                       first_seen=T0, last_seen=T0 + timedelta(hours=hours), post_count=kw.pop("post_count", 3),
                       **kw)


def report(rid, event_id="e1", hours=0, kind="first", **kw):
    return ReportRecord(id=rid, event_id=event_id, kind=kind, level=kw.pop("level", "general"),
                        sent_at=T0 + timedelta(hours=hours), title=kw.pop("title", "首报"), **kw)


def item(iid, minutes=0, **kw):
    return OutboxItem(id=iid, report_id=iid.split(">")[0], channel=iid.split(">")[-1],
                      next_try=T0 + timedelta(minutes=minutes), **kw)


# events --------------------------------------------------------------------
def test_events_round_trip(store):
    e = event("e1", 2, level="serious", data={"keywords": ["公车私用"], "n": 3, "nested": {"a": [1, 2]}},
              updated_at=T0)
    store.alerts.save_events([e])
    got = store.alerts.get_event("e1")
    assert got == e
    assert got.last_seen.tzinfo is not None and got.last_seen.utcoffset() == timedelta(hours=8)
    assert store.alerts.get_event("nope") is None


def test_save_events_replaces_by_id(store):
    store.alerts.save_events([event("e1", post_count=3)])
    store.alerts.save_events([event("e1", post_count=9, status="closed")])
    got = store.alerts.get_event("e1")
    assert (got.post_count, got.status) == (9, "closed")
    assert got.updated_at is not None  # set when the caller gave none
    assert len(store.alerts.events()) == 1


def test_events_listing_filters(store):
    store.alerts.save_events([event("a", 1), event("b", 5), event("c", 3, status="closed"), event("d", 4)])
    assert [e.id for e in store.alerts.events()] == ["b", "d", "c", "a"]
    assert [e.id for e in store.alerts.events(status="open")] == ["b", "d", "a"]
    assert [e.id for e in store.alerts.events(since=T0 + timedelta(hours=3))] == ["b", "d", "c"]
    assert [e.id for e in store.alerts.events(status="open", since=T0 + timedelta(hours=3), limit=1)] == ["b"]


def test_times_in_other_zones_compare_as_instants(store):
    # 01:30 UTC is 09:30 in Shanghai: later than T0 + 1h (09:00) though its text sorts first
    utc = datetime(2026, 11, 1, 1, 30, tzinfo=timezone.utc)
    store.alerts.save_events([event("a", 1), EventRecord("u", "u", "open", utc, utc, 1)])
    assert [e.id for e in store.alerts.events()] == ["u", "a"]
    assert store.alerts.get_event("u").last_seen == utc


# reports -------------------------------------------------------------------
def test_claim_report_only_once(store):
    r = report("e1:first:general", data={"posts": ["p1", "p2"]})
    assert store.alerts.claim_report(r) is True
    other = report("e1:first:general", title="另一份", hours=5)
    assert store.alerts.claim_report(other) is False
    got = store.alerts.get_report("e1:first:general")
    assert got == r  # the loser did not overwrite
    assert store.alerts.get_report("nope") is None


def test_claim_report_rejects_unknown_kind(store):
    with pytest.raises(BadInput):
        store.alerts.claim_report(report("x", kind="final"))


def test_two_stores_on_one_file_claim_each_report_once(tmp_path):
    """Two workers (two connections to one WAL file) race for the same reports."""
    from indexer.sqlite import SqliteStore

    path = tmp_path / "shared.db"
    stores = [SqliteStore(path), SqliteStore(path)]
    ids = [f"e{i}:first:general" for i in range(200)]
    wins: list[list[str]] = [[], []]
    barrier = threading.Barrier(2)

    def work(n: int) -> None:
        barrier.wait()
        for rid in (ids if n == 0 else ids[::-1]):
            if stores[n].alerts.claim_report(report(rid, title=f"worker {n}")):
                wins[n].append(rid)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert sorted(wins[0] + wins[1]) == sorted(ids)  # every report claimed, none twice
        for n in range(2):
            assert all(stores[0].alerts.get_report(rid).title == f"worker {n}" for rid in wins[n])
    finally:
        for s in stores:
            s.close()


def test_reports_listing_and_filters(store):
    for rid, eid, h, kind in [("r1", "e1", 0, "first"), ("r2", "e2", 1, "first"), ("r3", "e1", 2, "update"),
                              ("r4", "e1", 3, "close")]:
        assert store.alerts.claim_report(report(rid, eid, h, kind))
    assert [r.id for r in store.alerts.reports()] == ["r1", "r2", "r3", "r4"]
    assert [r.id for r in store.alerts.reports(event_id="e1")] == ["r1", "r3", "r4"]
    assert [r.id for r in store.alerts.reports(start=T0 + timedelta(hours=1), end=T0 + timedelta(hours=3))] == [
        "r2", "r3"]
    assert [r.id for r in store.alerts.reports(limit=2)] == ["r1", "r2"]
    assert store.alerts.mark_report("r3", "useful", "已核实")
    assert [r.id for r in store.alerts.reports(marked=True)] == ["r3"]
    assert [r.id for r in store.alerts.reports(marked=False)] == ["r1", "r2", "r4"]


def test_mark_report(store):
    store.alerts.claim_report(report("r1"))
    at = T0 + timedelta(days=1)
    assert store.alerts.mark_report("r1", "false_alarm", "与本院无关", at=at) is True
    got = store.alerts.get_report("r1")
    assert (got.verdict, got.note, got.marked_at) == ("false_alarm", "与本院无关", at)
    assert store.alerts.mark_report("r1", "useful") is True  # an analyst may change their mind
    assert store.alerts.get_report("r1").verdict == "useful" and store.alerts.get_report("r1").marked_at
    assert store.alerts.mark_report("nope", "useful") is False
    with pytest.raises(BadInput):
        store.alerts.mark_report("r1", "maybe")


# outbox --------------------------------------------------------------------
def test_enqueue_is_create_only(store):
    items = [item("r1>email", payload={"to": ["a@example.org"]}), item("r1>webhook")]
    assert store.alerts.enqueue(items) == 2
    assert store.alerts.enqueue([item("r1>email", payload={"to": ["b@example.org"]}), item("r2>email")]) == 1
    got = {i.id: i for i in store.alerts.outbox()}
    assert set(got) == {"r1>email", "r1>webhook", "r2>email"}
    assert got["r1>email"].payload == {"to": ["a@example.org"]}
    assert got["r1>email"].status == "pending" and got["r1>email"].created_at is not None
    assert store.alerts.enqueue([]) == 0


def test_due_respects_next_try_and_order(store):
    store.alerts.enqueue([item("c>email", 10), item("a>email", 0), item("b>email", 5),
                          OutboxItem("n>email", "n", "email")])  # no next_try: due at once
    assert [i.id for i in store.alerts.due(T0 - timedelta(minutes=1))] == ["n>email"]
    assert [i.id for i in store.alerts.due(T0 + timedelta(minutes=5))] == ["n>email", "a>email", "b>email"]
    assert [i.id for i in store.alerts.due(T0 + timedelta(hours=1), limit=2)] == ["n>email", "a>email"]


def test_lease_is_exclusive_until_it_runs_out(store):
    store.alerts.enqueue([item("r1>email"), item("r2>email", 30)])
    now = T0 + timedelta(minutes=1)
    assert store.alerts.lease("r1>email", "w1", now, now + timedelta(minutes=5)) is True
    assert store.alerts.lease("r1>email", "w2", now, now + timedelta(minutes=5)) is False
    assert [i.id for i in store.alerts.due(now)] == []  # leased; r2 not yet due
    assert store.alerts.lease("r2>email", "w1", now, now + timedelta(minutes=5)) is False  # not due
    assert store.alerts.lease("nope", "w1", now, now + timedelta(minutes=5)) is False
    later = now + timedelta(minutes=6)
    assert [i.id for i in store.alerts.due(later)] == ["r1>email"]  # w1 died: its lease ran out
    assert store.alerts.lease("r1>email", "w2", later, later + timedelta(minutes=5)) is True
    held = store.alerts.outbox()[0]
    assert (held.worker, held.lease_until) == ("w2", later + timedelta(minutes=5))
    store.alerts.finish("r1>email", "w1", later)  # w1 woke up: it lost the lease, nothing happens
    assert store.alerts.outbox(status="sent") == []
    store.alerts.finish("r1>email", "w2", later)
    sent = store.alerts.outbox(status="sent")
    assert [i.id for i in sent] == ["r1>email"] and sent[0].sent_at == later and sent[0].attempts == 1
    assert store.alerts.lease("r1>email", "w3", later + timedelta(hours=1), later + timedelta(hours=2)) is False


def test_retry_later_and_dead(store):
    store.alerts.enqueue([item("r1>webhook")])
    t1 = T0 + timedelta(minutes=1)
    assert store.alerts.lease("r1>webhook", "w1", t1, t1 + timedelta(minutes=5))
    store.alerts.retry_later("r1>webhook", "w2", "not mine", t1)  # no lease: ignored
    assert store.alerts.outbox()[0].attempts == 0
    store.alerts.retry_later("r1>webhook", "w1", "HTTP 503", t1 + timedelta(minutes=10))
    got = store.alerts.outbox()[0]
    assert (got.status, got.attempts, got.last_error, got.lease_until) == ("pending", 1, "HTTP 503", None)
    assert store.alerts.due(t1 + timedelta(minutes=9)) == []
    assert store.alerts.lease("r1>webhook", "w1", t1 + timedelta(minutes=9), t1 + timedelta(minutes=15)) is False
    t2 = t1 + timedelta(minutes=10)
    assert [i.id for i in store.alerts.due(t2)] == ["r1>webhook"]
    assert store.alerts.lease("r1>webhook", "w1", t2, t2 + timedelta(minutes=5))
    store.alerts.retry_later("r1>webhook", "w1", "HTTP 400", None)
    got = store.alerts.outbox(status="dead")
    assert [(i.id, i.attempts, i.last_error) for i in got] == [("r1>webhook", 2, "HTTP 400")]
    assert store.alerts.due(t2 + timedelta(days=1)) == []
    assert store.alerts.outbox(status="pending") == []


def test_outbox_listing(store):
    store.alerts.enqueue([item(f"r{i}>email", created_at=T0 + timedelta(minutes=i)) for i in range(3)])
    assert [i.id for i in store.alerts.outbox(limit=2)] == ["r0>email", "r1>email"]
    assert len(store.alerts.outbox(status="pending")) == 3


# cursors -------------------------------------------------------------------
def test_cursors(store):
    assert store.alerts.get_cursor("events") is None
    store.alerts.set_cursor("events", "42")
    store.alerts.set_cursor("other", "7")
    store.alerts.set_cursor("events", "43")
    assert (store.alerts.get_cursor("events"), store.alerts.get_cursor("other")) == ("43", "7")


def test_state_survives_reopen_and_memory_store_works(tmp_path):
    from indexer.sqlite import SqliteStore

    with SqliteStore(tmp_path / "s.db") as s:
        s.alerts.claim_report(report("r1"))
        s.alerts.set_cursor("events", "5")
    with SqliteStore(tmp_path / "s.db") as s:
        assert s.alerts.get_report("r1") is not None and s.alerts.get_cursor("events") == "5"
        assert s.alerts.claim_report(report("r1")) is False
    with SqliteStore(":memory:") as s:
        assert s.alerts.claim_report(report("r1")) is True
        assert s.alerts.claim_report(report("r1")) is False
        s.alerts.enqueue([item("r1>email")])
        assert s.alerts.lease("r1>email", "w", T0, T0 + timedelta(minutes=1))
