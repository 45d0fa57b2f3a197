"""`jianyu index …` and the other commands on a cluster store, switched by settings only."""
import json
from datetime import datetime

import pytest
from click.testing import CliRunner

from indexer.alertstate import EventRecord, ReportRecord
from indexer.crawlstate import Evidence, SeenPage
from indexer.post import SHANGHAI
from jianyu.cli import cli

POSTS = [
    {"id": "c1", "platform": "weibo", "site": "weibo.com", "published_at": "2026-11-29 09:12",
     "text": "青石县检察院干警开公车去喝喜酒，这作风问题谁来管？[怒] #公车私用#"},
    {"id": "c2", "platform": "news", "site": "云州日报", "title": "检察机关就临河污染提起公益诉讼",
     "published_at": "2026-11-28 15:00", "url": "https://news.example/c2",
     "text": "青石县人民检察院近日就化工厂污染临河一事提起行政公益诉讼，沿岸村民纷纷点赞。"},
    {"id": "c3", "platform": "forum", "published_at": "2026-11-27 20:00",
     "text": "正当防卫反被起诉？检察院这次的不起诉决定大快人心"},
]
T0 = datetime(2026, 11, 1, 8, 0, tzinfo=SHANGHAI)


@pytest.fixture
def cluster(osmem, tmp_path, model_dir):
    """A config file for the SQLite store; the environment switches it to a cluster."""
    clone = osmem.clone()
    cfg = tmp_path / "jianyu.yaml"
    cfg.write_text(f"store: {{path: '{tmp_path / 'j.db'}', spool_dir: '{tmp_path / 'spool'}', retries: 1, "
                   f"retry_backoff: 0.01, settle_seconds: 0, index_prefix: cli}}\n"
                   f"nlp: {{model_dir: '{model_dir}'}}\n", encoding="utf-8")
    posts = tmp_path / "posts.jsonl"
    posts.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in POSTS) + "\n", encoding="utf-8")
    yield osmem, clone, {"JIANYU_CONFIG": str(cfg)}, posts
    clone.close()


def run(args, env, code=0):
    r = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    assert r.exit_code == code, r.output
    return r


@pytest.mark.parametrize("backend", ["opensearch", "elasticsearch"])
def test_one_setting_switches_every_command_to_the_cluster(cluster, backend):
    osmem, clone, env, posts = cluster
    env = {**env, "JIANYU__STORE__BACKEND": backend, "JIANYU__STORE__URL": osmem.url_for(backend, clone)}
    created = json.loads(run(["index", "setup", "--json"], env).stdout)["created"]
    assert "cli-reports" in created and any(c.startswith("cli-posts-") for c in created)
    assert json.loads(run(["index", "setup", "--json"], env).stdout)["created"] == []
    summary = json.loads(run(["ingest", str(posts), "--json"], env).stdout)
    assert summary["stored"] == 3
    found = json.loads(run(["search", "公益诉讼", "--json"], env).stdout)
    assert found["total"] == 1 and "<mark>公益诉讼</mark>" in found["hits"][0]["highlight"]
    assert json.loads(run(["search", "site:weibo.com", "--json"], env).stdout)["total"] == 1
    stats = json.loads(run(["index", "stats", "--json"], env).stdout)
    posts_index = [r for r in stats["indices"] if r["index"] == stats["write_index"]]
    assert posts_index[0]["docs"] == 3 and stats["spool"] == {"files": 0, "bytes": 0}
    assert "← writes" in run(["index", "stats"], env).stdout
    r = run(["index", "prune"], env, code=2)
    assert "store.retention_months" in r.output
    r = run(["index", "prune", "--dry-run", "--json"], {**env, "JIANYU__STORE__RETENTION_MONTHS": "12"})
    assert json.loads(r.stdout)["indices"] == []


