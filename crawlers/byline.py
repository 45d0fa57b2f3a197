"""Bylines and page furniture of Chinese article pages.

A byline is a line of ``label：value`` pairs: ``来源：云州日报  发布时间：2026-11-03 10:23
作者：李某  编辑：王某``, ``发布日期：…``, ``时间：…``, ``（责任编辑：王某）``, in Simplified or
Traditional characters. `read_byline` takes the time, source and author from the first
bylines of a page; `clean_text` removes bylines and page furniture (【字体：大 中 小】,
打印本页, 关闭窗口, 分享到, 上一篇/下一篇, 当前位置) from an article's text.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from .dates import find_time, parse_time_text
from .htmltree import collapse

log = logging.getLogger(__name__)

MAX_AUTHOR_CHARS = 40
MAX_SOURCE_CHARS = 60

# Traditional characters of the labels and furniture words, one for one, so that a line
# is matched in Simplified form while values are cut from it as written.
_TRADITIONAL_LABEL_CHARS = "來發佈時間記編輯責審對攝訊員瀏覽閱讀點擊數號體處聞資訪問頁關閉視當"
_LABEL_T2S = str.maketrans(_TRADITIONAL_LABEL_CHARS, "来发布时间记编辑责审对摄讯员浏览阅读点击数号体处闻资访问页关闭视当")
_TRADITIONAL = re.compile(f"[{_TRADITIONAL_LABEL_CHARS}]")
_TIME_LABELS = ("发布时间", "发布日期", "发表时间", "发稿时间", "时间", "日期", "更新时间")
_SOURCE_LABELS = ("来源", "稿源", "信息来源", "资讯来源", "文章来源", "新闻来源", "稿件来源", "出处")
_AUTHOR_LABELS = ("作者", "记者", "撰稿", "文")
_OTHER_LABELS = ("责任编辑", "编辑", "责编", "审核", "审校", "校对", "摄影", "通讯员", "浏览次数",
                 "阅读次数", "点击数", "点击量", "访问量", "浏览量", "阅读量", "阅读", "浏览", "字号", "字体")
_ALL_LABELS = _TIME_LABELS + _SOURCE_LABELS + _AUTHOR_LABELS + _OTHER_LABELS
# Labels of four characters and more are read anywhere; shorter ones only where no
# Chinese character runs into them (会议时间： is no byline).
_LONG = sorted((x for x in _ALL_LABELS if len(x) >= 4), key=len, reverse=True)
_SHORT = sorted((x for x in _ALL_LABELS if len(x) < 4), key=len, reverse=True)
_LABEL = re.compile(rf"(?:(?P<long>{'|'.join(_LONG)})|(?<![\u4e00-\u9fff])(?P<short>{'|'.join(_SHORT)}))\s*[:：]")
_STRONG_SINGLE = frozenset(_LONG) | {"来源", "稿源", "作者", "记者"}
_VALUE_END = re.compile(r"\s{2,}|\s*[|｜【\[]")
_VALUE_STRIP = " |｜/·,，;；()（）"
_HAS_YEAR = re.compile(r"(?:19|20)[0-9]{2}")

_INLINE_FURNITURE = re.compile(
    r"[【\[]\s*(?:字体|字号)\s*[:：]?[^】\]]{0,24}[】\]]"
    r"|(?:字体|字号)\s*[:：]\s*[【\[]?\s*大\s*[】\]]?\s*[【\[]?\s*中\s*[】\]]?\s*[【\[]?\s*小\s*[】\]]?"
    r"|[【\[]\s*(?:打印本页|打印此页|列印本页|打印|列印|关闭窗口|关闭视窗|关闭本页|关闭|收藏本页|收藏|加入收藏|"
    r"我要纠错|纠错|返回顶部|返回)\s*[】\]]"
    r"|打印本页|打印此页|列印本页|关闭窗口|关闭视窗|关闭本页|加入收藏|返回顶部")
# Where a match of _INLINE_FURNITURE can begin: lines without any of these skip it.
_INLINE_START = re.compile(r"[【\[字打列关加返]")
_FURNITURE_LINE = re.compile(
    r"(?:分享到|分享至|扫一扫|手机扫码|用手机扫|上一篇|下一篇|上一条|下一条)\s*[:：]?.*"
    r"|(?:[【\[]?\s*(?:打印|列印|关闭|收藏|纠错|返回|首页|字体|字号|大|中|小|默认|正文|当前位置[:：].*)\s*[】\]]?\s*[|｜/]?\s*)+")


def _simplified(line: str) -> str:
    """The line with its label characters in Simplified form (the same length)."""
    return line.translate(_LABEL_T2S) if _TRADITIONAL.search(line) else line


def _strip_furniture(line: str) -> str:
    """The line without inline furniture (【字体：大 中 小】, 打印本页 …), whitespace collapsed."""
    simple = _simplified(line)
    if not _INLINE_START.search(simple):
        return collapse(line)
    spans = [m.span() for m in _INLINE_FURNITURE.finditer(simple)]
    if not spans:
        return collapse(line)
    pieces, pos = [], 0
    for start, end in spans:
        pieces.append(line[pos:start])
        pos = end
    pieces.append(line[pos:])
    return collapse(" ".join(pieces))


def _is_furniture_line(line: str) -> bool:
    return _FURNITURE_LINE.fullmatch(_simplified(line)) is not None


def _byline_fields(line: str) -> tuple[list[tuple[str, str]], int]:
    """The (label, value) pairs of a byline-like line, and where the first label starts.
    Labels are given in Simplified form; values as written."""
    if "：" not in line and ":" not in line:
        return [], -1                 # every label ends in a colon
    matches = list(_LABEL.finditer(_simplified(line)))
    fields = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
        value = _VALUE_END.split(line[m.end():end], maxsplit=1)[0].strip(_VALUE_STRIP)
        fields.append((m.group("long") or m.group("short"), value))
    return fields, (matches[0].start() if matches else -1)


def _is_byline(line: str, fields, start: int, now: datetime, *, edge: bool) -> bool:
    """Whether a line is a byline: label: value pairs and little else. One weak label
    (时间：, 编辑：) makes a byline only near the top or bottom of the text."""
    if not fields or len(line) > 200:
        return False
    prefix = line[:start].strip(" ([（【|")
    if len(prefix) > 12 and parse_time_text(prefix, now) is None:
        return False
    if len({label for label, _ in fields}) >= 2:
        return True
    label, value = fields[0]
    if label in _STRONG_SINGLE:
        return len(line) <= 80
    if not edge or len(line) > 40:
        return False
    if label in _TIME_LABELS:
        return bool(_HAS_YEAR.search(value)) and parse_time_text(value, now) is not None
    return label not in ("阅读", "浏览")


def _byline_time(value: str, now: datetime) -> datetime | None:
    return parse_time_text(value, now) or find_time(value, now)


@dataclass
class Byline:
    """What a page's bylines say."""

    published_at: datetime | None = None
    source: str = ""
    author: str = ""


