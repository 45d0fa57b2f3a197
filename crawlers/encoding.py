"""Bytes of a fetched page to text: `decode_body(body, content_type)`.

The encoding is taken from, in order: a byte-order mark; the charset of the HTTP
Content-Type header; the charset the page declares in its first 4 KB (``<meta charset>``,
``<meta http-equiv="Content-Type" content="…; charset=…">``, ``<?xml … encoding=…?>``);
detection. Labels are read as browsers read them: gb2312, gbk and their aliases as
gb18030 (a superset of both), big5 as big5hkscs (cp950 when only that decodes the page,
e.g. for its euro sign), latin-1 and ascii as windows-1252, a utf-16 label in a byte
page as utf-8.

A declaration is checked, not believed: one whose decoding fails (a page saying utf-8
in GBK bytes), or that turns readable Chinese into gibberish (GBK bytes declared big5,
UTF-8 bytes declared iso-8859-1), is passed over. Detection: UTF-8 when the bytes are
valid UTF-8; else gb18030 or Big5, whichever reads as Chinese best (the share of common
characters, less decode errors); else UTF-8 with errors replaced. Never raises.
"""
from __future__ import annotations

import codecs
import logging
import re
import threading
from dataclasses import dataclass
from functools import lru_cache

log = logging.getLogger(__name__)

SNIFF_BYTES = 4096          # where a page's own declaration is looked for
SCORE_BYTES = 64 * 1024     # how much of a page is scored when guessing its encoding
GOOD_ENOUGH = 0.6           # score a guess needs to be taken (common characters / all)
CLEARLY_BETTER = 0.3        # how much better another reading must be to overrule a declaration

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_GB = "gb18030"
_BIG5 = ("big5hkscs", "cp950")
_ALIASES = {
    "gb2312": _GB, "gb_2312": _GB, "gb_2312-80": _GB, "gbk": _GB, "x-gbk": _GB, "cp936": _GB,
    "ms936": _GB, "windows-936": _GB, "euc-cn": _GB, "csgb2312": _GB, "chinese": _GB,
    "iso-ir-58": _GB, "csiso58gb231280": _GB, "gb18030": _GB, "gb-18030": _GB,
    "big5": "big5", "big-5": "big5", "big5-hkscs": "big5", "big5hkscs": "big5", "cn-big5": "big5",
    "x-x-big5": "big5", "csbig5": "big5", "cp950": "big5", "ms950": "big5", "x-big5": "big5",
    "utf8": "utf-8", "utf-8": "utf-8", "unicode-1-1-utf-8": "utf-8",
    "utf-16": "utf-8", "utf-16le": "utf-8", "utf-16be": "utf-8", "unicode": "utf-8",
    "utf-32": "utf-8", "utf-32le": "utf-8", "utf-32be": "utf-8",
    "iso-8859-1": "windows-1252", "latin1": "windows-1252", "latin-1": "windows-1252",
    "l1": "windows-1252", "us-ascii": "windows-1252", "ascii": "windows-1252",
    "cp1252": "windows-1252", "windows-1252": "windows-1252", "iso8859-1": "windows-1252",
}
_SINGLE_BYTE_WESTERN = {"windows-1252"}
# Python codecs that are no charset a page can be in (or that browsers refuse, utf-7).
_NOT_CHARSETS = frozenset({"unicode-escape", "raw-unicode-escape", "punycode", "idna", "utf-7",
                           "charmap", "undefined", "rot-13", "mbcs", "oem"})
