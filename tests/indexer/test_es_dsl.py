"""The query DSL and documents the cluster backends send (no server needed)."""
from datetime import datetime, timedelta

import pytest

from indexer.es_docs import add_text, doc_post, full_doc, post_doc, region_path, site_domains
from indexer.es_read import _parse_cursor
from indexer.esdsl import (MATCH_ALL, MATCH_NONE, POST_MAPPING, DslCompiler, Names, marked_tokens,
                           posts_template, search_body, time_range)
from indexer.post import SHANGHAI, Post
from indexer.query import parse
from nlp.errors import BadInput
from nlp.labels import Platform, Sentiment, Topic
from nlp.tokenize import segment_query

C = DslCompiler(segment_query)
T0 = datetime(2026, 11, 1, 8, 0, tzinfo=SHANGHAI)


def test_a_word_is_a_phrase_of_its_tokens_over_text_and_sub_words():
    q = C.compile(parse('"提起公益诉讼"'))
    phrases = [c["match_phrase"] for c in q["bool"]["should"]]
    assert phrases == [{f: "提起 公益诉讼"} for f in ("title_tokens", "body", "title_parts", "body_parts")]
    assert q["bool"]["minimum_should_match"] == 1
    title = C.compile(parse("title:临河"))
    assert {next(iter(c["match_phrase"])) for c in title["bool"]["should"]} == {"title_tokens", "title_parts"}


def test_words_that_segment_to_nothing_match_nothing():
    assert C.compile(parse("，。")) == MATCH_NONE
    assert C.compile(parse("")) == MATCH_ALL


def test_boolean_structure_filters_and_time():
    q = C.compile(parse("公车 -婚宴 platform:weibo date:2026-11-01"))
    b = q["bool"]
    assert len(b["must"]) == 1 and len(b["must_not"]) == 1
    assert {"term": {"platform": "weibo"}} in b["filter"]
    rng = [f for f in b["filter"] if "range" in f][0]["range"]["ts"]
    assert rng == {"format": "epoch_second", "gte": int(datetime(2026, 11, 1, tzinfo=SHANGHAI).timestamp()),
                   "lt": int(datetime(2026, 11, 2, tzinfo=SHANGHAI).timestamp())}
    either = C.compile(parse("公车 OR topic:conduct"))
    assert either["bool"]["minimum_should_match"] == 1 and {"term": {"topic": "conduct"}} in either["bool"]["should"]
    assert C.compile(parse("NOT relevant:true")) == {"bool": {"must_not": [{"term": {"relevant": "true"}}]}}
    assert C.compile(parse("site:weibo.com region:广东省 event:e1")) == {"bool": {"filter": [
        {"term": {"site_domains": "weibo.com"}}, {"term": {"region_path": "广东省"}}, {"term": {"event_id": "e1"}}]}}
    assert time_range(None, T0) == {"format": "epoch_second", "lt": int(T0.timestamp())}


def test_sites_and_regions_are_indexed_with_their_parents():
    assert site_domains("m.weibo.com") == ["m.weibo.com", "weibo.com", "com"]
    assert site_domains("澎湃新闻") == ["澎湃新闻"]
    assert region_path("广东省/深圳市/南山区") == ["广东省", "广东省/深圳市", "广东省/深圳市/南山区"]


def test_search_body_sorts_and_highlights():
    body = search_body(MATCH_ALL, "time", 20, 40, highlight=True)
    assert body["from"] == 40 and body["size"] == 20 and body["track_total_hits"] is True
    assert body["sort"][0] == {"ts": "desc"} and "highlight" in body
    assert search_body(MATCH_ALL, "relevance", 5, 0, highlight=False)["sort"][0] == "_score"
    hit = {"highlight": {"body": ["行政 <em>公益诉讼</em> 与 <em>&lt;b&gt;</em>"], "body_parts": ["<em>公益诉讼</em>"]}}
    assert marked_tokens(hit) == ["公益诉讼", "<b>"]


def test_document_round_trip_and_digest():
    p = Post(id="x1", text="青石县检察院提起行政公益诉讼", title="临河污染案", url="https://m.weibo.com/a?utm_source=1",
             platform=Platform.WEIBO, site="m.weibo.com", region="江南省/云州市", published_at=T0,
             crawled_at=T0 + timedelta(hours=1), relevant=False, sentiment=Sentiment.NEGATIVE,
             topic=Topic.PUBLIC_INTEREST, fingerprint=-(2 ** 63) + 5, keywords=["公益诉讼"], likes=3,
             tokens=["青石县", "检察院", "提起", "行政公益诉讼"])
    doc = full_doc(p, 1_000_000)
    assert doc["body"] == "青石县 检察院 提起 行政公益诉讼" and "公益诉讼" in doc["body_parts"].split()
    assert doc["title_tokens"] and doc["canonical_url"] == "https://m.weibo.com/a"
    assert doc["fingerprint"] == str(-(2 ** 63) + 5) and doc["relevant"] == "false"
    assert "dup_of" not in doc and "event_id" not in doc   # empty values are left out
    back = doc_post(doc, with_tokens=True)
    assert back == p
    # the digest ignores what is not content: crawl time, event, storing time
    same = post_doc(Post(**{**p.__dict__, "crawled_at": None, "event_id": "e9"}), 5)
    assert same["doc_hash"] == doc["doc_hash"]
    changed = post_doc(Post(**{**p.__dict__, "likes": 4}), 1)
    assert changed["doc_hash"] != doc["doc_hash"]
    assert add_text({}, Post(id="y", text="检察 公车")) == {"body": "检察 公车"}   # no title, no sub-words


def test_mapping_needs_no_plugin():
    analyzers = {f.get("analyzer") for f in POST_MAPPING["properties"].values() if f["type"] == "text"}
    assert analyzers <= {"whitespace", None}
    t = posts_template(Names("jy"), shards=2, replicas=0)
    assert t["index_patterns"] == ["jy-posts-*"] and t["template"]["aliases"] == {"jy-posts": {}}
    assert t["template"]["settings"] == {"number_of_shards": 2, "number_of_replicas": 0}


def test_names():
    n = Names("jy")
    assert n.posts_month(T0) == "jy-posts-2026.11" and n.month_of("jy-posts-2026.11") == "2026.11"
    assert n.month_of("jy-posts-write") is None and n.month_of("other-posts-2026.11") is None


def test_cursors():
    assert _parse_cursor(None) is None and _parse_cursor("0") is None and _parse_cursor("17") == 17
    with pytest.raises(BadInput):
        _parse_cursor("17/a")
