"""The words a story is told in, as event clustering counts them.

`term_of` maps a token to the term it counts as (or "" for words that say nothing about a
story); `background` says how telling a word is in general Chinese; `COMMON_TERMS` are
treated as used by every story until the stream shows otherwise; `hour_key` names the
hour a post falls in, as events count their posts per hour.
"""
from __future__ import annotations

import re
from datetime import datetime

from indexer.post import SHANGHAI
from nlp.keywords import _canonical as canonical_term
from nlp.keywords import idf_table
from nlp.watch import DEFAULT_WATCH_TERMS

COMMON_TERMS = frozenset(DEFAULT_WATCH_TERMS) | frozenset(
    {"检察", "人民", "察院", "法院", "公安", "警方", "依法", "案件", "网传", "当事人", "涉事", "部门", "单位",
     "工作人员", "回应", "通报", "调查", "情况", "说明", "相关", "县", "市"})
"""Words treated as used by every story until the stream shows otherwise (IDF prior)."""

_NUMERAL_MEASURE = re.compile(r"[一二两三四五六七八九十几数每多][个辆名位起件次条家所只头张篇段]")
_TERMS: dict[str, str] = {}


def term_of(token: str) -> str:
    """The term a token counts as, or "" when it says nothing about a story: what
    nlp.keywords drops (stop words, punctuation, numbers, links, most single characters),
    emoticon codes ([赞]), a numeral with a measure word (一辆, 两名) and link codes
    or user ids (a6xyz1: ASCII letters and digits mixed)."""
    t = _TERMS.get(token)
    if t is None:
        word = canonical_term(token) if type(token) is str else None
        if word is None or word[0] == "[" or _NUMERAL_MEASURE.fullmatch(word) \
                or (word.isascii() and not word.isalpha() and any(ch.isdigit() for ch in word) and not word.isdigit()):
            word = ""
        if len(_TERMS) > 200_000:
            _TERMS.clear()
        t = _TERMS[token] = word
    return t


known_term = _TERMS.get
"""The term of a token already seen, or None (a cheaper first look than `term_of`)."""


PLACE_RARITY = 0.7
"""A word is taken for a place name (青石 before 县, 鹿鸣区) only if it is rare in general
Chinese: its jieba IDF at least this share of the median (青石 0.73, 配合 0.53)."""

_BACKGROUND: dict[str, float] = {}


def background(term: str) -> float:
    """How telling a word is in general Chinese: its IDF in jieba's table over the median
    (发现 0.37, 孩子 0.43, 清水河 0.84; an unknown word, usually a name, 1.0), at most 1.2.
    A young stream has seen too few events to know that 终于 says less than 清水河."""
    v = _BACKGROUND.get(term)
    if v is None:
        table, median = idf_table()
        v = _BACKGROUND[term] = min(table.get(term, median) / median, 1.2)
        if len(_BACKGROUND) > 200_000:
            _BACKGROUND.clear()
    return v


_HOURS: dict[int, str] = {}


def hour_key(when: datetime) -> str:
    """Start of the hour of ``when`` in Asia/Shanghai, ISO text (the `hourly` key)."""
    hour = int(when.timestamp()) // 3600
    key = _HOURS.get(hour)
    if key is None:
        if len(_HOURS) > 100_000:
            _HOURS.clear()
        key = _HOURS[hour] = datetime.fromtimestamp(hour * 3600, SHANGHAI).isoformat()
    return key
