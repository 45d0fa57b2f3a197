"""Crawl throughput: pages per second on a 5,000-page local site, JianYu's whole pipeline
beside plain Scrapy, in one run.

1. A child process serves a generated news site on 127.0.0.1: list pages of 20 article
   links with 下一页 pagers, and article pages of realistic Chinese HTML (a CMS page with
   navigation, byline, 6–9 paragraphs recombined from jianyu/demo/posts.jsonl, related
   links, footer). Pages are rendered once up front and served by a small asyncio
   HTTP/1.1 keep-alive server, so the server is not what is measured.
2. Plain Scrapy, in its own process: a minimal scrapy.Spider that follows the same links
   and extracts title and body with parsel; no item pipeline.
3. JianYu, in its own process: crawlers.run.crawl with a listing source (automatic link,
   next-page and article extraction), JianYu's middlewares, the ingest chain (normalize →
   watch → dedup → tag → store) into a SQLite store in a temp folder, evidence on. Its
   CPU is split per page into reading articles, the ingest chain, the pipeline's evidence
   and crawl-state writes, and the rest (Scrapy, list pages, middlewares).

Both use the same politeness: CONCURRENT_REQUESTS and CONCURRENT_REQUESTS_PER_DOMAIN 16,
AutoThrottle off, no download delay, robots.txt obeyed (one fetch, no Crawl-delay).
Each rate is the HTML pages the server answered during the crawl over the crawl's wall
time (from starting Scrapy to its end, after imports and model loading).

Plain Scrapy runs twice per round: as it ships, and with JianYu's CONCURRENT_ITEMS (8).
Scrapy 2.19 starts CONCURRENT_ITEMS item workers for every response (scrapy/scrapy#5182),
so its default of 100 costs plain Scrapy about half its speed on this site; the second
baseline is plain Scrapy without that cost, and the ratio against it is the pipeline's
own overhead. The three crawls alternate `--runs` times (5 by default) and the medians
are compared, so that a burst of other work on the machine does not decide a ratio.

    .venv/bin/python bench/bench_crawl.py [--articles 5000] [--concurrency 16] [--runs 5]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from html import escape
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LIST_SIZE = 20
GOAL = 0.80
CST = timezone(timedelta(hours=8))
SITE = "青石市人民检察院"
NAV = ["首页", "检察要闻", "工作动态", "案件信息", "检务公开", "法律法规", "专题专栏", "检察文化", "互动交流",
       "队伍建设", "未检工作", "公益诉讼"]


# -- the site -------------------------------------------------------------------------

def _when(n: int) -> datetime:
    return datetime(2026, 11, 28, 18, 0, tzinfo=CST) - timedelta(minutes=17 * n)


def article_path(n: int) -> str:
    w = _when(n)
    return f"/news/{w:%Y%m}/t{w:%Y%m%d}_{100000 + n}.html"


def _chrome(title: str, body: str) -> str:
    nav = "".join(f'<li><a href="/col{i}/index.html">{t}</a></li>' for i, t in enumerate(NAV))
    return (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="X-UA-Compatible" content="IE=edge">\n<title>{escape(title)}</title>\n'
            f'<link rel="stylesheet" href="/css/style.css">\n<script src="/js/jquery.min.js"></script>\n</head>\n'
            f'<body>\n<div class="top"><div class="logo"><img src="/images/logo.png" alt="{SITE}"></div>'
            f'<div class="search"><form action="/search"><input name="q"><button>搜索</button></form></div></div>\n'
            f'<div class="nav"><ul>{nav}</ul></div>\n{body}\n'
            f'<div class="footer"><p>主办：{SITE}　地址：青石市人民路88号　邮编：100000</p>'
            f'<p>版权所有：{SITE}　网站标识码：QSJC000001　<a href="/sitemap.html">网站地图</a></p></div>\n'
            '<script>var _hmt = _hmt || []; (function(){ var hm = document.createElement("script"); })();</script>\n'
            "</body>\n</html>\n")


def build_site(n_articles: int) -> dict[str, bytes]:
    lines = (ROOT / "jianyu" / "demo" / "posts.jsonl").read_text(encoding="utf-8").splitlines()
    posts = [json.loads(line) for line in lines if line.strip()]
    relevant = [p for p in posts if p.get("relevant")]
    titled = [p for p in relevant if p.get("title")]
    rng = random.Random(7)
    pages: dict[str, bytes] = {}
    titles = {}
    for n in range(1, n_articles + 1):
        w = _when(n)
        paras = [p["text"] for p in rng.sample(relevant, 4) + rng.sample(posts, rng.randint(2, 5))]
        title = rng.choice(titled)["title"]
        titles[n] = title
        related = "".join(f'<li><a href="{article_path(k)}">{escape(titles.get(k, "相关新闻"))}</a></li>'
                          for k in range(max(1, n - 6), n))
        source = rng.choice(["青石市人民检察院", "青石县人民检察院", "临江区人民检察院", "检察日报", "正义网"])
        body = (f'<div class="crumb">当前位置：<a href="/index.html">首页</a> &gt; '
                f'<a href="/list/index.html">工作动态</a> &gt; 正文</div>\n'
                f'<div class="article"><h1 class="title">{escape(title)}</h1>\n'
                f'<div class="info">来源：{source}　发布时间：{w:%Y-%m-%d %H:%M}　'
                f'<span>字号：<a href="javascript:doZoom(16)">大</a> <a href="javascript:doZoom(14)">中</a></span></div>\n'
                f'<div class="content" id="zoom">\n'
                + "\n".join(f'<p style="text-indent:2em">{escape(t, quote=False)}</p>' for t in paras)
                + f'\n</div>\n<div class="share">分享到：<a href="javascript:void(0)">微信</a> '
                  f'<a href="javascript:void(0)">微博</a></div>\n'
                  f'<div class="related"><h3>相关新闻</h3><ul>{related}</ul></div></div>')
        head_meta = (f'<meta name="ArticleTitle" content="{escape(title)}">'
                     f'<meta name="PubDate" content="{w:%Y-%m-%d %H:%M}"><meta name="ContentSource" content="{source}">')
        page = _chrome(f"{title}_{SITE}", body).replace("</title>\n", "</title>\n" + head_meta + "\n", 1)
        pages[article_path(n)] = page.encode("utf-8")
    n_lists = (n_articles + LIST_SIZE - 1) // LIST_SIZE
    name = lambda k: "index.html" if k == 0 else f"index_{k}.html"  # noqa: E731
    for k in range(n_lists):
        first = k * LIST_SIZE + 1
        rows = "\n".join(f'<li><span class="date">{_when(n):%Y-%m-%d}</span>'
                         f'<a href="{article_path(n)}" target="_blank" title="{escape(titles[n])}">'
                         f"{escape(titles[n])}</a></li>"
                         for n in range(first, min(first + LIST_SIZE, n_articles + 1)))
        prev = f'<a href="{name(k - 1)}">上一页</a>' if k else "<span>上一页</span>"
        nxt = f'<a href="{name(k + 1)}">下一页</a>' if k + 1 < n_lists else "<span>下一页</span>"
        body = (f'<div class="crumb">当前位置：<a href="/index.html">首页</a> &gt; 工作动态</div>\n'
                f'<div class="main"><h2>工作动态</h2>\n<ul class="list">\n{rows}\n</ul>\n'
                f'<div class="page">共{n_lists}页 当前第{k + 1}页 <a href="index.html">首页</a> {prev} {nxt} '
                f'<a href="{name(n_lists - 1)}">尾页</a></div></div>')
        pages[f"/list/{name(k)}"] = _chrome(f"工作动态_{SITE}", body).encode("utf-8")
    pages["/robots.txt"] = b"User-agent: *\nDisallow: /search\n"
    return pages


def serve(n_articles: int) -> None:
    """Child process: serve the site on 127.0.0.1 until stdin closes; /_stats and /_reset count pages."""
    pages = build_site(n_articles)
    hits: Counter[str] = Counter()

    def answer(path: str) -> bytes:
        if path == "/_stats":
            body = json.dumps({"html": sum(n for p, n in hits.items() if p.endswith(".html")),
                               "robots": hits["/robots.txt"], "other": hits["_404"]}).encode()
            ctype = "application/json"
        elif path == "/_reset":
            hits.clear()
            body, ctype = b"{}", "application/json"
        elif path in pages:
            hits[path] += 1
            body = pages[path]
            ctype = "text/plain; charset=utf-8" if path.endswith(".txt") else "text/html; charset=utf-8"
        else:
            hits["_404"] += 1
            return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        return (f"HTTP/1.1 200 OK\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
                "Server: bench\r\n\r\n").encode() + body

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                target = head.split(b" ", 2)[1].decode("latin-1")
                writer.write(answer(target.split("?", 1)[0]))
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        port = server.sockets[0].getsockname()[1]
        print(f"http://127.0.0.1:{port}", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes it
        server.close()

    asyncio.run(main())


# -- the two crawlers (each in its own process: the reactor runs once per process) ------

def run_plain(base: str, concurrency: int, items: int = 0) -> dict:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class PlainSpider(scrapy.Spider):
        name = "plain"

        async def start(self):
            yield scrapy.Request(base + "/list/index.html", callback=self.parse_list)

        def parse_list(self, response):
            for href in response.css("ul.list li a::attr(href)").getall():
                yield response.follow(href, self.parse_article)
            nxt = response.xpath('//a[text()="下一页"]/@href').get()
            if nxt:
                yield response.follow(nxt, self.parse_list)

        def parse_article(self, response):
            yield {"url": response.url, "title": response.css("h1.title::text").get(default="").strip(),
                   "body": "\n".join(t.strip() for t in response.css("div.content p::text").getall())}

    settings = {
        "USER_AGENT": "JianYu-bench", "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": concurrency, "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "LOG_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False, "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
    }
    if items:
        settings["CONCURRENT_ITEMS"] = items
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(PlainSpider)
    process.crawl(crawler)
    t0, c0 = time.perf_counter(), time.process_time()
    process.start()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": seconds, "cpu": cpu, "items": crawler.stats.get_value("item_scraped_count", 0)}


def run_jianyu(base: str, concurrency: int, folder: str) -> dict:
    from dataclasses import replace

    from crawlers.run import crawl
    from jianyu.build import crawl_options, make_chain, make_sources, make_store
    from jianyu.config import Settings

    settings = Settings.model_validate({
        "store": {"path": str(Path(folder) / "jianyu.db")},
        "crawl": {"concurrency_per_domain": concurrency, "evidence": True, "obey_robots": True},
        "sources": [{"name": "bench", "type": "listing", "url": base + "/list/index.html", "max_pages": 1000}],
    })
    options = replace(crawl_options(settings), autothrottle=False)
    with make_store(settings) as store:
        chain = make_chain(settings, store)
        sources = make_sources(settings)
        spent = _time_stages(chain)
        t0, c0 = time.perf_counter(), time.process_time()
        (report,) = crawl(sources, chain, options)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        evidence = store.db.execute("SELECT COUNT(*) FROM post_evidence").fetchone()[0] if hasattr(store, "db") else None
    stages = {"reading": spent["reading"], "chain": spent["chain"], "batch": spent["flush"] - spent["chain"]}
    stages["scrapy"] = cpu - sum(stages.values())
    return {"seconds": seconds, "cpu": cpu, "report": report.to_dict(), "evidence": evidence, "stages": stages}


def _time_stages(chain) -> dict[str, float]:
    """CPU seconds spent reading articles, in the ingest chain, and in the pipeline's
    batches as a whole (chain, evidence, crawl state), counted as the crawl runs."""
    import crawlers.spiders.base as spider_base
    from crawlers.pipelines import IngestPipeline

    spent = {"reading": 0.0, "chain": 0.0, "flush": 0.0}

    def timed(fn, key):
        def run(*args, **kwargs):
            c0 = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[key] += time.process_time() - c0
        return run

    spider_base.extract_article = timed(spider_base.extract_article, "reading")
    chain.process = timed(chain.process, "chain")
    IngestPipeline.flush = timed(IngestPipeline.flush, "flush")
    return spent


def child(kind: str, base: str, concurrency: int, plain_items: int = 0) -> None:
    if kind == "plain":
        out = run_plain(base, concurrency, plain_items)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-crawl-") as folder:
            out = run_jianyu(base, concurrency, folder)
    print(json.dumps(out, ensure_ascii=False))


# -- the run --------------------------------------------------------------------------

def measure(kind: str, base: str, concurrency: int, plain_items: int = 0) -> dict:
    urlopen(base + "/_reset").read()
    out = subprocess.run([sys.executable, __file__, "--child", kind, base, "--concurrency", str(concurrency),
                          "--plain-items", str(plain_items)],
                         check=True, stdout=subprocess.PIPE, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["served"] = json.load(urlopen(base + "/_stats"))
    result["rate"] = result["served"]["html"] / result["seconds"]
    result["cpu_rate"] = result["served"]["html"] / max(result["cpu"], 1e-9)
    return result


def main() -> None:
    from crawlers.settings import CONCURRENT_ITEMS

    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=5000, help="article pages on the site (plus one list page per 20)")
    ap.add_argument("--concurrency", type=int, default=16, help="CONCURRENT_REQUESTS and per domain, for all crawls")
    ap.add_argument("--runs", type=int, default=5, help="alternating runs of the three crawls; medians are compared")
    ap.add_argument("--plain-items", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--child", nargs=2, metavar=("KIND", "BASE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        serve(args.articles)
        return
    if args.child:
        child(args.child[0], args.child[1], args.concurrency, args.plain_items)
        return

    server = subprocess.Popen([sys.executable, __file__, "--serve", "--articles", str(args.articles)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        base = server.stdout.readline().strip()
        if not base.startswith("http://"):
            sys.exit("the bench site did not start")
        pages = args.articles + (args.articles + LIST_SIZE - 1) // LIST_SIZE
        print(f"site: {args.articles:,} articles + {pages - args.articles} list pages at {base}; "
              f"concurrency {args.concurrency}, AutoThrottle off; {args.runs} alternating runs", file=sys.stderr,
              flush=True)
        crawls = {"plain": ("plain", 0, "plain Scrapy as it ships (CONCURRENT_ITEMS 100)"),
                  "tuned": ("plain", CONCURRENT_ITEMS, f"plain Scrapy, CONCURRENT_ITEMS {CONCURRENT_ITEMS}"),
                  "jianyu": ("jianyu", 0, "JianYu (listing spider, ingest chain, SQLite store, evidence)")}
        rates: dict[str, list[float]] = {k: [] for k in crawls}
        cpu_rates: dict[str, list[float]] = {k: [] for k in crawls}
        for run in range(1, max(1, args.runs) + 1):
            for key, (kind, items, label) in crawls.items():
                out = measure(kind, base, args.concurrency, items)
                rates[key].append(out["rate"])
                cpu_rates[key].append(out["cpu_rate"])
                if kind == "plain":
                    detail = f"{out['items']:,} items"
                else:
                    r, st, n = out["report"], out["stages"], max(out["served"]["html"], 1)
                    detail = (f"posts read {r['read']:,}, stored {r['stored']:,}, near-duplicates "
                              f"{r['near_duplicates']:,}, filtered {r['filtered']:,}, errors {r['errors']}; "
                              f"evidence {out['evidence']:,}; CPU per page: Scrapy and the rest "
                              f"{st['scrapy'] * 1000 / n:.2f} ms, reading the article {st['reading'] * 1000 / n:.2f} ms, "
                              f"ingest chain {st['chain'] * 1000 / n:.2f} ms, evidence and crawl state "
                              f"{st['batch'] * 1000 / n:.2f} ms")
                print(f"run {run}: {label}: {out['served']['html']:,} pages in {out['seconds']:.1f} s = "
                      f"{out['rate']:,.0f} pages/s ({detail}; CPU {out['cpu']:.1f} s)", flush=True)
        median = {k: statistics.median(v) for k, v in rates.items()}
        cpu_median = {k: statistics.median(v) for k, v in cpu_rates.items()}
        print(f"median of {args.runs}: JianYu {median['jianyu']:,.0f} pages/s; plain Scrapy as it ships "
              f"{median['plain']:,.0f}, with CONCURRENT_ITEMS {CONCURRENT_ITEMS} {median['tuned']:,.0f}", flush=True)
        print(f"JianYu / plain Scrapy as it ships: {median['jianyu'] / median['plain']:.0%}  goal ≥ {GOAL:.0%}; "
              f"per CPU second {cpu_median['jianyu'] / cpu_median['plain']:.0%}", flush=True)
        print(f"JianYu / plain Scrapy with CONCURRENT_ITEMS {CONCURRENT_ITEMS} (the pipeline's own cost): "
              f"{median['jianyu'] / median['tuned']:.0%}; per CPU second "
              f"{cpu_median['jianyu'] / cpu_median['tuned']:.0%}", flush=True)
    finally:
        server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == "__main__":
    main()
