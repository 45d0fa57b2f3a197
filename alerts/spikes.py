"""Bursts: more posts in a window than the hour's expected volume can explain.

A burst is judged with a one-sided tail probability: how likely is it to see at least
`observed` posts when `expected` are due? Poisson when the volume is steady,
negative binomial when it is overdispersed (variance = mean + dispersion * mean**2).
The expectation comes from `Baseline`, so the daily rhythm and slow trends are priced
in; `min_posts` keeps a handful of posts from ever being an event however quiet the
hour.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from scipy.special import betainc, gammainc, gammaln

from indexer.store import Store
from nlp.errors import ConfigError

from .baseline import HOUR, Baseline, to_hour
from .model import Event

log = logging.getLogger(__name__)

LN10 = math.log(10)


@dataclass(frozen=True)
class BurstConfig:
    """When a count is a burst.

    window: the span a burst is counted over, ending now (default 1 hour). Events count
        it from their hour buckets (see `event_window`).
    min_posts: fewer posts than this in the window are never a burst, however quiet the
        hour (default 6): three posts are a conversation, not an event.
    p_value: the largest tail probability that still counts as a burst (default 1e-3:
        about one false alarm in a thousand quiet windows, fewer with overlapping ones).
    event_share: for events, the expected size of an ordinary cluster as a share of the
        hour's expected relevant volume (default 0.05): a story is a burst when it
        outgrows what one ordinary story gets in that hour.
    floor: the expected count per hour is never taken below this (default 1.0), so an
        empty history does not make every post a burst; `burst` applies it to the total.
    dispersion: overdispersion for the negative-binomial test (default 0.0 = Poisson);
        topic volumes use the larger of this and what their history shows.
    """
    window: timedelta = timedelta(hours=1)
    min_posts: int = 6
    p_value: float = 1e-3
    event_share: float = 0.05
    floor: float = 1.0
    dispersion: float = 0.0

    def __post_init__(self) -> None:
        if self.window <= timedelta(0):
            raise ConfigError("burst `window` must be positive")
        if not 0 < self.p_value < 1:
            raise ConfigError("burst `p_value` must be between 0 and 1")
        if self.min_posts < 0 or self.event_share <= 0 or self.floor <= 0 or self.dispersion < 0:
            raise ConfigError("burst `min_posts` and `dispersion` must not be negative, "
                              "`event_share` and `floor` must be positive")


@dataclass
class Burst:
    """The outcome of one test; `score` is -log10 of the tail probability."""
    is_burst: bool
    observed: int
    expected: float
    score: float

    @property
    def ratio(self) -> float:
        """How many times the expected volume was seen."""
        return self.observed / self.expected if self.expected > 0 else math.inf

    @property
    def p(self) -> float:
        return 10.0 ** -self.score


def tail_score(observed: float, expected: float, dispersion: float = 0.0) -> float:
    """-log10 P(X >= observed) for X Poisson(expected), or negative binomial with that
    mean and variance expected + dispersion * expected**2."""
    if observed <= 0:
        return 0.0
    if expected <= 0:
        return math.inf
    if dispersion > 0:
        r = 1.0 / dispersion
        q = expected / (r + expected)
        p = float(betainc(observed, r, q))
        log_pmf = (gammaln(observed + r) - gammaln(r) - gammaln(observed + 1)
                   + r * math.log1p(-q) + observed * math.log(q))
    else:
        p = float(gammainc(observed, expected))
        log_pmf = observed * math.log(expected) - expected - gammaln(observed + 1)
    if p > 0:
        return -math.log10(p)
    # underflow: the first term of the tail bounds it from below and dominates far out
    return -float(log_pmf) / LN10


def burst(observed: float, expected: float, config: BurstConfig = BurstConfig(),
          dispersion: float | None = None) -> Burst:
    """Test `observed` posts against `expected` (already summed over the window).

    `observed` may be fractional (a share of an hour bucket); the tail probability is
    then the continuous one between its neighbours, and `Burst.observed` is rounded.
    `floor` bounds `expected` from below; `dispersion`, if given, is used when larger
    than the configured one.
    """
    expected = max(float(expected), config.floor)
    disp = config.dispersion if dispersion is None else max(dispersion, config.dispersion)
    score = tail_score(observed, expected, disp)
    is_burst = observed >= config.min_posts and score >= -math.log10(config.p_value)
    return Burst(is_burst=is_burst, observed=int(round(observed)), expected=expected, score=score)


def event_window(now: datetime, window: timedelta) -> list[tuple[datetime, float, float]]:
    """The hour buckets the window (now - window, now] touches, as (hour, share of the
    bucket's posts counted, share of the hour's expected volume counted).

    `Event.hourly` only knows the hour a post fell in. Posts of a bucket the window
    covers in part are counted in proportion to the part of the bucket's elapsed time it
    covers (as if spread evenly over it); the current bucket holds only posts up to now,
    so its expected volume is the elapsed share of the hour. Counting a share of a
    Poisson count varies less than the Poisson count itself would, so the approximation
    errs toward fewer bursts, never more.
    """
    out = []
    start = now - window
    h = to_hour(start)
    while h < now:
        end = min(h + HOUR, now)
        covered = (end - max(h, start)) / HOUR
        out.append((h, covered / ((end - h) / HOUR), covered))
        h += HOUR
    return out


def posts_in_hour(event: Event, hour: datetime) -> int:
    """The event's posts in the hour starting at `hour`. `Event.hourly` keys are the hour's
    start in Asia/Shanghai as ISO text (datetime keys are read too); looking the few
    hours up beats parsing every key on every step."""
    h = to_hour(hour)
    return int(event.hourly.get(h.isoformat(), 0)) + int(event.hourly.get(h, 0))


def event_burst(event: Event, now: datetime, background: Baseline | None,
                config: BurstConfig = BurstConfig()) -> Burst:
    """Is this event growing faster than an ordinary story would in these hours?

    observed: the event's posts in (now - window, now], read from its hour buckets as
    `event_window` says; expected: per hour, max(floor, event_share *
    background.expected(hour)) times the share of the hour in the window, summed.
    Without a background the floor alone is expected.
    """
    observed = 0.0
    expected = 0.0
    for h, post_share, hour_share in event_window(now, config.window):
        observed += post_share * posts_in_hour(event, h)
        rate = config.event_share * background.expected(h) if background is not None else 0.0
        expected += hour_share * max(config.floor, rate)
    return burst(observed, expected, config)


class BaselineCache:
    """Baselines per (query, group, history end), so a step every ten minutes refits
    once an hour. Keeps the newest `size` fits."""

    def __init__(self, size: int = 256):
        self.size = size
        self._fits: dict[tuple, dict[str, Baseline]] = {}

    def get(self, key: tuple) -> dict[str, Baseline] | None:
        return self._fits.get(key)

    def __len__(self) -> int:
        return len(self._fits)

    def put(self, key: tuple, value: dict[str, Baseline]) -> None:
        self._fits[key] = value
        while len(self._fits) > self.size:
            self._fits.pop(next(iter(self._fits)))


def volume_bursts(store: Store, now: datetime, group_by: str | None = "topic",
                  config: BurstConfig = BurstConfig(), *, query: str = "", days: int = 14,
                  cache: BaselineCache | None = None) -> dict[str, Burst]:
    """Posts per value of `group_by` in [now - window, now) against each value's baseline.

    The baseline is fitted from `store.counts` over the `days` days of whole hours before
    the window starts. `query` narrows the posts (an analyst query, e.g. "relevant:true"
    or a keyword); with `group_by=None` the one result is keyed "all". Every value seen
    in the history or the window gets a result. Pass a `cache` kept between steps so the
    history is read and fitted once an hour, not on every step.
    """
    start = now - config.window
    hist_end = to_hour(start)
    key = (query, group_by, hist_end, days)
    fits = cache.get(key) if cache is not None else None
    if fits is None:
        history: dict[str, dict[datetime, int]] = {}
        rows = store.counts(hist_end - timedelta(days=days), hist_end, "hour", group_by, query)
        for bucket, value, n in rows:
            history.setdefault(value if group_by else "all", {})[bucket] = n
        fits = {value: Baseline.fit(hours, hist_end, days) for value, hours in history.items()}
        if cache is not None:
            cache.put(key, fits)
    current: dict[str, int] = {}
    for _, value, n in store.counts(start, now, "hour", group_by, query):
        value = value if group_by else "all"
        current[value] = current.get(value, 0) + n
    floor = config.floor * (config.window / HOUR)
    conf = replace(config, floor=floor)
    out: dict[str, Burst] = {}
    for value in sorted(set(fits) | set(current) | (set() if group_by else {"all"})):
        fit = fits.get(value)
        expected = 0.0
        disp = None
        if fit is not None:
            expected = fit.expected_between(start, now)
            disp = max(fit.dispersion_at(h) for h, _, _ in event_window(now, config.window))
        out[value] = burst(current.get(value, 0), expected, conf, disp)
    return out
