"""The expected number of posts per hour, so that a burst is judged against its hour.

Background volume has a daily rhythm (quiet nights, busy afternoons, quieter weekends)
and drifts slowly as sources are added or a topic warms up. Neither is a spike. The
baseline models the rate of hour `t` as

    expected(t) = exp(a + b * days(t)) * profile[weekday-or-weekend][hour-of-day(t)]

fitted on the last `days` days of hourly counts: the profile from the posts of each
hour-of-day, the trend `b` as the median slope (Theil-Sen) of the daily rates. A past
burst in the history must not raise the expectation (or the next burst of the same size
would pass unseen), so every count is pulled in to within two standard deviations of
the current fit before the fit is repeated (a Huber-style winsorized mean): a burst adds
at most two standard deviations to one day of its hour.
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Mapping

import numpy as np

from indexer.post import SHANGHAI

log = logging.getLogger(__name__)

HOUR = timedelta(hours=1)
MAX_SLOPE = math.log(2) / 7   # a trend steeper than doubling per week is not "slow": clamp it
HORIZON_DAYS = 1.0            # extrapolate the trend at most this far past the fitted history
HUBER = 2.0                   # fit on counts winsorized to e +- 2 sd (+1 above, for small counts)
HUBER_VAR = 0.9206            # variance left after winsorizing a normal variable at +-2 sd
SHRINK = 30.0                 # posts in an hour-of-day cell before its own rate outweighs its neighbours
ITERATIONS = 3


def to_hour(t: datetime) -> datetime:
    """The start of the Asia/Shanghai hour containing `t` (naive times are taken as Shanghai)."""
    t = t.replace(tzinfo=SHANGHAI) if t.tzinfo is None else t.astimezone(SHANGHAI)
    return t.replace(minute=0, second=0, microsecond=0)


@lru_cache(maxsize=65536)
def _parse_hour(text: str) -> datetime:
    return to_hour(datetime.fromisoformat(text))


def parse_hour(key: datetime | str) -> datetime:
    """An hour key as `Event.hourly` keeps it (ISO text) or as a datetime, as an hour start."""
    return to_hour(key) if isinstance(key, datetime) else _parse_hour(key)


def _is_weekend(t: datetime) -> bool:
    # Saturday and Sunday; official working-day swaps (调休) are not modelled.
    return t.weekday() >= 5


@dataclass(eq=False)
class Baseline:
    """Expected posts per hour: daily rhythm (hour-of-day profile, weekday/weekend if enough data) times a slow trend.

    `profile[0]` is for weekdays and `profile[1]` for weekends (the same row twice when
    the history holds fewer than two days of either). `dispersion` is the overdispersion
    seen in the history (variance = mean + dispersion * mean**2; 0 for Poisson);
    `cell_posts` the posts each profile cell was estimated from.
    """
    now: datetime
    a: float = -math.inf                     # log level at `now` (-inf: no posts at all)
    b: float = 0.0                           # trend, log per day
    profile: np.ndarray = field(default_factory=lambda: np.ones((2, 24)))
    dispersion: float = 0.0
    cell_posts: np.ndarray = field(default_factory=lambda: np.zeros((2, 24)))
    start: datetime | None = None            # first hour of history used
    total: int = 0                           # posts in the history used

    @classmethod
    def fit(cls, hourly: Mapping[datetime | str, int], now: datetime, days: int = 14) -> "Baseline":
        """Fit on the whole hours before `now` within `days` days (missing hours are 0).

        Hours before the first hour with any post are taken as "not yet collected" rather
        than as quiet, so a store that began three days ago is not read as eleven silent
        days plus three busy ones (this errs toward a higher expectation).
        """
        end = to_hour(now)
        start = end - timedelta(days=days)
        n = days * 24
        y = np.zeros(n)
        for key, count in hourly.items():
            h = parse_hour(key)
            if start <= h < end:
                y[int((h - start) / HOUR)] += count
        nonzero = np.flatnonzero(y)
        if not len(nonzero):
            return cls(now=end)
        y = y[nonzero[0]:]
        first = start + nonzero[0] * HOUR
        return _fit(y, first, end)

    def expected(self, hour: datetime) -> float:
        """Expected posts in the hour starting at `hour` (any time inside it will do)."""
        if self.a == -math.inf:
            return 0.0
        h = to_hour(hour)
        d = (h - self.now) / timedelta(days=1)
        lo = (self.start - self.now) / timedelta(days=1) if self.start else d
        d = min(max(d, lo), HORIZON_DAYS)
        return math.exp(self.a + self.b * d) * float(self.profile[int(_is_weekend(h)), h.hour])

    def dispersion_at(self, hour: datetime) -> float:
        """Overdispersion to test the hour with: what the history shows plus the
        uncertainty of the hour's own estimate (relative variance 1 / its posts)."""
        h = to_hour(hour)
        return self.dispersion + 1.0 / (float(self.cell_posts[int(_is_weekend(h)), h.hour]) + SHRINK)

    def expected_between(self, start: datetime, end: datetime) -> float:
        """Expected posts in [start, end), hours partly covered counted pro rata."""
        total = 0.0
        h = to_hour(start)
        while h < end:
            overlap = (min(end, h + HOUR) - max(start, h)) / HOUR
            if overlap > 0:
                total += overlap * self.expected(h)
            h += HOUR
        return total


