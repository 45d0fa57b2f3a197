"""The synthetic labeled stream (alerts/synthetic.py) and the scorer (alerts/scoring.py):
the stream has the rhythm, trend, shapes, decoys and varied texts it promises, goes
through the real ingest chain untouched, and the scorer counts reports as it says."""
import json
import re
from collections import Counter
from datetime import datetime, timedelta

import pytest

from alerts.scoring import format as format_score
from alerts.scoring import score
from alerts.synthetic import DEFAULT_START, TruthEvent, generate, load_truth, phrases, write_jsonl, write_truth
from indexer.ingest import IngestChain, read_jsonl
from indexer.post import SHANGHAI
from nlp.watch import DEFAULT_WATCH_TERMS, WatchList

FIELDS = {"id", "url", "platform", "site", "author", "title", "text", "published_at", "reposts", "comments",
          "likes", "_event", "_decoy", "_kind", "_phase"}
WATCH = WatchList(DEFAULT_WATCH_TERMS)


@pytest.fixture(scope="module")
def week():
    return generate()


def when(p) -> datetime:
    return datetime.fromisoformat(p["published_at"])


def of(stream, key):
    return [p for p in stream.posts if p["_event"] == key]


def truth(stream, key) -> TruthEvent:
    return next(t for t in stream.truths if t.key == key)


def background(stream):
    return [p for p in stream.posts if p["_kind"] in ("background", "irrelevant")]


# -- the stream ---------------------------------------------------------------------
def test_same_seed_same_stream_other_seed_other_stream():
    a, b, c = generate(seed=3, scale=0.1), generate(seed=3, scale=0.1), generate(seed=4, scale=0.1)
    assert a.posts == b.posts and [t.to_dict() for t in a.truths] == [t.to_dict() for t in b.truths]
    assert len({p["text"] for p in a.posts} & {p["text"] for p in c.posts}) < len(a.posts) / 4


def test_size_fields_and_truths(week):
    assert 14_000 <= len(week.posts) <= 16_000
    assert all(set(p) == FIELDS for p in week.posts)
    assert len({p["id"] for p in week.posts}) == len({p["url"] for p in week.posts}) == len(week.posts)
    assert all(p["published_at"].endswith("+08:00") for p in week.posts)
    assert [p["published_at"] for p in week.posts] == sorted(p["published_at"] for p in week.posts)
    kinds = {t.key: t.kind for t in week.truths}
    assert kinds == {"video": "spike", "pollution": "slow_burn", "petition": "wave", "juvenile": "wave",
                     "rumor": "rumor", "school": "minor", "aid": "minor", "parking": "minor", "hearing": "minor"}
    for t in week.truths:
        assert t.size == len(of(week, t.key)), t.key
        assert (5 <= t.size <= 8) if t.kind == "minor" else t.size >= 150, t.key
    assert Counter(p["platform"] for p in week.posts).keys() >= {"news", "weibo", "wechat", "forum", "video", "gov", "other"}


def test_daily_rhythm_night_is_a_tenth_of_the_afternoon(week):
    hours = Counter(when(p).hour for p in background(week))
    night, afternoon = (hours[3] + hours[4]) / 2, (hours[14] + hours[15]) / 2
    assert 0.06 <= night / afternoon <= 0.16, (night, afternoon)


def test_slow_upward_trend_and_weekend_dip(week):
    days = Counter((when(p) - DEFAULT_START).days for p in background(week))
    mon, fri, sat, sun = days[0], days[4], days[5], days[6]
    assert 1.05 <= fri / mon <= 1.18, days
    assert sat < 0.9 * fri and sun < 0.9 * fri, days
    assert 1.08 <= (sun / 0.8) / mon <= 1.28, days  # a fifth up over the week, weekend aside


def test_event_posts_stay_in_their_span(week):
    end = DEFAULT_START + timedelta(days=7)
    for t in week.truths:
        times = [when(p) for p in of(week, t.key)]
        assert min(times) == t.burst_start and max(times) == t.end < end, t.key
        for p in of(week, t.key):
            if t.official_response_at:
                assert (when(p) >= t.official_response_at) == (p["_phase"] == "after"), (t.key, p["published_at"])
            else:
                assert p["_phase"] == "before"


