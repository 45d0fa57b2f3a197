"""Online event clustering on hand-written stories told across platforms.

Posts carry real tokens and SimHash fingerprints (nlp.tokenize, nlp.simhash), as ingest
gives them. Story A (a deputy chief prosecutor driving his child to school in an
official car) and story B (an official car of another procuratorate in a road accident)
share 检察院 and 公车 and must stay apart.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from itertools import combinations

import pytest

from alerts.cluster import ClusterConfig, Clusterer
from alerts.official import is_official
from alerts.terms import hour_key
from alerts.model import Event
from alerts.phrases import clean_text, headline, key_phrases, sentence_title, split_repost
from indexer.post import SHANGHAI, Post
from nlp.errors import ConfigError
from nlp.labels import Platform, Sentiment, Topic
from nlp.normalize import normalize
from nlp.simhash import simhash
from nlp.tokenize import tokenize
from tests.conftest import ROOT

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=SHANGHAI)
SITES = {"weibo": "weibo.com", "news": "云州日报", "gov": "qs.jcy.example", "forum": "云州论坛",
         "video": "douyin.com", "wechat": "mp.weixin.qq.com"}


def mk(pid: str, minutes: int, platform: str, text: str, *, title: str = "", site: str = "", author: str = "",
       sentiment: str = "negative", topic: str = "conduct", region: str = "云州市", likes: int = 0,
       relevant: bool | None = True, dup_of: str = "") -> Post:
    """A post as ingest leaves it: normalized text, tokens of title + text, fingerprint."""
    text, title = normalize(text), normalize(title)
    tokens = tokenize(title + "\n" + text if title else text)
    site = site or SITES[platform]
    return Post(id=pid, text=text, title=title, url=f"https://{site}/p/{pid}", platform=Platform(platform),
                site=site, author=author, published_at=T0 + timedelta(minutes=minutes), region=region,
                tokens=tokens, fingerprint=simhash(tokens), relevant=relevant, sentiment=Sentiment(sentiment),
                topic=Topic(topic), likes=likes, dup_of=dup_of)


A1_TEXT = ("#青石县副检察长公车接送孩子# 连续一周每天早上七点半，一辆挂着青石县人民检察院牌子的公车停在实验小学门口，"
           "下来的是副检察长王某和他儿子。公家的车成了私家车？[怒] 有视频为证 http://t.cn/A6xYz1")

STORY_A = [  # 青石县副检察长公车私用
    lambda: mk("a1", 0, "weibo", A1_TEXT, author="青石吃瓜群众", likes=30),
    lambda: mk("a2", 25, "weibo", "说得对//@云州老李:查！必须查！//@青石吃瓜群众:" + A1_TEXT, author="路人甲"),
    lambda: mk("a3", 40, "weibo", "转发微博//@青石吃瓜群众:" + A1_TEXT, author="路人乙"),
    lambda: mk("a4", 55, "weibo", "这种事情太常见了，希望纪委介入调查//@青石吃瓜群众:" + A1_TEXT, author="路人丙",
               likes=900),
    lambda: mk("a5", 130, "news",
               "11月2日，有网友在微博发布视频称，青石县人民检察院副检察长王某长期驾驶单位公务用车接送其子往返实验小学。"
               "记者当天致电青石县纪委监委，工作人员表示已关注到网上反映的情况，正在核实。视频显示，该车辆车身印有检察标识，"
               "多名学生家长证实这辆车几乎每天都会出现在校门口。",
               title="网曝青石县检察院副检察长用公车接送孩子上学 当地纪委已介入_云州日报"),
    lambda: mk("a6", 210, "news",
               "针对网传“青石县检察院领导开公车送孩子上学”一事，11月2日下午，青石县纪委监委回应称，已成立调查组对涉事"
               "副检察长王某公车私用问题进行调查，将根据调查结果依法依规处理。据网友此前发布的视频，一辆检察院公务车"
               "连续多日出现在青石实验小学门口。", title="青石县一检察官被指公车私用，纪委：已成立调查组 - 澎湃新闻",
               site="澎湃新闻"),
    lambda: mk("a7", 260, "forum", "看了新闻说青石县那个副检察长天天开公车送儿子去实验小学，还被人拍了视频，"
               "检察院的人带头违规，老百姓怎么信服？", author="云州老张"),
    lambda: mk("a8", 300, "gov", "近日，有网民反映我院副检察长王某驾驶公务用车接送子女上学。我院高度重视，已暂停王某职务，"
               "配合县纪委监委开展调查，调查结果将及时向社会公布。感谢社会各界监督。",
               title="关于网传我院干警公车私用问题的情况说明", author="青石县人民检察院", sentiment="neutral"),
    lambda: mk("a9", 330, "video", "青石县副检察长开公车接送孩子上学被拍到，每天早上都停在实验小学门口 #公车私用#",
               author="云州热点"),
]

STORY_B = [  # 云州市检察院公车交通事故: shares 检察院 and 公车 with A
    lambda: mk("b1", 480, "weibo", "今天下午在云州大道和解放路口，一辆云州市检察院的公车和一辆电动车相撞，骑车的大姐倒在地上，"
               "救护车已经来了，希望人没事。", author="云州路况", sentiment="neutral", topic="incident"),
    lambda: mk("b2", 560, "news", "11月2日16时许，云州大道与解放路交叉口发生一起交通事故，一辆云州市人民检察院公务车辆与一辆"
               "电动自行车发生碰撞，电动车驾驶人受伤后被送往市第一人民医院救治，目前无生命危险。交警部门已到场处置，"
               "事故原因正在调查中。", title="云州市区一公务车与电动车相撞 骑车人受伤送医", sentiment="neutral",
               topic="incident"),
    lambda: mk("b3", 590, "weibo", "//@云州交通:云州大道解放路口一辆检察院公车与电动车相撞，电动车驾驶人受伤送医，交警正在处理。",
               author="路人丁", sentiment="neutral", topic="incident"),
    lambda: mk("b4", 620, "forum", "解放路口那个车祸我路过看到了，检察院的车把电动车撞了，骑车大姐伤得不轻，交警在现场拍照",
               sentiment="neutral", topic="incident"),
]

STORY_C = [  # 清水河污染公益诉讼
    lambda: mk("c1", 700, "gov", "云州市人民检察院在履职中发现，清水河沿岸多家养殖场长期直排养殖废水，导致河段水质恶化为劣五类。"
               "检察机关向相关行政机关发出检察建议后整改仍不到位，遂依法提起行政公益诉讼。",
               title="云州市检察院就清水河污染提起行政公益诉讼", site="yz.jcy.example", author="云州市人民检察院",
               sentiment="positive", topic="public_interest"),
    lambda: mk("c2", 760, "weibo", "清水河终于有人管了！市检察院把环保局告上法庭，养殖场的污水排了好几年，河里的鱼都死光了[赞]",
               author="云州环保志愿者", sentiment="positive", topic="public_interest"),
    lambda: mk("c3", 820, "news", "清水河沿岸养殖场废水直排问题由来已久。记者了解到，云州市检察院日前以公益诉讼起诉人身份，"
               "就清水河污染问题向法院提起诉讼，要求相关部门依法履行监管职责。附近村民表示，河水发黑发臭已有三四年。",
               title="清水河养殖废水直排多年 检察机关提起公益诉讼", sentiment="positive", topic="public_interest",
               site="新京报"),
    lambda: mk("c4", 850, "weibo", "支持！//@云州环保志愿者:清水河终于有人管了！市检察院把环保局告上法庭，养殖场的污水排了好几年，"
               "河里的鱼都死光了[赞]", sentiment="positive", topic="public_interest"),
]

STORY_D = [  # 石桥中学欺凌案附条件不起诉
    lambda: mk("d1", 900, "weibo", "石桥镇中学几个学生把同学打成轻伤二级，结果检察院对打人的学生附条件不起诉？被打孩子的妈妈在网上"
               "哭诉，说孩子现在都不敢去上学了。", topic="juvenile"),
    lambda: mk("d2", 1000, "news", "石桥镇中学一起校园欺凌事件引发关注。受害学生家属称，孩子遭多名同学殴打致轻伤二级，但检察机关"
               "对涉案未成年人作出附条件不起诉决定。对此，当地检察院表示，决定系依据未成年人刑事案件相关规定作出，并将"
               "对涉案学生进行考察帮教。", title="石桥中学欺凌案涉案学生获附条件不起诉 家属质疑", topic="juvenile",
               sentiment="neutral", site="新京报"),
    lambda: mk("d3", 1060, "forum", "附条件不起诉不等于不追究，未成年人犯罪讲究教育挽救，但石桥中学这个欺凌案子里被打孩子"
               "家长的诉求也应该被重视", sentiment="neutral", topic="juvenile"),
    lambda: mk("d4", 1100, "weibo", "//@石桥妈妈:孩子在石桥镇中学被同学打成轻伤二级，检察院对打人的学生附条件不起诉，我们不服！",
               topic="juvenile"),
]

SINGLES = [  # unrelated posts, each its own event
    lambda: mk("s1", 300, "news", "最高人民检察院发布第四十批指导性案例，聚焦知识产权刑事保护，涉及商标侵权、侵犯商业秘密等罪名。",
               title="最高检发布知识产权保护指导性案例", sentiment="neutral", topic="outreach", site="新京报"),
    lambda: mk("s2", 400, "wechat", "检察开放日活动走进青石县第二中学，同学们参观了12309检察服务中心，听检察官讲解防范电信诈骗知识。",
               sentiment="positive", topic="outreach"),
    lambda: mk("s3", 650, "news", "云州市检察院召开党组理论学习中心组会议，传达学习全会精神，研究部署下一阶段重点工作。",
               title="云州市检察院召开党组会议", sentiment="neutral", topic="outreach"),
]

STORIES = {"A": STORY_A, "B": STORY_B, "C": STORY_C, "D": STORY_D}


def stream() -> list[tuple[str, Post]]:
    """Every hand-written post with its story label (singles label themselves), in time order."""
    out = [(label, make()) for label, story in STORIES.items() for make in story]
    out += [(f"single-{i}", make()) for i, make in enumerate(SINGLES)]
    out.sort(key=lambda lp: lp[1].when)
    return out


def pairwise(truth: dict[str, str], got: dict[str, str]) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering against labels (post id -> label)."""
    tp = fp = fn = 0
    for x, y in combinations(sorted(truth), 2):
        same_truth, same_got = truth[x] == truth[y], got[x] == got[y]
        tp += same_truth and same_got
        fp += same_got and not same_truth
        fn += same_truth and not same_got
    return tp / ((tp + fp) or 1), tp / ((tp + fn) or 1)


