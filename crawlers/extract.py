"""Reading pages without site-specific rules.

`extract_article(html, url, now)` turns an article page into an `Article`, on one lxml
parse of the page: its main text is the block of paragraphs `crawlers.content` finds on
that tree; only when that reading is weak (little text, one short paragraph, mostly links,
text outside paragraphs) does trafilatura read the page (and the largest text block is
the last resort). The page's own metadata wins when present: Open Graph (og:title,
og:url, og:site_name, og:description), article:published_time, the ``<meta
name="PubDate">`` family of Chinese government CMSs (PubDate, publishdate, pubdate,
ArticlePublishDate, ArticleTitle, SiteName, ContentSource), schema.org JSON-LD
(headline, datePublished, author, publisher; `crawlers.jsonld`), ``<time datetime>``,
``<link rel=canonical>``, and the byline (``来源：X  发布时间：Y  作者：Z  编辑：W``,
``发布日期：``, ``时间：``; see `crawlers.byline`), and last the date the URL is filed
under (t20261103_123.html, /2026/11/03/). The byline and the page furniture (【字体：大 中
小】, 打印本页, 关闭窗口, 分享到, 上一篇/下一篇) are removed from the text.

The list-page readers `find_article_links` and `find_next_page` live in
`crawlers.links` and are importable from here too.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import trafilatura
from trafilatura.settings import use_config

from indexer.post import SHANGHAI

from .byline import MAX_AUTHOR_CHARS, clean_text, read_byline
from .content import largest_block, main_block, unwrap_layout_tables
from .dates import parse_time_text
from .htmltree import absolute, base_href, collapse, host_of, parse_html, safe_canonical, text_of, tree_lines
from .jsonld import read_linked_data
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


def _trafilatura(html: str, url: str):
    """trafilatura's reading of the page (text and metadata), or None when it fails."""
    tree = parse_html(html, html_elements=True)   # its own copy: layout tables are rewritten for it
    if tree is None:
        return None
    unwrap_layout_tables(tree)
    try:
        return trafilatura.bare_extraction(
            tree, url=url or None, with_metadata=True, include_comments=False, include_tables=True,
            config=_CONFIG, date_extraction_params=_DATE_PARAMS)
    except Exception:  # third-party code on hostile markup: fall back, never fail the page
        log.warning("trafilatura failed on %s; using the largest text block", url, exc_info=True)
        return None


def _doc(doc, name: str) -> str:
    return collapse(getattr(doc, name, "") or "") if doc is not None else ""


# -- the entry point -------------------------------------------------------------------------
def extract_article(html: str, url: str, now: datetime, *, fast: bool = True) -> Article:
    """Read an article page (already decoded to str; see `crawlers.encoding`).

    `url` is the page's address (relative links and the canonical URL resolve against
    it); `now` (naive means Asia/Shanghai) anchors relative times ("3分钟前") and
    year-less dates, and a publication time more than a day after it is not believed.
    Never raises on a str: a broken page gives what can be read, an empty one an Article
    with empty text.

    The page is parsed once. Its text is the block of paragraphs `crawlers.content`
    finds on that tree; trafilatura reads the page only when that block is weak (or
    always, with ``fast=False``), and its text then wins.
    """
    url = url if isinstance(url, str) else ""
    if not isinstance(now, datetime):
        now = datetime.now(SHANGHAI)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=SHANGHAI)
    tree = parse_html(html)
    if tree is None:
        return Article(canonical_url=safe_canonical(absolute(url, url) or url))
    art = Article()
    meta = _meta_tags(tree)
    ld = read_linked_data(tree)
    title_el = next(tree.iter("title"), None)
    page_title = text_of(title_el) if title_el is not None else ""
    h1 = next((t for t in map(text_of, tree.iter("h1")) if t), "")

    def pick_title(doc_title: str) -> str:
        titles = (_first(meta, _TITLE_KEYS[:2]), ld.title, _first(meta, _TITLE_KEYS[2:]),
                  h1 if h1 and (not page_title or h1 in page_title) else "",
                  _clean_title(doc_title), _clean_title(page_title), h1)
        return next((t for t in titles if t and len(t) <= MAX_TITLE_CHARS), "")

    art.title = pick_title("")
    body = tree.find("body")
    page_lines = tree_lines(body if body is not None else tree)
    block = main_block(tree) if fast else None
    fast_text = clean_text("\n".join(block.lines), art.title, now) if block is not None else ""
    doc = None
    slow = block is None or block.weak(fast_text, page_lines)
    if slow:
        doc = _trafilatura(html, url)
        art.title = pick_title(_doc(doc, "title"))
    art.canonical_url = _canonical(tree, url)
    art.description = _first(meta, _DESCRIPTION_KEYS) or ld.description or _doc(doc, "description")
    art.site_name = (_first(meta, _SITE_KEYS) or _site_from_title(page_title) or ld.site_name
                     or _doc(doc, "sitename") or host_of(url))
    byline = read_byline(page_lines, now)
    art.published_at = (_pick_time([meta.get(k) for k in _TIME_KEYS], now)
                        or _pick_time([ld.published], now)
                        or _pick_time(_time_elements(tree), now)
                        or _believable(byline.published_at, now)
                        or _pick_time([getattr(doc, "date", None)], now)
                        or _url_date(url, now))
    meta_author = _first(meta, _AUTHOR_KEYS)
    if meta_author.startswith(("http://", "https://")):
        meta_author = ""
    art.author = (meta_author or ld.author or byline.author or _doc(doc, "author"))[:MAX_AUTHOR_CHARS]
    art.source = _first(meta, _SOURCE_KEYS) or byline.source

    if not slow:
        art.text = fast_text
        return art
    text = clean_text(getattr(doc, "text", "") or "", art.title, now) if doc is not None else ""
    if not text:
        lines = block.lines if block is not None else []
        text = clean_text("\n".join(lines), art.title, now) or clean_text(largest_block(tree), art.title, now)
    art.text = text
    return art
