"""Topic and keyword volume bursts that no reported event explains."""
import random
from datetime import datetime, timedelta

from alerts.volume import VolumeWatch
from indexer.post import SHANGHAI, Post
from nlp.labels import Platform, Sentiment, Topic

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=SHANGHAI)


def background(rng):
    posts = []
    for h in range(14 * 24):
        t = NOW - timedelta(hours=h + 1)
        n = rng.choice((1, 2, 3)) if 8 <= t.hour <= 22 else rng.choice((0, 0, 1))
        for k in range(n):
            topic = rng.choice((Topic.CASE, Topic.OUTREACH, Topic.CONDUCT))
            posts.append(Post(id=f"b{h}-{k}", text=f"某县检察院日常通报{h}-{k}", published_at=t + timedelta(minutes=k * 7),
                              relevant=True, topic=topic, sentiment=Sentiment.NEUTRAL, platform=Platform.NEWS,
                              tokens=["检察院", "通报", f"{h}"]))
    return posts


def burst(event_id=""):
    return [Post(id=f"x{i}", text=f"又一起：检察干警作风问题第{i}例，公车私用", published_at=NOW - timedelta(minutes=2 + i),
                 relevant=True, topic=Topic.CONDUCT, sentiment=Sentiment.NEGATIVE, platform=Platform.WEIBO,
                 event_id=event_id, tokens=["检察", "作风", "公车私用", str(i)]) for i in range(30)]


def test_a_topic_burst_nobody_reported_is_alerted_once(store):
    store.upsert(background(random.Random(3)) + burst())
    watch = VolumeWatch(keywords=("公车私用",))
    alerts = watch.check(store, NOW, reported_events=set())
    assert {(a.kind, a.key) for a in alerts} == {("topic", "conduct"), ("keyword", "公车私用")}
    assert all(a.burst.observed >= 30 for a in alerts) and "队伍作风声量异常" in alerts[0].describe() + alerts[1].describe()
    assert watch.check(store, NOW + timedelta(minutes=10), reported_events=set()) == []   # realert


def test_a_burst_explained_by_a_reported_event_is_not_alerted_again(store):
    store.upsert(background(random.Random(3)) + burst(event_id="ev-x0"))
    assert VolumeWatch().check(store, NOW, reported_events={"ev-x0"}) == []
    assert [a.key for a in VolumeWatch().check(store, NOW, reported_events=set())] == ["conduct"]


def test_the_daily_rhythm_is_not_a_burst(store):
    store.upsert(background(random.Random(5)))
    watch = VolumeWatch()
    for h in range(24):
        assert watch.check(store, NOW - timedelta(hours=h), reported_events=set()) == []
