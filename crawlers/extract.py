"""Reading pages without site-specific rules.

`extract_article(html, url, now)` turns an article page into an `Article`: the main text
found by trafilatura (falling back to the largest text block), and the page's own
metadata, which wins when present: Open Graph (og:title, og:url, og:site_name,
og:description), article:published_time, the ``<meta name="PubDate">`` family of
Chinese government CMSs (PubDate, publishdate, pubdate, ArticlePublishDate, ArticleTitle,
SiteName, ContentSource), ``<time datetime>``, ``<link rel=canonical>``, and the byline
(``来源：X  发布时间：Y  作者：Z  编辑：W``, ``发布日期：``, ``时间：``; see `crawlers.byline`),
and last the date the URL is filed under (t20261103_123.html, /2026/11/03/). The byline
and the page furniture (【字体：大 中 小】, 打印本页, 关闭窗口, 分享到, 上一篇/下一篇) are
removed from the text.

The list-page readers `find_article_links` and `find_next_page` live in
`crawlers.links` and are importable from here too.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import lxml.html
import trafilatura
from trafilatura.settings import use_config

from indexer.post import SHANGHAI
from nlp.normalize import html_to_text

from .byline import MAX_AUTHOR_CHARS, clean_text, read_byline
from .dates import parse_time_text
from .htmltree import absolute, base_href, collapse, host_of, parse_html, safe_canonical, text_of
from .links import find_article_links, find_next_page

log = logging.getLogger(__name__)

__all__ = ["Article", "extract_article", "find_article_links", "find_next_page"]

FUTURE_TOLERANCE = timedelta(days=1)   # a publication time further ahead of now is ignored
MAX_TITLE_CHARS = 120                  # a longer "title" is a page swallowed by an unclosed tag

_CONFIG = use_config()
# Chinese says in 100 characters what English says in 250: shorter texts are articles too.
_CONFIG.set("DEFAULT", "MIN_EXTRACTED_SIZE", "100")
_CONFIG.set("DEFAULT", "MIN_OUTPUT_SIZE", "10")
# No guessing from free text: htmldate's extensive search takes "© 2026" for 2026-01-01.
_DATE_PARAMS = {"extensive_search": False, "original_date": True}


@dataclass
class Article:
    """What an article page says about itself. Empty strings (and None for the time)
    where the page does not say."""

    title: str = ""
    text: str = ""                       # main text, one paragraph a line
    published_at: datetime | None = None
    author: str = ""
    site_name: str = ""
    canonical_url: str = ""              # absolute, tracking parameters stripped
    description: str = ""
    source: str = ""                     # 来源: the outlet the page credits, when it names one


# -- meta tags ------------------------------------------------------------------------
_TITLE_KEYS = ("og:title", "articletitle", "title", "twitter:title")
_TIME_KEYS = ("article:published_time", "og:article:published_time", "og:published_time",
              "pubdate", "publishdate", "publish_date", "publish-date", "articlepublishdate",
              "publishtime", "publish_time", "published_time", "datepublished", "firstpublishedtime",
              "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date", "sailthru.date",
              "weibo:article:create_at", "date", "releasedate", "createdate")
_SITE_KEYS = ("og:site_name", "sitename", "site_name", "application-name")
_AUTHOR_KEYS = ("author", "article:author", "dc.creator", "dcterms.creator")
_SOURCE_KEYS = ("contentsource", "source")
_DESCRIPTION_KEYS = ("og:description", "description", "twitter:description")


def _meta_tags(tree) -> dict[str, str]:
    """name / property / itemprop (lower-cased) → content, the first of each."""
    out: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        content = collapse(el.get("content"))
        if key and content and key not in out:
            out[key] = content
    return out


def _first(meta: dict[str, str], keys) -> str:
    return next((meta[k] for k in keys if meta.get(k)), "")


# -- titles, canonical URL, times --------------------------------------------------------------
_TITLE_SEPARATORS = re.compile(r"\s*(?:_|\||｜|--|——|\s-\s|\s–\s|\s—\s)\s*")


def _clean_title(title: str) -> str:
    """The article's part of a <title> such as "标题_栏目_网站名": the longest segment."""
    title = collapse(title)
    parts = [p for p in _TITLE_SEPARATORS.split(title) if p]
    return max(parts, key=len) if len(parts) > 1 else title


