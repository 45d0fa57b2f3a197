"""ElastAlert-style spike and frequency rules: windows, thresholds, realert, garbage_collect."""
from datetime import datetime, timedelta

import pytest

from alerts.rules import (RULE_TYPES, FrequencyRule, FrequencyRuleConfig, RuleMatch, SpikeRule,
                          SpikeRuleConfig, parse_duration, rule_from_dict, spike_kind)
from indexer.post import SHANGHAI, Post
from nlp.errors import ConfigError
from nlp.labels import Platform, Topic

T0 = datetime(2026, 11, 28, 8, 0, tzinfo=SHANGHAI)
MIN = timedelta(minutes=1)


def feed(rule, counts, start=T0, step=10 * MIN, key="all"):
    """One count every `step`; returns the matches made."""
    for i, n in enumerate(counts):
        rule.add_data(start + i * step, n, key)
    return rule.pop_matches()


def config(**kw):
    kw.setdefault("name", "涉检舆情突增")
    return SpikeRuleConfig(**kw)


# the comparison --------------------------------------------------------------------

def test_spike_kind_follows_elastalert():
    c = config(spike_height=3, spike_type="both")
    assert spike_kind(30, 10, c) == "up" and spike_kind(29, 10, c) is None
    assert spike_kind(3, 10, c) == "down" and spike_kind(4, 10, c) is None
    assert spike_kind(5, 0, c) == "up"                 # from nothing, with threshold_ref 0
    assert spike_kind(0, 0, c) is None                 # nothing is not a spike either way
    assert spike_kind(30, 10, config(spike_type="down")) is None
    assert spike_kind(3, 10, config(spike_type="up")) is None
    assert spike_kind(30, 10, config(threshold_cur=31)) is None
    assert spike_kind(30, 10, config(threshold_ref=11)) is None
    assert spike_kind(30, 10, config(threshold_ref=10, threshold_cur=30)) == "up"


# pushed counts ------------------------------------------------------------------------

def test_spike_up():
    rule = SpikeRule(config(timeframe=timedelta(hours=1), spike_height=3))
    matches = feed(rule, [2] * 12 + [8] * 6)           # two quiet hours, then a busy one
    assert len(matches) == 1
    m = matches[0]
    assert m.kind == "up" and m.key == "all" and m.reference == 12 and m.current >= 36
    assert m.describe().startswith("「涉检舆情突增」最近1小时") and "突增" in m.describe()


def test_no_alert_before_two_timeframes():
    rule = SpikeRule(config(timeframe=timedelta(hours=1)))
    assert feed(rule, [0] * 5 + [50] * 6) == []       # started 110 minutes ago
    rule = SpikeRule(config(timeframe=timedelta(hours=1)))
    assert len(feed(rule, [1] * 7 + [0] * 5 + [50] * 6)) == 1


def test_spike_down_is_seen_in_a_quiet_spell_through_garbage_collect():
    rule = SpikeRule(config(spike_type="down", spike_height=4))
    feed(rule, [5] * 18)                               # three steady hours
    assert rule.pop_matches() == []
    last = T0 + 17 * 10 * MIN
    for k in range(1, 7):                              # then nothing arrives
        rule.garbage_collect(last + k * 10 * MIN)
    matches = rule.pop_matches()
    assert [m.kind for m in matches] == ["down"]
    assert matches[0].reference == 30 and matches[0].current <= 7


def test_thresholds_hold_back_small_numbers():
    small = [0] * 12 + [1, 0, 1, 0, 1, 1]              # 0 -> 4 is "infinitely" more
    assert len(feed(SpikeRule(config()), small)) == 1
    assert feed(SpikeRule(config(threshold_cur=5)), small) == []
    assert feed(SpikeRule(config(threshold_ref=1)), small) == []


GROWING = [2] * 12 + [10] * 6 + [40] * 6 + [160] * 6 + [640] * 6 + [2560] * 18   # x4 an hour


