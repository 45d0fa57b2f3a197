"""Near-duplicate fingerprints: nlp.simhash."""
from __future__ import annotations

import itertools
import random
import time

import pytest
import rjieba
from hypothesis import given, settings
from hypothesis import strategies as st

from nlp.simhash import MASK64, NearDupIndex, hamming, simhash

NEWS = (
    "记者从深圳市南山区人民检察院获悉，犯罪嫌疑人刘某以投资“康养基地”为名，先后骗取辖区6名老人"
    "共计23万余元。日前，该院以涉嫌诈骗罪对刘某依法批准逮捕。检察官提醒，老年人要提高防范意识，"
    "对高额回报、保本保息等宣传保持警惕，遇到可疑情况及时拨打110报警或12309检察服务热线反映。"
    "目前，案件正在进一步侦查中，检察机关将依法引导公安机关全面收集固定证据，追赃挽损。"
)

# Distinct posts on the same few topics, in the same officialese: none may match another.
DISTINCT = [
    "深圳市南山区人民检察院依法对一起养老诈骗案的犯罪嫌疑人批准逮捕，涉案金额二十余万元。",
    "广州市天河区人民检察院依法对一起电信网络诈骗案的三名犯罪嫌疑人提起公诉。",
    "检察院对校园霸凌者依法提起公诉，大快人心，支持检察官！",
    "检察机关对一名未成年犯罪嫌疑人作出附条件不起诉决定，并开展帮教。",
    "某县检察院干警违规接受宴请被通报，检察院纪检组已立案调查。",
    "市检察院召开新闻发布会，通报今年以来办理公益诉讼案件情况。",
    "检察官走进校园开展法治宣传，为同学们上了一堂生动的法治课。",
    "区检察院就河道污染问题向有关部门发出诉前检察建议，督促依法履职。",
    "12309检察服务中心接到群众反映后，检察长亲自接访并答复。",
    "检察院支持农民工起诉讨薪，帮助二十名工人追回工资三十余万元。",
    "检察机关对一起食品安全民事公益诉讼案提起诉讼，请求判令十倍赔偿。",
    "网传某检察官醉驾撞人后逃逸，经核实系谣言，造谣者已被依法处理。",
    "检察院对一起故意伤害案作出不起诉决定，被害人家属表示不服并提出申诉。",
    "省检察院对一起刑事案件提出抗诉，法院依法改判被告人有期徒刑五年。",
    "检察院举办开放日活动，邀请人大代表和群众走进检察机关参观。",
    "为被害人申请司法救助金五万元，检察官把救助款送到困难家庭手中。",
    "检察院对看守所开展巡回检察，发现问题并发出纠正违法通知书。",
    "县检察院公开听证一起拟不起诉案件，邀请人民监督员参加。",
    "检察长列席法院审判委员会会议，就一起再审案件发表意见。",
    "我在检察院申诉三年没有结果，材料交了一次又一次，没人管。",
    "检察院依法对一起非法采矿案提起刑事附带民事公益诉讼。",
    "检察官以案释法，提醒群众警惕以房养老骗局，守好养老钱袋子。",
    "检察院对一起交通肇事案适用认罪认罚从宽制度，提出量刑建议。",
    "检察机关督促相关部门整治违规收集个人信息的手机应用。",
    "两名检察官因办案成绩突出被评为全国模范检察官，事迹感人。",
    "检察院与教育局联合开展强制报告制度落实情况专项检查。",
    "对一起侵害英烈名誉案，检察机关提起民事公益诉讼，法院判决公开道歉。",
    "一名网民在检察院门口聚集拉横幅，现场民警及时处置，秩序恢复正常。",
    "检察院对一起职务侵占案退回补充侦查，要求公安机关补充证据。",
    "检察官到社区宣讲反电诈知识，居民纷纷点赞。",
    "不起诉决定书送达后，被不起诉人向检察院提出申诉，要求确认无罪。",
    "检察院通报三起违反中央八项规定精神典型问题，涉及公车私用、违规吃喝。",
    "检察院招录公告发布，面向社会公开招聘聘用制书记员十名。",
    "在检察机关监督下，法院对一起执行案件恢复执行，申请人拿到了执行款。",
    "检察院对一起生产销售假药案的犯罪嫌疑人批准逮捕。",
    "检察官调查发现一家企业长期偷排污水，依法督促环保部门查处。",
    "检察院对一起强奸案提起公诉，被告人被判处有期徒刑十年。",
    "检察院联合法院、公安召开座谈会，研究轻微刑事案件快速办理机制。",
    "我支持检察院严查此案，还老百姓一个公道！",
    "听说检察院要来我们村开普法讲座，大家记得去听。",
]


