"""A synthetic, labeled week of posts about procuratorates, to prove the alerting works.

Why: real streams come without the truth, so whether an engine reports each event
exactly once, how late, and how often it cries wolf can only be measured on a stream
whose events are known. This one holds a week of background with a daily rhythm (night
about a tenth of the afternoon peak), a slow upward trend and a weekend dip; five events
of different shapes (a sharp spike, a slow burn, two that overlap in time and share
words, a rumor whose official refutation starts a second wave); four minor stories too
small to report; decoys that share words with the events but tell other stories; and
posts that use the watch words in other senses.

The posts are JSONL records as `jianyu ingest` reads them (TAXONOMY field names) and are
not labeled: the real tagger labels them on the way in. The truth rides along in fields
starting with `_` (ingest ignores them) and in `Stream.truths`. Texts are composed from
independent phrase pools in `data/synthetic.json`, recombined at random, so no two posts
are the same unless one reposts another. Everything comes from one `random.Random(seed)`.
"""
from __future__ import annotations

import json
import logging
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from indexer.post import SHANGHAI
from indexer.urls import post_id_for_url

from .synthetic_story import Story
from .synthetic_text import Slots, b62, headline, month_day, phrases

log = logging.getLogger(__name__)

DEFAULT_START = datetime(2026, 11, 23, tzinfo=SHANGHAI)  # a Monday
WEEK = 7
# Relative post volume per hour of the day: the night (03-05h) is a tenth of the afternoon.
HOURLY = (0.30, 0.18, 0.12, 0.10, 0.10, 0.14, 0.25, 0.45, 0.70, 0.88, 0.95, 0.95,
          0.85, 0.90, 1.00, 1.00, 0.97, 0.90, 0.80, 0.80, 0.85, 0.80, 0.65, 0.45)
WEEKEND = 0.8              # Saturday and Sunday volume against a weekday
TREND_PER_WEEK = 0.2       # background grows by a fifth over a week
IRRELEVANT_SHARE = 0.04    # of the background: the watch words in other senses
DECOYS_PER_EVENT = 30      # at scale 1.0
MINOR_SIZES = (5, 8)       # posts in a minor story, at any scale
BIN = 5                    # minutes per bin when laying out an event's posts


@dataclass
class TruthEvent:
    """One event of the stream as it really happened; `kind` is its shape, and
    "minor" marks a story too small to be reported."""
    key: str
    name: str
    kind: str
    burst_start: datetime
    end: datetime
    official_response_at: datetime | None = None
    second_wave_start: datetime | None = None
    size: int = 0
    topic: str = ""
    region: str = ""

    @property
    def expected(self) -> bool:
        """Whether the engine should report it (minor stories should not be)."""
        return self.kind != "minor"

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        for k in ("burst_start", "end", "official_response_at", "second_wave_start"):
            d[k] = d[k].isoformat() if d[k] else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TruthEvent":
        d = dict(d)
        for k in ("burst_start", "end", "official_response_at", "second_wave_start"):
            d[k] = datetime.fromisoformat(d[k]) if d.get(k) else None
        return cls(**d)


@dataclass
class Stream:
    posts: list[dict[str, Any]]
    truths: list[TruthEvent]
    seed: int = 7
    start: datetime = DEFAULT_START
    days: int = WEEK
    scale: float = 1.0

    def post_truth(self) -> dict[str, str]:
        """Post id → event key, for the posts of every event (minor ones included)."""
        return {p["id"]: p["_event"] for p in self.posts if p["_event"]}

    def decoy_ids(self) -> set[str]:
        return {p["id"] for p in self.posts if p["_decoy"]}