def _site_from_title(title: str) -> str:
    """The site's part of a <title>: the last segment ("标题_栏目_网站名"), or the first
    when the last is the headline ("网站名 | 标题")."""
    parts = [p for p in _TITLE_SEPARATORS.split(collapse(title)) if p]
    if len(parts) < 2:
        return ""
    return parts[0] if parts[-1] == max(parts, key=len) else parts[-1]


def _canonical(tree, url: str) -> str:
    """<link rel=canonical>, else og:url, else the page URL; absolute, tracking stripped.
    A canonical pointing at the site's home page (a template error) is ignored."""
    base = base_href(tree, url) if tree is not None else url
    candidates = []
    if tree is not None:
        for link in tree.iter("link"):
            if "canonical" in (link.get("rel") or "").lower().split():
                candidates.append(link.get("href"))
        for el in tree.iter("meta"):
            if (el.get("property") or el.get("name") or "").lower() == "og:url":
                candidates.append(el.get("content"))
    page_path = _path(url)
    for href in candidates:
        found = absolute(base, href)
        if found and not (_path(found) in ("", "/") and page_path not in ("", "/")):
            return safe_canonical(found)
    return safe_canonical(absolute(url, url) or url)


def _path(url: str) -> str:
    try:
        return urlsplit(url).path
    except ValueError:
        return ""


def _time_elements(tree) -> list[str]:
    """datetime attributes of <time> elements: itemprop=datePublished / pubdate first,
    then any not inside a list item, sidebar, navigation or footer."""
    marked, others = [], []
    for el in tree.iter("time"):
        value = collapse(el.get("datetime")) or text_of(el)
        if not value:
            continue
        if (el.get("itemprop") or "").lower() == "datepublished" or el.get("pubdate") is not None:
            marked.append(value)
        elif not any(a.tag in ("li", "aside", "nav", "footer") for a in el.iterancestors()):
            others.append(value)
    return marked + others


_URL_DATE = re.compile(
    r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+"                                 # TRS: t20261103_123.html
    r"|/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"                            # Hanweb: /art/2026/11/3/
    r"|/((?:19|20)\d{2})[-/_]?(0[1-9]|1[0-2])[-/_]?(0[1-9]|[12]\d|3[01])/")     # /2026/11/03/, /20261103/


def _url_date(url: str, now: datetime) -> datetime | None:
    """The date a URL is filed under, at midnight: the last resort for a page's time."""
    m = _URL_DATE.search(_path(url))
    if not m:
        return None
    y, mo, d = (int(x) for x in m.groups() if x is not None)
    try:
        return _believable(datetime(y, mo, d, tzinfo=SHANGHAI), now)
    except ValueError:
        return None


def _believable(dt: datetime | None, now: datetime) -> datetime | None:
    """The time, unless it lies in the future (a CMS default, a typo)."""
    return dt if dt is not None and dt <= now + FUTURE_TOLERANCE else None


def _pick_time(values, now: datetime) -> datetime | None:
    """The first of the values that reads as a believable time."""
    for value in values:
        dt = _believable(parse_time_text(value, now), now) if value else None
        if dt is not None:
            return dt
    return None


# -- main text -----------------------------------------------------------------------------
_LAYOUT_BLOCKS = frozenset({"p", "div", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "form"})
_TABLE_PARTS = ("table", "thead", "tbody", "tfoot", "tr", "td", "th")


def _unwrap_layout_tables(tree) -> None:
    """Tables used for page layout (a cell holding paragraphs, blocks or another table,
    as older government sites are built) become plain blocks, so the extractor weighs
    their cells as text and not as one data table holding the whole page."""
    for table in list(tree.iter("table")):
        if table.tag != "table":
            continue                                   # already unwrapped with its parent
        cells = list(table.iter("td", "th"))
        if any(d.tag in _LAYOUT_BLOCKS for c in cells for d in c.iterdescendants()):
            for el in list(table.iter(*_TABLE_PARTS)):
                el.tag = "div"


