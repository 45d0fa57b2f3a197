"""The one-parse page reader: the paragraph block read on the lxml tree (`crawlers.content`),
the line walker (`crawlers.htmltree.tree_lines`), JSON-LD (`crawlers.jsonld`), and when
`extract_article` leaves a page to trafilatura. The fast reading must agree with
trafilatura's on every fixture page."""
import difflib
import json
from datetime import datetime

import pytest

from crawlers import extract
from crawlers.content import Block, main_block
from crawlers.encoding import decode_body
from crawlers.extract import extract_article
from crawlers.htmltree import parse_html, tree_lines
from crawlers.jsonld import read_linked_data
from indexer.post import SHANGHAI
from tests.conftest import FIXTURES
from tests.crawlers.test_extract import BYLINE_IN_BODY

PAGES = FIXTURES / "pages"
NOW = datetime(2026, 11, 3, 12, 0, tzinfo=SHANGHAI)
ARTICLES = {
    "procuratorate_article.html": "http://www.yunzhou.jcy.gov.cn/jcdt/202611/t20261103_1001.html",
    "news_article.html": "https://news.yunzhou.cn/society/2026/11/03/a1024.html",
    "gbk_article.html": "http://www.qingshi.jcy.gov.cn/jcdt/202610/t20261028_552.html",
}
PARAGRAPH = "青石县人民检察院在履职中发现，辖区内两处农村饮用水水源保护区存在生活垃圾堆放等问题，依法制发检察建议。"


def page(name: str) -> str:
    return decode_body((PAGES / name).read_bytes(), "text/html")[0]


@pytest.fixture
def trafilatura_calls(monkeypatch):
    """The URLs trafilatura was asked to read (it still reads them)."""
    calls = []
    real = extract._trafilatura

    def recording(html, url):
        calls.append(url)
        return real(html, url)

    monkeypatch.setattr(extract, "_trafilatura", recording)
    return calls


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, "".join(a.split()), "".join(b.split())).ratio()


# -- the fast path and the fallback ------------------------------------------------------------
@pytest.mark.parametrize("name", ARTICLES)
def test_fixture_articles_take_the_fast_path(name, trafilatura_calls):
    art = extract_article(page(name), ARTICLES[name], NOW)
    assert trafilatura_calls == []
    assert len(art.text.splitlines()) >= 3 and art.title and art.published_at


@pytest.mark.parametrize("name", [*ARTICLES, "broken.html"])
def test_fast_reading_agrees_with_trafilatura(name):
    url = ARTICLES.get(name, "http://www.yunzhou.jcy.gov.cn/jcdt/t20261101_5.html")
    fast = extract_article(page(name), url, NOW)
    slow = extract_article(page(name), url, NOW, fast=False)
    assert similarity(fast.text, slow.text) >= 0.95, (fast.text, slow.text)
    assert (fast.title, fast.published_at, fast.author, fast.source, fast.canonical_url) == \
           (slow.title, slow.published_at, slow.author, slow.source, slow.canonical_url)


def test_bench_site_pages_agree_with_trafilatura(trafilatura_calls):
    from bench.bench_crawl import build_site

    now = datetime(2026, 12, 1, tzinfo=SHANGHAI)
    pages = [(path, body.decode("utf-8")) for path, body in build_site(40).items() if path.startswith("/news/")]
    assert len(pages) == 40
    for path, html in pages:
        fast = extract_article(html, "http://127.0.0.1:8000" + path, now)
        assert trafilatura_calls == []
        slow = extract_article(html, "http://127.0.0.1:8000" + path, now, fast=False)
        trafilatura_calls.clear()
        assert similarity(fast.text, slow.text) >= 0.95
        assert fast.published_at is not None
        assert (fast.title, fast.published_at, fast.source) == (slow.title, slow.published_at, slow.source)


def test_byline_in_the_block_is_taken_out_on_the_fast_path(trafilatura_calls):
    art = extract_article(BYLINE_IN_BODY, "http://www.baihe.jcy.gov.cn/jcdt/202610/t20261025_961.html", NOW)
    assert trafilatura_calls == []
    assert (art.author, art.source) == ("赵某", "白河区人民检察院")
    assert len(art.text.splitlines()) == 3 and "来源" not in art.text and "分享到" not in art.text


