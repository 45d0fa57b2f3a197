"""Reading list pages without site-specific rules: `find_article_links` (the articles a
list page links to) and `find_next_page` (where its pagination goes next)."""
from __future__ import annotations

import logging
import re
from collections import Counter
from urllib.parse import urljoin, urlsplit

from .htmltree import absolute, base_href, collapse, host_of, parse_html, safe_canonical, text_of

log = logging.getLogger(__name__)

MIN_ANCHOR_CHARS = 6       # anchor text that can be a headline
MIN_TITLE_ATTR_CHARS = 4   # or a title attribute that can
MIN_MAIN_LIST = 3          # links a container needs to count as the page's list

# URLs that look like an article, as Chinese CMSs and portals write them.
_ARTICLE_URL = re.compile(
    r"/t(?:19|20)\d{6}_\d+\.s?html?$"                                   # TRS: t20261103_123.html
    r"|/art/(?:19|20)\d{2}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$"          # Hanweb: /art/2026/11/3/art_1_2.html
    r"|/(?:19|20)\d{2}[-/_]?(?:0?[1-9]|1[0-2])[-/_]?(?:0?[1-9]|[12]\d|3[01])/"   # /2026/11/03/, /20261103/
    r"|/(?:19|20)\d{2}[-_]?(?:0[1-9]|1[0-2])/[^/]+\.(?:s?html?|jsp|php|aspx?)$"  # /202611/xxx.html
    r"|/content_\d+\.s?html?$"                                            # /content_123.htm
    r"|/c\d+-\d+\.html$"                                                  # people.com.cn
    r"|/doc-[a-z0-9]+\.s?html$"                                           # sina
    r"|/\d{5,}(?:_\d+)?\.s?html?$"                                        # /123456.html
    r"|/(?:a|article|articles|news|detail|details|content|doc|post|p)/[\w-]*\d{4,}[\w-]*(?:\.s?html?)?$"
    r"|/(?:[\w-]*(?:detail|show|view|content|article|info|news|read)[\w-]*)(?:\.\w+)?\?(?:[^#]*&)?"
    r"(?:id|aid|articleid|article_id|newsid|news_id|infoid|info_id|contentid|content_id|docid|itemid|tid)=\w+",
    re.I)
# Pagination and index pages: never articles.
_LIST_PAGE = re.compile(r"/(?:index|list|default|more)(?:_\d+)?\.\w+$|/$", re.I)
_ASSET = re.compile(
    r"\.(?:jpe?g|png|gif|bmp|webp|svg|ico|tiff?|mp3|mp4|m4a|wav|avi|flv|wmv|mov|zip|rar|7z|gz|tar|"
    r"exe|apk|dmg|iso|css|js|json|pdf|docx?|xlsx?|pptx?|wps|ofd|txt|xml)$", re.I)
_PAGER_TEXT = re.compile(
    r"(?:首页|尾页|末页|上一页|下一页|上页|下页|前页|后页|更多|more|next|prev(?:ious)?|first|last|"
    r"返回|[<>«»›‹\d\s.…]+)\W*", re.I)
