"""A report as Markdown, as self-contained HTML, and as plain text for chat bots.

Crawled text is hostile, so each output escapes every value it did not write itself:
the HTML template autoescapes; the Markdown template escapes every `{{ }}` value
(as autoescape does for HTML) unless the value was built here by a filter; the plain
text swaps markup characters for their full-width forms, because chat markdown
dialects have no escape syntax. Links are shown only for http and https.
"""
from __future__ import annotations

import base64
import logging
import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from .model import PostRef
from .report import Report, event_name_of, fmt_hour, fmt_time, label_zh, peak_of, stance_mix, where_of

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEXT_MAX_BYTES = 4096        # WeCom's limit for a markdown message
MD_POST_LIST = 50            # Markdown lists at most this many of the event's posts
HTML_POST_LIST = 1000
SPARK = "▁▂▃▄▅▆▇█"

# C0/C1 controls and bidi overrides: never shown, they can reorder or hide text.
_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#!|<>~&])")
_MD_LINE_START = re.compile(r"^([-+=]|\d{1,9}(?=[.)]))")
_INERT = str.maketrans({"<": "＜", ">": "＞", "[": "［", "]": "］", "`": "｀", "*": "＊", "_": "＿",
                        "|": "｜", "#": "＃", "~": "～", "&": "＆", "\\": "＼"})
_URL_SAFE = "/:?#=&%+@,;~!$*'-._"   # everything else (spaces, quotes, <>, (), [], \) is percent-encoded


def clean(text: Any) -> str:
    """One line of text: invisible characters removed, all whitespace runs one space."""
    return " ".join(_INVISIBLE.sub("", "" if text is None else str(text)).split())


def safe_url(url: str | None) -> str:
    """The URL fit to put in a link, or "" when it is not plain http(s)."""
    if not url:
        return ""
    raw = url.strip()
    if any(c.isspace() or ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in raw):
        return ""
    try:
        parts = urlsplit(raw)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return quote(raw, safe=_URL_SAFE)


def md_escape(text: Any) -> str:
    """Crawled text as inert Markdown: one line, every inline markup character
    backslash-escaped, and a leading list marker or setext underline neutralised
    (the only constructs left that need the start of a line). Bare http(s) and
    e-mail addresses may still be autolinked by GFM renderers; none can run code."""
    text = _MD_SPECIAL.sub(r"\\\1", clean(text))
    m = _MD_LINE_START.match(text)
    if m:
        text = f"\\{text}" if not m.group(1)[0].isdigit() else f"{m.group(1)}\\{text[m.end():]}"
    return text


def inert(text: Any) -> str:
    """Crawled text for chat markdown dialects that cannot escape: markup characters
    become their full-width twins, which read the same to a person."""
    return clean(text).translate(_INERT)


