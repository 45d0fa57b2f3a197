"""Compile the query AST to SQLite: FTS5 MATCH expressions for text, SQL for filters.

Text subtrees that FTS5 can express become one MATCH; everything else is combined in
SQL. The result is a WHERE clause over the `posts` table aliased `p`, plus, when the
whole query is "some text AND filters", the MATCH expression to join on for ranking.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .query import And, Filter, MatchAll, Node, Not, Or, Phrase, Term, TimeRange

Segmenter = Callable[[str], list[str]]

_FILTER_SQL = {
    "platform": "p.platform = ?",
    "sentiment": "p.sentiment = ?",
    "topic": "p.topic = ?",
    "author": "p.author = ?",
    "event": "p.event_id = ?",
}


@dataclass
class Compiled:
    match: str | None = None          # FTS5 expression to JOIN on (None: no join)
    where: list[str] = field(default_factory=list)
    params: list = field(default_factory=list)
    empty: bool = False               # the query can match nothing (e.g. only stop characters)
    lo: int | None = None             # rowid range [lo, hi) of the query's top-level time window
    hi: int | None = None

    def sql(self, join: bool = True) -> tuple[str, str, list]:
        """FROM, WHERE and parameters. With a MATCH and `join` false, only the FTS table is
        read (enough to count when nothing else filters)."""
        if self.match is None:
            where, params = list(self.where), list(self.params)
            frm, col = "posts p", "p.rowid"
        else:
            where, params = ["posts_fts MATCH ?", *self.where], [self.match, *self.params]
            frm = "posts_fts f JOIN posts p ON p.rowid = f.rowid" if join else "posts_fts f"
            col = "f.rowid"  # FTS5 seeks straight into the time window
        if self.lo is not None:
            where.insert(1 if self.match else 0, f"{col} >= ?")
            params.insert(1 if self.match else 0, self.lo)
        if self.hi is not None:
            i = (1 if self.match else 0) + (self.lo is not None)
            where.insert(i, f"{col} < ?")
            params.insert(i, self.hi)
        return frm, " AND ".join(where) or "1", params


class SqliteCompiler:
    def __init__(self, segment: Segmenter, ts_shift: int):
        self.segment = segment
        self.ts_shift = ts_shift

    def compile(self, node: Node) -> Compiled:
        out = Compiled()
        items = list(node.items) if isinstance(node, And) else [node]
        for window in [i for i in items if isinstance(i, TimeRange)]:
            items.remove(window)
            if window.start is not None:
                lo = int(window.start.timestamp()) << self.ts_shift
                out.lo = lo if out.lo is None else max(out.lo, lo)
            if window.end is not None:
                hi = int(window.end.timestamp()) << self.ts_shift
                out.hi = hi if out.hi is None else min(out.hi, hi)
        text_items = [i for i in items if _is_text(i)]
        rest = [i for i in items if not _is_text(i)]
        # The positive text part goes into one MATCH that the search joins on.
        if text_items and any(not isinstance(i, Not) for i in text_items):
            expr = self._fts(And(tuple(text_items)) if len(text_items) > 1 else text_items[0])
            if expr is None:
                out.empty = True
                return out
            out.match = expr
        else:
            rest = items
        for item in rest:
            sql, params = self._sql(item)
            out.where.append(sql)
            out.params.extend(params)
        return out

    # -- SQL ---------------------------------------------------------------
    def _sql(self, node: Node) -> tuple[str, list]:
        if isinstance(node, MatchAll):
            return "1", []
        if _is_text(node) and not isinstance(node, Not):
            expr = self._fts(node)
            if expr is None:
                return "0", []
            return "p.rowid IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)", [expr]
        if isinstance(node, Filter):
            return self._filter(node)
        if isinstance(node, TimeRange):
            parts, params = [], []
            if node.start is not None:
                parts.append("p.rowid >= ?")
                params.append(int(node.start.timestamp()) << self.ts_shift)
            if node.end is not None:
                parts.append("p.rowid < ?")
                params.append(int(node.end.timestamp()) << self.ts_shift)
            return "(" + " AND ".join(parts) + ")", params
        if isinstance(node, Not):
            sql, params = self._sql(node.item)
            return f"NOT ({sql})", params
        if isinstance(node, (And, Or)):
            joiner = " AND " if isinstance(node, And) else " OR "
            parts, params = [], []
            for item in node.items:
                s, p = self._sql(item)
                parts.append(s)
                params.extend(p)
            return "(" + joiner.join(parts) + ")", params
        raise TypeError(node)  # pragma: no cover

    def _filter(self, node: Filter) -> tuple[str, list]:
        if node.field == "relevant":
            return "p.relevant = ?", [1 if node.value == "true" else 0]
        if node.field == "region":
            return "(p.region = ? OR p.region LIKE ? ESCAPE '\\')", [node.value, _like_prefix(node.value) + "/%"]
        if node.field == "site":
            return "(p.site = ? OR p.site LIKE ? ESCAPE '\\')", [node.value, "%." + _like_prefix(node.value)]
        return _FILTER_SQL[node.field], [node.value]

    # -- FTS5 --------------------------------------------------------------
    def _fts(self, node: Node) -> str | None:
        """An FTS5 expression, or None when the node can match nothing."""
        if isinstance(node, (Term, Phrase)):
            tokens = [t for t in self.segment(node.text) if t.strip()]
            if not tokens:
                return None
            phrase = '"' + " ".join(t.replace('"', '""') for t in tokens) + '"'
            return f"{{title title_parts}} : {phrase}" if node.field == "title" else phrase
        if isinstance(node, Or):
            parts = [p for p in (self._fts(i) for i in node.items) if p is not None]
            return "(" + " OR ".join(parts) + ")" if parts else None
        if isinstance(node, And):
            pos = [i for i in node.items if not isinstance(i, Not)]
            neg = [i.item for i in node.items if isinstance(i, Not)]
            pos_parts = [self._fts(i) for i in pos]
            if any(p is None for p in pos_parts):
                return None
            expr = "(" + " AND ".join(pos_parts) + ")"  # type: ignore[arg-type]
            for n in neg:
                e = self._fts(n)
                if e is not None:
                    expr = f"({expr} NOT {e})"
            return expr
        raise TypeError(node)  # pragma: no cover


def _is_text(node: Node) -> bool:
    """True when FTS5 alone can evaluate the node."""
    if isinstance(node, (Term, Phrase)):
        return True
    if isinstance(node, Or):
        return all(_is_text(i) and not isinstance(i, Not) for i in node.items)
    if isinstance(node, And):
        return all(_is_text(i) for i in node.items) and any(not isinstance(i, Not) for i in node.items)
    if isinstance(node, Not):
        return _is_text(node.item) and not isinstance(node.item, Not)
    return False


def _like_prefix(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
