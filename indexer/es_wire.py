"""The one place where the cluster backends talk to a client: retries with backoff,
and every failure turned into a StoreError whose message says what to fix.

`Wire` is shared; indexer/elasticsearch.py and indexer/opensearch.py subclass it for
what differs between the two clients: how they are built, their exception classes,
their bulk helper, and the point-in-time API. Both clients take the same keyword
arguments (`index=`, `id=`, `body=`, `if_seq_no=` …) for everything else.

Connection errors, timeouts and 429/502/503/504 are retried, waiting `backoff` seconds
and twice as long each time; when they persist the call raises `Unreachable`, which the
store's ingest path catches to spool posts to a local file (indexer/es_spool.py).
"""
from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import urlsplit, urlunsplit

from nlp.errors import ConfigError, StoreError

log = logging.getLogger(__name__)

RETRY_STATUS = (429, 502, 503, 504)


class Unreachable(StoreError):
    """The cluster did not answer, or stayed overloaded, through every retry."""


class Conflict(StoreError):
    """A create-only or conditional write lost: the document exists or changed meanwhile."""


class Missing(StoreError):
    """The document or index is not there."""


class BulkItemError(Exception):
    """One bulk item's failure, raised as an exception to be explained like any other."""


def item_reason(info: dict[str, Any]) -> str:
    """The reason a bulk item failed, in one line."""
    err = info.get("error")
    if isinstance(err, dict):
        return f"{err.get('type', '')}: {err.get('reason', '')}"
    return str(err or info.get("status", ""))


@dataclass
class Retry:
    retries: int = 5          # attempts after the first
    backoff: float = 0.5      # seconds before the first retry; doubles each time
    cap: float = 30.0         # longest single wait

    def delays(self) -> Iterator[float]:
        for i in range(self.retries):
            yield min(self.cap, self.backoff * (2 ** i))


