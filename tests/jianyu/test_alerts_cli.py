"""`jianyu alerts …` on a small labeled synthetic week: the backtest's JSON shape, reports
shown, marked and measured, an event closed by hand, and config errors that name the key."""
from __future__ import annotations

import json
from datetime import datetime

import orjson
import pytest
from click.testing import CliRunner

from alerts.backtest import backtest
from alerts.report import Report
from alerts.synthetic import generate, write_jsonl
from indexer.alertstate import EventRecord, ReportRecord
from indexer.post import SHANGHAI
from indexer.sqlite import SqliteStore
from jianyu.build_alerts import engine_config
from jianyu.cli import cli
from jianyu.config import load_settings

END = datetime(2026, 11, 30, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def week(tmp_path_factory, model_dir):
    folder = tmp_path_factory.mktemp("cli")
    cfg = folder / "jianyu.yaml"
    cfg.write_text(f"store: {{path: '{folder / 'j.db'}'}}\nnlp: {{model_dir: '{model_dir}'}}\n"
                   f"alerts:\n  channels:\n    - {{name: archive, type: file, directory: '{folder / 'out'}'}}\n",
                   encoding="utf-8")
    stream = generate(scale=0.5)
    r = CliRunner().invoke(cli, ["--config", str(cfg), "ingest", str(write_jsonl(stream, folder / "s.jsonl"))],
                           catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return cfg, folder, stream


def run(cfg, *args):
    return CliRunner().invoke(cli, ["--config", str(cfg), *args], catch_exceptions=False)


def test_backtest_json_lists_every_report_with_every_post(week):
    cfg, _, stream = week
    r = run(cfg, "alerts", "backtest", "--from", stream.start.isoformat(), "--to", END.isoformat(),
            "--step", "10m", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["reports"], "the stories of the week make reports"
    first = doc["reports"][0]
    assert set(first) == {"event_id", "kind", "sent_at", "level", "title", "sentiment", "topic", "post_count",
                          "first_post", "posts"}
    assert first["kind"] == "first" and first["level"] in ("general", "serious", "major")
    assert set(first["first_post"]) == {"id", "url", "site", "published_at"}
    assert len(first["posts"]) == first["post_count"] and all(set(p) == {"id", "url"} for p in first["posts"])
    kinds = {(x["event_id"], x["kind"]) for x in doc["reports"]}
    assert sum(1 for _, k in kinds if k == "first") == sum(1 for x in doc["reports"] if x["kind"] == "first")
    # a backtest leaves the store as it was
    with SqliteStore(week[1] / "j.db") as store:
        assert store.alerts.reports() == [] and store.alerts.events() == []


def test_reports_are_shown_marked_measured_and_closed(week):
    cfg, folder, stream = week
    # keep two 首报 as if the live worker had made them (a backtest writes nothing)
    with SqliteStore(folder / "j.db") as store:
        result = backtest(store, stream.start, END, config=engine_config(load_settings(cfg)))
        kept = [rep for rep in result.reports if rep.kind == "first"][:2]
        assert len(kept) == 2
        for rep in kept:
            assert store.alerts.claim_report(ReportRecord(rep.id, rep.event_id, rep.kind, rep.level.value,
                                                          rep.sent_at, rep.title, rep.to_dict()))
        for rep in kept:  # the event records the worker would have saved
            store.alerts.save_events([EventRecord(rep.event_id, rep.title, "open", rep.first.published_at,
                                                  rep.sent_at, rep.post_count, rep.level.value,
                                                  {**_event_dict(rep)})])
    listed = run(cfg, "alerts", "list", "--since", "2026-11-01", "--json")
    ids = [x["id"] for x in json.loads(listed.stdout)["reports"]]
    assert ids == [rep.id for rep in kept]
    shown = run(cfg, "alerts", "show", ids[0], "--format", "html")
    assert shown.exit_code == 0 and "<script" not in shown.stdout and "首报" in shown.stdout
    assert run(cfg, "alerts", "mark", ids[0], "useful").exit_code == 0
    assert run(cfg, "alerts", "mark", ids[1], "false_alarm", "--note", "旧闻").exit_code == 0
    bad = run(cfg, "alerts", "mark", "ev-nope:first", "useful")
    assert bad.exit_code == 2 and "no report 'ev-nope:first'" in bad.output
    measured = json.loads(run(cfg, "alerts", "evaluate", "--json").stdout)
    assert (measured["marked"], measured["useful"], measured["false_alarm"], measured["precision"]) == (2, 1, 1, 0.5)
    closed = run(cfg, "alerts", "close", kept[0].event_id, "--note", "已处置完毕")
    assert closed.exit_code == 0, closed.output
    again = run(cfg, "alerts", "close", kept[0].event_id)
    assert again.exit_code == 2          # closed once only
    archived = list((folder / "out").glob("*.json"))
    assert len(archived) == 1 and "已处置完毕" in archived[0].read_text(encoding="utf-8")


def _event_dict(rep: Report) -> dict:
    from collections import Counter

    from alerts.model import Event

    e = Event(id=rep.event_id, title=rep.title, first=rep.first, posts=dict(rep.posts),
              sentiments=Counter(dict(rep.sentiments)), topics=Counter(dict(rep.topics)),
              first_seen=rep.first.published_at, last_seen=rep.sent_at)
    return orjson.loads(orjson.dumps(e.to_dict()))


@pytest.mark.parametrize("yaml,key", [
    ("alerts:\n  channels:\n    - {name: x, type: email, host: h, sender: a, recipients: [b], colour: red}\n",
     "alerts.channels[x]"),
    ("alerts:\n  channels:\n    - {name: y, type: pager}\n", "alerts.channels[y].type"),
    ("alerts:\n  burst: {min_post: 3}\n", "alerts.burst.min_post"),
    ("alerts:\n  channels:\n    - {name: z, type: wecom, url_env: JIANYU_TEST_UNSET_VAR}\n",
     "alerts.channels[z].url_env"),
])
def test_a_bad_alert_setting_names_its_key(tmp_path, yaml, key):
    cfg = tmp_path / "jianyu.yaml"
    cfg.write_text(f"store: {{path: '{tmp_path / 'j.db'}'}}\n" + yaml, encoding="utf-8")
    r = run(cfg, "alerts", "run", "--once")
    assert r.exit_code == 2 and key in r.output, r.output
