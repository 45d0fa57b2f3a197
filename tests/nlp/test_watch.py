"""nlp.watch: default terms, matching, normalization of terms, exclusions, speed."""
from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.normalize import normalize
from nlp.watch import DEFAULT_WATCH_TERMS, WatchList


def test_defaults():
    assert isinstance(DEFAULT_WATCH_TERMS, tuple)
    for term in ("检察院", "检察官", "检察机关", "检察长", "人民检察院", "检方", "公诉", "公诉人", "12309",
                 "检察建议", "公益诉讼", "批捕", "不起诉", "抗诉", "检察"):
        assert term in DEFAULT_WATCH_TERMS
    assert len(set(DEFAULT_WATCH_TERMS)) == len(DEFAULT_WATCH_TERMS)
    assert all(normalize(t) == t for t in DEFAULT_WATCH_TERMS)
    assert WatchList().terms == DEFAULT_WATCH_TERMS


def test_match_returns_distinct_terms_in_order():
    w = WatchList()
    assert w.match("检方称将依法抗诉，检方还表示不服判决，将抗诉") == ["检方", "抗诉"]
    assert w.match("今天天气很好，去公园散步") == []
    assert w.matches("拨打12309反映问题") and not w.matches("今天天气很好")


def test_terms_inside_a_longer_term_are_reported():
    w = WatchList(list(DEFAULT_WATCH_TERMS) + ["青石县人民检察院"])
    assert w.match("青石县人民检察院依法批准逮捕") == ["青石县人民检察院", "人民检察院", "检察院", "检察", "批准逮捕"]
    assert w.match("法院驳回抗诉，附条件不起诉") == ["抗诉", "附条件不起诉", "不起诉"]


def test_deployment_terms_are_normalized():
    w = WatchList(["青石縣人民檢察院", "１２３０９", "  青石检察 ", "ＱＳＪＣ"])
    assert w.terms == ("青石县人民检察院", "12309", "青石检察", "QSJC")
    assert w.match("青石县人民检察院") == ["青石县人民检察院"]
    assert w.match("关注qsjc和QsJc") == ["QSJC"]
    assert len(w) == 4


def test_duplicates_collapse():
    assert WatchList(["检察院", "檢察院", "检察院"]).terms == ("检察院",)


def test_ascii_terms_do_not_match_inside_numbers_or_words():
    w = WatchList(["12309", "jcy"])
    assert w.match("打12309没人接") == ["12309"]
    assert w.match("电话0123090") == [] and w.match("a12309") == [] and w.match("12309b") == []
    assert w.match("JCY的人") == ["jcy"] and w.match("xjcy") == []
    assert w.match("12309,12309") == ["12309"]


def test_empty_terms_are_refused():
    with pytest.raises(ValueError, match=r"watch term #2 is empty"):
        WatchList(["检察院", ""])
    with pytest.raises(ValueError, match=r"empty after normalization"):
        WatchList(["检察院", " \u200b "])
    with pytest.raises(ValueError, match=r"exclude term #1 is empty"):
        WatchList(["检察院"], exclude=[""])
    with pytest.raises(ValueError, match="no watch terms"):
        WatchList([])
    with pytest.raises(ValueError, match="list of terms"):
        WatchList("检察院")


def test_exclude_removes_a_term():
    w = WatchList(DEFAULT_WATCH_TERMS, exclude=["检察", "檢務"])
    assert "检察" not in w.terms and "检务" not in w.terms
    assert w.match("青石县人民检察院") == ["人民检察院", "检察院"]
    assert w.match("检察文化") == [] and not w.matches("检察文化")
    with pytest.raises(ValueError, match="after exclusions"):
        WatchList(["检察院"], exclude=["检察院"])


def test_exclude_phrase_masks_its_occurrences():
    w = WatchList(DEFAULT_WATCH_TERMS, exclude=["检察院岗位", "人民的名义"])
    assert w.match("2025省考检察院岗位押题班开课啦") == []
    assert not w.matches("2025省考检察院岗位押题班开课啦")
    assert w.match("检察院岗位押题，另外检察官说") == ["检察官", "检察"]
    assert w.matches("检察院岗位押题，另外检察官说")
    assert w.exclude_phrases == ("检察院岗位", "人民的名义")


words = st.sampled_from(list(DEFAULT_WATCH_TERMS) + ["青石县", "人民", "的", "检", "察", "12", "309",
                                                     "a", "岗位", "天气", "检察院岗位"])


@settings(max_examples=300, deadline=None)
@given(st.lists(words, max_size=12).map("".join))
def test_matches_agrees_with_match(text):
    for w in (WatchList(), WatchList(exclude=["检察院岗位", "检察"])):
        found = w.match(text)
        assert w.matches(text) == bool(found)
        assert len(found) == len(set(found))
        assert all(t in w.terms for t in found)
        assert all(t.lower() in text.lower() for t in found)


def test_speed():
    w = WatchList(list(DEFAULT_WATCH_TERMS) + ["青石县人民检察院"])
    post = ("检察院对校园霸凌者依法提起公诉，大快人心！那几个人把一个初二孩子关厕所里打了"
            "一个多小时还录视频！！看到临河区检察院已经批捕了主犯，干得漂亮，必须严惩[怒][赞]")
    w.match(post)
    n = 5000
    start = time.perf_counter()
    for _ in range(n):
        w.match(post)
    per_post = (time.perf_counter() - start) / n
    assert per_post < 100e-6, f"match took {per_post * 1e6:.0f} µs per post"
