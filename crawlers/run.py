"""One crawl round over the given sources, in this process, through the ingest chain."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from indexer.ingest import IngestChain

from . import settings as defaults
from .context import CrawlContext, SourceReport
from .scaleout import check_redis, redis_settings
from .sources import Source
from .spiders import spider_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CrawlOptions:
    """The operator's `crawl:` settings, as plain values."""
    user_agent: str = defaults.USER_AGENT
    obey_robots: bool = True
    concurrency_per_domain: int = 2
    download_timeout: int = 30
    retries: int = 3
    retry_backoff: float = 2.0
    max_page_bytes: int = 10 * 1024 * 1024
    redis_url: str = ""
    evidence: bool = True
    autothrottle: bool = True


def scrapy_settings(options: CrawlOptions) -> Settings:
    s = Settings()
    s.setmodule(defaults, priority="project")
    s.update({
        "USER_AGENT": options.user_agent,
        "ROBOTSTXT_OBEY": options.obey_robots,
        "CONCURRENT_REQUESTS_PER_DOMAIN": options.concurrency_per_domain,
        "DOWNLOAD_TIMEOUT": options.download_timeout,
        "RETRY_TIMES": options.retries,
        "RETRY_BACKOFF_BASE": options.retry_backoff,
        "DOWNLOAD_MAXSIZE": options.max_page_bytes,
        "AUTOTHROTTLE_ENABLED": options.autothrottle,
        "LOG_ENABLED": False,  # our logging is already configured by the command line
        "LOG_INSTALL_ROOT_HANDLER": False,
    }, priority="cmdline")
    if options.redis_url:  # one queue and duplicate filter per source, shared by every process
        s.update(redis_settings(options.redis_url), priority="cmdline")
    return s


def crawl(sources: list[Source], chain: IngestChain, options: CrawlOptions = CrawlOptions()) -> list[SourceReport]:
    """Run one round over `sources` and return a report per source. The Twisted reactor
    runs once per process: call this once (the monitor runs each round in a child process)."""
    if options.redis_url:
        check_redis(options.redis_url)
    context = CrawlContext(chain, evidence=options.evidence)
    level = logging.getLogger().level
    process = CrawlerProcess(scrapy_settings(options))
    # Scrapy configures logging as it starts; ours was set by the command line. Scrapy's
    # own chatter is shown only when debugging.
    logging.getLogger().setLevel(level)
    if level > logging.DEBUG:
        logging.getLogger("scrapy").setLevel(max(level, logging.WARNING))
    for source in sources:
        spider = spider_for(source.type)
        if source.rate_limit:  # a per-source limit: a subclass whose settings say so
            spider = type(spider.__name__, (spider,), {"custom_settings": {
                "DOWNLOAD_DELAY": 1.0 / source.rate_limit, "DOWNLOAD_DELAY_JITTER": 0}})
        process.crawl(spider, source=source, context=context)
        context.report(source.name)
    process.start()
    return [context.report(s.name) for s in sources]