def _fit(y: np.ndarray, first: datetime, end: datetime) -> Baseline:
    n = len(y)
    i = np.arange(n)
    hod = (first.hour + i) % 24                          # Shanghai keeps no summer time
    day_idx = (first.hour + i) // 24                     # calendar day of each hour
    weekend = ((first.weekday() + day_idx) % 7 >= 5).astype(int)
    days = (i - n) / 24.0                                # days before `end` (the hour's start)
    split = (weekend.sum() >= 48) and ((1 - weekend).sum() >= 48)
    row = weekend if split else np.zeros(n, dtype=int)
    with_trend = n >= 7 * 24     # under a week, the weekly cycle would pass for a trend

    # start from a robust guess: the median of each hour-of-day (pooled with its neighbours)
    e = _median_guess(y, hod)
    a, b, disp, profile = 0.0, 0.0, 0.0, np.ones((2, 24))
    for _ in range(ITERATIONS):
        a, b, profile, cells = _estimate(_winsorize(y, e, disp), hod, row, days, day_idx, b, with_trend)
        e = np.exp(a + b * days) * profile[row, hod]
        disp = _dispersion(_winsorize(y, e, disp), e)
    if not split:
        profile[1], cells[1] = profile[0], cells[0]
    return Baseline(now=end, a=a, b=b, profile=profile, dispersion=disp, cell_posts=cells,
                    start=first, total=int(y.sum()))


def _winsorize(y: np.ndarray, e: np.ndarray, disp: float) -> np.ndarray:
    """Counts pulled in to within HUBER sd of the current fit, on both sides so that the
    mean stays unbiased; a burst adds at most that much to its hour."""
    sd = np.sqrt(e + disp * e * e)
    return np.clip(y, e - HUBER * sd, e + HUBER * sd + 1.0)


def _dispersion(y: np.ndarray, e: np.ndarray) -> float:
    """Moment estimate of alpha in variance = e + alpha * e**2 (0 when Poisson fits), from
    winsorized counts scaled back up by the variance winsorizing takes away."""
    denom = float(np.sum(e * e))
    excess = float(np.sum((y - e) ** 2)) / HUBER_VAR - float(np.sum(e))
    return max(0.0, excess / denom) if denom > 0 else 0.0


def _theil_sen(x: np.ndarray, y: np.ndarray) -> float:
    """The median of pairwise slopes: one odd day cannot tilt the trend."""
    i, j = np.triu_indices(len(x), k=1)
    dx = x[j] - x[i]
    ok = dx > 0
    return float(np.median((y[j] - y[i])[ok] / dx[ok])) if ok.any() else 0.0


def _median_guess(y: np.ndarray, hod: np.ndarray) -> np.ndarray:
    pooled = (np.roll(y, 1) + y + np.roll(y, -1)) / 3.0
    med = np.array([np.median(pooled[hod == h]) if np.any(hod == h) else 0.0 for h in range(24)])
    return med[hod]


def _estimate(yc, hod, row, days, day_idx, b, with_trend):
    """One pass: the profile given the trend `b`, then the trend given the profile, then
    the level that makes the fit's total equal the (winsorized) posts."""
    level = np.exp(b * days)
    profile = np.ones((2, 24))
    cells = np.zeros((2, 24))
    for r in (0, 1):
        sel = row == r
        if not sel.any():
            continue
        posts = np.bincount(hod[sel], weights=yc[sel], minlength=24)
        cells[r] = posts
        expo = np.bincount(hod[sel], weights=level[sel], minlength=24)
        raw = np.where(expo > 0, posts / np.maximum(expo, 1e-12), 0.0)
        if r == 1 and (row == 0).any():
            # weekends start from the weekday shape scaled to the weekend level
            prior = profile[0] * (posts.sum() / max(float((profile[0] * expo).sum()), 1e-12))
        else:
            prior = (np.roll(raw, 1) + 2 * raw + np.roll(raw, -1)) / 4.0
        w = posts / (posts + SHRINK)
        profile[r] = w * raw + (1 - w) * prior
    profile /= float(profile[0].mean()) or 1.0

    b = 0.0
    if with_trend:
        exposure = profile[row, hod]
        ndays = int(day_idx.max()) + 1
        day_posts = np.bincount(day_idx, weights=yc, minlength=ndays)
        day_expo = np.bincount(day_idx, weights=exposure, minlength=ndays)
        day_when = np.bincount(day_idx, weights=days, minlength=ndays) / np.maximum(
            np.bincount(day_idx, minlength=ndays), 1)
        ok = day_expo > 0.5 * day_expo.max()       # leave out a day barely begun
        if ok.sum() >= 3:
            rate = np.log((day_posts[ok] + 0.5) / day_expo[ok])
            b = float(np.clip(_theil_sen(day_when[ok], rate), -MAX_SLOPE, MAX_SLOPE))
    expo = profile[row, hod] * np.exp(b * days)
    a = math.log(max(float(yc.sum()), 0.5) / max(float(expo.sum()), 1e-12))
    return a, b, profile, cells