def test_shapes(week):
    def within(key, hours, origin=None):
        t = truth(week, key)
        origin = origin or t.burst_start
        return sum(origin <= when(p) < origin + timedelta(hours=hours) for p in of(week, key))

    video = truth(week, "video")
    assert within("video", 2) >= 200  # a sharp spike: hundreds in two hours
    slow = truth(week, "pollution")
    assert within("pollution", 2) < 0.05 * slow.size
    busiest = Counter((when(p) - slow.burst_start) // timedelta(hours=1) for p in of(week, "pollution"))
    assert busiest.most_common(1)[0][0] >= 12  # grows over a day
    rumor = truth(week, "rumor")
    assert rumor.second_wave_start == rumor.official_response_at
    before = within("rumor", 3, rumor.official_response_at - timedelta(hours=3))
    assert within("rumor", 3, rumor.official_response_at) > 4 * max(before, 1)  # the turn is a new wave
    assert video.official_response_at and video.second_wave_start is None
    for t in week.truths:
        if t.kind == "minor":
            assert t.end - t.burst_start <= timedelta(hours=3)


def test_two_events_overlap_and_share_words_but_tell_other_stories(week):
    pet, juv = truth(week, "petition"), truth(week, "juvenile")
    assert pet.burst_start < juv.burst_start < pet.end
    a, b = of(week, "petition"), of(week, "juvenile")

    def share(posts, word):
        return sum(word in p["title"] + p["text"] for p in posts) / len(posts)

    for word in ("雁回县", "检察院", "不起诉"):
        assert share(a, word) > 0.2 and share(b, word) > 0.2, word
    assert share(a, "霸凌") == 0 and share(b, "讨薪") == 0 and share(b, "12309") == 0


def test_decoys_share_words_with_their_event(week):
    decoys = [p for p in week.posts if p["_decoy"]]
    assert len(decoys) >= 100 and all(p["_event"] == "" and p["_kind"] == "decoy" for p in decoys)
    near = {k: v["near"] for k, v in phrases()["decoys"].items()}
    assert all(any(w in p["text"] for ws in near.values() for w in ws) for p in decoys)
    for t in week.truths:
        if t.expected:
            close = [p for p in decoys if abs(when(p) - t.burst_start) < timedelta(hours=24)
                     and any(w in p["text"] for w in near[t.key])]
            assert len(close) >= 5, t.key


def test_reposts_carry_their_chains(week):
    chain = re.compile(r"//@([^:：]+)[:：]")
    depth = Counter(len(chain.findall(p["text"])) for p in week.posts)
    assert depth[2] >= 50 and depth[3] + depth[4] >= 20 and max(depth) == 4
    for t in week.truths:
        if not t.expected:
            continue
        posts = of(week, t.key)
        weibo = [p for p in posts if p["platform"] == "weibo"]
        reposts = [p for p in weibo if "//@" in p["text"]]
        assert len(reposts) >= 0.3 * len(weibo), t.key
        assert any(p["text"].startswith("转发微博 //@") for p in reposts)
        assert any(len(chain.findall(p["text"])) >= 2 for p in reposts)
        seen = set()
        for p in posts:  # each name in a chain wrote an earlier post of the event
            assert set(chain.findall(p["text"])) <= seen, p["text"]
            seen.add(p["author"])


def test_texts_are_varied(week):
    own = [p["text"] for p in week.posts if "//@" not in p["text"]]
    repeats = sum(n - 1 for n in Counter(own).values())
    assert repeats < 0.03 * len(own), repeats
    events = [p["text"] for p in week.posts if p["_kind"] == "event" and "//@" not in p["text"]]
    assert sum(n - 1 for n in Counter(events).values()) < 0.01 * len(events)
    for key in ("video", "rumor", "pollution"):
        news = [p for p in of(week, key) if p["platform"] == "news" and p["title"]]
        assert len({p["title"] for p in news}) >= 4 and len({p["site"] for p in news}) >= 6, key
    assert len({p["site"] for p in week.posts if p["_kind"] == "event"}) >= 15


def test_every_post_but_the_noise_holds_a_watch_term(week):
    missing = [p for p in week.posts if not WATCH.matches(p["title"] + "\n" + p["text"])]
    assert missing and all(p["_kind"] == "irrelevant" for p in missing)
    assert len(missing) < 0.02 * len(week.posts)


def test_events_fall_in_the_last_week_of_a_longer_stream():
    s = generate(days=9, background_per_day=200, scale=0.1)
    assert min(t.burst_start for t in s.truths) >= DEFAULT_START + timedelta(days=2)
    short = generate(days=3, background_per_day=200, scale=0.1)
    assert {t.key for t in short.truths} == {"school", "aid", "pollution", "video"}
    assert all(when(p) < DEFAULT_START + timedelta(days=3) for p in short.posts)


def test_files_round_trip(week, tmp_path):
    small = generate(scale=0.1)
    lines = write_jsonl(small, tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(x) for x in lines] == small.posts
    truths, post_truth, decoys = load_truth(write_truth(small, tmp_path / "truth.json"))
    assert [t.to_dict() for t in truths] == [t.to_dict() for t in small.truths]
    assert post_truth == small.post_truth() and decoys == small.decoy_ids()


def test_the_stream_goes_through_the_real_ingest_chain(store, tagger, tmp_path):
    s = generate(scale=0.1)
    chain = IngestChain(store, tagger, WatchList(DEFAULT_WATCH_TERMS),
                        now=lambda: datetime(2026, 12, 1, tzinfo=SHANGHAI))
    summary = chain.run(read_jsonl(write_jsonl(s, tmp_path / "s.jsonl")))
    noise = [p for p in s.posts if not WATCH.matches(p["title"] + "\n" + p["text"])]
    assert summary.quarantined == 0 and summary.duplicates == 0
    assert (summary.read, summary.stored, summary.filtered) == (len(s.posts), len(s.posts) - len(noise), len(noise))
    stored = store.get_many(s.post_truth())
    assert set(stored) == set(s.post_truth())  # the scorer's ids are the stored ids
    events = [p for p in s.posts if p["_kind"] == "event"]
    relevant = sum(bool(stored[p["id"]].relevant) for p in events) / len(events)
    assert relevant >= 0.9, relevant
    drama = [store.get(p["id"]) for p in s.posts if p["_kind"] == "irrelevant" and p not in noise]
    assert sum(bool(p.relevant) for p in drama) < 0.3 * len(drama)


# -- the scorer ---------------------------------------------------------------------
T0 = datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)
TRUTHS = [TruthEvent("A", "事件甲", "spike", T0, T0 + timedelta(hours=5)),
          TruthEvent("B", "事件乙", "wave", T0 + timedelta(hours=2), T0 + timedelta(hours=9)),
          TruthEvent("m", "小事件", "minor", T0 + timedelta(hours=3), T0 + timedelta(hours=4))]
