"""nlp.tokenize: what tokens look like, the query segmentation, agreement of rjieba with
python jieba on the same user dictionary, and speed."""
from __future__ import annotations

import logging
import pickle
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from nlp.normalize import normalize
from nlp.tokenize import (USER_DICT, segment_query, segment_with, subwords, tokenize,
                          tokenize_for_model)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SENTENCES = FIXTURES / "segment_sentences.txt"


def sentences() -> list[str]:
    return [line.strip() for line in SENTENCES.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def python_jieba():
    """Python jieba with the same user dictionary."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    with open(USER_DICT, "rb") as fh:   # jieba leaves a file it opened itself unclosed
        tok.load_userdict(fh)
    return tok


def test_words_and_user_dictionary_terms():
    toks = tokenize("近日，青石县人民检察院依法对犯罪嫌疑人王某某以涉嫌诈骗罪批准逮捕。")
    assert toks == ["近日", "青石", "县", "人民检察院", "依法", "对", "犯罪嫌疑人", "王", "某某",
                    "以", "涉嫌", "诈骗罪", "批准逮捕"]
    assert "12309检察服务中心" in tokenize("12309检察服务中心的工作人员态度很好")
    assert "认罪认罚从宽" in tokenize("检察官带你了解认罪认罚从宽制度")


def test_emoticon_code_is_one_token():
    assert tokenize("干得漂亮[怒][赞]必须严惩[允悲][DOGE]") == ["干得", "漂亮", "[怒]", "[赞]", "必须", "严惩",
                                                         "[允悲]", "[doge]"]
    assert tokenize("[怒]") == ["[怒]"]


def test_hashtag_words_only():
    assert tokenize("#青石检察#") == tokenize("青石检察") == ["青石", "检察"]
    toks = tokenize("#检察护航未成年人# 法治副校长走进校园")
    assert "#" not in "".join(toks) and toks[:2] == tokenize("检察护航未成年人")[:2]


def test_numbers_stay_whole():
    assert tokenize("拨打12309反映") == ["拨打", "12309", "反映"]
    assert "12.6" in tokenize("骗取钱款共计12.6万元")
    assert "2023" in tokenize("2023年以来")


def test_one_character_words_are_kept():
    assert tokenize("我不去，他没钱，赞！") == ["我", "不", "去", "他", "没", "钱", "赞", "!"]


def test_punctuation_dropped_but_question_and_exclamation_kept():
    assert tokenize("不起诉？？？真下头！") == ["不起诉", "?", "?", "?", "真下头", "!"]
    assert tokenize(normalize("不起诉？！")) == ["不起诉", "?", "!"]
    assert tokenize("【通报】“检察院”：（一）、…——《人民的名义》") == ["通报", "检察院", "一", "人民", "的", "名义"]
    assert tokenize("~@#$%^&*()_+-=") == []


def test_whitespace_and_ascii_case():
    assert tokenize("Weibo  上\t检察院\n\n第一 CCTV") == ["weibo", "上", "检察院", "第一", "cctv"]
    assert tokenize("C++ AT&T yyds") == ["c++", "at&t", "yyds"]
    assert tokenize("") == [] and tokenize(" \n ") == []


def test_emoji_are_tokens():
    assert tokenize("检察官好帅🥰👍") == ["检察官", "好帅", "🥰", "👍"]


def test_tokenize_for_model_is_tokenize_on_normalized_text():
    for s in sentences():
        n = normalize(s)
        assert tokenize_for_model(n) == tokenize(n)
    assert tokenize_for_model("檢察院不起訴？") == tokenize(normalize("檢察院不起訴？")) == ["检察院", "不起诉", "?"]


def test_tokenize_for_model_pickles_by_name_and_keeps_single_characters():
    assert pickle.loads(pickle.dumps(tokenize_for_model)) is tokenize_for_model
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(tokenizer=tokenize_for_model, token_pattern=None, lowercase=False)
    vec.fit(["检察院不作为", "我不服", "好！"])
    assert {"不", "!", "检察院"} <= set(vec.get_feature_names_out())


def test_segment_query():
    assert segment_query("檢察院 不起訴？") == ["检察院", "不起诉"]
    assert segment_query("１２３０９！") == ["12309"]
    assert segment_query("#青石检察#") == ["青石", "检察"]
    assert segment_query("") == []
    # a query word is cut exactly as it is in the index
    for word in ("公益诉讼", "检察建议", "附条件不起诉", "12309"):
        assert segment_query(word) == [word]
        assert word in tokenize(f"关于{word}的情况")


def test_threads_get_the_same_tokens():
    texts = sentences()
    serial = [tokenize(t) for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(tokenize, texts)) == serial


def test_rjieba_agrees_with_python_jieba(python_jieba, capsys, record_property):
    texts = [normalize(s) for s in sentences()]
    assert len(texts) >= 200

    def jieba_cut(text):
        return list(python_jieba.cut(text))

    same = sum(tokenize(t) == segment_with(t, jieba_cut) for t in texts)
    share = same / len(texts)
    record_property("rjieba_jieba_agreement", share)
    with capsys.disabled():
        print(f"\nrjieba vs python jieba (same user dictionary): {same}/{len(texts)} sentences "
              f"tokenized identically ({share:.1%})")
    assert share >= 0.98


def test_speed_of_a_100_character_post():
    """Loose guard against a slow path creeping in (the goal is well under 100 µs)."""
    post = ("检察院对校园霸凌者依法提起公诉，大快人心！那几个人把一个初二孩子关厕所里打了"
            "一个多小时还录视频！！看到临河区检察院已经批捕了主犯，干得漂亮，必须严惩[怒][赞]")[:100]
    tokenize(normalize(post))
    n = 2000
    start = time.perf_counter()
    for _ in range(n):
        tokenize(normalize(post))
    per_post = (time.perf_counter() - start) / n
    assert per_post < 500e-6, f"normalize+tokenize took {per_post * 1e6:.0f} µs per post"


def test_subwords_of_long_tokens():
    toks = tokenize("青石县人民检察院提起行政公益诉讼")
    assert "人民检察院" in toks and "行政公益诉讼" in toks
    subs = subwords(toks)
    assert {"检察院", "检察", "公益诉讼", "公益", "诉讼", "行政"} <= set(subs)
    assert len(subs) == len(set(subs))
    assert "行政公益诉讼" not in subs and "人民检察院" not in subs
    assert subwords(["检察", "不", "x" * 40]) == []
    assert "12309" in subwords(["12309检察服务中心"])
