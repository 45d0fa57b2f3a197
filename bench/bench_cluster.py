"""Event clustering speed and quality on one core: `alerts.cluster.Clusterer`.

The stream mixes background posts (corpus sentences recombined, bench/generate.py) with
bursts of made-up stories told the way stories spread: a Weibo original, 转发//@ repost
chains, news rewrites with their own headlines, comments and quotes, official responses.
Stories reuse places, actions and spots, so two stories can share most of their words
(公车 in two counties). Posts arrive in crawl order (up to 40 minutes late), carry
tokens, a SimHash fingerprint and `dup_of` as ingest would give them; this preparation
is not timed. Timed: `Clusterer.add` for every post, and `expire` every 1,000 posts as
the engine would call it.

Quality is pairwise precision and recall over the story posts (story = label); a
background post that lands in a story's event is counted apart.

    .venv/bin/python bench/bench_cluster.py [--posts 20000] [--stories 80] [--days 10] [--repeat 3] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the goal is stated

from alerts.cluster import Clusterer  # noqa: E402
from bench.generate import posts as background_posts, sentences  # noqa: E402
from indexer.post import SHANGHAI, Post  # noqa: E402
from nlp.labels import Sentiment, Topic  # noqa: E402
from nlp.normalize import normalize  # noqa: E402
from nlp.simhash import NearDupIndex, simhash  # noqa: E402
from nlp.tokenize import tokenize  # noqa: E402

PLACES = ["青石县", "梅岭县", "白沙区", "云州市", "石桥镇", "东川县", "西林县", "北塘区", "南溪县", "红岩县",
          "金川县", "玉泉区", "柳河镇", "松涛县", "鹿鸣区", "长汀县", "桃源县", "望江区", "清远镇", "龙泉县",
          "凤阳区", "安平县", "临溪镇", "横山县", "宁川区", "碧水县", "岚峰镇", "永丰县", "丹霞区", "白鹭县"]
FIRMS = ["恒达建材", "鑫源养殖", "宏图物流", "金穗粮油", "华兴置业", "绿源食品", "天和医药", "顺发运输", "新锐科技",
         "远航劳务", "福满楼", "聚鑫矿业", "安康养老", "德润化工", "星光超市", "博雅培训"]
DETAILS = ["涉事车辆车牌为{n}号", "涉及{n}名受害人", "金额达{n}万元", "已持续{n}个多月", "现场视频播放量超过{n}万",
           "当事人已向{firm}讨要{n}次", "据称与{firm}有关", "{firm}负责人拒绝回应"]
SPOTS = ["实验小学", "清水河", "东门菜市场", "红旗路", "人民广场", "第二中学", "凤凰山", "南湖公园", "开发区",
         "高铁站", "中心医院", "幸福小区", "滨江大道", "老城区", "工业园"]
PERSONS = ["王某", "李某", "张某某", "刘某", "陈某", "杨某", "赵某某", "黄某"]
USERS = ["吃瓜群众", "云州老李", "路人甲乙丙", "法律人小周", "热心市民", "小镇青年", "律师老陈", "追光者", "南方观察"]
ROLES = ["副检察长", "检察官", "科长", "干警", "检察长"]

# (topic, short name, ways to say what happened); {spot} is filled per story
ACTS = [
    ("conduct", "公车私用", ["驾驶公车接送孩子去{spot}上学", "开着单位公务车送孩子到{spot}", "用公务用车每天接送子女往返{spot}"]),
    ("conduct", "违规吃喝", ["工作日中午在{spot}附近饭店违规吃喝", "在{spot}的酒楼公款大摆宴席", "被拍到在{spot}饭店公款吃喝"]),
    ("conduct", "态度蛮横", ["接待来访群众时态度蛮横还摔了材料", "在接访窗口对申诉群众大声呵斥", "辱骂到检察院反映{spot}问题的老人"]),
    ("case", "不起诉引质疑", ["对在{spot}打人致伤的男子作出不起诉决定", "对涉嫌在{spot}故意伤害的嫌疑人不起诉",
                          "对{spot}斗殴案的打人者不予起诉"]),
    ("case", "诈骗团伙被公诉", ["对{spot}一带冒充客服的电信诈骗团伙提起公诉", "起诉了在{spot}骗取老人养老钱的诈骗团伙",
                          "对盘踞{spot}的诈骗窝点主犯提起公诉"]),
    ("public_interest", "河道污染", ["对{spot}沿岸养殖废水直排提起公益诉讼", "就{spot}污水直排问题向环保部门发出检察建议",
                                 "起诉放任{spot}河段污染的行政机关"]),
    ("public_interest", "过期食品", ["对{spot}附近超市销售过期食品提起公益诉讼", "就{spot}周边小卖部售卖三无零食发出检察建议",
                                 "起诉{spot}一家销售过期奶粉的商店"]),
    ("juvenile", "校园欺凌", ["对{spot}校园欺凌涉案学生附条件不起诉", "办理{spot}学生被多名同学围殴的案件",
                           "对在{spot}欺凌同学的几名学生作出附条件不起诉决定"]),
    ("petition", "申诉无门", ["反映{spot}拆迁补偿问题拨打12309十几次无人接听", "为{spot}拆迁的事申诉材料被退回三次",
                           "就{spot}征地补偿信访多年没有答复"]),
    ("aid", "司法救助", ["为在{spot}车祸中致残的受害人发放司法救助金", "向{spot}困难被害人家庭发放救助金",
                       "支持{spot}农民工起诉讨回欠薪"]),
    ("incident", "门口聚集", ["门口聚集了上百名{spot}的业主讨说法", "大厅里{spot}的几十名群众与保安发生推搡",
                           "被网传视频拍到{spot}村民围堵大门"]),
]
COMMENTS = ["太离谱了，必须严查！", "这种事早该管管了。", "希望公开调查结果。", "支持依法处理。", "又是这样，见怪不怪。",
            "坐等官方回应。", "看完很气愤。", "点赞，这才是为民办实事。", "真相到底是什么？", "请有关部门给个说法。"]
SENTIMENT_BY_TOPIC = {"conduct": "negative", "case": "negative", "public_interest": "positive", "juvenile": "negative",
                      "petition": "negative", "aid": "positive", "incident": "negative"}


class Story:
    def __init__(self, n: int, rng: random.Random, start: datetime, place: str, act: tuple, filler: list[str]):
        self.id = f"story{n}"
        self.rng = rng
        self.place = place
        self.org = self.place + rng.choice(["检察院", "人民检察院"])
        self.topic, self.short, ways = act
        firm = rng.choice(FIRMS)
        self.details = [d.format(n=rng.randrange(3, 90), firm=firm) for d in rng.sample(DETAILS, 3)]
        self.filler = filler  # what people say besides, from real posts
        self.spot = self.place[:2] + rng.choice(SPOTS)
        self.ways = [w.format(spot=self.spot) for w in ways]
        self.person, self.role = rng.choice(PERSONS), rng.choice(ROLES)
        self.start = start
        self.original = ""  # the first Weibo text, which reposts quote

    def act(self) -> str:
        return self.rng.choice(self.ways)

    def say(self) -> str:
        """A reaction: a stock line, or any sentence of a real post."""
        return self.rng.choice(COMMENTS) if self.rng.random() < 0.5 else self.rng.choice(self.filler)

    def detail(self) -> str:
        return self.rng.choice(self.details)

    def text(self, kind: str, filler: list[str]) -> tuple[str, str, str]:
        """(platform, title, text) of one post of the story."""
        r, p, o, a = self.rng, self.place, self.org, self.act()
        who = f"{self.role}{self.person}" if self.topic == "conduct" else ""
        if kind == "weibo":
            text = r.choice([f"#{p}{self.short}# 真的假的？{o}{who}{a}，{self.say()}[怒] http://t.cn/{r.randrange(10**6)}",
                             f"{p}这事太离谱了：{o}{who}{a}，{self.detail()}。{self.say()}",
                             f"听说{o}{a}，{self.spot}附近的人都在议论，{self.say()}"])
            if not self.original:
                self.original = text
            return "weibo", "", text
        if kind == "repost":
            own = r.choice(["", "转发微博", self.say(), "说得对", "！！"])
            chain = "".join(f"//@{r.choice(USERS)}:{self.say()}" for _ in range(r.randrange(2)))
            return "weibo", "", f"{own}{chain}//@{r.choice(USERS)}:{self.original or o + a}"
        if kind == "news":
            title = r.choice([f"{p}{self.short}引关注 {o}回应：正在核查", f"网曝{o}{who}{self.short}",
                              f"{p}：{o}{a}"]) + r.choice(["", "_云州日报", " - 新京报"])
            body = r.choice([f"近日，有网友反映{o}{who}{a}，{self.detail()}。记者从{p}相关部门获悉，目前正在核实有关情况。",
                             f"据{p}当地媒体报道，{o}{who}{a}，此事在网上引发讨论，{self.spot}周边居民表示关注。",
                             f"{self.rng.randrange(1, 29)}日，{o}{who}{a}一事持续发酵。{p}官方表示将依法依规处理。"])
            return "news", title, body + "".join(r.sample(filler, 2))
        if kind == "official":
            title = f"关于{self.short}有关情况的通报"
            return "gov", title, f"近日，网民反映{o}{who}{a}。我院高度重视，立即成立核查组，核查结果将及时向社会公布。"
        return r.choice(["forum", "video"]), "", r.choice([
            f"{p}那个{self.short}的事，{o}{a}，{self.say()}",
            f"刚看到新闻说{o}{a}，{self.say()}{r.choice(filler)}",
            f"{self.spot}这事我知道，{a}，{self.detail()}，{self.say()}"])


def story_posts(n_stories: int, total: int, days: int, seed: int, end: datetime) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    filler = sentences()
    sizes = [min(1500, int(6 * rng.paretovariate(1.2))) for _ in range(n_stories)]
    scale = total / sum(sizes)
    out = []
    # each story its own (place, action): two stories with both alike would be one story
    combos = rng.sample([(p, a) for p in PLACES for a in ACTS], n_stories)
    for n, size in enumerate(sizes):
        size = max(3, int(size * scale))
        start = end - timedelta(days=days) + timedelta(seconds=rng.uniform(0, days * 86400 - 3 * 86400))
        story = Story(n, rng, start, *combos[n], filler)
        kinds = ["weibo"] + rng.choices(["repost", "weibo", "news", "comment", "official"],
                                        weights=[45, 12, 15, 26, 2], k=size - 1)
        for i, kind in enumerate(kinds):
            platform, title, text = story.text(kind, filler)
            when = story.start + timedelta(hours=0 if i == 0 else min(60.0, rng.expovariate(1 / 6)))
            out.append((story.id, {"id": f"{story.id}-{i}", "url": f"https://{platform}.example/{story.id}/{i}",
                                   "platform": platform, "site": f"{platform}.example", "title": title,
                                   "text": text, "published_at": when.isoformat(), "topic": story.topic,
                                   "sentiment": SENTIMENT_BY_TOPIC[story.topic], "reposts": rng.randrange(100),
                                   "author": rng.choice(USERS) if kind != "official" else story.org}))
    return out


def prepare(n: int, n_stories: int, days: int, seed: int) -> tuple[list[Post], dict[str, str]]:
    """The stream in crawl order, prepared as ingest would (not timed), and story labels."""
    end = datetime(2026, 11, 30, 23, 59, tzinfo=SHANGHAI)
    stories = story_posts(n_stories, n * 35 // 100, days, seed, end)
    labels = {d["id"]: label for label, d in stories}
    records = [d for _, d in stories]
    for d in background_posts(n - len(records), days=days, seed=seed + 1, end=end):
        d["topic"], d["sentiment"] = "case", "neutral"
        records.append(d)
    rng = random.Random(seed + 2)
    arrival = sorted(records, key=lambda d: datetime.fromisoformat(d["published_at"])
                     + timedelta(minutes=rng.uniform(0, 40)))
    near = NearDupIndex()
    out = []
    for d in arrival:
        p = Post.from_dict(d)
        p.text, p.title = normalize(p.text), normalize(p.title)
        p.tokens = tokenize(p.title + "\n" + p.text if p.title else p.text)
        p.fingerprint = simhash(p.tokens)
        p.relevant = True
        p.sentiment, p.topic = Sentiment(d["sentiment"]), Topic(d["topic"])
        first = near.find(p.fingerprint) if p.fingerprint else None
        if first:
            p.dup_of = first
        elif p.fingerprint:
            near.add(p.id, p.fingerprint)
        out.append(p)
    return out, labels


def pairwise(labels: dict[str, str], assigned: dict[str, str]) -> tuple[float, float]:
    """Pairwise precision and recall over the labelled posts, from the contingency counts."""
    def pairs(counter: Counter) -> int:
        return sum(k * (k - 1) // 2 for k in counter.values())
    both = pairs(Counter((assigned[p], lab) for p, lab in labels.items()))
    got = pairs(Counter(assigned[p] for p in labels))
    truth = pairs(Counter(labels.values()))
    return both / (got or 1), both / (truth or 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=20_000)
    ap.add_argument("--stories", type=int, default=80)
    ap.add_argument("--days", type=int, default=10)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3, help="runs; the fastest is reported (the machine may be shared)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    t0 = time.perf_counter()
    stream, labels = prepare(args.posts, args.stories, args.days, args.seed)
    prep = time.perf_counter() - t0

    times = []
    for _ in range(max(1, args.repeat)):
        clusterer = Clusterer()
        assigned: dict[str, str] = {}
        created, expired, watermark = set(), 0, stream[0].when
        t0 = time.perf_counter()
        for i, post in enumerate(stream, 1):
            ev = clusterer.add(post)
            assigned[post.id] = ev.id
            created.add(ev.id)
            watermark = max(watermark, post.when)
            if i % 1000 == 0:
                expired += len(clusterer.expire(watermark))
        times.append(time.perf_counter() - t0)
    seconds = min(times)

    precision, recall = pairwise(labels, assigned)
    story_events = {assigned[p] for p in labels}
    strays = sum(1 for p, e in assigned.items() if p not in labels and e in story_events)
    result = {"posts": len(stream), "story_posts": len(labels), "stories": len(set(labels.values())),
              "seconds": round(seconds, 3), "posts_per_s": round(len(stream) / seconds),
              "posts_per_s_median": round(len(stream) / sorted(times)[len(times) // 2]),
              "events": len(created), "live_at_end": len(clusterer.live()), "expired": expired,
              "story_events": len(story_events), "pairwise_precision": round(precision, 4),
              "pairwise_recall": round(recall, 4), "background_in_story_events": strays,
              "prepare_seconds": round(prep, 1)}
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return
    print(f"posts: {len(stream):,} ({len(labels):,} in {result['stories']} stories, the rest background), "
          f"prepared in {prep:.1f} s (not timed)")
    print(f"clustering: {result['posts_per_s']:,} posts/s ({seconds * 1e6 / len(stream):.0f} µs/post) "
          f"on one core, best of {len(times)} runs (median {result['posts_per_s_median']:,}), goal ≥ 2,000")
    print(f"events: {len(created):,} created, {expired:,} expired, {result['live_at_end']:,} live at the end; "
          f"story posts fell into {len(story_events)} events")
    print(f"story quality: pairwise precision {precision:.3f}, recall {recall:.3f}; "
          f"background posts in story events: {strays}")


if __name__ == "__main__":
    main()
