"""Command modules; importing them registers each command on the `jianyu` group."""
from . import alerts, crawl, demo, index, ingest, nlp, run, search  # noqa: F401
