"""Online event clustering: each relevant post joins, as it arrives, the event it tells.

One event is one story across sites and platforms: the original, its 转发//@ reposts,
news rewrites, quotes and comments. A post is matched in this order, first hit wins:

1. ``post.dup_of`` (set by ingest when the post nearly copies a stored one): the event of
   that post, when the clusterer holds it;
2. SimHash: an event holding a fingerprint within ``max_hamming`` bits of the post's, or
   of the original part of a repost (the text after the last ``//@name:``);
3. TF-IDF cosine of the post's terms against the bounded centroid of each candidate
   event, candidates found through an inverted index of the centroids' terms; among the
   events at or above ``similarity`` the best wins, bigger ones slightly favoured;
4. otherwise the post starts an event, ``"ev-" + post.id``, so workers agree on ids.

Term weights come from the stream itself: a term's document frequency is the number of
live events whose centroid holds it (the length of its posting list), so words every
story uses (检察院, 回应) weigh little while the words of one big story do not lose
weight as it grows; jieba's general-language IDF tempers words such as 发现 or 终于
while the stream is young, and :attr:`ClusterConfig.common_terms` start as if common.

Two rules keep stories of different places apart, as template-like news from two
counties reads alike: a match resting mostly on one place name is scaled down, and a post
that names places, none of which an event names, does not join it by similarity.
Place names are learnt from the stream (a rare word before 县/市/区…, or ending in one).

A story whose first posts tell different sides of it can start twice. When a post
matches two events, or as an event grows, the two are compared by their centroids and
the smaller is folded into the bigger (``fold_similarity``): it keeps its posts, takes no
new ones, and ``Event.merged_into`` names the event that goes on.

Memory is bounded by the window: :meth:`Clusterer.expire` drops events whose last post
is older than it, with their centroids, fingerprints and post ids. Decisions depend on
the clusterer's own stream only and ties break the same way in every process. Not
thread-safe: one clusterer per worker.
"""
from __future__ import annotations

import heapq
import logging
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from indexer.post import SHANGHAI, Post
from nlp.errors import ConfigError
from nlp.simhash import MASK64, simhash
from nlp.tokenize import subwords, tokenize
from nlp.watch import DEFAULT_WATCH_TERMS

