"""What only the cluster backends do: index layout and months, concurrency between
workers, retries, the spool, and the messages for a wrong URL, credentials or TLS.
Run against osmem-server (tests/indexer/esfixtures.py); faults come from the test proxy."""
import threading
from datetime import datetime, timedelta, timezone

import pytest

from indexer.alertstate import OutboxItem, ReportRecord
from indexer.crawlstate import SeenPage
from indexer.es_wire import Unreachable
from indexer.post import SHANGHAI, Post
from indexer.store import SearchRequest
from nlp.errors import ConfigError
from nlp.labels import Platform
from nlp.tokenize import tokenize

CLUSTERS = ["opensearch", "elasticsearch"]
T0 = datetime(2026, 11, 1, 8, 0, tzinfo=SHANGHAI)


def post(pid, text="检察院 通报", hours=0, **kw):
    kw.setdefault("platform", Platform.WEIBO)
    return Post(id=pid, text=text, tokens=tokenize(text), published_at=T0 + timedelta(hours=hours),
                input_hash=f"h-{pid}", **kw)


@pytest.fixture(params=CLUSTERS)
def backend(request):
    return request.param


@pytest.fixture
def proxy(osmem):
    yield osmem.proxy
    osmem.proxy.reset()


class Clock:
    def __init__(self, at):
        self.at = at

    def __call__(self):
        return self.at


def test_setup_is_idempotent_and_makes_the_layout(osmem, backend, tmp_path):
    with osmem.store(backend, tmp_path, index_prefix="jy") as s:
        created = s.setup()
        assert "jy-events" in created and "jy-reports" in created and "jy-users" in created
        assert s.setup() == []   # nothing changes the second time
        month = s.layout.write_index()
        assert month == s.names.posts_month(datetime.now(timezone.utc).astimezone(SHANGHAI))
        mapping = s.wire.call("read", s.wire.client.indices.get_mapping, index=month)[month]["mappings"]
        props = mapping["properties"]
        assert props["body"] == {"type": "text", "analyzer": "whitespace"}
        assert props["site"]["type"] == "keyword" and props["ts"]["type"] == "date"
        assert props["text"]["index"] is False   # raw text kept for display only
        aliases = s.wire.call("read", s.wire.client.indices.get_alias, index=month)[month]["aliases"]
        assert aliases == {"jy-posts": {}, "jy-posts-write": {"is_write_index": True}}


def test_months_roll_over_and_old_posts_are_updated_where_they_are(osmem, backend, tmp_path):
    clock = Clock(datetime(2026, 10, 31, 23, 0, tzinfo=SHANGHAI))
    with osmem.store(backend, tmp_path, now=clock) as s:
        s.upsert([post("old", "检察院 十月")])
        clock.at = datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI)
        s.upsert([post("new", "检察院 十一月")])
        assert s.layout.write_index() == "jianyu-posts-2026.11"
        assert s.layout.months() == ["jianyu-posts-2026.10", "jianyu-posts-2026.11"]
        r = s.upsert([post("old", "检察院 十月（更新）"), post("new", "检察院 十一月")])
        assert (r.updated, r.unchanged, r.inserted) == (1, 1, 0)
        where = {h["_id"]: h["_index"] for h in s._locate(["old", "new"], False).values()}
        assert where == {"old": "jianyu-posts-2026.10", "new": "jianyu-posts-2026.11"}
        assert s.count() == 2 and s.search(SearchRequest("更新")).total == 1
        # retention: keep one month; the older one is closed and leaves the read alias
        assert s.layout.prune(1, "close", clock(), dry_run=True) == ["jianyu-posts-2026.10"]
        assert s.layout.prune(1, "close", clock()) == ["jianyu-posts-2026.10"]
        assert s.count() == 1 and [p.id for p in s.scan()] == ["new"]
        assert s.layout.prune(1, "close", clock()) == []
        assert s.layout.prune(1, "delete", clock()) == ["jianyu-posts-2026.10"]
        assert s.layout.months() == ["jianyu-posts-2026.11"]


