"""Bursts against the hour's expected volume: quiet backgrounds stay quiet, real bursts
are found at night and in a busy afternoon, three posts never are."""
import math
from collections import Counter
from datetime import datetime, timedelta

import numpy as np
import pytest
from scipy import stats

from alerts.baseline import Baseline
from alerts.model import Event, PostRef
from alerts.spikes import (Burst, BaselineCache, BurstConfig, burst, event_burst, event_window,
                           tail_score, volume_bursts)
from indexer.post import SHANGHAI, Post
from nlp.errors import ConfigError
from nlp.labels import Platform, Topic

T0 = datetime(2026, 10, 5, tzinfo=SHANGHAI)   # a Monday
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def true_rate(t: datetime, base: float) -> float:
    """Low at 3 a.m. (15% of the peak), high at 3 p.m., weekends at 70%, +3% a day."""
    rhythm = 0.15 + 0.85 * (1 - math.cos(2 * math.pi * (t.hour - 3) / 24)) / 2
    return base * rhythm * (0.7 if t.weekday() >= 5 else 1.0) * (1 + 0.03 * (t - T0) / DAY)


def background(seed: int, base: float, days: int = 21) -> dict[datetime, int]:
    rng = np.random.default_rng(seed)
    hours = [T0 + i * HOUR for i in range(days * 24)]
    return dict(zip(hours, rng.poisson([true_rate(h, base) for h in hours]).tolist()))


def event(hourly: dict[datetime, int], eid: str = "e1") -> Event:
    """An event as the clusterer keeps it: hour keys as ISO text."""
    ev = Event(id=eid, title="某县检察院", first=PostRef(id="p0"))
    ev.hourly = Counter({h.isoformat(): n for h, n in hourly.items()})
    ev.posts = {f"{eid}-{i}": "" for i in range(sum(hourly.values()))}
    return ev


# the test itself -------------------------------------------------------------

def test_tail_score_matches_the_distributions():
    for k, mu in [(1, 0.5), (6, 1.0), (12, 3.0), (40, 10.0), (250, 200.0)]:
        assert tail_score(k, mu) == pytest.approx(-math.log10(stats.poisson.sf(k - 1, mu)), rel=1e-6)
        r = 1 / 0.2
        nb = stats.nbinom.sf(k - 1, r, r / (r + mu))
        assert tail_score(k, mu, 0.2) == pytest.approx(-math.log10(nb), rel=1e-6)
    assert tail_score(0, 5.0) == 0.0
    far = tail_score(2000, 1.0)                      # the tail underflows; the score must not
    assert math.isfinite(far) and far > 300


def test_three_posts_are_never_a_burst():
    b = burst(3, 0.01, BurstConfig(floor=0.01))
    assert b.score > 5 and not b.is_burst
    assert not burst(5, 0.0).is_burst
    assert burst(6, 0.0).is_burst                    # the floor (1 per hour) makes 6 unlikely enough
    assert burst(6, 0.0).expected == 1.0


def test_overdispersion_raises_the_bar():
    assert burst(30, 15.0).is_burst
    assert not burst(30, 15.0, BurstConfig(dispersion=0.2)).is_burst


def test_burst_reports_ratio_and_p():
    b = burst(40, 10.0)
    assert b.ratio == 4.0 and b.p == pytest.approx(stats.poisson.sf(39, 10.0), rel=1e-6)
    assert isinstance(b, Burst)


# a week of background ---------------------------------------------------------

@pytest.mark.parametrize("base", [3, 20, 300])
def test_a_week_of_background_has_no_burst(base):
    """Hour by hour over the third week, each hour against a baseline of the two before."""
    alarms, tested, flat_alarms = [], 0, 0
    for seed in (11, 12):
        series = background(seed, base)
        for i in range(14 * 24, 21 * 24):
            now = T0 + i * HOUR
            history = {h: n for h, n in series.items() if h < now}
            fit = Baseline.fit(history, now)
            b = burst(series[now], fit.expected(now), BurstConfig(), fit.dispersion_at(now))
            tested += 1
            if b.is_burst:
                alarms.append((now, series[now], fit.expected(now)))
            # what a baseline without the daily rhythm would say
            flat = sum(history.values()) / len(history)
            flat_alarms += burst(series[now], flat, BurstConfig()).is_burst
    assert tested == 2 * 168
    assert alarms == []
    assert flat_alarms > (0 if base < 10 else 50)


@pytest.mark.parametrize("hour", [3, 15])
def test_forty_more_posts_in_an_hour_is_a_burst(hour):
    series = background(13, 20)
    now = T0 + timedelta(days=14, hours=hour)
    fit = Baseline.fit({h: n for h, n in series.items() if h < now}, now)
    normal = burst(series[now], fit.expected(now), BurstConfig(), fit.dispersion_at(now))
    spiked = burst(series[now] + 40, fit.expected(now), BurstConfig(), fit.dispersion_at(now))
    assert not normal.is_burst and spiked.is_burst


def test_a_repeat_of_a_past_burst_is_still_found():
    series = background(14, 20)
    series[T0 + timedelta(days=12, hours=15)] += 60                   # two days ago
    now = T0 + timedelta(days=14, hours=15)
    fit = Baseline.fit({h: n for h, n in series.items() if h < now}, now)
    assert burst(series[now] + 40, fit.expected(now), BurstConfig(), fit.dispersion_at(now)).is_burst


