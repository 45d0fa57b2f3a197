"""Whole crawl rounds against the fixture server: feeds, sitemaps, list pages, encodings,
robots.txt, the incremental second round, retries, evidence and health."""
import gzip
import hashlib
import json

import pytest
from click.testing import CliRunner

from jianyu.cli import cli
from tests.crawlers.crawlrun import open_store, run_crawl, write_config


def source(name, type_, url, **kw):
    return {"name": name, "type": type_, "url": url, "interval": 60, **kw}


@pytest.fixture
def fresh(mockserver):
    mockserver.reset()
    return mockserver


def total_requests(stats, path):
    return stats["paths"].get(path, {}).get("requests", 0)


def article_paths(stats):
    return {p for p in stats["paths"] if p.startswith("/site/news/")}


def test_feed_sitemap_and_listing_round_then_incremental_round(fresh, tmp_path, model_dir):
    cfg = write_config(tmp_path, model_dir, [
        source("rss", "feed", fresh.url("/site/feeds/rss.xml")),
        source("rdf", "feed", fresh.url("/site/feeds/rdf.xml")),
        source("sitemap", "sitemap", fresh.url("/site/sitemap_index.xml")),
        source("list", "listing", fresh.url("/site/list/index.html"), platform="gov"),
    ])
    first = run_crawl(cfg)
    assert first.returncode == 0, first.stderr
    with open_store(cfg) as store:
        stored = store.count()
        assert stored >= 5
        posts = list(store.scan())
    assert all(p.published_at is not None and p.text for p in posts)
    assert len({p.url for p in posts}) == len(posts)  # one article reached by two URLs is stored once
    assert not any("utm_source" in p.url for p in posts)
    for name in ("rss", "rdf", "sitemap", "list"):  # every kind reached the articles
        assert first.source(name)["read"] >= 3, first.source(name)
    stats = fresh.stats()
    assert "/private/secret.html" not in stats["paths"], "robots.txt must be obeyed"

    fresh.reset()
    second = run_crawl(cfg)
    assert second.returncode == 0, second.stderr
    assert sum(s["stored"] for s in second.summary["sources"]) == 0
    assert not article_paths(fresh.stats()), "known article pages are not fetched again"
    with open_store(cfg) as store:
        assert store.count() == stored


@pytest.mark.parametrize("encoding", ["gbk", "gb2312", "gb18030", "big5", "utf-8"])
@pytest.mark.parametrize("where", ["header", "meta", "none"])
def test_spiders_read_every_chinese_encoding(fresh, encoding, where):
    """The bytes as served, through the spider's own reading of a response."""
    from scrapy.http import HtmlResponse

    from crawlers.context import CrawlContext
    from crawlers.sources import Source
    from crawlers.spiders.listing import ListingSpider

    status, headers, body = fresh.fetch(f"/enc/{encoding}/{where}.html")
    response_headers = {"Content-Type": headers["Content-Type"]} if headers.get("Content-Type") else {}
    response = HtmlResponse(url=fresh.url(f"/enc/{encoding}/{where}.html"), body=body, headers=response_headers)
    spider = ListingSpider(source=Source(name="enc", type="listing", urls=(response.url,)),
                           context=CrawlContext.__new__(CrawlContext))
    text = spider.text_of(response)
    assert status == 200 and ("检察" in text or "檢察" in text), (encoding, where, text[:200])


def test_conditional_requests_and_304(fresh, tmp_path, model_dir):
    cfg = write_config(tmp_path, model_dir, [source("rss", "feed", fresh.url("/site/feeds/rss.xml"))])
    run_crawl(cfg)
    fresh.reset()
    run_crawl(cfg)
    feed = fresh.stats("/site/feeds/rss.xml")
    assert feed["requests"] == 1


def test_retry_with_backoff_then_success(fresh, tmp_path, model_dir):
    url = fresh.url("/status/flaky/feed-retry?fail=2&code=503")
    cfg = write_config(tmp_path, model_dir, [source("flaky", "listing", url)])
    run = run_crawl(cfg)
    assert run.returncode == 0, run.stderr
    assert fresh.stats("/status/flaky/feed-retry")["requests"] == 3
    assert run.source("flaky")["errors"] == 0


