"""Readable words for an event: its title and key phrases, and the parts of a repost.

An analyst reads an event by its title and a handful of key phrases, so both must be
clean text: no 转发//@ chains, links, hashtags marks, emoticon codes or emoji.

* :func:`split_repost` cuts a Weibo text such as ``说得对//@张三:理由//@李四:原文……``
  into the reposter's own words (``说得对``) and the original part (the text after the
  last ``//@name:``), which is what a repost is about.
* :func:`make_title` prefers a news or government headline (without the `` - 站点``
  suffix); otherwise it takes the first clean sentence of a post, at most
  :data:`TITLE_MAX` characters, cut at a comma when it can.
* :func:`key_phrases` ranks an event's term weights, keeps words of two or more
  characters that are not watch terms (every post has one, so they tell nothing), drops
  a word contained in a better one (公车 under 公车私用), and writes a place name with the
  administrative suffix the posts use (青石 → 青石县).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping

from nlp.normalize import EMOTICON

log = logging.getLogger(__name__)

TITLE_MAX = 30
"""Longest title, in characters (a cut title ends with …)."""

REPOST_LINK = re.compile(r"//\s*@([^:：/\s]{1,30})\s*[:：]")
"""One link of a Weibo repost chain: ``//@name:``."""

_REPLY = re.compile(r"^\s*回复\s*@[^:：\s]{1,30}\s*[:：]")
_BOILERPLATE = re.compile(r"转发微博|轉發微博|Repost|网页链接|展开全文|收起全文|查看图片|O网页链接|\S{0,20}的微博视频")
_URL = re.compile(r"(?:https?://|www\.)[\x21-\x7e]+"
                  r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:cn|com|net|org)(?:/[\x21-\x7e]*)?", re.I)
_HASHTAG = re.compile(r"#([^#\n]{1,40})#")
_MENTION = re.compile(r"@[\w\u4e00-\u9fff-]{1,30}")
_EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D]")
_LEAD_BRACKET = re.compile(r"^\s*【([^】]{4,60})】")
_SENTENCE_END = re.compile(r"[。！？!?\n；;]+")
_TITLE_SUFFIX = re.compile(r"\s*(?:[-_|｜–—]+|——)\s*[^-_|｜–—]{1,16}$")
_SPACES = re.compile(r"\s+")
_EDGE_PUNCT = "，,、：:；;。！!？?…—-~～·\"“”'‘’（）() 　"
_COMMA = re.compile(r"[，,、：:]")

HASHTAG_TITLE = 8
"""A hashtag this long (#青石县副检察长公车接送孩子#) names the story and becomes the title."""

ADMIN_SUFFIXES = "省市县区镇乡村州旗"
"""Suffixes written after a place name (青石县); key phrases show them when posts do."""


def split_repost(text: str) -> tuple[str, str]:
    """(own words, original part) of a post. For a text without a ``//@`` chain the
    original part is the whole text; a repost with no words of its own (转发微博) has
    an empty own part."""
    text = _REPLY.sub("", text)
    links = list(REPOST_LINK.finditer(text))
    if not links:
        return "", text
    own = _BOILERPLATE.sub("", text[:links[0].start()]).strip(_EDGE_PUNCT)
    # the original part: the last link's text, or an earlier one when the last is empty
    ends = [m.end() for m in links]
    starts = [m.start() for m in links[1:]] + [len(text)]
    for begin, end in reversed(list(zip(ends, starts))):
        part = text[begin:end].strip()
        if _BOILERPLATE.sub("", part).strip(_EDGE_PUNCT):
            return own, part
    return own, ""


def clean_text(text: str) -> str:
    """A post's text as a reader wants it in a title: the original part of a repost,
    without links, hashtag marks, mentions, emoticon codes, emoji or boilerplate."""
    own, original = split_repost(text)
    text = original or own
    text = _URL.sub(" ", text)
    text = _BOILERPLATE.sub(" ", text)
    text = EMOTICON.sub("", text)
    text = _EMOJI.sub("", text)
    text = _MENTION.sub("", text)
    return _SPACES.sub(" ", text).strip()


_PAIRS = {"“": "”", "‘": "’", "（": "）", "(": ")", "《": "》", "「": "」", "【": "】"}
_CLOSERS = {v: k for k, v in _PAIRS.items()}


def _trim(text: str) -> str:
    """Edge punctuation off, except a quote or bracket whose partner stays inside
    (“我是检察院的”，夜市摊主被推倒 keeps its opening quote)."""
    core = text.strip(_EDGE_PUNCT)
    if not core:
        return core
    i = len(text) - len(text.lstrip(_EDGE_PUNCT))
    j = i + len(core)
    if i > 0 and text[i - 1] in _PAIRS and _PAIRS[text[i - 1]] in core:
        core = text[i - 1] + core
    if j < len(text) and text[j] in _CLOSERS and _CLOSERS[text[j]] in core:
        core += text[j]
    return core