def test_two_alert_workers_never_both_send_a_first_report(osmem, backend, tmp_path):
    clone = osmem.clone()
    try:
        with osmem.store(backend, tmp_path, clone=clone) as a, osmem.store(backend, tmp_path, clone=clone) as b:
            a.setup()
            ids = [f"e{i}:first:general" for i in range(60)]
            wins: list[list[str]] = [[], []]
            barrier = threading.Barrier(2)

            def work(n, store):
                barrier.wait()
                for rid in (ids if n == 0 else ids[::-1]):
                    r = ReportRecord(rid, rid.split(":")[0], "first", "general", T0, f"worker {n}")
                    if store.alerts.claim_report(r):
                        wins[n].append(rid)

            threads = [threading.Thread(target=work, args=(n, st)) for n, st in enumerate((a, b))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert sorted(wins[0] + wins[1]) == sorted(ids)   # each claimed, none twice
            assert all(a.alerts.get_report(rid).title == "worker 1" for rid in wins[1])
            # two senders racing for the same outbox items: each item leased once
            a.alerts.enqueue([OutboxItem(f"{rid}>email", rid, "email") for rid in ids[:30]])
            leased: list[list[str]] = [[], []]
            now = T0 + timedelta(minutes=1)
            barrier = threading.Barrier(2)

            def send(n, store):
                barrier.wait()
                for item in store.alerts.due(now, limit=100):
                    if store.alerts.lease(item.id, f"w{n}", now, now + timedelta(minutes=5)):
                        leased[n].append(item.id)

            threads = [threading.Thread(target=send, args=(n, st)) for n, st in enumerate((a, b))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert sorted(leased[0] + leased[1]) == sorted(f"{rid}>email" for rid in ids[:30])
    finally:
        clone.close()


def test_a_post_the_cluster_refuses_is_quarantined_not_lost(osmem, backend, tmp_path):
    with osmem.store(backend, tmp_path) as s:
        r = s.upsert([post("ok"), post("x" * 600)])   # an _id over 512 bytes is refused
        assert r.inserted == 1 and s.count() == 1
        q = s.quarantined()
        assert len(q) == 1 and q[0].stage == "store" and "refused" in q[0].error
        assert Post.from_dict(__import__("orjson").loads(q[0].raw)).id == "x" * 600


def test_overload_is_retried_with_backoff(osmem, backend, proxy, tmp_path):
    with osmem.store(backend, tmp_path, proxy=True) as s:
        s.setup()
        proxy.fail("_bulk", 2, 429)
        proxy.fail("_search", 1, 503)
        assert s.upsert([post("a"), post("b")]).inserted == 2
        assert s.search(SearchRequest("检察院")).total == 2
        assert [f[1] for f in proxy.server.faults] == [0, 0]   # every injected failure was met


def test_an_outage_spools_and_replays_so_a_crawl_loses_nothing(osmem, backend, proxy, tmp_path):
    with osmem.store(backend, tmp_path, proxy=True, breaker_seconds=60) as s:
        s.upsert([post("before")])
        proxy.set_down(True)
        r = s.upsert([post("during1", url="https://a.example/1"), post("during2")])
        assert (r.inserted, r.updated) == (0, 0) and s.down()
        # the ingest chain's look-ups answer from the spool meanwhile
        assert s.input_hashes(["during1", "before"]) == {"during1": "h-during1"}
        assert s.ids_for_urls(["https://a.example/1"]) == {"https://a.example/1": "during1"}
        assert s.recent_fingerprints(10) == []
        s.crawl.mark_seen([SeenPage("https://a.example/1", T0, post_id="during1")])
        assert s.crawl.seen(["https://a.example/1"]) == {}
        s.crawl.record_round("news", T0, pages=2, posts=2, errors=0, last_error="", succeeded=True)
        s.upsert([post("during3")])
        assert s.spool.size()[0] == 1
        with pytest.raises(Unreachable):   # reads outside the ingest path say the cluster is down
            s.search(SearchRequest("检察院"))
        proxy.set_down(False)
        s._down_until = 0.0                # the breaker's time is up
        s.upsert([post("after")])
        assert sorted(p.id for p in s.scan()) == ["after", "before", "during1", "during2", "during3"]
        assert s.crawl.seen(["https://a.example/1"])["https://a.example/1"].post_id == "during1"
        assert [h.rounds for h in s.crawl.health()] == [1]
        assert s.spool.size() == (0, 0)


def test_a_cluster_never_reached_is_an_error_not_a_reason_to_spool(osmem, tmp_path):
    from tests.indexer.esfixtures import make_cluster_store

    s = make_cluster_store("opensearch", "http://127.0.0.1:9", tmp_path)
    with pytest.raises(Unreachable, match=r"cannot reach the OpenSearch cluster at http://127.0.0.1:9 .*store.url"):
        s.upsert([post("a")])
    assert s.spool.size() == (0, 0)
    s.close()


def test_wrong_credentials_and_tls_have_clear_messages(osmem, backend, proxy, tmp_path):
    proxy.require_basic_auth("jianyu", "right")
    with osmem.store(backend, tmp_path, username="jianyu", password="wrong", proxy=True) as s:
        with pytest.raises(ConfigError, match="refused the credentials.*store.username and store.password"):
            s.search(SearchRequest("检察院"))
    with osmem.store(backend, tmp_path, username="jianyu", password="right", proxy=True) as s:
        assert s.search(SearchRequest("检察院")).total == 0
    proxy.require_basic_auth(None)
    clone = osmem.clone()
    try:
        url = osmem.url_for(backend, clone, proxy=True).replace("http://", "https://")
        from tests.indexer.esfixtures import make_cluster_store

        s = make_cluster_store(backend, url, tmp_path)
        with pytest.raises(ConfigError, match="TLS .* failed.*store.verify_certs and store.ca_certs"):
            s.count()
        s.close()
    finally:
        clone.close()


def test_stored_since_waits_for_posts_to_settle(osmem, tmp_path):
    with osmem.store("opensearch", tmp_path, settle_seconds=3600) as s:
        s.upsert([post("a")])
        assert s.stored_since(None) == ([], "0")
        s.settle_seconds = 0
        posts, cursor = s.stored_since(None)
        assert [p.id for p in posts] == ["a"] and int(cursor) > 0


def test_a_page_of_stored_since_never_splits_one_stamp(osmem, tmp_path):
    with osmem.store("opensearch", tmp_path) as s:
        s.upsert([post("a"), post("b"), post("c")])
        stamp = s._locate(["a"], ["stored_at"])["a"]["_source"]["stored_at"]
        s.set_event_ids({})    # (no-op) then give b and c a's stamp, as two workers might
        for pid in ("b", "c"):
            hit = s._locate([pid], True)[pid]
            s.wire.put(hit["_index"], pid, {**hit["_source"], "stored_at": stamp})
        page, cursor = s.stored_since(None, limit=2)
        assert sorted(p.id for p in page) == ["a", "b", "c"] and cursor == str(stamp)
        assert s.stored_since(cursor) == ([], cursor)


def test_search_pages_only_within_the_result_window(osmem, tmp_path):
    from nlp.errors import BadInput

    with osmem.store("opensearch", tmp_path) as s:
        with pytest.raises(BadInput, match="first 10,000 hits"):
            s.search(SearchRequest("", offset=9990, limit=20))


def test_spool_files_left_claimed_by_a_crash_are_replayed_later(tmp_path):
    from indexer.es_spool import Spool

    spool = Spool(tmp_path)
    spool.add_posts([post("a"), post("b")])
    spool.add("seen", [{"url": "https://a.example/", "body": b"\x00\x01"}])
    claimed, records = next(spool.take())          # a replay starts, then the process dies
    assert [k for k, _ in records] == ["post", "post", "seen"] and spool.pending() == []
    Spool(tmp_path).recover()
    again = list(Spool(tmp_path).take())
    assert len(again) == 1 and [d.get("id") for _, d in again[0][1]][:2] == ["a", "b"]
    assert again[0][1][2][1]["body"] == {"__b64__": "AAE="}
