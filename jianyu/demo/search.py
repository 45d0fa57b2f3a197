"""A small news search engine under /search/: `/search/s?wd=<query>&pn=<offset>`.

It searches the articles of /news/ and /jcy/ (title or text holds every word of the
query), newest first, ten a page, and links each result to its article page."""
from __future__ import annotations

from urllib.parse import urlencode

from .routing import Request, Response, Router, esc, html_response
from .world import Article, DemoWorld

PER_PAGE = 10
NAME = "云搜"


def _haystack(a: Article) -> str:
    return (a.title + "\n" + a.text).lower()


def highlight(text: str, terms: list[str]) -> str:
    """Escaped text with every (case-insensitive) hit of a term in <em>."""
    low, spans = text.lower(), []
    for t in {t for t in terms if t}:
        i = low.find(t)
        while i >= 0:
            spans.append((i, i + len(t)))
            i = low.find(t, i + 1)
    out, pos = [], 0
    for a, b in sorted(spans):
        if b <= pos:
            continue
        a = max(a, pos)
        out.append(esc(text[pos:a]) + "<em>" + esc(text[a:b]) + "</em>")
        pos = b
    out.append(esc(text[pos:]))
    return "".join(out)


def _snippet(a: Article, terms: list[str], width: int = 90) -> str:
    """About `width` characters of the text around the first hit, hits in <em>."""
    flat = " ".join(a.text.split())
    low = flat.lower()
    hits = [low.find(t) for t in terms if low.find(t) >= 0]
    start = max(0, min(hits) - 20) if hits else 0
    body = highlight(flat[start:start + width], terms)
    return ("..." if start else "") + body + ("..." if start + width < len(flat) else "")


def _page(title: str, query: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>{esc(title)}</title></head>
<body>
<div id="head"><a href="/search/" class="logo">{NAME}</a>
<form action="/search/s" method="get"><input type="text" name="wd" value="{esc(query)}" maxlength="100">
<input type="submit" value="搜索一下"></form></div>
{body}
<div id="foot">©2026 {NAME} 仅供演示</div>
</body>
</html>
"""


class SearchSite:
    def __init__(self, world: DemoWorld):
        self.articles = sorted(world.news + world.jcy, key=lambda a: (a.published, a.path), reverse=True)

    def add_routes(self, router: Router) -> None:
        router.add(r"/search/(?:index\.html)?", self.home)
        router.add(r"/search/s", self.results)

    def search(self, query: str) -> list[Article]:
        terms = query.lower().split()
        if not terms:
            return []
        return [a for a in self.articles if all(t in _haystack(a) for t in terms)]

    def home(self, req: Request) -> Response:
        return html_response(_page(f"{NAME}一下，你就知道", "", '<div id="content"></div>'))

    def results(self, req: Request) -> Response:
        query = req.arg("wd").strip()
        offset = req.int_arg("pn", 0)
        offset = max(0, offset or 0)
        if not query:
            return self.home(req)
        found = self.search(query)
        terms = query.lower().split()
        chunk = found[offset:offset + PER_PAGE]
        items = []
        for a in chunk:
            url = req.base + a.path
            items.append(f"""<div class="result c-container">
<h3 class="t"><a href="{esc(url)}" target="_blank">{highlight(a.title, terms)}</a></h3>
<div class="c-abstract"><span class="newTimeFactor_before_abs">{a.published:%Y年%m月%d日} {a.published:%H:%M}</span> - {_snippet(a, terms)}</div>
<div class="f13"><span class="c-showurl">{esc(a.source)} {esc(url)}</span></div>
</div>""")
        nav = []
        if offset > 0:
            nav.append(f'<a class="n" href="/search/s?{urlencode({"wd": query, "pn": max(0, offset - PER_PAGE)})}">&lt;上一页</a>')
        for i, start in enumerate(range(0, len(found), PER_PAGE), start=1):
            nav.append(f"<strong>{i}</strong>" if start == offset else
                       f'<a href="/search/s?{urlencode({"wd": query, "pn": start})}">{i}</a>')
        if offset + PER_PAGE < len(found):
            nav.append(f'<a class="n" href="/search/s?{urlencode({"wd": query, "pn": offset + PER_PAGE})}">下一页&gt;</a>')
        if found:
            body = (f'<div class="nums">{NAME}为您找到相关结果约{len(found)}个</div>\n<div id="content_left">\n'
                    + "\n".join(items) + f'\n</div>\n<div id="page">{" ".join(nav)}</div>')
        else:
            body = f'<div class="nors"><p>抱歉，没有找到与<em>“{esc(query)}”</em>相关的网页。</p></div>'
        return html_response(_page(f"{query}_{NAME}搜索", query, body))
