"""Mock-server routes for a small procuratorate news site (江州检察网): article pages,
two paginated lists, RSS 2.0 / Atom / RSS 1.0 feeds, sitemaps and a news-search page.
Articles come from ``tests/fixtures/site/articles.json``, newest first; links in feeds,
sitemaps and search results are absolute URLs on the requesting Host.
The route list is in ``tests/crawlers/mockserver.py``."""
from __future__ import annotations

import json
from datetime import datetime
from email.utils import format_datetime
from functools import cache
from html import escape
from string import Template
from urllib.parse import urlencode

from tests.crawlers.mock_core import (
    SITE, Request, Response, html, not_found, route, site_file, xml,
)

LIST_PAGE_SIZE = 3
LIST_PAGES = 3
SEARCH_PAGE_SIZE = 5
UTM_QUERY = "utm_source=rss&utm_medium=feed"  # on the first article's link in rss.xml


@cache
def articles() -> tuple[dict, ...]:
    """The site's articles, newest first."""
    data = json.loads((SITE / "articles.json").read_text(encoding="utf-8"))
    return tuple(sorted(data, key=lambda a: a["published"], reverse=True))


def by_path(path: str) -> dict | None:
    return next((a for a in articles() if a["path"] == path), None)


def _when(article: dict) -> datetime:
    return datetime.fromisoformat(article["published"])


def _absolute(req: Request, article: dict, query: str = "") -> str:
    return req.base + article["path"] + (f"?{query}" if query else "")


# -- articles -------------------------------------------------------------------------

def render_article(req: Request, article: dict) -> str:
    others = [a for a in articles() if a["id"] != article["id"]][:2]
    related = "".join(f'<li><a href="{a["path"]}">{escape(a["title"])}</a></li>' for a in others)
    tags = "\n".join(f'<meta property="article:tag" content="{escape(t)}">' for t in article["tags"])
    fields = {k: escape(str(v)) for k, v in article.items() if isinstance(v, (str, int))}
    return Template(site_file("templates/article.html")).substitute(
        fields,
        canonical=escape(_absolute(req, article)),
        keywords=escape(",".join(article["tags"])),
        pubdate=_when(article).strftime("%Y-%m-%d %H:%M"),
        article_tags=tags,
        paragraphs="\n".join(f"<p>{escape(p, quote=False)}</p>" for p in article["paragraphs"]),
        related=related,
    )


@route(r"/site/news/\d{4}/\d{2}/t\d{8}_\d+\.html")
def article_page(req: Request) -> Response:
    """Any query string (``?utm_source=…``) serves the same page and canonical."""
    article = by_path(req.path)
    return html(render_article(req, article)) if article else not_found(req.path)


@route(r"/site/m/(t\d{8}_\d+\.html)")
def mobile_article(req: Request, name: str) -> Response:
    """The mobile URL of an article: same page, canonical on the desktop URL."""
    article = next((a for a in articles() if a["path"].endswith("/" + name)), None)
    return html(render_article(req, article)) if article else not_found(req.path)


# -- home and lists -------------------------------------------------------------------

