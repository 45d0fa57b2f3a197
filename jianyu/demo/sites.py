"""The bundled demo sites that `jianyu demo` serves on 127.0.0.1 and crawls.

One threaded HTTP server, three sites (and a search engine) under path prefixes of one
origin, all generated from `jianyu/demo/posts.jsonl`:

    /news/    云州新闻网: home, /news/list/<n>.html, /news/a/<yyyymmdd>/<n>.html,
              /news/rss.xml, /news/atom.xml, /news/sitemap.xml (→ /news/sitemap-news.xml)
    /jcy/     青石县人民检察院 portal (GBK): /jcy/jcdt/index.html, index_<k>.html,
              /jcy/jcdt/<yyyymm>/t<yyyymmdd>_<n>.html
    /weibo/   m.weibo.cn-like search API: /weibo/api/container/getIndex, /weibo/statuses/extend
    /search/  news search engine: /search/s?wd=<query>&pn=<offset>
    /robots.txt, /healthz

    with DemoSites() as sites:          # or: base = sites.start(); …; sites.stop()
        crawl(sources(sites.base_url))

`python -m jianyu.demo.sites [--port N]` serves until killed and prints the base URL as
its first line of output.
"""
from __future__ import annotations

import argparse
import logging
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .jcy import JcySite
from .news import NewsSite
from .routing import Request, Response, Router, html_response, text_response
from .search import SearchSite
from .weibo import WeiboSite
from .world import DEFAULT_POSTS, DemoWorld

log = logging.getLogger(__name__)

WEIBO_KEYWORDS = ("检察院", "检察官", "检察长", "青石检察", "公车私用", "公益诉讼",
                  "检察", "公车", "批捕", "附条件不起诉", "12309", "检查院", "jcy")
SEARCH_KEYWORDS = ("青石县检察院", "青石县人民检察院", "公车私用", "公益诉讼", "检察院 通报")


def build_router(world: DemoWorld) -> Router:
    router = Router()
    NewsSite(world).add_routes(router)
    JcySite(world).add_routes(router)
    WeiboSite(world).add_routes(router)
    SearchSite(world).add_routes(router)
    router.add(r"/robots\.txt", _robots)
    router.add(r"/healthz", lambda req: text_response("ok\n"))
    router.add(r"/", _index)
    return router


def _robots(req: Request) -> Response:
    return text_response("User-agent: *\n"
                         "Disallow: /news/private/\n"
                         "\n"
                         f"Sitemap: {req.base}/news/sitemap.xml\n")


def _index(req: Request) -> Response:
    return html_response("""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>JianYu 演示站点</title></head>
<body><h1>JianYu 演示站点</h1><ul>
<li><a href="/news/">云州新闻网</a>（<a href="/news/rss.xml">RSS</a>、<a href="/news/atom.xml">Atom</a>、<a href="/news/sitemap.xml">Sitemap</a>）</li>
<li><a href="/jcy/">青石县人民检察院</a></li>
<li><a href="/weibo/api/container/getIndex?containerid=100103type%3D1%26q%3D%E6%A3%80%E5%AF%9F%E9%99%A2&amp;page_type=searchall">微博搜索接口</a></li>
<li><a href="/search/">云搜</a></li>
</ul></body></html>
""")


def sources(base_url: str) -> list[dict]:
    """The source definitions (the `sources:` entries of jianyu.yaml) for these sites."""
    base = base_url.rstrip("/")
    return [
        {"name": "yunzhou-news-rss", "type": "feed", "url": f"{base}/news/rss.xml",
         "interval": "10m", "platform": "news", "site": "云州新闻网", "encoding": ""},
        {"name": "yunzhou-news-sitemap", "type": "sitemap", "url": f"{base}/news/sitemap.xml",
         "interval": "1h", "platform": "news", "site": "云州新闻网", "encoding": ""},
        {"name": "qingshi-jcy", "type": "listing", "url": f"{base}/jcy/jcdt/index.html",
         "interval": "30m", "platform": "gov", "site": "青石县人民检察院官网", "encoding": "gb18030",
         "max_pages": 5},
        {"name": "weibo-demo", "type": "weibo", "url": f"{base}/weibo/api/container/getIndex",
         "keywords": list(WEIBO_KEYWORDS), "interval": "5m", "platform": "weibo", "site": "微博",
         "max_pages": 30},
        {"name": "search-demo", "type": "search", "url": f"{base}/search/s?wd={{query}}&pn={{offset}}",
         "keywords": list(SEARCH_KEYWORDS), "interval": "1h", "platform": "news", "max_pages": 5},
    ]


class DemoServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that answers from a route table and counts what it served."""
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], router: Router):
        super().__init__(address, DemoHandler)
        self.router = router
        self.requests: Counter[str] = Counter()
        self._lock = threading.Lock()
        host, port = self.server_address[:2]
        self.base_url = f"http://{host}:{port}"

    def count(self, target: str) -> None:
        with self._lock:
            self.requests[target] += 1


class DemoHandler(BaseHTTPRequestHandler):
    server: DemoServer
    server_version = "JianYuDemo/1.0"

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        self.server.count(self.path)
        try:
            response = self.server.router.dispatch(Request.parse(self.path, self.server.base_url))
        except Exception:  # a bug in a page must not kill the server; the crawler sees a 500
            log.exception("demo sites: error serving %s", self.path)
            response = text_response("internal error\n", 500)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 (the base class's name)
        log.debug("%s %s", self.address_string(), format % args)


class DemoSites:
    """The demo sites on one local port: a context manager, or start() / stop()."""

    def __init__(self, posts_path: str | Path = DEFAULT_POSTS, host: str = "127.0.0.1", port: int = 0,
                 *, mirrors: bool = True):
        self.world = DemoWorld.load(posts_path, mirrors=mirrors)
        self.host, self.port = host, port
        self._server: DemoServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the demo sites are not running; call start() first")
        return self._server.base_url

    @property
    def requests(self) -> Counter[str]:
        """How often each request target (path and query) was asked for."""
        return self._server.requests if self._server else Counter()

    def sources(self) -> list[dict]:
        return sources(self.base_url)

    def start(self) -> str:
        if self._server is None:
            self._server = DemoServer((self.host, self.port), build_router(self.world))
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                            name="jianyu-demo-sites", daemon=True)
            self._thread.start()
            log.info("demo sites at %s", self._server.base_url)
        return self._server.base_url

    def stop(self) -> None:
        server, thread, self._server, self._thread = self._server, self._thread, None, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> "DemoSites":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m jianyu.demo.sites", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 (default) picks a free port")
    parser.add_argument("--posts", type=Path, default=DEFAULT_POSTS, help="JSONL of demo posts")
    args = parser.parse_args(argv)
    sites = DemoSites(args.posts, args.host, args.port)
    server = DemoServer((sites.host, sites.port), build_router(sites.world))
    print(server.base_url, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
