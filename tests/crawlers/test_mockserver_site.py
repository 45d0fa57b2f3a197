"""The mock server's news site and Weibo-like API: pages, feeds, sitemaps, search and
JSON shaped as the crawlers expect."""
from __future__ import annotations

import json
import re
from datetime import datetime
from urllib.parse import quote, urlencode

from lxml import etree

from tests.crawlers.mock_pages import ENC_TITLE, REDIRECT_TARGET
from tests.crawlers.mock_weibo import CAPPED_KEYWORD, NOW, WEIBO_COOKIE
from tests.crawlers.mockserver import MockServer


def weibo(server: MockServer, keyword: str, page: int = 1, *, locked: bool = False,
          headers: dict | None = None, **window: int) -> dict:
    query = urlencode({"containerid": f"100103type=1&q={keyword}", "page": page, **window})
    prefix = "/weibo/locked" if locked else "/weibo"
    status, head, body = server.fetch(f"{prefix}/api/container/getIndex?{query}", headers)
    assert status == 200 and head["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(body)


# -- the news site --------------------------------------------------------------------

def canonical(body: bytes) -> str:
    return re.search(rb'<link rel="canonical" href="([^"]+)">', body).group(1).decode()


def test_article_page_metadata(mockserver):
    status, _, body = mockserver.fetch(REDIRECT_TARGET)
    text = body.decode("utf-8")
    assert status == 200 and canonical(body) == mockserver.url(REDIRECT_TARGET)
    assert "来源：临江区人民检察院 发布时间：2026-11-03 10:23" in text
    for tag in ('property="og:title"', 'property="og:url"', 'property="article:published_time" '
                'content="2026-11-03T10:23:00+08:00"', 'property="article:tag"'):
        assert tag in text


def test_one_article_under_several_urls_has_one_canonical(mockserver):
    urls = [REDIRECT_TARGET, REDIRECT_TARGET + "?utm_source=weibo&utm_medium=social",
            "/site/m/t20261103_1001.html"]
    assert {canonical(mockserver.fetch(u)[2]) for u in urls} == {mockserver.url(REDIRECT_TARGET)}
    assert mockserver.fetch("/site/news/2026/11/t20261103_9999.html")[0] == 404


def test_list_pages_follow_next_links(mockserver):
    path, seen, articles = "/site/list/index.html", [], set()
    while path:
        status, _, body = mockserver.fetch(path)
        assert status == 200
        seen.append(path)
        articles |= set(re.findall(r'href="\.\.(/news/[^"]+)"', body.decode()))
        nxt = re.search(r'<a href="([^"]+)">下一页</a>', body.decode())
        path = "/site/list/" + nxt.group(1) if nxt else None
    assert seen == ["/site/list/index.html", "/site/list/index_1.html", "/site/list/index_2.html"]
    assert len(articles) == 9
    assert mockserver.fetch("/site/list/index_3.html")[0] == 404


def test_js_list_pages_only_call_create_page_html(mockserver):
    for k, name in enumerate(["index.html", "index_1.html", "index_2.html"]):
        body = mockserver.fetch(f"/site/list-js/{name}")[2].decode()
        assert f'createPageHTML(3, {k}, "index", "html");' in body
        assert "<a href=\"index_" not in body and body.count('href="../news/') == 3


def xml_of(mockserver, path: str, content_type: str):
    status, headers, body = mockserver.fetch(path)
    assert status == 200 and headers["Content-Type"].startswith(content_type)
    return etree.fromstring(body)


def test_rss_feed(mockserver):
    items = xml_of(mockserver, "/site/feeds/rss.xml", "application/rss+xml").findall("channel/item")
    assert len(items) == 6
    assert items[0].findtext("link") == mockserver.url(REDIRECT_TARGET) + "?utm_source=rss&utm_medium=feed"
    assert items[0].findtext("pubDate") == "Tue, 03 Nov 2026 10:23:00 +0800"
    assert items[0].find("{http://purl.org/rss/1.0/modules/content/}encoded") is not None


def test_gbk_rss_feed(mockserver):
    _, headers, body = mockserver.fetch("/site/feeds/rss-gbk.xml")
    assert headers["Content-Type"] == "application/rss+xml"
    assert body.startswith(b'<?xml version="1.0" encoding="gb2312"?>')
    assert etree.fromstring(body).findtext("channel/item/title") == ENC_TITLE


def test_atom_feed(mockserver):
    atom = "{http://www.w3.org/2005/Atom}"
    entries = xml_of(mockserver, "/site/feeds/atom.xml", "application/atom+xml").findall(f"{atom}entry")
    assert len(entries) == 6 and entries[0].findtext(f"{atom}published") == "2026-11-03T10:23:00+08:00"
    assert entries[0].find(f"{atom}link").get("href") == mockserver.url(REDIRECT_TARGET)


def test_rdf_feed_has_summaries_only(mockserver):
    ns = {"rss": "http://purl.org/rss/1.0/", "dc": "http://purl.org/dc/elements/1.1/"}
    root = xml_of(mockserver, "/site/feeds/rdf.xml", "application/rdf+xml")
    items = root.findall("rss:item", ns)
    assert len(items) == 6 and items[0].findtext("dc:date", namespaces=ns) == "2026-11-03T10:23:00+08:00"
    assert "<p>" not in items[0].findtext("rss:description", namespaces=ns)


def test_sitemaps(mockserver):
    sm = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    news = "{http://www.google.com/schemas/sitemap-news/0.9}"
    index = xml_of(mockserver, "/site/sitemap_index.xml", "application/xml")
    locs = [e.text for e in index.iter(f"{sm}loc")]
    assert locs == [mockserver.url("/site/sitemap_news.xml"), mockserver.url("/site/sitemap_pages.xml")]
    urls = xml_of(mockserver, "/site/sitemap_news.xml", "application/xml").findall(f"{sm}url")
    assert len(urls) == 4 and urls[0].findtext(f"{sm}lastmod") == "2026-11-03T10:23:00+08:00"
    assert urls[0].findtext(f"{news}news/{news}publication_date") == "2026-11-03T10:23:00+08:00"
    pages = [e.text for e in xml_of(mockserver, "/site/sitemap_pages.xml", "application/xml").iter(f"{sm}loc")]
    assert mockserver.url("/private/secret.html") in pages and len(pages) == 7


def test_news_search_pages(mockserver):
    first = mockserver.fetch("/search/s?wd=" + quote("检察") + "&pn=0")[2].decode()
    links = re.findall(r'<h3 class="news-title"><a href="([^"]+)"', first)
    assert len(links) == 5 and links[0] == mockserver.url(REDIRECT_TARGET)
    assert "/search/s?wd=%E6%A3%80%E5%AF%9F&amp;pn=5" in first and "下一页&gt;" in first
    second = mockserver.fetch("/search/s?wd=" + quote("检察") + "&pn=5")[2].decode()
    assert second.count('class="news-title"') == 4 and "下一页" not in second
    narrow = mockserver.fetch("/search/s?wd=" + quote("公益诉讼 检察建议"))[2].decode()
    assert narrow.count('class="news-title"') == 1
    assert 'class="nors"' in mockserver.fetch("/search/s?wd=xyzzy")[2].decode()


# -- the Weibo-like API ---------------------------------------------------------------

WEIBO_TIME = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3} \d\d \d\d:\d\d:\d\d \+0800 \d{4}")
RELATIVE = re.compile(r"刚刚|\d+分钟前|\d+小时前|昨天 \d\d:\d\d|\d\d-\d\d")


