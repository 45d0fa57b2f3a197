"""Times as Chinese web pages write them: `parse_time_text` reads a text that is a time,
`find_time` finds the first time inside a longer text (a byline, a list item).

Forms understood (full-width digits and punctuation are read as their ASCII twins):

- full dates: ``2026年11月3日 10:23``, ``2026-11-03 10:23:05``, ``2026/11/03 10:23``,
  ``2026.11.03``, ``2026年11月3日 星期二 下午3:20``, ``2026年11月3日10时23分``,
  ``二〇二六年十一月三日``;
- dates without a year: ``11-03 10:23``, ``11月3日 10:23``, ``11月3日``: this year, or last
  year when that would lie more than a day after `now` (a list page read on 2 January
  showing ``12-31``);
- relative: ``刚刚``, ``30秒前``, ``3分钟前``, ``半小时前``, ``2小时前``, ``1天前``, ``两周前``,
  ``今天 09:10``, ``昨天 14:20``, ``前天 08:00`` (counted from `now` in Asia/Shanghai);
- ISO 8601 with or without a zone (``2026-11-03T10:23:05+08:00``, ``…Z``), RFC 2822 as in
  RSS (``Tue, 03 Nov 2026 10:23:05 +0800``, ``… GMT``), Weibo's ``created_at``
  (``Tue Nov 03 10:23:05 +0800 2026``) and JavaScript's ``Date.toString()``;
- zone hints: ``UTC+8``, ``GMT+08:00``, ``(北京时间)``, ``CST`` (read as China Standard
  Time, as Chinese feeds mean it).

A time without a zone is Asia/Shanghai; a time with one keeps it. Every result is
timezone-aware. Neither function raises on a str; anything that is not a time gives None.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Callable

from indexer.post import SHANGHAI

log = logging.getLogger(__name__)

MIN_YEAR, MAX_YEAR = 1900, 2100
FUTURE_TOLERANCE = timedelta(days=1)   # a year-less date this far ahead of now is last year's
MAX_PARSE_CHARS = 120                  # a longer text is no single time
MAX_FIND_CHARS = 100_000               # find_time reads no further than this

_D = "[0-9]"
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_MON = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_WDAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?"
_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NAMED_ZONES = {
    "Z": timezone.utc, "UT": timezone.utc, "UTC": timezone.utc, "GMT": timezone.utc,
    "CST": SHANGHAI, "北京时间": SHANGHAI, "中国标准时间": SHANGHAI,
    "EST": timezone(timedelta(hours=-5)), "EDT": timezone(timedelta(hours=-4)),
    "CDT": timezone(timedelta(hours=-5)), "MST": timezone(timedelta(hours=-7)),
    "MDT": timezone(timedelta(hours=-6)), "PST": timezone(timedelta(hours=-8)),
    "PDT": timezone(timedelta(hours=-7)), "JST": timezone(timedelta(hours=9)),
    "HKT": timezone(timedelta(hours=8)),
}
_OFFSET = re.compile(rf"(?:UTC|GMT)?\s*([+-])\s*({_D}{{1,2}})(?::?({_D}{{2}}))?")

# A zone written after a time: Z, +08:00, +0800, UTC, GMT+8, (UTC+08:00), (北京时间), CST.
_ZONE = (rf"(?:\s*(?P<zone>Z(?![A-Za-z])|[+-]{_D}{{2}}:?{_D}{{2}}(?!{_D})"
         rf"|\(?(?:UTC|GMT)(?:\s*[+-]\s*{_D}{{1,2}}(?::?{_D}{{2}})?)?\)?(?![A-Za-z])"
         rf"|\(?(?:北京时间|中国标准时间)\)?|\(?CST\)?(?![A-Za-z])))?")
# A time of day, with an optional 上午/下午 before or AM/PM after it, and a zone.
_TIME = (rf"(?P<ap>上午|下午|中午|晚上|晚间|夜间|凌晨|早上|早晨|傍晚)?\s*"
         rf"(?P<H>{_D}{{1,2}})\s*(?::|时|点)\s*(?P<M>{_D}{{1,2}})(?!{_D})"
         rf"(?:\s*(?::|分)\s*(?P<S>{_D}{{1,2}})(?:[.,](?P<F>{_D}{{1,9}}))?(?!{_D})\s*秒?|\s*分)?"
         rf"(?:\s*(?P<ap2>AM|PM|am|pm)(?![A-Za-z]))?" + _ZONE)
_WEEKDAY = r"(?:\s*\(?\s*(?:星期|周|礼拜)[一二三四五六日天七]\s*\)?)?"

_YMD = re.compile(
    rf"(?<![0-9.])(?P<y>{_D}{{4}})\s*(?:年\s*(?P<m>{_D}{{1,2}})\s*月\s*(?P<d>{_D}{{1,2}})(?!{_D})\s*[日号]?"
    rf"|(?P<sep>[-/.])(?P<m2>{_D}{{1,2}})(?P=sep)(?P<d2>{_D}{{1,2}})(?!{_D}))"
    rf"{_WEEKDAY}(?:\s*T?\s*{_TIME})?")
_MD_CN = re.compile(
    rf"(?<![0-9年])(?P<m>{_D}{{1,2}})\s*月\s*(?P<d>{_D}{{1,2}})(?!{_D})\s*[日号]{_WEEKDAY}(?:\s*{_TIME})?")
_MD_DASH = re.compile(
    rf"(?<![0-9./:-])(?P<m>{_D}{{1,2}})[-/](?P<d>{_D}{{1,2}})(?![0-9/-]){_WEEKDAY}(?:\s*{_TIME})?")
_CN_YMD = re.compile(
    r"(?P<y>[〇○零一二三四五六七八九]{4})\s*年\s*(?P<m>[一二三四五六七八九十]{1,2})\s*月"
    r"\s*(?P<d>[一二三四五六七八九十]{1,3})\s*[日号]")
_RELATIVE = re.compile(
    rf"(?P<n>{_D}{{1,6}}|半|[一二两三四五六七八九十]{{1,3}})\s*"
    r"(?P<u>秒钟?|分钟|分|个?半?小时|个?钟头|天|日|个?星期|周|个月)\s*(?:之|以)?前(?![往来去夕])")
_DAY_WORD = re.compile(rf"(?P<w>大前天|前天|昨天|昨日|今天|今日)(?:\s*{_TIME})?")
_JUST_NOW = re.compile(r"刚刚|刚才|just now", re.I)
_RFC2822 = re.compile(
    rf"(?:{_WDAY},?\s*)?(?<![0-9])(?P<d>{_D}{{1,2}})\s+(?P<mon>{_MON})\s+(?P<y>{_D}{{4}})"
    rf"(?:\s+(?P<H>{_D}{{1,2}}):(?P<M>{_D}{{2}})(?::(?P<S>{_D}{{2}}))?"
    rf"(?:\s*(?P<zone>[+-]{_D}{{4}}|UTC|GMT|UT|Z|[ECMP][SD]T|CST|JST|HKT)(?![A-Za-z]))?)?", re.I)
_WEIBO = re.compile(
    rf"{_WDAY}\s+(?P<mon>{_MON})\s+(?P<d>{_D}{{1,2}})\s+(?P<H>{_D}{{1,2}}):(?P<M>{_D}{{2}}):(?P<S>{_D}{{2}})"
    rf"\s+(?P<zone>[+-]{_D}{{4}}|UTC|GMT|CST)\s+(?P<y>{_D}{{4}})", re.I)
_JS_DATE = re.compile(
    rf"{_WDAY}\s+(?P<mon>{_MON})\s+(?P<d>{_D}{{1,2}})\s+(?P<y>{_D}{{4}})\s+"
    rf"(?P<H>{_D}{{1,2}}):(?P<M>{_D}{{2}}):(?P<S>{_D}{{2}})\s+(?P<zone>GMT[+-]{_D}{{4}})(?:\s*\([^()]{{0,40}}\)?)?",
    re.I)
_ENGLISH = re.compile(
    rf"(?:{_WDAY},?\s*)?(?P<mon>{_MON})\s+(?P<d>{_D}{{1,2}}),?\s+(?P<y>{_D}{{4}})"
    rf"(?:,?\s+(?P<H>{_D}{{1,2}}):(?P<M>{_D}{{2}})(?::(?P<S>{_D}{{2}}))?(?:\s*(?P<ap2>AM|PM)(?![A-Za-z]))?)?",
    re.I)

# What parse_time_text strips before reading: a label in front, brackets around.
_LABEL = re.compile(r"^(?:(?:发布|更新|发表|创建|录入|上传|修改|提交|回复)?(?:时间|日期)|发布于|发表于|更新于|"
                    r"posted(?: on)?|published(?: on)?|updated(?: on)?)\s*:?\s*", re.I)
_EDGES = " \t\n[]()【】〔〕「」<>|·,，。:：;；"
_ZONE_HINT = re.compile(
    r"\(?\s*(?:北京时间|中国标准时间|(?:UTC|GMT)\s*[+-]\s*[0-9]{1,2}(?::?[0-9]{2})?)\s*\)?")
_SPACES = re.compile(r"\s+")
_T2S = str.maketrans("時點鐘個兩週剛號間發佈禮", "时点钟个两周刚号间发布礼")


@dataclass(frozen=True)
class _Form:
    """One way of writing a time: its pattern, and how to read a match of it into a
    datetime (or None) and whether the match is good evidence inside longer text."""
    pattern: re.Pattern
    read: Callable[[re.Match, datetime, tzinfo, bool], "tuple[datetime, bool] | None"]


# -- small readers --------------------------------------------------------------------
def _zone(text: str | None) -> tzinfo | None:
    """The zone a suffix names; None when it names none or an impossible one."""
    if not text:
        return None
    key = text.strip("() ").upper()
    if key in _NAMED_ZONES:
        return _NAMED_ZONES[key]
    m = _OFFSET.fullmatch(key)
    if not m:
        return None
    hours, minutes = int(m.group(2)), int(m.group(3) or 0)
    if hours > 14 or minutes > 59:
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if m.group(1) == "-" else delta)


def _cn_number(text: str) -> int | None:
    """1..99 written in Chinese (三, 十一, 二十三, 两) or in digits."""
    if text.isascii() and text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        t = _CN_DIGITS.get(tens) if tens else 1
        o = _CN_DIGITS.get(ones) if ones else 0
        if t is None or o is None or "十" in ones:
            return None
        return t * 10 + o
    return _CN_DIGITS.get(text) if len(text) == 1 else None


def _hour(h: int, ap: str | None) -> int:
    if not ap:
        return h
    if ap in ("下午", "晚上", "晚间", "夜间", "傍晚") or ap.upper() == "PM":
        return h + 12 if h < 12 else h
    if ap == "中午":
        return h + 12 if h < 11 else h
    if (ap == "凌晨" or ap.upper() == "AM") and h == 12:
        return 0
    return h


def _clock(m: re.Match) -> tuple[int, int, int, int] | None:
    """(hour, minute, second, microsecond) of a match holding _TIME, or None without one."""
    gd = m.groupdict()
    if gd.get("H") is None:
        return None
    h = _hour(int(gd["H"]), gd.get("ap") or gd.get("ap2"))
    frac = gd.get("F") or ""
    us = int((frac + "000000")[:6]) if frac else 0
    return h, int(gd["M"]), min(int(gd.get("S") or 0), 59), us


def _make(y: int, mo: int, d: int, clock: tuple[int, int, int, int] | None, tz: tzinfo) -> datetime | None:
    if not MIN_YEAR <= y <= MAX_YEAR:
        return None
    h, mi, s, us = clock or (0, 0, 0, 0)
    try:
        return datetime(y, mo, d, h, mi, s, us, tzinfo=tz)
    except ValueError:
        return None


def _match_zone(m: re.Match, default: tzinfo) -> tzinfo | None:
    """The zone the match names, else the default; None for a zone that cannot be."""
    written = m.groupdict().get("zone")
    if not written:
        return default
    return _zone(written)


# -- the forms --------------------------------------------------------------------------
def _read_ymd(m, now, tz, find):
    zone = _match_zone(m, tz)
    if zone is None:
        return None
    month, day = (m["m"], m["d"]) if m["m"] is not None else (m["m2"], m["d2"])
    dt = _make(int(m["y"]), int(month), int(day), _clock(m), zone)
    return (dt, True) if dt else None


def _read_cn_ymd(m, now, tz, find):
    year = "".join(str(_CN_DIGITS[c]) for c in m["y"])
    month, day = _cn_number(m["m"]), _cn_number(m["d"])
    if month is None or day is None:
        return None
    dt = _make(int(year), month, day, None, tz)
    return (dt, True) if dt else None


def _rollover(month: int, day: int, clock, zone: tzinfo, now: datetime) -> datetime | None:
    """A year-less date: this year's, or last year's when this year's is still ahead
    (for 29 February, the latest leap year's)."""
    for year in range(now.year, now.year - 8, -1):
        dt = _make(year, month, day, clock, zone)
        if dt is not None and dt <= now + FUTURE_TOLERANCE:
            return dt
    return None


def _read_md(m, now, tz, find, *, needs_time_in_text: bool):
    clock = _clock(m)
    if find and needs_time_in_text and clock is None:
        return None
    zone = _match_zone(m, tz)
    if zone is None:
        return None
    dt = _rollover(int(m["m"]), int(m["d"]), clock, zone, now)
    return (dt, clock is not None) if dt else None


def _read_md_cn(m, now, tz, find):
    return _read_md(m, now, tz, find, needs_time_in_text=False)


def _read_md_dash(m, now, tz, find):
    return _read_md(m, now, tz, find, needs_time_in_text=True)


_UNITS = {"秒": "seconds", "秒钟": "seconds", "分": "minutes", "分钟": "minutes",
          "小时": "hours", "个小时": "hours", "半小时": "hours", "个半小时": "hours", "钟头": "hours",
          "个钟头": "hours", "天": "days", "日": "days", "星期": "weeks", "个星期": "weeks",
          "周": "weeks", "个月": "months"}


def _read_relative(m, now, tz, find):
    unit = _UNITS.get(m["u"])
    if m["n"] == "半":
        amount = 0.5
    else:
        number = _cn_number(m["n"])
        if number is None:
            return None
        amount = float(number)
    if unit is None or (m["n"] == "半" and "半" in m["u"]):
        return None
    if "半" in m["u"]:                                 # 一个半小时: one and a half hours
        amount += 0.5
    if unit == "months":
        unit, amount = "days", amount * 30
    try:
        dt = now - timedelta(**{unit: amount})
    except OverflowError:
        return None
    return (dt, True) if dt.year >= MIN_YEAR else None


_DAYS_BACK = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2, "大前天": 3}


