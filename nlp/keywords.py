"""Keywords of a post: TF-IDF over its tokens, with the IDF table that jieba ships.

``keywords(tokens)`` scores each kept token by ``count × idf`` and returns the best ``k``,
best first; equal scores keep the order of first occurrence, so the result is deterministic.

* IDF: ``jieba/analyse/idf.txt`` (about 270,000 words), read once on first use without
  importing jieba. A word it does not know gets the median IDF, as in ``jieba.analyse``.
* Kept tokens: whitespace is stripped and ASCII letters are lower-cased; dropped are the
  stopwords of ``nlp/data/stopwords.txt`` (function words, reporting and social-media filler
  such as 转发/网页链接/展开全文), tokens without a letter or CJK character (punctuation,
  emoji, bare numbers, except the hotlines in :data:`KEEP_NUMBERS`), numbers with a unit
  (2024年, 十余万元), single characters other than :data:`KEEP_SINGLE`, links and domains, and tokens
  longer than :data:`MAX_TOKEN_LEN` characters.
"""
from __future__ import annotations

import heapq
import importlib.util
import logging
import re
import threading
from collections import Counter
from functools import lru_cache
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

KEEP_SINGLE = frozenset("案罪刑狱诉判审检警法贪腐贿毒赌枪黑恶骗盗抢杀死伤奸拐冤逃税债房车钱官医药矿火爆")
"""Single characters that carry meaning in procuratorate news and are kept."""

KEEP_NUMBERS = frozenset({"12309", "12345", "12315", "12388", "12348", "110"})
"""Numbers kept as keywords: the procuratorate and government hotlines."""

MAX_TOKEN_LEN = 30

_NUMBER_WITH_UNIT = re.compile(
    r"[\d０-９.,，．%％:：/\-]*[\d０-９]+[\d０-９.,，．%％:：/\-]*"
    r"[年月日号时分秒点个万亿元岁名人次天周件起米吨亩斤后多余]*"
    r"|[零〇一二三四五六七八九十百千万亿两几余多]+[年月日号时分秒点个元岁名人次天周件起]?"
)

_URLISH = re.compile(r"://|^www\.|[a-z0-9]\.[a-z]{2,}")  # links and bare domains (t.cn, weibo.com)

_LOCK = threading.Lock()
_TABLE: tuple[dict[str, float], float] | None = None
_STOPWORDS: frozenset[str] | None = None


def _idf_path() -> Path:
    spec = importlib.util.find_spec("jieba")  # locates the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("jieba is not installed; it provides the IDF table (jieba/analyse/idf.txt)")
    return Path(next(iter(spec.submodule_search_locations))) / "analyse" / "idf.txt"


def idf_table() -> tuple[dict[str, float], float]:
    """The IDF table and its median, loaded once (thread-safe)."""
    global _TABLE
    if _TABLE is None:
        with _LOCK:
            if _TABLE is None:
                idf: dict[str, float] = {}
                with _idf_path().open(encoding="utf-8") as f:
                    for line in f:
                        word, _, value = line.rstrip("\n").rpartition(" ")
                        if word:
                            idf[word] = float(value)
                values = sorted(idf.values())
                median = values[len(values) // 2] if values else 1.0
                log.debug("IDF table loaded: %d words, median %.3f", len(idf), median)
                _TABLE = (idf, median)
    return _TABLE


def stopwords() -> frozenset[str]:
    """The shipped stopword list (lower-cased), loaded once."""
    global _STOPWORDS
    if _STOPWORDS is None:
        text = resources.files("nlp").joinpath("data", "stopwords.txt").read_text(encoding="utf-8")
        words = set()
        for line in text.splitlines():
            if not line.startswith("#"):
                words.update(w.lower() for w in line.split())
        _STOPWORDS = frozenset(words)
    return _STOPWORDS


@lru_cache(maxsize=100_000)
def _canonical(token: str) -> str | None:
    """The form a token is counted under, or None when it is not keyword material."""
    word = token.strip()
    if not word or len(word) > MAX_TOKEN_LEN:
        return None
    if word.isascii():
        word = word.lower()
    if word in KEEP_NUMBERS:
        return word
    if word in stopwords():
        return None
    if len(word) == 1:
        return word if word in KEEP_SINGLE else None
    if not any(ch.isalpha() for ch in word):  # punctuation, emoji, bare numbers
        return None
    if _NUMBER_WITH_UNIT.fullmatch(word) or _URLISH.search(word):
        return None
    return word


@lru_cache(maxsize=100_000)
def _weighed(token: str) -> tuple[str, float] | None:
    """A token's counted form and its IDF, or None when it is not keyword material."""
    word = _canonical(token)
    if word is None:
        return None
    idf, median = idf_table()
    return word, idf.get(word, median)


def keywords(tokens: list[str], k: int = 8) -> list[str]:
    """The ``k`` best TF-IDF keywords of ``tokens``, best first (ties: first occurrence).

    Items that are not strings are ignored.
    """
    if k <= 0 or not tokens:
        return []
    idf_table()  # loaded on the first call, whatever the tokens are (the chain warms up with it)
    counts: dict[str, int] = {}
    idfs: dict[str, float] = {}
    for token, n in Counter(tokens).items():  # Counter keeps first-occurrence order
        if type(token) is not str:
            continue
        weighed = _weighed(token)
        if weighed is not None:
            word, idfs[word] = weighed
            counts[word] = counts.get(word, 0) + n
    scores = {word: n * idfs[word] for word, n in counts.items()}
    # nlargest is sorted(..., reverse=True)[:k]: stable, so equal scores keep their order
    return heapq.nlargest(k, scores, key=scores.__getitem__)