SHORT = ("<html><head><title>临江区检察院依法提起公诉_江州检察网</title></head><body><h1>临江区检察院依法提起公诉</h1>"
         "<div class='content'><p>近日，临江区人民检察院以涉嫌诈骗罪依法对张某等7名被告人提起公诉。</p>"
         "<p>经审查查明，被告人冒充客服骗取33名被害人财物共计186万余元。</p></div></body></html>")
BR_TEXT = ("<html><head><title>检察开放日活动通知</title></head><body><table><tr><td class='content'>"
           + "<br>".join([PARAGRAPH] * 4) + "</td></tr></table></body></html>")
LINKS = ("<html><head><title>专题</title></head><body><div class='list'>"
         + "".join(f"<p><a href='/a/{i}.html'>{PARAGRAPH[:30]}</a>（第{i}期，检察动态专题合集）</p>" for i in range(12))
         + "</div></body></html>")
SPLIT = ("<html><head><title>检察工作通报</title></head><body><div class='a'>" + f"<p>{PARAGRAPH}</p>" * 2
         + "</div><div class='sidebar-box'>" + f"<p>{PARAGRAPH}又及。</p>" * 2 + "</div></body></html>")


COMMENTS = ("<html><head><title>检察工作通报</title></head><body><div class='text'>" + "<br>".join([PARAGRAPH] * 4)
            + "</div><div class='comments'>" + "".join(f"<p>网友{i}：支持检察机关依法办案，希望早日还受害人公道。</p>"
                                                      for i in range(8)) + "</div></body></html>")
TEASER = ("<html><head><title>检察工作通报</title></head><body><div class='lead'>" + f"<p>{PARAGRAPH}</p>" * 2
          + "</div><div class='text'>" + "<br>".join([PARAGRAPH * 5] * 3) + "</div></body></html>")


@pytest.mark.parametrize("html, why", [
    (SHORT, "too little text"),
    (BR_TEXT, "no paragraphs"),
    (LINKS, "mostly links"),
    (SPLIT, "the block holds half the page's paragraph text"),
    (COMMENTS, "the only paragraphs are comments"),
    (TEASER, "long text outside the paragraphs"),
])
def test_weak_pages_fall_back_to_trafilatura(html, why, trafilatura_calls):
    art = extract_article(html, "http://x.cn/a/1.html", NOW)
    assert trafilatura_calls == ["http://x.cn/a/1.html"], why
    assert art.text


def test_comment_paragraphs_are_not_the_article():
    assert main_block(parse_html(COMMENTS)) is None
    art = extract_article(COMMENTS, "http://x.cn/a/1.html", NOW)
    assert PARAGRAPH in art.text and "网友" not in art.text


def test_text_outside_paragraphs_comes_from_trafilatura():
    art = extract_article(BR_TEXT, "http://x.cn/a/1.html", NOW)
    assert art.text.count(PARAGRAPH) == 4


def test_the_fallback_without_trafilatura_still_reads_the_paragraphs(monkeypatch):
    monkeypatch.setattr(extract, "_trafilatura", lambda html, url: None)
    art = extract_article(SHORT, "http://x.cn/a/1.html", NOW)
    assert art.text.splitlines()[0].startswith("近日，临江区人民检察院")


# -- the block ----------------------------------------------------------------------------------
def test_a_list_of_links_is_a_weak_block():
    block = main_block(parse_html(LINKS))
    assert block.paragraphs == 12 and block.link_chars > 0.3 * block.chars
    assert block.weak("\n".join(block.lines))


def test_main_block_is_the_paragraph_container():
    tree = parse_html(page("news_article.html"))
    block = main_block(tree)
    assert block.paragraphs == 4 and block.link_chars == 0 and block.share == 1.0
    assert block.lines[0].startswith("本报讯") and len(block.lines) == 4


