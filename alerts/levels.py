"""The level of an event (一般 / 较大 / 重大) from volume, velocity, negative share and
source authority, with the reasons an analyst reads in the report.

Each factor earns points (0, 1 or 2, authority a weight of its own), the points are
weighted and summed, and the sum is compared with two thresholds. Points rather than a
decision tree keep one strong factor from deciding alone: a local post that is 90%
negative stays 一般 until it spreads or gathers volume, while a fast-growing story that
central media have picked up reaches 较大 or 重大.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime
from typing import Mapping

from nlp.errors import ConfigError

from .baseline import HOUR, to_hour
from .model import Event, Level
from .spikes import Burst, posts_in_hour

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuthorityTier:
    """Sites whose coverage shows that a story has reached a wider audience.

    name: how the report names the tier (e.g. 央媒). weight: points an event earns when
    any of its posts comes from one of `sites`. sites: site names or domains; a post's
    site matches when it equals one, when it is a subdomain of one, or when one part of
    a name such as "微信公众号·人民日报" equals one.
    """
    name: str
    weight: float
    sites: tuple[str, ...]


CENTRAL_MEDIA = AuthorityTier("央媒", 2.0, (
    "人民日报", "人民网", "people.com.cn", "新华社", "新华网", "新华视点", "news.cn", "xinhuanet.com",
    "央视新闻", "央视网", "cctv.com", "中央广播电视总台", "央广网", "cnr.cn", "cgtn.com",
    "光明日报", "光明网", "gmw.cn", "经济日报", "中国经济网", "ce.cn", "中国日报", "中国日报网",
    "chinadaily.com.cn", "中国新闻网", "中国新闻社", "chinanews.com.cn", "chinanews.com",
    "中国青年报", "中国青年网", "中青网", "youth.cn", "中国网", "china.com.cn", "求是网", "qstheory.cn",
    "法治日报", "法治网", "legaldaily.com.cn", "检察日报", "正义网", "jcrb.com",
))
CENTRAL_LEGAL = AuthorityTier("中央政法机关", 1.5, (
    "最高人民检察院", "最高检", "spp.gov.cn", "最高人民法院", "最高法", "court.gov.cn",
    "中国长安网", "chinapeace.gov.cn", "公安部", "mps.gov.cn", "司法部", "moj.gov.cn",
))

FACTORS = ("volume", "velocity", "negative", "authority")
PLATFORM_ZH = {"news": "新闻网站", "gov": "政务网站", "weibo": "微博", "wechat": "微信",
               "forum": "论坛", "video": "视频平台", "other": "其他平台"}


@dataclass(frozen=True)
class LevelConfig:
    """How an event's level is decided.

    posts_serious / posts_major: total posts that earn 1 / 2 volume points (30 / 150).
    peak_serious / peak_major: posts in the busiest hour that earn 1 / 2 velocity points
        (15 / 60); a burst found by the spike test earns at least `burst_points` (1).
    recent_hours: the span of the "N小时内M条" reason, in whole hour buckets up to now (2).
    negative_serious / negative_major: negative share that earns 1 / 2 points (0.5 / 0.75),
        counted only once `negative_min_posts` posts carry a sentiment (10).
    authority: tiers of sites (default 央媒 2.0, 中央政法机关 1.5); the event earns the
        weight of the highest tier any of its posts comes from. In a settings file each
        tier is a mapping {name, weight, sites}.
    platform_authority: weight an event earns when any of its posts is on that platform
        (default gov 1.0, news 0.5: an official site or a news outlet has taken it up);
        the event's authority is the highest of its tier and platform weights.
    weights: multiplies each factor's points: volume, velocity, negative, authority (all 1).
    serious_score / major_score: the weighted sum that makes an event 较大 / 重大 (3 / 6).
    """
    posts_serious: int = 30
    posts_major: int = 150
    peak_serious: int = 15
    peak_major: int = 60
    burst_points: float = 1.0
    recent_hours: int = 2
    negative_serious: float = 0.5
    negative_major: float = 0.75
    negative_min_posts: int = 10
    authority: tuple[AuthorityTier, ...] = (CENTRAL_MEDIA, CENTRAL_LEGAL)
    platform_authority: dict[str, float] = field(default_factory=lambda: {"gov": 1.0, "news": 0.5})
    weights: dict[str, float] = field(default_factory=lambda: {
        "volume": 1.0, "velocity": 1.0, "negative": 1.0, "authority": 1.0})
    serious_score: float = 3.0
    major_score: float = 6.0

    def __post_init__(self) -> None:
        # tiers written in a settings file arrive as mappings
        tiers = []
        for t in self.authority:
            if isinstance(t, AuthorityTier):
                tiers.append(t)
            elif isinstance(t, Mapping) and set(t) <= {"name", "weight", "sites"} and "name" in t:
                tiers.append(AuthorityTier(str(t["name"]), float(t.get("weight", 1.0)),
                                           tuple(str(s) for s in t.get("sites", ()))))
            else:
                raise ConfigError(f"levels `authority`: each tier needs name, weight and sites, not {t!r}")
        object.__setattr__(self, "authority", tuple(tiers))
        unknown = set(self.weights) - set(FACTORS)
        if unknown:
            raise ConfigError(f"levels `weights`: unknown factor(s) {', '.join(sorted(unknown))} "
                              f"(allowed: {', '.join(FACTORS)})")
        for low, high in (("posts_serious", "posts_major"), ("peak_serious", "peak_major"),
                          ("negative_serious", "negative_major"), ("serious_score", "major_score")):
            if getattr(self, low) > getattr(self, high):
                raise ConfigError(f"levels `{low}` must not be above `{high}`")
        if self.recent_hours < 1:
            raise ConfigError("levels `recent_hours` must be at least 1")


@dataclass
class Assessment:
    """A level, the weighted score behind it and the reasons in Chinese, strongest first."""
    level: Level
    score: float
    reasons: list[str] = field(default_factory=list)
    points: dict[str, float] = field(default_factory=dict)


@lru_cache(maxsize=4096)
def _keys(site: str) -> frozenset[str]:
    """What a site can match: its name, each part of a name like "微信公众号·人民日报",
    and, for a domain, the domain and every parent domain (www.news.cn -> news.cn, cn)."""
    s = site.strip().lower()
    out = {s}
    for part in re.split(r"[·・|/\s]+", s):
        if part:
            labels = part.split(".")
            out.update(".".join(labels[i:]) for i in range(len(labels)))
    return frozenset(out)


@lru_cache(maxsize=64)
def _patterns(tier: AuthorityTier) -> frozenset[str]:
    return frozenset(p.strip().lower() for p in tier.sites)


def _matches(site: str, tier: AuthorityTier) -> bool:
    return not _keys(site).isdisjoint(_patterns(tier))


def _names(sites: list[str], limit: int = 3) -> str:
    shown = "、".join(sites[:limit])
    return shown + (f"等{len(sites)}家" if len(sites) > limit else "")


def authority(event: Event, config: LevelConfig) -> tuple[float, str]:
    """The event's authority weight and the reason naming the sites that earned it."""
    best, reason = 0.0, ""
    for tier in config.authority:
        hits = [s for s in event.sites if _matches(s, tier)]
        if hits and tier.weight > best:
            best, reason = tier.weight, f"{tier.name}报道：{_names(sorted(hits))}"
    for platform, weight in config.platform_authority.items():
        if weight > best and event.platforms.get(platform, 0) > 0:
            best = weight
            reason = f"{PLATFORM_ZH.get(platform, platform)}发布（{event.platforms[platform]}条）"
    return best, reason


