"""The demo world: the bundled posts laid out as the pages of three sites.

Everything is derived from `posts.jsonl` and nothing else, so the same file always gives
the same sites (same paths, ids and bytes, apart from the origin in absolute links):

- `news`: one article on 云州新闻网 (`/news/`) per post of platform news, wechat, forum,
  video or other;
- `jcy`: one article on the 青石县人民检察院 portal (`/jcy/`) per `gov` post, plus a
  copy of each announcement the procuratorate posted on Weibo (a post by `青石检察`
  that opens with 【…】), as a real portal republishes its 情况通报 (`mirror=True`);
- `weibo`: one mblog per `weibo` post, with a stable numeric mid, the user id and bid
  taken from the post's URL, and the mid of the original for a 转发 that quotes one.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

DEFAULT_POSTS = Path(__file__).resolve().parent / "posts.jsonl"
CST = timezone(timedelta(hours=8))

NEWS_PLATFORMS = ("news", "wechat", "forum", "video", "other")
JCY_ACCOUNT = "青石检察"            # the procuratorate's own Weibo account
JCY_NAME = "青石县人民检察院"

_YUNZHOU_NEWS = re.compile(r"^https?://news\.yunzhou\.example/a/(\d{8})/(\d+)\.html$")
_GOV_NUMBER = re.compile(r"/t\d{8}_(\d+)\.s?html?$")
_WEIBO_URL = re.compile(r"/u/(\d+)/([0-9A-Za-z]+)/?$")
_BRACKET = re.compile(r"^【([^】]{2,60})】\s*")
_QUOTE = re.compile(r"//@([^:：\s]+)[:：]")
_MID_BASE = 5_100_000_000_000_000
_MID_EPOCH = 1_780_000_000


@dataclass(frozen=True)
class Article:
    """A page on /news/ or /jcy/."""
    post: dict
    path: str               # "/news/a/20261128/1043.html"
    title: str
    text: str
    published: datetime     # Asia/Shanghai
    source: str             # 来源
    author: str
    mirror: bool = False    # a portal copy of a Weibo announcement

    @property
    def summary(self) -> str:
        return summarize(self.text)


@dataclass(frozen=True)
class Weibo:
    """One mblog of the Weibo-like API."""
    post: dict
    mid: str
    bid: str
    uid: int
    published: datetime
    retweeted_mid: str | None = None


def stable_int(*parts: str) -> int:
    """A number from text that is the same on every run (unlike `hash`)."""
    digest = hashlib.sha1("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def summarize(text: str, limit: int = 60) -> str:
    """The first `limit` characters of a text on one line, with …… when cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rstrip() + "……"


