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