def _page(title: str, body: str, head: str = "") -> str:
    return (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{escape(title)}</title>\n{head}</head>\n<body>\n{body}\n</body>\n</html>\n")


@route(r"/site/(?:index\.html)?")
def site_home(req: Request) -> Response:
    latest = "".join(f'<li><a href="{a["path"]}">{escape(a["title"])}</a></li>' for a in articles()[:3])
    head = ('<link rel="alternate" type="application/rss+xml" title="检察动态" href="/site/feeds/rss.xml">\n'
            '<link rel="alternate" type="application/atom+xml" title="检察动态" href="/site/feeds/atom.xml">\n')
    body = ('<div class="header"><h1>江州检察网</h1></div>\n'
            '<ul class="nav"><li><a href="/site/list/index.html">检察动态</a></li>'
            '<li><a href="/site/list-js/index.html">通知公告</a></li></ul>\n'
            f'<div class="latest"><h2>最新动态</h2><ul>{latest}</ul></div>')
    return html(_page("江州检察网", body, head))


CREATE_PAGE_JS = """<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt) {
  if (_nPageCount == null || _nPageCount <= 1) { return; }
  var page = function (i) { return i == 0 ? _sPageName + "." + _sPageExt
                                          : _sPageName + "_" + i + "." + _sPageExt; };
  if (_nCurrIndex > 0) { document.write("<a href=\\"" + page(_nCurrIndex - 1) + "\\">上一页</a> "); }
  if (_nCurrIndex + 1 < _nPageCount) { document.write("<a href=\\"" + page(_nCurrIndex + 1) + "\\">下一页</a>"); }
}
</script>
"""


def _pager(k: int) -> str:
    """上一页 / 下一页 links; on the edges the words stay, without links."""
    name = lambda i: "index.html" if i == 0 else f"index_{i}.html"  # noqa: E731
    prev = f'<a href="{name(k - 1)}">上一页</a>' if k > 0 else "<span>上一页</span>"
    nxt = f'<a href="{name(k + 1)}">下一页</a>' if k + 1 < LIST_PAGES else '<span class="disabled">下一页</span>'
    return (f'<div class="page">共{LIST_PAGES}页 当前第{k + 1}页 <a href="index.html">首页</a> '
            f'{prev} {nxt} <a href="{name(LIST_PAGES - 1)}">尾页</a></div>')


@route(r"/site/(list|list-js)/index(?:_(\d+))?\.html")
def list_page(req: Request, kind: str, number: str | None) -> Response:
    """``list``: pager links; ``list-js``: only a createPageHTML(3, k, "index", "html") call."""
    k = int(number or 0)
    if number == "0" or k >= LIST_PAGES:
        return not_found(req.path)
    items = articles()[k * LIST_PAGE_SIZE:(k + 1) * LIST_PAGE_SIZE]
    rows = "\n".join(
        f'<li><a href="..{a["path"].removeprefix("/site")}" title="{escape(a["title"])}">'
        f'{escape(a["title"])}</a><span class="date">{a["published"][:10]}</span></li>'
        for a in items)
    if kind == "list":
        title, head, pager = "检察动态", "", _pager(k)
    else:
        title, head = "通知公告", CREATE_PAGE_JS
        pager = (f'<div class="page"><script type="text/javascript">'
                 f'createPageHTML({LIST_PAGES}, {k}, "index", "html");</script></div>')
    body = f'<h2>{title}</h2>\n<ul class="list">\n{rows}\n</ul>\n{pager}'
    return html(_page(f"{title}_江州检察网", body, head))


# -- feeds ----------------------------------------------------------------------------

FEED_ITEMS = 6


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _full_html(article: dict) -> str:
    return "".join(f"<p>{escape(p, quote=False)}</p>" for p in article["paragraphs"])


def rss(req: Request, *, encoding: str = "utf-8", full: bool = True) -> str:
    items = []
    for i, a in enumerate(articles()[:FEED_ITEMS]):
        link = escape(_absolute(req, a, UTM_QUERY if i == 0 else ""))
        content = f"<content:encoded>{_cdata(_full_html(a))}</content:encoded>" if full else ""
        items.append(
            f"<item><title>{escape(a['title'])}</title><link>{link}</link>"
            f'<guid isPermaLink="true">{link}</guid><pubDate>{format_datetime(_when(a))}</pubDate>'
            f"<dc:creator>{escape(a['source'])}</dc:creator><category>{escape(a['section'])}</category>"
            f"<description>{_cdata('<p>' + escape(a['summary']) + '</p>')}</description>{content}</item>")
    return (f'<?xml version="1.0" encoding="{encoding}"?>\n'
            '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n'
            f"<channel><title>江州检察网 - 检察动态</title><link>{req.base}/site/index.html</link>"
            f'<atom:link href="{req.base}{req.path}" rel="self" type="application/rss+xml"/>'
            "<description>江州市人民检察院官方网站</description><language>zh-cn</language>"
            f"<lastBuildDate>{format_datetime(_when(articles()[0]))}</lastBuildDate>\n"
            + "\n".join(items) + "\n</channel>\n</rss>\n")


@route(r"/site/feeds/rss\.xml")
def rss_feed(req: Request) -> Response:
    return xml(rss(req), "application/rss+xml")


@route(r"/site/feeds/rss-gbk\.xml")
def rss_feed_gbk(req: Request) -> Response:
    """Declared gb2312 in the XML prolog only, no charset in the header; summaries only."""
    body = rss(req, encoding="gb2312", full=False).encode("gb2312")
    return Response(200, body, [("Content-Type", "application/rss+xml")])


@route(r"/site/feeds/atom\.xml")
def atom_feed(req: Request) -> Response:
    entries = "\n".join(
        f"<entry><id>tag:jzjc.example,2026:{a['id']}</id><title>{escape(a['title'])}</title>"
        f'<link rel="alternate" type="text/html" href="{escape(_absolute(req, a))}"/>'
        f"<published>{a['published']}</published><updated>{a['published']}</updated>"
        f"<author><name>{escape(a['author'] or a['source'])}</name></author>"
        f'<category term="{escape(a["section"])}"/>'
        f'<summary type="text">{escape(a["summary"])}</summary>'
        f'<content type="html">{escape(_full_html(a))}</content></entry>'
        for a in articles()[:FEED_ITEMS])
    text = ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">\n'
            f"<id>tag:jzjc.example,2026:feed</id><title>江州检察网 - 检察动态</title>"
            f'<link rel="self" href="{req.base}{req.path}"/><link rel="alternate" href="{req.base}/site/index.html"/>'
            f"<updated>{articles()[0]['published']}</updated>\n{entries}\n</feed>\n")
    return xml(text, "application/atom+xml")