POST_TRUTH = {**{f"a{i}": "A" for i in range(10)}, **{f"b{i}": "B" for i in range(10)},
              **{f"m{i}": "m" for i in range(6)}}
DECOYS = {f"d{i}" for i in range(5)}


def rep(event_id, kind, minutes, ids, title="标题"):
    return {"event_id": event_id, "kind": kind, "sent_at": (T0 + timedelta(minutes=minutes)).isoformat(),
            "level": "general", "title": title, "sentiment": "negative", "topic": "conduct",
            "post_count": len(ids), "first_post": {"id": ids[0], "url": f"https://x.example/{ids[0]}"},
            "posts": [{"id": i, "url": f"https://x.example/{i}"} for i in ids]}


def ids(prefix, n, start=0):
    return [f"{prefix}{i}" for i in range(start, start + n)]


def test_each_event_reported_once_with_its_delay():
    s = score([rep("E1", "first", 20, ids("a", 5)), rep("E1", "update", 60, ids("a", 10)),
               rep("E2", "first", 165, ids("b", 8) + ["x1"]), rep("E1", "close", 600, ids("a", 10))],
              TRUTHS, POST_TRUTH, DECOYS)
    assert s.exactly_once and s.false_count == 0 and not s.missed and not s.orphans
    a, b = s.events[0], s.events[1]
    assert (a.delay_minutes, b.delay_minutes) == (20.0, 45.0)
    assert (a.coverage, b.coverage) == (1.0, 0.8)
    assert (s.reports, s.first_reports) == (4, 2)


