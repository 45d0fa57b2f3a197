"""Weibo keyword search through the mobile API (m.weibo.cn's ``/api/container/getIndex``).

The source's first URL is the getIndex endpoint. For each keyword the spider pages
through ``containerid=100103type%3D1%26q%3D<kw>&page_type=searchall&page=<n>`` (up to
max_pages, until ``ok: 0`` or a page without posts); every card's ``mblog`` becomes a
Post: id from platform + mid, url ``<origin>/detail/<mid>`` (https://m.weibo.cn/detail/<mid>
on Weibo), text from the HTML (emoticons kept as ``[怒]``, a repost's ``//@`` chain kept),
time from ``created_at`` (absolute or relative), author, reposts / comments / likes
("152.3万" read as a number), region from ``region_name`` ("发布于 广东", read as "广东省").
A reposted original (``retweeted_status``) is a post of its own. An ``isLongText`` post
gets its full text from ``<origin>/statuses/extend?id=<mid>``, or keeps the truncated one.

Time slicing. The API shows a limited number of pages per query. A query is truncated
when its pages run out on a full page (the API's own cap), when max_pages is reached with
more on offer, or when ``cardlistInfo.total`` says more than was collected. A truncated
keyword search whose total says more, or whose posts all lie inside the round's window
(the last 24 hours, or 4 × the source's interval if longer), is searched again in the two
halves of that window (``&starttime=&endtime=``, unix seconds, end exclusive); a truncated
half is halved again, down to slices of MIN_SLICE (a capped slice that small is logged).
Halving needs the API to honour the window, not to sort by time (searchall is ranked).

API pages are fetched every round (article=False); a post seen twice in a round is
yielded once, and the ingest chain dedups by id across rounds. For a post stored in an
earlier round, its full text and a time read from a year-less form ("3分钟前", "昨天 14:20")
are kept, so a re-crawl neither refetches nor blurs them.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from indexer.post import SHANGHAI, Platform, Post
from indexer.urls import stable_id
from nlp.normalize import html_to_text, normalize
from nlp.region import detect_region

from ..dates import parse_time_text
from .base import SourceSpider

log = logging.getLogger(__name__)

PAGE_SIZE = 10                 # posts on a full API page
MIN_SLICE = 15 * 60            # seconds: no time slice is made shorter
MIN_LOOKBACK = 24 * 3600       # seconds: the window is at least the last day …
LOOKBACK_INTERVALS = 4         # … or this many source intervals
SITE = "微博"

_NO_CONTENT = re.compile(r"还没有内容|没有更多|暂无")
_LOGIN = re.compile(r"登录|登陆|login|passport", re.I)
_MORE_LINK = re.compile(r"<a\b[^>]*>\s*全文\s*</a>\s*$")
_YEAR = re.compile(r"(?:19|20)\d{2}")
_COUNT = re.compile(r"([0-9][0-9,]*(?:\.[0-9]+)?)\s*([万亿wWkK]?)\+?")
_UNITS = {"": 1, "万": 10_000, "w": 10_000, "亿": 100_000_000, "k": 1000}


def parse_count(value) -> int:
    """An engagement count as the API writes it: 152, "152", "152.3万", "1.2亿", "100万+"."""
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, (int, float)):
        return max(int(value), 0)
    m = _COUNT.fullmatch(str(value).strip())
    if not m:
        return 0
    return int(round(float(m[1].replace(",", "")) * _UNITS[m[2].lower()]))


def place_of(region_name) -> str:
    """The place of "发布于 广东" (also "IP属地：广东"): "广东"."""
    text = str(region_name or "").strip()
    return re.sub(r"^(?:发布于|IP属地)\s*[:：]?\s*", "", text).strip()


def mblogs_of(cards) -> list[dict]:
    """The mblog of every card, also of cards nested in a card_group."""
    out = []
    for card in cards if isinstance(cards, list) else []:
        if not isinstance(card, dict):
            continue
        if isinstance(card.get("mblog"), dict):
            out.append(card["mblog"])
        for sub in card.get("card_group") or []:
            if isinstance(sub, dict) and isinstance(sub.get("mblog"), dict):
                out.append(sub["mblog"])
    return out


@dataclass(frozen=True)
class Query:
    """One keyword search, over all time (start None) or a window [start, end) in unix seconds."""
    keyword: str
    start: int | None = None
    end: int | None = None

    def params(self, page: int) -> str:
        cid = quote(f"100103type=1&q={self.keyword}", safe="")
        window = f"&starttime={self.start}&endtime={self.end}" if self.start is not None else ""
        return f"containerid={cid}&page_type=searchall{window}&page={page}"

    def halves(self) -> tuple["Query", "Query"]:
        mid = (self.start + self.end) // 2
        return Query(self.keyword, self.start, mid), Query(self.keyword, mid, self.end)


@dataclass
class QueryState:
    """What one query's pages have shown so far."""
    query: Query
    page: int = 1
    got: int = 0                       # search hits collected (reposted originals not counted)
    last_count: int = 0                # hits on the last page that had any
    total: int = 0                     # cardlistInfo.total, when the API said
    oldest: datetime | None = None     # the oldest time among the hits