@route(r"/site/feeds/rdf\.xml")
def rdf_feed(req: Request) -> Response:
    """RSS 1.0: title, link, a plain-text summary and dc:date; no full text."""
    items = articles()[:FEED_ITEMS]
    seq = "".join(f'<rdf:li rdf:resource="{escape(_absolute(req, a))}"/>' for a in items)
    body = "\n".join(
        f'<item rdf:about="{escape(_absolute(req, a))}"><title>{escape(a["title"])}</title>'
        f"<link>{escape(_absolute(req, a))}</link><description>{escape(a['summary'])}</description>"
        f"<dc:date>{a['published']}</dc:date><dc:creator>{escape(a['source'])}</dc:creator>"
        f"<dc:subject>{escape(a['section'])}</dc:subject></item>"
        for a in items)
    text = ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
            f'<channel rdf:about="{req.base}{req.path}"><title>江州检察网 - 检察动态</title>'
            f"<link>{req.base}/site/index.html</link><description>江州市人民检察院官方网站</description>"
            f"<items><rdf:Seq>{seq}</rdf:Seq></items></channel>\n{body}\n</rdf:RDF>\n")
    return xml(text, "application/rdf+xml")


# -- sitemaps -------------------------------------------------------------------------

NEWS_ITEMS = 4  # the news sitemap holds the articles of the last two days


@route(r"/site/sitemap_index\.xml")
def sitemap_index(req: Request) -> Response:
    newest, oldest_news = articles()[0], articles()[NEWS_ITEMS]
    return xml('<?xml version="1.0" encoding="UTF-8"?>\n'
               '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
               f"<sitemap><loc>{req.base}/site/sitemap_news.xml</loc><lastmod>{newest['published']}</lastmod></sitemap>\n"
               f"<sitemap><loc>{req.base}/site/sitemap_pages.xml</loc><lastmod>{oldest_news['published']}</lastmod></sitemap>\n"
               "</sitemapindex>\n")