def test_reindex_moves_the_embedded_store_and_resumes(cluster, tmp_path):
    from indexer.sqlite import SqliteStore

    osmem, clone, env, posts = cluster
    run(["ingest", str(posts)], env)          # into SQLite (store.backend is sqlite)
    with SqliteStore(tmp_path / "j.db") as src:
        src.set_event_ids({"c1": "e1"})
        src.alerts.save_events([EventRecord("e1", "公车私用", "open", T0, T0, 1)])
        src.alerts.claim_report(ReportRecord("e1:first:general", "e1", "first", "general", T0, "首报"))
        src.alerts.set_cursor("events", "2")
        src.crawl.mark_seen([SeenPage("https://news.example/c2", T0, post_id="c2")])
        src.crawl.save_evidence([("c2", Evidence("ab" * 32, "https://news.example/c2", T0, 200, "text/html",
                                                 b"\x1f\x8b", {"ETag": "x"}))])
        src.crawl.record_round("news", T0, pages=3, posts=1, errors=0, last_error="", succeeded=True)
    env = {**env, "JIANYU__STORE__URL": osmem.url_for("opensearch", clone)}
    r = run(["index", "reindex", "--from", "sqlite", "--to", "opensearch", "--batch", "2", "--json"], env)
    s = json.loads(r.stdout)
    assert (s["posts"], s["inserted"], s["events"], s["reports"], s["seen_pages"], s["evidence"], s["sources"]) == (
        3, 3, 1, 1, 1, 1, 1)
    again = json.loads(run(["index", "reindex", "--from", "sqlite", "--to", "opensearch", "--json"], env).stdout)
    assert again["resumed"] and (again["posts"], again["reports"], again["seen_pages"]) == (0, 0, 0)
    restart = json.loads(run(["index", "reindex", "--from", "sqlite", "--to", "opensearch", "--restart", "--json"],
                             env).stdout)
    assert (restart["posts"], restart["unchanged"]) == (3, 3)
    cluster_env = {**env, "JIANYU__STORE__BACKEND": "opensearch"}
    assert json.loads(run(["search", "event:e1", "--json"], cluster_env).stdout)["total"] == 1
    from tests.indexer.esfixtures import make_cluster_store

    with make_cluster_store("opensearch", env["JIANYU__STORE__URL"], tmp_path, index_prefix="cli") as dst:
        assert dst.alerts.get_report("e1:first:general").title == "首报"
        assert dst.alerts.get_cursor("events") is None      # SQLite positions are not copied
        assert dst.crawl.evidence_for("c2")[0].body_gz == b"\x1f\x8b"
        assert dst.crawl.health()[0].pages == 3


def test_reindex_interrupted_goes_on_where_it_stopped(osmem, tmp_path):
    from indexer.es_reindex import reindex
    from indexer.sqlite import SqliteStore
    from tests.indexer.esfixtures import make_cluster_store
    from tests.indexer.test_es_store import post

    clone = osmem.clone()
    try:
        with SqliteStore(tmp_path / "s.db") as src, \
                make_cluster_store("opensearch", clone.url, tmp_path, spool_dir=None) as dst:
            src.upsert([post(f"p{i}", f"检察院 第{i}条", hours=i) for i in range(7)])
            seen = []

            def stop_after_two_batches(n):
                seen.append(n)
                if len(seen) == 2:
                    raise KeyboardInterrupt

            with pytest.raises(KeyboardInterrupt):
                reindex(src, dst, batch=3, progress=stop_after_two_batches)
            assert dst.count() == 6
            s = reindex(src, dst, batch=3)
            assert s.resumed and s.posts == 1 and dst.count() == 7
    finally:
        clone.close()


def test_settings_errors_name_the_key(cluster):
    osmem, clone, env, posts = cluster
    r = run(["search", "检察院"], {**env, "JIANYU__STORE__BACKEND": "elasticsearch"}, code=2)
    assert "store.url" in r.output
    r = run(["search", "检察院"], {**env, "JIANYU__STORE__BACKEND": "opensearch",
                                   "JIANYU__STORE__URL": clone.url, "JIANYU__STORE__API_KEY": "k"}, code=2)
    assert "store.api_key" in r.output
    r = run(["index", "stats"], env, code=2)
    assert "store.backend" in r.output
    r = run(["search", "检察院"], {**env, "JIANYU__STORE__INDEX_PREFIX": "Upper"}, code=2)
    assert "store.index_prefix" in r.output


def test_replay_command_empties_the_spool(cluster, tmp_path):
    from tests.indexer.esfixtures import make_cluster_store
    from tests.indexer.test_es_store import post

    osmem, clone, env, posts = cluster
    url = osmem.url_for("opensearch", clone, proxy=True)
    try:
        with make_cluster_store("opensearch", url, tmp_path, index_prefix="cli") as s:
            s.upsert([post("a")])
            osmem.proxy.set_down(True)
            s.upsert([post("b"), post("c")])
            assert s.spool.size()[0] == 1
    finally:
        osmem.proxy.reset()
    env = {**env, "JIANYU__STORE__BACKEND": "opensearch", "JIANYU__STORE__URL": url}
    assert "spool: 1 files" in run(["index", "stats"], env).stdout
    assert "replayed 2 records" in run(["index", "replay"], env).stdout
    assert json.loads(run(["search", "检察院", "--json"], env).stdout)["total"] == 3