def fp(text: str) -> int:
    return simhash(rjieba.cut(text))


def test_fingerprint_is_signed_64_bit_and_stable():
    value = fp(NEWS)
    assert -(2**63) <= value < 2**63
    assert value == fp(NEWS)  # deterministic across calls (and processes: blake2b, not hash())
    values = [fp(t) for t in DISTINCT]
    assert any(v < 0 for v in values) and any(v > 0 for v in values)  # both halves are used


def test_empty_and_wordless_inputs_give_zero():
    assert simhash([]) == 0
    assert simhash(["", " ", "\n", "，", "。", "😀", "🙏🙏", "//", "@"]) == 0
    assert simhash(["转发", "网页链接", "展开全文"]) == 0


def test_non_string_items_are_ignored():
    assert simhash([None, 3, "检察院", 4.5, "公诉"]) == simhash(["检察院", "公诉"])  # type: ignore[list-item]


def test_hamming():
    assert hamming(0, 0) == 0
    assert hamming(0, -1) == 64
    assert hamming(0b1011, 0b0001) == 2
    a = fp(NEWS)
    assert hamming(a, a & MASK64) == 0  # signed and unsigned forms are the same fingerprint


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1), st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_hamming_is_a_metric_on_64_bits(a, b):
    assert hamming(a, b) == hamming(b, a) == bin((a ^ b) & MASK64).count("1")
    assert 0 <= hamming(a, b) <= 64
    assert hamming(a, b) == 0 or a != b


@given(st.lists(st.text(max_size=12), max_size=60))
@settings(deadline=None, max_examples=200)
def test_any_token_list_gives_a_signed_64_bit_value(tokens):
    value = simhash(tokens)
    assert -(2**63) <= value < 2**63
    assert value == simhash(list(tokens))


@pytest.mark.parametrize(
    "prefix",
    ["转发//@检察日报: ", "转发微博 //@张三://@李四 : ", "//@云州检察：", "转发 @云州检察 ", "@张三_123: "],
)
def test_reposts_fold_onto_the_source(prefix):
    assert hamming(fp(NEWS), fp(prefix + NEWS + " 网页链接")) == 0


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("日前", "近日"),  # a word swapped
        ("23万余元", "23万元"),  # a number rounded
        ("6名", "六名"),  # a digit written out
        ("记者从", "记者近日从"),  # a word inserted
        ("，追赃挽损", ""),  # a clause dropped
        ("保本保息", "保本付息"),  # one character changed
    ],
)
def test_small_edits_of_a_news_rewrite_are_within_distance_3(old, new):
    assert old in NEWS
    assert hamming(fp(NEWS), fp(NEWS.replace(old, new, 1))) <= 3


def test_recall_of_random_character_edits():
    """Share of random 1- and 2-character substitutions found at distance <= 3.

    Measured on this 181-character text: 85 % and 62 % (400 trials each). That is the ceiling
    of any 64-bit SimHash at distance 3: one changed character in n turns the feature vector
    by about arccos(1 - 1/n), so the expected distance is 64 * that / pi, about 2.1 here.
    """
    rng = random.Random(20240601)
    alphabet = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工"
    base = fp(NEWS)
    found = {1: 0, 2: 0}
    trials = 200
    for k in found:
        for _ in range(trials):
            chars = list(NEWS)
            for i in rng.sample([i for i, c in enumerate(chars) if "\u4e00" <= c <= "\u9fff"], k):
                chars[i] = rng.choice(alphabet)
            found[k] += hamming(base, fp("".join(chars))) <= 3
    assert found[1] / trials >= 0.75
    assert found[2] / trials >= 0.50


def test_distinct_posts_on_the_same_topics_do_not_match():
    fps = [fp(t) for t in DISTINCT]
    assert len(set(DISTINCT)) == len(DISTINCT) == 40
    distances = [hamming(a, b) for a, b in itertools.combinations(fps, 2)]
    false_positives = sum(d <= 3 for d in distances)
    assert false_positives == 0, f"{false_positives} of {len(distances)} pairs within distance 3"
    assert min(distances) >= 6  # a margin, not just a pass


