"""The one text normalizer every post goes through: `normalize(text)`.

Steps, in order:

1. Invisible characters go: C0/C1 control characters (but line breaks and tabs),
   zero-width and direction marks (U+200B..U+200F, U+202A..U+202E, U+2060..U+206F,
   U+FEFF …), variation selectors, lone surrogates, U+FFFD left by undecodable bytes.
   Full-width ASCII becomes half-width (Ａ→A, １２３０９→12309, ＠→@, ＃→#, ［怒］→[怒]),
   except the Chinese sentence punctuation ，！？：；（）, which Chinese text is written
   with and which stays as it is, so stored text reads naturally; every
   other space character (ideographic, no-break …) becomes a plain space and every line
   separator a newline. Chinese punctuation outside that block (。、“”《》【】…) stays.
2. When the text looks like HTML (a tag, comment, doctype or character entity), it is
   turned into text with `html_to_text` (entities only: `html.unescape`); repeated until
   nothing markup-like is left, so double-escaped feeds come out clean. Plain text with
   a stray "<" (``a < b``) is not touched.
3. Runs of spaces and tabs become one space, lines are stripped, at most one blank line
   separates paragraphs, and the whole is stripped.
4. The text is cut to `max_chars` characters (default 100_000); input longer than ten
   times that is cut before any work is done, so a 5 MB post costs little.
5. Traditional characters become Simplified with OpenCC ``t2s`` (one converter, created
   on first use). OpenCC only runs when the text holds a character that t2s may change
   (`nlp/data/t2s_triggers.txt`, made by `tools/make_t2s_triggers.py`), so the usual
   simplified post skips it. Emoticon codes such as ``[怒]`` ``[允悲]`` ``[doge]`` are
   left exactly as they are.

`normalize` never raises on a str and is idempotent: ``normalize(normalize(x)) ==
normalize(x)``.
"""
from __future__ import annotations

import html
import logging
import re
import threading
from html.parser import HTMLParser
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_MAX_CHARS = 100_000
INPUT_FACTOR = 10  # input beyond INPUT_FACTOR * max_chars characters is ignored
T2S_TRIGGERS_FILE = Path(__file__).parent / "data" / "t2s_triggers.txt"

# Full-width forms that are the ordinary punctuation of Chinese text, kept as they are.
CJK_PUNCTUATION = frozenset("，！？：；（）")

# A Weibo-style emoticon code: [怒] [赞] [允悲] [doge] [笑cry]. Shared with nlp.tokenize.
EMOTICON = re.compile(r"\[[0-9A-Za-z_\u3400-\u4dbf\u4e00-\u9fff]{1,8}\]")


# -- step 1: one translation table -------------------------------------------------------
def _prep_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for cp in range(0x00, 0x20):                      # C0 controls
        table[cp] = None
    table[0x09] = " "
    del table[0x0A]                                   # line feed stays
    for cp in (0x0B, 0x0C, 0x0D, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029):
        table[cp] = "\n"                              # line separators of str.splitlines
    table[0x1F] = " "
    for cp in range(0x7F, 0xA0):                      # DEL and C1 controls
        table.setdefault(cp, None)
    for cp in (0xA0, 0x1680, 0x202F, 0x205F, 0x3000, *range(0x2000, 0x200B)):
        table[cp] = " "                               # spaces
    invisible = [0xAD, 0x34F, 0x61C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0,
                 *range(0x180B, 0x1810), *range(0x200B, 0x2010), *range(0x202A, 0x202F),
                 *range(0x2060, 0x2070), *range(0xFE00, 0xFE10), 0xFEFF,
                 *range(0xFFF0, 0xFFFC), 0xFFFD, 0xFFFE, 0xFFFF,
                 *range(0x600, 0x606), 0x6DD, 0x70F, 0x890, 0x891, 0x8E2,  # other format (Cf)
                 0x110BD, 0x110CD, *range(0x13430, 0x13440), *range(0x1BCA0, 0x1BCA4),
                 *range(0xD800, 0xE000),              # lone surrogates
                 *range(0x1D173, 0x1D17B), *range(0xE0000, 0xE0080), *range(0xE0100, 0xE01F0)]
    for cp in invisible:
        table[cp] = None
    for cp in range(0xFF01, 0xFF5F):                  # full-width ASCII
        if chr(cp) not in CJK_PUNCTUATION:
            table[cp] = chr(cp - 0xFEE0)
    return table


_PREP = _prep_table()


