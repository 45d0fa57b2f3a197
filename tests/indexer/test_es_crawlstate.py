"""The crawl-state contract (store.crawl: pages seen, evidence, source health), run on
every backend: SQLite, OpenSearch and Elasticsearch (tests/conftest.py)."""
import gzip
from datetime import datetime, timedelta

from indexer.crawlstate import Evidence, SeenPage
from indexer.post import SHANGHAI

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=SHANGHAI)
LONG = "https://news.example/" + "a" * 700   # longer than a cluster's document id may be


def evidence(n, body=b"<html>page</html>"):
    return Evidence(sha256=f"{n:064x}", url=f"https://news.example/{n}", captured_at=T0 + timedelta(minutes=n),
                    status=200, content_type="text/html; charset=gbk", body_gz=gzip.compress(body),
                    headers={"ETag": f'"e{n}"'})


def test_seen_pages_keep_what_a_later_record_does_not_know(store):
    assert store.crawl.seen(["https://a.example/x"]) == {}
    store.crawl.mark_seen([SeenPage("https://a.example/x", T0, etag='"v1"', last_modified="Tue", lastmod="2026-11-01"),
                           SeenPage(LONG, T0, post_id="p9")])
    store.crawl.mark_seen([SeenPage("https://a.example/x", T0 + timedelta(hours=1), status=200, post_id="p1")])
    got = store.crawl.seen(["https://a.example/x", LONG, "https://b.example/"])
    assert set(got) == {"https://a.example/x", LONG}
    x = got["https://a.example/x"]
    assert (x.fetched_at, x.etag, x.last_modified, x.lastmod, x.post_id) == (
        T0 + timedelta(hours=1), '"v1"', "Tue", "2026-11-01", "p1")
    assert got[LONG].post_id == "p9"


def test_evidence_is_kept_once_per_body_and_listed_per_post(store):
    store.crawl.save_evidence([("p1", evidence(1)), ("p2", evidence(1)), ("p1", evidence(2, b"\xb2\xe2" * 3))])
    store.crawl.save_evidence([("p1", evidence(1, b"changed"))])   # the same digest is never overwritten
    one = store.crawl.evidence_for("p1")
    assert [e.sha256 for e in one] == [evidence(1).sha256, evidence(2).sha256]
    assert gzip.decompress(one[0].body_gz) == b"<html>page</html>" and gzip.decompress(one[1].body_gz) == b"\xb2\xe2" * 3
    assert one[0].headers == {"ETag": '"e1"'} and one[0].captured_at == T0 + timedelta(minutes=1)
    assert [e.sha256 for e in store.crawl.evidence_for("p2")] == [evidence(1).sha256]
    assert store.crawl.evidence_for("nope") == []


def test_source_health_adds_rounds(store):
    assert store.crawl.health() == []
    h = store.crawl.record_round("news", T0, pages=10, posts=3, errors=1, last_error="HTTP 503", succeeded=True)
    assert (h.rounds, h.pages, h.last_success, h.last_post) == (1, 10, T0, T0)
    later = T0 + timedelta(hours=1)
    h = store.crawl.record_round("news", later, pages=5, posts=0, errors=5, last_error="", succeeded=False)
    assert (h.rounds, h.pages, h.posts, h.errors, h.last_error) == (2, 15, 3, 6, "HTTP 503")
    assert (h.last_run, h.last_success, h.last_post) == (later, T0, T0)
    store.crawl.record_round("blog", later, pages=1, posts=1, errors=0, last_error="", succeeded=True)
    assert [(s.name, s.rounds) for s in store.crawl.health()] == [("blog", 1), ("news", 2)]
