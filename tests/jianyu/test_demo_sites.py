"""The bundled demo sites (`jianyu.demo.sites`): every kind of page, fetched over HTTP
from a server on port 0, and every demo post reachable from some list, feed or API."""
from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.error import HTTPError
from urllib.parse import quote, urlencode, urljoin
from urllib.request import urlopen
from urllib.robotparser import RobotFileParser

import pytest

from jianyu.config import SourceSettings
from jianyu.demo.sites import SEARCH_KEYWORDS, WEIBO_KEYWORDS, DemoSites, sources
from jianyu.demo.world import DEFAULT_POSTS, NEWS_PLATFORMS
from tests.conftest import ROOT

POSTS = [json.loads(line) for line in DEFAULT_POSTS.read_text(encoding="utf-8").splitlines() if line.strip()]
BY_ID = {p["id"]: p for p in POSTS}
NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
      "news": "http://www.google.com/schemas/sitemap-news/0.9",
      "atom": "http://www.w3.org/2005/Atom"}


@dataclass
class Page:
    status: int
    content_type: str
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> dict:
        return json.loads(self.body)


def fetch(url: str) -> Page:
    try:
        with urlopen(url, timeout=10) as r:
            return Page(r.status, r.headers.get("Content-Type", ""), r.read())
    except HTTPError as e:
        with e:
            return Page(e.code, e.headers.get("Content-Type", ""), e.read())


def links(page_html: str) -> list[tuple[str, str]]:
    """(href, text) of every <a href> in a page."""
    return [(html.unescape(href), re.sub(r"<[^>]+>", "", text))
            for href, text in re.findall(r'<a\s[^>]*?href="([^"]*)"[^>]*>(.*?)</a>', page_html, re.S)]


def next_link(page_url: str, page_html: str, label: str = "下一页") -> str | None:
    found = [href for href, text in links(page_html) if text.strip().startswith(label)]
    return urljoin(page_url, found[0]) if found else None


def paragraphs_of(page_html: str) -> str:
    """The article text of a /news/ or /jcy/ page: its <p> paragraphs, unescaped."""
    content = re.search(r'<div class="article-content"[^>]*>(.*?)</div>\s*(?:</div>|<div class="editor")',
                        page_html, re.S).group(1)
    return "\n".join(html.unescape(p) for p in re.findall(r"<p[^>]*>(.*?)</p>", content, re.S))


def title_of(page_html: str) -> str:
    return html.unescape(re.search(r"<h1[^>]*>(.*?)</h1>", page_html, re.S).group(1))


def weibo_plain(text_html: str) -> str:
    """mblog HTML back to the post text: emoticons by their alt, links by their text."""
    text = re.sub(r'<img[^>]*\balt="([^"]*)"[^>]*>', r"\1", text_html)
    text = re.sub(r"<br\s*/?>", "\n", text)
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def weibo_api(base: str, query: str, page: int | str = 1) -> dict:
    containerid = quote(f"100103type=1&q={query}", safe="")
    return fetch(f"{base}/weibo/api/container/getIndex?containerid={containerid}"
                 f"&page_type=searchall&page={page}").json()


def weibo_all(base: str, query: str) -> list[dict]:
    cards, page = [], 1
    while page:
        data = weibo_api(base, query, page)
        assert data["ok"] == 1
        cards += data["data"]["cards"]
        page = data["data"]["cardlistInfo"]["page"]
    return cards


@pytest.fixture(scope="module")
def sites():
    with DemoSites() as s:
        yield s


@pytest.fixture(scope="module")
def base(sites) -> str:
    return sites.base_url


# --- the server ---------------------------------------------------------------------

def test_health_index_and_not_found(base):
    assert fetch(base + "/healthz").text == "ok\n"
    assert "/news/" in fetch(base + "/").text
    for path in ("/nope", "/news/a/20990101/1.html", "/news/list/99.html", "/jcy/jcdt/index_9.html"):
        assert fetch(base + path).status == 404, path


