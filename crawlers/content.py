"""The main text of an article page, found fast on the lxml tree the page reader already has.

Most Chinese news and procuratorate pages hold their text in one block of ``<p>``
paragraphs (``div.TRS_Editor``, ``div#zoom``, ``td.content``, ``article-body``). `main_block`
scores each element by the paragraph text directly in it (and half of what its children
hold, so a text split by a picture is kept whole), and returns the best one's lines. It
costs one walk over the paragraphs, against several milliseconds for trafilatura's full
analysis; `crawlers.extract` keeps trafilatura for the pages where this reading is weak
(`Block.weak`): too little text, one short paragraph, mostly links, a block holding
little of the page's paragraph text, or long lines of text outside the paragraphs (a
page whose text is written with <br>). Paragraphs in navigation, footers, sidebars,
comments and related-article lists are never scored.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from .htmltree import collapse, raw_text, text_of, tree_lines

log = logging.getLogger(__name__)

MIN_CHARS = 120            # cleaned text shorter than this is left to trafilatura
MIN_SINGLE_CHARS = 300     # one paragraph is enough only this long
MIN_PARAGRAPH_CHARS = 8    # shorter <p> text is furniture (分享到, 打印) or a label
MAX_LINK_DENSITY = 0.3     # a block with more of its text in links is a list, not an article
MIN_SHARE = 0.6            # the block must hold this much of the page's paragraph text
LONG_LINE = 200            # a line this long outside the block is text the paragraphs missed

# Never part of the text, and never scored.
_OUTSIDE = frozenset({"nav", "aside", "footer", "header", "form", "select", "button", "iframe",
                      "script", "style", "noscript", "template", "head"})
# Elements with these class or id names are page furniture (share buttons, previous/next
# links, related articles, comments, breadcrumbs, sidebars): their paragraphs are not
# scored, and inside the chosen block they are left out.
_FURNITURE_EXACT = frozenset({
    "share", "bdshare", "fenxiang", "fx", "print", "dayin", "pager", "pagination", "fenye", "related",
    "xgxw", "xgwz", "comment", "comments", "pinglun", "crumb", "crumbs", "breadcrumb", "dqwz",
    "position", "location", "toolbar", "copyright", "sxp", "prev-next", "prevnext", "shangxiapian",
    "footer", "sidebar"})
_FURNITURE_WORDS = ("share", "comment", "comments", "related", "breadcrumb", "pager", "pagination",
                    "copyright", "fenye", "toolbar", "prevnext", "footer", "sidebar")


@dataclass
class Block:
    """The element read as the page's main text, and how much it can be trusted."""
    lines: list[str]
    paragraphs: int           # <p> of real text inside it
    chars: int                # their text
    link_chars: int           # text inside links within the block's paragraphs
    share: float              # its paragraph text over all the page's paragraph text

    def weak(self, text: str, page_lines: list[str] = ()) -> bool:
        """Whether `text` (the block's lines after bylines and furniture are gone) is too
        thin to stand without trafilatura's opinion. `page_lines` are all the lines of
        the page: a long one outside the block is text written outside paragraphs."""
        if len(text) < MIN_CHARS:
            return True
        if "\n" not in text and len(text) < MIN_SINGLE_CHARS:
            return True
        if self.link_chars > MAX_LINK_DENSITY * max(self.chars, 1):
            return True
        if self.share < MIN_SHARE:
            return True
        inside = set(self.lines)
        return any(len(line) >= LONG_LINE and line not in inside for line in page_lines)


def _is_furniture_name(name: str) -> bool:
    if name in _FURNITURE_EXACT:
        return True
    return any(name.startswith((w + "-", w + "_")) or name.endswith(("-" + w, "_" + w)) for w in _FURNITURE_WORDS)


def _furniture(el) -> bool:
    if el.tag in _OUTSIDE:
        return True
    cls, ident = el.get("class"), el.get("id")
    if not cls and not ident:
        return False
    return any(map(_is_furniture_name, f"{cls or ''} {ident or ''}".lower().split()))


def _outside(el, known: dict) -> bool:
    """Whether the element or one of its ancestors is navigation, a footer, a form,
    comments, related links … (`known` caches the answer per element: paragraphs share
    their ancestors)."""
    path = []
    found = False
    while el is not None:
        cached = known.get(el)
        if cached is not None:
            found = cached
            break
        path.append(el)
        if _furniture(el):
            found = True
            break
        el = el.getparent()
    for seen in path:
        known[seen] = found
    return found


def main_block(tree) -> Block | None:
    """The element holding most of the page's paragraph text, read line by line; None
    when the page has no paragraphs of text."""
    body = tree.find("body")
    root = body if body is not None else tree
    scores: dict = {}
    paras = []                # (paragraph, its text, its link text)
    total = 0
    outside: dict = {}
    for p in root.iter("p"):
        parent = p.getparent()
        if parent is None or _outside(parent, outside):
            continue
        try:
            chars = len(collapse(raw_text(p)))
        except (ValueError, TypeError):
            continue
        if chars < MIN_PARAGRAPH_CHARS:
            continue
        anchors = list(p.iter("a"))
        links = sum(len(collapse(raw_text(a))) for a in anchors) if anchors else 0
        weight = chars - links
        if weight < MIN_PARAGRAPH_CHARS:
            continue
        total += weight
        paras.append((p, chars, links))
        scores[parent] = scores.get(parent, 0) + weight
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0) + weight / 2
    if not scores:
        return None
    best = max(scores, key=scores.get)
    inside = set(best.iter("p"))
    paragraphs = chars = link_chars = 0
    for p, c, lk in paras:
        if p in inside:
            paragraphs += 1
            chars += c
            link_chars += lk
    share = (chars - link_chars) / total if total else 0.0
    return Block(lines=tree_lines(best, skip=_furniture), paragraphs=paragraphs, chars=chars,
                 link_chars=link_chars, share=share)


# -- the slow paths' helpers -------------------------------------------------------------------
_LAYOUT_BLOCKS = frozenset({"p", "div", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "form"})
_TABLE_PARTS = ("table", "thead", "tbody", "tfoot", "tr", "td", "th")


def unwrap_layout_tables(tree) -> None:
    """Tables used for page layout (a cell holding paragraphs, blocks or another table,
    as older government sites are built) become plain blocks, so trafilatura weighs
    their cells as text and not as one data table holding the whole page."""
    for table in list(tree.iter("table")):
        if table.tag != "table":
            continue                                   # already unwrapped with its parent
        cells = list(table.iter("td", "th"))
        if any(d.tag in _LAYOUT_BLOCKS for c in cells for d in c.iterdescendants()):
            for el in list(table.iter(*_TABLE_PARTS)):
                el.tag = "div"


def _drop_tree(el) -> None:
    """Remove the element and what it holds, keeping its tail text (lxml.html's drop_tree)."""
    parent = el.getparent()
    if el.tail:
        previous = el.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + el.tail
        else:
            previous.tail = (previous.tail or "") + el.tail
    parent.remove(el)


def largest_block(tree) -> str:
    """The text of the smallest element holding most of the page's non-link text: the
    last resort when neither the paragraphs nor trafilatura give any text. Changes the
    tree (furniture is dropped from it)."""
    body = tree.find("body")
    node = body if body is not None else tree
    for el in list(node.iter(*_OUTSIDE)):
        if el.getparent() is not None:
            _drop_tree(el)

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
    return "\n".join(tree_lines(current))
