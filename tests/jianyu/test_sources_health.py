"""`jianyu sources` flags a source that has gone quiet."""
from datetime import datetime, timedelta, timezone

from indexer.crawlstate import SourceHealth
from jianyu.commands.crawl import flag

NOW = datetime(2026, 11, 30, 12, tzinfo=timezone.utc)


def health(**kw):
    base = dict(name="s", last_run=NOW, last_success=NOW, last_post=NOW, rounds=5)
    base.update(kw)
    return SourceHealth(**base)


def test_healthy_source_has_no_flag():
    assert flag(600, health(), NOW) == ""


def test_never_crawled_and_never_succeeded():
    assert flag(600, None, NOW) == "never crawled"
    assert flag(600, health(last_success=None), NOW) == "no successful round yet"


def test_failing_rounds_are_flagged_after_three_intervals():
    assert flag(600, health(last_success=NOW - timedelta(minutes=29)), NOW) == ""
    assert "no successful round" in flag(600, health(last_success=NOW - timedelta(minutes=31)), NOW)


def test_quiet_source_is_flagged_after_a_day():
    assert flag(300, health(last_post=NOW - timedelta(hours=23)), NOW) == ""
    assert flag(300, health(last_post=NOW - timedelta(hours=30)), NOW) == "no new post for 30 hours"
    assert flag(300, health(last_post=None, rounds=2), NOW) == ""
    assert flag(300, health(last_post=None, rounds=3), NOW) == "has never yielded a post"


# -- the command -------------------------------------------------------------------------

def _config(tmp_path, sources):
    import yaml

    path = tmp_path / "jianyu.yaml"
    path.write_text(yaml.safe_dump({"store": {"path": str(tmp_path / "jianyu.db")}, "sources": sources},
                                   allow_unicode=True), encoding="utf-8")
    return path


def _run(*args):
    from click.testing import CliRunner

    from jianyu.cli import cli

    return CliRunner().invoke(cli, list(args))


def test_sources_lists_configured_ones_then_those_only_the_store_knows(tmp_path):
    import json

    from indexer.sqlite import SqliteStore

    cfg = _config(tmp_path, [{"name": "rss", "type": "feed", "url": "https://a.example/rss.xml", "interval": "10m"}])
    with SqliteStore(tmp_path / "jianyu.db") as store:
        store.crawl.record_round("old-portal", NOW, pages=12, posts=3, errors=1, last_error="HTTP 500",
                                 succeeded=True)
    r = _run("--config", str(cfg), "sources", "--json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)["sources"]
    assert [(s["name"], s["configured"], s["flag"]) for s in rows] == [
        ("rss", True, "never crawled"), ("old-portal", False, "")]
    assert rows[1]["pages"] == 12 and rows[1]["last_error"] == "HTTP 500"
    text = _run("--config", str(cfg), "sources")
    assert "old-portal" in text.stdout and "(not configured)" in text.stdout and "last error: HTTP 500" in text.stdout


def test_sources_without_any_says_how_to_add_them(tmp_path):
    r = _run("--config", str(_config(tmp_path, [])), "sources")
    assert r.exit_code == 2 and "add `sources:` to jianyu.yaml" in r.output