def test_start_stop_and_context_manager():
    s = DemoSites()
    url = s.start()
    assert url.startswith("http://127.0.0.1:") and s.start() == url
    assert fetch(url + "/healthz").status == 200
    assert s.requests["/healthz"] == 1
    s.stop()
    s.stop()
    with pytest.raises(RuntimeError):
        s.base_url


def test_serves_many_requests_at_once(base):
    urls = [base + p for p in ("/news/", "/news/rss.xml", "/jcy/jcdt/index.html", "/search/s?wd=x")] * 20
    with ThreadPoolExecutor(max_workers=32) as pool:
        assert {p.status for p in pool.map(fetch, urls)} == {200}


def test_robots_txt(base):
    text = fetch(base + "/robots.txt").text
    robots = RobotFileParser()
    robots.parse(text.splitlines())
    assert robots.site_maps() == [base + "/news/sitemap.xml"]
    assert not robots.can_fetch("JianYu", base + "/news/private/draft.html")
    assert robots.can_fetch("JianYu", base + "/news/rss.xml")
    assert robots.can_fetch("JianYu", base + "/jcy/jcdt/index.html")
    # the forbidden page exists and is linked, so only robots.txt keeps a crawler out
    assert "/news/private/draft.html" in [h for h, _ in links(fetch(base + "/news/").text)]
    assert fetch(base + "/news/private/draft.html").status == 200


