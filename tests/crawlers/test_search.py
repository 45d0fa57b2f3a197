"""The search-engine spider: result pages parsed in memory, then whole rounds in a child process."""
from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import HtmlResponse, Request

from crawlers.context import CrawlContext
from crawlers.sources import Source
from crawlers.spiders import spider_for
from crawlers.spiders.search import SearchSpider, fill, offset_param
from indexer.post import Post
from tests.crawlers import mock_site
from tests.crawlers.crawlrun import open_store, run_crawl, write_config

OFFSET = "/search/s?wd={query}&pn={offset}"
KW = "检察"


@pytest.fixture
def spider(mockserver, store):
    def make(template=OFFSET, **kw) -> SearchSpider:
        source = Source(name="se", type="search", urls=(mockserver.url(template),), keywords=(KW,), **kw)
        return SearchSpider(source=source, context=CrawlContext(SimpleNamespace(store=store)))
    return make


def results(mockserver, spider, *, keyword=KW, page=1, offset=0, step=0, body=None):
    """The spider's parse of one result page (fetched from the mock server unless `body`)."""
    template = spider.source.urls[0]
    request = spider.results_request(template, keyword, page=page, offset=offset, step=step)
    if body is None:
        _, _, body = mockserver.fetch(request.url[len(mockserver.base):])
    response = HtmlResponse(request.url, body=body, request=request, headers={"Content-Type": "text/html; charset=utf-8"})
    items = list(spider.parse_results(response))
    articles = [r for r in items if isinstance(r, Request) and r.callback == spider.parse_article]
    pages = [r for r in items if isinstance(r, Request) and r.callback == spider.parse_results]
    assert len(articles) + len(pages) == len(items)
    return articles, pages


def paths(requests) -> list[str]:
    return [urlsplit(r.url).path for r in requests]


def arg(request, name) -> str:
    return parse_qs(urlsplit(request.url).query)[name][0]


def test_templates():
    assert fill("http://e/s?wd={query}&pn={offset}", "检察 院", offset=20) == \
        "http://e/s?wd=%E6%A3%80%E5%AF%9F%20%E9%99%A2&pn=20"
    assert fill("http://e/search/{query}/{page}.html", "a&b", page=3) == "http://e/search/a%26b/3.html"
    assert offset_param("http://e/s?wd={query}&pn={offset}") == "pn"
    assert offset_param("http://e/s?wd={query}&page={page}") == ""


def test_registered_and_not_restricted_to_the_engine(spider):
    assert spider_for("search") is SearchSpider
    assert spider().allowed_domains == []  # results lead to other sites
    assert spider(allowed_domains=("a.example",)).allowed_domains == ["a.example"]


def test_first_page_results_and_next_offset(mockserver, spider):
    s = spider()
    articles, pages = results(mockserver, s)
    want = [a["path"] for a in mock_site.search_hits(KW)]
    assert paths(articles) == want[:5]
    assert all(r.meta["jianyu_article"] is True for r in articles)
    (nxt,) = pages
    assert arg(nxt, "pn") == "5" and arg(nxt, "wd") == KW and nxt.meta["page"] == 2
    assert nxt.meta["jianyu_article"] is False


def test_last_page_has_no_next(mockserver, spider):
    articles, pages = results(mockserver, spider(), page=2, offset=5, step=5)
    assert paths(articles) == [a["path"] for a in mock_site.search_hits(KW)][5:]
    assert pages == []


def test_no_results_stops(mockserver, spider):
    articles, pages = results(mockserver, spider(), keyword="没有这个词")
    assert articles == [] and pages == []


def test_max_pages(mockserver, spider):
    _, pages = results(mockserver, spider(max_pages=1))
    assert pages == []


def test_page_template_counts_pages(mockserver, spider):
    s = spider(template="/search/s?wd={query}&pn=0&p={page}")
    _, pages = results(mockserver, s)
    assert [arg(r, "p") for r in pages] == ["2"]


PAGE = """<html><body><div id="head"><a href="/search/">搜索首页</a></div>
<div id="content_left">{items}
<div class="result"><h3><a href="/search/s?wd=x&amp;tn=news">相关：检察机关最新通报汇总</a></h3><span>2026年11月03日</span></div>
</div>
<div id="page"><a href="/search/s?wd=x&amp;p=2">2</a> <a class="n" href="/search/s?wd=x&amp;next=1">下一页&gt;</a></div>
<p><a href="/search/s?wd=%E6%A3%80%E5%AF%9F+%E9%80%9A%E6%8A%A5&amp;sort=new">相关搜索：检察 通报 最新</a></p>
</body></html>"""
ITEM = ('<div class="result"><h3><a href="http://{host}/2026/11/03/{n}.html">云州检察机关通报第{n}起案件办理情况</a></h3>'
        '<span>2026年11月03日</span></div>')


def test_links_to_other_sites_and_step_from_the_count(mockserver, spider):
    s = spider()
    body = PAGE.format(items="".join(ITEM.format(host=h, n=n) for n, h in
                                     enumerate(["a.example", "b.example", "a.example", "c.example"]))).encode()
    articles, pages = results(mockserver, s, body=body)
    assert [urlsplit(r.url).hostname for r in articles] == ["a.example", "b.example", "a.example", "c.example"]
    assert not any("/search/" in r.url for r in articles)  # the engine's own pages are not results
    (nxt,) = pages
    assert arg(nxt, "pn") == "4" and nxt.meta["step"] == 4  # the next link carries no offset
    _, pages = results(mockserver, s, body=body, page=2, offset=4, step=4)
    assert arg(pages[0], "pn") == "8"


def test_allowed_domains_restrict_results(mockserver, spider):
    s = spider(allowed_domains=("a.example",))
    body = PAGE.format(items="".join(ITEM.format(host=h, n=n) for n, h in
                                     enumerate(["a.example", "b.example", "a.example"]))).encode()
    articles, _ = results(mockserver, s, body=body)
    assert {urlsplit(r.url).hostname for r in articles} == {"a.example"}


def test_article_page_becomes_a_post(mockserver, spider):
    s = spider()
    path = mock_site.search_hits(KW)[0]["path"]
    _, _, body = mockserver.fetch(path)
    (post,) = s.parse_article(HtmlResponse(mockserver.url(path), body=body,
                                           headers={"Content-Type": "text/html; charset=utf-8"}))
    assert isinstance(post, Post) and post.title and post.published_at and KW in post.text
    assert post.url == mockserver.url(path)


def test_search_rounds_reach_the_articles_then_nothing_new(mockserver, model_dir, tmp_path):
    cfg = write_config(tmp_path, model_dir, [
        {"name": "se", "type": "search", "url": mockserver.url(OFFSET), "keywords": [KW, "公益诉讼", "没有这个词"],
         "interval": 3600},
    ])
    mockserver.reset()
    first = run_crawl(cfg)
    assert first.returncode == 0, first.stderr
    report = first.source("se")
    want = {mockserver.url(a["path"]) for a in mock_site.search_hits(KW)}
    assert report["errors"] == 0 and report["stored"] == len(want) == 9
    with open_store(cfg) as store:
        assert {p.url for p in store.scan()} == want
    searched = mockserver.stats("/search/s")["urls"]
    assert sum(searched.values()) == 4  # 检察: pn=0, pn=5; 公益诉讼: pn=0; 没有这个词: pn=0

    mockserver.reset()
    second = run_crawl(cfg)
    assert second.returncode == 0, second.stderr
    again = second.source("se")
    assert again["stored"] == 0 and again["skipped"] == 9
    assert not [p for p in mockserver.stats()["paths"] if p.startswith("/site/news/")]