def _step(value: float, serious: float, major: float) -> int:
    return 2 if value >= major else 1 if value >= serious else 0


def assess(event: Event, now: datetime, config: LevelConfig = LevelConfig(),
           burst: Burst | None = None) -> Assessment:
    """The level of `event` at `now`, with readable reasons (the first is the strongest)."""
    size = event.size or sum(event.hourly.values())
    last = to_hour(now)
    recent = sum(posts_in_hour(event, last - k * HOUR) for k in range(config.recent_hours))
    peak = max(event.hourly.values(), default=0)
    rated = sum(event.sentiments.values())
    negative = event.negative_share()

    points = {"volume": float(_step(size, config.posts_serious, config.posts_major)),
              "velocity": float(_step(peak, config.peak_serious, config.peak_major)),
              "negative": 0.0, "authority": 0.0}
    if burst is not None and burst.is_burst:
        points["velocity"] = max(points["velocity"], config.burst_points)
    if rated >= config.negative_min_posts:
        points["negative"] = float(_step(negative, config.negative_serious, config.negative_major))
    points["authority"], authority_reason = authority(event, config)

    def weighted(k: str) -> float:
        return config.weights.get(k, 1.0) * points[k]

    said: list[tuple[float, str]] = [(weighted("volume"), f"累计{size}条")]
    if recent:
        said.append((weighted("velocity"), f"{config.recent_hours}小时内{recent}条"))
    if peak >= config.peak_serious:
        said.append((weighted("velocity") - 0.1, f"单小时峰值{peak}条"))
    if burst is not None and burst.is_burst:
        ratio = f"{burst.ratio:.1f}" if burst.ratio < 10 else f"{burst.ratio:.0f}"
        said.append((weighted("velocity") - 0.05, f"增长异常：{burst.observed}条，约为同时段预期的{ratio}倍"))
    if rated:
        said.append((weighted("negative"), f"负面占比{negative:.0%}"))
    if authority_reason:
        said.append((weighted("authority"), authority_reason))
    if len(event.platforms) >= 2:
        said.append((0.0, f"涉及{len(event.platforms)}个平台"))

    score = sum(weighted(k) for k in points)
    level = (Level.MAJOR if score >= config.major_score
             else Level.SERIOUS if score >= config.serious_score else Level.GENERAL)
    reasons = [text for _, text in sorted(said, key=lambda x: -x[0])]
    log.debug("event %s: %s score %.1f %s", event.id, level.value, score, points)
    return Assessment(level=level, score=score, reasons=reasons, points=points)
