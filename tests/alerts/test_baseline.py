"""The baseline: daily rhythm times a slow trend, fitted robustly from hourly counts."""
import math
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from alerts.baseline import Baseline, parse_hour, to_hour
from indexer.post import SHANGHAI

T0 = datetime(2026, 10, 5, tzinfo=SHANGHAI)   # a Monday
HOUR = timedelta(hours=1)


def true_rate(t: datetime, base: float, weekend: float = 0.7, trend: float = 0.03) -> float:
    """Posts per hour: low at 3 a.m., high at 3 p.m., quieter weekends, +3% a day."""
    rhythm = 0.15 + 0.85 * (1 - math.cos(2 * math.pi * (t.hour - 3) / 24)) / 2
    day = (t - T0) / timedelta(days=1)
    return base * rhythm * (weekend if t.weekday() >= 5 else 1.0) * (1 + trend * day)


def synthetic(seed: int, base: float, days: int = 14, **kw) -> dict[datetime, int]:
    rng = np.random.default_rng(seed)
    hours = [T0 + i * HOUR for i in range(days * 24)]
    return dict(zip(hours, rng.poisson([true_rate(h, base, **kw) for h in hours]).tolist()))


def test_follows_rhythm_trend_and_weekends():
    history = synthetic(1, base=3000)
    now = T0 + timedelta(days=14)
    fit = Baseline.fit(history, now)
    for i in range(24):
        t = now + i * HOUR
        assert fit.expected(t) == pytest.approx(true_rate(t, 3000), rel=0.06), t
    # the trend is seen
    assert 0.012 < fit.b < 0.035                    # +3% of the first day's rate per day
    monday, saturday = now + 15 * HOUR, now + timedelta(days=5, hours=15)
    assert fit.expected(saturday) / fit.expected(monday) == pytest.approx(0.7, rel=0.1)


def test_weekday_and_weekend_share_a_profile_with_little_data():
    history = synthetic(2, base=500, days=3)        # Monday to Wednesday only
    fit = Baseline.fit(history, T0 + timedelta(days=3))
    assert np.array_equal(fit.profile[0], fit.profile[1])


def test_robust_to_a_past_burst():
    clean = synthetic(3, base=40)
    burst_hour = T0 + timedelta(days=11, hours=15)
    spiked = dict(clean)
    spiked[burst_hour] += 400                        # a past event, ten times the hour
    for h in (burst_hour + HOUR, burst_hour + 2 * HOUR):
        spiked[h] += 120
    now = T0 + timedelta(days=14)
    base, robust = Baseline.fit(clean, now), Baseline.fit(spiked, now)
    t = now + 15 * HOUR
    # the burst hour adds at most two standard deviations to one day of ten
    assert robust.expected(t) == pytest.approx(base.expected(t), rel=0.08)
    # while a plain mean over the weekdays would have been pulled far up
    weekdays = [T0 + timedelta(days=d, hours=15) for d in range(14) if d % 7 < 5]
    plain_shift = np.mean([spiked[h] for h in weekdays]) - np.mean([clean[h] for h in weekdays])
    assert plain_shift == pytest.approx(40)
    assert robust.expected(t) - base.expected(t) < 0.15 * plain_shift


def test_hours_before_the_first_post_are_not_silence():
    history = {h: n for h, n in synthetic(4, base=100).items() if h >= T0 + timedelta(days=7)}
    now = T0 + timedelta(days=14)
    fit = Baseline.fit(history, now, days=14)
    t = now + 14 * HOUR
    assert fit.expected(t) == pytest.approx(true_rate(t, 100), rel=0.1)
    assert fit.start == T0 + timedelta(days=7)


def test_missing_hours_count_as_zero():
    history = {T0 + timedelta(days=d, hours=12): 24 for d in range(14)}   # only at noon
    fit = Baseline.fit(history, T0 + timedelta(days=14))
    assert fit.expected(T0 + timedelta(days=14, hours=12)) > 10
    assert fit.expected(T0 + timedelta(days=14, hours=0)) < 0.5


def test_uses_only_whole_hours_before_now():
    history = synthetic(5, base=50, days=15)
    now = T0 + timedelta(days=14, minutes=30)
    late = dict(history)
    late[T0 + timedelta(days=14)] += 1000          # the hour `now` is in: not history
    assert Baseline.fit(late, now).expected(now) == Baseline.fit(history, now).expected(now)


def test_empty_history_expects_nothing():
    fit = Baseline.fit({}, T0)
    assert fit.expected(T0) == 0.0
    assert fit.expected_between(T0, T0 + 3 * HOUR) == 0.0


def test_overdispersion_is_measured():
    rng = np.random.default_rng(6)
    hours = [T0 + i * HOUR for i in range(14 * 24)]
    poisson = dict(zip(hours, rng.poisson(30, len(hours)).tolist()))
    gamma = rng.gamma(shape=4, scale=30 / 4, size=len(hours))      # variance 30 + 30**2/4
    mixed = dict(zip(hours, rng.poisson(gamma).tolist()))
    now = T0 + timedelta(days=14)
    assert Baseline.fit(poisson, now).dispersion < 0.02
    assert Baseline.fit(mixed, now).dispersion > 0.1


def test_hour_keys_as_text_or_any_zone():
    history = {parse_hour(h).isoformat(): n for h, n in synthetic(7, base=60).items()}
    now = T0 + timedelta(days=14)
    assert Baseline.fit(history, now).expected(now) == Baseline.fit(synthetic(7, base=60), now).expected(now)
    utc = datetime(2026, 10, 5, 7, 30, tzinfo=timezone.utc)
    assert to_hour(utc) == datetime(2026, 10, 5, 15, tzinfo=SHANGHAI)
    assert to_hour(datetime(2026, 10, 5, 15, 59)) == datetime(2026, 10, 5, 15, tzinfo=SHANGHAI)


def test_expected_between_counts_partial_hours():
    fit = Baseline.fit(synthetic(8, base=100), T0 + timedelta(days=14))
    start = T0 + timedelta(days=14, hours=10, minutes=30)
    whole = fit.expected(start) * 0.5 + fit.expected(start + HOUR) * 0.25
    assert fit.expected_between(start, start + timedelta(minutes=45)) == pytest.approx(whole)
