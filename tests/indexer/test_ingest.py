"""The ingest chain end to end on a real store and the trained tagger, bad input included."""
import json
from datetime import datetime, timezone

import pytest

from indexer.ingest import IngestChain, Incoming, read_jsonl, retry_quarantine
from indexer.store import SearchRequest
from nlp.labels import Topic
from nlp.watch import DEFAULT_WATCH_TERMS, WatchList

FIXED_NOW = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def chain(store, tagger):
    return IngestChain(store, tagger, WatchList(list(DEFAULT_WATCH_TERMS) + ["青石县人民检察院"]),
                       batch_size=3, now=lambda: FIXED_NOW)


def write_jsonl(path, lines):
    with open(path, "wb") as fh:
        for line in lines:
            if isinstance(line, bytes):
                fh.write(line + b"\n")
            elif isinstance(line, str):
                fh.write(line.encode("utf-8") + b"\n")
            else:
                fh.write(json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n")
    return path


GOOD = [
    {"id": "g1", "url": "https://weibo.example/1", "platform": "weibo",
     "text": "青石县人民检察院的工作人员开公车去喝喜酒，这就是你们的作风？[怒]",
     "published_at": "2026-11-29 09:12"},
    {"url": "https://news.example/a/2.html?utm_source=wx", "platform": "news", "title": "临河污染案",
     "text": "<p>青石县检察院对污染临河的化工厂<b>提起行政公益诉讼</b>，村民点赞。</p>",
     "published_at": "2026-11-28T15:00:00+08:00"},
    {"id": "g3", "text": "今天天气很好，去公园散步", "published_at": "2026-11-28 10:00"},
]


def test_good_posts_are_tagged_and_stored(chain, store, tmp_path):
    s = chain.run(read_jsonl(write_jsonl(tmp_path / "a.jsonl", GOOD)))
    assert (s.read, s.stored, s.filtered, s.quarantined) == (3, 2, 1, 0)
    p = store.get("g1")
    assert p.relevant is True and p.sentiment is not None and p.topic is not None
    assert p.crawled_at == FIXED_NOW and p.watch_terms and p.keywords and p.fingerprint
    second = store.search(SearchRequest("公益诉讼")).hits[0].post
    assert "<p>" not in second.text and second.title == "临河污染案"


def test_reimport_updates_never_duplicates(chain, store, tmp_path):
    f = write_jsonl(tmp_path / "a.jsonl", GOOD)
    chain.run(read_jsonl(f))
    again = chain.run(read_jsonl(f))
    assert (again.stored, again.updated, again.duplicates) == (0, 0, 2)
    changed = dict(GOOD[0], text=GOOD[0]["text"] + " 已经被通报了")
    s = chain.run(read_jsonl(write_jsonl(tmp_path / "b.jsonl", [changed])))
    assert s.updated == 1 and store.count() == 2


def test_same_url_under_another_id_is_the_same_post(chain, store, tmp_path):
    chain.run(read_jsonl(write_jsonl(tmp_path / "a.jsonl", GOOD[:2])))
    moved = dict(GOOD[1], id="other-id", url="https://news.example/a/2.html?spm=1")
    s = chain.run(read_jsonl(write_jsonl(tmp_path / "b.jsonl", [moved])))
    assert s.stored == 0 and store.count() == 2 and store.get("other-id") is None


def test_duplicate_ids_in_one_file(chain, store, tmp_path):
    rows = [dict(GOOD[0]), dict(GOOD[0], text=GOOD[0]["text"] + "（补充）"), dict(GOOD[0])]
    s = chain.run(read_jsonl(write_jsonl(tmp_path / "d.jsonl", rows)))
    assert s.read == 3 and store.count() == 1
    assert s.stored + s.updated + s.duplicates == 3


def test_near_duplicates_are_kept_and_marked(chain, store, tmp_path):
    original = "青石县人民检察院通报：经查，该院干警王某某于11月28日驾驶公务用车参加亲属婚宴，违反中央八项规定精神，已被停职检查，案件正在进一步调查中。"
    rows = [{"id": "o", "text": original, "published_at": "2026-11-29 10:00"},
            {"id": "r", "text": "转发//@云州热点: " + original, "published_at": "2026-11-29 10:30"}]
    s = chain.run(read_jsonl(write_jsonl(tmp_path / "n.jsonl", rows)))
    assert s.stored == 2 and s.near_duplicates == 1
    assert store.get("r").dup_of == "o" and store.get("o").dup_of == ""


BAD_LINES = [
    b"{not json",
    b'["a", "list"]',
    json.dumps({"id": "nt", "title": "x"}).encode(),
    json.dumps({"id": "bd", "text": "检察院", "published_at": "下周二"}, ensure_ascii=False).encode(),
    b"\xff\xfe\x00garbage\x80\x81",
    json.dumps({"id": "html", "text": "<div><script>var a=1;</script><br/></div>"}).encode(),
    json.dumps({"id": "lab", "text": "检察院", "topic": "weather"}, ensure_ascii=False).encode(),
]


def test_bad_lines_are_quarantined_with_line_numbers(chain, store, tmp_path):
    f = write_jsonl(tmp_path / "bad.jsonl", [GOOD[0], *BAD_LINES, GOOD[1]])
    s = chain.run(read_jsonl(f))
    assert (s.read, s.stored, s.quarantined) == (9, 2, 7)
    q = {r.line: r for r in store.quarantined()}
    assert set(q) == {2, 3, 4, 5, 6, 7, 8}
    assert "invalid JSON" in q[2].error and "JSON object" in q[3].error and "no text" in q[4].error
    assert "published_at" in q[5].error and "UTF-8" in q[6].error
    assert "no text after normalization" in q[7].error and "topic" in q[8].error
    assert all(r.source == str(f) for r in q.values())


def test_retry_quarantine_releases_what_now_passes(chain, store):
    from indexer.store import QuarantineRecord

    store.quarantine([
        QuarantineRecord(source="a.jsonl", line=1, error="tag: model not loaded",
                         raw=json.dumps({"id": "fixed", "text": "检察院受理了申诉"}, ensure_ascii=False)),
        QuarantineRecord(source="a.jsonl", line=2, error="invalid JSON", raw="{still broken"),
    ])
    summary, released = retry_quarantine(chain)
    assert released == 1 and summary.stored == 1 and summary.quarantined == 1
    assert store.get("fixed") is not None
    assert [(r.line, r.raw) for r in store.quarantined()] == [(2, "{still broken")]


def test_huge_post_emoji_and_mixed_scripts(chain, store):
    big = "检察院" + "这是一段很长的文字。" * 500_000  # about 5 MB of UTF-8
    posts = [
        Incoming("t", {"id": "big", "text": big}),
        Incoming("t", {"id": "emoji", "text": "检察院👍👍🔥 太棒了😂 [赞][doge]"}),
        Incoming("t", {"id": "mixed", "text": "Procuratorate 檢察院 ПРОКУРАТУРА 검찰 ｗｅｉｂｏ　１２３０９"}),
    ]
    s = chain.run(posts)
    assert s.stored == 3 and s.quarantined == 0
    assert len(store.get("big").text) <= 100_000
    assert "12309" in store.get("mixed").text and "检察院" in store.get("mixed").text


def test_keep_labels(store, tagger, tmp_path):
    chain = IngestChain(store, tagger, WatchList(DEFAULT_WATCH_TERMS), keep_labels=True)
    row = {"id": "k", "text": "检察院今天召开新闻发布会", "relevant": True, "sentiment": "negative", "topic": "aid"}
    chain.run(read_jsonl(write_jsonl(tmp_path / "k.jsonl", [row])))
    p = store.get("k")
    assert (p.sentiment.value, p.topic) == ("negative", Topic.AID)


def test_labels_in_file_are_retagged_by_default(chain, store, tmp_path):
    row = {"id": "k", "text": "追剧《人民的名义》，侯亮平检察官太帅了，演员演技在线", "relevant": True, "topic": "aid"}
    chain.run(read_jsonl(write_jsonl(tmp_path / "k.jsonl", [row])))
    assert store.get("k").topic is not Topic.AID


def test_blank_lines_are_not_posts(chain, tmp_path):
    f = tmp_path / "b.jsonl"
    f.write_text("\n" + json.dumps(GOOD[0], ensure_ascii=False) + "\n\n   \n", encoding="utf-8")
    s = chain.run(read_jsonl(f))
    assert (s.read, s.stored) == (1, 1)


class CountingTagger:
    """The real tagger, counting how many posts it was asked to label."""

    def __init__(self, tagger):
        self.tagger = tagger
        self.labelled = 0

    def predict(self, texts, tokens=None):
        self.labelled += len(texts)
        return self.tagger.predict(texts, tokens)


def test_unchanged_posts_are_not_tagged_again(store, tagger, tmp_path):
    counting = CountingTagger(tagger)
    chain = IngestChain(store, counting, WatchList(DEFAULT_WATCH_TERMS))
    f = write_jsonl(tmp_path / "a.jsonl", GOOD)
    chain.run(read_jsonl(f))
    assert counting.labelled == 2
    again = chain.run(read_jsonl(f))
    assert counting.labelled == 2 and again.duplicates == 2
    liked = dict(GOOD[0], likes=99)
    chain.run(read_jsonl(write_jsonl(tmp_path / "b.jsonl", [liked])))
    assert counting.labelled == 3 and store.get("g1").likes == 99