def run(posts: list[Post], clusterer: Clusterer | None = None) -> tuple[Clusterer, dict[str, str]]:
    c = clusterer or Clusterer()
    got = {}
    for p in posts:
        ev = c.add(p)
        assert ev is not None
        got[p.id] = ev.id
    return c, got


# -- one story across platforms ----------------------------------------------------------
def test_a_story_told_across_platforms_is_one_event():
    posts = [make() for make in STORY_A]
    c, got = run(posts)
    assert set(got.values()) == {"ev-a1"}
    ev = c.get("ev-a1")
    assert ev.size == 9 and list(ev.posts) == [p.id for p in posts]
    assert ev.first.id == "a1" and ev.first.author == "青石吃瓜群众" and ev.first_seen == T0
    assert ev.last_seen == T0 + timedelta(minutes=330)
    assert ev.platforms == {"weibo": 4, "news": 2, "forum": 1, "gov": 1, "video": 1}
    assert ev.sites["weibo.com"] == 4 and ev.sites["澎湃新闻"] == 1
    assert ev.sentiments == {"negative": 8, "neutral": 1} and ev.sentiment == "negative"
    assert ev.topic == "conduct" and ev.regions == {"云州市": 9}
    assert ev.hourly == {"2026-11-02T08:00:00+08:00": 4, "2026-11-02T10:00:00+08:00": 1,
                         "2026-11-02T11:00:00+08:00": 1, "2026-11-02T12:00:00+08:00": 1,
                         "2026-11-02T13:00:00+08:00": 2}
    assert sum(ev.hourly.values()) == ev.size
    assert ev.official is not None and ev.official.id == "a8"
    ids = [s.id for s in ev.samples]
    assert len(ids) == len(set(ids)) <= 8
    assert ids[0] == "a1" and "a4" in ids and "a8" in ids  # first, most engaged, official
    assert {"weibo.com", "云州日报", "澎湃新闻", "云州论坛", "douyin.com"} <= {s.site for s in ev.samples}


