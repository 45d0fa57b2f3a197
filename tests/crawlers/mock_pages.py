"""Mock-server routes for the downloader's hard cases: encodings, broken bodies,
redirects, status codes, robots.txt, conditional requests and the counters.
The route list is in ``tests/crawlers/mockserver.py``."""
from __future__ import annotations

import random
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from functools import cache

from tests.crawlers.mock_core import (
    STATS, Request, Response, as_json, html, not_found, redirect, route, site_file,
)

# -- encodings ------------------------------------------------------------------------

ENC_KINDS = ("gbk", "gb2312", "gb18030", "big5", "utf-8")
ENC_VARIANTS = ("header", "meta", "meta5", "none")
ENC_TITLE = "临江区检察院依法对一起电信网络诈骗案提起公诉"  # in every page but Big5
ENC_TITLE_HANT = "臨江區檢察院依法對一起電信網絡詐騙案提起公訴"  # the Big5 pages
# 𠀀 (U+20000) and 㐀 (U+3400) are four bytes in GB18030 and absent from GBK.
ENC_RARE = "<p>（注：本案两名被害人刘𠀀、王㐀的姓名含生僻字，相关法律文书已按原字录入。）</p>"
# 镕 and 喆 are in GBK but not in GB2312: sites that declare gb2312 often send them.
ENC_GBK_ONLY = "<p>（注：本案辩护人朱镕、证人周喆的姓名用字不在GB2312字符集内。）</p>"


def _meta(variant: str, charset: str) -> str:
    if variant == "meta":
        return f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    if variant == "meta5":
        return f'<meta charset="{charset}">'
    return ""


def enc_page(kind: str, variant: str, *, extra: str | None = None) -> str:
    """The text of ``/enc/<kind>/<variant>.html`` before encoding with codec ``kind``."""
    if kind == "big5":
        page = site_file("enc/article_hant.html")
    else:
        page = site_file("enc/article.html")
    if extra is None:
        extra = ENC_RARE if kind in ("gb18030", "utf-8") else ""
    return page.replace("<!--CHARSET-->", _meta(variant, kind)).replace("<!--EXTRA-->", extra)


@route(r"/enc/(gbk|gb2312|gb18030|big5|utf-8)/(header|meta|meta5|none)\.html")
def encoded(req: Request, kind: str, variant: str) -> Response:
    text = enc_page(kind, variant)
    return html(text, charset=kind if variant == "header" else None, encoding=kind)


@route(r"/enc/utf-8/bom\.html")
def utf8_bom(req: Request) -> Response:
    return html("\ufeff" + enc_page("utf-8", "none"), charset=None, encoding="utf-8")


@route(r"/enc/gb2312/gbk-chars\.html")
def gb2312_with_gbk_chars(req: Request) -> Response:
    return html(enc_page("gb2312", "meta", extra=ENC_GBK_ONLY), charset="gb2312", encoding="gbk")


@route(r"/enc/mismatch\.html")
def mismatch(req: Request) -> Response:
    """The header says utf-8; the bytes are GBK and nothing else declares a charset."""
    return html(enc_page("gbk", "none"), charset="utf-8", encoding="gbk")


@route(r"/enc/mismatch-meta\.html")
def mismatch_meta(req: Request) -> Response:
    """The header says utf-8, the meta tag says gbk, the bytes are GBK."""
    return html(enc_page("gbk", "meta"), charset="utf-8", encoding="gbk")


# -- broken bodies --------------------------------------------------------------------

HUGE_SIZE = 6 * 1024 * 1024


@route(r"/broken/(unclosed|stray-lt|truncated)\.html")
def broken_markup(req: Request, name: str) -> Response:
    return html(site_file(f"broken/{name}.html"))


@route(r"/broken/empty\.html")
def empty(req: Request) -> Response:
    return html(b"")


@cache
def huge_page() -> bytes:
    """Valid UTF-8 HTML of a little over HUGE_SIZE bytes."""
    head = ('<!DOCTYPE html><html><head><meta charset="utf-8"><title>检察工作年度报告（全文）</title>'
            '</head><body><h1>检察工作年度报告（全文）</h1><div class="content">\n')
    parts, size, n = [head], len(head.encode()), 0
    while size < HUGE_SIZE:
        n += 1
        para = f"<p>第{n}段：全市检察机关依法履行刑事、民事、行政和公益诉讼检察职能，持续加强法律监督。</p>\n"
        parts.append(para)
        size += len(para.encode())
    parts.append("</div></body></html>\n")
    return "".join(parts).encode()


@route(r"/broken/huge\.html")
def huge(req: Request) -> Response:
    return html(huge_page())


@cache
def binary_junk() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00" + random.Random(20261103).randbytes(64 * 1024)


@route(r"/broken/binary\.html")
def binary(req: Request) -> Response:
    return html(binary_junk(), charset=None)


@route(r"/broken/dataloss\.html")
def dataloss(req: Request) -> Response:
    """Announces 10,000 bytes, sends 1,000, closes the connection."""
    resp = html(enc_page("utf-8", "meta5").encode()[:1000])
    resp.content_length, resp.close = 10_000, True
    return resp


@route(r"/broken/no-content-type\.html")
def no_content_type(req: Request) -> Response:
    return Response(200, enc_page("utf-8", "meta5").encode())


# -- redirects ------------------------------------------------------------------------

REDIRECT_TARGET = "/site/news/2026/11/t20261103_1001.html"


