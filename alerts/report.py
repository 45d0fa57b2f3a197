"""A report about one event (首报 / 续报 / 结案): the facts an analyst acts on, frozen
at the moment it is sent, so that a report read later says what was known then.

Everything here is data. Text taken from crawled posts (titles, sites, excerpts,
phrases) is kept as it came; the renderers escape it for each output.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable

from indexer.post import SHANGHAI
from nlp.labels import SENTIMENT_ZH, TOPIC_ZH, Platform, Sentiment, Topic

from . import handling
from .baseline import parse_hour, to_hour
from .model import KIND_ZH, Event, Level, PostRef, report_id

log = logging.getLogger(__name__)

KINDS = ("first", "update", "close")
PLATFORM_ZH: dict[Platform, str] = {
    Platform.NEWS: "新闻网站", Platform.WEIBO: "微博", Platform.WECHAT: "微信",
    Platform.FORUM: "论坛", Platform.VIDEO: "视频", Platform.GOV: "政务网站", Platform.OTHER: "其他",
}
MAX_HOURS = 24 * 31      # the hourly series keeps at most the last month
MAX_SAMPLES = 10
MAX_PHRASES = 12
BURST_MIN = 3            # an hour with fewer posts is never called a burst
STANCE_ORDER = ("negative", "neutral", "positive")


def label_zh(kind: str, code: str) -> str:
    """The Chinese name of a label code (`kind` is sentiment, topic or platform);
    an unknown code is shown as it is."""
    table: dict[Any, str] = {"sentiment": SENTIMENT_ZH, "topic": TOPIC_ZH, "platform": PLATFORM_ZH}[kind]
    enum = {"sentiment": Sentiment, "topic": Topic, "platform": Platform}[kind]
    try:
        return table[enum(code)]
    except ValueError:
        return code or "未知"


def local(dt: datetime) -> datetime:
    """The time in Asia/Shanghai; a naive time is taken to be Shanghai time already."""
    return dt.replace(tzinfo=SHANGHAI) if dt.tzinfo is None else dt.astimezone(SHANGHAI)



def fmt_time(dt: datetime | None, *, year: bool = False) -> str:
    if dt is None:
        return "时间不详"
    t = local(dt)
    return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}" if year else f"{t.month}月{t.day}日 {t:%H:%M}"


def fmt_hour(dt: datetime) -> str:
    t = local(dt)
    return f"{t.month}月{t.day}日{t.hour}时"


@dataclass
class Report:
    id: str
    event_id: str
    kind: str                      # first | update | close
    level: Level
    sent_at: datetime
    title: str                     # the event's title, one line (channels add kind and level)
    summary: str
    reasons: list[str] = field(default_factory=list)
    change: str = ""
    first: PostRef = field(default_factory=lambda: PostRef(id=""))
    post_count: int = 0
    hourly: list[tuple[datetime, int]] = field(default_factory=list)
    sentiments: list[tuple[str, int]] = field(default_factory=list)
    topics: list[tuple[str, int]] = field(default_factory=list)
    sites: list[tuple[str, int]] = field(default_factory=list)
    platforms: list[tuple[str, int]] = field(default_factory=list)
    regions: list[tuple[str, int]] = field(default_factory=list)
    phrases: list[str] = field(default_factory=list)
    samples: list[PostRef] = field(default_factory=list)
    timeline: list[tuple[datetime, str]] = field(default_factory=list)
    handling: list[str] = field(default_factory=list)
    posts: list[tuple[str, str]] = field(default_factory=list)
    official: PostRef | None = None  # the official response known when the report was made

    @property
    def kind_zh(self) -> str:
        return KIND_ZH[self.kind]

    @property
    def heading(self) -> str:
        """The line a report is shown under: level, kind and the event's title."""
        return f"【{self.level.zh}】舆情{self.kind_zh}：{self.title}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "event_id": self.event_id, "kind": self.kind, "level": self.level.value,
            "sent_at": self.sent_at.isoformat(), "title": self.title, "summary": self.summary,
            "reasons": list(self.reasons), "change": self.change, "first": self.first.to_dict(),
            "post_count": self.post_count,
            "hourly": [[h.isoformat(), n] for h, n in self.hourly],
            **{name: [[k, n] for k, n in getattr(self, name)]
               for name in ("sentiments", "topics", "sites", "platforms", "regions")},
            "phrases": list(self.phrases), "samples": [s.to_dict() for s in self.samples],
            "timeline": [[t.isoformat(), text] for t, text in self.timeline],
            "handling": list(self.handling), "posts": [[i, u] for i, u in self.posts],
            "official": self.official.to_dict() if self.official else None,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Report":
        return cls(
            id=d["id"], event_id=d["event_id"], kind=d["kind"], level=Level(d["level"]),
            sent_at=datetime.fromisoformat(d["sent_at"]), title=d.get("title", ""),
            summary=d.get("summary", ""), reasons=list(d.get("reasons", [])), change=d.get("change", ""),
            first=PostRef.from_dict(d["first"]), post_count=int(d.get("post_count", 0)),
            hourly=[(datetime.fromisoformat(h), int(n)) for h, n in d.get("hourly", [])],
            **{name: [(str(k), int(n)) for k, n in d.get(name, [])]
               for name in ("sentiments", "topics", "sites", "platforms", "regions")},
            phrases=list(d.get("phrases", [])), samples=[PostRef.from_dict(s) for s in d.get("samples", [])],
            timeline=[(datetime.fromisoformat(t), text) for t, text in d.get("timeline", [])],
            handling=list(d.get("handling", [])), posts=[(i, u) for i, u in d.get("posts", [])],
            official=PostRef.from_dict(d["official"]) if d.get("official") else None,
        )