_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_META = re.compile(rb"""<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(rb"""<\?xml\b[^>]*?encoding\s*=\s*["']\s*([A-Za-z0-9_.:-]+)""", re.I)
_PUNCTUATION = frozenset("，。、；：？！“”‘’（）《》〈〉【】『』「」…—～·－　％＋／＂＇［］｛｝")


@dataclass
class _Reading:
    text: str
    encoding: str
    errors: int


# -- counting decode errors -----------------------------------------------------------
_counter = threading.local()
_HANDLER = "jianyu-count-replace"


def _count_and_replace(err: UnicodeError):
    _counter.n = getattr(_counter, "n", 0) + 1
    return "\ufffd", err.end


codecs.register_error(_HANDLER, _count_and_replace)


def _decode(body: bytes, encoding: str) -> _Reading:
    """The body decoded with replacement, and how many errors were replaced. An
    incomplete character cut off at the very end (a truncated download) is dropped, not
    counted as an error."""
    decoder = codecs.getincrementaldecoder(encoding)(errors=_HANDLER)
    _counter.n = 0
    text = decoder.decode(body, final=False)
    return _Reading(text, encoding, _counter.n)


def _utf8_ok(body: bytes) -> bool:
    """True when the bytes are valid UTF-8 (a character cut off at the end allowed)."""
    try:
        codecs.getincrementaldecoder("utf-8")(errors="strict").decode(body, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _family(encoding: str) -> str:
    return "big5" if encoding in _BIG5 else encoding


# -- scoring a reading as Chinese -----------------------------------------------------------
@lru_cache(maxsize=1)
def _common_hanzi() -> frozenset[str]:
    """GB 2312 level 1 (3,755 common simplified characters) and Big5 level 1 (5,401
    common traditional ones), read from the codecs themselves."""
    chars: set[str] = set()
    ranges = [("gb2312", lead, range(0xA1, 0xFF)) for lead in range(0xB0, 0xD8)]
    ranges += [("big5", lead, (*range(0x40, 0x7F), *range(0xA1, 0xFF))) for lead in range(0xA4, 0xC6)]
    ranges.append(("big5", 0xC6, range(0x40, 0x7F)))
    for codec, lead, trails in ranges:
        for trail in trails:
            try:
                ch = bytes((lead, trail)).decode(codec)
            except UnicodeDecodeError:
                continue
            if "\u4e00" <= ch <= "\u9fff":
                chars.add(ch)
    return frozenset(chars)


def _score(reading: _Reading) -> float:
    """How much a reading looks like Chinese text: the share of its non-ASCII characters
    that are common Chinese characters or punctuation, each decode error counting as
    three bad characters. 1.0 for text without non-ASCII characters."""
    common = _common_hanzi()
    text = reading.text[:SCORE_BYTES]
    good = bad = 0
    for ch in text:
        if ch < "\x80":
            continue
        if ch in common or ch in _PUNCTUATION or "\uff01" <= ch <= "\uff5e":
            good += 1
        else:
            bad += 1
    bad += 3 * reading.errors
    if good + bad == 0:
        return 1.0
    return good / (good + bad)


def _best_chinese(body: bytes) -> tuple[_Reading, float]:
    """The better of the gb18030 and Big5 readings of the body, with its score."""
    sample = body[:SCORE_BYTES]
    scored = [(_score(r), r) for r in (_decode(sample, _GB), _big5_reading(sample))]
    score, reading = max(scored, key=lambda sr: sr[0])   # max keeps gb18030 on a tie
    return reading, score


def _big5_reading(body: bytes) -> _Reading:
    """big5hkscs, or cp950 when that decodes with fewer errors."""
    first = _decode(body, _BIG5[0])
    if not first.errors:
        return first
    second = _decode(body, _BIG5[1])
    return second if second.errors < first.errors else first


# -- declarations -------------------------------------------------------------------------
def _codec(label: str | bytes | None) -> str | None:
    """The codec a charset label means, as a browser reads it; None for an unknown label."""
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "replace")
    key = label.strip().strip("\"'").lower()
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        info = codecs.lookup(key)
    except (LookupError, ValueError):
        log.debug("unknown charset label %r", label)
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        log.debug("charset label %r is no page encoding", label)
        return None
    return _ALIASES.get(info.name, info.name)


def _header_charset(content_type: str | bytes | None) -> str | None:
    if not content_type:
        return None
    if isinstance(content_type, str):
        content_type = content_type.encode("latin-1", "replace")
    m = _CHARSET.search(content_type)
    return _codec(m.group(1)) if m else None


def _declared_charset(body: bytes) -> str | None:
    head = body[:SNIFF_BYTES]
    m = _XML_DECL.search(head) if head.lstrip().startswith(b"<?xml") else None
    m = m or _META.search(head)
    return _codec(m.group(1)) if m else None


def _try_declared(body: bytes, codec: str, has_high: bool) -> _Reading | None:
    """The declared reading if it holds up, else None."""
    if codec == "utf-8":
        return _decode(body, "utf-8") if _utf8_ok(body) else None
    if not has_high:
        return _decode(body, _BIG5[0] if codec == "big5" else codec)
    if _utf8_ok(body):
        # Valid UTF-8 with non-ASCII bytes is UTF-8 whatever is declared: GBK, Big5 or
        # Latin text is almost never valid UTF-8 by chance.
        log.debug("declared %s, but the bytes are UTF-8", codec)
        return None
    if codec == "big5":
        reading = _big5_reading(body)
    else:
        reading = _decode(body, codec)
    if reading.errors:
        log.debug("declared %s, but %d bytes do not decode", codec, reading.errors)
        return None
    if codec in (_GB, "big5") or codec in _SINGLE_BYTE_WESTERN:
        other, other_score = _best_chinese(body)
        own_score = _score(_Reading(reading.text[:SCORE_BYTES], codec, 0)) \
            if codec not in _SINGLE_BYTE_WESTERN else 0.0
        if _family(other.encoding) != _family(reading.encoding) and other_score >= GOOD_ENOUGH \
                and other_score > own_score + CLEARLY_BETTER:
            log.debug("declared %s (score %.2f), but the bytes read as %s (%.2f)",
                      codec, own_score, other.encoding, other_score)
            return None
    return reading


# -- the one entry point -------------------------------------------------------------------
def decode_body(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """The text of a page's bytes and the encoding used to read it (a Python codec name
    such as ``utf-8``, ``gb18030``, ``big5hkscs``). `content_type` is the HTTP header, if
    any (str or bytes). Never raises; undecodable bytes become U+FFFD."""
    if not body:
        return "", "utf-8"
    body = bytes(body)
    for bom, name in _BOMS:
        if body.startswith(bom):
            return _decode(body[len(bom):], name).text, name
    has_high = not body.isascii()
    tried = []
    for codec in (_header_charset(content_type), _declared_charset(body)):
        if codec is None or codec in tried:
            continue
        tried.append(codec)
        try:
            reading = _try_declared(body, codec, has_high)
        except Exception as e:  # noqa: BLE001 - a codec with odd rules must not fail the page
            log.debug("charset %s failed: %s", codec, e)
            reading = None
        if reading is not None:
            return reading.text, reading.encoding
    return _detect(body, has_high, tried)


def _detect(body: bytes, has_high: bool, tried: list[str]) -> tuple[str, str]:
    """UTF-8 if valid, else the better Chinese reading if good enough, else UTF-8 with
    errors replaced."""
    if not has_high or _utf8_ok(body):
        return _decode(body, "utf-8").text, "utf-8"
    sample, score = _best_chinese(body)
    if score >= GOOD_ENOUGH:
        if sample.encoding == _GB:
            reading = _decode(body, _GB)
        else:
            reading = _big5_reading(body)
        if tried:
            log.debug("declared %s, read as %s", "/".join(tried), reading.encoding)
        return reading.text, reading.encoding
    log.debug("encoding not recognised (best guess %s, score %.2f); reading as utf-8", sample.encoding, score)
    return _decode(body, "utf-8").text, "utf-8"