def test_reposts_join_on_their_original_part():
    own, original = split_repost("说得对//@张三:转发理由//@李四:原文在这里")
    assert (own, original) == ("说得对", "原文在这里")
    assert split_repost("转发微博//@李四:原文") == ("", "原文")
    assert split_repost("没有转发链的帖子") == ("", "没有转发链的帖子")
    assert split_repost("好//@张三:说得好//@李四:") == ("好", "说得好")  # empty last link: the one before
    c, got = run([make() for make in STORY_A[:1]])
    # a repost that quotes the original after a long comment of its own still joins it
    long_own = mk("r1", 70, "weibo", "我们小区门口也天天有这种车，开着公家的车办自家的事，真是见怪不怪了，"
                  "不知道什么时候才能管住//@青石吃瓜群众:" + A1_TEXT)
    assert c.add(long_own).id == "ev-a1"


def test_near_duplicate_joins_the_event_of_the_post_it_copies():
    c, _ = run([make() for make in STORY_A[:1]])
    copy = mk("x1", 90, "forum", "完全不相干的文字，只为测试。", dup_of="a1")
    assert c.add(copy).id == "ev-a1"  # dup_of, set by ingest, wins
    near = mk("x2", 95, "forum", A1_TEXT.replace("七点半", "七点"))
    assert near.dup_of == "" and c.add(near).id == "ev-a1"  # the fingerprint finds it


