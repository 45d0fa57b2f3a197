"""Scrapy settings for JianYu's crawlers: polite by default.

`crawlers.run` starts from these and applies the operator's `crawl:` settings (passed
in as plain values); nothing here reads configuration files or the environment.
"""
BOT_NAME = "jianyu"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

USER_AGENT = "JianYu/0.1 (public-opinion monitor)"
ROBOTSTXT_OBEY = True

# Per-host politeness; AutoThrottle adapts the delay to how fast each host answers.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Items per response processed at once. Our pipeline is synchronous and a page yields one
# post (a list page yields requests), so Scrapy's default of 100 only starts idle tasks.
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 0
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
REDIRECT_MAX_TIMES = 5

# Retries with exponential backoff (crawlers.middlewares.BackoffRetryMiddleware).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 120.0

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawlers.middlewares.RobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.middlewares.BackoffRetryMiddleware": 550,
    "crawlers.middlewares.IncrementalMiddleware": 560,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawlers.middlewares.MetaRefreshMiddleware": 580,
}
ITEM_PIPELINES = {
    "crawlers.pipelines.IngestPipeline": 300,
}
EXTENSIONS = {
    "crawlers.middlewares.HealthExtension": 500,
    "scrapy.extensions.telnet.TelnetConsole": None,
}

# Two per-page costs that buy nothing here; together 0.2 ms of the 1.2 ms Scrapy itself
# spent on each page of the crawl bench. Scrapy reads a generator callback's source
# (inspect + ast) to warn about `return value` whenever its cache of bound methods misses;
# our callbacks never return a value from a generator (tests/crawlers/test_spiders.py
# checks). And it serializes every request and response only to count their bytes; the
# round's own report counts pages, and `jianyu sources` keeps each source's health.
WARN_ON_GENERATOR_RETURN_VALUE = False
DOWNLOADER_STATS = False

HTTPERROR_ALLOWED_CODES = [304]
COOKIES_ENABLED = True
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