def _read_day_word(m, now, tz, find):
    clock = _clock(m)
    zone = _match_zone(m, tz)
    if zone is None:
        return None
    day: date = now.date() - timedelta(days=_DAYS_BACK[m["w"]])
    dt = _make(day.year, day.month, day.day, clock, zone)
    return (dt, clock is not None) if dt else None


def _read_just_now(m, now, tz, find):
    return now, False


def _read_english(m, now, tz, find):
    """English month names: RFC 2822, Weibo's created_at, JavaScript dates, "Nov 3, 2026"."""
    zone = _match_zone(m, tz)
    if zone is None:
        return None
    month = _MONTHS.get(m["mon"][:3].lower())
    if month is None:
        return None
    clock = _clock(m)
    dt = _make(int(m["y"]), month, int(m["d"]), clock, zone)
    return (dt, True) if dt else None


_FORMS = (
    _Form(_YMD, _read_ymd),
    _Form(_RFC2822, _read_english),
    _Form(_WEIBO, _read_english),
    _Form(_JS_DATE, _read_english),
    _Form(_ENGLISH, _read_english),
    _Form(_CN_YMD, _read_cn_ymd),
    _Form(_RELATIVE, _read_relative),
    _Form(_DAY_WORD, _read_day_word),
    _Form(_MD_CN, _read_md_cn),
    _Form(_MD_DASH, _read_md_dash),
    _Form(_JUST_NOW, _read_just_now),
)


