"""A Weibo-like mobile search API under /weibo/, shaped like m.weibo.cn:

    GET /weibo/api/container/getIndex?containerid=100103type%3D1%26q%3D<keyword>&page_type=searchall&page=<n>
    GET /weibo/statuses/extend?id=<mid>      the full text of a post whose isLongText is true

Ten card_type 9 cards a page, newest first; `cardlistInfo.page` is the next page or null,
and a page beyond the last answers {"ok": 0}. mblog text is HTML as the real API writes
it: @mentions and #topics# as links, [表情] as <span class="url-icon"><img alt=…></span>."""
from __future__ import annotations

import json
import re
from datetime import datetime
from urllib.parse import parse_qs, quote

from .routing import Request, Response, Router, esc
from .world import DemoWorld, Weibo, stable_int

PER_PAGE = 10
LONG_TEXT = 140
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ORG_ENDINGS = ("检察", "日报", "晚报", "气象", "发布", "公安", "法院", "新闻网")
_SOURCES = ("iPhone客户端", "Android", "HUAWEI Mate 60 Pro", "微博 weibo.com", "小米14 Ultra",
            "iPhone 15 Pro Max", "OPPO Find X7", "vivo X100", "微博轻享版")
_REGIONS = ("江南",) * 6 + ("北京", "上海", "广东", "浙江", "江苏", "四川", "湖北")
_MARKUP = re.compile(
    r"(?P<topic>#[^#\n]{1,40}#)"
    r"|@(?P<name>[\w\-·]{1,30})"
    r"|(?P<emo>\[[\u4e00-\u9fffA-Za-z]{1,6}\])"
    r"|(?P<url>https?://[^\s<>\"'，。]+)"
    r"|(?P<br>\n)")
