"""The OpenSearch backend: the cluster store over `opensearch-py`."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import ConnectionError as OsConnectionError
from opensearchpy.exceptions import SSLError, TransportError
from opensearchpy.serializer import JSONSerializer

from .es_store import ClusterStore
from .es_wire import Retry, Wire
from .esdsl import Names


class OpenSearchWire(Wire):
    product = "OpenSearch"
    helpers = helpers

    def status_of(self, error: Exception) -> int | str | None:
        if isinstance(error, SSLError) or (isinstance(error, OsConnectionError) and _tls_message(str(error))):
            return "tls"
        if isinstance(error, OsConnectionError):   # ConnectionTimeout is one too
            return "unreachable"
        if isinstance(error, TransportError):
            status = error.status_code
            return status if isinstance(status, int) else "unreachable"
        return None

    def reason_of(self, error: Exception) -> str:
        if isinstance(error, OsConnectionError):
            return str(error.info or error)
        if isinstance(error, TransportError):
            info = error.info
            if isinstance(info, dict) and isinstance(info.get("error"), dict):
                err = info["error"]
                return f"{err.get('type', '')}: {err.get('reason', '')}"
            return str(error.error)
        return str(error)

    def open_pit(self, index: str, keep_alive: str) -> str:
        return self.call("open a point in time", self.client.create_pit, index=index,
                         keep_alive=keep_alive)["pit_id"]

    def close_pit(self, pit_id: str) -> None:
        self.call("close a point in time", self.client.delete_pit, body={"pit_id": [pit_id]})


class _OrjsonSerializer(JSONSerializer):
    """opensearch-py's serializer with orjson for dicts: the bulk path serializes every post."""

    def dumps(self, data: Any) -> Any:
        if isinstance(data, (str, bytes)):
            return data
        try:
            return orjson.dumps(data, default=self.default).decode()
        except TypeError:
            return super().dumps(data)


def _tls_message(text: str) -> bool:
    low = text.lower()
    return "ssl" in low or "certificate" in low


def connect(url: str, *, username: str = "", password: str = "", verify_certs: bool = True,
            ca_certs: str = "", timeout: float = 30.0) -> OpenSearch:
    """A client with its own retries off: Wire retries with backoff."""
    kwargs: dict[str, Any] = {"timeout": timeout, "max_retries": 0, "retry_on_timeout": False,
                              "serializer": _OrjsonSerializer()}
    if username:
        kwargs["http_auth"] = (username, password)
    if url.lower().startswith("https"):
        kwargs["use_ssl"] = True
        kwargs["verify_certs"] = verify_certs
        kwargs["ssl_show_warn"] = verify_certs   # turning checks off is a documented choice
        if ca_certs:
            kwargs["ca_certs"] = ca_certs
    return OpenSearch(hosts=[url], **kwargs)


class OpenSearchStore(ClusterStore):
    """The Store on an OpenSearch cluster (see indexer/es_store.py)."""

    def __init__(self, url: str, *, username: str = "", password: str = "", verify_certs: bool = True,
                 ca_certs: str = "", timeout: float = 30.0, index_prefix: str = "jianyu",
                 retry: Retry | None = None, spool_dir: str | Path | None = None, **kwargs: Any):
        client = connect(url, username=username, password=password, verify_certs=verify_certs,
                         ca_certs=ca_certs, timeout=timeout)
        super().__init__(OpenSearchWire(client, url, retry), Names(index_prefix), spool_dir=spool_dir, **kwargs)
