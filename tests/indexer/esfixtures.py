"""The cluster backends' test servers: one osmem-server subprocess for the session (an
in-memory OpenSearch-compatible server, from the osmem-server package), a fresh clone of
it per test (copy-on-write, milliseconds), and a small HTTP proxy for the official
Elasticsearch client.

The Elasticsearch client sends its versioned media type
(``application/vnd.elasticsearch+json; compatible-with=N``) as Content-Type and Accept;
osmem speaks OpenSearch and answers 406 to it. The proxy rewrites those two headers to
``application/json``. osmem also has no route for Elasticsearch's point-in-time API, so
the proxy maps ``POST /{index}/_pit`` and ``DELETE /_pit`` onto OpenSearch's
``/_search/point_in_time`` (the search body's ``pit`` clause is the same in both).
Everything else passes through unchanged. It lives here, in the tests, on purpose:
against a real Elasticsearch cluster nothing needs rewriting, and the product code does
none of it.

The failure tests send the OpenSearch client through the same proxy, which can play a
cluster that is down (connections closed unanswered), that refuses the credentials
(401), or that is overloaded (429/503 for the next N requests to a path).
"""
from __future__ import annotations

import http.client
import json
import re
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import urlsplit

_VENDOR = re.compile(r"application/vnd\.elasticsearch\+(json|x-ndjson)(\s*;\s*compatible-with=\d+)?", re.I)
_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}


