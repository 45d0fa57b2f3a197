"""The Store contract, run against the SQLite backend (the cluster backends join later)."""
from datetime import datetime, timedelta

import pytest

from indexer.post import SHANGHAI, Post
from indexer.store import QuarantineRecord, SearchRequest
from nlp.errors import QueryError
from nlp.labels import Platform, Sentiment, Topic
from nlp.normalize import normalize
from nlp.tokenize import tokenize

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=SHANGHAI)


def post(pid, text, hours=0, **kw):
    text = normalize(text)
    kw.setdefault("platform", Platform.WEIBO)
    kw.setdefault("relevant", True)
    kw.setdefault("sentiment", Sentiment.NEUTRAL)
    kw.setdefault("topic", Topic.CASE)
    title = kw.pop("title", "")
    return Post(id=pid, text=text, title=title, tokens=tokenize(title + "\n" + text if title else text),
                published_at=T0 + timedelta(hours=hours), **kw)


@pytest.fixture
def filled(store):
    store.upsert([
        post("p1", "青石县检察院工作人员公车私用，开着检察公车去参加婚宴", 0, sentiment=Sentiment.NEGATIVE,
             topic=Topic.CONDUCT, site="weibo.com", region="江南省/云州市"),
        post("p2", "检察机关依法对污染临河的化工厂提起公益诉讼，村民拍手称快", 1, platform=Platform.NEWS,
             site="news.yunzhou.example", sentiment=Sentiment.POSITIVE, topic=Topic.PUBLIC_INTEREST,
             title="临河污染案提起公益诉讼"),
        post("p3", "正当防卫案件，检察院作出不起诉决定", 2, topic=Topic.CASE, region="广东省/深圳市"),
        post("p4", "追剧《人民的名义》，侯亮平太帅了", 3, relevant=False, topic=Topic.IRRELEVANT,
             sentiment=Sentiment.POSITIVE, platform=Platform.VIDEO),
        post("p5", "12309检察服务中心回复了我的申诉，公车问题有人管了", 30, topic=Topic.PETITION,
             sentiment=Sentiment.POSITIVE, region="广东省"),
    ])
    return store


def ids(result):
    return [h.post.id for h in result.hits]


def test_upsert_is_idempotent_by_id(store):
    a = post("a", "检察院通报")
    r1 = store.upsert([a])
    r2 = store.upsert([a])
    assert (r1.inserted, r2.inserted, r2.unchanged) == (1, 0, 1)
    changed = post("a", "检察院通报（更新）")
    r3 = store.upsert([changed])
    assert r3.updated == 1 and store.count() == 1
    assert store.get("a").text == normalize("检察院通报（更新）")
    assert store.search(SearchRequest("更新")).total == 1
    assert store.search(SearchRequest("通报")).total == 1  # the old text left the index


def test_same_id_twice_in_one_batch_keeps_the_later(store):
    store.upsert([post("a", "第一版 检察院"), post("a", "第二版 检察院")])
    assert store.count() == 1 and "第二版" in store.get("a").text


def test_get_round_trips_the_post(filled):
    p = filled.get("p2")
    assert p.title == "临河污染案提起公益诉讼" and p.platform is Platform.NEWS
    assert p.published_at == T0 + timedelta(hours=1)
    assert p.tokens and "公益诉讼" in p.tokens
    assert filled.get("nope") is None
    assert set(filled.get_many(["p1", "p3", "zz"])) == {"p1", "p3"}


def test_search_words_phrases_and_operators(filled):
    assert ids(filled.search(SearchRequest("公车私用"))) == ["p1"]
    assert ids(filled.search(SearchRequest("正当防卫"))) == ["p3"]
    assert set(ids(filled.search(SearchRequest("公车私用 OR 公益诉讼")))) == {"p1", "p2"}
    assert ids(filled.search(SearchRequest("检察院 -公车私用 -正当防卫"))) == []
    assert ids(filled.search(SearchRequest("公车 NOT 婚宴"))) == ["p5"]
    assert ids(filled.search(SearchRequest('"提起公益诉讼"'))) == ["p2"]
    assert ids(filled.search(SearchRequest("title:临河"))) == ["p2"]