def generate(seed: int = 7, start: datetime = DEFAULT_START, days: int = WEEK,
             background_per_day: int = 1900, scale: float = 1.0) -> Stream:
    """The stream. With more than seven days the events fall in the last week, so the
    days before are plain background an engine can learn its baseline from."""
    if days < 1 or scale <= 0:
        raise ValueError("days must be at least 1 and scale positive")
    if start.tzinfo is None:
        start = start.replace(tzinfo=SHANGHAI)
    w = Writer(random.Random(seed), start, start + timedelta(days=days))
    w.background(round(background_per_day * days * scale))
    week = start + timedelta(days=max(0, days - WEEK))
    truths = [w.event(key, spec, week, scale) for key, spec in phrases()["events"].items()]
    truths += [w.minor(key, spec, week) for key, spec in phrases()["minor"].items()]
    truths = [t for t in truths if t is not None]
    for t in truths:
        if t.expected:
            w.decoys(t, round(DECOYS_PER_EVENT * scale))
    posts = sorted(w.posts, key=lambda p: (p["published_at"], p["id"]))
    log.info("synthetic stream: %d posts, %d events (seed %d)", len(posts), len(truths), seed)
    return Stream(posts, truths, seed, start, days, scale)


def write_jsonl(stream: Stream, path: Path | str) -> Path:
    path = Path(path)
    with open(path, "wb") as fh:
        for p in stream.posts:
            fh.write(orjson.dumps(p) + b"\n")
    return path