def test_irrelevant_posts_are_not_clustered():
    c = Clusterer()
    assert c.add(mk("n1", 0, "weibo", A1_TEXT, relevant=False)) is None
    assert c.add(mk("n2", 0, "weibo", A1_TEXT, relevant=None)) is None
    assert c.live() == []


def test_same_post_twice_is_counted_once():
    c, _ = run([make() for make in STORY_A[:2]])
    again = STORY_A[1]()
    again.likes = 5000
    ev = c.add(again)
    assert ev.size == 2 and sum(ev.hourly.values()) == 2
    assert any(s.id == "a2" and s.likes == 5000 for s in ev.samples)  # now the most engaged


# -- stories that share words stay apart -------------------------------------------------
def test_stories_sharing_words_stay_apart():
    posts = sorted([make() for make in STORY_A + STORY_B], key=lambda p: p.when)
    c, got = run(posts)
    assert {got[p.id] for p in posts if p.id.startswith("a")} == {"ev-a1"}
    assert {got[p.id] for p in posts if p.id.startswith("b")} == {"ev-b1"}
    assert c.get("ev-b1").title.startswith("云州市区一公务车与电动车相撞")


def test_the_same_news_from_two_counties_is_two_events():
    """Template-like posts (a procuratorate hands out 司法救助金) from two counties read
    alike; each county's posts form its own event."""
    texts = {"梅岭": "{c}县人民检察院检察官把司法救助金送到{n}大爷家里，老人连声道谢。{c}县检察院表示将持续做好司法救助工作。",
             "白鹭": "{c}县人民检察院检察官把司法救助金送到{n}大爷家里，老人连声道谢，{c}县检察院这件事办得暖心。"}
    c = Clusterer()
    got = {}
    for i, (name, county) in enumerate([("张", "梅岭"), ("李", "白鹭"), ("王", "梅岭"), ("赵", "白鹭")]):
        post = mk(f"t{i}", 10 * i, "news", texts[county].format(c=county, n=name), sentiment="positive", topic="aid")
        got[post.id] = c.add(post).id
    assert got == {"t0": "ev-t0", "t1": "ev-t1", "t2": "ev-t0", "t3": "ev-t1"}
    # without the rule the two counties' posts are one event
    loose = Clusterer(ClusterConfig(place_conflict=1.0))
    ids = {loose.add(mk(f"u{i}", 10 * i, "news", texts[county].format(c=county, n="张"))).id
           for i, county in enumerate(["梅岭", "白鹭"])}
    assert len(ids) == 1