def _char_class(codepoints) -> str:
    """A regex character class for these code points, as ranges."""
    cps = sorted(set(codepoints))
    parts, start, prev = [], cps[0], cps[0]
    for cp in cps[1:] + [-1]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(re.escape(chr(start)) if start == prev
                     else f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
        start = prev = cp
    return "[" + "".join(parts) + "]"


# Two patterns: a class of BMP characters only compiles to a fast bitmap.
_PREP_BMP = re.compile(_char_class(cp for cp in _PREP if cp <= 0xFFFF))
_PREP_ASTRAL = re.compile(_char_class(cp for cp in _PREP if cp > 0xFFFF))
_PREP_STR = {chr(cp): (v or "") for cp, v in _PREP.items()}
_FEW = 12  # up to this many distinct characters to change, str.replace beats str.translate


def _prep(text: str) -> str:
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    found = _PREP_BMP.findall(text)
    if _PREP_ASTRAL.search(text):
        return text.translate(_PREP)
    if not found:
        return text
    distinct = set(found)
    if len(distinct) > _FEW:
        return text.translate(_PREP)
    for ch in distinct:
        text = text.replace(ch, _PREP_STR[ch])
    return text


# -- step 2: markup -----------------------------------------------------------------------
_TAG = re.compile(r"<(?:[A-Za-z][A-Za-z0-9:-]*(?:[\s/][^<>]*)?>|/[A-Za-z][^<>]*>|!--|!\[CDATA\[|![Dd][Oo][Cc][Tt][Yy][Pp][Ee])")
_ENTITY = re.compile(r"&(?:#[0-9]{1,8}|#[xX][0-9A-Fa-f]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});")
_MARKUP_ROUNDS = 4

# How HTML elements break text; the crawler's page reader uses the same sets.
SKIP_TAGS = frozenset({"script", "style", "noscript", "template"})
PARA_TAGS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6"})
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "head",
    "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav", "ol", "option",
    "pre", "section", "summary", "table", "tbody", "textarea", "tfoot", "thead", "title", "tr",
    "ul",
})
CELL_TAGS = frozenset({"td", "th"})
PRE_TAGS = frozenset({"pre", "textarea"})
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_CJK = "\u2e80-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
# A source line break between two CJK characters is no space at all.
_CJK_BREAK = re.compile(rf"(?<=[{_CJK}])[ \t\r\f]*\n[ \t\n\r\f]*(?=[{_CJK}])")