_DATE_NEAR = re.compile(
    r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|(?<!\d)\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|(?<![\d./-])(?:0?[1-9]|1[0-2])[-/](?:0?[1-9]|[12]\d|3[01])(?![\d/-])|\d+\s*(?:分钟|小时|天)前|昨天|今天")

# Page furniture around links: by tag, and by class or id.
_FURNITURE_TAGS = frozenset({"nav", "aside"})
_EDGE_TAGS = frozenset({"header", "footer"})        # furniture unless inside an article or list item
_FURNITURE_EXACT = frozenset({
    "top", "head", "header", "bottom", "foot", "footer", "nav", "menu", "fy", "fx", "dh", "yqlj",
    "dqwz", "wz", "pager", "paging", "pagination", "pagenav", "page_div", "pagebox", "page-box",
    "fenye", "share", "links", "crumb", "crumbs", "breadcrumb", "copyright", "position", "location",
    "sidebar", "toolbar", "banner", "logo", "search",
})
_FURNITURE_PREFIXES = ("nav", "menu", "footer", "header", "breadcrumb", "crumb", "pagination", "pager",
                       "paging", "copyright", "friend", "share", "bdshare", "sidebar", "toolbar", "fenye",
                       "daohang", "banquan", "yqlj", "dqwz", "topbar", "subnav", "topnav")
_FURNITURE_SUFFIXES = ("nav", "menu", "footer", "foot", "header", "pager", "pagination", "paging",
                       "crumb", "crumbs", "breadcrumb", "fenye", "share", "copyright", "sidebar")
_ITEM_TAGS = frozenset({"li", "tr", "dd", "dt"})


def _is_furniture_token(token: str) -> bool:
    if token in _FURNITURE_EXACT:
        return True
    for p in _FURNITURE_PREFIXES:
        if token.startswith(p) and (len(token) == len(p) or token[len(p)] in "-_" or token[len(p):].isdigit()):
            return True
    return any(token.endswith(("-" + s, "_" + s)) for s in _FURNITURE_SUFFIXES)


def _is_furniture(el) -> bool:
    """Whether the element is navigation, header, footer, breadcrumb, pagination, share
    buttons, friend links or a sidebar."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in _FURNITURE_TAGS:
        return True
    if tag in _EDGE_TAGS and not any(a.tag in ("article", "li") for a in el.iterancestors()):
        return True
    names = f"{el.get('class') or ''} {el.get('id') or ''}".lower().split()
    return any(_is_furniture_token(t) for t in names)


def _in_furniture(a) -> bool:
    return _is_furniture(a) or any(_is_furniture(anc) for anc in a.iterancestors())


def _host_allowed(host: str, base_host: str, allowed_hosts) -> bool:
    if not host:
        return False
    if host == base_host:
        return True
    for allowed in allowed_hosts or ():
        allowed = (allowed or "").lower().strip(".")
        if allowed and (host == allowed or host.endswith("." + allowed)):
            return True
    return False


def _item_of(a):
    """The list item holding the link (li, tr, dd, or a small block holding just this
    link), and whether a date is written in it outside the link."""
    anchor_text = text_of(a)
    for depth, anc in enumerate(a.iterancestors()):
        if depth > 3 or anc.tag in ("body", "html", "ul", "ol", "table", "tbody"):
            break
        links = [x for x in anc.iter("a") if len(text_of(x)) >= MIN_ANCHOR_CHARS]
        if len(links) > 1:
            break
        rest = text_of(anc).replace(anchor_text, " ", 1)
        dated = bool(_DATE_NEAR.search(rest))
        if anc.tag in _ITEM_TAGS or dated:
            return anc, dated
    return None, False


def find_article_links(html: str, base_url: str, allowed_hosts=None) -> list[str]:
    """Absolute URLs of the articles a list page links to, in page order, without
    duplicates.

    A link counts when its anchor text (≥ 6 characters) or title attribute can be a
    headline, it stays on the page's host (or a host in `allowed_hosts`, subdomains
    included), it is not in navigation, header, footer, breadcrumb, pagination or a
    sidebar, and it is not javascript:, mailto:, an image or a file; and either its URL
    looks like an article (t20261103_123.html, /2026/11/03/, /content_123.htm,
    /art/2026/11/3/art_1_2.html, detail.jsp?id=123 …), or a date is written beside it,
    or it sits in the page's main list (the container holding most such links). Never
    raises on a str.
    """
    tree = parse_html(html)
    if tree is None:
        return []
    base = base_href(tree, base_url)
    base_host = host_of(base_url)
    own = safe_canonical(base_url)
    candidates = []   # (url, accepted, container)
    for a in tree.iter("a"):
        url = absolute(base, a.get("href"))
        if not url or _ASSET.search(urlsplit(url).path):
            continue
        if not _host_allowed(host_of(url), base_host, allowed_hosts) or safe_canonical(url) == own:
            continue
        text, title = text_of(a), collapse(a.get("title"))
        if _PAGER_TEXT.fullmatch(text) and len(title) < MIN_TITLE_ATTR_CHARS:
            continue
        if len(text) < MIN_ANCHOR_CHARS and len(title) < MIN_TITLE_ATTR_CHARS:
            continue
        if _in_furniture(a):
            continue
        parts = urlsplit(url)
        target = parts.path + ("?" + parts.query if parts.query else "")
        articleish = bool(_ARTICLE_URL.search(target))
        if not articleish and _LIST_PAGE.search(parts.path) and not parts.query:
            continue
        item, dated = _item_of(a)
        container = item.getparent() if item is not None else a.getparent()
        candidates.append((url, articleish or dated, container))
    if not candidates:
        return []
    counts = Counter(c for _, ok, c in candidates if ok)
    if not counts:   # neither article-like URLs nor dates: the biggest list of headlines
        counts = Counter(c for _, _, c in candidates)
        if counts.most_common(1)[0][1] < MIN_MAIN_LIST:
            return []
    main = counts.most_common(1)[0][0]
    out, seen = [], set()
    for url, ok, container in candidates:
        if not (ok or container is main):
            continue
        key = safe_canonical(url)
        if key not in seen:
            seen.add(key)
            out.append(url)
    return out


# -- pagination ------------------------------------------------------------------------------
_NEXT_TEXT = re.compile(
    r"[\s\[【(<]*(?:下一页|下页|后页|后一页|下一頁|下頁|next(?: page)?)[\s\]】)>»›]*|[>›»]", re.I)
_NEXT_CLASSES = frozenset({"next", "next-page", "nextpage", "page-next", "pagenext", "next_page",
                           "layui-laypage-next", "pagination-next"})
_DISABLED = frozenset({"disabled", "disable", "unable", "no-more", "nomore"})
_CREATE_PAGE = re.compile(r"createPageHTML\s*\(([^()]*)\)")
_PAGER_OBJECT = re.compile(r"Pager\s*\(\s*\{([^{}]*)\}")
_JS_STRING = re.compile(r"""^\s*["']([^"']*)["']\s*$""")


def _classes(el) -> set[str]:
    return set((el.get("class") or "").lower().split())


def _next_candidates(tree):
    """hrefs of links that say they go to the next page, best evidence first."""
    for el in tree.iter("link", "a"):
        if "next" in (el.get("rel") or "").lower().split():
            yield el.get("href")
    for a in tree.iter("a"):
        parent = a.getparent()
        if _classes(a) & _DISABLED or (parent is not None and _classes(parent) & _DISABLED):
            continue
        label = text_of(a) or collapse(a.get("title")) or next(
            (collapse(img.get("alt")) for img in a.iter("img") if img.get("alt")), "")
        if label and _NEXT_TEXT.fullmatch(label):
            yield a.get("href")
        elif _classes(a) & _NEXT_CLASSES or (parent is not None and _classes(parent) & _NEXT_CLASSES):
            yield a.get("href")


def _js_args(text: str) -> list[str | int] | None:
    args: list[str | int] = []
    for raw in text.split(","):
        raw = raw.strip()
        m = _JS_STRING.match(raw)
        if m:
            args.append(m.group(1))
        elif re.fullmatch(r"\d{1,6}", raw):
            args.append(int(raw))
        else:
            return None            # a variable: the function's definition, not a call
    return args


def _js_next_page(html: str, base: str) -> tuple[bool, str | None]:
    """Pagination written by script, as TRS/WCM and similar CMSs do. Returns (found,
    next URL or None on the last page).

    - ``createPageHTML(count, current, "index", "html")``: current counts from 0; page 0
      is index.html, page n is index_n.html.
    - ``createPageHTML('page_div', count, current, 'list', 'shtml', records)``: current
      counts from 1; page 1 is list.shtml, page n is list_n.shtml.
    - ``new Pager({size: count, current: n, prefix: 'index', suffix: 'html'})``: as the first.
    """
    for m in _CREATE_PAGE.finditer(html):
        args = _js_args(m.group(1))
        if not args:
            continue
        if len(args) >= 4 and isinstance(args[0], int) and isinstance(args[1], int) \
                and isinstance(args[2], str) and isinstance(args[3], str):
            count, current, name, ext = args[:4]
            nxt, last = current + 1, count - 1          # pages 0 … count-1
        elif len(args) >= 5 and isinstance(args[0], str) and isinstance(args[1], int) \
                and isinstance(args[2], int) and isinstance(args[3], str) and isinstance(args[4], str):
            count, current, name, ext = args[1:5]
            nxt, last = max(current, 1) + 1, count      # pages 1 … count
        else:
            continue
        if not name or not ext:
            continue
        if nxt > last:
            return True, None
        return True, urljoin(base, f"{name}_{nxt}.{ext}")
    for m in _PAGER_OBJECT.finditer(html):
        fields = dict(re.findall(r"""(\w+)\s*:\s*["']?([\w.-]*)["']?""", m.group(1)))
        try:
            count, current = int(fields.get("size", "")), int(fields.get("current", ""))
        except ValueError:
            continue
        name, ext = fields.get("prefix", ""), fields.get("suffix", "")
        if not name or not ext:
            continue
        if current + 1 >= count:
            return True, None
        return True, urljoin(base, f"{name}_{current + 1}.{ext}")
    return False, None


def find_next_page(html: str, base_url: str) -> str | None:
    """The URL of the next list page, or None on the last page (or a page without
    pagination). Reads, in order: rel=next; a link saying 下一页 / 下页 / 后页 / next / ›
    / > (not a disabled one, not javascript:); a link with class "next"; pagination
    written by script (createPageHTML, Pager) in the index.html → index_1.html pattern of
    Chinese government CMSs. Never raises on a str."""
    tree = parse_html(html)
    if tree is None:
        return None
    base = base_href(tree, base_url)
    own = safe_canonical(base_url)
    for href in _next_candidates(tree):
        url = absolute(base, href)
        if url and safe_canonical(url) != own:
            return url
    found, url = _js_next_page(html, base)
    if found and url and safe_canonical(url) != own:
        return url
    return None