def test_search_filters_and_field_syntax(filled):
    assert ids(filled.search(SearchRequest("platform:news"))) == ["p2"]
    assert ids(filled.search(SearchRequest("", sentiment="negative"))) == ["p1"]
    assert ids(filled.search(SearchRequest("relevant:false"))) == ["p4"]
    assert set(ids(filled.search(SearchRequest("region:广东省")))) == {"p3", "p5"}
    assert ids(filled.search(SearchRequest("region:广东省/深圳市"))) == ["p3"]
    assert ids(filled.search(SearchRequest("公车 OR topic:public_interest", sort="time"))) == ["p5", "p2", "p1"]
    assert ids(filled.search(SearchRequest("NOT relevant:true"))) == ["p4"]


def test_time_window_and_sort(filled):
    r = filled.search(SearchRequest("", start=T0 + timedelta(hours=1), end=T0 + timedelta(hours=3)))
    assert ids(r) == ["p3", "p2"]
    assert ids(filled.search(SearchRequest("date:2026-11-02"))) == ["p5"]
    rel = filled.search(SearchRequest("公车", sort="relevance"))
    assert set(ids(rel)) == {"p1", "p5"} and rel.hits[0].score >= rel.hits[1].score


def test_total_limit_offset(filled):
    r = filled.search(SearchRequest("", limit=2))
    assert r.total == 5 and ids(r) == ["p5", "p4"]
    assert ids(filled.search(SearchRequest("", limit=2, offset=2))) == ["p3", "p2"]


def test_highlight_is_escaped_and_marked(store):
    store.upsert([post("x", "<script>alert(1)</script> 检察院 公车私用")])
    hit = store.search(SearchRequest("公车私用")).hits[0]
    assert "<script>" not in hit.highlight
    assert "<mark>公车私用</mark>" in hit.highlight


def test_query_matching_nothing(filled):
    assert filled.search(SearchRequest("，。")).total == 0
    assert filled.search(SearchRequest("不存在的词语组合")).total == 0


def test_bad_query_raises(filled):
    with pytest.raises(QueryError):
        filled.search(SearchRequest("(a"))


def test_counts_by_hour_and_group(filled):
    rows = filled.counts(T0, T0 + timedelta(days=2), "hour", group_by="topic")
    assert (T0, "conduct", 1) in rows and (T0 + timedelta(hours=30), "petition", 1) in rows
    assert sum(n for *_, n in rows) == 5
    days = filled.counts(T0 - timedelta(hours=8), T0 + timedelta(days=2), "day")
    assert [(d.day, n) for d, _, n in days] == [(1, 4), (2, 1)]
    assert days[0][0].hour == 0  # days start at midnight, Asia/Shanghai
    assert sum(n for *_, n in filled.counts(T0, T0 + timedelta(days=2), query="公车")) == 2


def test_facets(filled):
    f = filled.facets(["platform", "sentiment"])
    assert f["platform"] == [("weibo", 3), ("news", 1), ("video", 1)]
    assert dict(f["sentiment"]) == {"positive": 3, "negative": 1, "neutral": 1}
    assert dict(filled.facets(["topic"], query="relevant:true")["topic"]) == {
        "conduct": 1, "public_interest": 1, "case": 1, "petition": 1}
    assert filled.facets(["site"], start=T0 + timedelta(hours=1), end=T0 + timedelta(hours=2))["site"] == [
        ("news.yunzhou.example", 1)]


def test_scan_in_time_order(filled):
    assert [p.id for p in filled.scan(batch_size=2)] == ["p1", "p2", "p3", "p4", "p5"]
    assert [p.id for p in filled.scan(start=T0 + timedelta(hours=2), end=T0 + timedelta(hours=4))] == ["p3", "p4"]
    assert [p.id for p in filled.scan(query="platform:weibo")] == ["p1", "p3", "p5"]


def test_posts_in_the_same_second_keep_their_order(store):
    store.upsert([post(f"s{i}", f"检察院 第{i}条") for i in range(50)])
    assert store.count() == 50 and len(list(store.scan())) == 50