class _TextExtractor(HTMLParser):
    """Collects the text of a page: no script/style/noscript/template, no comments;
    block elements become line breaks (paragraphs and headings a blank line) that merge
    with their neighbours as a browser's do, <br> is one line break each, and
    <img alt="[怒]"> keeps its emoticon."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.pre = 0
        self.pending = 0   # line breaks owed by block boundaries since the last text

    def _block(self, breaks: int) -> None:
        self.pending = max(self.pending, breaks)

    def _emit(self, text: str) -> None:
        if self.pending:
            if self.parts:
                self.parts.append("\n" * self.pending)
            self.pending = 0
        self.parts.append(text)

    def handle_starttag(self, tag, attrs):
        if tag in SKIP_TAGS:
            self.skip += 1
            return
        if self.skip:
            return
        if tag == "br":
            self._emit("\n")
        elif tag in PARA_TAGS:
            self._block(2)
        elif tag in BLOCK_TAGS:
            self._block(1)
        elif tag in CELL_TAGS:
            self.parts.append(" ")
        elif tag == "img":
            alt = next((v for k, v in attrs if k == "alt" and v), "").strip()
            if EMOTICON.fullmatch(alt):
                self._emit(alt)
        if tag in PRE_TAGS:
            self.pre += 1

    def handle_endtag(self, tag):
        if tag in SKIP_TAGS:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if tag in PARA_TAGS:
            self._block(2)
        elif tag in BLOCK_TAGS:
            self._block(1)
        if tag in PRE_TAGS:
            self.pre = max(0, self.pre - 1)

    def handle_data(self, data):
        if self.skip or not data:
            return
        if not self.pre:
            data = _HTML_SPACE.sub(" ", _CJK_BREAK.sub("", data))
            if data == " " and self.pending:
                return   # layout whitespace between blocks
        self._emit(data)


_FALLBACK_DROP = re.compile(r"<(script|style|noscript|template)\b.*?(?:</\1\s*>|\Z)|<!--.*?(?:-->|\Z)",
                            re.S | re.I)
_FALLBACK_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def html_to_text(html_text: str) -> str:
    """Plain text of an HTML page or fragment.

    Drops script, style, noscript and template content and comments; block elements
    and <br> become line breaks (paragraphs and headings a blank line); entities are
    unescaped; whitespace is collapsed as a browser would, except inside <pre>; an
    <img> whose alt text is an emoticon code such as ``[怒]`` keeps that code. Broken
    markup (unclosed tags, stray ``<``) is handled the way browsers do; should the
    parser ever fail, tags are stripped with a regular expression instead. Never raises
    on a str. Width, Traditional characters and invisible characters are left to
    `normalize`.
    """
    if not html_text:
        return ""
    try:
        parser = _TextExtractor()
        parser.feed(html_text)
        parser.close()
        text = "".join(parser.parts)
    except Exception as e:  # html.parser has raised on odd markup in some Python versions
        log.debug("html.parser failed (%s: %s); stripping tags by pattern", type(e).__name__, e)
        text = _FALLBACK_DROP.sub(" ", html_text)
        text = _FALLBACK_TAG.sub(" ", text)
        text = html.unescape(_HTML_SPACE.sub(" ", text))
    return _tidy(text)


def _defuse(text: str) -> str:
    """Last resort for markup nested deeper than the rounds allow: break what is left
    so that it no longer reads as markup (a space after its "<" or "&")."""
    text = _TAG.sub(lambda m: "< " + m.group()[1:], text)
    return _ENTITY.sub(lambda m: "& " + m.group()[1:], text)


def _strip_markup(text: str) -> str:
    for _ in range(_MARKUP_ROUNDS):
        if _TAG.search(text):
            new = html_to_text(text)
        elif _ENTITY.search(text):
            new = html.unescape(text)
        else:
            return text
        new = _prep(new)
        if new == text:
            return text
        text = new
    if _TAG.search(text) or _ENTITY.search(text):
        text = _defuse(text)
    return text


# -- step 3: whitespace -------------------------------------------------------------------
_SPACES = re.compile(r"[ \t]{2,}|\t")
_BREAKS = re.compile(r"[ \t]*\n[ \t\n]*")


def _break(m: re.Match) -> str:
    return "\n\n" if m.group().count("\n") > 1 else "\n"


def _tidy(text: str) -> str:
    if "\t" in text or "  " in text:
        text = _SPACES.sub(" ", text)
    if "\n" in text:
        text = _BREAKS.sub(_break, text)
    return text.strip()


# -- step 5: Traditional to Simplified ----------------------------------------------------
_lock = threading.Lock()
_t2s: "_T2S | None" = None
_T2S_ROUNDS = 3
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
# 坏 is the simplified 壞 (bad) far more often than the rare traditional 坏 (坯), which
# t2s assumes in a few phrases (打坏 → 打坯): it is never changed.
_KEEP = "坏"


class _T2S:
    """OpenCC t2s and the patterns telling whether it may change a text."""

    def __init__(self) -> None:
        import opencc

        self.cc = opencc.OpenCC("t2s")
        entries = T2S_TRIGGERS_FILE.read_text(encoding="utf-8").split()
        chars = {e for e in entries if len(e) == 1}
        for phrase in (e for e in entries if len(e) > 1):
            # A text holding the phrase holds each of its characters: the ones t2s
            # changes are the rarest in simplified text, so they stand for the phrase.
            value = self.cc.convert(phrase)
            if len(value) == len(phrase):
                chars.update(a for a, b in zip(phrase, value) if a != b and a != _KEEP)
            else:
                chars.update(phrase)
        self.bmp = re.compile(_char_class(ord(c) for c in chars if ord(c) <= 0xFFFF))
        self.astral = frozenset(c for c in chars if ord(c) > 0xFFFF)
        log.debug("OpenCC t2s loaded; %d trigger characters", len(chars))

    def may_change(self, text: str) -> bool:
        """False only when t2s surely leaves the text as it is."""
        if self.bmp.search(text):
            return True
        return bool(self.astral) and any(c in self.astral for c in _ASTRAL.findall(text))

    def convert(self, text: str) -> str:
        """t2s outside emoticon codes, 坏 kept."""
        if "[" in text and EMOTICON.search(text):
            pieces = EMOTICON.split(text)
            codes = EMOTICON.findall(text)
            out = [self.cc.convert(pieces[0]) if pieces[0] else ""]
            for code, piece in zip(codes, pieces[1:]):
                out.append(code)
                out.append(self.cc.convert(piece) if piece else "")
            new = "".join(out)
        else:
            new = self.cc.convert(text)
        if _KEEP in text and len(new) == len(text):  # t2s keeps lengths; checked anyway
            new = "".join(o if o == _KEEP else n for o, n in zip(text, new))
        return new


def _load_t2s() -> _T2S:
    global _t2s
    if _t2s is None:
        with _lock:
            if _t2s is None:
                _t2s = _T2S()
    return _t2s


def to_simplified(text: str) -> str:
    """Traditional → Simplified (OpenCC t2s), skipping texts it cannot change and
    emoticon codes. Repeated until stable: t2s is not idempotent on a few names
    (畢昇 → 毕昇 → 毕升), and normalize must be."""
    t2s = _load_t2s()
    for _ in range(_T2S_ROUNDS):
        if not t2s.may_change(text):
            return text
        new = t2s.convert(text)
        if new == text:
            return text
        text = new
    return text


# -- the whole ----------------------------------------------------------------------------
def normalize(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Normalize one post's text (see the module docstring for the steps).

    The result has at most `max_chars` characters: longer text is cut there (and input
    beyond ``10 * max_chars`` characters is not even read). Never raises on a str;
    ``normalize(normalize(x)) == normalize(x)``. Raises TypeError for a non-str and
    ValueError for a `max_chars` below 1.
    """
    if not isinstance(text, str):
        raise TypeError(f"normalize() takes a str, not {type(text).__name__}")
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, not {max_chars}")
    if not text:
        return ""
    if len(text) > INPUT_FACTOR * max_chars:
        log.debug("input of %d characters cut to %d before normalizing", len(text), INPUT_FACTOR * max_chars)
        text = text[:INPUT_FACTOR * max_chars]
    text = _prep(text)
    if "<" in text or "&" in text:
        text = _strip_markup(text)
    text = _tidy(text)
    if len(text) > max_chars:
        text = text[:max_chars].rstrip()
    return to_simplified(text)
