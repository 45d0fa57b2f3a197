"""Configured ElastAlert-style rules run in the live worker and reach the channels."""
from datetime import datetime, timedelta

from alerts.channels import make_channel
from alerts.engine import EngineConfig
from alerts.live import LiveAlerts
from alerts.outbox import Outbox
from indexer.post import SHANGHAI, Post
from jianyu.build_alerts import make_rules
from jianyu.config import load_settings
from nlp.labels import Platform, Sentiment, Topic

NOW = datetime(2026, 11, 24, 15, 0, tzinfo=SHANGHAI)


def post(i: int, minutes_ago: int) -> Post:
    return Post(id=f"p{i}", text=f"第{i}条：某县检察院干警作风问题被曝光，网友要求彻查<script>x</script>",
                platform=Platform.WEIBO, published_at=NOW - timedelta(minutes=minutes_ago), relevant=True,
                sentiment=Sentiment.NEGATIVE, topic=Topic.CONDUCT, tokens=["检察院", "作风", str(i)])


def test_a_spike_rule_alerts_once_on_the_channels(store, tmp_path):
    cfg = tmp_path / "jianyu.yaml"
    cfg.write_text("alerts:\n  rules:\n    - {name: 作风激增, type: spike, query: 'topic:conduct', timeframe: 1h,"
                   " spike_height: 3, threshold_cur: 10, realert: 6h}\n", encoding="utf-8")
    rules = make_rules(load_settings(cfg, environ={}))
    store.upsert([post(i, 70 + i) for i in range(2)] + [post(10 + i, i * 2 + 1) for i in range(24)])
    out = tmp_path / "out"
    outbox = Outbox(store.alerts, {"archive": make_channel("file", "archive", directory=str(out))}, "w")
    live = LiveAlerts(store, EngineConfig(), outbox, worker="w", rules=rules)
    first = live.step(NOW)
    assert [m.current for m in first.rule_matches] == [24]
    again = live.step(NOW + timedelta(minutes=10))
    assert again.rule_matches == []          # realert keeps it to one
    assert [r.kind for r in first.reports] == ["first"]   # the 24 posts are also one event
    sent = list(out.glob("*rule_*.md"))
    assert len(sent) == 1
    text = sent[0].read_text(encoding="utf-8")
    assert "作风激增" in text and "24" in text
