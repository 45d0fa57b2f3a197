"""Small helpers shared by the page readers (`crawlers.extract`, `crawlers.links`): parse
any str into an lxml tree without raising, collapse whitespace, resolve links."""
from __future__ import annotations

import logging
import re
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
from lxml import etree

from indexer.urls import canonical_url

log = logging.getLogger(__name__)

MAX_HTML_CHARS = 5_000_000      # a page is cut here before parsing
_SPACE = re.compile(r"[\s\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff]+")
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_TITLE_OPEN = re.compile(r"<title\b[^>]*>", re.I)
_TITLE_CLOSE = re.compile(r"</title\s*>", re.I)
_TAG_START = re.compile(r"<[A-Za-z/!]")


def parse_html(html: str) -> lxml.html.HtmlElement | None:
    """The page as an lxml tree (libxml2's error-recovering parser, as browsers recover:
    unclosed tags, stray '<', a truncated end), or None when there is nothing to parse.
    A meta charset inside the text is ignored: the str is already decoded."""
    if not isinstance(html, str) or not html.strip():
        return None
    html = _close_title(_BAD_CHARS.sub("", html[:MAX_HTML_CHARS]))
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        tree = lxml.html.document_fromstring(html.encode("utf-8"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as e:
        log.debug("page not parseable: %s", e)
        return None
    return tree


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
    return _SPACE.sub(" ", text or "").strip()


def text_of(el) -> str:
    """The element's text, whitespace collapsed."""
    try:
        return collapse(el.text_content())
    except (ValueError, TypeError):
        return ""


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