def _cut(sentence: str, limit: int = TITLE_MAX) -> str:
    """At most ``limit`` characters: whole, else up to the last comma that keeps at
    least half of it, else cut with an ellipsis."""
    sentence = _trim(sentence)
    if len(sentence) <= limit:
        return sentence
    head = sentence[:limit]
    commas = [m.start() for m in _COMMA.finditer(head)]
    if commas and commas[-1] >= limit // 2:
        return _trim(head[:commas[-1]])
    return head[:limit - 1].rstrip(_EDGE_PUNCT) + "…"


def headline(title: str) -> str:
    """A news headline without the site suffix (``…回应_云州日报`` → ``…回应``)."""
    title = _SPACES.sub(" ", EMOTICON.sub("", title)).strip()
    bare = _TITLE_SUFFIX.sub("", title)
    return _cut(bare if len(bare) >= 8 else title)


def sentence_title(text: str) -> str:
    """A short clean sentence from a post: a lead 【…】 headline, else a hashtag of
    :data:`HASHTAG_TITLE` or more characters, else the first sentence of six or more
    characters without hashtags (a post that is only short hashtags reads as their words)."""
    cleaned = clean_text(text)
    lead = _LEAD_BRACKET.match(cleaned)
    if lead:
        return _cut(lead.group(1))
    tags = [m.group(1).strip() for m in _HASHTAG.finditer(cleaned)]
    named = [t for t in tags if len(t) >= HASHTAG_TITLE]
    if named:  # a long hashtag is how Weibo names the story
        return _cut(named[0])
    body = _HASHTAG.sub(" ", cleaned).replace("#", " ")
    pieces = [_trim(p) for p in _SENTENCE_END.split(body)]
    for piece in pieces:
        if len(piece) >= 6:
            return _cut(_SPACES.sub(" ", piece))
    if tags:
        return _cut(" ".join(tags))
    short = " ".join(p for p in pieces if p)
    return _cut(short or cleaned.replace("#", " "))


def make_title(news_title: str, first_text: str) -> str:
    """The event's title: the headline of its first news or government post when it has
    one, else a sentence of its first post."""
    if news_title:
        title = headline(news_title)
        if title:
            return title
    return sentence_title(first_text) or "（无标题）"


def key_phrases(weights: Mapping[str, float], exclude: Iterable[str] = (), k: int = 8,
                texts: Iterable[str] = ()) -> list[str]:
    """The ``k`` most telling phrases of ``weights`` (term → weight), best first.

    Skipped: single characters, terms in ``exclude`` (the watch terms), and a term
    inside a better-ranked one or holding one (公车 after 公车私用: the pair says one
    thing). Words of three or more characters get a small bonus, because they are
    usually names and compound terms. ``texts`` (a few distinct texts of the event) join
    two good words the texts write together (实验 + 小学 → 实验小学, when more than half
    the uses of each are together, at least twice) and let a place name show its
    administrative suffix (青石 → 青石县 when the texts write 青石县).
    """
    skip = set(exclude)
    good = {t: w * (1.15 if len(t) >= 3 else 1.0) for t, w in weights.items()
            if len(t) >= 2 and t not in skip and w > 0}
    sample = "\n".join(texts)
    if sample:
        top = sorted(good, key=good.__getitem__, reverse=True)[:k + 4]
        counts = {t: sample.count(t) for t in top}
        twice = [t for t in top if counts[t] >= 2]  # a pair seen twice needs each word twice
        for a in twice:
            for b in twice:
                if a != b:
                    n = sample.count(a + b)
                    if n >= 2 and 2 * n > max(counts[a], counts[b]):
                        good[a + b] = good[a] + good[b]
    ranked = sorted(((w, t) for t, w in good.items()), reverse=True)
    chosen: list[str] = []
    for _, term in ranked:
        if any(term in c or c in term for c in chosen):
            continue
        chosen.append(_with_suffix(term, sample))
        if len(chosen) >= k:
            break
    return chosen


def _with_suffix(term: str, sample: str) -> str:
    """``term`` followed by the administrative suffix the sample writes after it most,
    when it does so for at least half of the term's uses."""
    if not sample or not term or term[-1] in ADMIN_SUFFIXES:
        return term
    uses = 0
    after: dict[str, int] = {}
    at = sample.find(term)
    while at >= 0:
        uses += 1
        nxt = sample[at + len(term):at + len(term) + 1]
        if nxt and nxt in ADMIN_SUFFIXES:
            after[nxt] = after.get(nxt, 0) + 1
        at = sample.find(term, at + len(term))
    if not after:
        return term
    suffix, seen = max(after.items(), key=lambda kv: (kv[1], -ADMIN_SUFFIXES.index(kv[0])))
    return term + suffix if seen * 2 >= uses else term