def test_ids_for_urls(store):
    store.upsert([post("u", "检察院", url="https://a.example/x?utm_source=1")])
    assert store.ids_for_urls(["https://a.example/x", "https://b.example/"]) == {"https://a.example/x": "u"}


def test_recent_fingerprints_skip_duplicates(store):
    store.upsert([post("f1", "检察院 一", fingerprint=11), post("f2", "检察院 二", fingerprint=22, dup_of="f1", hours=1),
                  post("f3", "检察院 三", fingerprint=33, hours=2)])
    assert store.recent_fingerprints(10) == [("f1", 11), ("f3", 33)]
    assert store.recent_fingerprints(1) == [("f3", 33)]


def test_quarantine_and_release(store):
    store.quarantine([QuarantineRecord(source="f.jsonl", raw="{bad", error="invalid JSON", line=3)])
    q = store.quarantined()
    assert len(q) == 1 and q[0].line == 3 and q[0].error == "invalid JSON" and q[0].created_at
    assert store.release([q[0].id]) == 1 and store.quarantined() == []


def test_store_survives_reopen(tmp_path):
    from indexer.sqlite import SqliteStore

    with SqliteStore(tmp_path / "s.db") as s:
        s.upsert([post("a", "检察院")])
    with SqliteStore(tmp_path / "s.db") as s:
        assert s.count() == 1 and s.search(SearchRequest("检察院")).total == 1


@pytest.mark.parametrize("sql,params", [
    ("SELECT canonical_url, id FROM posts WHERE canonical_url IN (?, ?)", ("a", "b")),
    ("SELECT id FROM posts p WHERE p.event_id = ?", ("e1",)),
    ("SELECT id, rowid, doc_hash FROM posts WHERE id IN (?, ?)", ("a", "b")),
    ("SELECT id FROM posts WHERE seq > ? ORDER BY seq LIMIT 10", (0,)),
    ("UPDATE posts SET event_id = ? WHERE id = ?", ("e1", "a")),
])
@pytest.mark.sqlite_only
def test_lookups_use_an_index_not_a_scan(store, sql, params):
    """Ingest looks these up for every batch: a table scan would make it slow down as the store grows."""
    plan = " ".join(str(row[-1]) for row in store.db.execute("EXPLAIN QUERY PLAN " + sql, params))
    assert "SCAN posts" not in plan and "USING" in plan, plan


def test_store_of_an_earlier_version_gets_new_columns(tmp_path):
    import sqlite3

    from indexer.sqlite import SqliteStore

    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE posts (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, ts INTEGER NOT NULL)")
    db.commit()
    db.close()
    with SqliteStore(path) as s:
        s.upsert([post("a", "检察院")])
        assert s.get("a").text == "检察院"


def follow(store, cursor=None, limit=1000):
    posts, cursor = store.stored_since(cursor, limit)
    return [p.id for p in posts], cursor


def test_stored_since_in_store_order_with_continuation(store):
    # stored order, not time order: b is older than a but stored after it
    store.upsert([post("a", "检察院 一", 5)])
    store.upsert([post("b", "检察院 二", 1), post("c", "检察院 三", 9)])
    assert follow(store)[0] == ["a", "b", "c"]
    first, cursor = follow(store, limit=2)
    assert first == ["a", "b"]
    rest, cursor = follow(store, cursor, limit=2)
    assert rest == ["c"]
    assert follow(store, cursor) == ([], cursor)  # nothing new: the cursor stays
    store.upsert([post("d", "检察院 四", 0)])
    assert follow(store, cursor)[0] == ["d"]
    posts, _ = store.stored_since(None)
    assert posts[0].tokens and posts[0].text == "检察院 一"


def test_stored_since_sees_updates_but_not_unchanged_or_event_ids(store):
    store.upsert([post("a", "检察院 一"), post("b", "检察院 二", 1)])
    _, cursor = follow(store)
    r = store.upsert([post("a", "检察院 一"), post("b", "检察院 二", 1)])
    assert r.unchanged == 2 and follow(store, cursor) == ([], cursor)
    assert store.set_event_ids({"a": "e1"}) == 1
    assert follow(store, cursor) == ([], cursor)
    store.upsert([post("a", "检察院 一（更新）")])
    ids_, cursor2 = follow(store, cursor)
    assert ids_ == ["a"] and int(cursor2) > int(cursor)
    assert follow(store)[0] == ["b", "a"]  # a moved to the end: it changed last