def plain_media_type(value: str) -> str:
    """``application/vnd.elasticsearch+json; compatible-with=9`` → ``application/json``."""
    return _VENDOR.sub(lambda m: f"application/{m.group(1)}", value)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_ProxyServer"

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def setup(self) -> None:
        super().setup()
        # headers and body go out in separate writes: without this, Nagle's algorithm and
        # delayed ACKs hold every answer back ~40 ms
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        if self._fault():
            return
        path, body, answer = _pit_request(self.command, self.path, body)
        headers = {}
        for name, value in self.headers.items():
            low = name.lower()
            if low in _HOP or low in ("host", "content-length"):
                continue
            if low in ("content-type", "accept"):
                value = plain_media_type(value)
            headers[name] = value
        conn = self._upstream()
        try:
            if body is not None:
                headers["Content-Length"] = str(len(body))
            conn.request(self.command, path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            if answer is not None and resp.status == 200:
                data = answer(json.loads(data))
        except (OSError, http.client.HTTPException):
            self._close_upstream()
            self.send_error(502, "upstream unreachable")
            return
        self.send_response(resp.status)
        for name, value in resp.getheaders():
            if name.lower() not in _HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _fault(self) -> bool:
        """Answer for a cluster that is down, refuses the credentials, or is overloaded."""
        srv = self.server
        if srv.down:
            self.close_connection = True
            self.request.shutdown(socket.SHUT_RDWR)   # no answer at all, as a dead node
            return True
        if srv.auth is not None and self.headers.get("Authorization") != srv.auth:
            self._answer(401, {"error": {"type": "security_exception", "reason": "unable to authenticate user"},
                               "status": 401}, {"WWW-Authenticate": 'Basic realm="security"'})
            return True
        with srv.lock:
            for fault in srv.faults:
                if fault[1] > 0 and fault[0] in self.path:
                    fault[1] -= 1
                    status = fault[2]
                    self._answer(status, {"error": {"type": "es_rejected_execution_exception" if status == 429
                                                    else "unavailable", "reason": "injected by the test"},
                                          "status": status})
                    return True
        return False

    def _answer(self, status: int, doc: dict, headers: dict | None = None) -> None:
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _upstream(self) -> http.client.HTTPConnection:
        """One keep-alive upstream connection per client connection, reopened when the
        upstream changes; closed with the client connection."""
        target = self.server.upstream
        conn = getattr(self, "conn", None)
        if conn is None or self.target != target:
            self._close_upstream()
            parts = urlsplit(target)
            conn = self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            self.target = target
        return conn

    def _close_upstream(self) -> None:
        conn = getattr(self, "conn", None)
        if conn is not None:
            conn.close()
            self.conn = None

    def finish(self) -> None:
        self._close_upstream()
        super().finish()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _forward


def _pit_request(method: str, path: str, body: bytes | None):
    """Elasticsearch's point-in-time calls as OpenSearch's, and how to map the answer back."""
    target, _, query = path.partition("?")
    if method == "POST" and target.endswith("/_pit"):
        new = target[:-len("/_pit")] + "/_search/point_in_time" + (f"?{query}" if query else "")
        return new, body, lambda doc: json.dumps({"id": doc["pit_id"]}).encode()
    if method == "DELETE" and target == "/_pit":
        pit = json.loads(body or b"{}").get("id")
        new_body = json.dumps({"pit_id": [pit]}).encode()
        answer = lambda doc: json.dumps({"succeeded": True, "num_freed": len(doc.get("pits", []))}).encode()  # noqa: E731
        return "/_search/point_in_time" + (f"?{query}" if query else ""), new_body, answer
    return path, body, None


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True
    upstream: str
    down = False                    # close every connection without an answer
    auth: str | None = None         # the Authorization header to require
    faults: list                    # [path part, times left, status]
    lock: threading.Lock


@dataclass
class MediaTypeProxy:
    """HTTP proxy on 127.0.0.1 (a free port) in front of `upstream`; `upstream` may be
    changed between tests (each test gets its own osmem clone)."""
    upstream: str
    server: _ProxyServer | None = field(default=None, repr=False)

    def start(self) -> "MediaTypeProxy":
        self.server = _ProxyServer(("127.0.0.1", 0), _Handler)
        self.server.upstream = self.upstream
        self.server.faults = []
        self.server.lock = threading.Lock()
        threading.Thread(target=self.server.serve_forever, name="es-proxy", daemon=True).start()
        return self

    def fail(self, path_part: str, times: int, status: int = 429) -> None:
        """Answer the next `times` requests whose path contains `path_part` with `status`."""
        assert self.server is not None
        with self.server.lock:
            self.server.faults.append([path_part, times, status])

    def set_down(self, down: bool) -> None:
        assert self.server is not None
        self.server.down = down

    def require_basic_auth(self, user: str | None, password: str = "") -> None:
        import base64

        assert self.server is not None
        self.server.auth = None if user is None else "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def reset(self) -> None:
        assert self.server is not None
        self.server.down, self.server.auth = False, None
        with self.server.lock:
            self.server.faults.clear()

    def point_at(self, upstream: str) -> None:
        self.upstream = upstream
        assert self.server is not None
        self.server.upstream = upstream

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> "MediaTypeProxy":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


class Osmem:
    """The session's osmem-server and proxy; `store(backend, folder)` gives a store of
    either cluster backend on a fresh clone."""

    def __init__(self) -> None:
        from osmem_server import OsmemServer

        self.server = OsmemServer.start(japanese=False)
        self.proxy = MediaTypeProxy(self.server.url).start()

    def clone(self):
        return self.server.clone()

    def url_for(self, backend: str, clone, proxy: bool = False) -> str:
        """The URL a client of `backend` uses for `clone`: through the proxy for the
        Elasticsearch client (or when `proxy`, to inject faults), else direct."""
        if backend == "elasticsearch" or proxy:
            self.proxy.point_at(clone.url)
            return self.proxy.url
        return clone.url

    @contextmanager
    def store(self, backend: str, folder: Path, clone=None, proxy: bool = False, **kwargs: Any) -> Iterator[Any]:
        own = clone is None
        clone = clone or self.clone()
        store = make_cluster_store(backend, self.url_for(backend, clone, proxy), folder, **kwargs)
        try:
            yield store
        finally:
            store.close()
            if own:
                clone.close()

    def close(self) -> None:
        self.proxy.close()
        self.server.close()
        for pipe in (self.server.process.stdout, self.server.process.stdin):
            if pipe is not None:
                pipe.close()


def make_cluster_store(backend: str, url: str, folder: Path, **kwargs: Any):
    """A store as the tests use it: results visible at once (settle 0), short retries."""
    from indexer.es_wire import Retry

    kwargs.setdefault("settle_seconds", 0)
    kwargs.setdefault("retry", Retry(retries=2, backoff=0.01))
    kwargs.setdefault("spool_dir", folder / "spool")
    if backend == "opensearch":
        from indexer.opensearch import OpenSearchStore

        return OpenSearchStore(url, **kwargs)
    from indexer.elasticsearch import ElasticsearchStore

    return ElasticsearchStore(url, **kwargs)
