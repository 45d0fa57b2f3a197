"""The embedded default store: one SQLite file, WAL, FTS5 over the segmented text.

The FTS columns hold the space-joined tokens of the title and the body, and in
columns of their own the dictionary words inside longer tokens (公益诉讼 inside
行政公益诉讼), so a query word finds them while phrases keep their adjacency.

Row ids encode time: rowid = (epoch seconds << 20) + n, so the posts table and the
FTS index are both in time order, a time filter is a rowid range that FTS5 seeks to,
and "newest first" reads stop after the page they need.

A second number, `seq`, counts writes: every post inserted or changed gets the next
value of a counter kept in `meta`, taken inside the write transaction, so readers that
follow the store (`stored_since`) see seqs appear in increasing order even with several
writer processes. Setting event ids leaves `seq` alone: the event builder, which sets
them, would otherwise read its own writes back as new posts.
"""
from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from datetime import datetime, timezone
from operator import itemgetter
from pathlib import Path
from typing import Iterable, Iterator

import orjson

from nlp.errors import BadInput, StoreError
from nlp.labels import Platform, Sentiment, Topic
from nlp.tokenize import segment_query, subwords, tokenize

from .highlight import highlight
from .post import SHANGHAI, Post
from .query import Node, positive_terms
from .sqlite_alerts import SqliteAlertState
from .sqlite_crawl import CrawlState
from .sqlite_query import SqliteCompiler
from .store import (INTERVALS, Hit, QuarantineRecord, SearchRequest, SearchResult, Store, UpsertResult,
                    check_counts_args, check_facet_fields, check_sort, last_per_id, query_ast)
from .urls import canonical_url

log = logging.getLogger(__name__)

TS_SHIFT = 20
SLOT = 1 << TS_SHIFT
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS posts (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    ts INTEGER NOT NULL,
    url TEXT, canonical_url TEXT, platform TEXT, site TEXT, author TEXT, title TEXT, text TEXT,
    published_at TEXT, crawled_at TEXT, lang TEXT, region TEXT,
    relevant INTEGER, sentiment TEXT, topic TEXT, event_id TEXT, dup_of TEXT, source TEXT,
    fingerprint INTEGER, reposts INTEGER, comments INTEGER, likes INTEGER,
    keywords TEXT, watch_terms TEXT, input_hash TEXT, doc_hash TEXT, seq INTEGER
);
CREATE VIRTUAL TABLE IF NOT EXISTS posts_fts USING fts5(
    title, body, title_parts, body_parts, tokenize = 'unicode61 remove_diacritics 0');