def read_byline(lines: list[str], now: datetime) -> Byline:
    """Time, source and author from the first byline lines of the page."""
    found = Byline()
    for line in lines:
        if "：" not in line and ":" not in line:
            continue                  # every label ends in a colon: no byline here
        line = _strip_furniture(line)
        fields, start = _byline_fields(line)
        if not _is_byline(line, fields, start, now, edge=True):
            continue
        if start > 0 and found.published_at is None:
            found.published_at = parse_time_text(line[:start].strip(" ([（【|"), now)
        for label, value in fields:
            if not value:
                continue
            if label in _TIME_LABELS and found.published_at is None:
                found.published_at = _byline_time(value, now)
            elif label in _SOURCE_LABELS and not found.source and len(value) <= MAX_SOURCE_CHARS:
                found.source = value
            elif label in _AUTHOR_LABELS and not found.author and len(value) <= MAX_AUTHOR_CHARS:
                found.author = value
        if found.published_at and found.source and found.author:
            break
    return found


def clean_text(text: str, title: str, now: datetime) -> str:
    """Main text without the title repeated on top (in its first lines), bylines and
    page furniture."""
    lines = [collapse(x) for x in text.splitlines()]
    lines = [x for x in lines if x]
    out: list[str] = []
    last = len(lines) - 1
    for i, line in enumerate(lines):
        line = _strip_furniture(line)
        if not line or _is_furniture_line(line):
            continue
        if title and line == title and len(out) < 3:
            continue
        fields, start = _byline_fields(line)
        if _is_byline(line, fields, start, now, edge=i < 3 or i > last - 3):
            continue
        out.append(line)
    return "\n".join(out)
