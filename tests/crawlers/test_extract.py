"""crawlers.extract: articles, list pages and pagination read without site rules, on
realistic pages (tests/fixtures/pages/)."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawlers import extract
from crawlers.encoding import decode_body
from crawlers.extract import Article, extract_article, find_article_links, find_next_page
from indexer.post import SHANGHAI
from tests.conftest import FIXTURES

PAGES = FIXTURES / "pages"
NOW = datetime(2026, 11, 3, 12, 0, tzinfo=SHANGHAI)
FURNITURE = ("字体", "打印本页", "关闭窗口", "分享到", "上一篇", "下一篇", "当前位置", "版权所有")


def read(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


# -- articles ----------------------------------------------------------------------------
PROCURATORATE_URL = "http://www.yunzhou.jcy.gov.cn/jcdt/202611/t20261103_1001.html"


def test_procuratorate_article():
    art = extract_article(read("procuratorate_article.html"), PROCURATORATE_URL + "?spm=a1.b2&from=timeline", NOW)
    assert art.title == "云州市检察院召开未成年人检察工作新闻发布会"
    assert art.published_at == datetime(2026, 11, 3, 10, 23, tzinfo=SHANGHAI)
    assert art.author == "李明"
    assert art.source == "云州市人民检察院"
    assert art.site_name == "云州市人民检察院"
    assert art.canonical_url == PROCURATORATE_URL
    assert art.description.startswith("11月3日，云州市人民检察院召开新闻发布会")
    lines = art.text.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("11月3日，云州市人民检察院召开新闻发布会")
    assert lines[-1].endswith("推动未成年人保护法律监督工作高质量发展。")
    for word in FURNITURE + ("来源：", "发布时间", "作者：", "编辑：", "首页", "检务公开"):
        assert word not in art.text, word


def test_procuratorate_article_without_meta_tags_reads_the_byline():
    html = re.sub(r"<meta name=[^>]*>", "", read("procuratorate_article.html"))
    art = extract_article(html, PROCURATORATE_URL, NOW)
    assert art.title == "云州市检察院召开未成年人检察工作新闻发布会"        # from <title>, column and site cut off
    assert art.published_at == datetime(2026, 11, 3, 10, 23, tzinfo=SHANGHAI)
    assert (art.author, art.source) == ("李明", "云州市人民检察院")
    assert art.site_name == "云州市人民检察院"                             # the <title>'s last part
    assert len(art.text.splitlines()) == 4


def test_news_article():
    url = "https://news.yunzhou.cn/society/2026/11/03/a1024.html?utm_source=wechat&from=timeline#top"
    art = extract_article(read("news_article.html"), url, NOW)
    assert art.title == "男子网购“特效药”被骗8万元 青石县检察院提起公诉"
    assert art.canonical_url == "https://news.yunzhou.cn/society/2026/11/03/a1024.html"
    assert art.published_at == datetime(2026, 11, 3, 1, 15, tzinfo=timezone.utc)
    assert art.author == "陈晓"
    assert art.site_name == "云州新闻网"
    assert art.source == "云州日报"
    assert art.description == "青石县人民检察院日前依法对一起利用网络销售假药实施诈骗的案件提起公诉。"
    assert art.text.startswith("本报讯")
    assert "检察官提醒，购买药品要通过正规渠道" in art.text
    assert len(art.text.splitlines()) == 4
    for word in ("网友甲", "热点新闻", "打击养老诈骗", "责任编辑", "版权所有", "分享到", "时政"):
        assert word not in art.text, word


BYLINE_IN_BODY = """<html><head><title>白河区检察院开展司法救助_检察动态_白河区人民检察院</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/jcdt/">检察动态</a></div>
<div class="article">
<h2>白河区检察院开展司法救助</h2>
<p>来源：白河区人民检察院 发布时间：2026年10月25日 09:30 作者：赵某 编辑：王芳</p>
<p>【字体：大 中 小】 打印本页 关闭窗口</p>
<p>10月24日，白河区人民检察院向因案致困的被害人家属发放司法救助金5万元，帮助其渡过难关。</p>
<p>据了解，该案被害人在一起交通事故中不幸身亡，肇事者无赔偿能力，被害人家属生活陷入困境。检察官在办案中发现这一情况后，主动启动司法救助程序。</p>
<p>会议时间：2026年10月20日上午9时，地点：区检察院三楼会议室。</p>
<p>分享到：微信 微博 QQ空间</p>
<p>（责任编辑：王芳）</p>
</div></body></html>"""


def test_byline_and_furniture_are_removed_from_the_text():
    art = extract_article(BYLINE_IN_BODY, "http://www.baihe.jcy.gov.cn/jcdt/202610/t20261025_961.html", NOW)
    assert art.published_at == datetime(2026, 10, 25, 9, 30, tzinfo=SHANGHAI)
    assert (art.author, art.source, art.title) == ("赵某", "白河区人民检察院", "白河区检察院开展司法救助")
    assert art.text.splitlines() == [
        "10月24日，白河区人民检察院向因案致困的被害人家属发放司法救助金5万元，帮助其渡过难关。",
        "据了解，该案被害人在一起交通事故中不幸身亡，肇事者无赔偿能力，被害人家属生活陷入困境。"
        "检察官在办案中发现这一情况后，主动启动司法救助程序。",
        "会议时间：2026年10月20日上午9时，地点：区检察院三楼会议室。",   # a body line, not a byline
    ]


@pytest.mark.parametrize("byline, expected", [
    ("发布日期：2026-10-25", datetime(2026, 10, 25, tzinfo=SHANGHAI)),
    ("时间：2026年10月25日 09:30 来源：白河区人民检察院", datetime(2026, 10, 25, 9, 30, tzinfo=SHANGHAI)),
    ("2026-10-25 09:30 来源：白河区人民检察院", datetime(2026, 10, 25, 9, 30, tzinfo=SHANGHAI)),
    ("信息来源：白河区人民检察院 | 发表时间：2026/10/25 09:30 | 浏览次数：321",
     datetime(2026, 10, 25, 9, 30, tzinfo=SHANGHAI)),
])
def test_byline_forms(byline, expected):
    html = BYLINE_IN_BODY.replace("来源：白河区人民检察院 发布时间：2026年10月25日 09:30 作者：赵某 编辑：王芳", byline)
    art = extract_article(html, "http://www.baihe.jcy.gov.cn/a/1.html", NOW)
    assert art.published_at == expected
    assert len(art.text.splitlines()) == 3 and "来源" not in art.text and "浏览次数" not in art.text


def test_gbk_page_decoded_with_crawlers_encoding():
    body = (PAGES / "gbk_article.html").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    html, encoding = decode_body(body, "text/html")
    assert encoding == "gb18030"
    art = extract_article(html, "http://www.qingshi.jcy.gov.cn/jcdt/202610/t20261028_552.html", NOW)
    assert art.title == "青石县检察院督促整治农村饮用水源地污染问题"
    assert art.published_at == datetime(2026, 10, 28, tzinfo=SHANGHAI)
    assert art.author == "张喆"                           # 喆 is GBK, not GB 2312, though the page says gb2312
    assert art.source == art.site_name == "青石县人民检察院"
    lines = art.text.splitlines()
    assert len(lines) == 3 and lines[0].startswith("近日，青石县人民检察院在履职中发现")
    for word in FURNITURE + ("|", "首 页", "发布日期"):
        assert word not in art.text, word


def test_traditional_big5_page():
    html = ("<html><head><meta charset='big5'><title>臨江區檢察院依法提起公訴_江州檢察網</title></head><body>"
            "<div class='nav'><a href='/'>首頁</a></div><h1>臨江區檢察院依法提起公訴</h1>"
            "<div class='info'>來源：臨江區人民檢察院 發佈時間：2026-11-03 10:23 作者：李明 【字體：大 中 小】 列印本頁</div>"
            "<div class='content'><p>近日，臨江區人民檢察院以涉嫌詐騙罪依法對張某等7名被告人提起公訴。</p>"
            "<p>經審查查明，被告人通過社交軟件冒充電商平臺客服，騙取33名被害人財物共計人民幣186萬餘元。</p></div>"
            "<div class='share'>分享到：微信 微博</div></body></html>")
    text, encoding = decode_body(html.encode("big5"))
    assert text == html and encoding in ("big5hkscs", "cp950")
    art = extract_article(text, "http://www.linjiang.jcy.gov.cn/jcdt/202611/t20261103_7.html", NOW)
    assert art.title == "臨江區檢察院依法提起公訴"
    assert art.published_at == datetime(2026, 11, 3, 10, 23, tzinfo=SHANGHAI)
    assert (art.author, art.source, art.site_name) == ("李明", "臨江區人民檢察院", "江州檢察網")
    assert len(art.text.splitlines()) == 2 and "來源" not in art.text and "列印" not in art.text


def test_unclosed_title_does_not_swallow_the_page():
    html = ("<html><head><meta charset='utf-8'>\n<title>关于开展“检察开放日”活动的通知_江州检察网\n<body>\n"
            "<h1>关于开展“检察开放日”活动的通知\n<div class='info'>来源：江州市人民检察院 发布时间：2026-11-02 09:00\n"
            "<div class='content'>\n<p>为进一步深化检务公开，主动接受社会监督，我院定于2026年11月10日举办“检察开放日”活动。\n"
            "<p>活动内容包括参观12309检察服务中心、观摩公开听证、座谈交流等。\n<p>特此通知。\n")
    art = extract_article(html, "http://www.jiangzhou.jcy.gov.cn/tzgg/t20261102_3.html", NOW)
    assert art.title == "关于开展“检察开放日”活动的通知"
    assert art.site_name == "江州检察网"
    assert art.published_at == datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
    assert "我院定于2026年11月10日举办“检察开放日”活动" in art.text and "特此通知。" in art.text


def test_broken_markup():
    art = extract_article(read("broken.html"), "http://www.yunzhou.jcy.gov.cn/jcdt/t20261101_5.html", NOW)
    assert art.title == "检察长接待日活动走进社区"
    assert art.published_at == datetime(2026, 11, 1, 15, 30, tzinfo=SHANGHAI)
    assert "现场接待群众来访12批次" in art.text
    assert "a < b" in art.text and "<<耐心>>" in art.text
    assert "推动矛盾纠纷化解在基层" in art.text


@pytest.mark.parametrize("name", ["procuratorate_article.html", "news_article.html", "broken.html", "gov_list.html"])
def test_truncated_pages_never_raise(name):
    html = read(name)
    for cut in range(0, len(html), max(1, len(html) // 23)):
        art = extract_article(html[:cut], "http://www.yunzhou.jcy.gov.cn/a/1.html", NOW)
        assert isinstance(art, Article) and isinstance(art.text, str)


@pytest.mark.parametrize("html", [
    "", "   ", "\n\t", "<", "<<<>>>", "<html>", "<html><body></body></html>", "<p>" * 5000, "\x00\x01",
    "</div></div></p>", "<!-- only a comment -->", "<script>var a = '<p>x</p>';</script>",
    '<?xml version="1.0" encoding="gbk"?><html><body><p>正文内容</p></body></html>',
    "<html><head><meta name='PubDate' content='not a date'><link rel=canonical href='http://[bad'></head></html>",
    "<a href='http://x.cn:99999/'>bad port</a>",
])
def test_odd_input_never_raises(html):
    art = extract_article(html, "http://x.cn/a/1.html", NOW)
    assert isinstance(art, Article)
    assert art.canonical_url == "http://x.cn/a/1.html"


def test_empty_page_is_an_empty_article():
    art = extract_article("", "http://x.cn/a/1.html?utm_source=x", NOW)
    assert art == Article(canonical_url="http://x.cn/a/1.html")


def test_falls_back_to_the_largest_text_block(monkeypatch):
    monkeypatch.setattr(extract, "_trafilatura", lambda html, url: None)
    # fast=False: no paragraph block either, as on a page whose text is not in <p>
    art = extract_article(read("procuratorate_article.html"), PROCURATORATE_URL, NOW, fast=False)
    assert art.title == "云州市检察院召开未成年人检察工作新闻发布会"
    lines = art.text.splitlines()
    assert any(x.startswith("11月3日，云州市人民检察院召开新闻发布会") for x in lines)
    assert "推动未成年人保护法律监督工作高质量发展。" in art.text
    for word in ("检务公开", "ICP备案号", "打印本页", "发布时间"):
        assert word not in art.text, word


def test_a_publication_time_in_the_future_is_not_believed():
    html = read("procuratorate_article.html").replace(
        '<meta name="PubDate" content="2026-11-03 10:23" />', '<meta name="PubDate" content="2036-11-03 10:23" />')
    art = extract_article(html, PROCURATORATE_URL, NOW)
    assert art.published_at == datetime(2026, 11, 3, 10, 23, tzinfo=SHANGHAI)      # the byline's


BARE = ("<html><head><title>检察官走进校园</title></head><body><h1>检察官走进校园</h1><div class='content'><p>"
        + "检察官为同学们讲授预防校园欺凌与网络安全知识，现场互动热烈。" * 6
        + "</p></div><div class='footer'>© 2026 云州检察 版权所有</div></body></html>")


@pytest.mark.parametrize("url, expected", [
    ("http://x.cn/a/abc.html", None),                                         # © 2026 is no date
    ("http://x.cn/jcdt/202610/t20261015_1.html", datetime(2026, 10, 15, tzinfo=SHANGHAI)),
    ("http://x.cn/2026/10/15/abc.html", datetime(2026, 10, 15, tzinfo=SHANGHAI)),
    ("http://x.cn/art/2026/10/5/art_1_2.html", datetime(2026, 10, 5, tzinfo=SHANGHAI)),
    ("http://x.cn/jcdt/202710/t20271015_1.html", None),                       # in the future
])
def test_the_url_date_is_the_last_resort(url, expected):
    assert extract_article(BARE, url, NOW).published_at == expected


def test_naive_now():
    art = extract_article(read("news_article.html"), "https://news.yunzhou.cn/a.html", datetime(2026, 11, 3, 12, 0))
    assert art.published_at == datetime(2026, 11, 3, 9, 15, tzinfo=SHANGHAI)


def test_canonical_to_the_home_page_is_ignored():
    html = read("news_article.html").replace('href="/society/2026/11/03/a1024.html"', 'href="/"').replace(
        '<meta property="og:url" content="https://news.yunzhou.cn/society/2026/11/03/a1024.html">', "")
    art = extract_article(html, "https://news.yunzhou.cn/society/2026/11/03/a1024.html?spm=x", NOW)
    assert art.canonical_url == "https://news.yunzhou.cn/society/2026/11/03/a1024.html"


def test_relative_time_on_the_page():
    html = ("<html><head><title>标题</title></head><body><h1>检察官走进校园开展法治宣讲</h1>"
            "<div class='info'>发布时间：3小时前</div><div class='content'><p>"
            + "检察官为同学们讲授预防校园欺凌与网络安全知识，现场互动热烈。" * 5 + "</p></div></body></html>")
    art = extract_article(html, "http://x.cn/a/1.html", NOW)
    assert art.published_at == NOW - timedelta(hours=3)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(["<p>", "</p>", "<div class='content'>", "</div>", "<", ">", "<a href='",
                                           "'>", "<table><tr><td>", "来源：", "发布时间：", "2026-11-03", "【字体：大 中 小】",
                                           "<meta name='PubDate' content='", "<title>", "&nbsp;", "<script>"]),
                          st.text(max_size=30)), max_size=40).map("".join))
def test_never_raises(html):
    art = extract_article(html, "http://x.cn/a/1.html", NOW)
    assert isinstance(art, Article)


# -- list pages ----------------------------------------------------------------------------------
GOV_LIST_URL = "http://www.yunzhou.jcy.gov.cn/jcdt/index.html"


def test_gov_list_links():
    assert find_article_links(read("gov_list.html"), GOV_LIST_URL) == [
        "http://www.yunzhou.jcy.gov.cn/jcdt/202611/t20261103_1001.html",
        "http://www.yunzhou.jcy.gov.cn/jcdt/202611/t20261102_998.html",
        "http://www.yunzhou.jcy.gov.cn/jcdt/202610/t20261030_987.html",
        "http://www.yunzhou.jcy.gov.cn/jcyw/202610/t20261028_975.html",
        "http://www.yunzhou.jcy.gov.cn/jcdt/202610/t20261027_970.html",
        "http://www.yunzhou.jcy.gov.cn/jcdt/202610/t20261025_961.html",
    ]


def test_allowed_hosts_let_other_hosts_in():
    links = find_article_links(read("gov_list.html"), GOV_LIST_URL, allowed_hosts=["weixin.qq.com"])
    assert links[-1] == "http://mp.weixin.qq.com/s/AbCdEf123" and len(links) == 7
    assert not any("spp.gov.cn" in x or "yunzhou.gov.cn" in x for x in links)


def test_portal_list_links():
    assert find_article_links(read("portal_list.html"), "https://news.yunzhou.cn/law/list_2.html") == [
        "https://news.yunzhou.cn/law/2026/11/03/a1024.html",        # <base href> resolved
        "https://news.yunzhou.cn/law/content_88231.htm",
        "https://news.yunzhou.cn/law/2026/11/02/a1013.html",        # fragment dropped
        "https://news.yunzhou.cn/law/detail.jsp?id=5521&spm=list",
        # not: the same article with ?utm_source, javascript:, the poster image, weibo.com,
        # mailto:, the header menu, the ad, the pagination, the footer
    ]


@pytest.mark.parametrize("href", [
    "/art/2026/11/3/art_1_2.html", "/jcdt/202611/t20261103_123.html", "/2026/11/03/slug",
    "/2026-11/03/c_1129.htm", "/news/20261103/123.html", "/content_123.htm", "/detail.jsp?id=123",
    "/news/show.aspx?newsid=88", "/info/view?articleId=9", "/n1/2026/1103/c42510-4002.html", "/88231.html",
])
def test_article_like_urls_are_found_without_a_list(href):
    html = f'<html><body><div class="x"><p>相关：<a href="{href}">云州市检察院召开新闻发布会通报工作</a></p></div></body></html>'
    assert find_article_links(html, "http://www.example.gov.cn/list/") == [
        "http://www.example.gov.cn" + href]


def test_dated_table_rows():
    rows = "".join(f"<tr><td><a href='/show/{i}'>第{i}期检察工作情况通报全文</a></td><td>2026-10-{i:02d}</td></tr>"
                   for i in range(1, 5))
    html = f"<html><body><table class='news'>{rows}</table></body></html>"
    assert find_article_links(html, "http://x.gov.cn/list.html") == [f"http://x.gov.cn/show/{i}" for i in range(1, 5)]


def test_main_list_without_dates_or_article_urls():
    items = "".join(f"<li><a href='/p/{name}'>{title}</a></li>" for name, title in [
        ("alpha", "青石县检察院开展法治宣传进社区活动"), ("beta", "白河区检察院召开党组理论学习中心组会议"),
        ("gamma", "云州市检察院举办新入职检察官培训班")])
    nav = "<ul class='nav'><li><a href='/about'>关于本院全部机构设置</a></li></ul>"
    html = f"<html><body>{nav}<div class='box'><ul>{items}</ul></div></body></html>"
    assert find_article_links(html, "http://x.gov.cn/") == [
        "http://x.gov.cn/p/alpha", "http://x.gov.cn/p/beta", "http://x.gov.cn/p/gamma"]


def test_short_anchor_text_needs_a_title_attribute():
    html = ("<html><body><ul>"
            "<li><a href='/2026/11/03/a.html'>通报</a></li>"
            "<li><a href='/2026/11/03/b.html' title='关于开展专项行动的通报'>通报</a></li>"
            "</ul></body></html>")
    assert find_article_links(html, "http://x.cn/") == ["http://x.cn/2026/11/03/b.html"]


@pytest.mark.parametrize("html", ["", "<", "<html></html>", "no links at all", "<a href='javascript:void(0)'>x</a>"])
def test_no_links(html):
    assert find_article_links(html, "http://x.cn/") == []


# -- pagination --------------------------------------------------------------------------------
def test_gov_list_create_page_html():
    assert find_next_page(read("gov_list.html"), GOV_LIST_URL) == "http://www.yunzhou.jcy.gov.cn/jcdt/index_1.html"


@pytest.mark.parametrize("script, url, expected", [
    ('createPageHTML(5, 0, "index", "html");', "http://x.cn/jcdt/", "http://x.cn/jcdt/index_1.html"),
    ('createPageHTML(5, 3, "index", "html");', "http://x.cn/jcdt/index_3.html", "http://x.cn/jcdt/index_4.html"),
    ('createPageHTML(5, 4, "index", "html");', "http://x.cn/jcdt/index_4.html", None),
    ('createPageHTML(1, 0, "index", "html");', "http://x.cn/jcdt/index.html", None),
    ("createPageHTML(12,0,'list','shtml');", "http://x.cn/a/list.shtml", "http://x.cn/a/list_1.shtml"),
    ("createPageHTML('page_div',5, 1,'fg','shtml',89);", "http://x.cn/c/fg.shtml", "http://x.cn/c/fg_2.shtml"),
    ("createPageHTML('page_div',5, 4,'fg','shtml',89);", "http://x.cn/c/fg_4.shtml", "http://x.cn/c/fg_5.shtml"),
    ("createPageHTML('page_div',5, 5,'fg','shtml',89);", "http://x.cn/c/fg_5.shtml", None),
    ("new Pager({size:3, current:0, prefix:'index',suffix:'html'});", "http://x.cn/d/", "http://x.cn/d/index_1.html"),
    ("new Pager({size:3, current:2, prefix:'index',suffix:'html'});", "http://x.cn/d/index_2.html", None),
    # the function's own definition is no call
    ("function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}", "http://x.cn/", None),
])
def test_script_pagination(script, url, expected):
    html = f"<html><body><ul><li>x</li></ul><div class='page'><script>{script}</script></div></body></html>"
    assert find_next_page(html, url) == expected


def test_portal_next_link():
    assert find_next_page(read("portal_list.html"), "https://news.yunzhou.cn/law/list_2.html") == \
        "https://news.yunzhou.cn/law/list_3.html"


@pytest.mark.parametrize("links, expected", [
    ("<a href='p2.html'>下一页</a>", "http://x.cn/l/p2.html"),
    ("<a href='p2.html'>下页</a>", "http://x.cn/l/p2.html"),
    ("<a href='p2.html'>后页</a>", "http://x.cn/l/p2.html"),
    ("<a href='p2.html'>[下一页]</a>", "http://x.cn/l/p2.html"),
    ("<a href='p2.html'>下一页 &gt;</a>", "http://x.cn/l/p2.html"),
    ("<a href='p1.html'>1</a><a href='p2.html'>&gt;</a><a href='p9.html'>&gt;&gt;</a>", "http://x.cn/l/p2.html"),
    ("<a href='?page=2'>Next</a>", "http://x.cn/l/p1.html?page=2"),
    ("<a href='?page=2'>next page</a>", "http://x.cn/l/p1.html?page=2"),
    ("<a href='p2.html' title='下一页'><img src='next.gif'></a>", "http://x.cn/l/p2.html"),
    ("<a href='p2.html'><img src='next.gif' alt='下一页'></a>", "http://x.cn/l/p2.html"),
    ("<li class='next'><a href='p2.html'>»</a></li>", "http://x.cn/l/p2.html"),
    ("<a class='next' href='p2.html'><i class='icon'></i></a>", "http://x.cn/l/p2.html"),
    ("<link rel='next' href='/l/p2.html'>", "http://x.cn/l/p2.html"),
    # the last page
    ("<span>下一页</span>", None),
    ("<a href='javascript:void(0)'>下一页</a>", None),
    ("<a href='#'>下一页</a>", None),
    ("<a href='p1.html'>下一页</a>", None),                   # links to itself
    ("<li class='disabled'><a href='p2.html'>下一页</a></li>", None),
    ("<a href='p0.html'>上一页</a><a href='p9.html'>尾页</a>", None),
])
def test_next_links(links, expected):
    html = f"<html><head></head><body><ul><li>x</li></ul><div class='pages'>{links}</div></body></html>"
    if links.startswith("<link"):
        html = f"<html><head>{links}</head><body></body></html>"
    assert find_next_page(html, "http://x.cn/l/p1.html") == expected


@pytest.mark.parametrize("html", ["", "<", "<html></html>", read("procuratorate_article.html")])
def test_no_next_page(html):
    assert find_next_page(html, "http://www.yunzhou.jcy.gov.cn/jcdt/202611/t20261103_1001.html") is None