# events -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def relevant_volume():
    """Relevant posts per hour: about 5 an hour at night, 200 in the afternoon."""
    series = {h: n for h, n in background(15, 200).items() if h < T0 + 14 * DAY}
    return Baseline.fit(series, T0 + 14 * DAY)


@pytest.mark.parametrize("hour", [3, 15])
def test_an_event_of_forty_posts_in_an_hour_is_a_burst(relevant_volume, hour):
    now = T0 + timedelta(days=14, hours=hour, minutes=50)
    ev = event({now.replace(minute=0): 40})
    b = event_burst(ev, now, relevant_volume, BurstConfig())
    assert b.is_burst and b.observed == 40


def test_an_ordinary_story_in_a_busy_afternoon_is_not(relevant_volume):
    now = T0 + timedelta(days=14, hours=15, minutes=50)
    assert relevant_volume.expected(now) > 150
    ev = event({now.replace(minute=0) - HOUR: 8, now.replace(minute=0): 12})
    b = event_burst(ev, now, relevant_volume, BurstConfig())
    assert not b.is_burst and b.observed == 13            # 8 * 10/60 + 12
    # the same story at 3 a.m. stands out
    night = T0 + timedelta(days=14, hours=3, minutes=50)
    ev = event({night.replace(minute=0) - HOUR: 8, night.replace(minute=0): 12})
    assert event_burst(ev, night, relevant_volume, BurstConfig()).is_burst


def test_three_event_posts_are_never_a_burst(relevant_volume):
    now = T0 + timedelta(days=14, hours=3, minutes=5)
    ev = event({now.replace(minute=0): 3})
    assert not event_burst(ev, now, relevant_volume, BurstConfig()).is_burst
    assert not event_burst(ev, now, None, BurstConfig(floor=0.01)).is_burst


def test_event_window_shares_hour_buckets():
    now = T0 + timedelta(hours=14, minutes=10)
    assert event_window(now, HOUR) == [(T0 + 13 * HOUR, pytest.approx(5 / 6), pytest.approx(5 / 6)),
                                       (T0 + 14 * HOUR, 1.0, pytest.approx(1 / 6))]
    # a window inside the current bucket takes its share of the posts so far
    assert event_window(now, timedelta(minutes=5)) == [(T0 + 14 * HOUR, pytest.approx(0.5),
                                                        pytest.approx(1 / 12))]
    ev = event({T0 + 12 * HOUR: 30, T0 + 13 * HOUR: 6, T0 + 14 * HOUR: 4})
    b = event_burst(ev, now, None, BurstConfig())
    assert b.observed == 9                                    # 6 * 5/6 + 4; 12:00 is out
    assert b.expected == pytest.approx(1.0)                   # the floor, over one hour
    assert b.score == pytest.approx(tail_score(9.0, 1.0))
    # hour keys survive the trip through the Store's JSON
    assert event_burst(Event.from_dict(ev.to_dict()), now, None, BurstConfig()) == b


# volumes from the Store ------------------------------------------------------------

def _posts(series: dict[datetime, int], topic: Topic, seed: int, prefix: str) -> list[Post]:
    rng = np.random.default_rng(seed)
    out = []
    for h, n in series.items():
        for k, minute in enumerate(rng.uniform(0, 60, n)):
            out.append(Post(id=f"{prefix}{h:%m%d%H}-{k}", text="检察院", tokens=["检察院"],
                            platform=Platform.WEIBO, relevant=True, topic=topic,
                            published_at=h + timedelta(minutes=float(minute))))
    return out


@pytest.fixture
def topic_store(store):
    case = background(16, 20)
    petition = background(17, 4)
    night, afternoon = T0 + timedelta(days=18, hours=3), T0 + timedelta(days=19, hours=15)
    case[night] += 40
    case[afternoon] += 40
    store.upsert(_posts(case, Topic.CASE, 1, "c") + _posts(petition, Topic.PETITION, 2, "p"))
    return store, {night, afternoon}


def test_volume_bursts_over_a_week(topic_store):
    store, planted = topic_store
    cache = BaselineCache()
    found = set()
    for i in range(14 * 24 + 1, 21 * 24 + 1):
        now = T0 + i * HOUR
        result = volume_bursts(store, now, "topic", BurstConfig(), cache=cache)
        assert set(result) == {"case", "petition"}
        assert not result["petition"].is_burst, now
        if result["case"].is_burst:
            found.add(now - HOUR)
    assert found == planted


def test_volume_bursts_with_ten_minute_steps_and_a_query(topic_store):
    store, planted = topic_store
    night = min(planted)
    cache = BaselineCache()
    hits = []
    for k in range(-6, 13):
        now = night + timedelta(minutes=10 * k)
        b = volume_bursts(store, now, None, BurstConfig(), query="topic:case", cache=cache)["all"]
        hits.append(b.is_burst)
    assert not any(hits[:4]) and any(hits[6:13])
    assert len(cache) == 4                         # fitted once an hour, not on every step


def test_volume_bursts_on_an_empty_store(store):
    assert volume_bursts(store, T0, "topic") == {}
    assert volume_bursts(store, T0, None)["all"].observed == 0


@pytest.mark.parametrize("options", [{"p_value": 0}, {"window": timedelta(0)}, {"floor": 0},
                                     {"event_share": -1}, {"dispersion": -0.1}])
def test_bad_burst_options(options):
    with pytest.raises(ConfigError):
        BurstConfig(**options)