def test_broken_pages_are_logged_and_quarantined_not_fatal(fresh, tmp_path, model_dir):
    cfg = write_config(tmp_path, model_dir, [
        source("empty", "listing", fresh.url("/broken/empty")),
        source("gone", "listing", fresh.url("/status/404")),
        source("junk", "feed", fresh.url("/broken/binary")),
        source("fine", "feed", fresh.url("/site/feeds/rss.xml")),
    ])
    run = run_crawl(cfg)
    assert run.returncode == 0, run.stderr
    assert run.source("fine")["stored"] > 0
    for name in ("empty", "gone", "junk"):
        assert run.source(name)["errors"] >= 1 and run.source(name)["last_error"]
    with open_store(cfg) as store:
        assert len(store.quarantined()) >= 3


def test_evidence_snapshot_and_health(fresh, tmp_path, model_dir):
    cfg = write_config(tmp_path, model_dir, [source("rss", "feed", fresh.url("/site/feeds/rss.xml"))])
    run_crawl(cfg)
    with open_store(cfg) as store:
        post = next(iter(store.scan()))
        captures = store.crawl.evidence_for(post.id)
        health = {h.name: h for h in store.crawl.health()}
    assert captures and captures[0].sha256 == hashlib.sha256(gzip.decompress(captures[0].body_gz)).hexdigest()
    assert health["rss"].rounds == 1 and health["rss"].posts > 0 and health["rss"].last_success
    out = tmp_path / "ev"
    r = CliRunner().invoke(cli, ["--config", str(cfg), "evidence", post.id, "--out", str(out)])
    assert r.exit_code == 0, r.output
    manifest = json.loads((out / post.id / "manifest.json").read_text(encoding="utf-8"))
    raw = (out / post.id / manifest["captures"][0]["file"]).read_bytes()
    assert hashlib.sha256(raw).hexdigest() == manifest["captures"][0]["sha256"]
    r = CliRunner().invoke(cli, ["--config", str(cfg), "sources", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["sources"][0]["name"] == "rss"


def test_unknown_source_name_exits_2(tmp_path, model_dir):
    cfg = write_config(tmp_path, model_dir, [source("rss", "feed", "https://a.example/rss.xml")])
    run = run_crawl(cfg, "nope")
    assert run.returncode == 2 and "no source named nope" in run.stderr


def test_redirects_500_and_huge_pages(fresh, tmp_path, model_dir):
    cfg = write_config(tmp_path, model_dir, [
        source("moved", "feed", fresh.url("/redirect/301/2?to=/site/feeds/atom.xml")),
        source("broken-server", "listing", fresh.url("/status/500")),
        source("huge", "listing", fresh.url("/broken/huge")),
        source("loop", "listing", fresh.url("/redirect/loop/a")),
    ], crawl={"max_page_bytes": 1024 * 1024, "retries": 1})
    run = run_crawl(cfg)
    assert run.returncode == 0, run.stderr
    assert run.source("moved")["read"] > 0 and run.source("moved")["errors"] == 0
    assert run.source("broken-server")["last_error"] == "HTTP 500"
    assert run.source("huge")["errors"] == 1
    assert run.source("loop")["errors"] == 0 or run.source("loop")["last_error"]
    with open_store(cfg) as store:
        errors = " ".join(q.error for q in store.quarantined())
    assert "HTTP 500" in errors


def test_listing_with_selectors(fresh, tmp_path, model_dir):
    cfg = write_config(tmp_path, model_dir, [source(
        "selected", "listing", fresh.url("/site/list/index.html"),
        selectors={"article_links": "ul.list li a", "next_page": "//div[@class='page']/a[text()='下一页']",
                   "title": "h1.title", "body": "#zoom p"},
        max_pages=2)])
    run = run_crawl(cfg)
    assert run.returncode == 0, run.stderr
    assert run.source("selected")["read"] >= 4  # two list pages' worth of articles
    with open_store(cfg) as store:
        titles = {p.title for p in store.scan()}
    assert "临江区检察院依法对一起电信网络诈骗案提起公诉" in titles
