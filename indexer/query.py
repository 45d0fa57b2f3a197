"""The analyst query language: parsed once into an AST that every backend compiles.

    检察院 公车私用                 both words (implicit AND)
    "公车 私用"                     a phrase
    A AND B, A OR B, NOT A          also written  +A  A | B  -A
    ( … )                           grouping
    platform:weibo  site:weibo.com  sentiment:negative  topic:conduct
    relevant:true  region:广东省  author:某某  title:通报  event:EVENT_ID
    date:2026-11-01..2026-11-07     a time range (either end may be left open)

Operators are upper case; lower-case `and`/`or`/`not` are ordinary words. Label
values may be given as codes or in Chinese (sentiment:负面, topic:公益诉讼).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from nlp.errors import PostError, QueryError
from nlp.labels import SENTIMENT_ZH, TOPIC_ZH, Platform, Sentiment, Topic

from .post import parse_time


class Node:
    """Base of every AST node."""


@dataclass(frozen=True)
class MatchAll(Node):
    pass


@dataclass(frozen=True)
class Term(Node):
    """A word; Chinese is segmented the way the index is, so it may match several tokens in a row."""
    text: str
    field: str = ""  # "" = title and body; "title" = title only


@dataclass(frozen=True)
class Phrase(Node):
    text: str
    field: str = ""


@dataclass(frozen=True)
class Filter(Node):
    """An exact filter on a stored field (labels, platform, site, region, author, event)."""
    field: str
    value: str


@dataclass(frozen=True)
class TimeRange(Node):
    """published_at in [start, end); either end may be None."""
    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class And(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    item: Node


FILTER_FIELDS = ("platform", "site", "sentiment", "topic", "relevant", "region", "author", "event")
TEXT_FIELDS = ("title",)
RANGE_FIELDS = ("date",)
ALL_FIELDS = FILTER_FIELDS + TEXT_FIELDS + RANGE_FIELDS

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<lparen>[(（])
  | (?P<rparen>[)）])
  | (?P<quote>["“”])
  | (?P<pipe>\|)
  | (?P<sign>[+\-](?=[^\s+\-|()（）]))
  | (?P<field>[A-Za-z_]+[:：])
  | (?P<word>[^\s()（）"“”|]+)
""", re.VERBOSE)


@dataclass
class _Tok:
    kind: str   # lparen rparen phrase pipe field word op eof
    text: str
    pos: int