def mblogs(data: dict) -> list[dict]:
    return [card["mblog"] for card in data["data"]["cards"] if "mblog" in card]


def test_weibo_search_has_three_pages(mockserver):
    pages = [weibo(mockserver, "反诈", page) for page in (1, 2, 3, 4)]
    assert [p["ok"] for p in pages] == [1, 1, 1, 0]
    assert [len(mblogs(p)) for p in pages[:3]] == [10, 10, 5]
    assert [p["data"]["cardlistInfo"]["page"] for p in pages] == [2, 3, None, None]
    posts = [m for p in pages[:3] for m in mblogs(p)]
    assert len({m["id"] for m in posts}) == 25
    assert posts[0]["created_at"] == "3分钟前"
    forms = {"absolute" if WEIBO_TIME.fullmatch(m["created_at"]) else "relative"
             for m in posts if WEIBO_TIME.fullmatch(m["created_at"]) or RELATIVE.fullmatch(m["created_at"])}
    assert forms == {"absolute", "relative"} and all(
        WEIBO_TIME.fullmatch(m["created_at"]) or RELATIVE.fullmatch(m["created_at"]) for m in posts)
    for m in posts:
        if WEIBO_TIME.fullmatch(m["created_at"]):  # the weekday is the date's own
            assert datetime.strptime(m["created_at"], "%a %b %d %H:%M:%S %z %Y") <= NOW
        assert m["region_name"].startswith("发布于 ") and m["user"]["screen_name"]
        assert {"reposts_count", "comments_count", "attitudes_count", "text"} <= set(m)
    assert any("retweeted_status" in m for m in posts)
    assert "反诈" in posts[0]["text"]


def test_weibo_capped_keyword_needs_time_slices(mockserver):
    capped = [weibo(mockserver, CAPPED_KEYWORD, page) for page in (1, 2, 3)]
    assert [p["ok"] for p in capped] == [1, 1, 0]
    unsliced = {m["id"] for p in capped[:2] for m in mblogs(p)}
    assert len(unsliced) == 20

    end, sliced = int(NOW.timestamp()), set()
    for _ in range(6):  # six 12-hour windows cover the 60 hours of posts
        start, page = end - 12 * 3600, 1
        while True:
            data = weibo(mockserver, CAPPED_KEYWORD, page, starttime=start, endtime=end)
            if data["ok"] != 1:
                break
            sliced |= {m["id"] for m in mblogs(data)}
            page += 1
        end = start
    assert len(sliced) == 48 and unsliced < sliced


def test_weibo_cookie_required_variant(mockserver):
    refused = weibo(mockserver, "反诈", locked=True)
    assert refused["ok"] == 0 and "data" not in refused
    served = weibo(mockserver, "反诈", locked=True, headers={"Cookie": f"_T_WM=1; {WEIBO_COOKIE}"})
    assert served["ok"] == 1 and len(mblogs(served)) == 10
    assert weibo(mockserver, "")["ok"] == 0
