"""Near-duplicate fingerprints: 64-bit SimHash over tokens, and an index to find earlier copies.

``simhash(tokens)`` returns a 64-bit fingerprint as a *signed* integer in
``[-2**63, 2**63 - 1]``, so it fits an SQLite INTEGER column as is; ``hamming`` and
:class:`NearDupIndex` accept either the signed or the unsigned form of the same bits.

Features, each weighted by its count in the post:

* every character of the words that are not pure ASCII (Chinese is compared character by
  character), and every pure-ASCII word whole (English, numbers: a bag of Latin letters
  would make all English posts look alike);
* each hashed with the first 8 bytes of ``blake2b(feature, digest_size=8)`` (stable across
  processes, platforms and Python versions, unlike ``hash()``).

Why characters and not words or 2-word shingles: a 64-bit fingerprint compared at distance 3
only tolerates changing about 1% of the feature weight, and one edited character changes one
character feature but often two or three words (the segmentation shifts). Measured on the
3,083 distinct texts of ``nlp/corpus`` (about 4.7 million pairs, three hash seeds), with
random edits of the 637 texts of 100+ characters (share found within distance 3):

=====================  ===========  ==================  ====================  ==============
features               pairs <= 3   closest distinct    1 / 2 / 3 chars       1 / 2 words
                                    pair                changed               changed
=====================  ===========  ==================  ====================  ==============
words                  0            8-9                 .58 / .30 / .16       .72 / .57
words + 2-shingles     0            6-9                 .63 / .37 / .23       .68 / .44
words + characters     0            6-8                 .78 / .54 / .39       .81 / .64
characters (chosen)    0            6                   .90 / .75 / .59       .83 / .66
=====================  ===========  ==================  ====================  ==============

Reposts (转发//@name: + the text) are exact copies after cleaning. One changed character in a
text of n characters turns the feature vector by about arccos(1 - 1/n), so the expected
distance is 64 * arccos(1 - 1/n) / pi: about 2.1 for n = 200 and 0.9 for n = 1000. That is
the ceiling of any 64-bit SimHash at distance 3; heavier rewrites are for event clustering.

Before hashing, the tokens are cleaned so that reposts fold onto their source: whitespace,
punctuation and emoji are dropped, ASCII is lower-cased, the repost markers of
:data:`REPOST_MARKERS` (转发, 网页链接, 展开全文 …) are dropped, and so is each ``@name``
mention (the ``@`` and the up to four tokens up to the next ``:``). A post with no features
left has the fingerprint 0.

:class:`NearDupIndex` keeps the last ``max_items`` fingerprints in 4 bands of 16 bits: two
fingerprints within Hamming distance 3 agree on at least one band (pigeonhole), so every
match within distance 3 is found by looking only at the posts that share a band.
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from hashlib import blake2b

import numpy as np

log = logging.getLogger(__name__)

MASK64 = (1 << 64) - 1
BANDS = 4
BAND_BITS = 16

REPOST_MARKERS = frozenset(
    {"转发", "转发微博", "微博", "转", "转载", "回复", "网页链接", "网页", "链接", "展开全文", "展开",
     "收起全文", "全文", "原文", "原微博", "查看图片", "微博视频", "秒拍视频"}
)
"""Tokens of repost and link boilerplate, ignored by :func:`simhash`."""

_MENTION_END = frozenset({":", "：", ",", "，"})
_HAS_WORD_CHAR = re.compile(r"[^\W_]")  # a letter, digit or CJK character; not emoji or punctuation
_U64 = np.dtype("<u8")  # little-endian whatever the machine, so fingerprints are portable
_SKIP, _END, _AT = "", "\x00", "\x01"  # what _clean returns besides a word


@lru_cache(maxsize=1 << 16)
def _feature_hash(feature: str) -> int:
    return int.from_bytes(blake2b(feature.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


@lru_cache(maxsize=1 << 16)
def _clean(token: str) -> str:
    """A token as it counts: the cleaned word, or _SKIP, _END (ends a mention) or _AT."""
    word = token.strip()
    if not word or word in _MENTION_END:
        return _END
    if word[0] in "@＠":
        return _AT if len(word) == 1 else _SKIP
    if word in REPOST_MARKERS or not _HAS_WORD_CHAR.search(word):
        return _SKIP
    return word.lower() if word.isascii() else word


def _words(tokens: Iterable[str]) -> list[str]:
    """The words that count, cleaned (see the module docstring)."""
    cleaned = [_clean(t) if type(t) is str else _SKIP for t in tokens]
    if _AT in cleaned:  # @name: drop the @ and up to 4 tokens, up to the next ":" or space
        kept = []
        skip = 0
        for word in cleaned:
            if skip:
                skip = 0 if word == _END else skip - 1
            elif word == _AT:
                skip = 4
            else:
                kept.append(word)
        cleaned = kept
    return [w for w in cleaned if w > _AT]


_TABLE_LOCK = threading.Lock()
_BMP_TABLE: np.ndarray | None = None


def _bmp_table() -> np.ndarray:
    """Hashes of the 65,536 characters of the Basic Multilingual Plane, built once (~40 ms)."""
    global _BMP_TABLE
    if _BMP_TABLE is None:
        with _TABLE_LOCK:
            if _BMP_TABLE is None:
                raw = b"".join(
                    blake2b(chr(cp).encode("utf-8", "surrogatepass"), digest_size=8).digest()
                    for cp in range(0x10000)
                )
                _BMP_TABLE = np.frombuffer(raw, dtype=_U64)
    return _BMP_TABLE


def _char_hashes(text: str) -> np.ndarray:
    """The feature hash of every character of ``text``, in order."""
    cps = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    table = _bmp_table()
    astral = cps > 0xFFFF
    if not astral.any():
        return table[cps]
    out = table[np.where(astral, 0, cps)]
    out[astral] = [_feature_hash(chr(cp)) for cp in cps[astral].tolist()]
    return out


def _to_signed(u: int) -> int:
    return u - (1 << 64) if u >> 63 else u


_AGGREGATE_ABOVE = 4096  # longer feature lists are counted first, to bound memory


def simhash(tokens: list[str]) -> int:
    """The 64-bit SimHash of ``tokens`` as a signed integer (0 for a post with no words)."""
    words = _words(tokens)
    if not words:
        return 0
    wide = "".join([w for w in words if not w.isascii()])
    ascii_words = [w for w in words if w.isascii()]
    h = _char_hashes(wide)
    if ascii_words:
        h = np.concatenate((h, np.fromiter(map(_feature_hash, ascii_words), dtype=_U64, count=len(ascii_words))))
    total = len(h)
    if total > _AGGREGATE_ABOVE:
        h, counts = np.unique(h, return_counts=True)
        weights = counts.astype(np.float64)
    else:
        weights = np.ones(total)
    bits = np.unpackbits(h.astype(_U64, copy=False).view(np.uint8), bitorder="little").reshape(-1, 64)
    ones = weights @ bits  # weight of the features that have each bit set (exact below 2**53)
    fp = np.packbits(ones + ones > total, bitorder="little").tobytes()
    return _to_signed(int.from_bytes(fp, "little"))


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two fingerprints (signed or unsigned)."""
    return ((a ^ b) & MASK64).bit_count()