def redact(url: str) -> str:
    """The URL without any user:password in it, for messages and logs."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


class Wire(ABC):
    product = "cluster"
    helpers: Any = None       # the client package's helpers module (its streaming_bulk)

    def __init__(self, client: Any, url: str, retry: Retry | None = None,
                 sleep: Callable[[float], None] = time.sleep):
        self.client = client
        self.url = redact(url)
        self.retry = retry or Retry()
        self.sleep = sleep
        self.contacted = False    # the cluster has answered this process at least once

    # -- what differs between the clients -----------------------------------
    @abstractmethod
    def status_of(self, error: Exception) -> int | str | None:
        """HTTP status of a client error; "unreachable", "tls" or "product" for errors
        without one; None for anything that is not a client error."""

    @abstractmethod
    def reason_of(self, error: Exception) -> str:
        """The server's reason (or the connection error) in one line."""

    def streaming_bulk(self, actions: Iterable[dict[str, Any]], chunk_size: int,
                       **kwargs: Any) -> Iterator[tuple[bool, dict]]:
        """The client's helpers.streaming_bulk, never raising on item errors."""
        return self.helpers.streaming_bulk(self.client, actions, chunk_size=chunk_size, raise_on_error=False,
                                           raise_on_exception=False, max_retries=0, **kwargs)

    @abstractmethod
    def open_pit(self, index: str, keep_alive: str) -> str: ...

    @abstractmethod
    def close_pit(self, pit_id: str) -> None: ...

    # -- calls -----------------------------------------------------------------
    def call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run one client call with retries; raise StoreError (Unreachable, Conflict,
        Missing, or a plain one) with a message naming the setting to check."""
        delays = self.retry.delays()
        while True:
            try:
                resp = fn(*args, **kwargs)
            except Exception as e:  # noqa: BLE001 - every client error is classified below
                status = self.status_of(e)
                if status is None:
                    raise
                if self.transient(status):
                    delay = next(delays, None)
                    if delay is not None:
                        log.info("%s: %s (%s); retrying in %.1f s", what, self.reason_of(e), status, delay)
                        self.sleep(delay)
                        continue
                raise self.explain(what, status, e) from None
            self.contacted = True
            return getattr(resp, "body", resp)

    @staticmethod
    def transient(status: int | str | None) -> bool:
        return status == "unreachable" or status in RETRY_STATUS

    def explain(self, what: str, status: int | str | None, error: Exception) -> StoreError:
        reason = self.reason_of(error)
        where = f"the {self.product} cluster at {self.url}"
        if self.transient(status):
            return Unreachable(f"cannot reach {where} ({what}): {reason} — check store.url, "
                               "and that the cluster is running")
        if status == "tls":
            return ConfigError(f"TLS with {where} failed: {reason} — check store.url (https?), "
                               "store.verify_certs and store.ca_certs")
        if status == "product":
            return ConfigError(f"{self.url} is not an {self.product} server ({reason}) — check store.backend")
        if status == 401:
            return ConfigError(f"{where} refused the credentials — check store.username and store.password "
                               "or store.api_key (e.g. JIANYU__STORE__PASSWORD in the environment)")
        if status == 403:
            return ConfigError(f"{where}: the user may not {what}: {reason} — grant it the index privileges "
                               f"on the store.index_prefix indices")
        if status == 409:
            return Conflict(f"{what}: {reason}")
        if status == 404:
            return Missing(f"{what}: {reason}")
        if status in (400, 406) and ("media_type" in reason or "compatible-with" in reason):
            return ConfigError(f"{where} does not accept this client's API version ({reason}) — is it "
                               "OpenSearch (check store.backend)? For Elasticsearch, install the elasticsearch "
                               "client of the server's major version (8.x or 9.x)")
        return StoreError(f"{where} refused to {what} (HTTP {status}): {reason}")

    def bulk(self, actions: list[dict[str, Any]], chunk_size: int = 500,
             restamp: Callable[[dict[str, Any]], None] | None = None,
             refresh: bool = False) -> list[tuple[str, dict[str, Any]]]:
        """Send bulk actions, streaming; per action, in order, ("ok" | "conflict" |
        "unreachable" | "failed", the item's answer). Items that failed for a passing
        reason (and, after a dropped connection, the actions not yet answered) are sent
        again after a backoff; `restamp` is called on each before it is resent. Those
        still failing after every retry come back "unreachable"."""
        out: list[tuple[str, dict[str, Any]] | None] = [None] * len(actions)
        pending = list(range(len(actions)))
        delays = self.retry.delays()
        kwargs = {"refresh": "true"} if refresh else {}
        while pending:
            again: list[int] = []
            pos = 0
            try:
                for ok, item in self.streaming_bulk((actions[i] for i in pending), chunk_size, **kwargs):
                    i = pending[pos]
                    pos += 1
                    info = next(iter(item.values()))
                    status = info.get("status")
                    self.contacted = self.contacted or isinstance(status, int)
                    if ok:
                        out[i] = ("ok", info)
                    elif status == 409:
                        out[i] = ("conflict", info)
                    elif self.transient(status) or not isinstance(status, int):
                        again.append(i)
                        out[i] = ("unreachable", info)
                    else:
                        out[i] = ("failed", info)
            except Exception as e:  # noqa: BLE001 - a dropped connection ends the stream
                status = self.status_of(e)
                if status is None or not self.transient(status):
                    raise self.explain("write in bulk", status, e) if status is not None else e
                for i in pending[pos:]:
                    out[i] = ("unreachable", {"status": status, "error": self.reason_of(e)})
                again.extend(pending[pos:])
            if not again:
                break
            delay = next(delays, None)
            if delay is None:
                break
            log.info("bulk: %d of %d actions to retry in %.1f s", len(again), len(actions), delay)
            self.sleep(delay)
            if restamp is not None:
                for i in again:
                    restamp(actions[i])
            pending = again
        result = [o if o is not None else ("unreachable", {}) for o in out]
        # A request refused as a whole (one bad action fails the request) fails every
        # action in it: send those one by one, so only the bad ones fail.
        whole = [i for i, (o, info) in enumerate(result) if o == "failed" and "exception" in info]
        if len(whole) > 1 and chunk_size > 1:
            alone = self.bulk([actions[i] for i in whole], 1, restamp, refresh)
            for i, outcome in zip(whole, alone):
                result[i] = outcome
        return result

    # -- the calls the stores make, the same on both clients -------------------
    def search(self, index: str, body: dict[str, Any], what: str = "search") -> dict[str, Any]:
        return self.call(what, self.client.search, index=index, body=body)

    def search_all(self, index: str, body: dict[str, Any], what: str, limit: int | None = None,
                   page: int = 1000) -> list[dict[str, Any]]:
        """Every hit of `body` (its query and sort; the sort must end in a unique field), or
        the first `limit`, paging with search_after. An index not made yet has no hits."""
        out: list[dict[str, Any]] = []
        after = None
        while limit is None or len(out) < limit:
            size = page if limit is None else min(page, limit - len(out))
            request = {**body, "size": size, "track_total_hits": False}
            if after is not None:
                request["search_after"] = after
            try:
                hits = self.search(index, request, what)["hits"]["hits"]
            except Missing:
                return out
            out.extend(hits)
            if len(hits) < size:
                break
            after = hits[-1]["sort"]
        return out

    def search_pit(self, body: dict[str, Any], what: str = "scan") -> dict[str, Any]:
        return self.call(what, self.client.search, body=body)

    def count(self, index: str, query: dict[str, Any] | None = None) -> int:
        body = {"query": query} if query else None
        return int(self.call("count documents", self.client.count, index=index, body=body)["count"])

    def get(self, index: str, doc_id: str) -> dict[str, Any] | None:
        """The document with its _seq_no and _primary_term, or None."""
        try:
            return self.call(f"read {index}/{doc_id}", self.client.get, index=index, id=doc_id)
        except Missing:
            return None

    def put(self, index: str, doc_id: str, doc: dict[str, Any], *, create: bool = False,
            seq_no: int | None = None, primary_term: int | None = None, refresh: bool = False) -> dict[str, Any]:
        """Index one document; `create` only if it is not there, or only if it is still at
        `seq_no`/`primary_term`. Raises Conflict when that condition fails."""
        kwargs: dict[str, Any] = {"index": index, "id": doc_id, "body": doc}
        if create:
            kwargs["op_type"] = "create"
        if seq_no is not None:
            kwargs["if_seq_no"] = seq_no
            kwargs["if_primary_term"] = primary_term
        if refresh:
            kwargs["refresh"] = "true"
        return self.call(f"write {index}/{doc_id}", self.client.index, **kwargs)

    def update(self, index: str, doc_id: str, partial: dict[str, Any], refresh: bool = False) -> bool:
        """Change some fields of a document; False when there is no such document."""
        kwargs: dict[str, Any] = {"index": index, "id": doc_id, "body": {"doc": partial}}
        if refresh:
            kwargs["refresh"] = "true"
        try:
            self.call(f"update {index}/{doc_id}", self.client.update, **kwargs)
        except Missing:
            return False
        return True

    def close(self) -> None:
        try:
            self.client.close()
        except Exception:  # noqa: BLE001 - closing must not hide the real error
            log.debug("closing the client failed", exc_info=True)