def build_report(event: Event, kind: str, level: Level, sent_at: datetime, *,
                 reasons: Iterable[str] = (), change: str = "", previous: Iterable[Report] = (),
                 step: str = "") -> Report:
    """Freeze what is known of `event` at `sent_at` into a report.

    `previous` are the reports already sent for this event (any order); they go on
    the timeline and tell a 续报 what changed. `change` is taken as given when the
    caller knows it (an analyst's note); otherwise it is worked out from `previous`.
    `step` names the 续报 in its id (a level such as "serious", or "official").
    """
    if kind not in KINDS:
        raise ValueError(f"report kind must be one of {', '.join(KINDS)}, not {kind!r}")
    sent_at = local(sent_at)
    previous = sorted(previous, key=lambda r: local(r.sent_at))
    reasons = [r for r in reasons if r]
    hourly = hourly_series(event, sent_at)
    if kind == "first":
        change = ""
    elif not change:
        change = _change(event, kind, level, sent_at, hourly, previous)
    if kind == "update" and not step:
        step = _step(event, level, sent_at, previous)
    sentiments = _ranked(event.sentiments)
    topics = _ranked(event.topics)
    return Report(
        id=report_id(event.id, kind, step), event_id=event.id, kind=kind, level=level, sent_at=sent_at,
        title=event_name(event, 60),
        summary=_summary(event, kind, level, sent_at, hourly, reasons, change),
        reasons=reasons, change=change, first=event.first, post_count=event.size, hourly=hourly,
        sentiments=sentiments, topics=topics, sites=_ranked(event.sites),
        platforms=_ranked(event.platforms), regions=_ranked(event.regions),
        phrases=list(event.phrases[:MAX_PHRASES]),
        samples=list(event.samples[:MAX_SAMPLES]) or [event.first],
        timeline=_timeline(event, kind, level, sent_at, hourly, previous),
        handling=handling.suggest(topics, level, kind),
        posts=list(event.posts.items()),
        official=event.official,
    )


def event_name(event: Event, limit: int = 40) -> str:
    """A one-line name for the event: its title, else the first post's title or text."""
    return shorten(event.title or event.first.title or event.first.text or event.id, limit)


