"""A Weibo-like search API for the mock server, shaped like m.weibo.cn's
``/api/container/getIndex?containerid=100103type%3D1%26q%3D<kw>&page=<n>``.

Posts are generated from the keyword, deterministically, newest first; relative
``created_at`` forms ("3分钟前", "2小时前", "昨天 19:09", "11-01") are relative to ``NOW``.
The route list is in ``tests/crawlers/mockserver.py``."""
from __future__ import annotations

import zlib
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from html import escape
from urllib.parse import parse_qs, quote

from tests.crawlers.mock_core import Request, Response, as_json, route

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 3, 12, 0, tzinfo=CST)  # the reference time of relative forms
PAGE_SIZE = 10
NORMAL_POSTS = 25  # any keyword: 3 pages (10, 10, 5)
CAPPED_KEYWORD = "电信诈骗"  # 48 posts, 75 minutes apart, but only 2 pages per query
CAPPED_POSTS = 48
CAPPED_STEP = timedelta(minutes=75)
CAP_PAGES = 2
CONTAINER_PREFIX = "100103"
WEIBO_COOKIE = "SUB=_2A25JianYuMockCookie"  # needed by the /weibo/locked/ variant

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

# id, screen_name, verified_type (-1: none, 0: personal, 1: government, 3: media),
# followers_count (m.weibo.cn sends large counts as strings such as "152.3万")
USERS = (
    (6000000001, "江州检察", 1, "152.3万"),
    (6000000002, "临江区人民检察院", 1, 48210),
    (6000000003, "江州日报", 3, "386万"),
    (6000000004, "平安江州", 1, "98.6万"),
    (7382910561, "用户7382910561", -1, 35),
    (7000000006, "爱吃火锅的小王", -1, 412),
    (7000000007, "法律人老周", 0, 23891),
    (7000000008, "江州生活圈", 3, 120553),
)
REGIONS = ("广东", "北京", "浙江", "江苏", "四川", "上海", "湖北", "山东")
SOURCES = ("iPhone客户端", "微博 weibo.com", "HUAWEI Mate 60 Pro", "Android")
EMOJI = ('<span class="url-icon"><img alt="[{0}]" src="https://h5.sinaimg.cn/m/emoticon/icon/'
         'default/d_{1}.png" style="width:1em; height:1em;" /></span>')
TEMPLATES = (
    ('<a  href="https://m.weibo.cn/search?containerid=231522type%3D1%26t%3D10%26q%3D%23{q}%23" '
     'data-hide=""><span class="surl-text">#{kw}#</span></a>【江州检察机关严惩{kw}犯罪】近日，临江区'
     '检察院依法对一起{kw}案件提起公诉，涉案金额186万余元。检察官提醒广大群众提高警惕，凡是要求'
     '转账到“安全账户”的都是诈骗……<a href="/status/{bid}">全文</a>'),
    "今天又接到自称客服的电话，说要帮我注销校园贷，差点就信了，{kw}真是防不胜防" + EMOJI.format("怒", "nu")
    + "<br />大家一定要注意！",
    "<a href='/n/江州检察'>@江州检察</a> 我们小区有人因为{kw}被骗了十几万，希望检察机关依法严惩，帮群众追回损失。",
    ("【以案释法】{kw}案件中，提供银行卡帮助转移赃款也可能构成帮助信息网络犯罪活动罪。"
     "不要为了蝇头小利出租出借银行卡、电话卡！<br />转需扩散"),
    "关注{kw}：江州日报记者从市检察院获悉，今年以来全市检察机关共起诉相关案件312件1046人。",
    "家里老人差点遇到{kw}，幸好社区民警及时上门劝阻。" + EMOJI.format("赞", "zan"),
)
RELATED_CARD = {"card_type": 11, "card_group": [{"card_type": 17, "title": "大家都在搜",
                                                 "group": [{"title_sub": "江州检察"}, {"title_sub": "反诈"}]}]}


def weibo_time(t: datetime) -> str:
    """m.weibo.cn's absolute form: "Tue Nov 03 10:23:05 +0800 2026"."""
    t = t.astimezone(CST)
    return f"{_DAYS[t.weekday()]} {_MONTHS[t.month - 1]} {t:%d %H:%M:%S} +0800 {t.year}"


def relative_time(t: datetime, now: datetime = NOW) -> str:
    age = now - t
    if age < timedelta(minutes=1):
        return "刚刚"
    if age < timedelta(hours=1):
        return f"{age // timedelta(minutes=1)}分钟前"
    if t.date() == now.date():
        return f"{age // timedelta(hours=1)}小时前"
    if t.date() == now.date() - timedelta(days=1):
        return f"昨天 {t:%H:%M}"
    return f"{t:%m-%d}" if t.year == now.year else f"{t:%Y-%m-%d}"


def _bid(mid: int) -> str:
    out = ""
    while mid:
        mid, digit = divmod(mid, 62)
        out = _ALPHABET[digit] + out
    return out