@route(r"/redirect/(301|302)/(\d+)")
def redirect_chain(req: Request, code: str, hops: str) -> Response:
    """``hops`` redirects, then the target (``?to=`` or the first article). 301 chains
    send absolute-path Locations, 302 chains absolute URLs."""
    target = req.arg("to", REDIRECT_TARGET)
    n = int(hops)
    if n <= 1:
        return redirect(target if code == "301" else req.base + target, int(code))
    nxt = f"/redirect/{code}/{n - 1}" + (f"?{req.query}" if req.query else "")
    return redirect(nxt if code == "301" else req.base + nxt, int(code))


@route(r"/redirect/loop/(a|b)")
def redirect_loop(req: Request, side: str) -> Response:
    return redirect("/redirect/loop/" + ("b" if side == "a" else "a"), 302)


@route(r"/redirect/meta-refresh\.html")
def meta_refresh(req: Request) -> Response:
    return html('<!DOCTYPE html><html><head><meta charset="utf-8">'
                f'<meta http-equiv="refresh" content="0; url={REDIRECT_TARGET}">'
                '<title>正在跳转</title></head><body>页面正在跳转……</body></html>')


# -- status codes ---------------------------------------------------------------------

@route(r"/status/404")
def status_404(req: Request) -> Response:
    return not_found(req.path)


@route(r"/status/500")
def status_500(req: Request) -> Response:
    return html("<html><body><h1>500 Internal Server Error</h1><p>服务器内部错误</p></body></html>",
                status=500)


@route(r"/status/flaky/([\w.-]+)")
def flaky(req: Request, name: str) -> Response:
    """Fails the first ``fail`` requests to this path (status ``code``, default 503),
    then answers 200. The counter is per path: use a fresh name per test."""
    attempt = STATS.attempt(req.path)
    fail = int(req.number("fail", 2, high=1000))
    if attempt <= fail:
        code = int(req.number("code", 503, low=400, high=599))
        resp = html(f"<html><body><h1>{code}</h1><p>服务暂时不可用（第{attempt}次请求）</p></body></html>",
                    status=code)
        if "retry_after" in req.params:
            resp.headers.append(("Retry-After", req.arg("retry_after")))
    else:
        resp = html('<!DOCTYPE html><html><head><meta charset="utf-8"><title>恢复正常</title></head>'
                    f"<body><p>第{attempt}次请求成功：{name}</p></body></html>")
    resp.headers.append(("X-Attempt", str(attempt)))
    return resp


@route(r"/status/slow")
def slow(req: Request) -> Response:
    seconds = req.number("s", 5.0, high=60)
    time.sleep(seconds)
    return html(f"<html><body><p>slept {seconds:g} s</p></body></html>")


# -- robots.txt, private pages --------------------------------------------------------

@route(r"/robots\.txt")
def robots(req: Request) -> Response:
    text = ("# robots.txt for the JianYu mock site\n"
            "User-agent: *\n"
            "Disallow: /private/\n"
            "Allow: /\n"
            "\n"
            f"Sitemap: {req.base}/site/sitemap_index.xml\n")
    return html(text, content_type="text/plain")


@route(r"/private/.*")
def private(req: Request) -> Response:
    return html('<!DOCTYPE html><html><head><meta charset="utf-8"><title>内部办公系统</title></head>'
                "<body><p>内部资料，robots.txt 禁止抓取。</p></body></html>")


# -- conditional requests -------------------------------------------------------------

COND_ETAG = '"jy-cond-1"'
COND_LAST_MODIFIED = "Tue, 03 Nov 2026 02:23:00 GMT"
_COND_MTIME = datetime(2026, 11, 3, 2, 23, tzinfo=timezone.utc)


def _not_modified(req: Request) -> bool:
    """RFC 9110 §13.2.2: If-None-Match wins; If-Modified-Since only without it."""
    inm = req.headers.get("if-none-match")
    if inm is not None:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return "*" in tags or COND_ETAG in tags
    ims = req.headers.get("if-modified-since")
    if not ims:
        return False
    try:
        since = parsedate_to_datetime(ims)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=timezone.utc)
    return since >= _COND_MTIME


@route(r"/cond/article\.html")
def conditional(req: Request) -> Response:
    validators = [("ETag", COND_ETAG), ("Last-Modified", COND_LAST_MODIFIED),
                  ("Cache-Control", "no-cache")]
    if _not_modified(req):
        return Response(304, b"", validators)
    resp = html('<!DOCTYPE html><html><head><meta charset="utf-8"><title>检察机关开展专项监督活动</title>'
                "</head><body><h1>检察机关开展专项监督活动</h1>"
                "<div class=\"info\">来源：江州市人民检察院 发布时间：2026-11-03 10:23</div>"
                "<p>本页带有 ETag 和 Last-Modified，条件请求命中时返回 304。</p></body></html>")
    resp.headers.extend(validators)
    return resp


# -- counters and home ----------------------------------------------------------------

@route(r"/_stats")
def stats(req: Request) -> Response:
    return as_json(STATS.report(req.params.get("path")))


@route(r"/_reset")
def reset(req: Request) -> Response:
    STATS.reset()
    return as_json({"ok": True})


@route(r"/")
def home(req: Request) -> Response:
    return html('<!DOCTYPE html><html><head><meta charset="utf-8"><title>JianYu mock server</title></head>'
                '<body><a href="/site/index.html">江州检察网</a></body></html>')
