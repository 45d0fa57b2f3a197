"""Word segmentation of normalized text: `tokenize`, `tokenize_for_model`, `segment_query`.

Segmentation is rjieba (the Rust port of jieba, with jieba's dictionary and HMM for
unknown words) plus the domain user dictionary `nlp/data/userdict.txt` (jieba's user
dictionary format, ``word freq tag`` a line), loaded once on first use. rjieba cannot
read a user dictionary file, so each entry goes in with ``add_word(word, freq, tag)``;
python jieba loading the same file segments the same way (tests/nlp check this).

What `tokenize` returns:

- words as jieba cuts them, ASCII letters lower-cased (``Weibo`` → ``weibo``);
  one-character words (不, 没, 赞) are kept; numbers stay whole (12309, 12.6);
- an emoticon code such as ``[怒]`` or ``[doge]`` as one token;
- the words inside a hashtag (``#青石检察#`` → the tokens of 青石检察; ``#`` is a separator);
- emoji as tokens of their own;
- no whitespace and no punctuation or symbol tokens, except that ``?``/``？`` and
  ``!``/``！`` are kept, as ``?`` and ``!``: questions and exclamations carry stance
  ("不起诉？？？") and the tagger uses them.

`segment_query` cuts a search query the same way, so a query word matches the index,
and drops ``?`` and ``!`` as well. `subwords` lists the dictionary words inside long
tokens (检察院 in 人民检察院) for a search index that wants them found too.
"""
from __future__ import annotations

import logging
import threading
import unicodedata
from pathlib import Path
from typing import Iterable

from .normalize import EMOTICON, normalize

log = logging.getLogger(__name__)

USER_DICT = Path(__file__).parent / "data" / "userdict.txt"

_lock = threading.Lock()
_jieba = None
_cache: dict[str, str] = {}   # token as cut → token as returned ("" = dropped)
_CACHE_MAX = 200_000
_subword_cache: dict[str, tuple[str, ...]] = {}
_SUBWORD_MAX = 16
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_STANCE = {"?": "?", "？": "?", "!": "!", "！": "!"}


def read_user_dict(path: Path | str = USER_DICT) -> list[tuple[str, int | None, str | None]]:
    """(word, freq, tag) of each line of a jieba user dictionary; freq and tag may be
    missing. Raises ValueError naming the line on a malformed one."""
    entries = []
    with open(path, encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            parts = line.split()
            if not parts:
                continue
            word, freq, tag = parts[0], None, None
            rest = parts[1:]
            if rest and rest[0].isascii() and rest[0].isdigit():
                freq = int(rest.pop(0))
            if rest and rest[0].isalpha() and rest[0].isascii():
                tag = rest.pop(0)
            if rest:
                raise ValueError(f"{path}:{no}: expected 'word [freq] [tag]', got {line.strip()!r}")
            entries.append((word, freq, tag))
    return entries


def _segmenter():
    """The rjieba instance with the user dictionary, made once."""
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import rjieba

                seg = rjieba.Jieba()
                entries = read_user_dict(USER_DICT)
                for word, freq, tag in entries:
                    seg.add_word(word, freq, tag)
                log.debug("rjieba loaded with %d user dictionary words", len(entries))
                _jieba = seg
    return _jieba


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return 0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x2B00 <= cp <= 0x2BFF


def _clean(token: str) -> str:
    """The token as returned, or "" to drop it."""
    stance = _STANCE.get(token)
    if stance:
        return stance
    if token.isspace():
        return ""
    if all(unicodedata.category(c)[0] in "PSZC" and not _is_emoji(c) for c in token):
        return ""   # punctuation, symbols, stray separators and controls
    return token.translate(_ASCII_LOWER) if not token.islower() else token


def _merge_emoticons(words: list[str]) -> list[str]:
    """Join "[", "允", "悲", "]" back into "[允悲]". Brackets are not word characters to
    jieba, so what it cut between them is exactly the code's inside."""
    out: list[str] = []
    i, n = 0, len(words)
    while i < n:
        if words[i] == "[":
            j = i + 1
            while j < n and j - i <= 8 and words[j] not in ("[", "]"):
                j += 1
            if j < n and words[j] == "]":
                code = "".join(words[i:j + 1])
                if EMOTICON.fullmatch(code):
                    out.append(code)
                    i = j + 1
                    continue
        out.append(words[i])
        i += 1
    return out


def segment_with(text: str, cut) -> list[str]:
    """`tokenize` with another cutting function (``str -> list[str]``). Lets the tests
    run python jieba through exactly the same steps as rjieba."""
    if not text:
        return []
    if "#" in text:
        text = text.replace("#", " ")
    words = cut(text)
    if "[" in text:
        words = _merge_emoticons(words)
    cache = _cache
    cleaned = list(map(cache.get, words))
    if None in cleaned:
        if len(cache) > _CACHE_MAX:
            cache.clear()
        for i, c in enumerate(cleaned):
            if c is None:
                cleaned[i] = cache[words[i]] = _clean(words[i])
    return [c for c in cleaned if c]


def tokenize(text: str) -> list[str]:
    """Tokens of a normalized text (see the module docstring)."""
    return segment_with(text, _segmenter().cut)


def tokenize_for_model(text: str) -> list[str]:
    """The tokenizer the tagger's scikit-learn pipeline names (pickles keep it by name).

    The same tokens as `tokenize` for a normalized text; it normalizes first (a cheap
    no-op on normalized text, since normalize is idempotent) so that a text that
    skipped normalization still gets the tokens the model was trained on.
    """
    return tokenize(normalize(text))


def subwords(tokens: Iterable[str]) -> list[str]:
    """Dictionary words inside longer tokens, distinct, in order of appearance:
    ``["提起", "行政公益诉讼"]`` → ``["行政", "公益", "诉讼", "公益诉讼"]``.

    The user dictionary keeps terms such as 行政公益诉讼 and 人民检察院 whole, so the
    query word 公益诉讼 or 检察院 is not one of their tokens. A search index that also
    indexes these sub-words (best in a column of their own, so phrase adjacency of the
    tokens is kept) finds them. Tokens longer than 16 characters are skipped.
    """
    seg = _segmenter()
    found: dict[str, None] = {}
    for token in tokens:
        n = len(token)
        if n < 3 or n > _SUBWORD_MAX:
            continue
        subs = _subword_cache.get(token)
        if subs is None:
            subs = tuple(token[i:j] for i in range(n) for j in range(i + 2, n + 1)
                         if j - i < n and seg.has_word(token[i:j]))
            if len(_subword_cache) >= _CACHE_MAX:
                _subword_cache.clear()
            _subword_cache[token] = subs
        for s in subs:
            found[s] = None
    return list(found)


def segment_query(text: str) -> list[str]:
    """Words of a search query, cut like the index: normalized, segmented as `tokenize`
    does, without ``?`` and ``!``."""
    return [t for t in tokenize(normalize(text)) if t not in ("?", "!")]
