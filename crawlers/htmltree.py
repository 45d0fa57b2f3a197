"""Small helpers shared by the page readers (`crawlers.extract`, `crawlers.links`): parse
any str into an lxml tree without raising, collapse whitespace, resolve links."""
from __future__ import annotations

import logging
import re
import threading
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
from lxml import etree

from indexer.urls import canonical_url
from nlp.normalize import BLOCK_TAGS as _BLOCKS
from nlp.normalize import CELL_TAGS, PARA_TAGS, PRE_TAGS, SKIP_TAGS

log = logging.getLogger(__name__)

MAX_HTML_CHARS = 5_000_000      # a page is cut here before parsing
_SPACE = re.compile(r"[\s\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff]+")
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_TITLE_OPEN = re.compile(r"<title\b[^>]*>", re.I)
_TITLE_CLOSE = re.compile(r"</title\s*>", re.I)
_TAG_START = re.compile(r"<[A-Za-z/!]")


def parse_html(html: str, *, html_elements: bool = False):
    """The page as an lxml tree (libxml2's error-recovering parser, as browsers recover:
    unclosed tags, stray '<', a truncated end), or None when there is nothing to parse.
    A meta charset inside the text is ignored: the str is already decoded.

    The tree is of plain lxml elements: reading a page walks every element, and the
    element classes of lxml.html cost a Python call per element reached. Pass
    ``html_elements=True`` for an lxml.html tree (what trafilatura takes)."""
    if not isinstance(html, str) or not html.strip():
        return None
    html = _close_title(_BAD_CHARS.sub("", html[:MAX_HTML_CHARS]))
    try:
        tree = etree.fromstring(html.encode("utf-8"), parser=_parser(html_elements))
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as e:
        log.debug("page not parseable: %s", e)
        return None
    return tree


_local = threading.local()


def _parser(html_elements: bool):
    """This thread's parser of the kind (an lxml parser is not shared between threads)."""
    name = "html" if html_elements else "plain"
    parser = getattr(_local, name, None)
    if parser is None:
        kind = lxml.html.HTMLParser if html_elements else etree.HTMLParser
        parser = kind(encoding="utf-8", remove_comments=True, remove_pis=True)
        setattr(_local, name, parser)
    return parser


def _close_title(html: str) -> str:
    """A <title> never closed swallows the whole page (its content is text to the
    parser): close it at the end of its line, or before the first tag after it."""
    m = _TITLE_OPEN.search(html)
    if not m:
        return html
    close = _TITLE_CLOSE.search(html, m.end())
    tag = _TAG_START.search(html, m.end())
    if tag is None or (close is not None and close.start() <= tag.start()):
        return html
    line_end = html.find("\n", m.end(), tag.start())
    end = line_end if line_end != -1 else tag.start()
    return html[:end] + "</title>" + html[end:]


def collapse(text: str | None) -> str:
    """Runs of whitespace (also no-break and ideographic spaces) to one space, stripped."""
    if not text:
        return ""
    if "\u200b" in text or "\ufeff" in text:   # no whitespace to str.split, but to us
        return _SPACE.sub(" ", text).strip()
    return " ".join(text.split())


_STRING = etree.XPath("string()", smart_strings=False)


def raw_text(el) -> str:
    """All the text inside the element, as it is (lxml.html's text_content, for any element)."""
    try:
        return _STRING(el)
    except (ValueError, TypeError, etree.XPathError):
        return ""


def text_of(el) -> str:
    """The element's text, whitespace collapsed."""
    return collapse(raw_text(el))


def base_href(tree, page_url: str) -> str:
    """The URL relative links resolve against: the page's <base href>, else its own URL."""
    for base in tree.iter("base"):
        href = (base.get("href") or "").strip()
        if href:
            resolved = absolute(page_url, href)
            if resolved:
                return resolved
        break
    return page_url


def absolute(base: str, href: str | None) -> str | None:
    """An http(s) URL for the link, fragment dropped; None for javascript:, mailto:, a bare
    '#', data: and anything that does not resolve to http or https."""
    href = collapse(href)
    if not href or href.startswith("#"):
        return None
    try:
        url, _ = urldefrag(urljoin(base, href))
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        return None
    return url


def host_of(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def safe_canonical(url: str) -> str:
    """indexer.urls.canonical_url, or the URL as it is when it cannot be parsed."""
    try:
        return canonical_url(url)
    except ValueError:
        return url


# -- the text of a tree, line by line ----------------------------------------------------------
# As nlp.normalize.html_to_text draws lines, but on the lxml tree already parsed: block
# elements and <br> break lines, cells are separated by a space, a source line break
# between two Chinese characters is no space at all (the browser's rendering).
BLOCK_TAGS = PARA_TAGS | _BLOCKS
_CJK = "\u2e80-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t\r\f]*\n[ \t\n\r\f]*(?=[{_CJK}])")
_EMOTICON_ALT = re.compile(r"\[[0-9A-Za-z_\u3400-\u4dbf\u4e00-\u9fff]{1,8}\]")
_BREAK = "\x00"        # a rendered line break; parse_html removed every NUL from the page


def _source_text(text: str, pre: int) -> str:
    """A text node as rendered: inside <pre> its line breaks stay; elsewhere a line break
    between two Chinese characters goes (other whitespace is collapsed later)."""
    if "\n" not in text:
        return text
    if pre:
        return text.replace("\n", _BREAK)
    return text if text.isspace() else _CJK_BREAK.sub("", text)


def tree_lines(root, skip=None) -> list[str]:
    """The rendered lines of an element, whitespace collapsed, empty lines dropped.

    One walk over the tree libxml2 already built, so reading a page's bylines or its
    main block costs no second parse. `skip(el)`, when given, drops an element and
    everything in it (its tail text stays: that belongs to the parent)."""
    if root is None:
        return []
    parts: list[str] = []
    add = parts.append
    hidden = 0          # depth inside skipped elements
    pre = 0
    blocks, cells = BLOCK_TAGS, CELL_TAGS
    try:
        for event, el in etree.iterwalk(root, events=("start", "end")):
            tag = el.tag
            if event == "start":
                if hidden or tag in SKIP_TAGS or (skip is not None and el is not root and skip(el)):
                    hidden += 1
                    continue
                if tag in blocks or tag == "br":
                    add(_BREAK)
                elif tag in cells:
                    add(" ")
                elif tag == "img":
                    alt = (el.get("alt") or "").strip()
                    if alt and _EMOTICON_ALT.fullmatch(alt):
                        add(alt)
                if tag in PRE_TAGS:
                    pre += 1
                text = el.text
                if text:
                    add(_source_text(text, pre))
            else:
                if hidden:
                    hidden -= 1
                else:
                    if tag in blocks:
                        add(_BREAK)
                    if tag in PRE_TAGS:
                        pre -= 1
                text = el.tail
                if text and not hidden and el is not root:
                    add(_source_text(text, pre))
    except (ValueError, TypeError) as e:
        log.debug("tree not walkable: %s", e)
    lines = []
    for piece in "".join(parts).split(_BREAK):
        if piece and not piece.isspace():      # most pieces are the space between two blocks
            line = collapse(piece)
            if line:
                lines.append(line)
    return lines

