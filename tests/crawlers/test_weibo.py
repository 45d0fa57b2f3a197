"""The Weibo spider: parse callbacks on in-memory responses from the mock API, then whole
crawl rounds (time slicing, cookies, the second round) in a child process."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from scrapy.http import Request, TextResponse
from twisted.python.failure import Failure

from crawlers.context import CrawlContext
from crawlers.sources import Source
from crawlers.spiders import spider_for
from crawlers.spiders.weibo import MIN_SLICE, Query, QueryState, WeiboSpider, parse_count, place_of
from indexer.post import Platform, Post
from indexer.urls import stable_id
from tests.crawlers import mock_weibo
from tests.crawlers.crawlrun import open_store, run_crawl, write_config

KW = "检察院"
API = "/weibo/api/container/getIndex"
LOCKED = "/weibo/locked/api/container/getIndex"
COOKIE_ENV = "JIANYU_TEST_WEIBO_COOKIE"


def pid(mid) -> str:
    return stable_id("weibo", str(mid))


def expected_ids(keyword: str) -> set[str]:
    """Every post of the mock's keyword, and every original one of them reposts."""
    ids = set()
    for _, mblog in mock_weibo.posts(keyword):
        ids.add(pid(mblog["mid"]))
        if "retweeted_status" in mblog:
            ids.add(pid(mblog["retweeted_status"]["mid"]))
    return ids


@pytest.fixture
def spider(mockserver, store):
    def make(url=API, now=mock_weibo.NOW, **kw) -> WeiboSpider:
        source = Source(name="wb", type="weibo", urls=(mockserver.url(url),), keywords=(KW,), **kw)
        context = CrawlContext(SimpleNamespace(store=store), now=lambda: now)
        return WeiboSpider(source=source, context=context)
    return make


def api_response(mockserver, spider, state: QueryState, headers=None) -> TextResponse:
    """The mock API's answer to the request the spider makes for `state`, in memory."""
    request = spider.search(state)
    path = request.url[len(mockserver.base):]
    status, _, body = mockserver.fetch(path, headers=headers)
    return TextResponse(request.url, status=status, body=body, request=request,
                        headers={"Content-Type": "application/json; charset=utf-8"})


def split(items):
    items = list(items)
    posts = [x for x in items if isinstance(x, Post)]
    requests = [x for x in items if isinstance(x, Request)]
    return posts, requests


def every_post(items) -> list[Post]:
    """The posts yielded, and those waiting in a request for their long text."""
    posts, requests = split(items)
    return posts + [r.meta["post"] for r in requests if "post" in r.meta]


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# -- small readers --------------------------------------------------------------------
@pytest.mark.parametrize("value, count", [
    (37, 37), ("37", 37), ("152.3万", 1_523_000), ("386万", 3_860_000), ("1.2亿", 120_000_000),
    ("100万+", 1_000_000), ("1,234", 1234), ("10w", 100_000), ("", 0), (None, 0), ("很多", 0), (-3, 0),
])
def test_parse_count(value, count):
    assert parse_count(value) == count


def test_place_of_region_name():
    assert place_of("发布于 广东") == "广东"
    assert place_of("IP属地：北京") == "北京"
    assert place_of(None) == ""


def test_registered():
    assert spider_for("weibo") is WeiboSpider


def test_search_url(spider):
    s = spider()
    request = s.search(QueryState(Query(KW)))
    q = query_of(request.url)
    assert request.url.startswith(s.source.urls[0] + "?containerid=100103type%3D1%26q%3D%E6%A3%80")
    assert q["containerid"] == f"100103type=1&q={KW}" and q["page_type"] == "searchall" and q["page"] == "1"
    assert "starttime" not in q
    assert request.meta["jianyu_article"] is False
    sliced = query_of(s.search(QueryState(Query(KW, 100, 200), page=3)).url)
    assert (sliced["starttime"], sliced["endtime"], sliced["page"]) == ("100", "200", "3")


