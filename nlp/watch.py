"""Watch terms: the words that make a post worth a look by a procuratorate's 舆情 team.

A post goes down the pipeline only if its normalized text holds a watch term.
`DEFAULT_WATCH_TERMS` are the built-in ones; a deployment adds its own (its full name,
such as 青石县人民检察院, its account names) and may exclude some.

`WatchList.match` finds terms with one compiled regular expression, an alternation
sorted longest first, so a post costs a few microseconds.
"""
from __future__ import annotations

import logging
import re
from typing import Iterable

from .normalize import normalize

log = logging.getLogger(__name__)

DEFAULT_WATCH_TERMS: tuple[str, ...] = (
    # the institution and its people
    "检察", "检察院", "人民检察院", "最高检", "检察机关", "检察官", "检察长", "副检察长",
    "检察官助理", "检察干警", "检察人员", "检察室", "检委会", "检方", "检务", "jcy",
    # common misspellings people use when they complain
    "检查院", "检查官",
    # prosecution and case handling
    "公诉", "公诉人", "提起公诉", "审查起诉", "批捕", "批准逮捕", "不批捕", "不起诉",
    "附条件不起诉", "认罪认罚", "量刑建议", "羁押必要性审查", "捕诉一体", "少捕慎诉慎押",
    # legal supervision
    "抗诉", "检察建议", "立案监督", "侦查监督", "审判监督", "执行监督",
    # public-interest litigation
    "公益诉讼", "检察公益诉讼",
    # petitions, aid, juveniles, outreach
    "12309", "12309检察服务中心", "控告申诉", "涉检信访", "司法救助", "支持起诉",
    "法治副校长", "强制报告", "检察开放日", "检察听证", "人民监督员",
)


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _alternatives(term: str) -> list[str]:
    """A term as regex alternatives: ASCII letters match either case; a term that starts
    or ends with an ASCII letter or digit does not match inside a longer ASCII word or
    number (12309 does not match 123090).

    Every alternative starts with a plain literal character, so that the regex engine
    can skip ahead to the few places where a term may start; the check before the term
    is a look-behind placed after that first character."""
    def lit(c: str) -> str:
        return f"[{c.lower()}{c.upper()}]" if c.isascii() and c.isalpha() else re.escape(c)

    rest = "".join(lit(c) for c in term[1:])
    if _is_ascii_alnum(term[-1]):
        rest += "(?![0-9A-Za-z])"
    firsts = {term[0].lower(), term[0].upper()} if term[0].isascii() else {term[0]}
    out = []
    for first in sorted(firsts):
        guard = f"(?<![0-9A-Za-z]{lit(first)})" if _is_ascii_alnum(first) else ""
        out.append(re.escape(first) + guard + rest)
    return out


def _occurs_inside(short: str, long: str) -> bool:
    """Whether `short` occurs in `long` where it would match on its own."""
    start = long.find(short)
    while start >= 0:
        end = start + len(short)
        before_ok = not (_is_ascii_alnum(short[0]) and start > 0 and _is_ascii_alnum(long[start - 1]))
        after_ok = not (_is_ascii_alnum(short[-1]) and end < len(long) and _is_ascii_alnum(long[end]))
        if before_ok and after_ok:
            return True
        start = long.find(short, start + 1)
    return False


def _clean_terms(terms: Iterable[str], what: str) -> list[str]:
    if isinstance(terms, str):
        raise ValueError(f"{what} must be a list of terms, not the string {terms!r}")
    out: list[str] = []
    seen: set[str] = set()
    for i, term in enumerate(terms, 1):
        if not isinstance(term, str):
            raise ValueError(f"{what} #{i} is not a string: {term!r}")
        norm = normalize(term)
        if not norm:
            raise ValueError(f"{what} #{i} is empty{f' after normalization ({term!r})' if term else ''}")
        if norm.lower() not in seen:
            seen.add(norm.lower())
            out.append(norm)
    return out


class WatchList:
    """Watch terms, compiled.

    `terms` are normalized (so Traditional and full-width terms work) and deduplicated;
    an empty term raises ValueError. Each `exclude` entry (normalized too) either
    removes a watch term equal to it, or, when it is no watch term, is a phrase whose
    occurrences do not count: with exclude ``["检察院岗位"]`` the text "检察院岗位押题"
    matches nothing, while any other 检察院 in the same post still matches.
    ASCII letters match in either case.
    """

    def __init__(self, terms: Iterable[str] = DEFAULT_WATCH_TERMS, *, exclude: Iterable[str] = ()):
        wanted = _clean_terms(terms, "watch term")
        excluded = _clean_terms(exclude, "exclude term")
        dropped = {e.lower() for e in excluded}
        self.terms: tuple[str, ...] = tuple(t for t in wanted if t.lower() not in dropped)
        if not self.terms:
            raise ValueError("no watch terms left" + (" after exclusions" if wanted else ""))
        watch_keys = {t.lower() for t in wanted}
        self.exclude_phrases: tuple[str, ...] = tuple(e for e in excluded if e.lower() not in watch_keys)
        # For each term, the terms it contains: a match of 青石县人民检察院 also reports
        # 人民检察院, 检察院 and 检察, which the alternation's longest match swallows.
        by_key = {t.lower(): t for t in self.terms}
        self._found: dict[str, tuple[str, ...]] = {}
        for key, t in by_key.items():
            inner = {key[i:j] for i in range(len(key)) for j in range(i + 1, len(key) + 1)} - {key}
            inner = [k for k in inner if k in by_key and _occurs_inside(k, key)]
            inner.sort(key=lambda k: (key.find(k), -len(k)))
            self._found[key] = (t, *(by_key[k] for k in inner))
        for e in self.exclude_phrases:
            self._found[e.lower()] = ()
        alternatives = sorted(set(self.terms) | set(self.exclude_phrases), key=lambda s: (-len(s), s))
        self._regex = re.compile("|".join(p for a in alternatives for p in _alternatives(a)))
        self._has_exclusions = bool(self.exclude_phrases)
        log.debug("watch list: %d terms, %d exclusion phrases", len(self.terms), len(self.exclude_phrases))

    def match(self, text: str) -> list[str]:
        """The distinct watch terms in a normalized text, in order of first appearance
        (a term found inside a longer matched term comes right after it)."""
        seen: dict[str, None] = {}
        found = self._found
        for m in self._regex.finditer(text):
            for term in found[m.group().lower()]:
                seen[term] = None
        return list(seen)

    def matches(self, text: str) -> bool:
        """Whether a normalized text holds a watch term."""
        if not self._has_exclusions:
            return self._regex.search(text) is not None
        return any(self._found[m.group().lower()] for m in self._regex.finditer(text))

    def __len__(self) -> int:
        return len(self.terms)

    def __repr__(self) -> str:
        return f"WatchList({len(self.terms)} terms, {len(self.exclude_phrases)} exclusion phrases)"