def test_mixed_stream_pairwise_precision_and_recall():
    labelled = stream()
    _, got = run([p for _, p in labelled])
    truth = {p.id: label for label, p in labelled}
    precision, recall = pairwise(truth, got)
    assert precision >= 0.9 and recall >= 0.9, (precision, recall, got)
    for i in range(len(SINGLES)):
        assert got[f"s{i + 1}"] == f"ev-s{i + 1}"


def test_pairwise_scores_catch_a_bad_clustering():
    truth = {"1": "a", "2": "a", "3": "b", "4": "b"}
    assert pairwise(truth, {"1": "x", "2": "x", "3": "x", "4": "x"})[0] < 0.5
    assert pairwise(truth, {"1": "1", "2": "2", "3": "3", "4": "4"})[1] == 0.0


def test_a_post_bridging_two_events_of_one_story_folds_them():
    c = Clusterer(ClusterConfig(similarity=0.45, fold_similarity=0.3))  # strict, so the story starts twice
    a1, a6, a9 = STORY_A[0](), STORY_A[5](), STORY_A[8]()
    assert c.add(a1).id == "ev-a1" and c.add(a6).id == "ev-a6"
    assert c.add(a9).id == "ev-a1"  # a9 matches both: the younger folds into the older
    twin = c.get("ev-a6")
    assert twin.merged_into == "ev-a1" and twin.size == 1 and twin in c.live()
    assert c.add(mk("x3", 400, "news", a6.text, title=a6.title, dup_of="a6")).id == "ev-a1"
    copy = mk("x4", 410, "weibo", a6.text)
    assert copy.dup_of == "" and c.add(copy).id == "ev-a1"  # its fingerprints moved too
    assert c.add(STORY_A[5]()).id == "ev-a6"  # a post already counted stays where it is
    stored = Event.from_dict(twin.to_dict())
    assert stored.merged_into == "ev-a1"


def test_twins_no_post_bridges_fold_as_the_event_grows():
    c = Clusterer(ClusterConfig(similarity=0.45, fold_similarity=0.3))
    for make in (STORY_A[0], STORY_A[5], STORY_A[1]):
        c.add(make())
    assert c.get("ev-a6").merged_into == ""
    assert c.add(STORY_A[2]()).id == "ev-a1"  # the third post of ev-a1: it looks for a twin
    assert c.get("ev-a6").merged_into == "ev-a1"