# -- one page of results ----------------------------------------------------------------
def test_first_page_posts_and_fields(mockserver, spider):
    s = spider()
    items = list(s.parse_search(api_response(mockserver, s, QueryState(Query(KW)))))
    posts, requests = split(items)
    shown = [m for _, m in mock_weibo.posts(KW)[:10]]
    blogs = shown + [m["retweeted_status"] for m in shown if "retweeted_status" in m]
    extend = [r for r in requests if "/statuses/extend" in r.url]
    assert sorted(query_of(r.url)["id"] for r in extend) == sorted(m["mid"] for m in blogs if m["isLongText"])
    assert all(r.url.startswith(mockserver.url("/weibo/statuses/extend?id=")) for r in extend)
    more = [r for r in requests if API in r.url]
    assert [query_of(r.url)["page"] for r in more] == ["2"]
    # every hit becomes a post (a long one after its extend request), plus the reposted original
    assert sorted(p.id for p in every_post(items)) == sorted(pid(m["mid"]) for m in blogs)
    by_id = {p.id: p for p in posts}
    t, m = mock_weibo.posts(KW)[1]
    p = by_id[pid(m["mid"])]
    assert p.platform is Platform.WEIBO and p.site == "微博"
    assert p.url == mockserver.url(f"/weibo/detail/{m['mid']}")
    assert p.author == m["user"]["screen_name"]
    assert p.published_at == datetime.fromtimestamp(t, timezone.utc)
    assert (p.reposts, p.comments, p.likes) == (m["reposts_count"], m["comments_count"], m["attitudes_count"])
    assert p.region == place_of(m["region_name"]) + "省"
    assert "<" not in p.text and KW in p.text


def test_emoticons_kept_as_codes(mockserver, spider):
    s = spider()
    posts, _ = split(s.parse_search(api_response(mockserver, s, QueryState(Query(KW)))))
    assert any("[怒]" in p.text or "[赞]" in p.text for p in posts)


def test_relative_dates(mockserver, spider):
    s = spider()
    posts = []
    for page in (1, 2, 3):
        found, _ = split(s.parse_search(api_response(mockserver, s, QueryState(Query(KW), page=page))))
        posts += found
    by_id = {p.id: p for p in posts}
    checked = 0
    for t, m in mock_weibo.posts(KW):
        p = by_id.get(pid(m["mid"]))
        if p is None:
            continue  # a long post, waiting for its full text
        when = datetime.fromtimestamp(t, timezone.utc)
        if m["created_at"].endswith("分钟前") or m["created_at"].startswith("昨天"):
            assert p.published_at == when, m["created_at"]  # minute precision
            checked += 1
        elif "+0800" in m["created_at"]:
            assert p.published_at == when
        else:  # "2小时前" or "11-01": as precise as the form
            assert abs(p.published_at - when) < timedelta(days=1), m["created_at"]
    assert checked >= 2


def test_repost_keeps_chain_and_yields_original(mockserver, spider):
    s = spider()
    posts = every_post(s.parse_search(api_response(mockserver, s, QueryState(Query(KW)))))
    _, m = mock_weibo.posts(KW)[3]
    by_id = {p.id: p for p in posts}
    assert by_id[pid(m["mid"])].text == "转发理由：一定要提高警惕！//@平安江州:扩散周知"
    original = by_id[pid(m["retweeted_status"]["mid"])]
    assert original.author == "江州检察" and "江州检察机关严惩" in original.text
    assert original.url.endswith(f"/detail/{m['retweeted_status']['mid']}")
    assert len(posts) == len(by_id)  # each post once
    # a post seen again in the same round (an overlapping time slice) is not yielded again
    assert every_post(s.parse_search(api_response(mockserver, s, QueryState(Query(KW))))) == []


def test_long_text_fetched_or_truncated(mockserver, spider):
    s = spider()
    _, requests = split(s.parse_search(api_response(mockserver, s, QueryState(Query(KW)))))
    req = next(r for r in requests if "/statuses/extend" in r.url)
    truncated: Post = req.meta["post"]
    assert truncated.text.endswith("……") and "全文" not in truncated.text
    assert req.meta.get("dont_skip") and req.errback == s.long_text_failed
    full = "<a href='/n/江州检察'>@江州检察</a> " + "检察机关依法提起公诉。" * 30
    body = json.dumps({"ok": 1, "data": {"ok": 1, "longTextContent": full, "reposts_count": "1.5万",
                                         "comments_count": 3, "attitudes_count": "7"}}).encode()
    (post,) = s.parse_long_text(TextResponse(req.url, body=body, request=req))
    assert post.text.startswith("@江州检察 检察机关依法提起公诉。") and len(post.text) > 300
    assert (post.reposts, post.comments, post.likes) == (15000, 3, 7)

    req2 = next(r for r in requests if "/statuses/extend" in r.url and r is not req)
    kept = req2.meta["post"].text
    (post,) = s.parse_long_text(TextResponse(req2.url, body=b'{"ok": 0, "msg": "x"}', request=req2))
    assert post.text == kept
    failure = Failure(ConnectionRefusedError("nope"))
    failure.request = req2
    (post,) = s.long_text_failed(failure)
    assert post.text == kept