CREATE TABLE IF NOT EXISTS quarantine (
    id INTEGER PRIMARY KEY,
    source TEXT, line INTEGER, stage TEXT, error TEXT, raw TEXT, created_at TEXT
);
"""

INDEXES = """
CREATE INDEX IF NOT EXISTS posts_url ON posts(canonical_url);
CREATE INDEX IF NOT EXISTS posts_ts_labels ON posts(ts, topic, sentiment, platform, relevant);
CREATE INDEX IF NOT EXISTS posts_event ON posts(event_id);
CREATE INDEX IF NOT EXISTS posts_seq ON posts(seq);
"""

_COLUMNS = ("id", "ts", "url", "canonical_url", "platform", "site", "author", "title", "text",
            "published_at", "crawled_at", "lang", "region", "relevant", "sentiment", "topic",
            "event_id", "dup_of", "source", "fingerprint", "reposts", "comments", "likes",
            "keywords", "watch_terms", "input_hash", "doc_hash")
_SELECT = "p.rowid, " + ", ".join(f"p.{c}" for c in _COLUMNS)
_INSERT_POST = f"INSERT INTO posts (rowid, {', '.join(_COLUMNS)}, seq) VALUES (?{', ?' * len(_COLUMNS)}, ?)"
_TS, _HASH, _EVENT = _COLUMNS.index("ts"), _COLUMNS.index("doc_hash"), _COLUMNS.index("event_id")
_CRAWLED = _COLUMNS.index("crawled_at")
_GROUP_SQL = {"relevant": "p.relevant", "event_id": "p.event_id"}


class SqliteStore(Store):
    def __init__(self, path: str | Path, *, timeout: float = 30.0):
        self.path = Path(path)
        if str(path) != ":memory:":
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"cannot create the store folder {self.path.parent}: {e}") from None
        try:
            self.db = sqlite3.connect(str(path), timeout=timeout, check_same_thread=False,
                                      isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA cache_size=-65536")
            self.db.executescript(SCHEMA)
            self._add_missing_columns()
            self.db.executescript(INDEXES)
        except sqlite3.Error as e:
            raise StoreError(f"cannot open the SQLite store {self.path}: {e}") from None
        self.lock = threading.RLock()
        self.compiler = SqliteCompiler(segment_query, TS_SHIFT)
        self.crawl = CrawlState(self.db, self.lock)
        self.alerts = SqliteAlertState(self.db, self.lock)
        with self.lock:
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    def _add_missing_columns(self) -> None:
        """A store written by an earlier version gets the columns added since (empty)."""
        have = {row[1] for row in self.db.execute("PRAGMA table_info(posts)")}
        for column in _COLUMNS:
            if column not in have:
                log.info("store %s: adding column %s", self.path, column)
                self.db.execute(f"ALTER TABLE posts ADD COLUMN {column}")
        if "seq" not in have:
            self._add_seq()

    def _add_seq(self) -> None:
        """Number the posts of an older store in time order, so a follower starting from
        the beginning reads them all once."""
        log.info("store %s: adding column seq", self.path)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if any(row[1] == "seq" for row in self.db.execute("PRAGMA table_info(posts)")):
                self.db.execute("ROLLBACK")   # another process added it first
                return
            self.db.execute("ALTER TABLE posts ADD COLUMN seq INTEGER")
            self.db.execute("UPDATE posts SET seq = o.n FROM (SELECT rowid AS r, row_number() OVER "
                            "(ORDER BY rowid) AS n FROM posts) AS o WHERE posts.rowid = o.r")
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('post_seq', "
                            "(SELECT coalesce(max(seq), 0) FROM posts))")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        with self.lock:
            self.db.close()

    # -- writing -------------------------------------------------------------
    def upsert(self, posts: Iterable[Post]) -> UpsertResult:
        posts = last_per_id(posts)
        result = UpsertResult()
        if not posts:
            return result
        rows = [_row(p) for p in posts]
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                # read inside the write transaction: another process may have written since
                existing = self._existing(p.id for p in posts)
                seq = self._last_seq()
                taken: dict[int, int] = {}
                gone: list[tuple[int]] = []
                post_rows: list[tuple] = []
                fts_rows: list[tuple] = []
                for post, row in zip(posts, rows):
                    old = existing.get(post.id)
                    if old is not None:
                        old_rowid, old_hash, old_event = old
                        if old_hash == row[_HASH]:
                            result.unchanged += 1
                            continue
                        if not row[_EVENT] and old_event:
                            # a re-crawled post does not know its event; keep the one it has
                            row = row[:_EVENT] + (old_event,) + row[_EVENT + 1:]
                        gone.append((old_rowid,))
                        result.updated += 1
                    else:
                        result.inserted += 1
                    rowid = self._next_rowid(row[_TS], taken)
                    seq += 1
                    post_rows.append((rowid, *row, seq))
                    fts_rows.append((rowid, *_fts_columns(post)))
                if post_rows:
                    self.db.execute("UPDATE meta SET value = ? WHERE key = 'post_seq'", (str(seq),))
                if gone:
                    self.db.executemany("DELETE FROM posts WHERE rowid = ?", gone)
                    self.db.executemany("DELETE FROM posts_fts WHERE rowid = ?", gone)
                # In rowid order: FTS5 flushes its pending terms to a new segment whenever
                # a rowid is lower than the last one, and a crawl meets posts newest first.
                post_rows.sort(key=_first)
                fts_rows.sort(key=_first)
                self.db.executemany(_INSERT_POST, post_rows)
                self.db.executemany("INSERT INTO posts_fts (rowid, title, body, title_parts, body_parts) "
                                    "VALUES (?, ?, ?, ?, ?)", fts_rows)
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        return result

    def _existing(self, ids: Iterable[str]) -> dict[str, tuple[int, str, str]]:
        """id -> (rowid, doc_hash, event_id) of the posts already stored."""
        out: dict[str, tuple[int, str, str]] = {}
        ids = list(ids)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            q = f"SELECT id, rowid, doc_hash, event_id FROM posts WHERE id IN ({','.join('?' * len(chunk))})"
            for pid, rowid, h, event in self.db.execute(q, chunk):
                out[pid] = (rowid, h, event or "")
        return out

    def _last_seq(self) -> int:
        """The counter behind `seq`; call inside a write transaction."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'post_seq'").fetchone()
        if row is None:
            (last,) = self.db.execute("SELECT coalesce(max(seq), 0) FROM posts").fetchone()
            self.db.execute("INSERT INTO meta VALUES ('post_seq', ?)", (str(last),))
            return last
        return int(row[0])

    def set_event_ids(self, assignments: dict[str, str]) -> int:
        rows = [(event, pid) for pid, event in assignments.items()]
        if not rows:
            return 0
        found = 0
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                for i in range(0, len(rows), 500):
                    found += self.db.executemany("UPDATE posts SET event_id = ? WHERE id = ?",
                                                 rows[i:i + 500]).rowcount
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        return found

    def _next_rowid(self, ts: int, taken: dict[int, int]) -> int:
        base = ts << TS_SHIFT
        last = taken.get(ts)
        if last is None:
            (last,) = self.db.execute("SELECT max(rowid) FROM posts WHERE rowid >= ? AND rowid < ?",
                                      (base, base + SLOT)).fetchone()
            if last is None:
                last = base - 1
        if last + 1 >= base + SLOT:
            raise StoreError(f"more than {SLOT} posts in one second at {ts}")
        taken[ts] = last + 1
        return last + 1

    # -- reading -------------------------------------------------------------
    def get(self, post_id: str) -> Post | None:
        return self.get_many([post_id]).get(post_id)

    def get_many(self, ids: Iterable[str]) -> dict[str, Post]:
        ids = list(dict.fromkeys(ids))
        out: dict[str, Post] = {}
        with self.lock:
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                q = f"SELECT {_SELECT}, f.body FROM posts p JOIN posts_fts f ON f.rowid = p.rowid WHERE p.id IN ({','.join('?' * len(chunk))})"
                for r in self.db.execute(q, chunk):
                    post = _post(r)
                    post.tokens = r[-1].split() if r[-1] else []
                    out[post.id] = post
        return out

    def input_hashes(self, ids: Iterable[str]) -> dict[str, str]:
        ids = list(ids)
        out: dict[str, str] = {}
        with self.lock:
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                q = f"SELECT id, input_hash FROM posts WHERE id IN ({','.join('?' * len(chunk))})"
                out.update((pid, h) for pid, h in self.db.execute(q, chunk) if h)
        return out

    def ids_for_urls(self, canonical_urls: Iterable[str]) -> dict[str, str]:
        urls = [u for u in dict.fromkeys(canonical_urls) if u]
        out: dict[str, str] = {}
        with self.lock:
            for i in range(0, len(urls), 500):
                chunk = urls[i:i + 500]
                q = f"SELECT canonical_url, id FROM posts WHERE canonical_url IN ({','.join('?' * len(chunk))})"
                out.update(self.db.execute(q, chunk).fetchall())
        return out

    def count(self) -> int:
        with self.lock:
            return self.db.execute("SELECT count(*) FROM posts").fetchone()[0]

    def search(self, request: SearchRequest) -> SearchResult:
        check_sort(request.sort)
        ast = request.ast()
        compiled = self.compiler.compile(ast)
        if compiled.empty:
            return SearchResult(total=0)
        frm, where, params = compiled.sql(join=True)
        ranked = compiled.match is not None
        if ranked and request.sort == "relevance":
            select, order = "f.rank", "f.rank"   # bm25: costs a pass over each term's documents
        elif ranked:
            select, order = "0", "f.rowid DESC"  # FTS5 reads its index in time order; no sort
        else:
            select, order = "0", "p.rowid DESC"
        count_frm, count_where, count_params = compiled.sql(join=bool(compiled.where))
        with self.lock:
            total = self.db.execute(f"SELECT count(*) FROM {count_frm} WHERE {count_where}",
                                    count_params).fetchone()[0]
            rows = self.db.execute(
                f"SELECT {_SELECT}, {select} FROM {frm} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
                [*params, request.limit, request.offset]).fetchall()
        terms = positive_terms(ast)
        hits = []
        for r in rows:
            post = _post(r[:-1])
            hits.append(Hit(post=post, score=-float(r[-1] or 0.0), highlight=highlight(post.text, terms)))
        return SearchResult(total=total, hits=hits)

    def _compile(self, ast: Node, join: bool = True) -> tuple[str | None, str, list, bool]:
        """FROM clause, WHERE clause, parameters, and whether the FTS rank is available;
        FROM is None when the query can match nothing."""
        compiled = self.compiler.compile(ast)
        if compiled.empty:
            return None, "", [], False
        return (*compiled.sql(join), compiled.match is not None)

    def counts(self, start: datetime, end: datetime, interval: str = "hour",
               group_by: str | None = None, query: str | Node = "") -> list[tuple[datetime, str, int]]:
        check_counts_args(interval, group_by)
        step = INTERVALS[interval]
        offset = 8 * 3600 if interval == "day" else 0  # days start at midnight in Asia/Shanghai
        frm, where, params, _ = self._compile(query_ast(query, start, end))
        if frm is None:
            return []
        bucket = f"(p.ts + {offset}) - ((p.ts + {offset}) % {step}) - {offset}"
        group = _GROUP_SQL.get(group_by or "", f"p.{group_by}") if group_by else "''"
        sql = (f"SELECT {bucket} AS b, {group} AS g, count(*) FROM {frm} WHERE {where} "
               f"AND p.ts >= ? AND p.ts < ? GROUP BY b, g ORDER BY b, g")
        with self.lock:
            rows = self.db.execute(sql, [*params, int(start.timestamp()), int(end.timestamp())]).fetchall()
        return [(datetime.fromtimestamp(b, SHANGHAI), _group_value(g), n) for b, g, n in rows]

    def facets(self, fields: Iterable[str], query: str | Node = "", start: datetime | None = None,
               end: datetime | None = None, size: int = 20) -> dict[str, list[tuple[str, int]]]:
        frm, where, params, _ = self._compile(query_ast(query, start, end))
        fields = list(fields)
        check_facet_fields(fields)
        out: dict[str, list[tuple[str, int]]] = {}
        for fld in fields:
            if frm is None:
                out[fld] = []
                continue
            col = _GROUP_SQL.get(fld, f"p.{fld}")
            sql = (f"SELECT {col} AS v, count(*) AS n FROM {frm} WHERE {where} "
                   f"GROUP BY v ORDER BY n DESC, v LIMIT ?")
            with self.lock:
                rows = self.db.execute(sql, [*params, size]).fetchall()
            out[fld] = [(_group_value(v), n) for v, n in rows]
        return out

    def scan(self, start: datetime | None = None, end: datetime | None = None,
             query: str | Node = "", batch_size: int = 1000) -> Iterator[Post]:
        frm, where, params, _ = self._compile(query_ast(query, start, end))
        if frm is None:
            return
        last = None
        while True:
            cond = where + ("" if last is None else " AND p.rowid > ?")
            ps = params + ([] if last is None else [last])
            with self.lock:
                rows = self.db.execute(f"SELECT {_SELECT} FROM {frm} WHERE {cond} ORDER BY p.rowid LIMIT ?",
                                       [*ps, batch_size]).fetchall()
            if not rows:
                return
            for r in rows:
                yield _post(r)
            last = rows[-1][0]

    def stored_since(self, cursor: str | None, limit: int = 1000) -> tuple[list[Post], str]:
        try:
            after = int(cursor) if cursor else 0
        except ValueError:
            raise BadInput(f"not a cursor of this store: {cursor!r}") from None
        with self.lock:
            rows = self.db.execute(
                # CROSS JOIN keeps posts first: otherwise the planner may scan the whole FTS table
                f"SELECT {_SELECT}, f.body, p.seq FROM posts p CROSS JOIN posts_fts f ON f.rowid = p.rowid "
                "WHERE p.seq > ? ORDER BY p.seq LIMIT ?", (after, limit)).fetchall()
        posts = []
        for r in rows:
            post = _post(r[:-2])
            post.tokens = r[-2].split() if r[-2] else []
            posts.append(post)
        return posts, str(rows[-1][-1] if rows else after)

    def newest_cursor(self) -> str:
        with self.lock:
            (last,) = self.db.execute("SELECT coalesce(max(seq), 0) FROM posts").fetchone()
        return str(last)

    def recent_fingerprints(self, limit: int) -> list[tuple[str, int]]:
        with self.lock:
            rows = self.db.execute(
                "SELECT id, fingerprint FROM posts WHERE dup_of = '' AND fingerprint != 0 "
                "ORDER BY rowid DESC LIMIT ?", (limit,)).fetchall()
        return rows[::-1]

    # -- quarantine ----------------------------------------------------------
    def quarantine(self, records: Iterable[QuarantineRecord]) -> int:
        now = datetime.now(timezone.utc).isoformat()
        rows = [(r.source, r.line, r.stage, r.error, r.raw, (r.created_at.isoformat() if r.created_at else now))
                for r in records]
        with self.lock:
            self.db.executemany("INSERT INTO quarantine (source, line, stage, error, raw, created_at) "
                                "VALUES (?, ?, ?, ?, ?, ?)", rows)
        return len(rows)

    def quarantined(self, limit: int | None = None) -> list[QuarantineRecord]:
        with self.lock:
            rows = self.db.execute("SELECT id, source, line, stage, error, raw, created_at FROM quarantine "
                                   "ORDER BY id LIMIT ?", (-1 if limit is None else limit,)).fetchall()
        return [QuarantineRecord(id=i, source=s, line=ln, stage=st, error=e, raw=raw,
                                 created_at=datetime.fromisoformat(c)) for i, s, ln, st, e, raw, c in rows]

    def release(self, record_ids: Iterable[int]) -> int:
        ids = [(i,) for i in record_ids]
        with self.lock:
            self.db.executemany("DELETE FROM quarantine WHERE id = ?", ids)
        return len(ids)


