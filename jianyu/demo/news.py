"""云州新闻网 under /news/: home, list pages, article pages, RSS, Atom and sitemaps."""
from __future__ import annotations

from email.utils import format_datetime

from .routing import Request, Response, Router, esc, html_response, not_found
from .world import Article, DemoWorld, paragraphs

SITE = "云州新闻网"
PER_PAGE = 20
FEED_ITEMS = 50
PRIVATE = "/news/private/draft.html"


def _page(title: str, body: str, head: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<link rel="alternate" type="application/rss+xml" title="{SITE}" href="/news/rss.xml">
<link rel="alternate" type="application/atom+xml" title="{SITE}" href="/news/atom.xml">
{head}</head>
<body>
<header class="site-header"><a class="logo" href="/news/">{SITE}</a>
<nav class="main-nav"><a href="/news/">首页</a> <a href="/news/list/1.html">本地</a> <a href="/news/list/1.html">法治</a>
<a href="/news/list/1.html">评论</a> <a href="/search/">搜索</a> <a href="/jcy/">青石检察</a></nav></header>
{body}
<footer class="site-footer"><p><a href="/news/">关于我们</a> | <a href="/news/rss.xml">RSS订阅</a> |
<a href="{PRIVATE}">采编系统</a></p>
<p>云州新闻网 版权所有 未经授权禁止转载 江ICP备00000000号</p></footer>
</body>
</html>
"""


def _time(a: Article) -> str:
    return a.published.strftime("%Y-%m-%d %H:%M")


def _items(articles: list[Article]) -> str:
    return "\n".join(f'<li><a href="{a.path}" title="{esc(a.title)}">{esc(a.title)}</a>'
                     f'<span class="date">{_time(a)}</span></li>' for a in articles)


class NewsSite:
    def __init__(self, world: DemoWorld):
        self.articles = world.news
        self.by_path = {a.path: a for a in self.articles}
        self.pages = max(1, -(-len(self.articles) // PER_PAGE))

    def add_routes(self, router: Router) -> None:
        router.add(r"/news/(?:index\.html)?", self.home)
        router.add(r"/news/list/(\d+)\.html", self.listing)
        router.add(r"/news/a/\d{8}/\d+\.html", self.article)
        router.add(r"/news/rss\.xml", self.rss)
        router.add(r"/news/atom\.xml", self.atom)
        router.add(r"/news/sitemap\.xml", self.sitemap_index)
        router.add(r"/news/sitemap-news\.xml", self.news_sitemap)
        router.add(r"/news/private/(?:[\w.-]+\.html)?", self.private)

    def home(self, req: Request) -> Response:
        top = self.articles[:10]
        lead = top[0] if top else None
        body = ""
        if lead:
            body += (f'<section class="headline"><h2><a href="{lead.path}">{esc(lead.title)}</a></h2>'
                     f"<p>{esc(lead.summary)}</p></section>\n")
        body += (f'<section class="latest"><h3>最新资讯</h3><ul class="news-list">\n{_items(top)}\n</ul>'
                 '<a class="more" href="/news/list/1.html">更多&gt;&gt;</a></section>')
        return html_response(_page(f"{SITE} - 云州市重点新闻网站", body))

    def listing(self, req: Request) -> Response:
        n = int(req.match.group(1))
        if not 1 <= n <= self.pages:
            return not_found(req)
        chunk = self.articles[(n - 1) * PER_PAGE:n * PER_PAGE]
        nav = [f'<a href="/news/list/{n - 1}.html" class="prev">上一页</a>' if n > 1 else ""]
        nav += [f'<span class="current">{i}</span>' if i == n else f'<a href="/news/list/{i}.html">{i}</a>'
                for i in range(1, self.pages + 1)]
        nav.append(f'<a href="/news/list/{n + 1}.html" class="next">下一页</a>' if n < self.pages else "")
        body = (f'<div class="crumbs">当前位置：<a href="/news/">首页</a> &gt; 新闻列表</div>\n'
                f'<ul class="news-list">\n{_items(chunk)}\n</ul>\n'
                f'<div class="pages">{" ".join(x for x in nav if x)}</div>')
        return html_response(_page(f"新闻列表_第{n}页_{SITE}", body))

    def article(self, req: Request) -> Response:
        a = self.by_path.get(req.path)
        if a is None:
            return not_found(req)
        url = req.base + a.path
        iso = a.published.isoformat()
        head = f"""<meta name="description" content="{esc(a.summary)}">
<meta name="author" content="{esc(a.author)}">
<meta name="source" content="{esc(a.source)}">
<meta property="og:type" content="article">
<meta property="og:title" content="{esc(a.title)}">
<meta property="og:description" content="{esc(a.summary)}">
<meta property="og:url" content="{esc(url)}">
<meta property="og:site_name" content="{SITE}">
<meta property="article:published_time" content="{iso}">
<meta property="article:author" content="{esc(a.author)}">
<link rel="canonical" href="{esc(url)}">
"""
        i = self.articles.index(a)
        newer = self.articles[i - 1] if i > 0 else None
        older = self.articles[i + 1] if i + 1 < len(self.articles) else None
        related = [x for x in self.articles[max(0, i - 3):i + 4] if x is not a][:5]
        text = "\n".join(f"<p>{esc(p)}</p>" for p in paragraphs(a.text))
        author = f'  <span class="author">作者：{esc(a.author)}</span>' if a.author else ""
        body = f"""<div class="crumbs">当前位置：<a href="/news/">首页</a> &gt; <a href="/news/list/1.html">新闻</a> &gt; 正文</div>
<article class="article">
<h1 class="title">{esc(a.title)}</h1>
<div class="info"><span class="source">来源：{esc(a.source)}</span>  <span class="time">发布时间：{_time(a)}</span>{author}</div>
<div class="article-content" id="content">
{text}
</div>
<div class="editor">【责任编辑：云州新闻网】</div>
<div class="share">分享到：微信 微博 QQ空间</div>
</article>
<div class="turn">{f'上一篇：<a href="{older.path}">{esc(older.title)}</a>' if older else ""}
{f'下一篇：<a href="{newer.path}">{esc(newer.title)}</a>' if newer else ""}</div>
<aside class="related"><h3>相关阅读</h3><ul>{_items(related)}</ul></aside>"""
        return html_response(_page(f"{a.title} - {SITE}", body, head))

    def rss(self, req: Request) -> Response:
        items = "\n".join(f"""<item>
<title>{esc(a.title)}</title>
<link>{esc(req.base + a.path)}</link>
<guid isPermaLink="true">{esc(req.base + a.path)}</guid>
<description>{esc(a.summary)}</description>
<dc:creator>{esc(a.author)}</dc:creator>
<category>{esc(a.source)}</category>
<pubDate>{format_datetime(a.published)}</pubDate>
</item>""" for a in self.articles[:FEED_ITEMS])
        last = format_datetime(self.articles[0].published) if self.articles else ""
        xml = f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>{SITE}</title>
<link>{req.base}/news/</link>
<description>云州新闻网 最新资讯</description>
<language>zh-cn</language>
<lastBuildDate>{last}</lastBuildDate>
<atom:link href="{req.base}/news/rss.xml" rel="self" type="application/rss+xml"/>
{items}
</channel>
</rss>
"""
        return Response(xml.encode("utf-8"), "application/rss+xml; charset=utf-8")

    def atom(self, req: Request) -> Response:
        entries = "\n".join(f"""<entry>
<title>{esc(a.title)}</title>
<link rel="alternate" type="text/html" href="{esc(req.base + a.path)}"/>
<id>tag:news.yunzhou.example,{a.published:%Y-%m-%d}:{a.path}</id>
<published>{a.published.isoformat()}</published>
<updated>{a.published.isoformat()}</updated>
<author><name>{esc(a.author or a.source)}</name></author>
<summary>{esc(a.summary)}</summary>
</entry>""" for a in self.articles[:FEED_ITEMS])
        updated = self.articles[0].published.isoformat() if self.articles else "2026-01-01T00:00:00+08:00"
        xml = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">
<title>{SITE}</title>
<id>tag:news.yunzhou.example,2026:/news/</id>
<link rel="alternate" type="text/html" href="{req.base}/news/"/>
<link rel="self" type="application/atom+xml" href="{req.base}/news/atom.xml"/>
<updated>{updated}</updated>
{entries}
</feed>
"""
        return Response(xml.encode("utf-8"), "application/atom+xml; charset=utf-8")

    def sitemap_index(self, req: Request) -> Response:
        last = self.articles[0].published.isoformat() if self.articles else ""
        xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>{req.base}/news/sitemap-news.xml</loc><lastmod>{last}</lastmod></sitemap>
</sitemapindex>
"""
        return Response(xml.encode("utf-8"), "application/xml; charset=utf-8")

    def news_sitemap(self, req: Request) -> Response:
        urls = "\n".join(f"""<url>
<loc>{esc(req.base + a.path)}</loc>
<lastmod>{a.published.isoformat()}</lastmod>
<news:news>
<news:publication><news:name>{SITE}</news:name><news:language>zh-cn</news:language></news:publication>
<news:publication_date>{a.published.isoformat()}</news:publication_date>
<news:title>{esc(a.title)}</news:title>
</news:news>
</url>""" for a in self.articles)
        xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{urls}
</urlset>
"""
        return Response(xml.encode("utf-8"), "application/xml; charset=utf-8")

    def private(self, req: Request) -> Response:
        """Behind `Disallow: /news/private/`: a crawler that obeys robots.txt never sees it."""
        body = """<article class="article"><h1 class="title">【内部稿件 请勿抓取】青石县检察院相关稿件待审</h1>
<div class="info"><span class="source">来源：采编系统</span>  <span class="time">发布时间：2026-11-30 23:59</span></div>
<div class="article-content"><p>本页为采编系统内部待审稿件（检察院相关），robots.txt 禁止抓取；爬虫若收录本页即为违规。</p></div>
</article>"""
        return html_response(_page(f"内部稿件 - {SITE}", body))