def test_index_finds_reposts_and_edits_not_other_posts():
    index = NearDupIndex()
    for i, text in enumerate(DISTINCT):
        index.add(f"p{i}", fp(text))
    index.add("news", fp(NEWS))
    assert index.find(fp("转发//@检察日报: " + NEWS)) == "news"
    assert index.find(fp(NEWS.replace("日前", "近日"))) == "news"
    assert index.find(fp(DISTINCT[3])) == "p3"
    assert index.find(fp("今天天气很好，我们去公园散步，看到很多人在放风筝。")) is None


def test_index_prefers_closest_then_earliest():
    index = NearDupIndex(max_distance=3)
    index.add("far", 0b111000)
    index.add("near", 0b1)
    index.add("near-later", 0b10)
    index.add("exact-first", 0)
    index.add("exact-second", 0)
    assert index.find(0) == "exact-first"
    assert index.find(0b11) == "near"  # distance 1 to near and to near-later; near came first
    assert index.find(0b111100) == "far"  # distance 1 to far, 3 to exact-first
    assert index.find(0b1111111111) is None


@given(st.integers(min_value=0, max_value=2**64 - 1), st.lists(st.integers(0, 63), max_size=3))
@settings(max_examples=300, deadline=None)
def test_index_always_finds_within_distance_3(base, flips):
    index = NearDupIndex(max_items=10)
    index.add("x", base)
    probe = base
    for bit in flips:
        probe ^= 1 << bit
    assert index.find(probe) == ("x" if hamming(base, probe) <= 3 else None)
    # the same bits in signed form
    signed = probe - 2**64 if probe >= 2**63 else probe
    assert index.find(signed) == index.find(probe)


def test_index_max_distance_zero_and_bad_arguments():
    index = NearDupIndex(max_distance=0)
    index.add("a", 42)
    assert index.find(42) == "a"
    assert index.find(43) is None
    with pytest.raises(ValueError):
        NearDupIndex(max_items=0)
    with pytest.raises(ValueError):
        NearDupIndex(max_distance=-1)


def test_index_evicts_oldest_first_and_stays_bounded():
    spread = [(i * 0x9E3779B97F4A7C15) & MASK64 for i in range(1, 5)]  # far apart
    index = NearDupIndex(max_items=3)
    for i, value in enumerate(spread):
        index.add(f"p{i}", value)
    assert len(index) == 3
    assert index.find(spread[0]) is None  # p0 was evicted
    assert [index.find(v) for v in spread[1:]] == ["p1", "p2", "p3"]
    # many identical fingerprints: buckets shrink as they evict
    same = NearDupIndex(max_items=100)
    for i in range(1000):
        same.add(f"d{i}", 7)
    assert len(same) == 100
    assert same.find(7) == "d900"
    assert sum(len(b) for band in same._bands for b in band if b) == 4 * 100
    rng = random.Random(1)
    big = NearDupIndex(max_items=500)
    for i in range(5000):
        big.add(str(i), rng.getrandbits(64) - 2**63)
    assert len(big) == 500
    assert sum(len(b) for band in big._bands for b in band if b) == 4 * 500


def test_huge_and_mixed_inputs():
    tokens = ["检察院", "依法", "iPhone", "5G", "😀", "ＡＢＣ", "カタカナ", "한국어", "𠀀", "\x00"] * 200_000
    start = time.perf_counter()
    value = simhash(tokens)
    assert time.perf_counter() - start < 10
    assert -(2**63) <= value < 2**63
    assert value == simhash(tokens[:10] * 3)  # the same proportions give the same fingerprint
    assert simhash(["Hello", "world"]) == simhash(["hello", "WORLD"])  # ASCII is case-folded
    assert hamming(simhash("the court said no".split()), simhash("the court said yes".split())) > 3


def test_speed():
    """simhash of a 200-character post and add+find on a full index (generous bounds)."""
    tokens = rjieba.cut(NEWS)
    simhash(tokens)
    n = 2000
    start = time.perf_counter()
    for _ in range(n):
        simhash(tokens)
    per_simhash = (time.perf_counter() - start) / n
    rng = random.Random(5)
    fps = [rng.getrandbits(64) - 2**63 for _ in range(250_000)]
    index = NearDupIndex(max_items=200_000)
    start = time.perf_counter()
    for i, value in enumerate(fps):
        index.find(value)
        index.add(str(i), value)
    per_pair = (time.perf_counter() - start) / len(fps)
    assert per_simhash < 500e-6, per_simhash
    assert per_pair < 100e-6, per_pair
