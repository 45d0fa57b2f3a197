"""Scale-out through Redis (crawlers/scaleout.py): two crawler processes on one shared
scheduler and duplicate filter split one round, and no page is fetched twice. A real
``redis-server`` (the Debian package, installed by ``make``) runs on 127.0.0.1."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest
import redis
from scrapy import Request
from scrapy_redis.dupefilter import RFPDupeFilter

from crawlers.run import CrawlOptions, scrapy_settings
from crawlers.scaleout import check_redis
from nlp.errors import ConfigError, JianYuError
from tests.conftest import ROOT
from tests.crawlers.mock_big import BIG_ARTICLES, BIG_LIST_PAGES, big_paths

START_TIMEOUT = 10.0
CRAWL_TIMEOUT = 300


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    """A redis-server of our own on 127.0.0.1, without persistence; stopped at the end."""
    binary = shutil.which("redis-server")
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is missing in CI: the Makefile's `debs` step should have installed it")
        pytest.skip("redis-server is not installed (`make debs`, or apt-get install redis-server)")
    port = _free_port()
    log = (tmp_path / "redis.log").open("wb")
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("redis-server did not start:\n" + (tmp_path / "redis.log").read_text(errors="replace"))
                time.sleep(0.05)
        yield url
    finally:
        client.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_settings_put_each_source_under_its_own_keys():
    s = scrapy_settings(CrawlOptions(redis_url="redis://127.0.0.1:6379/0"))
    assert s["SCHEDULER"] == "crawlers.scaleout.RedisScheduler"
    assert s["SCHEDULER_QUEUE_KEY"] == "jianyu:%(spider)s:requests"  # the spider is named after its source
    assert s["SCHEDULER_DUPEFILTER_KEY"] == "jianyu:%(spider)s:dupefilter"
    assert s.getbool("SCHEDULER_PERSIST") is False
    assert scrapy_settings(CrawlOptions())["SCHEDULER"] == "scrapy.core.scheduler.Scheduler"


def test_unusable_redis_is_reported_before_the_round():
    with pytest.raises(ConfigError, match="crawl.redis_url"):
        check_redis("http://127.0.0.1:6379/0")
    with pytest.raises(JianYuError, match=r"cannot use Redis at 127\.0\.0\.1:\d+/0") as err:
        check_redis(f"redis://:s3cret@127.0.0.1:{_free_port()}/0")
    assert "s3cret" not in str(err.value)


def test_redis_is_reachable(redis_url):
    check_redis(redis_url)


def _config(tmp_path, model_dir, redis_url, source_url, max_pages=20):
    cfg = tmp_path / "jianyu.yaml"
    cfg.write_text(
        f"store: {{path: '{tmp_path / 'j.db'}'}}\nnlp: {{model_dir: '{model_dir}'}}\nlog_level: WARNING\n"
        f"crawl: {{redis_url: '{redis_url}', concurrency_per_domain: 4}}\n"
        f"sources:\n  - {{name: big-site, type: listing, url: '{source_url}', max_pages: {max_pages}}}\n",
        encoding="utf-8")
    return cfg


def _crawler(cfg, tmp_path, i):
    err = (tmp_path / f"crawler{i}.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "jianyu", "--config", str(cfg), "crawl", "--json"], cwd=ROOT,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
    return proc, err


def _report(proc, err, tmp_path, i) -> dict:
    out, _ = proc.communicate(timeout=CRAWL_TIMEOUT)
    err.close()
    assert proc.returncode == 0, (tmp_path / f"crawler{i}.log").read_text(errors="replace")[-3000:]
    (report,) = json.loads(out)["sources"]
    assert report["name"] == "big-site" and report["errors"] == 0, report
    return report


@pytest.mark.slow
def test_two_processes_split_one_round(redis_url, mockserver, model_dir, tmp_path):
    cfg = _config(tmp_path, model_dir, redis_url, mockserver.url("/big/list/index.html"), BIG_LIST_PAGES)
    mockserver.reset()
    crawlers = [_crawler(cfg, tmp_path, i) for i in (1, 2)]
    try:
        reports = [_report(proc, err, tmp_path, i) for i, (proc, err) in enumerate(crawlers, 1)]
    finally:  # a failed first process must not leave the second one running
        for proc, err in crawlers:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
            err.close()

    paths = mockserver.stats()["paths"]
    fetched = {p: paths.get(p, {}).get("requests", 0) for p in big_paths()}
    assert sorted(set(fetched.values())) == [1], {p: n for p, n in fetched.items() if n != 1}
    lists = {p: v["requests"] for p, v in paths.items() if p.startswith("/big/list/")}
    assert len(lists) == BIG_LIST_PAGES and set(lists.values()) == {1}, lists
    # each process read (parsed into posts) its own share of the articles, and together all of them
    shares = [r["read"] for r in reports]
    assert all(n > 0 for n in shares), shares
    assert sum(shares) == BIG_ARTICLES, shares
    # queue persistence is off: the last process out left nothing behind
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.keys("jianyu:*") == []
    finally:
        client.close()


@pytest.mark.slow
def test_a_dead_round_neither_blocks_nor_poisons_the_next(redis_url, mockserver, model_dir, tmp_path):
    """A crashed round left a worker marked busy (its heartbeat long gone), a request that
    cannot be read and the start page's fingerprint: the next round starts clean."""
    start = mockserver.url("/site/list/index.html")
    client = redis.Redis.from_url(redis_url)
    try:
        client.hset("jianyu:big-site:workers", "ghost:1:dead", 0)
        client.sadd("jianyu:big-site:busy", "ghost:1:dead")
        client.zadd("jianyu:big-site:requests", {b"not a pickled request": 0})
        client.sadd("jianyu:big-site:dupefilter", RFPDupeFilter(client, "unused").request_fingerprint(Request(start)))
        mockserver.reset()
        report = _report(*_crawler(_config(tmp_path, model_dir, redis_url, start), tmp_path, 1), tmp_path, 1)
        assert report["read"] == 9, report
        articles = {p: v["requests"] for p, v in mockserver.stats()["paths"].items() if p.startswith("/site/news/")}
        assert len(articles) == 9 and set(articles.values()) == {1}, articles
        assert client.keys("jianyu:*") == []
    finally:
        client.close()