# -- the two entry points -----------------------------------------------------------------
def _prep(text: str) -> str:
    """Full-width digits and punctuation to ASCII, the Traditional forms of the time
    words to Simplified (時 點 鐘 個 兩 週 剛 號 間 …), every run of spaces to one space."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_T2S)
    return _SPACES.sub(" ", text).strip()


def _local_now(now: datetime | None) -> datetime:
    if not isinstance(now, datetime):
        return datetime.now(SHANGHAI)
    if now.tzinfo is None:
        now = now.replace(tzinfo=SHANGHAI)
    return now.astimezone(SHANGHAI)


def _parse(text: str, now: datetime) -> datetime | None:
    s = _prep(text).strip(_EDGES)
    s = _LABEL.sub("", s, count=1).strip(_EDGES)
    if not s or len(s) > MAX_PARSE_CHARS:
        return None
    tries = [(s, SHANGHAI)]
    hint = _ZONE_HINT.search(s)
    if hint:
        rest = (s[:hint.start()] + " " + s[hint.end():]).strip(_EDGES)
        zone = _zone(re.sub(r"[()\s]", "", hint.group()))
        if zone is not None and rest:
            tries.append((_SPACES.sub(" ", rest), zone))
    for candidate, zone in tries:
        for form in _FORMS:
            m = form.pattern.fullmatch(candidate)
            if m:
                found = form.read(m, now, zone, False)
                if found:
                    return found[0]
        iso = _iso(candidate, zone)
        if iso:
            return iso
    return None


def _iso(text: str, zone: tzinfo) -> datetime | None:
    """What datetime.fromisoformat reads (basic format 20261103T102305, week dates …)."""
    if not re.match(r"[0-9]{4}", text) or len(text) > 40:
        return None
    try:
        dt = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    if not MIN_YEAR <= dt.year <= MAX_YEAR:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=zone)


def parse_time_text(text: str, now: datetime) -> datetime | None:
    """The time a text states, as a timezone-aware datetime; None when it states none.

    `text` is the time alone, perhaps with a label (``发布时间：``), brackets
    (``[2026-11-03]``) or a zone hint (``(北京时间)``, ``UTC+8``) around it. `now` (naive
    means Asia/Shanghai) anchors relative times (``3分钟前``, ``昨天 14:20``) and the year of
    year-less dates. Never raises on a str; None for anything else.
    """
    if not isinstance(text, str) or not text:
        return None
    try:
        return _parse(text, _local_now(now))
    except Exception:  # a bug, not bad input: keep crawling, but say so
        log.error("parse_time_text failed on %r", text[:80], exc_info=True)
        return None


def find_time(text: str, now: datetime) -> datetime | None:
    """The first time written inside a longer text, such as a byline
    ``来源：云州日报  发布时间：2026-11-03 10:23  作者：李某``; None when there is none.

    Dates with a year, relative times (``3分钟前``) and year-less dates with a time of day
    are taken first, leftmost first; only when the text holds none of those does a bare
    ``11月3日``, ``昨天`` or ``刚刚`` count. A year-less ``11-03`` needs a time of day here.
    Never raises on a str.
    """
    if not isinstance(text, str) or not text:
        return None
    try:
        return _find(text[:MAX_FIND_CHARS], _local_now(now))
    except Exception:  # a bug, not bad input: keep crawling, but say so
        log.error("find_time failed on %r", text[:80], exc_info=True)
        return None


def _find(text: str, now: datetime) -> datetime | None:
    s = _prep(text)
    best_key, best = None, None
    for form in _FORMS:
        weak_seen = False
        for m in form.pattern.finditer(s):
            found = form.read(m, now, SHANGHAI, True)
            if not found:
                continue
            dt, strong = found
            if not strong and weak_seen:
                continue
            key = (0 if strong else 1, m.start(), m.start() - m.end())
            if best_key is None or key < best_key:
                best_key, best = key, dt
            if strong:
                break                                  # later matches of this form lie further right
            weak_seen = True
    return best