def _lex(query: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i = 0
    n = len(query)
    while i < n:
        m = _TOKEN.match(query, i)
        if m is None:  # pragma: no cover - the word class matches anything else
            raise QueryError("unexpected character", query, i)
        kind = m.lastgroup or ""
        if kind == "ws":
            i = m.end()
            continue
        if kind == "quote":
            j = i + 1
            while j < n and query[j] not in "\"“”":
                j += 1
            if j >= n:
                raise QueryError("unterminated quote", query, i)
            toks.append(_Tok("phrase", query[i + 1:j], i))
            i = j + 1
            continue
        text = m.group()
        if kind == "field":
            toks.append(_Tok("field", text[:-1].lower(), i))
        elif kind == "word" and text in ("AND", "OR", "NOT"):
            toks.append(_Tok("op", text, i))
        else:
            toks.append(_Tok(kind, text, i))
        i = m.end()
    toks.append(_Tok("eof", "", n))
    return toks


class _Parser:
    def __init__(self, query: str):
        self.query = query
        self.toks = _lex(query)
        self.i = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def error(self, message: str, tok: _Tok | None = None) -> QueryError:
        return QueryError(message, self.query, (tok or self.peek()).pos)

    def parse(self) -> Node:
        if self.peek().kind == "eof":
            return MatchAll()
        node = self.or_expr()
        tok = self.peek()
        if tok.kind == "rparen":
            raise self.error("unmatched ')'", tok)
        if tok.kind != "eof":  # pragma: no cover - or_expr consumes until ) or eof
            raise self.error(f"unexpected {tok.text!r}", tok)
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.peek().kind == "pipe" or (self.peek().kind == "op" and self.peek().text == "OR"):
            op = self.take()
            if self.peek().kind in ("eof", "rparen"):
                raise self.error(f"'{op.text}' needs something after it", op)
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        items = [self.unary()]
        while True:
            tok = self.peek()
            if tok.kind in ("eof", "rparen", "pipe") or (tok.kind == "op" and tok.text == "OR"):
                break
            if tok.kind == "op" and tok.text == "AND":
                self.take()
                if self.peek().kind in ("eof", "rparen"):
                    raise self.error("'AND' needs something after it", tok)
            items.append(self.unary())
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self) -> Node:
        tok = self.peek()
        if tok.kind == "op" and tok.text == "NOT":
            self.take()
            if self.peek().kind in ("eof", "rparen"):
                raise self.error("'NOT' needs something after it", tok)
            return Not(self.unary())
        if tok.kind == "sign":
            self.take()
            node = self.primary()
            return Not(node) if tok.text == "-" else node
        if tok.kind == "op":
            raise self.error(f"'{tok.text}' needs something before it", tok)
        if tok.kind == "pipe":
            raise self.error("'|' needs something before it", tok)
        return self.primary()

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind == "lparen":
            if self.peek().kind == "rparen":
                raise self.error("empty parentheses", tok)
            if self.peek().kind == "eof":
                raise self.error("unclosed '('", tok)
            node = self.or_expr()
            if self.peek().kind != "rparen":
                raise self.error("unclosed '('", tok)
            self.take()
            return node
        if tok.kind == "rparen":
            raise self.error("unmatched ')'", tok)
        if tok.kind == "phrase":
            text = tok.text.strip()
            if not text:
                raise self.error("empty phrase", tok)
            return Phrase(text)
        if tok.kind == "field":
            return self.field(tok)
        if tok.kind == "word":
            return self.word(tok)
        raise self.error("the query ends too early", tok)  # eof

    def word(self, tok: _Tok) -> Node:
        text = tok.text
        if text in ("+", "-"):
            nxt = self.peek()
            if nxt.kind in ("eof", "rparen", "pipe", "op"):
                raise self.error(f"'{text}' needs something after it", tok)
            node = self.primary()
            return Not(node) if text == "-" else node
        return Term(text)

    def field(self, tok: _Tok) -> Node:
        name = tok.text
        if name not in ALL_FIELDS:
            raise self.error(f"unknown field '{name}' (allowed: {', '.join(ALL_FIELDS)})", tok)
        val = self.peek()
        if val.kind not in ("word", "phrase"):
            raise self.error(f"'{name}:' needs a value", tok)
        self.take()
        value = val.text.strip()
        if not value:
            raise self.error(f"'{name}:' needs a value", tok)
        if name in TEXT_FIELDS:
            return Phrase(value, name) if val.kind == "phrase" else Term(value, name)
        if name in RANGE_FIELDS:
            return _time_range(value, self.query, val.pos)
        return Filter(name, _filter_value(name, value, self.query, val.pos))


def _filter_value(name: str, value: str, query: str, pos: int) -> str:
    if name == "sentiment":
        return _label(value, Sentiment, {v: k.value for k, v in SENTIMENT_ZH.items()}, name, query, pos)
    if name == "topic":
        return _label(value, Topic, {v: k.value for k, v in TOPIC_ZH.items()}, name, query, pos)
    if name == "platform":
        return _label(value, Platform, {}, name, query, pos)
    if name == "relevant":
        low = value.lower()
        if low in ("true", "1", "yes", "是"):
            return "true"
        if low in ("false", "0", "no", "否"):
            return "false"
        raise QueryError(f"relevant: {value!r} is not allowed (allowed: true, false)", query, pos)
    return value


