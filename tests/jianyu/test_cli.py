"""The command line: ingest, search, nlp evaluate; JSON shapes and exit codes."""
import json

import pytest
from click.testing import CliRunner

from jianyu.cli import cli

POSTS = [
    {"id": "c1", "platform": "weibo", "site": "weibo.com", "published_at": "2026-11-29 09:12",
     "text": "青石县检察院干警开公车去喝喜酒，这作风问题谁来管？[怒] #公车私用#"},
    {"id": "c2", "platform": "news", "site": "云州日报", "title": "检察机关就临河污染提起公益诉讼",
     "published_at": "2026-11-28 15:00",
     "text": "青石县人民检察院近日就化工厂污染临河一事提起行政公益诉讼，沿岸村民纷纷点赞。"},
    {"id": "c3", "platform": "forum", "published_at": "2026-11-27 20:00",
     "text": "正当防卫反被起诉？检察院这次的不起诉决定大快人心"},
]


@pytest.fixture
def env(tmp_path, model_dir):
    cfg = tmp_path / "jianyu.yaml"
    cfg.write_text(f"store: {{path: '{tmp_path / 'j.db'}'}}\nnlp: {{model_dir: '{model_dir}'}}\n", encoding="utf-8")
    posts = tmp_path / "posts.jsonl"
    posts.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in POSTS) + "\n{broken\n", encoding="utf-8")
    return {"JIANYU_CONFIG": str(cfg)}, posts


def run(args, env_vars):
    return CliRunner().invoke(cli, args, env=env_vars, catch_exceptions=False)


def test_ingest_then_search_json(env):
    env_vars, posts = env
    r = run(["ingest", str(posts), "--json"], env_vars)
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert (summary["read"], summary["stored"], summary["quarantined"]) == (4, 3, 1)
    r = run(["search", "公益诉讼", "--json"], env_vars)
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert doc["total"] == 1
    hit = doc["hits"][0]
    assert set(hit) == {"id", "url", "title", "text", "published_at", "platform", "site", "author",
                        "relevant", "sentiment", "topic", "highlight"}
    assert hit["id"] == "c2" and "<mark>" in hit["highlight"] and hit["published_at"].endswith("+08:00")


def test_search_options_and_text_output(env):
    env_vars, posts = env
    run(["ingest", str(posts)], env_vars)
    r = run(["search", "检察院", "--platform", "forum", "--from", "2026-11-27", "--to", "2026-11-28"], env_vars)
    assert r.exit_code == 0 and r.stdout.startswith("1 posts") and "c3" in r.stdout
    r = run(["search", "--sort", "relevance", "--limit", "1", "--json"], env_vars)
    assert json.loads(r.stdout)["total"] == 3 and len(json.loads(r.stdout)["hits"]) == 1


def test_bad_query_exits_2_and_says_where(env):
    env_vars, _ = env
    r = run(["search", "检察院 AND (公益诉讼"], env_vars)
    assert r.exit_code == 2
    assert "unclosed '('" in r.stderr and "^" in r.stderr


def test_bad_option_value_exits_2(env):
    env_vars, _ = env
    assert run(["search", "x", "--from", "yesterdayish"], env_vars).exit_code == 2
    assert run(["search", "x", "--topic", "weather"], env_vars).exit_code == 2


def test_bad_config_exits_2_naming_the_key(tmp_path):
    cfg = tmp_path / "j.yaml"
    cfg.write_text("store: {backend: mysql}\n", encoding="utf-8")
    r = run(["search", "x"], {"JIANYU_CONFIG": str(cfg)})
    assert r.exit_code == 2 and "store.backend" in r.stderr and "sqlite" in r.stderr


def test_missing_file_exits_2(env):
    env_vars, _ = env
    r = run(["ingest", "/nonexistent.jsonl"], env_vars)
    assert r.exit_code == 2 and "no such file" in r.stderr


def test_missing_model_exits_1_and_says_what_to_run(tmp_path, env):
    env_vars, posts = env
    cfg = tmp_path / "nomodel.yaml"
    cfg.write_text(f"store: {{path: '{tmp_path / 'n.db'}'}}\nnlp: {{model_dir: '{tmp_path / 'empty'}'}}\n")
    r = run(["ingest", str(posts)], {"JIANYU_CONFIG": str(cfg)})
    assert r.exit_code == 1 and "jianyu nlp train" in r.stderr


def test_retry_quarantine(env):
    env_vars, posts = env
    run(["ingest", str(posts)], env_vars)
    r = run(["ingest", "--retry-quarantine", "--json"], env_vars)
    doc = json.loads(r.stdout)
    assert r.exit_code == 0 and doc["released"] == 0 and doc["quarantined"] == 1


def test_nlp_evaluate_json_shape(env, tmp_path):
    env_vars, _ = env
    labeled = tmp_path / "labeled.jsonl"
    rows = [dict(POSTS[0], relevant=True, sentiment="negative", topic="conduct"),
            dict(POSTS[1], relevant=True, sentiment="positive", topic="public_interest"),
            {"id": "x", "text": "《人民的名义》重播了，侯亮平还是那么帅", "relevant": False, "sentiment": "positive",
             "topic": "irrelevant"}]
    labeled.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    r = run(["nlp", "evaluate", str(labeled), "--json"], env_vars)
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["n"] == 3 and set(doc) == {"n", "relevant", "sentiment", "topic"}
    for label in ("relevant", "sentiment", "topic"):
        assert set(doc[label]) == {"accuracy", "macro_f1", "per_class", "confusion"}
        for scores in doc[label]["per_class"].values():
            assert set(scores) == {"precision", "recall", "f1", "support"}
    assert set(doc["relevant"]["per_class"]) <= {"true", "false"}
    text = run(["nlp", "evaluate", str(labeled)], env_vars)
    assert text.exit_code == 0 and "macro-F1" in text.stdout and "confusion" in text.stdout


def test_nlp_evaluate_rejects_unlabeled_file(env, tmp_path):
    env_vars, _ = env
    f = tmp_path / "u.jsonl"
    f.write_text(json.dumps({"id": "a", "text": "检察院"}), encoding="utf-8")
    r = run(["nlp", "evaluate", str(f)], env_vars)
    assert r.exit_code == 2 and "u.jsonl:1" in r.stderr


def test_option_environment_twin(env):
    env_vars, posts = env
    run(["ingest", str(posts)], env_vars)
    r = run(["search", "--json"], {**env_vars, "JIANYU_SEARCH_LIMIT": "1"})
    assert len(json.loads(r.stdout)["hits"]) == 1
