"""Mock-server routes for a larger generated site (the same 江州检察网 look), big enough
for several crawler processes to split one round: `BIG_LIST_PAGES` list pages of
`BIG_LIST_SIZE` article links each, with 下一页 pagers, and a sitemap of every article.
Article texts are recombined from ``tests/fixtures/site/articles.json``; each article
page waits `ARTICLE_DELAY` seconds, as a real server would take a moment.
The route list is in ``tests/crawlers/mockserver.py``."""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from html import escape

from tests.crawlers.mock_core import Request, Response, html, not_found, route, xml
from tests.crawlers.mock_site import _page, articles

BIG_LIST_SIZE = 20
BIG_LIST_PAGES = 20
BIG_ARTICLES = BIG_LIST_SIZE * BIG_LIST_PAGES
ARTICLE_DELAY = 0.02
_NEWEST = datetime.fromisoformat("2026-11-03T09:00:00+08:00")


def big_path(n: int) -> str:
    """The path of article ``n`` (1 = newest … BIG_ARTICLES)."""
    when = _NEWEST - timedelta(hours=3 * (n - 1))
    return f"/big/news/{when:%Y/%m}/t{when:%Y%m%d}_{50000 + n}.html"


def big_paths() -> list[str]:
    return [big_path(n) for n in range(1, BIG_ARTICLES + 1)]


def _article(n: int) -> dict:
    base, other = articles()[n % len(articles())], articles()[(n * 7 + 3) % len(articles())]
    when = _NEWEST - timedelta(hours=3 * (n - 1))
    return {
        "title": f"{base['title']}（第{n}期）", "when": when, "source": base["source"], "author": base["author"],
        "paragraphs": [*base["paragraphs"], other["paragraphs"][0],
                       f"本期为江州检察网第{n}期通稿，{when:%Y年%m月%d日}由{base['source']}供稿。"],
    }


@route(r"/big/news/\d{4}/\d{2}/t\d{8}_(\d+)\.html")
def big_article(req: Request, number: str) -> Response:
    n = int(number) - 50000
    if not 1 <= n <= BIG_ARTICLES or big_path(n) != req.path:
        return not_found(req.path)
    time.sleep(ARTICLE_DELAY)
    a = _article(n)
    body = (f'<div class="crumb">当前位置：<a href="/big/list/index.html">首页</a> &gt; 检察动态 &gt; 正文</div>\n'
            f'<div class="article"><h1 class="title">{escape(a["title"])}</h1>\n'
            f'<div class="info">来源：{escape(a["source"])} '
            + (f'作者：{escape(a["author"])} ' if a["author"] else "") + f'发布时间：{a["when"]:%Y-%m-%d %H:%M}</div>\n<div class="content" id="zoom">\n'
            + "\n".join(f"<p>{escape(p, quote=False)}</p>" for p in a["paragraphs"])
            + '\n</div></div>\n<div class="footer">版权所有：江州市人民检察院</div>')
    head = (f'<link rel="canonical" href="{req.base}{req.path}">\n'
            f'<meta property="article:published_time" content="{a["when"].isoformat()}">\n')
    return html(_page(f"{a['title']}_江州检察网", body, head))


@route(r"/big/list/index(?:_(\d+))?\.html")
def big_list(req: Request, number: str | None) -> Response:
    k = int(number or 0)
    if number == "0" or k >= BIG_LIST_PAGES:
        return not_found(req.path)
    first = k * BIG_LIST_SIZE + 1
    rows = "\n".join(
        f'<li><a href="..{big_path(n).removeprefix("/big")}">{escape(_article(n)["title"])}</a>'
        f'<span class="date">{_article(n)["when"]:%Y-%m-%d}</span></li>'
        for n in range(first, first + BIG_LIST_SIZE))
    name = lambda i: "index.html" if i == 0 else f"index_{i}.html"  # noqa: E731
    nxt = f'<a href="{name(k + 1)}">下一页</a>' if k + 1 < BIG_LIST_PAGES else "<span>下一页</span>"
    prev = f'<a href="{name(k - 1)}">上一页</a>' if k else "<span>上一页</span>"
    body = (f'<h2>检察动态</h2>\n<ul class="list">\n{rows}\n</ul>\n'
            f'<div class="page">共{BIG_LIST_PAGES}页 当前第{k + 1}页 {prev} {nxt}</div>')
    return html(_page("检察动态_江州检察网", body))


@route(r"/big/sitemap\.xml")
def big_sitemap(req: Request) -> Response:
    urls = "\n".join(f"<url><loc>{req.base}{big_path(n)}</loc>"
                     f"<lastmod>{_article(n)['when'].isoformat()}</lastmod></url>"
                     for n in range(1, BIG_ARTICLES + 1))
    return xml('<?xml version="1.0" encoding="UTF-8"?>\n'
               '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + urls + "\n</urlset>\n")
