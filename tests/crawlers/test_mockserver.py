"""The crawler tests' mock server: it starts, stops, and serves every family of routes
with the documented status, headers and bytes."""
from __future__ import annotations

import http.client
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest

from tests.crawlers import mockserver as mockserver_module
from tests.crawlers.mock_core import ROUTES, SITE
from tests.crawlers.mock_pages import (
    COND_ETAG, COND_LAST_MODIFIED, ENC_KINDS, ENC_TITLE, ENC_TITLE_HANT, ENC_VARIANTS,
    HUGE_SIZE, REDIRECT_TARGET, enc_page,
)
from tests.crawlers.mockserver import ROOT, MockServer


# -- the process ----------------------------------------------------------------------

def test_the_session_server_prints_a_local_url(mockserver):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", mockserver.base)
    assert mockserver.url("/robots.txt") == mockserver.base + "/robots.txt"
    assert mockserver.url("a?b=1") == mockserver.base + "/a?b=1"


def test_the_server_exits_when_its_stdin_closes():
    proc = subprocess.Popen([sys.executable, "-m", "tests.crawlers.mockserver"], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert proc.stdout.readline().startswith(b"http://127.0.0.1:")
        proc.stdin.close()
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            pipe.close()


def test_a_server_that_cannot_start_is_reported_with_its_stderr():
    class Broken(MockServer):
        command = (sys.executable, "-c", "import sys; sys.stderr.write('no port for you'); sys.exit(3)")

    with pytest.raises(RuntimeError, match="no port for you"):
        Broken(timeout=5).start()


def test_a_second_server_starts_and_stops_cleanly():
    with MockServer() as server:
        assert server.fetch("/robots.txt")[0] == 200
        proc = server.proc
    assert server.proc is None and proc.returncode is not None


def test_every_route_is_documented():
    for pattern, func in ROUTES:
        literal = re.match(r"(?:[^\\.()\[?*+{|]|\\\.)*", pattern.pattern).group().replace("\\.", ".")
        assert literal.startswith("/") and literal in mockserver_module.__doc__, f"{func.__name__}: {literal}"


def test_many_concurrent_requests_are_all_served(mockserver):
    with ThreadPoolExecutor(max_workers=32) as pool:
        statuses = list(pool.map(lambda i: mockserver.fetch(f"/site/index.html?n={i}")[0], range(200)))
    assert statuses == [200] * 200


def test_head_sends_the_length_without_the_body(mockserver):
    _, _, body = mockserver.fetch("/site/index.html")
    status, headers, head_body = mockserver.fetch("/site/index.html", method="HEAD")
    assert status == 200 and head_body == b"" and int(headers["Content-Length"]) == len(body)


# -- encodings ------------------------------------------------------------------------

@pytest.mark.parametrize("variant", ENC_VARIANTS)
@pytest.mark.parametrize("kind", ENC_KINDS)
def test_encoded_article(mockserver, kind, variant):
    status, headers, body = mockserver.fetch(f"/enc/{kind}/{variant}.html")
    assert status == 200
    assert body == enc_page(kind, variant).encode(kind)
    expected_type = f"text/html; charset={kind}" if variant == "header" else "text/html"
    assert headers["Content-Type"] == expected_type
    text = body.decode(kind)
    assert (ENC_TITLE_HANT if kind == "big5" else ENC_TITLE) in text
    assert (f"charset={kind}" in text) == (variant == "meta")
    assert (f'<meta charset="{kind}">' in text) == (variant == "meta5")
    if kind != "utf-8":
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")


def test_gb18030_page_holds_four_byte_characters(mockserver):
    body = mockserver.fetch("/enc/gb18030/none.html")[2]
    assert "𠀀".encode("gb18030") == b"\x95\x32\x82\x36" and b"\x95\x32\x82\x36" in body
    assert "刘𠀀、王㐀" in body.decode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        body.decode("gbk")


def test_special_encoding_pages(mockserver):
    _, headers, body = mockserver.fetch("/enc/utf-8/bom.html")
    assert body.startswith(b"\xef\xbb\xbf<!DOCTYPE html>") and headers["Content-Type"] == "text/html"

    _, headers, body = mockserver.fetch("/enc/gb2312/gbk-chars.html")
    assert headers["Content-Type"] == "text/html; charset=gb2312" and b"charset=gb2312" in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")
    assert "朱镕" in body.decode("gbk")

    for path, meta in (("/enc/mismatch.html", False), ("/enc/mismatch-meta.html", True)):
        _, headers, body = mockserver.fetch(path)
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert (b"charset=gbk" in body) == meta
        with pytest.raises(UnicodeDecodeError):
            body.decode("utf-8")
        assert ENC_TITLE in body.decode("gbk")


# -- broken bodies --------------------------------------------------------------------

@pytest.mark.parametrize("name", ["unclosed", "stray-lt", "truncated"])
def test_broken_markup_is_served_as_written(mockserver, name):
    status, headers, body = mockserver.fetch(f"/broken/{name}.html")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert body == (SITE / "broken" / f"{name}.html").read_bytes()


def test_truncated_page_ends_inside_a_tag(mockserver):
    body = mockserver.fetch("/broken/truncated.html")[2]
    assert body.rstrip().endswith(b'<a href="/site/news/2026/10/t20261030_10')


def test_empty_page(mockserver):
    status, headers, body = mockserver.fetch("/broken/empty.html")
    assert (status, headers["Content-Length"], body) == (200, "0", b"")


def test_huge_page(mockserver):
    status, headers, body = mockserver.fetch("/broken/huge.html", timeout=30)
    assert status == 200 and int(headers["Content-Length"]) == len(body)
    assert HUGE_SIZE <= len(body) < HUGE_SIZE + 1024
    assert body.decode("utf-8").endswith("</html>\n")


def test_binary_junk_served_as_html(mockserver):
    status, headers, body = mockserver.fetch("/broken/binary.html")
    assert status == 200 and headers["Content-Type"] == "text/html"
    assert len(body) > 64 * 1024 and b"\x00" in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")


def test_data_loss_breaks_the_read(mockserver):
    url = urlsplit(mockserver.url("/"))
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.request("GET", "/broken/dataloss.html")
        resp = conn.getresponse()
        assert resp.status == 200 and resp.headers["Content-Length"] == "10000"
        with pytest.raises(http.client.IncompleteRead) as info:
            resp.read()
        assert len(info.value.partial) == 1000
    finally:
        conn.close()


def test_page_without_content_type(mockserver):
    status, headers, body = mockserver.fetch("/broken/no-content-type.html")
    assert status == 200 and "Content-Type" not in headers and body.startswith(b"<!DOCTYPE html>")


# -- redirects ------------------------------------------------------------------------

@pytest.mark.parametrize("code", [301, 302])
def test_redirect_chains_end_at_the_article(mockserver, code):
    path, hops = f"/redirect/{code}/3", 0
    while True:
        status, headers, _ = mockserver.fetch(path)
        if status == 200:
            break
        assert status == code
        location = headers["Location"]
        assert location.startswith("/" if code == 301 else mockserver.base)
        path, hops = location.removeprefix(mockserver.base), hops + 1
    assert (hops, path) == (3, REDIRECT_TARGET)


def test_redirect_to_another_target(mockserver):
    _, headers, _ = mockserver.fetch("/redirect/301/1?to=/robots.txt")
    assert headers["Location"] == "/robots.txt"


def test_redirect_loop(mockserver):
    assert mockserver.fetch("/redirect/loop/a")[1]["Location"] == "/redirect/loop/b"
    assert mockserver.fetch("/redirect/loop/b")[1]["Location"] == "/redirect/loop/a"


def test_meta_refresh(mockserver):
    status, _, body = mockserver.fetch("/redirect/meta-refresh.html")
    assert status == 200 and f'content="0; url={REDIRECT_TARGET}"'.encode() in body


# -- status codes ---------------------------------------------------------------------

@pytest.mark.parametrize(("path", "code"), [("/status/404", 404), ("/status/500", 500), ("/no/such/page", 404)])
def test_error_statuses(mockserver, path, code):
    assert mockserver.fetch(path)[0] == code


def test_flaky_page_fails_n_times_then_succeeds(mockserver):
    seen = [mockserver.fetch("/status/flaky/test-n3?fail=3") for _ in range(5)]
    assert [s for s, _, _ in seen] == [503, 503, 503, 200, 200]
    assert [h["X-Attempt"] for _, h, _ in seen] == ["1", "2", "3", "4", "5"]
    assert mockserver.fetch("/status/flaky/test-other?fail=1")[0] == 503  # its own counter
    assert mockserver.stats("/status/flaky/test-n3")["statuses"] == {"200": 2, "503": 3}


def test_flaky_page_with_other_code_and_retry_after(mockserver):
    status, headers, _ = mockserver.fetch("/status/flaky/test-429?fail=1&code=429&retry_after=2")
    assert (status, headers["Retry-After"]) == (429, "2")
    assert mockserver.fetch("/status/flaky/test-429?fail=1&code=429")[0] == 200


def test_reset_restarts_the_flaky_counters(mockserver):
    assert mockserver.fetch("/status/flaky/test-reset?fail=1")[0] == 503
    assert mockserver.fetch("/status/flaky/test-reset?fail=1")[0] == 200
    mockserver.reset()
    assert mockserver.fetch("/status/flaky/test-reset?fail=1")[0] == 503


def test_slow_page(mockserver):
    started = time.monotonic()
    assert mockserver.fetch("/status/slow?s=0.3")[0] == 200
    assert time.monotonic() - started >= 0.3
    with pytest.raises(TimeoutError):
        mockserver.fetch("/status/slow?s=3", timeout=0.5)


# -- robots, conditional requests, counters -------------------------------------------

def test_robots_txt(mockserver):
    status, headers, body = mockserver.fetch("/robots.txt")
    assert status == 200 and headers["Content-Type"] == "text/plain; charset=utf-8"
    lines = body.decode().splitlines()
    assert "Disallow: /private/" in lines
    assert f"Sitemap: {mockserver.base}/site/sitemap_index.xml" in lines
    assert mockserver.fetch("/private/secret.html")[0] == 200


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 200),
    ({"If-None-Match": COND_ETAG}, 304),
    ({"If-None-Match": f'"other", W/{COND_ETAG}'}, 304),
    ({"If-None-Match": "*"}, 304),
    ({"If-None-Match": '"other"'}, 200),
    ({"If-Modified-Since": COND_LAST_MODIFIED}, 304),
    ({"If-Modified-Since": "Wed, 04 Nov 2026 00:00:00 GMT"}, 304),
    ({"If-Modified-Since": "Mon, 02 Nov 2026 00:00:00 GMT"}, 200),
    ({"If-Modified-Since": "not a date"}, 200),
    ({"If-None-Match": '"other"', "If-Modified-Since": COND_LAST_MODIFIED}, 200),
])
def test_conditional_requests(mockserver, headers, status):
    got, head, body = mockserver.fetch("/cond/article.html", headers)
    assert got == status
    assert (head["ETag"], head["Last-Modified"]) == (COND_ETAG, COND_LAST_MODIFIED)
    assert (body == b"") == (status == 304)


def test_stats_count_requests_urls_and_304s(mockserver):
    mockserver.reset()
    mockserver.fetch("/cond/article.html")
    mockserver.fetch("/cond/article.html?x=1", {"If-None-Match": COND_ETAG})
    mockserver.fetch("/robots.txt")
    one = mockserver.stats("/cond/article.html")
    assert one == {"path": "/cond/article.html", "requests": 2, "not_modified": 1,
                   "statuses": {"200": 1, "304": 1},
                   "urls": {"/cond/article.html": 1, "/cond/article.html?x=1": 1}}
    everything = mockserver.stats()
    assert everything["total"] == 3 and set(everything["paths"]) == {"/cond/article.html", "/robots.txt"}
    assert mockserver.stats("/never")["requests"] == 0
    mockserver.reset()
    assert mockserver.stats() == {"total": 0, "paths": {}}
