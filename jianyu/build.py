"""Builds every component from settings; the one place where settings become plain values."""
from __future__ import annotations

import logging
import re
from pathlib import Path

from nlp.errors import ConfigError
from nlp.tagger import Tagger
from nlp.watch import DEFAULT_WATCH_TERMS, WatchList
from indexer.ingest import IngestChain
from indexer.store import Store

from .config import Settings

_HTTP_URL = re.compile(r"^https?://[^/\s]+")


def make_store(settings: Settings, *, backend: str | None = None, spool: bool = True) -> Store:
    """The configured store; `backend` overrides store.backend (`jianyu index reindex`),
    `spool=False` makes writes fail rather than wait in the spool while a cluster is down."""
    cfg = settings.store
    backend = backend or cfg.backend
    if backend == "sqlite":
        from indexer.sqlite import SqliteStore

        return SqliteStore(cfg.path)
    return make_cluster_store(settings, backend, spool=spool)


def make_cluster_store(settings: Settings, backend: str, *, spool: bool = True):
    """An Elasticsearch or OpenSearch store; nothing is sent to the cluster until it is used.
    Credentials come from the settings, which take them from the environment
    (JIANYU__STORE__PASSWORD, JIANYU__STORE__API_KEY)."""
    from indexer.es_wire import Retry

    quiet_cluster_clients()
    cfg = settings.store
    if not cfg.url:
        raise ConfigError(f"store.url: backend {backend} needs the cluster's URL, e.g. https://es.example:9200")
    if not _HTTP_URL.match(cfg.url):
        raise ConfigError(f"store.url: {cfg.url!r} is not an http(s) URL")
    if cfg.password and not cfg.username:
        raise ConfigError("store.username: a password is set but no user name")
    if cfg.ca_certs and not Path(cfg.ca_certs).is_file():
        raise ConfigError(f"store.ca_certs: no such file: {cfg.ca_certs}")
    common = dict(username=cfg.username, password=cfg.password, verify_certs=cfg.verify_certs,
                  ca_certs=cfg.ca_certs, timeout=cfg.timeout, index_prefix=cfg.index_prefix,
                  retry=Retry(cfg.retries, cfg.retry_backoff), spool_dir=cfg.spool_dir if spool else None,
                  settle_seconds=cfg.settle_seconds, shards=cfg.shards, replicas=cfg.replicas)
    if backend == "elasticsearch":
        from indexer.elasticsearch import ElasticsearchStore

        return ElasticsearchStore(cfg.url, api_key=cfg.api_key, **common)
    if backend == "opensearch":
        if cfg.api_key:
            raise ConfigError("store.api_key: OpenSearch takes no API key; use store.username and store.password")
        from indexer.opensearch import OpenSearchStore

        return OpenSearchStore(cfg.url, **common)
    raise ConfigError(f"store.backend: {backend!r} is not allowed (allowed: sqlite, elasticsearch, opensearch)")


def quiet_cluster_clients() -> None:
    """The clients log every request (INFO), and every failed one with its traceback
    (WARNING); the store retries and reports failures itself, in one line. Their logs
    show with -v only."""
    if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
        for name in ("elastic_transport", "elasticsearch", "opensearch"):
            logging.getLogger(name).setLevel(logging.CRITICAL)


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