from .model import Event, PostRef
from .phrases import ADMIN_SUFFIXES, REPOST_LINK, split_repost
from .summary import FIRST_TEXT_CHARS, Notes, count_in, pick_samples, refresh_phrases
from .terms import COMMON_TERMS, PLACE_RARITY, background, known_term, term_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClusterConfig:
    """How posts are grouped into events. Each knob trades recall for precision or speed."""

    window: timedelta = timedelta(hours=72)  # an event takes new posts while its last post is this recent
    similarity: float = 0.22       # cosine on TF-IDF vectors at which a post joins an event
    max_word_share: float = 2 / 3  # a match resting more than this on one word (a place name) is scaled down
    max_hamming: int = 3           # SimHash distance that means near-duplicate (up to 3 always found)
    centroid_terms: int = 128      # terms an event's vector keeps (it may grow to twice this between prunes)
    post_terms: int = 40           # a post is compared by its best terms only (long articles stay on topic)
    query_terms: int = 12          # best post terms used to look up candidate events
    max_candidates: int = 8        # candidate events scored exactly per post
    max_postings: float = 0.02     # a term held by more than this share of live events (and 50) is
    #                                too common to look candidates up by
    prior_events: int = 20         # pseudo-events in the IDF: smooths weights while the stream is young
    common_terms: frozenset[str] = COMMON_TERMS  # terms the pseudo-events all hold
    background: float = 1.0        # exponent of the general-language IDF factor (0: stream statistics only)
    subword_weight: float = 0.5    # weight of 公车 inside 公车私用, so rewrites with either match
    fold_similarity: float = 0.25  # centroid cosine at which two events one post joins are one story
    place_conflict: float = 0.0    # similarity × this when a post (or event) names places and the event
    #                                names others: another county's story told in the same words
    size_bonus: float = 0.02       # between events a post matches, bigger ones win: + this × ln(size)
    samples: int = 8               # representative posts kept per event
    phrases: int = 8               # key phrases per event
    excluded_phrases: frozenset[str] = frozenset(DEFAULT_WATCH_TERMS)  # never key phrases

    def __post_init__(self) -> None:
        for name in ("common_terms", "excluded_phrases"):  # a list from a settings file is fine
            value = getattr(self, name)
            if not isinstance(value, frozenset):
                if isinstance(value, str) or not all(isinstance(t, str) for t in value):
                    raise ConfigError(f"{name} must be a list of words, got {value!r}")
                object.__setattr__(self, name, frozenset(value))
        if self.window <= timedelta(0):
            raise ConfigError(f"window must be positive, got {self.window}")
        if not 0.0 < self.similarity <= 1.0:
            raise ConfigError(f"similarity must be in (0, 1], got {self.similarity}")
        if not 0.0 < self.max_word_share < 1.0:
            raise ConfigError(f"max_word_share must be in (0, 1), got {self.max_word_share}")
        if not 0 <= self.max_hamming <= 64:
            raise ConfigError(f"max_hamming must be between 0 and 64, got {self.max_hamming}")
        if not 0.0 < self.max_postings <= 1.0:
            raise ConfigError(f"max_postings must be in (0, 1], got {self.max_postings}")
        for name in ("centroid_terms", "post_terms", "query_terms", "max_candidates", "samples"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be at least 1, got {getattr(self, name)}")


@dataclass
class _State:
    """What the clusterer keeps beside an event and does not store."""
    mass: dict[str, float] = field(default_factory=dict)  # centroid: summed unit term vectors (no IDF)
    fps: set[int] = field(default_factory=set)             # unsigned fingerprints of its posts
    norm2: float = 0.0                                     # squared norm of mass × IDF, kept up to date
    norm_at: int = -1                                      # add counter at its last full computation
    norm_n: int = 0                                        # live events then
    places: tuple[str, ...] | None = None                  # its main place names (None: to compute)
    notes: Notes = field(default_factory=Notes)            # what its summary is drawn from


class _Fingerprints:
    """Fingerprints of live events in 4 bands of 16 bits: two within distance 3 share a band."""

    def __init__(self) -> None:
        self._bands: list[dict[int, dict[int, str]]] = [{} for _ in range(4)]

    def add(self, u: int, event_id: str) -> None:
        for i, band in enumerate(self._bands):
            band.setdefault((u >> (16 * i)) & 0xFFFF, {})[u] = event_id

    def remove(self, u: int, event_id: str) -> None:
        for i, band in enumerate(self._bands):
            key = (u >> (16 * i)) & 0xFFFF
            bucket = band.get(key)
            if bucket and bucket.get(u) == event_id:
                del bucket[u]
                if not bucket:
                    del band[key]

    def find(self, u: int, max_distance: int) -> list[tuple[int, str]]:
        """(distance, event id) of the fingerprints within ``max_distance``, closest first."""
        found: dict[str, int] = {}
        for i, band in enumerate(self._bands):
            for v, eid in band.get((u >> (16 * i)) & 0xFFFF, {}).items():
                d = (u ^ v).bit_count()
                if d <= max_distance and d < found.get(eid, 65):
                    found[eid] = d
        return sorted((d, eid) for eid, d in found.items())


CANDIDATE_SHARE = 0.25
"""A candidate event is scored only if it holds at least this share of what the best
candidate holds of the post's query words (squared weights): in the benchmark the event
a post joined held less than that in under 1 case in 200."""

TWIN_CANDIDATES = 3
"""Events compared, centroid to centroid, when a growing event looks for its twin."""

NORM_REFRESH = 5000
"""Adds after which an event's norm is computed afresh with the current IDF."""


class _IDF(dict):
    """IDF of terms at one moment, each computed on first use.

    A term's document frequency is the number of live events whose centroid holds it,
    smoothed by ``prior_events`` pseudo-events that hold the common terms; the result is
    multiplied by the general-language factor of :func:`_background`."""

    def __init__(self, clusterer: "Clusterer") -> None:
        super().__init__()
        self._postings = clusterer._postings
        self._base = math.log(len(clusterer._events) + clusterer.config.prior_events + 1) + 1.0
        self._static = clusterer._term_static
        self._clusterer = clusterer

    def __missing__(self, term: str) -> float:
        static = self._static.get(term) or self._clusterer._static_weight(term)
        ids = self._postings.get(term)
        v = self[term] = (self._base - math.log((len(ids) if ids else 0) + static[0])) * static[1]
        return v


class Clusterer:
    """Assigns each relevant post to an event, online; see the module docstring."""

    def __init__(self, config: ClusterConfig = ClusterConfig()):
        self.config = config
        self._events: dict[str, Event] = {}
        self._state: dict[str, _State] = {}
        self._post_event: dict[str, str] = {}      # post id -> event id, for live events
        self._folded: dict[str, str] = {}          # event id -> the event it was folded into
        # term -> events whose centroid holds it; dicts, not sets, so that the order (and so
        # every tie) is the same in every process: workers on one stream must agree
        self._postings: dict[str, dict[str, None]] = {}
        self._fps = _Fingerprints()
        self._adds = 0
        self._places_known: dict[str, None] = {}  # words seen as place names
        self._term_static: dict[str, tuple[int, float]] = {}  # term -> (pseudo-events + 1, factor)

    # -- the engine's interface ------------------------------------------------------
    def add(self, post: Post) -> Event | None:
        """The event ``post`` joins (or starts); None when the post is not relevant."""
        if post.relevant is not True:
            return None
        self._adds += 1
        known = self._post_event.get(post.id)
        if known is not None:  # seen before (a re-crawl): counted once
            ev = self._events[known]
            notes = self._state[known].notes
            notes.engagement(post)
            ev.samples = pick_samples(ev, notes, self.config.samples)
            return ev
        idf = _IDF(self)
        eid = self._by_duplicate(post)
        match_tokens: list[str] | None = None
        if eid is None:
            match_tokens = self._original_tokens(post)
            if match_tokens:
                eid = self._by_fingerprint(simhash(match_tokens), post)
        vector, norm, raw = ({}, 0.0, {}) if eid is not None else self._vector(post, match_tokens, idf)
        cosine = 0.0
        if eid is None and vector:
            eid, cosine = self._by_similarity(post, vector, norm, idf)
        if eid is None and "ev-" + post.id in self._events:  # the first post of a re-seated event
            eid = self._resolve("ev-" + post.id) or "ev-" + post.id
        ev = self._start(post) if eid is None else self._events[eid]
        st = self._state[ev.id]
        if raw:
            self._absorb(ev.id, st, raw, idf)
        if ev.size + 1 >= max(3, st.notes.refresh_at):  # growing: is there a twin to fold?
            ev = self._events[self._seek_twin(ev.id, idf)]
            st = self._state[ev.id]
        self._record(ev, st, post, cosine, idf)
        return ev

    def get(self, event_id: str) -> Event | None:
        return self._events.get(event_id)

    def live(self) -> list[Event]:
        """Events still held (not yet expired), most recently active first."""
        return sorted(self._events.values(), key=lambda e: e.last_seen or datetime.min.replace(tzinfo=SHANGHAI),
                      reverse=True)

    def expire(self, now: datetime) -> list[Event]:
        """Drop the events whose last post is older than the window before ``now``, marked
        closed, oldest first; they take no more posts."""
        cutoff = now - self.config.window
        gone = [ev for ev in self._events.values() if ev.last_seen is not None and ev.last_seen < cutoff]
        for ev in gone:
            self._drop(ev.id)
            ev.status = "closed"
        gone.sort(key=lambda e: e.last_seen)
        if gone:
            log.debug("expired %d events before %s; %d live", len(gone), cutoff.isoformat(), len(self._events))
        return gone

    def restore(self, event: Event, posts: list[Post]) -> None:
        """Re-seat a stored ``event`` after a restart, with its recent ``posts``, so new
        posts join it. Its counters are kept as stored (the posts are not counted again);
        the posts rebuild its centroid and fingerprints. With no posts, its title and key
        phrases stand in for its words."""
        if event.id in self._events:
            self._drop(event.id)
        self._events[event.id] = event
        times = [p.when for p in posts]
        if event.first_seen is None:
            event.first_seen = min(times + [t for t in [event.first.published_at] if t], default=None)
        if event.last_seen is None:
            event.last_seen = max(times, default=event.first_seen)
        if event.first_seen is None:  # nothing tells when it happened: it cannot be placed in time
            raise ValueError(f"event {event.id} has no first_seen, first post time or posts")
        st = self._state[event.id] = _State(notes=Notes.of_stored(event))
        for pid in event.posts:
            self._post_event[pid] = event.id
        if event.merged_into:  # folded before the restart: it keeps its posts, takes no new ones
            self._folded[event.id] = event.merged_into
            for post in posts:
                self._post_event[post.id] = event.id
            return
        idf = _IDF(self)
        for post in sorted(posts, key=lambda p: p.when):
            self._post_event[post.id] = event.id
            event.posts.setdefault(post.id, post.url)
            tokens = self._original_tokens(post)
            prints = [post.fingerprint & MASK64, simhash(tokens) & MASK64 if tokens else 0]
            near = any(u and (u ^ v).bit_count() <= self.config.max_hamming for u in prints for v in st.fps)
            if prints[0]:
                self._keep_fingerprint(st, prints[0], event.id)
            if post.id == event.first.id:
                st.notes.first_text = post.text[:FIRST_TEXT_CHARS]
            st.notes.headline(post)
            if not near:  # as in add: a near-duplicate does not move the centroid
                _, _, raw = self._vector(post, tokens, idf)
                if raw:
                    self._absorb(event.id, st, raw, idf)
        if not posts:
            seed = tokenize(event.title) + [w for p in event.phrases for w in tokenize(p)]
            raw = self._raw_terms(seed)
            self._absorb(event.id, st, raw, idf)

    # -- matching ---------------------------------------------------------------------
    def _by_duplicate(self, post: Post) -> str | None:
        if post.dup_of:
            eid = self._resolve(self._post_event.get(post.dup_of))
            if eid is not None and self._in_window(self._events[eid], post.when):
                return eid
        if post.fingerprint:
            return self._by_fingerprint(post.fingerprint, post)
        return None

    def _static_weight(self, term: str) -> tuple[int, float]:
        """What does not change in a term's IDF: its pseudo-event count (+1) and its
        general-language factor."""
        c = self.config
        if len(self._term_static) > 500_000:
            self._term_static.clear()
        v = self._term_static[term] = ((c.prior_events if term in c.common_terms else 0) + 1,
                                       background(term) ** c.background if c.background else 1.0)
        return v

    @staticmethod
    def _original_tokens(post: Post) -> list[str] | None:
        """Tokens of the original part of a repost (a repost is about what it reposts),
        or None for a post that is not one or quotes too little (then its whole text counts)."""
        if "//" not in post.text or not REPOST_LINK.search(post.text):
            return None
        _, original = split_repost(post.text)
        tokens = tokenize(original) if original else []
        return tokens if len(tokens) >= 3 else None

    def _by_fingerprint(self, fp: int, post: Post) -> str | None:
        if not fp:
            return None
        for _, eid in self._fps.find(fp & MASK64, self.config.max_hamming):
            if self._in_window(self._events[eid], post.when):
                return eid
        return None

    def _in_window(self, ev: Event, when: datetime) -> bool:
        w = self.config.window
        return ev.first_seen - w <= when <= ev.last_seen + w

    def _raw_terms(self, tokens: list[str]) -> dict[str, float]:
        """Sublinear term frequencies of the words that count, with sub-words at a discount."""
        counts: dict[str, float] = {}
        known = known_term
        prev = ""
        for tok in tokens:
            t = known(tok)
            if t is None:
                t = term_of(tok)
            if t:
                counts[t] = counts.get(t, 0.0) + 1.0
            elif 2 <= len(prev) <= 3 and len(tok) == 1 and tok in ADMIN_SUFFIXES:
                self._place_seen(prev)  # 青石 县
            prev = t
        if self.config.subword_weight > 0:
            for sub in subwords(counts):
                t = term_of(sub)
                if t and t not in counts:
                    counts[t] = self.config.subword_weight
        return {t: (1.0 + math.log(n)) if n > 1.0 else n for t, n in counts.items()}

    def _place_seen(self, term: str) -> None:
        """Remember ``term`` as a place name if it is rare enough in general Chinese to be a
        name (配合 in 配合县纪委 is not) and not a common domain word (检察院 in
        "市检察院、市公安局": tokens lose the punctuation between). Per clusterer, so that
        its decisions depend on its own stream only."""
        if term not in self._places_known and term not in self.config.common_terms \
                and background(term) >= PLACE_RARITY:
            if len(self._places_known) > 100_000:
                self._places_known.clear()
            self._places_known[term] = None

    def _vector(self, post: Post, tokens: list[str] | None, idf: _IDF):
        """(TF-IDF vector of the post's best terms, its norm, their raw weights)."""
        if tokens is None:
            tokens = post.tokens or tokenize(post.title + "\n" + post.text if post.title else post.text)
        raw = self._raw_terms(tokens)
        if not raw:
            return {}, 0.0, {}
        vec = {t: r * idf[t] for t, r in raw.items()}
        if len(vec) > self.config.post_terms:
            vec = dict(heapq.nlargest(self.config.post_terms, vec.items(), key=lambda kv: kv[1]))
            raw = {t: raw[t] for t in vec}
        return vec, math.sqrt(sum(w * w for w in vec.values())), raw

    def _by_similarity(self, post: Post, vec: dict[str, float], norm: float,
                       idf: _IDF) -> tuple[str | None, float]:
        c = self.config
        query = heapq.nlargest(c.query_terms, vec.items(), key=lambda kv: kv[1])
        hits, floor = self._candidates(query, c.similarity, norm)
        matched: dict[str, tuple[float, float]] = {}  # event -> (score, cosine)
        for t in vec:  # a word that ends like a place is one: 鹿鸣区, 石桥镇
            if len(t) >= 3 and t[-1] in ADMIN_SUFFIXES:
                self._place_seen(t)
        places = [t for t in vec if t in self._places_known]
        ranked = heapq.nlargest(c.max_candidates, hits, key=hits.__getitem__)
        if ranked:  # and one that shares far less of the post than the first rarely wins
            floor = max(floor, CANDIDATE_SHARE * hits[ranked[0]])
        for eid in ranked:
            if hits[eid] < floor:
                break
            ev = self._events[eid]
            if not self._in_window(ev, post.when):
                continue
            st = self._state[eid]
            cos = self._cosine(st, vec, norm, idf)
            if cos >= c.similarity and self._elsewhere(places, st):
                cos *= c.place_conflict
            if cos >= c.similarity:
                matched[eid] = (cos + c.size_bonus * math.log(ev.size), cos)
        if not matched:
            return None, 0.0
        ranked_matches = sorted(((sc, cos, eid) for eid, (sc, cos) in matched.items()), reverse=True)
        _, best_cos, best = ranked_matches[0]
        for _, _, other in ranked_matches[1:]:  # the post bridges two events: are they one story?
            best = self._fold(best, other, idf) or best
        return best, best_cos

    def _alike(self, a: _State, b: _State, idf: _IDF) -> float:
        """Cosine of two centroids."""
        small, large = (a.mass, b.mass) if len(a.mass) <= len(b.mass) else (b.mass, a.mass)
        parts = {t: m * large[t] * idf[t] ** 2 for t, m in small.items() if t in large}
        na, nb = self._norm(a, idf), self._norm(b, idf)
        if not parts or not na or not nb:
            return 0.0
        return self._one_word_rule(parts) / (na * nb)

    def folded_into(self, event_id: str) -> list[str]:
        """Ids of the events folded into ``event_id``, oldest first."""
        return sorted(y for y, x in self._folded.items() if x == event_id)

    def _fold(self, x: str, y: str, idf: _IDF) -> str | None:
        """When events ``x`` and ``y`` have alike centroids (cosine at least
        ``fold_similarity``), they are one story that started twice, as the first posts of
        a burst can: the smaller is folded into the bigger, which it returns (else None).
        The folded event keeps its posts and counters but takes no new posts; its words and
        fingerprints go to the other, and its ``merged_into`` tells the engine."""
        a, b = self._state[x], self._state[y]
        if not a.mass or not b.mass:
            return None
        ex, ey = self._events[x], self._events[y]
        w = self.config.window
        if not (ex.first_seen - w <= ey.last_seen and ey.first_seen - w <= ex.last_seen):
            return None
        alike = self._alike(a, b, idf)
        if alike >= self.config.fold_similarity and self._elsewhere(self._places(a), b):
            alike *= self.config.place_conflict
        if alike < self.config.fold_similarity:
            return None
        if (ey.size, ex.first_seen, x) > (ex.size, ey.first_seen, y):  # the bigger stays, else the older
            x, y, a, b, ex, ey = y, x, b, a, ey, ex
        log.debug("event %s folded into %s (centroid cosine %.2f)", y, x, alike)
        ey.merged_into = x
        self._folded[y] = x
        self._absorb(x, a, b.mass, idf, unit=False)
        for t in b.mass:
            self._unpost(t, y)
        b.mass = {}
        for u in b.fps:
            self._fps.remove(u, y)
            self._keep_fingerprint(a, u, x)
        b.fps = set()
        return x

    def _candidates(self, query: list[tuple[str, float]], threshold: float, norm: float,
                    skip: str | None = None) -> tuple[dict[str, float], float]:
        """Events holding the query's words (weighted), each with the summed squared weight
        of those it holds, and the least such sum that can still reach `threshold`.

        Cauchy-Schwarz: cosine <= |shared part| / |whole|, so a candidate whose query words
        plus all the words not looked up cannot reach the threshold need not be scored.
        Words in more than `max_postings` of the events are not looked up."""
        longest = max(50, int(self.config.max_postings * len(self._events)))
        hits: dict[str, float] = {}
        looked = 0.0
        for term, w in query:
            ids = self._postings.get(term)
            if ids and len(ids) <= longest:
                w2 = w * w
                looked += w2
                for eid in ids:
                    if eid != skip:
                        hits[eid] = hits.get(eid, 0.0) + w2
        return hits, (threshold * norm) ** 2 - (norm * norm - looked)

    def _seek_twin(self, eid: str, idf: _IDF) -> str:
        """Look for an event that tells the same story as ``eid`` and fold the two; the
        event that goes on. Run as an event grows (on the key phrase schedule), it joins
        twins that no single post bridged."""
        c = self.config
        st = self._state[eid]
        query = heapq.nlargest(c.query_terms, st.mass.items(), key=lambda kv: kv[1] * idf[kv[0]])
        hits, floor = self._candidates([(t, m * idf[t]) for t, m in query], c.fold_similarity,
                                       self._norm(st, idf), skip=eid)
        for other in heapq.nlargest(TWIN_CANDIDATES, hits, key=hits.__getitem__):
            if hits[other] < floor:
                break
            survivor = self._fold(eid, other, idf)
            if survivor is not None:
                return survivor
        return eid

    def _places(self, st: _State) -> tuple[str, ...]:
        """The event's main place names: those it names at least half as often as its
        most named place."""
        if st.places is None:
            named = {t: m for t, m in st.mass.items() if t in self._places_known}
            top = max(named.values(), default=0.0)
            st.places = tuple(t for t, m in named.items() if m >= top / 2)
        return st.places

    def _elsewhere(self, places, st: _State) -> bool:
        """Whether ``places`` (a post's or an event's) and the event's main places are both
        known and share nothing (青石 and 青石县 are shared): another county's story."""
        theirs = self._places(st) if places else ()
        return bool(theirs) and not any(p in q or q in p for p in places for q in theirs)

    def _resolve(self, eid: str | None) -> str | None:
        """The live event that takes posts for ``eid`` (itself, or what it was folded into)."""
        for _ in range(8):
            if eid is None or eid not in self._folded:
                break
            eid = self._folded[eid]
        return eid if eid in self._events else None

    def _norm(self, st: _State, idf: _IDF) -> float:
        """Norm of the event's vector, kept up to date as posts join and computed afresh
        when the IDF has drifted (many adds, or the number of live events changed a fifth)."""
        n = len(self._events)
        if st.norm_at < 0 or self._adds - st.norm_at > NORM_REFRESH or abs(n - st.norm_n) > n // 5:
            st.norm2 = sum((m * idf[t]) ** 2 for t, m in st.mass.items())
            st.norm_at, st.norm_n = self._adds, n
        return math.sqrt(st.norm2) if st.norm2 > 0.0 else 0.0

    def _cosine(self, st: _State, vec: dict[str, float], norm: float, idf: _IDF) -> float:
        mass = st.mass
        enorm = self._norm(st, idf)
        if not enorm or not norm:
            return 0.0
        parts = {t: w * m * idf[t] for t, w in vec.items() if (m := mass.get(t)) is not None}
        return self._one_word_rule(parts) / (norm * enorm) if parts else 0.0

    def _one_word_rule(self, parts: dict[str, float]) -> float:
        """A dot product from its parts (term -> product), scaled down when a place name
        with the words inside or around it (鹿鸣区, 鹿鸣) gives more than ``max_word_share``
        of it: two stories from one county share its name and little else."""
        dot = sum(parts.values())
        top_term = max(parts, key=parts.__getitem__)
        group = [t for t in parts if t in top_term or top_term in t]
        if not any(t in self._places_known for t in group):
            return dot
        top = sum(parts[t] for t in group)
        return min(dot, (dot - top) / (1.0 - self.config.max_word_share))

    # -- bookkeeping ----------------------------------------------------------------
    def _start(self, post: Post) -> Event:
        eid = "ev-" + post.id
        ref = PostRef.of(post)
        ev = self._events[eid] = Event(id=eid, title="", first=ref, first_seen=post.when, last_seen=post.when)
        self._state[eid] = _State(norm_at=self._adds, notes=Notes(first_text=post.text[:FIRST_TEXT_CHARS]))
        return ev

    def _absorb(self, eid: str, st: _State, raw: dict[str, float], idf: _IDF, unit: bool = True) -> None:
        """Add a post's term vector (made unit length) or another centroid (as it is) to
        the event's centroid; prune it to its best terms."""
        length = (math.sqrt(sum(r * r for r in raw.values())) or 1.0) if unit else 1.0
        mass = st.mass
        grow = 0.0
        for t, r in raw.items():
            old = mass.get(t)
            if old is None:
                old = 0.0
                self._postings.setdefault(t, {})[eid] = None
            new = mass[t] = old + r / length
            grow += (new * new - old * old) * idf[t] ** 2
        st.places = None
        st.norm2 += grow  # with today's IDF for the words that changed; refreshed in full now and then
        k = self.config.centroid_terms
        if len(mass) > 2 * k:
            keep = heapq.nlargest(k, mass.items(), key=lambda kv: kv[1] * idf[kv[0]])
            for t in mass.keys() - {t for t, _ in keep}:
                self._unpost(t, eid)
            st.mass = dict(keep)
            st.norm2 = sum((m * idf[t]) ** 2 for t, m in keep)
            st.norm_at = self._adds

    def _unpost(self, term: str, eid: str) -> None:
        ids = self._postings.get(term)
        if ids is not None:
            ids.pop(eid, None)
            if not ids:
                del self._postings[term]

    def _keep_fingerprint(self, st: _State, u: int, eid: str) -> None:
        if u not in st.fps:
            st.fps.add(u)
            self._fps.add(u, eid)

    def _record(self, ev: Event, st: _State, post: Post, cosine: float, idf: _IDF) -> None:
        """Count the post into the event: its posts and fingerprints here, its summary in
        alerts.summary, its key phrases from the centroid as it grows."""
        ev.posts[post.id] = post.url
        self._post_event[post.id] = ev.id
        if post.fingerprint:
            self._keep_fingerprint(st, post.fingerprint & MASK64, ev.id)
        count_in(ev, st.notes, post, cosine, self.config.samples)
        if ev.size >= st.notes.refresh_at:
            weights = {t: m * idf[t] for t, m in st.mass.items()}
            refresh_phrases(ev, st.notes, weights, self.config.excluded_phrases, self.config.phrases)

    def _drop(self, eid: str) -> None:
        ev = self._events.pop(eid)
        st = self._state.pop(eid)
        for t in st.mass:
            self._unpost(t, eid)
        for u in st.fps:
            self._fps.remove(u, eid)
        for pid in ev.posts:
            if self._post_event.get(pid) == eid:
                del self._post_event[pid]
        self._folded.pop(eid, None)