def test_workers_agree_whatever_the_hash_seed():
    """Two processes on one stream make the same events (ids, members, titles)."""
    script = ("import json\nfrom tests.alerts.test_cluster import stream\nfrom alerts.cluster import Clusterer\n"
              "c = Clusterer()\nout = {p.id: c.add(p).id for _, p in stream()}\n"
              "print(json.dumps([out, sorted((e.id, e.title, e.phrases) for e in c.live())], ensure_ascii=False))")
    runs = [subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")]
    assert runs[0] == runs[1] and json.loads(runs[0])[0]["a9"] == "ev-a1"


# -- time: first post, window, expiry, restart -------------------------------------------
def test_an_earlier_post_arriving_late_becomes_the_first():
    a1, a2, a5 = STORY_A[0](), STORY_A[1](), STORY_A[4]()
    c = Clusterer()
    assert c.add(a2).id == "ev-a2"  # the repost was crawled first
    assert c.add(a5).id == "ev-a2"
    ev = c.add(a1)
    assert ev.id == "ev-a2"  # the id stays, so reports keep their key
    assert ev.first.id == "a1" and ev.first_seen == a1.when and ev.last_seen == a5.when


def test_window_expiry_drops_events_and_bounds_memory():
    c, _ = run([make() for make in STORY_A])
    last = T0 + timedelta(minutes=330)
    assert c.expire(last + timedelta(hours=71)) == []
    gone = c.expire(last + timedelta(hours=72, minutes=1))
    assert [e.id for e in gone] == ["ev-a1"] and gone[0].status == "closed"
    assert c.live() == [] and c.get("ev-a1") is None
    assert not c._postings and not c._post_event and not c._state
    late = mk("a10", 330 + 73 * 60, "weibo", A1_TEXT, author="翻旧账")
    assert c.add(late).id == "ev-a10"  # the old event takes no more posts


def test_a_post_outside_the_window_starts_a_new_event():
    c, _ = run([make() for make in STORY_A[:1]], Clusterer(ClusterConfig(window=timedelta(hours=2))))
    later = mk("a11", 4 * 60, "weibo", A1_TEXT.replace("七点半", "八点"), author="又一个")
    assert c.add(later).id == "ev-a11"
    assert len(c.live()) == 2


def test_restore_after_restart_lets_new_posts_join():
    posts = [make() for make in STORY_A]
    c, _ = run(posts[:4])
    stored = Event.from_dict(c.get("ev-a1").to_dict())
    fresh = Clusterer()
    fresh.restore(stored, posts[:4])
    for p in posts[4:]:
        assert fresh.add(p).id == "ev-a1"
    ev = fresh.get("ev-a1")
    assert ev.size == 9 and ev.first.id == "a1" and ev.official.id == "a8"
    assert sum(ev.hourly.values()) == 9
    assert fresh.add(posts[2]).size == 9  # a restored post is not counted again


def test_restore_without_posts_matches_on_title_and_phrases():
    posts = [make() for make in STORY_A]
    c, _ = run(posts[:5])
    stored = Event.from_dict(c.get("ev-a1").to_dict())
    fresh = Clusterer()
    fresh.restore(stored, [])
    assert fresh.add(posts[8]).id == "ev-a1"
    assert fresh.add(posts[1]).id == "ev-a1"  # a stored post id is known: joins, counted once
    assert fresh.get("ev-a1").size == 6


# -- words for the analyst ---------------------------------------------------------------
def test_title_prefers_the_news_headline_and_phrases_read_well():
    c, _ = run([make() for make in STORY_A])
    ev = c.get("ev-a1")
    assert ev.title == "网曝青石县检察院副检察长用公车接送孩子上学 当地纪委已介入"
    assert len(ev.phrases) >= 5
    assert all(len(p) >= 2 for p in ev.phrases)
    assert not {"检察院", "副检察长", "人民检察院"} & set(ev.phrases)  # watch terms tell nothing
    assert "实验小学" in ev.phrases and ({"公车", "公车私用"} & set(ev.phrases))
    assert "青石县" in ev.phrases  # the place as posts write it


def test_title_from_a_weibo_post_is_a_clean_sentence():
    c, _ = run([make() for make in STORY_A[:4]])
    title = c.get("ev-a1").title
    assert title == "青石县副检察长公车接送孩子"  # the story's hashtag
    assert len(title) <= 30
    for junk in ("#", "//@", "http", "[怒]", "t.cn"):
        assert junk not in title


def test_sentence_titles():
    assert sentence_title("【青石县检察院回应公车私用】据报道……") == "青石县检察院回应公车私用"
    assert sentence_title("#清水河污染# 这条河终于有人管了[赞]😀 https://t.cn/x") == "这条河终于有人管了"
    assert sentence_title("#清水河污染#") == "清水河污染"
    long = "云州市人民检察院对清水河沿岸多家养殖场长期直排养殖废水导致河段水质恶化的问题依法提起行政公益诉讼"
    cut = sentence_title(long)
    assert len(cut) <= 30 and cut.endswith("…")
    assert sentence_title("石桥镇中学几个学生把同学打成轻伤二级，结果检察院对打人的学生附条件不起诉") == "石桥镇中学几个学生把同学打成轻伤二级"
    assert headline("青石县一检察官被指公车私用，纪委：已成立调查组 - 澎湃新闻") == "青石县一检察官被指公车私用，纪委：已成立调查组"
    assert clean_text("@青石检察 请回应！//@张三:原文在此 网页链接") == "原文在此"


def test_key_phrases_skip_watch_terms_and_repeats():
    weights = {"检察院": 9.0, "公车私用": 8.0, "公车": 7.5, "实验小学": 5.0, "王": 4.0, "青石": 3.0, "孩子": 2.0}
    got = key_phrases(weights, exclude={"检察院"}, k=4, texts=["青石县的实验小学门口"])
    assert got == ["公车私用", "实验小学", "青石县", "孩子"]


def test_official_response_rule():
    a8, a1, c1 = STORY_A[7](), STORY_A[0](), STORY_C[0]()
    assert is_official(a8) and is_official(c1) and not is_official(a1)
    procuratorate_news = mk("o1", 0, "news", "今天我院召开党组会议，研究部署工作。", site="qs.jcy.example",
                            author="青石县人民检察院")
    assert not is_official(procuratorate_news)
    answer = mk("o2", 0, "weibo", "针对网民反映的问题，我院高度重视，现将有关情况通报如下。", author="青石检察")
    assert is_official(answer)
    citizen = mk("o3", 0, "weibo", "检察院快回应一下吧", author="路人")
    assert not is_official(citizen)


def test_hour_keys_are_shanghai_hour_starts():
    assert hour_key(datetime(2026, 11, 2, 0, 59, tzinfo=SHANGHAI)) == "2026-11-02T00:00:00+08:00"
    assert hour_key(datetime(2026, 11, 1, 16, 30, tzinfo=timezone.utc)) == "2026-11-02T00:00:00+08:00"


def test_config_is_checked():
    with pytest.raises(ConfigError):
        ClusterConfig(similarity=0)
    with pytest.raises(ConfigError):
        ClusterConfig(window=timedelta(0))
    with pytest.raises(ConfigError):
        ClusterConfig(max_candidates=0)
    with pytest.raises(ConfigError):
        ClusterConfig(common_terms="检察院")
    assert ClusterConfig(excluded_phrases=["检察院", "公车"]).excluded_phrases == frozenset({"检察院", "公车"})


def test_a_title_keeps_a_quote_whose_partner_it_holds():
    from alerts.phrases import headline, sentence_title

    assert headline("“我是检察院的”，夜市摊主被推倒") == "“我是检察院的”，夜市摊主被推倒"
    assert sentence_title("“我是检察院的”，夜市摊主被推倒。后续呢") == "“我是检察院的”，夜市摊主被推倒"
    assert headline("……“检察院回应了”！！") == "检察院回应了"   # quotes around the whole go