def test_quiet_for_two_timeframes_after_an_alert():
    matches = feed(SpikeRule(config()), GROWING)
    times = [m.time - T0 for m in matches]
    # each alert discards the reference: the next needs two fresh timeframes
    assert times == [timedelta(hours=2, minutes=20), timedelta(hours=4, minutes=30),
                     timedelta(hours=6, minutes=40)]


def test_realert_suppresses_repeats():
    quiet = SpikeRule(config(realert=timedelta(hours=3)))
    matches = feed(quiet, GROWING)
    # 10:20 alerts, 12:30 is within three hours of it, 14:40 is not
    assert [m.time - T0 for m in matches] == [timedelta(hours=2, minutes=20), timedelta(hours=6, minutes=40)]
    assert quiet.silenced == 1
    # another key is not silenced by this one's alert
    assert len(feed(quiet, [2] * 12 + [10] * 6, key="other")) == 1
    assert quiet.silenced == 1
    # garbage_collect lets realert memories run out
    quiet.garbage_collect(T0 + timedelta(hours=12))
    assert quiet._last_alert == {}


def test_garbage_collect_forgets_quiet_keys():
    rule = SpikeRule(config(query_key="topic"))
    rule.add_data(T0, 3, "case")
    rule.add_data(T0, 3, "petition")
    for k in range(1, 30):
        rule.add_data(T0 + k * 10 * MIN, 3, "case")
        rule.garbage_collect(T0 + k * 10 * MIN)
    assert set(rule._cur) == {"case"}                 # petition went quiet for two timeframes


def test_new_keys_wait_unless_alert_on_new_data():
    steady = [(T0 + k * 10 * MIN, 2, "case") for k in range(15)]
    for new_data, expected in ((False, []), (True, ["up"])):
        rule = SpikeRule(config(query_key="topic", alert_on_new_data=new_data))
        for t, n, key in steady:
            rule.add_data(t, n, key)
        for k in range(15, 21):                        # a topic never seen before bursts
            rule.add_data(T0 + k * 10 * MIN, 30, "incident")
        assert [m.kind for m in rule.pop_matches()] == expected


def test_frequency_rule():
    rule = FrequencyRule(FrequencyRuleConfig(name="集中投诉", num_events=10, timeframe=timedelta(hours=1)))
    matches = feed(rule, [1] * 6 + [3] * 4)
    assert len(matches) == 1 and matches[0].current == 10
    assert matches[0].describe() == "「集中投诉」1小时内10条，达到阈值"
    assert feed(rule, [1] * 9, start=T0 + 2 * timedelta(hours=1)) == []
    rule.garbage_collect(T0 + timedelta(hours=5))
    assert rule._windows == {}


# counts from the Store -------------------------------------------------------------------

def _post(i: int, when: datetime, topic: Topic = Topic.CASE, text: str = "检察院") -> Post:
    return Post(id=f"p{i}", text=text, tokens=[text], platform=Platform.WEIBO, relevant=True,
                topic=topic, published_at=when)


@pytest.fixture
def spiky_store(store):
    posts, i = [], 0
    for minute in range(0, 180, 6):                   # 10 an hour from 08:00 to 11:00
        posts.append(_post(i, T0 + minute * MIN))
        i += 1
    for minute in range(180, 240):                    # 60 in the hour from 11:00
        posts.append(_post(i, T0 + minute * MIN, Topic.CONDUCT))
        i += 1
    for minute in range(0, 240, 20):                  # unrelated posts the query leaves out
        posts.append(_post(i, T0 + minute * MIN, text="天气"))
        i += 1
    store.upsert(posts)
    return store