class WeiboSpider(SourceSpider):
    default_platform = Platform.WEIBO

    def __init__(self, source, context, **kwargs):
        super().__init__(source, context, **kwargs)
        self.endpoint = source.urls[0] if source.urls else ""
        prefix, found, _ = self.endpoint.partition("/api/")
        if not found:
            prefix = re.match(r"https?://[^/?#]+", self.endpoint)
            prefix = prefix.group() if prefix else ""
        self.prefix = prefix            # https://m.weibo.cn, or http://127.0.0.1:8000/weibo
        self.seen: set[str] = set()     # post ids yielded (or waiting for their long text)
        self.refused = False

    async def start(self):
        if not self.endpoint:
            self.context.error(self.source.name, "a weibo source needs the getIndex URL")
            return
        for keyword in self.source.keywords:
            yield self.search(QueryState(Query(keyword)))

    def search(self, state: QueryState):
        sep = "&" if "?" in self.endpoint else "?"
        url = f"{self.endpoint}{sep}{state.query.params(state.page)}"
        return self.request(url, self.parse_search, article=False, state=state)

    # -- search pages ------------------------------------------------------------------
    def parse_search(self, response):
        state: QueryState = response.meta["state"]
        try:
            data = json.loads(self.text_of(response))
        except ValueError:
            data = None
        if not isinstance(data, dict):
            self.context.error(self.source.name, "the weibo API answered with something that is not JSON "
                               "(a login or verification page?)", response.url, raw=self.text_of(response)[:20000])
            return
        body = data.get("data") if isinstance(data.get("data"), dict) else {}
        info = body.get("cardlistInfo") if isinstance(body.get("cardlistInfo"), dict) else {}
        if info.get("total") is not None:
            state.total = parse_count(info.get("total"))
        if str(data.get("ok")) != "1":
            msg = str(data.get("msg") or "")
            if _LOGIN.search(msg) or _LOGIN.search(str(data.get("url") or "")):
                if not self.refused:  # one line for the source, not one per keyword
                    self.refused = True
                    self.context.error(self.source.name, f"weibo API asks for a login ({msg or 'ok: 0'}): set "
                                       "the source's cookie_env to a variable holding a logged-in Cookie header",
                                       response.url)
            elif msg and not _NO_CONTENT.search(msg):
                self.context.error(self.source.name, f"weibo API refused the search: {msg}", response.url)
            else:
                yield from self.finish(state)
            return
        hits = mblogs_of(body.get("cards"))
        if not hits:
            yield from self.finish(state)
            return
        yield from self.posts_of(response, hits, state)
        state.got += len(hits)
        state.last_count = len(hits)
        if state.page >= self.source.max_pages:
            yield from self.finish(state, capped=info.get("page") is not None)
        elif "page" in info and not info["page"]:
            yield from self.finish(state)
        else:
            state.page += 1  # one query's pages are fetched one after the other
            yield self.search(state)

    def finish(self, state: QueryState, capped: bool = False):
        """The query's pages are done: search the halves of its window when it was truncated."""
        more_said = state.total > state.got
        if not (capped or more_said or state.last_count >= PAGE_SIZE):
            return
        query = state.query
        if query.start is None:
            end = int(self.now().timestamp()) + 60  # a minute ahead, for clock skew
            start = end - max(MIN_LOOKBACK, LOOKBACK_INTERVALS * self.source.interval)
            if not more_said and state.oldest is not None and state.oldest.timestamp() < start:
                return  # the results reach back past the window: nothing inside it is missing
            query = Query(query.keyword, start, end)
        if query.end - query.start < 2 * MIN_SLICE:
            log.warning("%s: %r: a capped result within %d minutes (%s); some posts may be missed",
                        self.source.name, query.keyword, (query.end - query.start) // 60,
                        datetime.fromtimestamp(query.start, SHANGHAI).isoformat(timespec="minutes"))
            return
        log.debug("%s: %r: slicing %s – %s", self.source.name, query.keyword, query.start, query.end)
        for half in query.halves():
            yield self.search(QueryState(half))

    # -- posts -------------------------------------------------------------------------
    def post_id(self, mblog: dict) -> str:
        return stable_id(Platform.WEIBO.value, str(mblog.get("mid") or mblog.get("id") or ""))

    def posts_of(self, response, hits: list[dict], state: QueryState):
        blogs = hits + [m["retweeted_status"] for m in hits if isinstance(m.get("retweeted_status"), dict)]
        stored = self.context.store.get_many({self.post_id(m) for m in blogs})
        for mblog in hits:
            post = self.to_post(response, mblog, stored)
            if post is None:
                continue
            if post.published_at and (state.oldest is None or post.published_at < state.oldest):
                state.oldest = post.published_at
            yield from self.emit(post, mblog, stored)
            original = mblog.get("retweeted_status")
            if isinstance(original, dict) and original.get("user"):  # a deleted original has no user
                op = self.to_post(response, original, stored)
                if op is not None:
                    yield from self.emit(op, original, stored)

    def to_post(self, response, mblog: dict, stored: dict[str, Post]) -> Post | None:
        mid = str(mblog.get("mid") or mblog.get("id") or "")
        if not mid:
            return None
        html = str(mblog.get("text") or "")
        if mblog.get("isLongText"):
            html = _MORE_LINK.sub("", html)
        text = html_to_text(html)
        if not text.strip():
            return None
        pid = self.post_id(mblog)
        created = str(mblog.get("created_at") or "")
        published = parse_time_text(created, self.now()) if created else None
        old = stored.get(pid)
        if old is not None and old.published_at and not _YEAR.search(created):
            published = old.published_at  # "3分钟前" read in an earlier round is as good, and stable
        user = mblog.get("user") if isinstance(mblog.get("user"), dict) else {}
        place = place_of(mblog.get("region_name"))
        region = (detect_region(text, ip_location=place) or place) if place else ""
        return self.make_post(
            response, id=pid, url=f"{self.prefix}/detail/{mid}", text=text, published_at=published,
            author=str(user.get("screen_name") or ""), site=self.source.site or SITE, region=region,
            reposts=parse_count(mblog.get("reposts_count")), comments=parse_count(mblog.get("comments_count")),
            likes=parse_count(mblog.get("attitudes_count")))

    def emit(self, post: Post, mblog: dict, stored: dict[str, Post]):
        """The post, once per round; a long one after its full text is fetched."""
        if post.id in self.seen:
            return
        self.seen.add(post.id)
        if mblog.get("isLongText"):
            inline = mblog.get("longText")
            embedded = inline.get("longTextContent") if isinstance(inline, dict) else None
            old = stored.get(post.id)
            if embedded:
                post.text = html_to_text(str(embedded)) or post.text
            elif old is not None and len(old.text) > len(normalize(post.text)):
                post.text = old.text  # the full text, fetched in an earlier round
            else:
                yield self.long_text_request(str(mblog.get("mid") or mblog.get("id")), post)
                return
        yield post

    def long_text_request(self, mid: str, post: Post):
        """The request for a post's full text: never skipped as a known page (dont_skip), and
        a failure yields the truncated post rather than losing it."""
        request = self.request(f"{self.prefix}/statuses/extend?id={quote(mid)}", self.parse_long_text,
                               article=False, post=post, dont_skip=True)
        return request.replace(errback=self.long_text_failed)

    def parse_long_text(self, response):
        post: Post = response.meta["post"]
        try:
            data = json.loads(self.text_of(response))
            body = data["data"] if isinstance(data.get("data"), dict) else {}
            content = body.get("longTextContent") or ""
        except (ValueError, AttributeError, KeyError):
            content, body = "", {}
        text = html_to_text(str(content)) if content else ""
        if text.strip():
            post.text = text
            for field, key in (("reposts", "reposts_count"), ("comments", "comments_count"),
                               ("likes", "attitudes_count")):
                if body.get(key) is not None:
                    setattr(post, field, parse_count(body[key]))
            self.context.attach_evidence(post.id, response)
        else:
            log.info("%s: no long text for %s at %s; keeping the truncated text",
                     self.source.name, post.id, response.url)
        yield post

    def long_text_failed(self, failure):
        post: Post = failure.request.meta["post"]
        log.info("%s: long text of %s not fetched (%s); keeping the truncated text",
                 self.source.name, post.id, failure.getErrorMessage())
        yield post

