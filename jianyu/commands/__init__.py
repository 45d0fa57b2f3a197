"""Command modules; importing them registers each command on the `jianyu` group."""
from . import crawl, demo, ingest, nlp, search  # noqa: F401