def test_extend_endpoint_on_weibo_itself(store):
    source = Source(name="wb", type="weibo", urls=("https://m.weibo.cn/api/container/getIndex",), keywords=(KW,))
    s = WeiboSpider(source=source, context=CrawlContext(SimpleNamespace(store=store)))
    assert s.long_text_request("123", Post(id="x", text="t")).url == "https://m.weibo.cn/statuses/extend?id=123"
    post = s.to_post(TextResponse(source.urls[0], body=b"{}"), {"mid": "123", "text": "检察院", "user": {}}, {})
    assert post.url == "https://m.weibo.cn/detail/123"


def test_stored_post_keeps_its_time_and_full_text(mockserver, spider, store):
    s = spider()
    posts, requests = split(s.parse_search(api_response(mockserver, s, QueryState(Query(KW)))))
    relative = next(p for p in posts if p.id == pid(mock_weibo.posts(KW)[0][1]["mid"]))  # "3分钟前"
    long_req = next(r for r in requests if "/statuses/extend" in r.url)
    long_post = long_req.meta["post"]
    long_post.text += "（全文的其余部分）" * 10
    store.upsert([relative, long_post])
    later = spider(now=mock_weibo.NOW + timedelta(hours=5))
    again, requests2 = split(later.parse_search(api_response(mockserver, later, QueryState(Query(KW)))))
    by_id = {p.id: p for p in again}
    assert by_id[relative.id].published_at == relative.published_at
    assert by_id[long_post.id].text == long_post.text
    assert long_req.url not in {r.url for r in requests2}


# -- end of results, login, time slicing ----------------------------------------------------
def test_end_of_results(mockserver, spider):
    s = spider()
    posts, requests = split(s.parse_search(api_response(mockserver, s, QueryState(Query(KW), page=3, got=20))))
    assert not [r for r in requests if API in r.url]  # page 3 of 3: a short page, no next one
    assert s.context.report("wb").errors == 0
    items = list(s.parse_search(api_response(mockserver, s, QueryState(Query(KW), page=4, got=25))))
    assert items == [] and s.context.report("wb").errors == 0


def test_login_refused_is_one_clear_error(mockserver, spider, store):
    s = spider(url=LOCKED)
    for keyword in (KW, "检察官"):
        assert list(s.parse_search(api_response(mockserver, s, QueryState(Query(keyword))))) == []
    report = s.context.report("wb")
    assert report.errors == 1 and "cookie_env" in report.last_error and "请先登录" in report.last_error
    with_cookie = api_response(mockserver, s, QueryState(Query(KW)), headers={"Cookie": mock_weibo.WEIBO_COOKIE})
    assert split(s.parse_search(with_cookie))[0]


def test_not_json_is_an_error(spider):
    s = spider()
    request = s.search(QueryState(Query(KW)))
    response = TextResponse(request.url, body=b"<html>passport</html>", request=request)
    assert list(s.parse_search(response)) == []
    assert "not JSON" in s.context.report("wb").last_error


def capped_page_two(mockserver, spider, **kw):
    s = spider(**kw)
    state = QueryState(Query(mock_weibo.CAPPED_KEYWORD))
    list(s.parse_search(api_response(mockserver, s, state)))
    _, requests = split(s.parse_search(api_response(mockserver, s, state)))
    return s, [r for r in requests if API in r.url]


def test_capped_results_inside_the_window_are_sliced(mockserver, spider):
    s, requests = capped_page_two(mockserver, spider, interval=86400)  # window: 4 days
    windows = sorted((int(query_of(r.url)["starttime"]), int(query_of(r.url)["endtime"])) for r in requests)
    assert len(windows) == 2 and windows[0][1] == windows[1][0]
    end = int(mock_weibo.NOW.timestamp())
    assert windows[0][0] <= end - 4 * 86400 + 60 and windows[1][1] >= end  # a minute ahead for clock skew
    assert all(query_of(r.url)["page"] == "1" for r in requests)


def test_capped_results_reaching_past_the_window_are_not_sliced(mockserver, spider):
    _, requests = capped_page_two(mockserver, spider)  # default interval: the last 24 hours
    assert requests == []


def test_truncated_slice_is_halved_down_to_the_minimum(mockserver, spider):
    s = spider()
    start = int(mock_weibo.NOW.timestamp()) - 40 * 3600
    state = QueryState(Query(mock_weibo.CAPPED_KEYWORD, start, start + 4 * 3600), got=20, last_count=10)
    halves = list(s.finish(state))
    assert [query_of(r.url)["starttime"] for r in halves] == [str(start), str(start + 2 * 3600)]
    tiny = QueryState(Query(mock_weibo.CAPPED_KEYWORD, start, start + 2 * MIN_SLICE - 1), got=20, last_count=10)
    assert list(s.finish(tiny)) == []
    done = QueryState(Query(mock_weibo.CAPPED_KEYWORD, start, start + 3600), got=7, last_count=7, total=7)
    assert list(s.finish(done)) == []
    said_more = QueryState(Query(mock_weibo.CAPPED_KEYWORD), got=7, last_count=7, total=70)
    assert len(list(s.finish(said_more))) == 2


