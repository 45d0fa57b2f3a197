"""Builds every component from settings; the one place where settings become plain values."""
from __future__ import annotations

from nlp.errors import ConfigError
from nlp.tagger import Tagger
from nlp.watch import DEFAULT_WATCH_TERMS, WatchList
from indexer.ingest import IngestChain
from indexer.store import Store

from .config import Settings


def make_store(settings: Settings) -> Store:
    cfg = settings.store
    if cfg.backend == "sqlite":
        from indexer.sqlite import SqliteStore

        return SqliteStore(cfg.path)
    raise ConfigError(f"store.backend: '{cfg.backend}' is not available in this version "
                      "(allowed: sqlite)")


def make_watch(settings: Settings) -> WatchList:
    w = settings.watch
    terms = list(DEFAULT_WATCH_TERMS if w.use_defaults else ()) + list(w.terms)
    if not terms:
        raise ConfigError("watch.terms: no watch terms (set watch.terms or watch.use_defaults: true)")
    try:
        return WatchList(terms, exclude=w.exclude)
    except ValueError as e:
        raise ConfigError(f"watch.terms: {e}") from None


def make_tagger(settings: Settings) -> Tagger:
    return Tagger.load(settings.nlp.model_dir)


def make_chain(settings: Settings, store: Store, *, keep_labels: bool | None = None) -> IngestChain:
    keep = settings.ingest.keep_labels if keep_labels is None else keep_labels
    return IngestChain(store, make_tagger(settings), make_watch(settings), keep_labels=keep,
                       near_dup_window=settings.ingest.near_dup_window,
                       batch_size=settings.ingest.batch_size)


def make_sources(settings: Settings, names: list[str] | None = None, environ=None):
    """The configured sources as the crawler takes them; cookies are read from the
    environment here, at the edge. Unknown names are a ConfigError naming them."""
    import os

    from crawlers.sources import Source

    env = os.environ if environ is None else environ
    chosen = settings.sources
    if names:
        known = {s.name for s in settings.sources}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ConfigError(f"no source named {', '.join(unknown)} (configured: {', '.join(sorted(known)) or 'none'})")
        chosen = [s for s in settings.sources if s.name in names]
    out = []
    for s in chosen:
        cookie = ""
        if s.cookie_env:
            cookie = env.get(s.cookie_env, "")
            if not cookie:
                raise ConfigError(f"sources[{s.name}].cookie_env: the environment variable {s.cookie_env} is not set")
        out.append(Source(
            name=s.name, type=s.type, urls=tuple(s.all_urls()), interval=s.interval, keywords=tuple(s.keywords),
            selectors=dict(s.selectors), encoding=s.encoding, headers=dict(s.headers), cookie=cookie,
            rate_limit=s.rate_limit, allowed_domains=tuple(s.allowed_domains), platform=s.platform,
            site=s.site, max_pages=s.max_pages))
    return out


def crawl_options(settings: Settings):
    from crawlers.run import CrawlOptions

    c = settings.crawl
    return CrawlOptions(user_agent=c.user_agent, obey_robots=c.obey_robots,
                        concurrency_per_domain=c.concurrency_per_domain, download_timeout=c.download_timeout,
                        retries=c.retries, retry_backoff=c.retry_backoff, max_page_bytes=c.max_page_bytes,
                        redis_url=c.redis_url, evidence=c.evidence)