def test_a_second_first_report_is_a_duplicate():
    s = score([rep("E1", "first", 20, ids("a", 5)), rep("E3", "first", 90, ids("a", 5, 5), "又一个"),
               rep("E2", "first", 150, ids("b", 6))], TRUTHS, POST_TRUTH)
    assert not s.exactly_once and s.duplicated == ["A"]
    assert [(f.event_id, f.reason, f.title) for f in s.false_reports] == [("E3", "duplicate", "又一个")]
    assert s.events[0].delay_minutes == 20.0 and len(s.events[0].firsts) == 2


def test_background_decoy_and_minor_reports_are_false():
    s = score([rep("E1", "first", 20, ids("a", 5)),
               rep("E4", "first", 30, ids("x", 5) + ["a1"]),
               rep("E5", "first", 40, ids("d", 5) + ["x9"]),
               rep("E6", "first", 200, ids("m", 6)), rep("E6", "update", 230, ids("m", 6))],
              TRUTHS, POST_TRUTH, DECOYS)
    assert [(f.event_id, f.reason) for f in s.false_reports] == [("E4", "background"), ("E5", "decoy"), ("E6", "minor")]
    assert s.missed == ["B"] and not s.exactly_once
    assert len(s.events[2].firsts) == 1 and not s.events[2].expected


def test_the_most_posts_decide_and_a_tie_with_background_is_background():
    s = score([rep("E7", "first", 30, ids("a", 3) + ids("b", 2) + ids("x", 2)),
               rep("E8", "first", 150, ids("b", 2) + ids("x", 2))], TRUTHS, POST_TRUTH)
    assert [e.key for e in s.events if e.firsts] == ["A"]
    assert [(f.event_id, f.reason) for f in s.false_reports] == [("E8", "background")]


def test_updates_without_a_first_report_are_orphans():
    s = score([rep("E9", "update", 30, ids("a", 5))], TRUTHS, POST_TRUTH)
    assert s.orphans == ["E9"] and s.missed == ["A", "B"] and s.false_count == 0


def test_format_and_json():
    s = score([rep("E1", "first", 20, ids("a", 5)), rep("E3", "first", 90, ids("a", 5, 5), "又一个"),
               rep("E4", "first", 30, ids("x", 5))], TRUTHS, POST_TRUTH)
    text = format_score(s)
    assert "事件甲" in text and "+20 分钟" in text and "否 no" in text
    assert "误报 false reports: 2" in text and "漏报 missed: B" in text and "又一个" in text
    d = json.loads(json.dumps(s.to_dict(), ensure_ascii=False))
    assert d["summary"]["false_by_reason"] == {"duplicate": 1, "background": 1}
    assert d["events"][0]["delay_minutes"] == 20.0


def test_scoring_the_stream_against_its_own_truth():
    s = generate(scale=0.1)
    truth_of = s.post_truth()
    reports = [rep(f"ev-{t.key}", "first", 0, [p for p, k in truth_of.items() if k == t.key])
               for t in s.truths if t.key in ("video", "pollution", "petition", "juvenile", "rumor", "aid")]
    for r, t in zip(reports, [t for t in s.truths if t.key in ("video", "pollution", "petition", "juvenile", "rumor", "aid")]):
        r["sent_at"] = (t.burst_start + timedelta(minutes=15)).isoformat()
    result = score(reports, s.truths, truth_of, s.decoy_ids())
    assert result.exactly_once and [f.reason for f in result.false_reports] == ["minor"]
    assert {e.delay_minutes for e in result.expected} == {15.0}
    assert "每个事件恰好上报一次 every event reported exactly once: 是 yes (5/5)" in format_score(result)
