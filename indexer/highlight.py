"""Highlights: a short window of the text around the first match, HTML-escaped,
with every match wrapped in <mark>…</mark>. The same code serves every backend."""
from __future__ import annotations

import html
import re

MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"


def highlight(text: str, terms: list[str], width: int = 120) -> str:
    """Return an HTML-safe snippet of `text` with `terms` marked.

    Crawled text is hostile: it is escaped here, and only our own <mark> tags are added.
    Terms are matched case-insensitively; whitespace inside a term matches any run of
    whitespace or none (a phrase typed with spaces still marks the unspaced text)."""
    text = text or ""
    patterns = sorted({t.strip() for t in terms if t and t.strip()}, key=len, reverse=True)
    if not patterns:
        return html.escape(_clip(text, 0, width))
    rx = re.compile("|".join(r"\s*".join(re.escape(p) for p in pat.split()) for pat in patterns), re.IGNORECASE)
    first = rx.search(text)
    start = 0 if first is None else max(0, first.start() - width // 4)
    window = _clip(text, start, width)
    out, last = [], 0
    for m in rx.finditer(window):
        if m.end() == m.start():
            continue
        out.append(html.escape(window[last:m.start()]))
        out.append(MARK_OPEN + html.escape(m.group()) + MARK_CLOSE)
        last = m.end()
    out.append(html.escape(window[last:]))
    return "".join(out)


def _clip(text: str, start: int, width: int) -> str:
    piece = text[start:start + width].replace("\n", " ")
    if start > 0:
        piece = "…" + piece
    if start + width < len(text):
        piece = piece + "…"
    return piece