def test_command_line_prints_the_url_first(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "jianyu.demo.sites", "--port", "0"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        assert fetch(url + "/healthz").text == "ok\n"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()


# --- /news/ ---------------------------------------------------------------------------

def test_news_list_pages(base):
    url, seen, pages = base + "/news/list/1.html", [], 0
    while url:
        page = fetch(url)
        assert page.status == 200
        seen += [h for h, _ in links(page.text) if re.fullmatch(r"/news/a/\d{8}/\d+\.html", h)]
        pages += 1
        url = next_link(url, page.text)
    expected = [p for p in POSTS if p["platform"] in NEWS_PLATFORMS]
    assert pages == -(-len(expected) // 20)
    assert len(set(seen)) == len(expected)
    assert "/news/list/1.html" in [h for h, _ in links(fetch(base + "/news/").text)]


def test_news_article_page(sites, base):
    post = BY_ID["demo-0007"]
    article = next(a for a in sites.world.news if a.post is post or a.post["id"] == post["id"])
    assert article.path == "/news/a/20261128/1043.html"
    page = fetch(base + article.path)
    assert page.status == 200 and page.content_type == "text/html; charset=utf-8"
    text = page.text
    assert f"<title>{post['title']} - 云州新闻网</title>" in text
    assert f'<meta property="og:title" content="{html.escape(post["title"])}">' in text
    assert '<meta property="og:type" content="article">' in text
    assert '<meta property="article:published_time" content="2026-11-28T07:50:00+08:00">' in text
    assert f'<link rel="canonical" href="{base}{article.path}">' in text
    assert re.search(r"来源：云州日报</span>\s+<span class=\"time\">发布时间：2026-11-28 07:50", text)
    assert title_of(text) == post["title"]
    assert paragraphs_of(text) == post["text"]
    assert "<nav" in text and "<footer" in text


def test_rss_items_carry_a_summary_only(base):
    page = fetch(base + "/news/rss.xml")
    assert page.content_type.startswith("application/rss+xml")
    channel = ET.fromstring(page.body).find("channel")
    items = channel.findall("item")
    assert len(items) == 50
    dates = [parsedate_to_datetime(i.findtext("pubDate")) for i in items]
    assert dates == sorted(dates, reverse=True) and dates[0].utcoffset().total_seconds() == 8 * 3600
    first = items[0]
    article = fetch(first.findtext("link")).text
    assert first.findtext("link").startswith(base + "/news/a/")
    assert title_of(article) == first.findtext("title")
    full = paragraphs_of(article)
    summary = first.findtext("description")
    assert len(summary) < len(full) and summary.endswith("……")


def test_atom_feed(base):
    page = fetch(base + "/news/atom.xml")
    assert page.content_type.startswith("application/atom+xml")
    feed = ET.fromstring(page.body)
    entries = feed.findall("atom:entry", NS)
    assert len(entries) == 50
    e = entries[0]
    href = e.find("atom:link", NS).get("href")
    assert href.startswith(base + "/news/a/") and fetch(href).status == 200
    assert datetime.fromisoformat(e.findtext("atom:published", namespaces=NS)).tzinfo is not None
    assert e.findtext("atom:summary", namespaces=NS) and e.findtext("atom:id", namespaces=NS)


def test_sitemap_index_and_news_sitemap(base):
    index = ET.fromstring(fetch(base + "/news/sitemap.xml").body)
    assert index.tag == "{%s}sitemapindex" % NS["sm"]
    locs = [s.findtext("sm:loc", namespaces=NS) for s in index.findall("sm:sitemap", NS)]
    assert locs == [base + "/news/sitemap-news.xml"]
    urlset = ET.fromstring(fetch(locs[0]).body)
    urls = urlset.findall("sm:url", NS)
    assert len(urls) == sum(p["platform"] in NEWS_PLATFORMS for p in POSTS)
    for u in urls:
        assert u.findtext("sm:loc", namespaces=NS).startswith(base + "/news/a/")
        datetime.fromisoformat(u.findtext("sm:lastmod", namespaces=NS))
        news = u.find("news:news", NS)
        assert news.findtext("news:publication/news:name", namespaces=NS) == "云州新闻网"
        assert news.findtext("news:title", namespaces=NS)
        datetime.fromisoformat(news.findtext("news:publication_date", namespaces=NS))


# --- /jcy/ ----------------------------------------------------------------------------

def test_jcy_pages_are_gbk_declared_only_in_meta(base):
    for path in ("/jcy/", "/jcy/jcdt/index.html", "/jcy/jcdt/index_1.html"):
        page = fetch(base + path)
        assert page.status == 200 and page.content_type == "text/html", path
        with pytest.raises(UnicodeDecodeError):
            page.body.decode("utf-8")
        text = page.body.decode("gbk")
        assert '<meta http-equiv="Content-Type" content="text/html; charset=gbk" />' in text
        assert "青石县人民检察院" in text


def test_jcy_column_paging(base, sites):
    url, hrefs, index = base + "/jcy/jcdt/index.html", [], 0
    pages = -(-len(sites.world.jcy) // 15)
    assert pages >= 2
    while url:
        text = fetch(url).body.decode("gbk")
        assert f'createPageHTML({pages}, {index}, "index", "html");' in text
        found = [urljoin(url, h) for h, _ in links(text) if re.search(r"/\d{6}/t\d{8}_\d+\.html$", h)]
        assert len(found) == (15 if index < pages - 1 else len(sites.world.jcy) - 15 * (pages - 1))
        hrefs += found
        url = next_link(url, text)
        index += 1
        if url:
            assert url == f"{base}/jcy/jcdt/index_{index}.html"
    assert index == pages and "下一页" in text  # the last page names 下一页 without a link
    assert len(set(hrefs)) == len(sites.world.jcy)
    assert "function createPageHTML" in fetch(base + "/jcy/js/page.js").body.decode("gbk")


def test_jcy_article_page(base):
    post = BY_ID["demo-0014"]
    page = fetch(base + "/jcy/jcdt/202611/t20261128_1123.html")
    assert page.content_type == "text/html"
    text = page.body.decode("gbk")
    assert title_of(text) == post["title"]
    assert paragraphs_of(text) == post["text"]
    assert '<meta name="PubDate" content="2026-11-28 10:18" />' in text
    assert "发布时间：2026-11-28 10:18  来源：青石县人民检察院" in text
    assert re.search(r"【字体：<a[^>]*>大</a> <a[^>]*>中</a> <a[^>]*>小</a>】", text)
    assert f"<title>{post['title']}_青石县人民检察院</title>" in text


def test_jcy_republishes_the_weibo_announcements(sites, base):
    mirrors = [a for a in sites.world.jcy if a.mirror]
    assert {a.post["author"] for a in mirrors} == {"青石检察"}
    a = next(m for m in mirrors if m.post["id"] == "demo-0142")
    text = fetch(base + a.path).body.decode("gbk")
    assert "发布时间：2026-11-29 20:40  来源：青石县人民检察院" in text
    assert paragraphs_of(text) == BY_ID["demo-0142"]["text"].removeprefix("【情况通报】")


# --- /weibo/ --------------------------------------------------------------------------

def test_weibo_api_shape_and_paging(base):
    expected = [p for p in POSTS if p["platform"] == "weibo" and "检察官" in p["text"]]
    first = weibo_api(base, "检察官")
    assert first["ok"] == 1
    info = first["data"]["cardlistInfo"]
    assert info["total"] == len(expected) and info["page"] == 2
    assert len(first["data"]["cards"]) == 10
    card = first["data"]["cards"][0]
    assert card["card_type"] == 9
    m = card["mblog"]
    assert isinstance(m["id"], str) and m["id"].isdigit() and m["mid"] == m["id"]
    assert re.fullmatch(r"[0-9A-Za-z]+", m["bid"])
    assert re.fullmatch(r"[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d \+0800 \d{4}", m["created_at"])
    assert {"id", "screen_name", "verified"} <= set(m["user"]) and isinstance(m["user"]["id"], int)
    for key in ("reposts_count", "comments_count", "attitudes_count"):
        assert isinstance(m[key], int)
    assert isinstance(m["isLongText"], bool) and m["source"]

    cards = weibo_all(base, "检察官")
    assert len(cards) == len(expected)
    times = [datetime.strptime(c["mblog"]["created_at"], "%a %b %d %H:%M:%S %z %Y") for c in cards]
    assert times == sorted(times, reverse=True)
    assert sorted(t.isoformat() for t in times) == sorted(p["published_at"] for p in expected)
    last = -(-len(expected) // 10)
    assert weibo_api(base, "检察官", last + 1)["ok"] == 0
    assert weibo_api(base, "检察官", "x")["ok"] == 0
    assert weibo_api(base, "一个不存在的词")["ok"] == 0
    assert fetch(base + "/weibo/api/container/getIndex").json()["ok"] == 0


def test_weibo_text_is_html_like_the_real_api(base):
    mblogs = [c["mblog"] for c in weibo_all(base, "检察")]
    texts = "\n".join(m["text"] for m in mblogs)
    assert "<a href='/n/青石检察'>@青石检察</a>" in texts
    assert re.search(r'<span class="url-icon"><img alt="\[[^\]]+\]"[^>]*></span>', texts)
    assert '<span class="surl-text">#临河水污染公益诉讼#</span></a>' in texts
    regions = [m.get("region_name") for m in mblogs]
    assert None in regions and all(r.startswith("发布于 ") for r in regions if r)
    official = next(m for m in mblogs if m["user"]["screen_name"] == "青石检察")
    assert official["user"]["verified"] is True


def test_weibo_reposts_carry_the_original(base):
    cards = weibo_all(base, "转发微博")
    assert len(cards) == sum(p["platform"] == "weibo" and "转发微博" in p["text"] for p in POSTS)
    by_text = {weibo_plain(c["mblog"]["text"]): c["mblog"] for c in cards}
    repost = by_text[BY_ID["demo-0044"]["text"]]
    original = repost["retweeted_status"]
    assert original["user"]["screen_name"] == "青石检察"
    assert weibo_plain(original["text"]) == BY_ID["demo-0035"]["text"]
    assert "retweeted_status" not in original
    # a plain post has none
    plain = weibo_all(base, "公车私用")
    assert not any("retweeted_status" in c["mblog"] for c in plain if "//@" not in c["mblog"]["text"])


def test_weibo_long_text_and_extend(base):
    long_posts = [p for p in POSTS if p["platform"] == "weibo" and len(p["text"]) > 140]
    assert long_posts
    mblogs = [c["mblog"] for c in weibo_all(base, "检察")]
    longs = [m for m in mblogs if m["isLongText"]]
    assert longs and all(m["text"].endswith(f'<a href="/status/{m["mid"]}">全文</a>') for m in longs)
    texts = {p["text"] for p in long_posts}
    for m in longs:
        data = fetch(f"{base}/weibo/statuses/extend?id={m['mid']}").json()
        assert data["ok"] == 1 and weibo_plain(data["data"]["longTextContent"]) in texts
    assert fetch(f"{base}/weibo/statuses/extend?id=1").json()["ok"] == 0


# --- /search/ -------------------------------------------------------------------------

def test_search_paging(sites, base):
    query = "检察院"
    expected = [a for a in sites.world.news + sites.world.jcy if query in a.title + a.text]
    assert len(expected) > 20
    url = f"{base}/search/s?{urlencode({'wd': query, 'pn': 0})}"
    first = fetch(url).text
    assert f"约{len(expected)}个" in first and "<em>检察院</em>" in first
    results, pages = [], 0
    while url:
        text = fetch(url).text
        hits = re.findall(r'<h3 class="t"><a href="([^"]+)"', text)
        assert len(hits) == 10 or not next_link(url, text)
        results += hits
        pages += 1
        url = next_link(url, text)
    assert pages == -(-len(expected) // 10)
    assert sorted(results) == sorted(base + a.path for a in expected)
    sample = fetch(html.unescape(results[-1]))
    assert sample.status == 200


def test_search_home_and_no_results(base):
    assert 'name="wd"' in fetch(base + "/search/").text
    assert 'name="wd"' in fetch(base + "/search/s?wd=").text
    assert "抱歉，没有找到" in fetch(base + "/search/s?" + urlencode({"wd": "不存在的词组"})).text


# --- sources and reachability ---------------------------------------------------------

def test_sources_are_valid_settings_and_answer(base):
    defs = sources(base)
    assert [d["name"] for d in defs] == ["yunzhou-news-rss", "yunzhou-news-sitemap", "qingshi-jcy",
                                         "weibo-demo", "search-demo"]
    assert {d["type"] for d in defs} == {"feed", "sitemap", "listing", "weibo", "search"}
    for d in defs:
        s = SourceSettings(**d)
        for url in s.all_urls():
            assert url.startswith(base + "/")
            if s.type == "weibo":
                assert weibo_api(base, s.keywords[0])["ok"] == 1
            else:
                page = fetch(url.replace("{query}", quote(s.keywords[0] if s.keywords else "")).replace("{offset}", "0"))
                assert page.status == 200, url
    assert {"检察院", "检察官", "青石检察", "公车私用", "公益诉讼"} <= set(WEIBO_KEYWORDS)
    assert SEARCH_KEYWORDS


def test_every_demo_post_is_reachable(sites, base):
    # /news/: the RSS feed, the sitemap and the list pages together
    news_urls = {i.findtext("link") for i in ET.fromstring(fetch(base + "/news/rss.xml").body).iter("item")}
    sitemap = ET.fromstring(fetch(base + "/news/sitemap-news.xml").body)
    news_urls |= {u.findtext("sm:loc", namespaces=NS) for u in sitemap.findall("sm:url", NS)}
    url = base + "/news/list/1.html"
    while url:
        text = fetch(url).text
        news_urls |= {urljoin(url, h) for h, _ in links(text) if "/news/a/" in h}
        url = next_link(url, text)
    reached = set()
    for u in news_urls:
        text = fetch(u).text
        reached.add((title_of(text), paragraphs_of(text)))
    assert reached == {(p["title"], p["text"]) for p in POSTS if p["platform"] in NEWS_PLATFORMS}

    # /jcy/: the column's list pages
    jcy, url = set(), base + "/jcy/jcdt/index.html"
    while url:
        text = fetch(url).body.decode("gbk")
        for h, _ in links(text):
            if re.search(r"/t\d{8}_\d+\.html$", h):
                jcy.add(paragraphs_of(fetch(urljoin(url, h)).body.decode("gbk")))
        url = next_link(url, text)
    assert {p["text"] for p in POSTS if p["platform"] == "gov"} <= jcy

    # /weibo/: the API, over the demo source's keywords (a post no keyword finds is not reachable)
    found = set()
    for kw in WEIBO_KEYWORDS:
        for c in weibo_all(base, kw):
            m = c["mblog"]
            text = m["text"]
            if m["isLongText"]:
                text = fetch(f"{base}/weibo/statuses/extend?id={m['mid']}").json()["data"]["longTextContent"]
            found.add(weibo_plain(text))
    wanted = {p["text"] for p in POSTS if p["platform"] == "weibo"
              and any(k.lower() in p["text"].lower() for k in WEIBO_KEYWORDS)}
    assert found == wanted and len(wanted) > 150


# --- escaping and determinism ---------------------------------------------------------

EVIL = "<script>alert('x')</script> & \"检察院\""


def test_every_page_escapes_post_text(tmp_path):
    posts = [
        {"id": "x1", "url": "https://news.example/1.html", "platform": "news", "site": "<b>站</b>",
         "author": "<i>记者</i>", "title": "<script>标题</script>", "text": EVIL,
         "published_at": "2026-11-29T10:30:00+08:00"},
        {"id": "x2", "url": "https://gov.example/t20261129_7.html", "platform": "gov", "site": "官网",
         "author": "青石县人民检察院", "title": "通报<script>", "text": EVIL + " 👍",
         "published_at": "2026-11-29T11:30:00+08:00"},
        {"id": "x3", "url": "https://weibo.example/u/1/Ab1", "platform": "weibo", "site": "微博",
         "author": "某人", "title": "", "text": EVIL + " #话题<b># @某某 [怒]",
         "published_at": "2026-11-29T12:30:00+08:00"},
    ]
    path = tmp_path / "posts.jsonl"
    path.write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in posts) + "\n", encoding="utf-8")
    with DemoSites(path) as s:
        b = s.base_url
        news = s.world.news[0].path
        gov = s.world.jcy[0].path
        pages = {
            "news": fetch(b + news).text, "list": fetch(b + "/news/list/1.html").text,
            "home": fetch(b + "/news/").text, "rss": fetch(b + "/news/rss.xml").text,
            "atom": fetch(b + "/news/atom.xml").text, "sitemap": fetch(b + "/news/sitemap-news.xml").text,
            "jcy": fetch(b + gov).body.decode("gbk"), "jcy-list": fetch(b + "/jcy/jcdt/index.html").body.decode("gbk"),
            "search": fetch(b + "/search/s?" + urlencode({"wd": "检察院"})).text,
        }
        weibo = weibo_api(b, "检察院")
    for name, text in pages.items():
        assert "<script>alert" not in text and "<script>标题" not in text, name
        assert "<b>站" not in text and "<i>记者" not in text, name
    assert paragraphs_of(pages["news"]) == EVIL
    assert paragraphs_of(pages["jcy"]) == EVIL + " 👍"          # 👍 is not GBK: a character reference
    assert "&#128077;" in pages["jcy"]
    assert ET.fromstring(pages["rss"].encode()).findtext("channel/item/title") == "<script>标题</script>"
    text = weibo["data"]["cards"][0]["mblog"]["text"]
    assert "<script>" not in text and "<b>" not in text
    assert weibo_plain(text) == posts[2]["text"]


def test_same_posts_same_sites(base):
    with DemoSites() as other:
        for path in ("/news/rss.xml", "/news/a/20261128/1043.html", "/jcy/jcdt/index_1.html",
                     "/search/s?wd=%E6%A3%80%E5%AF%9F", "/weibo/api/container/getIndex?containerid="
                     "100103type%3D1%26q%3D%E6%A3%80%E5%AF%9F%E9%99%A2&page=3"):
            mine = fetch(base + path).body.replace(base.encode(), b"BASE")
            theirs = fetch(other.base_url + path).body.replace(other.base_url.encode(), b"BASE")
            assert mine == theirs, path
