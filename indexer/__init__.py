"""The Post type, the Store interface and its backends, the query language and the ingest chain."""