class NearDupIndex:
    """Fingerprints of recent posts, to find the earliest earlier post a new one copies.

    ``find(fp)`` returns the id of the closest stored post within ``max_distance``, the
    earliest one on a tie, or None. ``add(post_id, fp)`` stores a post; beyond ``max_items``
    the oldest entries are forgotten (FIFO). Distances up to 3 are always found; a larger
    ``max_distance`` is honoured only for pairs that still share a 16-bit band.
    Memory is about 300 bytes per entry with short ids (60 MB at the default 200,000);
    add and find take a few microseconds. Not thread-safe: use one index per worker or
    guard it with a lock.
    """

    def __init__(self, max_items: int = 200_000, max_distance: int = 3) -> None:
        if max_items < 1:
            raise ValueError(f"max_items must be at least 1, got {max_items}")
        if not 0 <= max_distance <= 64:
            raise ValueError(f"max_distance must be between 0 and 64, got {max_distance}")
        self.max_items = max_items
        self.max_distance = max_distance
        # Ring buffers: the post with sequence number s lives in slot s % max_items.
        self._ids: list[str] = []
        self._fps: list[int] = []  # unsigned fingerprints
        # per band, per 16-bit key: the sequence numbers of the posts with that key, oldest first
        self._bands: list[list[list[int] | None]] = [[None] * (1 << BAND_BITS) for _ in range(BANDS)]
        self._next = 0

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, post_id: str, fp: int) -> None:
        """Store ``post_id`` with fingerprint ``fp``, forgetting the oldest entry if full."""
        u = fp & MASK64
        seq = self._next
        self._next += 1
        if len(self._ids) < self.max_items:
            self._ids.append(post_id)
            self._fps.append(u)
        else:
            slot = seq % self.max_items
            self._unlink(seq - self.max_items, self._fps[slot])
            self._ids[slot] = post_id
            self._fps[slot] = u
        for band in self._bands:
            key = u & 0xFFFF
            bucket = band[key]
            if bucket is None:
                band[key] = [seq]
            else:
                bucket.append(seq)
            u >>= BAND_BITS

    def _unlink(self, seq: int, u: int) -> None:
        """Remove the oldest entry (sequence ``seq``, fingerprint ``u``) from the bands."""
        for band in self._bands:
            key = u & 0xFFFF
            bucket = band[key]
            assert bucket is not None
            if bucket[0] == seq:  # always true: buckets are filled and emptied in order
                del bucket[0]
            else:
                bucket.remove(seq)
            if not bucket:
                band[key] = None
            u >>= BAND_BITS

    def find(self, fp: int) -> str | None:
        """Id of the closest stored post within ``max_distance`` (ties: earliest), or None."""
        u = fp & MASK64
        fps = self._fps
        size = self.max_items
        best_d = self.max_distance + 1
        best_seq = -1
        shifted = u
        for band in self._bands:
            bucket = band[shifted & 0xFFFF]
            shifted >>= BAND_BITS
            if bucket is None:
                continue
            for seq in bucket:  # in insertion order
                d = (fps[seq % size] ^ u).bit_count()
                if d < best_d or (d == best_d and seq < best_seq):
                    if d == 0:  # exact copies share every band: the first one met is the earliest
                        return self._ids[seq % size]
                    best_d, best_seq = d, seq
        return self._ids[best_seq % size] if best_seq >= 0 else None