_first = itemgetter(0)


def _fts_columns(post: Post) -> tuple[str, str, str, str]:
    title = tokenize(post.title) if post.title else []
    body = post.tokens or tokenize(post.text)
    return (" ".join(title), " ".join(body), " ".join(subwords(title)), " ".join(subwords(body)))


def _row(post: Post) -> tuple:
    """The posts-table values of a post, in _COLUMNS order."""
    published = post.published_at.isoformat() if post.published_at else None
    crawled = post.crawled_at.isoformat() if post.crawled_at else None
    keywords = orjson.dumps(post.keywords).decode()
    watch = orjson.dumps(post.watch_terms).decode()
    relevant = None if post.relevant is None else int(post.relevant)
    sentiment = post.sentiment.value if post.sentiment else None
    topic = post.topic.value if post.topic else None
    values = [post.id, int(post.when.timestamp()), post.url, canonical_url(post.url), post.platform.value,
              post.site, post.author, post.title, post.text, published, crawled, post.lang, post.region,
              relevant, sentiment, topic, post.event_id, post.dup_of, post.source, post.fingerprint,
              post.reposts, post.comments, post.likes, keywords, watch, post.input_hash]
    # Everything but the crawl time and the event decides whether a stored post changed:
    # events are assigned later (set_event_ids) and a re-crawl does not know them.
    content = orjson.dumps([v for i, v in enumerate(values) if i not in (_CRAWLED, _EVENT)])
    values.append(hashlib.blake2b(content, digest_size=12).hexdigest())
    return tuple(values)