def test_main_block_skips_furniture_inside_it():
    html = ("<html><body><div id='zoom'>" + f"<p>{PARAGRAPH}</p>" * 3
            + "<div class='article-share'>分享到：微信 微博</div><div class='related'><p>相关新闻：某某检察院开展活动</p></div>"
            "<script>var x = '<p>不是正文</p>';</script></div></body></html>")
    block = main_block(parse_html(html))
    assert block.lines == [PARAGRAPH] * 3


def test_no_paragraphs_no_block():
    assert main_block(parse_html("<html><body><div>只有一行字</div></body></html>")) is None


def test_weak_block_rules():
    three = "\n".join([PARAGRAPH] * 3)
    block = Block(lines=[], paragraphs=3, chars=400, link_chars=0, share=1.0)
    assert not block.weak(three)
    assert block.weak(PARAGRAPH[:60])                                  # too short
    assert block.weak(PARAGRAPH * 4)                                   # one paragraph, under 300 characters
    assert not block.weak(PARAGRAPH * 7)                               # one long paragraph
    assert Block([], 3, 400, 200, 1.0).weak(three)                     # links
    assert Block([], 3, 400, 0, 0.5).weak(three)                       # half the page's text elsewhere
    assert Block([PARAGRAPH], 3, 400, 0, 1.0).weak(three, [PARAGRAPH, PARAGRAPH * 5])   # a long line elsewhere
    assert not Block([PARAGRAPH * 5], 3, 400, 0, 1.0).weak(three, [PARAGRAPH * 5])     # the block's own line


# -- lines --------------------------------------------------------------------------------------
def test_tree_lines_render_like_a_browser():
    html = ("<html><head><title>t</title><style>p{}</style></head><body><div>一\n二 <b>三</b></div>"
            "<p>甲<br>乙</p><table><tr><td>单元</td><td>格</td></tr></table>"
            "<pre>a\n  b</pre><script>var s='<p>x</p>';</script>尾<img alt='[怒]'></body></html>")
    assert tree_lines(parse_html(html).find("body")) == ["一二 三", "甲", "乙", "单元 格", "a", "b", "尾[怒]"]


def test_tree_lines_skip_keeps_the_tail():
    body = parse_html("<html><body><div>前<span class='x'>不要</span>后</div></body></html>").find("body")
    assert tree_lines(body, skip=lambda el: el.get("class") == "x") == ["前后"]


def test_tree_lines_of_nothing():
    assert tree_lines(None) == []


# -- JSON-LD ------------------------------------------------------------------------------------
LD = {"@context": "https://schema.org", "@graph": [
    {"@type": "WebSite", "name": "云州新闻网"},
    {"@type": "NewsArticle", "headline": "云州检察机关通报未成年人检察工作", "datePublished": "2026-11-02T08:30:00+08:00",
     "author": [{"@type": "Person", "name": "陈晓"}, {"@type": "Person", "name": "周检宣"}],
     "publisher": {"@type": "Organization", "name": "云州日报"}, "description": "通报近三年工作情况。"}]}


def test_json_ld_metadata():
    html = (f"<html><head><script type='application/ld+json'>{json.dumps(LD, ensure_ascii=False)}</script>"
            "<title>x</title></head><body><div class='c'>" + f"<p>{PARAGRAPH}</p>" * 3 + "</div></body></html>")
    art = extract_article(html, "https://news.yunzhou.cn/a/1.html", NOW)
    assert art.title == "云州检察机关通报未成年人检察工作"
    assert art.published_at == datetime(2026, 11, 2, 8, 30, tzinfo=SHANGHAI)
    assert (art.author, art.site_name, art.description) == ("陈晓、周检宣", "云州日报", "通报近三年工作情况。")


@pytest.mark.parametrize("script", ["", "{not json", "[1, 2]", '{"@type": "WebSite", "name": "x"}', "null"])
def test_json_ld_that_says_nothing(script):
    html = f"<html><head><script type='application/ld+json'>{script}</script></head><body></body></html>"
    assert read_linked_data(parse_html(html)).title == ""
