"""The tagger's feature step: word and character n-grams, TF-IDF weighted, fast on one core.

Words: unigrams and bigrams of our segmentation, looked up in a vocabulary learnt at fit.
Characters: 1- to 3-grams of the normalized text, hashed into a fixed number of columns
with vectorized NumPy arithmetic (no Python loop per n-gram), which survive typos,
abbreviations and words the dictionary does not know.

Both get sublinear TF, IDF learnt at fit (features seen in fewer than `min_df` training
posts are dropped), and each block is L2-normalized, as scikit-learn's TfidfVectorizer
does. It is a scikit-learn transformer, so it sits in a Pipeline; `transform_tokens`
takes tokens the caller already has (the ingest chain tokenizes once for the index).
"""
from __future__ import annotations

from itertools import chain, repeat
from typing import Callable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

from .tokenize import tokenize_for_model

_SEP = 0          # code point that separates documents in a batch
_BIGRAM = "\x01"  # joins the two words of a bigram in the vocabulary
_MIX = np.uint64(0x9E3779B97F4A7C15)


class TextFeatures(BaseEstimator, TransformerMixin):
    def __init__(self, tokenizer: Callable[[str], list[str]] = tokenize_for_model, word_bigrams: bool = True,
                 char_ngrams: tuple[int, int] = (1, 3), char_bits: int = 20, min_df: int = 2,
                 word_min_df: int = 1):
        self.tokenizer = tokenizer
        self.word_bigrams = word_bigrams
        self.char_ngrams = char_ngrams
        self.char_bits = char_bits
        self.min_df = min_df
        self.word_min_df = word_min_df

    # -- fitting ------------------------------------------------------------------
    def fit(self, texts: Sequence[str], y=None, tokens: Sequence[list[str]] | None = None):
        tokens = tokens if tokens is not None else [self.tokenizer(t) for t in texts]
        df: dict[str, int] = {}
        for toks in tokens:
            for w in set(self._words(toks)):
                df[w] = df.get(w, 0) + 1
        words = sorted(w for w, n in df.items() if n >= self.word_min_df)
        self.vocabulary_ = {w: i for i, w in enumerate(words)}
        n = len(texts)
        wdf = np.array([df[w] for w in words], dtype=np.float64)
        self.word_idf_ = (np.log((1 + n) / (1 + wdf)) + 1).astype(np.float32)
        counts = self._char_counts(texts)
        cdf = np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.float64)
        idf = np.log((1 + n) / (1 + cdf)) + 1
        idf[cdf < self.min_df] = 0.0  # rare n-grams carry noise, and unseen buckets nothing
        self.char_idf_ = idf.astype(np.float32)
        return self

    # -- transforming ----------------------------------------------------------------
    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.transform_tokens(texts, [self.tokenizer(t) for t in texts])

    def transform_tokens(self, texts: Sequence[str], tokens: Sequence[list[str]]) -> sp.csr_matrix:
        words = _tfidf(self._word_counts(tokens), self.word_idf_)
        chars = _tfidf(self._char_counts(texts), self.char_idf_)
        return sp.hstack([words, chars], format="csr", dtype=np.float32)

    def _words(self, toks: list[str]) -> list[str]:
        if not self.word_bigrams or len(toks) < 2:
            return list(toks)
        return list(toks) + [a + _BIGRAM + b for a, b in zip(toks, toks[1:])]

    def _word_counts(self, tokens: Sequence[list[str]]) -> sp.csr_matrix:
        vocab = self.vocabulary_
        bits = max(1, len(vocab).bit_length())
        if self.word_bigrams:
            tokens = [self._words(toks) for toks in tokens]
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        ids = np.fromiter(map(vocab.get, chain.from_iterable(tokens), repeat(-1)), dtype=np.int64,
                          count=int(lengths.sum()))
        rows = np.repeat(np.arange(len(tokens), dtype=np.int64), lengths)
        known = ids >= 0
        return _count_keys((rows[known] << bits) | ids[known], len(tokens), bits, len(vocab))

    def _char_counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Counts of hashed character n-grams, one row per text, built for the whole batch at once."""
        bits = self.char_bits
        width = 1 << bits
        if not texts:
            return sp.csr_matrix((0, width), dtype=np.float32)
        joined = "\x00".join(t.replace("\x00", " ") for t in texts) + "\x00"
        cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        is_sep = cps == _SEP
        seps_before = np.concatenate(([0], np.cumsum(is_sep)))
        row_bits = (seps_before[:-1] << bits).astype(np.uint64)  # each position's text, in the key's high bits
        mask = np.uint64(width - 1)
        keys = []
        lo, hi = self.char_ngrams
        length = len(cps)
        for n in range(lo, hi + 1):
            m = length - n + 1
            if m < 1:
                break
            ok = (seps_before[n:n + m] - seps_before[:m]) == 0  # no separator inside
            h = np.full(m, np.uint64(n), dtype=np.uint64)
            for k in range(n):
                h *= _MIX
                h ^= cps[k:m + k]
            h ^= h >> np.uint64(29)
            h *= _MIX
            h ^= h >> np.uint64(32)
            h &= mask
            h |= row_bits[:m]
            keys.append(h[ok])
        return _count_keys(np.concatenate(keys), len(texts), bits, width)


def _count_keys(keys: np.ndarray, n_rows: int, bits: int, width: int) -> sp.csr_matrix:
    """A CSR matrix of counts (float32, sorted indices) from keys ``row << bits | column``,
    one per occurrence. Keys that fit in 32 bits are sorted by two stable passes over
    their 16-bit halves (NumPy sorts 16-bit integers by radix), several times faster
    than scipy's sum_duplicates on a batch; larger ones (fitting on many texts) by np.sort."""
    if n_rows << bits <= 1 << 32:
        keys = keys.astype(np.uint32)
        keys = keys[np.argsort(keys.astype(np.uint16), kind="stable")]
        keys = keys[np.argsort((keys >> np.uint32(16)).astype(np.uint16), kind="stable")]
    else:
        keys = np.sort(keys.astype(np.uint64))
    first = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(keys))).astype(np.float32)
    unique = keys[starts].astype(np.int64)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(unique >> bits, minlength=n_rows), out=indptr[1:])
    m = sp.csr_matrix((counts, (unique & ((1 << bits) - 1)).astype(np.int32), indptr), shape=(n_rows, width))
    m.has_sorted_indices = True
    return m


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear TF times IDF, rows L2-normalized (in place on `counts`)."""
    m = counts
    data = (1.0 + np.log(m.data, dtype=np.float32)) * idf[m.indices]
    sq = np.square(data)
    lengths = np.diff(m.indptr)
    sums = np.zeros(m.shape[0], dtype=np.float32)
    nonempty = lengths > 0
    sums[nonempty] = np.add.reduceat(sq, m.indptr[:-1][nonempty]) if sq.size else 0
    norms = np.sqrt(sums)
    norms[norms == 0] = 1.0
    m.data = (data / np.repeat(norms, lengths)).astype(np.float32)
    m.eliminate_zeros()
    return m