_NO_CONTENT = {"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}}


def weibo_time(t: datetime) -> str:
    """Weibo's created_at: "Sat Nov 29 09:12:00 +0800 2026" (English names, any locale)."""
    off = t.utcoffset()
    minutes = int(off.total_seconds() // 60) if off is not None else 0
    sign = "+" if minutes >= 0 else "-"
    zone = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    return f"{_DAYS[t.weekday()]} {_MONTHS[t.month - 1]} {t:%d %H:%M:%S} {zone} {t.year}"


def weibo_html(text: str) -> str:
    """Plain post text as the HTML the mobile API returns; everything else escaped."""
    out, pos = [], 0
    for m in _MARKUP.finditer(text):
        out.append(esc(text[pos:m.start()]))
        pos = m.end()
        if m.group("topic"):
            topic = m.group("topic")
            href = f"/search?containerid=231522type%3D1%26t%3D10%26q%3D{quote(topic, safe='')}"
            out.append(f'<a  href="{esc(href)}" data-hide=""><span class="surl-text">{esc(topic)}</span></a>')
        elif m.group("name"):
            name = esc(m.group("name"))
            out.append(f"<a href='/n/{name}'>@{name}</a>")
        elif m.group("emo"):
            emo = esc(m.group("emo"))
            icon = f"{stable_int(m.group('emo')) % 16**8:08x}"
            out.append(f'<span class="url-icon"><img alt="{emo}" src="https://h5.sinaimg.cn/m/emoticon/icon/'
                       f'default/d_{icon}.png" style="width:1em; height:1em;" /></span>')
        elif m.group("url"):
            out.append(f"<a data-url='{esc(m.group('url'))}' href='{esc(m.group('url'))}' data-hide=''>"
                       "<span class='surl-text'>网页链接</span></a>")
        else:
            out.append("<br />")
    out.append(esc(text[pos:]))
    return "".join(out)


def _user(w: Weibo) -> dict:
    name = w.post.get("author", "")
    h = stable_int("user", name)
    org = name.endswith(_ORG_ENDINGS)
    famous = not org and w.post.get("likes", 0) >= 1000
    user = {
        "id": w.uid,
        "screen_name": name,
        "profile_image_url": f"https://tvax1.sinaimg.cn/crop.0.0.180.180.180/{w.uid:x}.jpg",
        "profile_url": f"https://m.weibo.cn/u/{w.uid}?uid={w.uid}&luicode=10000011",
        "statuses_count": 50 + h % 9000,
        "verified": org or famous,
        "verified_type": 1 if org else (0 if famous else -1),
        "description": "",
        "gender": "mf"[h % 2],
        "followers_count": (20000 + h % 480000) if org else (10 + h % 5000),
        "follow_count": 20 + (h >> 8) % 800,
    }
    if org:
        user["verified_reason"] = f"{name}官方微博"
    return user


def _region(w: Weibo) -> str | None:
    text = w.post.get("text", "")
    if "台灣" in text:
        return "台湾"
    if "香港" in text or "咗" in text:
        return "香港"
    h = stable_int("region", w.post.get("author", ""))
    return None if h % 4 == 0 else _REGIONS[(h >> 4) % len(_REGIONS)]


def mblog(w: Weibo, world: DemoWorld, *, nested: bool = False) -> dict:
    """The mblog object of one post (its original, if a 转发 quotes one, as retweeted_status)."""
    post, text = w.post, w.post.get("text", "")
    long_text = len(text) > LONG_TEXT
    shown = weibo_html(text[:LONG_TEXT]) + f'...<a href="/status/{w.mid}">全文</a>' if long_text else weibo_html(text)
    org = post.get("author", "").endswith(_ORG_ENDINGS)
    out = {
        "visible": {"type": 0, "list_id": 0},
        "created_at": weibo_time(w.published),
        "id": w.mid,
        "idstr": w.mid,
        "mid": w.mid,
        "bid": w.bid,
        "can_edit": False,
        "text": shown,
        "textLength": sum(2 if ord(c) > 127 else 1 for c in text),
        "source": "微博 weibo.com" if org else _SOURCES[stable_int("source", post.get("id", "")) % len(_SOURCES)],
        "favorited": False,
        "pic_ids": [],
        "pic_num": 0,
        "is_paid": False,
        "user": _user(w),
        "reposts_count": int(post.get("reposts") or 0),
        "comments_count": int(post.get("comments") or 0),
        "reprint_cmt_count": 0,
        "attitudes_count": int(post.get("likes") or 0),
        "pending_approval_count": 0,
        "isLongText": long_text,
        "mlevel": 0,
        "mblogtype": 0,
    }
    region = _region(w)
    if region:
        out["region_name"] = f"发布于 {region}"
    if w.retweeted_mid and not nested:
        out["retweeted_status"] = mblog(world.by_mid[w.retweeted_mid], world, nested=True)
    return out


def _json(data: dict) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(body, "application/json; charset=utf-8")


def _matches(text: str, query: str) -> bool:
    low = text.lower()
    terms = query.lower().split()
    return bool(terms) and all(t in low for t in terms)


class WeiboSite:
    def __init__(self, world: DemoWorld):
        self.world = world

    def add_routes(self, router: Router) -> None:
        router.add(r"/weibo/api/container/getIndex", self.get_index)
        router.add(r"/weibo/statuses/extend", self.extend)

    def search(self, query: str) -> list[Weibo]:
        return [w for w in self.world.weibo if _matches(w.post.get("text", ""), query)]

    def get_index(self, req: Request) -> Response:
        containerid = req.arg("containerid")
        kind, _, inner = containerid.partition("type=")
        query = (parse_qs("type=" + inner).get("q") or [""])[0].strip() if kind in ("100103", "231522") else ""
        page = req.int_arg("page", 1)
        if not query or page is None or page < 1:
            return _json(_NO_CONTENT)
        found = self.search(query)
        chunk = found[(page - 1) * PER_PAGE:page * PER_PAGE]
        if not chunk:
            return _json(_NO_CONTENT)
        more = page * PER_PAGE < len(found)
        cards = [{
            "card_type": 9,
            "itemid": f"seqid:{stable_int(query, w.mid) % 10**9}|type:1|t:|pos:{i}|q:{query}|ext:&mid={w.mid}&",
            "scheme": f"https://m.weibo.cn/status/{w.bid}?mblogid={w.bid}&luicode=10000011",
            "mblog": mblog(w, self.world),
        } for i, w in enumerate(chunk, start=(page - 1) * PER_PAGE + 1)]
        return _json({"ok": 1, "data": {
            "cardlistInfo": {"containerid": containerid, "v_p": 42, "show_style": 1, "title_top": query,
                             "total": len(found), "page": page + 1 if more else None},
            "cards": cards,
            "scheme": f"sinaweibo://searchall?containerid={quote(containerid, safe='')}",
        }})

    def extend(self, req: Request) -> Response:
        w = self.world.by_mid.get(req.arg("id"))
        if w is None:
            return _json({"ok": 0, "msg": "该微博不存在", "data": {}})
        return _json({"ok": 1, "data": {
            "ok": 1,
            "longTextContent": weibo_html(w.post.get("text", "")),
            "reposts_count": int(w.post.get("reposts") or 0),
            "comments_count": int(w.post.get("comments") or 0),
            "attitudes_count": int(w.post.get("likes") or 0),
        }})