def test_newest_cursor_is_where_reading_everything_ends(store):
    start = store.newest_cursor()
    assert follow(store, start) == ([], start)                 # an empty store
    store.upsert([post("a", "检察院 一", 5), post("b", "检察院 二", 1)])
    _, end = follow(store)
    assert store.newest_cursor() == end
    store.upsert([post("c", "检察院 三", 2)])
    assert follow(store, end)[0] == ["c"]                      # a reader starting there sees only what came next
    assert follow(store, store.newest_cursor())[0] == []


def test_stored_since_rejects_a_foreign_cursor(store):
    from nlp.errors import BadInput

    with pytest.raises(BadInput):
        store.stored_since("2026-11-01T00:00:00")


def test_set_event_ids(store):
    store.upsert([post("a", "检察院 一"), post("b", "检察院 二"), post("c", "检察院 三")])
    assert store.set_event_ids({"a": "e1", "b": "e1", "zz": "e2"}) == 2
    assert store.set_event_ids({}) == 0
    assert {p.id: p.event_id for p in store.scan()} == {"a": "e1", "b": "e1", "c": ""}
    assert dict(store.facets(["event_id"])["event_id"]) == {"e1": 2, "": 1}
    assert store.set_event_ids({"a": "e3"}) == 1 and store.get("a").event_id == "e3"
    many = {f"m{i}": "e9" for i in range(1200)}
    store.upsert([post(pid, f"检察院 {pid}") for pid in many])
    assert store.set_event_ids(many) == 1200
    assert store.facets(["event_id"])["event_id"][0] == ("e9", 1200)


def test_re_upsert_without_event_keeps_the_event(store):
    store.upsert([post("a", "检察院 一"), post("b", "检察院 二")])
    store.set_event_ids({"a": "e1", "b": "e2"})
    r = store.upsert([post("a", "检察院 一"), post("b", "检察院 二（更新）")])  # re-crawled: no event known
    assert (r.unchanged, r.updated) == (1, 1)
    assert store.get("a").event_id == "e1" and store.get("b").event_id == "e2"
    assert store.get("b").text == normalize("检察院 二（更新）")
    # a change that only carries an event is no change; a real change may bring a new event
    assert store.upsert([post("a", "检察院 一", event_id="e7")]).unchanged == 1
    store.upsert([post("a", "检察院 一（更新）", event_id="e7")])
    assert store.get("a").event_id == "e7"


def test_seq_from_two_stores_on_one_file_never_repeats(tmp_path):
    from indexer.sqlite import SqliteStore

    path = tmp_path / "s.db"
    with SqliteStore(path) as s1, SqliteStore(path) as s2:
        s1.upsert([post("a", "检察院 一")])
        s2.upsert([post("b", "检察院 二")])
        s1.upsert([post("c", "检察院 三")])
        seqs = [r[0] for r in s1.db.execute("SELECT seq FROM posts ORDER BY seq")]
        assert seqs == [1, 2, 3]
        assert follow(s2)[0] == ["a", "b", "c"]


def test_old_store_gets_seq_in_time_order(tmp_path):
    import sqlite3

    from indexer.sqlite import SqliteStore

    path = tmp_path / "old.db"
    with SqliteStore(path) as s:
        s.upsert([post("b", "检察院 二", 2), post("a", "检察院 一", 1)])
    db = sqlite3.connect(path)  # as an earlier version left it: no seq, no counter
    db.execute("DROP INDEX posts_seq")
    db.execute("ALTER TABLE posts DROP COLUMN seq")
    db.execute("DELETE FROM meta WHERE key = 'post_seq'")
    db.commit()
    db.close()
    with SqliteStore(path) as s:
        assert follow(s) == (["a", "b"], "2")
        s.upsert([post("c", "检察院 三", 0)])
        assert follow(s, "2") == (["c"], "3")