def _post(r: tuple) -> Post:
    d = dict(zip(("rowid", *_COLUMNS), r))
    return Post(
        id=d["id"], text=d["text"] or "", url=d["url"] or "",
        platform=Platform(d["platform"]) if d["platform"] else Platform.OTHER,
        site=d["site"] or "", author=d["author"] or "", title=d["title"] or "",
        published_at=datetime.fromisoformat(d["published_at"]) if d["published_at"] else None,
        crawled_at=datetime.fromisoformat(d["crawled_at"]) if d["crawled_at"] else None,
        lang=d["lang"] or "", region=d["region"] or "",
        keywords=orjson.loads(d["keywords"]) if d["keywords"] else [],
        event_id=d["event_id"] or "", reposts=d["reposts"] or 0, comments=d["comments"] or 0,
        likes=d["likes"] or 0,
        relevant=None if d["relevant"] is None else bool(d["relevant"]),
        sentiment=Sentiment(d["sentiment"]) if d["sentiment"] else None,
        topic=Topic(d["topic"]) if d["topic"] else None,
        source=d["source"] or "", dup_of=d["dup_of"] or "", fingerprint=d["fingerprint"] or 0,
        watch_terms=orjson.loads(d["watch_terms"]) if d["watch_terms"] else [],
        input_hash=d["input_hash"] or "",
    )


def _group_value(v) -> str:
    if v is None:
        return ""
    if isinstance(v, int):
        return "true" if v else "false"
    return str(v)