def write_truth(stream: Stream, path: Path | str) -> Path:
    """The truth as JSON: events, post id → event key, and the decoys' ids."""
    path = Path(path)
    doc = {"seed": stream.seed, "start": stream.start.isoformat(), "days": stream.days,
           "scale": stream.scale, "events": [t.to_dict() for t in stream.truths],
           "posts": stream.post_truth(), "decoys": sorted(stream.decoy_ids())}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def load_truth(path: Path | str) -> tuple[list[TruthEvent], dict[str, str], set[str]]:
    """Read what write_truth wrote: (truths, post id → event key, decoy ids)."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    return [TruthEvent.from_dict(e) for e in doc["events"]], dict(doc["posts"]), set(doc["decoys"])


def _rhythm(t: datetime) -> float:
    return max(HOURLY[t.hour], 0.15)


def _shape(kind: str, m: float) -> float:
    """Relative rate of an event's posts `m` minutes after its burst (or its official
    response, for the wave that follows one)."""
    if kind == "spike":      # hundreds within two hours, then a long decay
        return min(1.0, (m + 5) / 20) if m < 120 else 0.55 * math.exp(-(m - 120) / 110)
    if kind == "slow_burn":  # grows through the day, peaks the next morning
        return 1 / (1 + math.exp(-(m - 840) / 180)) * math.exp(-max(0.0, m - 1560) / 360)
    if kind == "rumor":      # spreads in the evening and fades overnight
        return min(1.0, (m + 5) / 30) * math.exp(-max(0.0, m - 90) / 150)
    if kind == "after":      # the turn after an official response
        return min(1.0, (m + 5) / 20) * math.exp(-max(0.0, m - 60) / 200)
    return min(1.0, (m + 5) / 60) * math.exp(-max(0.0, m - 60) / 240)  # "wave"


SHAPE_HOURS = {"spike": 30, "slow_burn": 40, "rumor": 14, "after": 16, "wave": 20}
TITLED = ("news", "gov", "wechat")


class Writer:
    def __init__(self, rng: random.Random, start: datetime, end: datetime):
        self.rng, self.start, self.end = rng, start, end
        self.posts: list[dict[str, Any]] = []
        self.serial = 0

    # -- small pieces -------------------------------------------------------------
    def fill(self, template: str, slots: dict) -> str:
        return template.format_map(slots) if "{" in template else template

    def pick(self, pool: list[str], slots: dict) -> str:
        return self.fill(self.rng.choice(pool), slots)

    def weighted(self, weights: dict[str, float]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def nick(self) -> str:
        d, r = phrases(), self.rng
        return r.choice(d["nick_a"]) + r.choice(d["nick_b"]) + r.choice(d["nick_c"])

    def counts(self, big: bool = False) -> dict[str, int]:
        r = self.rng
        mu = 2.5 if big else 0.3
        return {"reposts": int(r.lognormvariate(mu, 1.3)), "comments": int(r.lognormvariate(mu - 0.3, 1.2)),
                "likes": int(r.lognormvariate(mu + 1.2, 1.4))}

    def url(self, platform: str, domain: str, when: datetime) -> str:
        self.serial += 1
        r, n = self.rng, self.serial
        day = when.strftime("%Y%m%d")
        if platform == "weibo":
            return f"https://{domain}/u/{r.randint(10**9, 7 * 10**9)}/{b62(r.getrandbits(30))}{b62(n)}"
        if platform in ("news", "gov"):
            return f"https://{domain}/a/{day}/{n}{r.randint(100, 999)}.html"
        if platform == "comments":
            return f"https://{domain}/comment/{day}/{n}{r.randint(1000, 9999)}"
        if platform == "wechat":
            return f"https://{domain}/s/{b62(r.getrandbits(60))}{b62(n)}"
        if platform == "video":
            return f"https://{domain}/video/{r.randint(10**12, 10**13)}{n}"
        return f"https://{domain}/p/{r.randint(10**6, 10**7)}{n}"

    def post(self, platform: str, when: datetime, text: str, slots: dict, *, title: str = "",
             author: str = "", event: str = "", kind: str = "background", decoy: bool = False,
             phase: str = "", big: bool = False, site: str = "", domain: str = "") -> dict[str, Any]:
        """One JSONL record; `platform` may be "comments" (a news site's comment section)."""
        r, d = self.rng, phrases()
        if platform == "gov":  # the procuratorate the text names
            site = site or f"{slots['city' if 'city' in slots and 'county' not in slots else 'county']}人民检察院官网"
            domain = f"www.jcy{b62(sum(map(ord, site)))}.example"
            author = author or site.removesuffix("官网")
        elif not site:
            site, domain = r.choice(d["sites"][platform])
            site = self.fill(site, slots)
        if not author:
            if platform == "news":
                author = f"{site}记者 {r.choice(d['surnames'])}{r.choice(d['given'])}" if r.random() < 0.6 else ""
            elif platform == "comments":
                author = f"{site}{r.choice(d['cities'])[:-1]}网友"
            elif platform == "wechat":
                author = site.split("·")[-1]
            else:
                author = self.nick()
        when = when.replace(microsecond=0)
        url = self.url(platform, domain, when)
        rec = {"id": post_id_for_url(url), "url": url, "platform": "news" if platform == "comments" else platform,
               "site": site, "author": author, "title": title, "text": text, "published_at": when.isoformat(),
               **self.counts(big), "_event": event, "_decoy": decoy, "_kind": kind, "_phase": phase}
        self.posts.append(rec)
        return rec

    def compose(self, category: dict, when: datetime, fixed: dict | None = None) -> tuple[str, str, str, dict]:
        """(platform, title, text, slots) of a post from a category's parts."""
        slots = Slots(self, when, fixed or {})
        platform = self.weighted(category["platforms"])
        parts = [self.pick(part, slots) for part in category["parts"]]
        title = ""
        if platform in TITLED or (platform == "forum" and self.rng.random() < 0.5):
            title = headline(max(parts[:2], key=len))  # the story, not its 近日/date lead
        return platform, title, "".join(parts), slots

    # -- background ---------------------------------------------------------------
    def background(self, n: int) -> None:
        hours = int((self.end - self.start).total_seconds() // 3600)
        weights = []
        for h in range(hours):
            t = self.start + timedelta(hours=h)
            weights.append(HOURLY[t.hour] * (1 + TREND_PER_WEEK * h / (WEEK * 24))
                           * (WEEKEND if t.weekday() >= 5 else 1.0))
        total = sum(weights)
        cats = phrases()["background"]
        junk = phrases()["irrelevant"]
        r = self.rng
        for h, wt in enumerate(weights):
            expected = n * wt / total
            k = int(expected) + (r.random() < expected - int(expected))
            for _ in range(k):
                when = self.start + timedelta(hours=h, seconds=r.uniform(0, 3600))
                pool = junk if r.random() < IRRELEVANT_SHARE else cats
                name = r.choices(list(pool), weights=[c["weight"] for c in pool.values()])[0]
                platform, title, text, slots = self.compose(pool[name], when)
                official_voice = "gov" in pool[name]["platforms"] and pool is cats
                if platform == "weibo" and official_voice and r.random() < 0.3:
                    self.post(platform, when, text, slots, author=f"{slots['cshort']}检察", kind="background")
                else:
                    self.post(platform, when, text, slots, title=title, kind=pool[name]["kind"])

    def decoys(self, truth: TruthEvent, n: int) -> None:
        """Other stories with the event's words: most near its time, some across the week."""
        cat = phrases()["decoys"][truth.key]
        r = self.rng
        span = (self.end - self.start).total_seconds()
        for _ in range(n):
            if r.random() < 0.6:
                when = truth.burst_start + timedelta(hours=r.uniform(-12, 36))
            else:
                when = self.start + timedelta(seconds=r.uniform(0, span))
            if not self.start <= when < self.end:
                continue
            platform, title, text, slots = self.compose(cat, when)
            self.post(platform, when, text, slots, title=title, kind="decoy", decoy=True)

    # -- events -------------------------------------------------------------------
    def times(self, kind: str, origin: datetime, n: int) -> list[datetime]:
        """`n` times after `origin`, drawn from the shape times the daily rhythm."""
        bins = SHAPE_HOURS[kind] * 60 // BIN
        w = [_shape(kind, i * BIN + BIN / 2) * _rhythm(origin + timedelta(minutes=i * BIN)) for i in range(bins)]
        picks = self.rng.choices(range(bins), weights=w, k=n)
        return sorted(origin + timedelta(minutes=i * BIN + self.rng.uniform(0.05, BIN)) for i in picks)

    def event(self, key: str, spec: dict, week: datetime, scale: float) -> TruthEvent | None:
        h, m = map(int, spec["at"].split(":"))
        burst = week + timedelta(days=spec["day"], hours=h, minutes=m)
        if burst >= self.end:
            return None
        size = max(4, round(spec["size"] * scale))
        official = burst + timedelta(hours=spec["official_after_hours"]) if spec.get("official_after_hours") else None
        n_after = round(size * spec["after_share"]) if official else 0
        fixed = dict(spec["slots"], bday=month_day(burst), oday=month_day(official or burst))
        story = Story(self, key, spec, fixed)
        story.first(burst)
        kind = spec["kind"]
        if official is not None and official + timedelta(minutes=2) >= self.end:
            official, n_after = None, 0
        for t in self.times(kind, burst, size - n_after - 1):
            if t < self.end and (official is None or t < official):
                story.add(t, "before", (t - burst).total_seconds() / 60)
        if official is not None:
            story.official(official)
            for t in self.times("after", official, max(0, n_after - 2)):
                if t < self.end:
                    story.add(t, "after", (t - official).total_seconds() / 60)
        last = max(datetime.fromisoformat(p["published_at"]) for p in story.posts)
        return TruthEvent(key=key, name=spec["name"], kind=kind, burst_start=burst.replace(microsecond=0),
                          end=last, official_response_at=official,
                          second_wave_start=official if kind == "rumor" else None,
                          size=len(story.posts), topic=spec["topic"], region=spec["region"])

    def minor(self, key: str, spec: dict, week: datetime) -> TruthEvent | None:
        h, m = map(int, spec["at"].split(":"))
        burst = week + timedelta(days=spec["day"], hours=h, minutes=m)
        if burst >= self.end:
            return None
        r = self.rng
        n = r.randint(*MINOR_SIZES)
        times = [burst] + sorted(burst + timedelta(minutes=r.uniform(1, 150)) for _ in range(n - 1))
        times = [t for t in times if t < self.end]
        for t in times:
            slots = Slots(self, t, spec["slots"])
            platform = "weibo" if t == burst else self.weighted({"weibo": 60, "comments": 15, "forum": 15, "video": 10})
            text = (self.pick(spec["facts"], slots) + r.choice(("，", "。", "！", " "))
                    + self.pick(spec["opinions"], slots) + r.choice(("", "[赞]", "👍", "[思考]", "。", "！")))
            self.post(platform, t, text, slots, title=headline(text) if platform == "forum" else "",
                      event=key, kind="minor", phase="before")
        return TruthEvent(key=key, name=spec["name"], kind="minor", burst_start=burst.replace(microsecond=0),
                          end=times[-1].replace(microsecond=0), size=len(times), topic=spec["topic"],
                          region=spec["region"])