def _trafilatura(html: str, url: str):
    tree = parse_html(html)
    if tree is None:
        return None
    _unwrap_layout_tables(tree)
    try:
        return trafilatura.bare_extraction(
            tree, url=url or None, with_metadata=True, include_comments=False, include_tables=True,
            config=_CONFIG, date_extraction_params=_DATE_PARAMS)
    except Exception:  # third-party code on hostile markup: fall back, never fail the page
        log.warning("trafilatura failed on %s; using the largest text block", url, exc_info=True)
        return None


_NOT_TEXT = ("script", "style", "noscript", "template", "nav", "footer", "header", "aside", "form",
             "select", "button", "iframe", "head")


def _largest_block(tree) -> str:
    """The text of the smallest element holding most of the page's non-link text."""
    body = tree.find("body")
    node = body if body is not None else tree
    for el in list(node.iter(*_NOT_TEXT)):
        if el.getparent() is not None:
            el.drop_tree()

    def weight(el) -> int:
        links = sum(len(text_of(a)) for a in el.iter("a"))
        return len(text_of(el)) - links

    current, current_weight = node, weight(node)
    while True:
        children = [c for c in current if isinstance(c.tag, str)]
        if not children:
            break
        best = max(children, key=weight)
        best_weight = weight(best)
        if best_weight < 0.6 * current_weight:
            break
        current, current_weight = best, best_weight
    try:
        return html_to_text(lxml.html.tostring(current, encoding="unicode"))
    except (ValueError, TypeError):
        return text_of(current)


def _page_lines(tree) -> list[str]:
    body = tree.find("body")
    try:
        html = lxml.html.tostring(body if body is not None else tree, encoding="unicode")
    except (ValueError, TypeError):
        return []
    return [x for x in (collapse(line) for line in html_to_text(html).splitlines()) if x]


# -- the entry point -------------------------------------------------------------------------
def extract_article(html: str, url: str, now: datetime) -> Article:
    """Read an article page (already decoded to str; see `crawlers.encoding`).

    `url` is the page's address (relative links and the canonical URL resolve against
    it); `now` (naive means Asia/Shanghai) anchors relative times ("3分钟前") and
    year-less dates, and a publication time more than a day after it is not believed.
    Never raises on a str: a broken page gives what can be read, an empty one an Article
    with empty text.
    """
    url = url if isinstance(url, str) else ""
    if not isinstance(now, datetime):
        now = datetime.now(SHANGHAI)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=SHANGHAI)
    art = Article(canonical_url=safe_canonical(absolute(url, url) or url))
    tree = parse_html(html)
    if tree is None:
        return art
    meta = _meta_tags(tree)
    doc = _trafilatura(html, url)
    doc_title = collapse(getattr(doc, "title", "") or "")
    page_title = text_of(tree.find(".//title")) if tree.find(".//title") is not None else ""
    h1 = next((text_of(el) for el in tree.iter("h1") if text_of(el)), "")

    titles = (_first(meta, _TITLE_KEYS[:2]), _first(meta, _TITLE_KEYS[2:]),
              h1 if h1 and (not page_title or h1 in page_title) else "",
              _clean_title(doc_title), _clean_title(page_title), h1)
    art.title = next((t for t in titles if t and len(t) <= MAX_TITLE_CHARS), "")
    art.canonical_url = _canonical(tree, url)
    art.description = _first(meta, _DESCRIPTION_KEYS) or collapse(getattr(doc, "description", "") or "")
    art.site_name = (_first(meta, _SITE_KEYS) or _site_from_title(page_title)
                     or collapse(getattr(doc, "sitename", "") or "") or host_of(url))
    byline = read_byline(_page_lines(tree), now)
    art.published_at = (_pick_time([meta.get(k) for k in _TIME_KEYS], now)
                        or _pick_time(_time_elements(tree), now)
                        or _believable(byline.published_at, now)
                        or _pick_time([getattr(doc, "date", None)], now)
                        or _url_date(url, now))
    meta_author = _first(meta, _AUTHOR_KEYS)
    if meta_author.startswith(("http://", "https://")):
        meta_author = ""
    art.author = (meta_author or byline.author or collapse(getattr(doc, "author", "") or ""))[:MAX_AUTHOR_CHARS]
    art.source = _first(meta, _SOURCE_KEYS) or byline.source

    text = clean_text(getattr(doc, "text", "") or "", art.title, now) if doc is not None else ""
    if not text:
        text = clean_text(_largest_block(tree), art.title, now)
    art.text = text
    return art