# -- whole rounds ---------------------------------------------------------------------
def weibo_sources(mockserver) -> list[dict]:
    # The capped keyword's posts date from 2026-10-31 on: a window of 4 intervals reaching them.
    age = datetime.now(timezone.utc) - datetime(2026, 10, 30, tzinfo=timezone.utc)
    interval = max(int(age.total_seconds()) // 4 + 86400, 1800)
    locked = mockserver.url(LOCKED)
    return [
        {"name": "wb", "type": "weibo", "url": mockserver.url(API), "keywords": [KW, mock_weibo.CAPPED_KEYWORD],
         "interval": interval},
        {"name": "wb-cookie", "type": "weibo", "url": locked, "keywords": ["检察官"], "cookie_env": COOKIE_ENV},
        {"name": "wb-nocookie", "type": "weibo", "url": locked, "keywords": ["检察长"]},
    ]


@pytest.fixture(scope="module")
def weibo_rounds(mockserver, model_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("weibo")
    cfg = write_config(folder, model_dir, weibo_sources(mockserver),
                       watch={"terms": [mock_weibo.CAPPED_KEYWORD, "平安江州"]})
    env = {COOKIE_ENV: mock_weibo.WEIBO_COOKIE}
    mockserver.reset()
    first = run_crawl(cfg, env=env)
    stats = mockserver.stats(API)
    second = run_crawl(cfg, env=env)
    return SimpleNamespace(cfg=cfg, first=first, second=second, stats=stats)


def test_weibo_round_collects_every_post_and_original(weibo_rounds):
    first = weibo_rounds.first
    assert first.returncode == 0, first.stderr
    want = expected_ids(KW) | expected_ids(mock_weibo.CAPPED_KEYWORD)
    assert len(expected_ids(KW)) == 25 + 5 and len(expected_ids(mock_weibo.CAPPED_KEYWORD)) == 48 + 9
    with open_store(weibo_rounds.cfg) as store:
        found = store.get_many(want)
        assert set(found) == want
        post = found[pid(mock_weibo.posts(KW)[1][1]["mid"])]
        assert post.platform is Platform.WEIBO and post.author and post.published_at and post.region
    report = first.source("wb")
    assert report["stored"] == len(want) and report["errors"] == 0


def test_capped_keyword_was_time_sliced(weibo_rounds):
    urls = weibo_rounds.stats["urls"]
    sliced = [u for u in urls if "starttime=" in u]
    assert sliced, "the capped keyword needs windowed searches"
    assert all("%E7%94%B5%E4%BF%A1%E8%AF%88%E9%AA%97" in u for u in sliced)  # only 电信诈骗
    assert all(n == 1 for n in urls.values())


def test_cookie_from_environment_unlocks_the_api(weibo_rounds):
    report = weibo_rounds.first.source("wb-cookie")
    assert report["errors"] == 0, report["last_error"]
    assert report["stored"] == len(expected_ids("检察官"))


def test_without_cookie_a_clear_error_and_nothing_stored(weibo_rounds):
    report = weibo_rounds.first.source("wb-nocookie")
    assert report["stored"] == 0 and report["read"] == 0 and report["errors"] == 1
    assert "cookie_env" in report["last_error"]
    assert "wb-nocookie: weibo API asks for a login (请先登录)" in weibo_rounds.first.stderr
    with open_store(weibo_rounds.cfg) as store:
        assert not store.get_many(expected_ids("检察长"))


def test_second_round_stores_nothing_new(weibo_rounds):
    second = weibo_rounds.second
    assert second.returncode == 0, second.stderr
    for name in ("wb", "wb-cookie"):
        report = second.source(name)
        assert report["stored"] == 0 and report["updated"] == 0, report
        assert report["duplicates"] == weibo_rounds.first.source(name)["stored"]


def test_cookie_env_not_set_is_a_config_error(mockserver, model_dir, tmp_path):
    cfg = write_config(tmp_path, model_dir, weibo_sources(mockserver)[1:2])
    run = run_crawl(cfg, env={})
    assert run.returncode == 2
    assert f"the environment variable {COOKIE_ENV} is not set" in run.stderr
    if (tmp_path / "jianyu.db").exists():
        with open_store(cfg) as store:
            assert store.count() == 0