def _label(value: str, kind: type, zh: dict[str, str], name: str, query: str, pos: int) -> str:
    low = value.lower()
    if low in {m.value for m in kind}:
        return low
    if value in zh:
        return zh[value]
    allowed = ", ".join(m.value for m in kind)
    raise QueryError(f"{name}: {value!r} is not allowed (allowed: {allowed})", query, pos)


def _time_range(value: str, query: str, pos: int) -> TimeRange:
    if ".." not in value:
        start = _day(value, query, pos)
        return TimeRange(start, start + timedelta(days=1))
    left, right = value.split("..", 1)
    start = _day(left, query, pos) if left else None
    end = _day(right, query, pos + len(left) + 2) + timedelta(days=1) if right else None
    if start is None and end is None:
        raise QueryError("date: give at least one end of the range", query, pos)
    if start and end and start >= end:
        raise QueryError("date: the range ends before it starts", query, pos)
    return TimeRange(start, end)


def _day(text: str, query: str, pos: int) -> datetime:
    try:
        return parse_time(text, "date")
    except PostError:
        raise QueryError(f"date: {text!r} is not a date (use YYYY-MM-DD)", query, pos) from None


def parse(query: str) -> Node:
    """Parse an analyst query; raises QueryError saying where it is wrong."""
    if not isinstance(query, str):
        raise QueryError("the query must be text")
    return _Parser(query).parse()


def filter_node(field: str, value: object) -> Filter:
    """A validated filter, for options given outside the query text (e.g. --topic)."""
    if field not in FILTER_FIELDS:
        raise QueryError(f"unknown field '{field}' (allowed: {', '.join(FILTER_FIELDS)})")
    text = ("true" if value else "false") if isinstance(value, bool) else str(value).strip()
    return Filter(field, _filter_value(field, text, "", 0))


def combine(*nodes: Node) -> Node:
    """AND the given nodes together, leaving out match-all ones."""
    items: list[Node] = []
    for n in nodes:
        if isinstance(n, And):
            items.extend(n.items)
        elif not isinstance(n, MatchAll):
            items.append(n)
    if not items:
        return MatchAll()
    return items[0] if len(items) == 1 else And(tuple(items))


def positive_terms(node: Node) -> list[str]:
    """The words and phrases a hit should show highlighted (not those under NOT)."""
    out: list[str] = []

    def walk(n: Node, negated: bool) -> None:
        if isinstance(n, (Term, Phrase)) and not negated:
            out.append(n.text)
        elif isinstance(n, (And, Or)):
            for item in n.items:
                walk(item, negated)
        elif isinstance(n, Not):
            walk(n.item, not negated)

    walk(node, False)
    return out


def to_text(node: Node) -> str:
    """Write an AST back as a query that parses to the same AST."""
    if isinstance(node, MatchAll):
        return ""
    if isinstance(node, Term):
        return f"{node.field}:{node.text}" if node.field else node.text
    if isinstance(node, Phrase):
        return f'{node.field}:"{node.text}"' if node.field else f'"{node.text}"'
    if isinstance(node, Filter):
        v = node.value
        return f'{node.field}:"{v}"' if re.search(r'[\s()（）|]', v) else f"{node.field}:{v}"
    if isinstance(node, TimeRange):
        s = node.start.date().isoformat() if node.start else ""
        e = (node.end - timedelta(days=1)).date().isoformat() if node.end else ""
        return f"date:{s}..{e}"
    if isinstance(node, Not):
        return f"NOT {_wrap(node.item)}"
    if isinstance(node, And):
        return " AND ".join(_wrap(i) for i in node.items)
    if isinstance(node, Or):
        return " OR ".join(_wrap(i) for i in node.items)
    raise TypeError(node)


def _wrap(node: Node) -> str:
    return f"({to_text(node)})" if isinstance(node, (And, Or)) else to_text(node)