@route(r"/site/sitemap_news\.xml")
def sitemap_news(req: Request) -> Response:
    urls = "\n".join(
        f"<url><loc>{escape(_absolute(req, a))}</loc><lastmod>{a['published']}</lastmod>"
        "<news:news><news:publication><news:name>江州检察网</news:name><news:language>zh</news:language>"
        f"</news:publication><news:publication_date>{a['published']}</news:publication_date>"
        f"<news:title>{escape(a['title'])}</news:title><news:keywords>{escape(','.join(a['tags']))}</news:keywords>"
        "</news:news></url>"
        for a in articles()[:NEWS_ITEMS])
    return xml('<?xml version="1.0" encoding="UTF-8"?>\n'
               '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
               'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n' + urls + "\n</urlset>\n")


@route(r"/site/sitemap_pages\.xml")
def sitemap_pages(req: Request) -> Response:
    """Older articles, the list pages, and a /private/ page robots.txt forbids."""
    rows = [(_absolute(req, a), a["published"][:10], "never") for a in articles()[NEWS_ITEMS:]]
    rows += [(f"{req.base}/site/list/index.html", articles()[0]["published"][:10], "hourly"),
             (f"{req.base}/private/secret.html", "2026-10-01", "monthly")]
    urls = "\n".join(f"<url><loc>{escape(loc)}</loc><lastmod>{day}</lastmod><changefreq>{freq}</changefreq></url>"
                     for loc, day, freq in rows)
    return xml('<?xml version="1.0" encoding="UTF-8"?>\n'
               '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + urls + "\n</urlset>\n")


# -- news search ----------------------------------------------------------------------

def search_hits(query: str) -> list[dict]:
    """Articles holding every whitespace-separated word of ``query``, newest first."""
    words = query.split()
    if not words:
        return []
    text = lambda a: " ".join([a["title"], a["summary"], *a["paragraphs"], *a["tags"]])  # noqa: E731
    return [a for a in articles() if all(w in text(a) for w in words)]


@route(r"/search/s")
def search(req: Request) -> Response:
    """Baidu-news shaped: ``wd`` the query, ``pn`` the offset of the first result."""
    wd = req.arg("wd").strip()
    pn = int(req.number("pn", 0, high=10_000))
    hits = search_hits(wd)
    shown = hits[pn:pn + SEARCH_PAGE_SIZE]

    def mark(text: str) -> str:
        out = escape(text)
        for w in wd.split():
            out = out.replace(escape(w), f"<em>{escape(w)}</em>")
        return out

    results = "\n".join(
        f'<div class="result c-container" id="{pn + i + 1}"><h3 class="news-title">'
        f'<a href="{escape(_absolute(req, a))}" target="_blank">{mark(a["title"])}</a></h3>'
        f'<div class="c-summary"><span class="c-author">{escape(a["source"])}</span>'
        f'<span class="c-time">{_when(a):%Y年%m月%d日 %H:%M}</span>'
        f'<span class="c-abstract">{mark(a["summary"])}</span></div></div>'
        for i, a in enumerate(shown))
    if not shown:
        results = f'<div class="nors">抱歉，没有找到与“{escape(wd)}”相关的资讯。</div>'
    link = lambda offset: escape("/search/s?" + urlencode({"wd": wd, "pn": offset}))  # noqa: E731
    pager = []
    if pn > 0:
        pager.append(f'<a class="n" href="{link(max(pn - SEARCH_PAGE_SIZE, 0))}">&lt;上一页</a>')
    if pn + SEARCH_PAGE_SIZE < len(hits):
        pager.append(f'<a class="n" href="{link(pn + SEARCH_PAGE_SIZE)}">下一页&gt;</a>')
    body = (f'<form action="/search/s"><input name="wd" value="{escape(wd)}"></form>\n'
            f'<div class="nums">找到相关资讯约{len(hits)}篇</div>\n'
            f'<div id="content_left">\n{results}\n</div>\n<div id="page">{" ".join(pager)}</div>')
    return html(_page(f"{wd}_资讯搜索", body))
