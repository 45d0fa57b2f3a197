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