def _user(index: int) -> dict:
    uid, name, vtype, followers = USERS[index % len(USERS)]
    return {"id": uid, "screen_name": name, "profile_url": f"https://m.weibo.cn/u/{uid}?uid={uid}",
            "verified": vtype >= 0, "verified_type": vtype, "followers_count": followers,
            "description": f"{name}的微博", "gender": "m" if uid % 2 else "f"}


def _mblog(mid: int, t: datetime, text: str, user: int, i: int, relative: bool) -> dict:
    return {
        "visible": {"type": 0, "list_id": 0},
        "created_at": relative_time(t) if relative else weibo_time(t),
        "id": str(mid), "mid": str(mid), "bid": _bid(mid),
        "text": text, "source": SOURCES[i % len(SOURCES)],
        "isLongText": "全文</a>" in text,
        "user": _user(user),
        "reposts_count": (i + 1) * 37 % 500, "comments_count": (i + 1) * 53 % 300,
        "attitudes_count": (i + 1) * 97 % 2000,
        "region_name": f"发布于 {REGIONS[(user + i) % len(REGIONS)]}",
        "pic_num": 0,
    }


@lru_cache(maxsize=64)
def posts(keyword: str) -> tuple[tuple[int, dict], ...]:
    """(unix time, mblog) pairs for ``keyword``, newest first."""
    capped = keyword == CAPPED_KEYWORD
    n = CAPPED_POSTS if capped else NORMAL_POSTS
    seed = zlib.crc32(keyword.encode("utf-8"))
    base_id = 5230000000000000 + (seed % 100_000) * 1000
    kw, q = escape(keyword), quote(keyword)
    out = []
    for i in range(n):
        t = NOW - (CAPPED_STEP * (i + 1) if capped else timedelta(minutes=3 + 7 * i * i))
        mid, user = base_id + 2 * (n - i), seed + i
        text = TEMPLATES[(seed + i) % len(TEMPLATES)].format(kw=kw, q=q, bid=_bid(mid))
        post = _mblog(mid, t, text, user, i, relative=i % 4 == 0)
        if i % 5 == 3:  # a repost of an official account's earlier post
            original = _mblog(mid - 1, t - timedelta(hours=2), TEMPLATES[0].format(kw=kw, q=q, bid=_bid(mid - 1)),
                              0, i + 1, relative=False)
            post["text"] = "转发理由：一定要提高警惕！//<a href='/n/平安江州'>@平安江州</a>:扩散周知"
            post["isLongText"] = False
            post["retweeted_status"] = original
        out.append((int(t.timestamp()), post))
    return tuple(out)


def _window(req: Request) -> tuple[float, float]:
    return req.number("starttime", 0, high=1e12), req.number("endtime", 1e12, high=1e12)


def search(req: Request) -> Response:
    cid = req.arg("containerid")
    inner = parse_qs(cid[len(CONTAINER_PREFIX):]) if cid.startswith(CONTAINER_PREFIX) else {}
    keyword = inner.get("q", [""])[0].strip()
    if not keyword:
        return as_json({"ok": 0, "msg": "请输入关键词"})
    page = int(req.number("page", 1, low=1, high=10_000))
    start, end = _window(req)
    found = [p for t, p in posts(keyword) if start <= t < end]
    pages = -(-len(found) // PAGE_SIZE)
    if keyword == CAPPED_KEYWORD:
        pages = min(pages, CAP_PAGES)
    info = {"containerid": cid, "v_p": 42, "show_style": 1,
            "total": min(len(found), pages * PAGE_SIZE), "page": page + 1 if page < pages else None}
    if page > pages:
        return as_json({"ok": 0, "msg": "这里还没有内容", "data": {"cardlistInfo": info, "cards": []}})
    shown = found[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    cards = [{"card_type": 9, "itemid": f"seqid:{page}|type:1|q:{keyword}|pos:{k}",
              "scheme": f"https://m.weibo.cn/status/{p['bid']}?mblogid={p['bid']}&luicode=10000011",
              "mblog": p} for k, p in enumerate(shown)]
    if page == 1:
        cards.insert(1, RELATED_CARD)
    return as_json({"ok": 1, "data": {"cardlistInfo": info, "cards": cards, "scheme": ""}})


@route(r"/weibo/api/container/getIndex")
def get_index(req: Request) -> Response:
    return search(req)


@route(r"/weibo/locked/api/container/getIndex")
def get_index_locked(req: Request) -> Response:
    """Same API, but ``ok: 0`` unless the Cookie header carries WEIBO_COOKIE."""
    cookies = [c.strip() for c in req.headers.get("cookie", "").split(";")]
    if WEIBO_COOKIE not in cookies:
        return as_json({"ok": 0, "msg": "请先登录", "url": "https://passport.weibo.cn/signin/login"})
    return search(req)
