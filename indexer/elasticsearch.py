"""The Elasticsearch backend: the cluster store over the official `elasticsearch` client.

Works with the 8.x client against 8.x servers and the 9.x client against 9.x servers
(the client sends its major version as `compatible-with`; a server of another major
version refuses it, and the error says which client to install).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import elasticsearch
from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout, TlsError, TransportError
from elasticsearch import ApiError, Elasticsearch, UnsupportedProductError, helpers

from .es_store import ClusterStore
from .es_wire import Retry, Wire
from .esdsl import Names


class ElasticsearchWire(Wire):
    product = "Elasticsearch"
    helpers = helpers

    def status_of(self, error: Exception) -> int | str | None:
        if isinstance(error, UnsupportedProductError):
            return "product"
        if isinstance(error, ApiError):
            return error.meta.status
        if isinstance(error, TlsError) or (isinstance(error, TransportError) and _tls_message(str(error))):
            return "tls"
        if isinstance(error, (TransportConnectionError, ConnectionTimeout)):
            return "unreachable"
        if isinstance(error, TransportError):
            return "error"
        return None

    def reason_of(self, error: Exception) -> str:
        if isinstance(error, ApiError):
            body = error.body
            if isinstance(body, dict) and isinstance(body.get("error"), dict):
                err = body["error"]
                return f"{err.get('type', '')}: {err.get('reason', '')}"
            return str(error.message)
        return str(getattr(error, "message", error))

    def open_pit(self, index: str, keep_alive: str) -> str:
        return self.call("open a point in time", self.client.open_point_in_time,
                         index=index, keep_alive=keep_alive)["id"]

    def close_pit(self, pit_id: str) -> None:
        self.call("close a point in time", self.client.close_point_in_time, body={"id": pit_id})


def _tls_message(text: str) -> bool:
    low = text.lower()
    return "ssl" in low or "certificate" in low or "tls" in low


def connect(url: str, *, username: str = "", password: str = "", api_key: str = "",
            verify_certs: bool = True, ca_certs: str = "", timeout: float = 30.0) -> Elasticsearch:
    """A client with its own retries off: Wire retries with backoff."""
    kwargs: dict[str, Any] = {"request_timeout": timeout, "max_retries": 0, "retry_on_timeout": False}
    if username:
        kwargs["basic_auth"] = (username, password)
    if api_key:
        kwargs["api_key"] = api_key
    if url.lower().startswith("https"):
        kwargs["verify_certs"] = verify_certs
        if ca_certs:
            kwargs["ca_certs"] = ca_certs
    serializer = getattr(elasticsearch.serializer, "OrjsonSerializer", None)
    if serializer is not None:   # faster than the default json serializer on the bulk path
        kwargs["serializer"] = serializer()
    return Elasticsearch(url, **kwargs)


class ElasticsearchStore(ClusterStore):
    """The Store on an Elasticsearch cluster (see indexer/es_store.py)."""

    def __init__(self, url: str, *, username: str = "", password: str = "", api_key: str = "",
                 verify_certs: bool = True, ca_certs: str = "", timeout: float = 30.0,
                 index_prefix: str = "jianyu", retry: Retry | None = None,
                 spool_dir: str | Path | None = None, **kwargs: Any):
        client = connect(url, username=username, password=password, api_key=api_key,
                         verify_certs=verify_certs, ca_certs=ca_certs, timeout=timeout)
        super().__init__(ElasticsearchWire(client, url, retry), Names(index_prefix), spool_dir=spool_dir, **kwargs)