def test_evaluate_reads_both_windows_from_the_store(spiky_store):
    rule = SpikeRule(config(query="检察院", threshold_cur=20))
    assert rule.evaluate(spiky_store, T0 + timedelta(hours=3)) == []        # 10 vs 10
    matches = rule.evaluate(spiky_store, T0 + timedelta(hours=4))
    assert len(matches) == 1
    assert (matches[0].current, matches[0].reference, matches[0].kind) == (60, 10, "up")
    assert rule.matches == matches and rule.pop_matches() == matches and rule.matches == []
    # the same spike is not reported again on the next steps
    for k in range(1, 12):
        assert rule.evaluate(spiky_store, T0 + timedelta(hours=4) + k * 10 * MIN) == []


def test_evaluate_with_a_query_key(spiky_store):
    rule = SpikeRule(config(query="检察院", query_key="topic", alert_on_new_data=True))
    rule.evaluate(spiky_store, T0 + timedelta(hours=3))
    matches = rule.evaluate(spiky_store, T0 + timedelta(hours=4))
    # conduct appeared only in the last hour: with alert_on_new_data it may alert;
    # case dropped from 10 to 0, which is no rise
    assert [(m.key, m.kind, m.current, m.reference) for m in matches] == [("conduct", "up", 60, 0)]
    assert matches[0].describe() == "「涉检舆情突增」（队伍作风）最近1小时60条，此前1小时0条，突增"


def test_frequency_evaluate_restarts_after_a_match(spiky_store):
    rule = FrequencyRule(FrequencyRuleConfig(name="集中", query="检察院", num_events=30))
    now = T0 + timedelta(hours=3, minutes=30)
    assert [m.current for m in rule.evaluate(spiky_store, now)] == [35]
    assert rule.evaluate(spiky_store, now + 10 * MIN) == []                  # 10 since the match
    assert [m.current for m in rule.evaluate(spiky_store, now + 30 * MIN)] == [30]


# options ---------------------------------------------------------------------------

def test_rule_from_elastalert_options():
    rule = rule_from_dict({"type": "spike", "name": "突增", "query": "检察院 OR 检察官",
                           "timeframe": {"minutes": 30}, "spike_height": 2, "spike_type": "both",
                           "threshold_cur": 5, "threshold_ref": 5, "realert": "2h",
                           "query_key": "topic"})
    assert isinstance(rule, SpikeRule)
    assert rule.config.timeframe == timedelta(minutes=30) and rule.config.realert == timedelta(hours=2)
    assert isinstance(rule_from_dict({"type": "frequency", "name": "n", "num_events": 3}), FrequencyRule)
    assert set(RULE_TYPES) == {"spike", "frequency"}


@pytest.mark.parametrize("options, word", [
    ({"name": "x", "spike_type": "sideways"}, "spike_type"),
    ({"name": "x", "spike_height": 0}, "spike_height"),
    ({"name": "x", "timeframe": "soon"}, "timeframe"),
    ({"name": "x", "timeframe": "0m"}, "timeframe"),
    ({"name": "x", "query_key": "author"}, "query_key"),
    ({"name": "x", "query": "(检察院"}, "query"),
    ({"name": "x", "threshold_cur": -1}, "threshold_cur"),
    ({"name": "x", "filter": []}, "filter"),
    ({"type": "flatline", "name": "x"}, "flatline"),
    ({"spike_height": 2}, "name"),
])
def test_bad_options_name_the_key(options, word):
    with pytest.raises(ConfigError, match=word):
        rule_from_dict(options)


def test_parse_duration():
    assert parse_duration("90s") == timedelta(seconds=90)
    assert parse_duration("1.5h") == timedelta(minutes=90)
    assert parse_duration({"days": 1, "hours": 2}) == timedelta(hours=26)
    assert parse_duration(timedelta(minutes=3)) == timedelta(minutes=3)


def test_match_is_a_plain_record():
    m = RuleMatch("r", "all", T0, "down", 2, 20, timedelta(minutes=30))
    assert m.describe() == "「r」最近30分钟2条，此前30分钟20条，骤降"