def paragraphs(text: str) -> list[str]:
    """The text's paragraphs: its non-empty lines."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _time(post: dict) -> datetime:
    t = datetime.fromisoformat(post["published_at"])
    if t.tzinfo is None:
        t = t.replace(tzinfo=CST)
    return t.astimezone(CST)


def _newest_first(items):
    return sorted(items, key=lambda a: (a.published, a.post.get("id", "")), reverse=True)


def _title(post: dict) -> str:
    return post.get("title") or summarize(post.get("text", ""), 24)


class DemoWorld:
    """The posts and their places on the demo sites; lists are newest first."""

    def __init__(self, posts: list[dict], *, mirrors: bool = True):
        self.posts = posts
        self.news = _newest_first(self._news_articles())
        self.jcy = _newest_first(self._jcy_articles(mirrors))
        self.weibo = _newest_first(self._weibos())
        self.by_path: dict[str, Article] = {a.path: a for a in self.news + self.jcy}
        self.by_mid: dict[str, Weibo] = {w.mid: w for w in self.weibo}

    @classmethod
    def load(cls, path: str | Path = DEFAULT_POSTS, *, mirrors: bool = True) -> "DemoWorld":
        with open(path, encoding="utf-8") as f:
            posts = [json.loads(line) for line in f if line.strip()]
        return cls(posts, mirrors=mirrors)

    def _news_articles(self) -> list[Article]:
        out, used = [], set()
        for i, post in enumerate(self.posts):
            if post.get("platform") not in NEWS_PLATFORMS:
                continue
            t = _time(post)
            day = t.strftime("%Y%m%d")
            m = _YUNZHOU_NEWS.match(post.get("url", ""))
            n = int(m.group(2)) if m and m.group(1) == day else 5000 + i
            while (day, n) in used:
                n += 1
            used.add((day, n))
            out.append(Article(post, f"/news/a/{day}/{n}.html", _title(post), post["text"], t,
                               post.get("site") or "云州新闻网", post.get("author") or ""))
        return out

    def _jcy_articles(self, mirrors: bool) -> list[Article]:
        out, used = [], set()

        def add(post: dict, title: str, text: str, number: str, mirror: bool) -> None:
            t = _time(post)
            n = number
            while n in used:
                n = str(int(n) + 1)
            used.add(n)
            path = f"/jcy/jcdt/{t:%Y%m}/t{t:%Y%m%d}_{n}.html"
            source = JCY_NAME if mirror else (post.get("author") or JCY_NAME)
            out.append(Article(post, path, title, text, t, source, source, mirror))

        for i, post in enumerate(self.posts):
            if post.get("platform") == "gov":
                m = _GOV_NUMBER.search(post.get("url", ""))
                add(post, _title(post), post["text"], m.group(1) if m else str(3000 + i), False)
        if mirrors:
            for i, post in enumerate(self.posts):
                if post.get("platform") == "weibo" and post.get("author") == JCY_ACCOUNT:
                    m = _BRACKET.match(post.get("text", ""))
                    if m:
                        title, text = _mirror_title(m.group(1), post["text"][m.end():])
                        add(post, title, text, str(1500 + i), True)
        return out

    def _weibos(self) -> list[Weibo]:
        out = []
        for i, post in enumerate(self.posts):
            if post.get("platform") != "weibo":
                continue
            t = _time(post)
            m = _WEIBO_URL.search(post.get("url", ""))
            uid = int(m.group(1)) if m else 1_000_000_000 + stable_int(post.get("author", "")) % 9_000_000_000
            bid = m.group(2) if m else _base62(stable_int(post.get("id", ""), post["text"]))[:9]
            mid = str(_MID_BASE + (int(t.timestamp()) - _MID_EPOCH) * 1000 + i % 1000)
            out.append(Weibo(post, mid, bid, uid, t))
        return [_link_retweet(w, out) for w in out]


def _mirror_title(label: str, rest: str) -> tuple[str, str]:
    """A portal headline for a 【label】 announcement: the label when it reads as a
    headline, else the label and a short first sentence, else the institution's name
    and the label (青石县人民检察院情况通报)."""
    if len(label) >= 10:
        return label, rest
    first = re.split(r"[。！？!?]", rest, maxsplit=1)[0].strip()
    if 0 < len(first) <= 24:
        return f"{label}｜{first}", rest
    return f"{JCY_NAME}{label}", rest


def _link_retweet(w: Weibo, all_weibo: list[Weibo]) -> Weibo:
    """The original a 转发 quotes: the last //@name: segment, matched by its author and
    by a piece of its text; None when the text does not show one."""
    text = w.post["text"]
    quotes = list(_QUOTE.finditer(text))
    if not quotes:
        return w
    last = quotes[-1]
    name, quoted = last.group(1), text[last.end():]
    quoted = re.sub(r"【[^】]*】?$", "", quoted)
    pieces = [p.strip() for p in re.split(r"……|\.\.\.|//@", quoted) if len(p.strip()) >= 6]
    for cand in all_weibo:
        if cand.post.get("author") == name and cand.published <= w.published and cand is not w \
                and pieces and any(p[:12] in cand.post["text"] for p in pieces):
            return Weibo(w.post, w.mid, w.bid, w.uid, w.published, cand.mid)
    return w


def _base62(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while n:
        n, r = divmod(n, 62)
        out += digits[r]
    return out or "0"