def shorten(text: str, limit: int) -> str:
    """`text` on one line (whitespace collapsed), cut to `limit` characters with "…"."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def hourly_series(event: Event, sent_at: datetime) -> list[tuple[datetime, int]]:
    """Posts per hour from the hour of the first post to the hour of `sent_at`,
    every hour present (zeros included). Hours after `sent_at` are not yet known."""
    counts: dict[datetime, int] = {}
    for key, n in event.hourly.items():
        try:
            h = parse_hour(key if isinstance(key, datetime) else str(key))
        except ValueError:
            log.warning("event %s: skipping bad hour key %r", event.id, key)
            continue
        counts[h] = counts.get(h, 0) + int(n)
    end = to_hour(sent_at)
    known = [to_hour(t) for t in (event.first.published_at, event.first_seen) if t] + list(counts)
    start = min([end, *known])
    if end - start >= timedelta(hours=MAX_HOURS):
        start = end - timedelta(hours=MAX_HOURS - 1)
    late = sum(n for h, n in counts.items() if h > end)
    if late:
        log.debug("event %s: %d posts dated after %s left out of the hourly series", event.id, late, end)
    series, h = [], start
    while h <= end:
        series.append((h, counts.get(h, 0)))
        h += timedelta(hours=1)
    return series


def _ranked(counter) -> list[tuple[str, int]]:
    return sorted(((str(k), int(n)) for k, n in counter.items() if n > 0), key=lambda kv: (-kv[1], kv[0]))


def peak_of(hourly: list[tuple[datetime, int]]) -> tuple[datetime, int] | None:
    """The busiest hour, the earliest on a tie; None when nothing was posted."""
    best = None
    for h, n in hourly:
        if n > 0 and (best is None or n > best[1]):
            best = (h, n)
    return best


def burst_of(hourly: list[tuple[datetime, int]]) -> tuple[datetime, int] | None:
    """The first hour the story took off: at least BURST_MIN posts and half the peak."""
    peak = peak_of(hourly)
    if peak is None:
        return None
    floor = max(BURST_MIN, math.ceil(peak[1] / 2))
    return next(((h, n) for h, n in hourly if n >= floor), None)


def quiet_hours(event: Event, sent_at: datetime, hourly: list[tuple[datetime, int]]) -> int:
    last = event.last_seen or next((h for h, n in reversed(hourly) if n), None) or event.first.published_at
    return max(0, int((sent_at - local(last)).total_seconds() // 3600)) if last else 0


def stance_mix(sentiments: list[tuple[str, int]]) -> str:
    """E.g. "负面62%、中性30%、正面8%" in that fixed order, so reports compare at a glance."""
    counts = dict(sentiments)
    total = sum(counts.get(c, 0) for c in STANCE_ORDER)
    if not total:
        return ""
    return "、".join(f"{label_zh('sentiment', c)}{round(100 * counts[c] / total)}%"
                     for c in STANCE_ORDER if counts.get(c))


def _span(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes}分钟"
    hours = minutes / 60
    return f"{hours:.0f}小时" if hours >= 10 else f"{hours:.1f}小时".replace(".0小时", "小时")


def where_of(ref: PostRef) -> str:
    """"site（platform）", without the platform when the site already is its name."""
    where = ref.site or "未知站点"
    platform = label_zh("platform", ref.platform) if ref.platform else ""
    return f"{where}（{platform}）" if platform and platform != where else where


def _official(event: Event) -> str:
    o = event.official
    if o is None:
        return ""
    what = f"“{event_name_of(o)}”" if (o.title or o.text) else "回应"
    return f"{fmt_time(o.published_at)}{o.site or '官方'}已发布{what}"


def event_name_of(ref: PostRef, limit: int = 30) -> str:
    """A one-line name for a post: its title, else its text."""
    return shorten(ref.title or ref.text or ref.id, limit)


def _at(ref: PostRef) -> str:
    return f"于{fmt_time(ref.published_at)}" if ref.published_at else ""


def _summary(event: Event, kind: str, level: Level, sent_at: datetime,
             hourly: list[tuple[datetime, int]], reasons: list[str], change: str) -> str:
    """2-4 sentences: what, where first, how fast, stance mix, official response, why this level."""
    name = f"“{event_name(event)}”"
    first = event.first
    n, sites, platforms = event.size, len(event.sites), len(event.platforms)
    spread = f"涉及{sites}个站点、{platforms}类平台" if sites or platforms else ""
    peak = peak_of(hourly)
    mix = stance_mix(_ranked(event.sentiments))
    topic = label_zh("topic", event.topic) if event.topic else ""
    stance = "，".join(x for x in (f"其中{mix}" if mix else "", f"主要涉及{topic}" if topic else "") if x)
    official = _official(event)
    if official and change and event_name_of(event.official) in change:
        official = ""          # the change already leads with it
    why = f"{'；'.join(reasons)}" if reasons else ""
    if kind == "close":
        quiet = quiet_hours(event, sent_at, hourly)
        s1 = (f"{name}相关舆情{_at(first)}由{where_of(first)}首发，累计{n}条"
              + (f"，{spread}" if spread else "")
              + (f"，最后一条发布于{fmt_time(event.last_seen)}" if event.last_seen else "")
              + (f"，已连续{quiet}小时无新增" if quiet and "无新增" not in change else "") + "。")
        s3 = f"{official}。" if official else "期间未监测到官方回应。"
        s4 = (f"{change}，" if change else "") + f"现按{level.zh}级结案，转入常态监测。"
        return "".join([s1, f"{stance}。" if stance else "", s3, s4])
    since = _span(sent_at - local(first.published_at)) if first.published_at else ""
    fast = (f"首发后{since}内累计{n}条" if since else f"累计{n}条") + (f"，{spread}" if spread else "")
    if peak and peak[1] > 1:
        fast += f"，{fmt_hour(peak[0])}达到峰值每小时{peak[1]}条"
    s4 = f"按{level.zh}级{KIND_ZH[kind]}" + (f"：{why}。" if why else "。")
    said = official or ("" if event.official else "尚未监测到官方回应")
    tail = "；".join(x for x in (stance, said) if x) + "。" if stance or said else ""
    if kind == "update":
        s0 = f"{name}相关舆情出现新情况：{change}。" if change else f"{name}相关舆情持续发酵。"
        s1 = f"该舆情{_at(first)}由{where_of(first)}首发，{fast}。"
        return s0 + s1 + tail + s4
    s1 = f"{name}相关舆情{_at(first)}由{where_of(first)}首发，{fast}。"
    return s1 + tail + s4


def _change(event: Event, kind: str, level: Level, sent_at: datetime,
            hourly: list[tuple[datetime, int]], previous: list[Report]) -> str:
    """What changed since the last report, in the words a 续报/结案 leads with."""
    last = previous[-1] if previous else None
    parts = []
    if last is not None and level.rank != last.level.rank:
        verb = "升为" if level.rank > last.level.rank else "降为"
        parts.append(f"级别由{last.level.zh}{verb}{level.zh}")
    if event.official and event.official.published_at and (
            last is None or local(event.official.published_at) > local(last.sent_at)):
        o = event.official
        parts.append(f"{o.site or '官方'}发布回应“{event_name_of(o)}”")
    if kind == "close":
        if event.status == "closed" and not parts:
            parts.append("经研判结案")
        quiet = quiet_hours(event, sent_at, hourly)
        if quiet:
            parts.append(f"已连续{quiet}小时无新增，舆情趋于平息")
    elif last is not None and event.size > last.post_count:
        parts.append(f"较上次报告新增{event.size - last.post_count}条")
    return "，".join(parts)


def _step(event: Event, level: Level, sent_at: datetime, previous: list[Report]) -> str:
    last = previous[-1] if previous else None
    if last is None or level.rank > max(r.level.rank for r in previous):
        return level.value
    if event.official and event.official.published_at and local(event.official.published_at) > local(last.sent_at):
        return "official"
    return f"{sent_at:%Y%m%d%H%M}"


def _timeline(event: Event, kind: str, level: Level, sent_at: datetime,
              hourly: list[tuple[datetime, int]], previous: list[Report]) -> list[tuple[datetime, str]]:
    """首发, first burst hour, peak hour, official response, earlier reports, this report."""
    items: list[tuple[datetime, str]] = []
    first = event.first
    if first.published_at:
        who = f"{first.author}在{where_of(first)}" if first.author else where_of(first)
        items.append((local(first.published_at), f"首发：{who}发布“{event_name_of(first)}”"))
    burst, peak = burst_of(hourly), peak_of(hourly)
    if burst and peak and burst[0] != peak[0]:
        items.append((burst[0], f"传播升温：{fmt_hour(burst[0])}起1小时内新增{burst[1]}条"))
    if peak and peak[1] > 1:
        items.append((peak[0], f"传播峰值：1小时内新增{peak[1]}条"))
    if event.official and event.official.published_at:
        o = event.official
        items.append((local(o.published_at), f"官方回应：{o.site or '官方'}发布“{event_name_of(o)}”"))
    for r in previous:
        items.append((local(r.sent_at), f"已报送{r.kind_zh}（{r.level.zh}级）"))
    items.append((sent_at, f"本次{KIND_ZH[kind]}（{level.zh}级）"))
    return sorted(items, key=lambda it: it[0])