def sparkline(hourly: list[tuple[datetime, int]], hours: int = 24) -> str:
    counts = [n for _, n in hourly[-hours:]]
    top = max(counts, default=0)
    if not top:
        return ""
    return "".join(SPARK[min(len(SPARK) - 1, (n * (len(SPARK) - 1) + top - 1) // top)] if n else " "
                   for n in counts)


def share(n: int, rows: list[tuple[str, int]]) -> int:
    total = sum(c for _, c in rows)
    return round(100 * n / total) if total else 0


class MdSafe(str):
    """Markdown this module built itself (links, times); passed through unescaped."""


def _md_finalize(value: Any) -> str:
    if isinstance(value, MdSafe):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return md_escape(value)


def _md_link(text: Any, url: str | None) -> MdSafe:
    label = md_escape(text) or "链接"
    href = safe_url(url)
    return MdSafe(f"[{label}]({href})" if href else label)


def _common(env: Environment) -> Environment:
    env.globals.update(label_zh=label_zh, share=share, stance_mix=stance_mix, peak_of=peak_of,
                       sparkline=sparkline, fmt_hour=fmt_hour, name_of=event_name_of,
                       where_of=where_of)
    env.filters["url"] = safe_url
    return env


@lru_cache(maxsize=1)
def _md_env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=False, finalize=_md_finalize,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters["link"] = _md_link
    env.filters["when"] = lambda dt, year=False: MdSafe(fmt_time(dt, year=year))   # digits, 年月日, ":"
    return _common(env)


@lru_cache(maxsize=1)
def _html_env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = lambda dt, year=False: fmt_time(dt, year=year)
    env.filters["clean"] = clean
    return _common(env)


def render_markdown(report: Report) -> str:
    """The report as Markdown (CommonMark with GFM tables); no raw HTML passes through."""
    return _md_env().get_template("report.md.j2").render(r=report, post_list=MD_POST_LIST)


def render_html(report: Report, chart_png: bytes | None = None, chart_cid: str = "") -> str:
    """The report as one HTML page: inline styles, the chart inlined as a data: URI (or, for
    mail, referred to as `cid:<chart_cid>`, an attachment of that name), no scripts, and a
    Content-Security-Policy that would refuse any that slipped in."""
    if chart_cid:
        src = f"cid:{chart_cid}"
    else:
        src = "data:image/png;base64," + base64.b64encode(chart_png).decode("ascii") if chart_png else ""
    return _html_env().get_template("report.html.j2").render(r=report, chart_src=src,
                                                             post_list=HTML_POST_LIST)


def _ref_line(ref: PostRef) -> str:
    line = f"{inert(where_of(ref))} {fmt_time(ref.published_at)} “{inert(event_name_of(ref))}”"
    url = safe_url(ref.url)
    return f"{line} {url}" if url else line


def _counts(rows: list[tuple[str, int]], kind: str | None, limit: int = 5) -> str:
    return "、".join(f"{inert(label_zh(kind, k) if kind else k)}{n}" for k, n in rows[:limit])


def render_text(report: Report, max_bytes: int = TEXT_MAX_BYTES) -> str:
    """Plain text for chat bots, at most `max_bytes` of UTF-8. When the whole report
    does not fit, the least needed parts go first (post list, samples from the end,
    handling from the end, breakdowns), and a note says it was shortened."""
    r = report
    parts: list[tuple[int, str]] = [          # (priority: higher is dropped first, text)
        (0, inert(r.heading)),
        (0, f"报送时间：{fmt_time(r.sent_at, year=True)}　编号：{inert(r.id)}"),
        (0, f"摘要：{inert(r.summary)}"),
    ]
    if r.reasons:
        parts.append((1, "研判依据：" + "；".join(inert(x) for x in r.reasons)))
    if r.change:
        parts.append((1, f"变化：{inert(r.change)}"))
    parts.append((2, f"首发：{_ref_line(r.first)}"))
    peak = peak_of(r.hourly)
    trend = f"态势：累计{r.post_count}条"
    if peak:
        trend += f"，峰值{fmt_hour(peak[0])}每小时{peak[1]}条"
    spark = sparkline(r.hourly)
    parts.append((2, trend + (f"；近{min(24, len(r.hourly))}小时 {spark}" if spark else "")))
    for prio, label, rows, kind in ((3, "情感", r.sentiments, None), (3, "话题", r.topics, "topic"),
                                    (4, "站点", r.sites, None), (4, "平台", r.platforms, "platform"),
                                    (5, "地域", r.regions, None)):
        if rows:
            text = stance_mix(rows) if label == "情感" else _counts(rows, kind)
            parts.append((prio, f"{label}：{text}"))
    if r.phrases:
        parts.append((5, "关键词：" + "、".join(inert(p) for p in r.phrases[:8])))
    if r.samples:
        parts.append((7, "代表性帖文："))
        parts.extend((7 + i, f"{i + 1}. {_ref_line(s)}") for i, s in enumerate(r.samples))
    if r.handling:
        parts.append((4, "处置建议："))
        parts.extend((4 + i, f"{i + 1}. {inert(h)}") for i, h in enumerate(r.handling))
    return _fit(parts, max_bytes)


def _fit(parts: list[tuple[int, str]], max_bytes: int) -> str:
    note = "（内容较长已节选，详见完整报告）"

    def size(ps):
        return len("\n".join(t for _, t in ps).encode("utf-8"))

    if size(parts) <= max_bytes:
        return "\n".join(t for _, t in parts)
    budget = max_bytes - len(("\n" + note).encode("utf-8"))
    if budget < 0:               # not even room to say it was shortened
        note, budget = "", max_bytes
    kept = list(parts)
    while kept and size(kept) > budget and max(p for p, _ in kept) > 0:
        worst = max(p for p, _ in kept)
        drop = max(i for i, (p, _) in enumerate(kept) if p == worst)
        kept.pop(drop)
    text = "\n".join(t for _, t in kept)
    if len(text.encode("utf-8")) > budget:
        text = text.encode("utf-8")[:max(0, budget - 3)].decode("utf-8", "ignore") + "…"
    log.debug("text report %s shortened to %d bytes", parts[0][1][:20], len(text.encode("utf-8")))
    return f"{text}\n{note}" if note else text
