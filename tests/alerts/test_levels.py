"""Levels 一般 / 较大 / 重大 from volume, velocity, negative share and source authority."""
from collections import Counter
from datetime import datetime, timedelta

import pytest

from alerts.levels import AuthorityTier, LevelConfig, assess, authority
from alerts.model import Event, Level, PostRef
from alerts.spikes import Burst
from indexer.post import SHANGHAI
from nlp.errors import ConfigError

NOW = datetime(2026, 11, 28, 15, 40, tzinfo=SHANGHAI)
HOUR = timedelta(hours=1)


def make_event(hourly: dict[int, int], negative: int = 0, neutral: int = 0, positive: int = 0,
               sites: dict[str, int] | None = None, platforms: dict[str, int] | None = None) -> Event:
    """`hourly` maps hours before NOW's hour (0 = the current hour) to posts."""
    top = NOW.replace(minute=0)
    ev = Event(id="e1", title="青石县检察院公车私用", first=PostRef(id="p0"))
    ev.hourly = Counter({(top - k * HOUR).isoformat(): n for k, n in hourly.items()})
    size = sum(hourly.values())
    ev.posts = {f"p{i}": f"https://example.org/{i}" for i in range(size)}
    ev.sentiments = Counter({k: v for k, v in
                             {"negative": negative, "neutral": neutral, "positive": positive}.items() if v})
    ev.sites = Counter(sites or {"微博": size})
    ev.platforms = Counter(platforms or {"weibo": size})
    return ev


def test_a_small_local_negative_event_is_general():
    ev = make_event({2: 3, 1: 2, 0: 3}, negative=7, neutral=1,
                    sites={"微博": 6, "百度贴吧·青石吧": 2}, platforms={"weibo": 6, "forum": 2})
    a = assess(ev, NOW)
    assert a.level is Level.GENERAL
    assert "累计8条" in a.reasons and "负面占比88%" in a.reasons
    assert a.points["negative"] == 0                 # too few posts to weigh the share
    assert "涉及2个平台" in a.reasons


def test_a_fast_growing_event_with_central_media_is_serious_or_major():
    ev = make_event({5: 2, 4: 3, 3: 5, 2: 12, 1: 25, 0: 13}, negative=42, neutral=18,
                    sites={"微博": 48, "新华网": 1, "微信公众号·人民日报": 1, "云州日报": 10},
                    platforms={"weibo": 48, "news": 11, "wechat": 1})
    burst = Burst(is_burst=True, observed=38, expected=4.2, score=14.0)
    a = assess(ev, NOW, LevelConfig(), burst)
    assert a.level in (Level.SERIOUS, Level.MAJOR)
    assert "2小时内38条" in a.reasons
    assert "负面占比70%" in a.reasons
    assert "央媒报道：微信公众号·人民日报、新华网" in a.reasons
    assert "增长异常：38条，约为同时段预期的9.0倍" in a.reasons
    assert "单小时峰值25条" in a.reasons
    # the strongest reason comes first
    assert a.reasons[0].startswith("央媒报道")


def test_a_large_negative_story_in_central_media_is_major():
    ev = make_event({4: 20, 3: 40, 2: 60, 1: 70, 0: 30}, negative=170, neutral=50,
                    sites={"微博": 200, "人民网": 5, "央视新闻": 15}, platforms={"weibo": 200, "news": 20})
    a = assess(ev, NOW)
    assert a.level is Level.MAJOR
    assert a.score >= LevelConfig().major_score
    assert "累计220条" in a.reasons and "单小时峰值70条" in a.reasons


def test_volume_alone_does_not_make_it_major():
    ev = make_event({3: 50, 2: 50, 1: 50, 0: 10}, neutral=160)
    assert assess(ev, NOW).level is Level.SERIOUS


def test_levels_follow_the_config():
    ev = make_event({1: 20, 0: 20}, negative=30, neutral=10)
    assert assess(ev, NOW).level is Level.SERIOUS
    strict = LevelConfig(serious_score=5.0, major_score=8.0)
    assert assess(ev, NOW, strict).level is Level.GENERAL
    loud = LevelConfig(weights={"volume": 1.0, "velocity": 1.0, "negative": 3.0, "authority": 1.0})
    assert assess(ev, NOW, loud).level is Level.MAJOR


def test_authority_matches_names_accounts_and_domains():
    config = LevelConfig()
    for site in ("新华网", "www.news.cn", "news.cn", "微信公众号·人民日报", "人民日报 客户端"):
        ev = make_event({0: 1}, sites={site: 1}, platforms={"wechat": 1})
        assert authority(ev, config)[0] == 2.0, site
    for site in ("人民网友说", "news.cn.example.org", "云州日报"):
        ev = make_event({0: 1}, sites={site: 1}, platforms={"weibo": 1})
        assert authority(ev, config)[0] == 0.0, site


def test_platform_authority_when_no_tier_matches():
    ev = make_event({0: 2}, sites={"青石县人民检察院官网": 1, "微博": 1}, platforms={"gov": 1, "weibo": 1})
    weight, reason = authority(ev, LevelConfig())
    assert weight == 1.0 and reason == "政务网站发布（1条）"
    tier = AuthorityTier("省级媒体", 1.5, ("江南日报",))
    ev.sites["江南日报"] = 1
    weight, reason = authority(ev, LevelConfig(authority=(tier,)))
    assert weight == 1.5 and reason == "省级媒体报道：江南日报"


def test_many_central_outlets_are_summarised():
    sites = {s: 1 for s in ("人民网", "新华网", "光明网", "央视网", "中国新闻网")}
    ev = make_event({0: 5}, sites=sites, platforms={"news": 5})
    assert authority(ev, LevelConfig())[1] == "央媒报道：中国新闻网、人民网、光明网等5家"


def test_recent_count_uses_whole_buckets_within_the_span():
    ev = make_event({2: 100, 1: 10, 0: 5})
    assert "2小时内15条" in assess(ev, NOW).reasons
    assert "3小时内115条" in assess(ev, NOW, LevelConfig(recent_hours=3)).reasons


@pytest.mark.parametrize("hourly", [{}, {0: 0}])
def test_an_empty_event_is_general(hourly):
    ev = make_event(hourly)
    a = assess(ev, NOW)
    assert a.level is Level.GENERAL and a.score == 0


def test_tiers_from_a_settings_file_and_bad_options():
    config = LevelConfig(authority=[{"name": "省级媒体", "weight": 1.5, "sites": ["江南日报"]}])
    assert config.authority == (AuthorityTier("省级媒体", 1.5, ("江南日报",)),)
    with pytest.raises(ConfigError, match="authority"):
        LevelConfig(authority=[{"weight": 1}])
    with pytest.raises(ConfigError, match="weights"):
        LevelConfig(weights={"reach": 2.0})
    with pytest.raises(ConfigError, match="posts_serious"):
        LevelConfig(posts_serious=500)
