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
        get = vocab.get
        indptr = [0]
        indices: list[int] = []
        for toks in tokens:
            ids = [i for i in map(get, self._words(toks)) if i is not None]
            indices.extend(ids)
            indptr.append(len(indices))
        data = np.ones(len(indices), dtype=np.float32)
        m = sp.csr_matrix((data, np.array(indices, dtype=np.int32), np.array(indptr, dtype=np.int64)),
                          shape=(len(tokens), len(vocab)))
        m.sum_duplicates()
        return m

    def _char_counts(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Counts of hashed character n-grams, one row per text, built for the whole batch at once."""
        width = 1 << self.char_bits
        if not texts:
            return sp.csr_matrix((0, width), dtype=np.float32)
        joined = "\x00".join(t.replace("\x00", " ") for t in texts) + "\x00"
        cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        is_sep = cps == _SEP
        doc = np.cumsum(is_sep) - is_sep  # document index of each position
        seps_before = np.concatenate(([0], np.cumsum(is_sep)))
        rows, cols = [], []
        lo, hi = self.char_ngrams
        length = len(cps)
        for n in range(lo, hi + 1):
            if length < n:
                break
            starts = np.arange(length - n + 1)
            ok = (seps_before[starts + n] - seps_before[starts]) == 0  # no separator inside
            h = np.full(length - n + 1, np.uint64(n), dtype=np.uint64)
            for k in range(n):
                h = (h * _MIX) ^ cps[k:length - n + 1 + k]
            h ^= h >> np.uint64(29)
            h *= _MIX
            h ^= h >> np.uint64(32)
            rows.append(doc[:length - n + 1][ok])
            cols.append((h[ok] & np.uint64(width - 1)).astype(np.int64))
        r = np.concatenate(rows)
        c = np.concatenate(cols)
        m = sp.csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=(len(texts), width))
        m.sum_duplicates()
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
