"""Plumbing for the mock server's route modules: request and response types, the route
table, and the per-path counters behind ``/_stats``.

Route modules register handlers with ``@route(r"regex")``; the regex must match the
whole request path (query excluded) and its groups become positional arguments."""
from __future__ import annotations

import json
import re
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs

SITE = Path(__file__).resolve().parents[1] / "fixtures" / "site"


@dataclass
class Request:
    method: str
    path: str  # as sent, without the query
    query: str  # raw query string, without "?"
    headers: dict[str, str]  # lower-cased names
    host: str = "127.0.0.1"

    @property
    def url(self) -> str:
        """Path and query, the key of the per-URL counters."""
        return f"{self.path}?{self.query}" if self.query else self.path

    @property
    def base(self) -> str:
        return f"http://{self.host}"

    @property
    def params(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.query, keep_blank_values=True).items()}

    def arg(self, name: str, default: str = "") -> str:
        return self.params.get(name, default)

    def number(self, name: str, default: float, *, low: float = 0, high: float = 1e9) -> float:
        try:
            value = float(self.params[name])
        except (KeyError, ValueError):
            return default
        return min(max(value, low), high)


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_length: int | None = None  # announce more than the body holds (data loss)
    close: bool = False  # close the connection after this response


def html(body: str | bytes, *, status: int = 200, charset: str | None = "utf-8",
         encoding: str | None = None, content_type: str = "text/html") -> Response:
    """An HTML (or other text) response. ``charset`` goes in the Content-Type header
    (None: no charset parameter); ``encoding`` encodes ``str`` bodies (default: charset,
    else UTF-8)."""
    if isinstance(body, str):
        body = body.encode(encoding or charset or "utf-8")
    ctype = f"{content_type}; charset={charset}" if charset else content_type
    return Response(status, body, [("Content-Type", ctype)])


def as_json(data: object, *, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status, body, [("Content-Type", "application/json; charset=utf-8")])


def xml(text: str, content_type: str = "application/xml", encoding: str = "utf-8") -> Response:
    return Response(200, text.encode(encoding), [("Content-Type", f"{content_type}; charset={encoding}")])


def redirect(location: str, status: int = 302) -> Response:
    resp = html(f'<html><body>Moved to <a href="{location}">{location}</a></body></html>', status=status)
    resp.headers.append(("Location", location))
    return resp


def not_found(path: str = "") -> Response:
    page = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404 页面不存在</title></head>"
            f"<body><h1>404</h1><p>您访问的页面不存在或已被删除：{path}</p></body></html>")
    return html(page, status=404)


def site_file(name: str) -> str:
    return (SITE / name).read_text(encoding="utf-8")


# -- routing --------------------------------------------------------------------------

Handler = Callable[..., Response]
ROUTES: list[tuple[re.Pattern[str], Handler]] = []


def route(pattern: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        ROUTES.append((re.compile(pattern), func))
        return func
    return register


def dispatch(req: Request) -> Response:
    for pattern, func in ROUTES:
        match = pattern.fullmatch(req.path)
        if match:
            return func(req, *match.groups())
    return not_found(req.path)


# -- counters -------------------------------------------------------------------------

class Stats:
    """Requests per path, per path+query, and per status; and the per-path attempt
    counters of the fail-then-succeed pages. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.paths: Counter[str] = Counter()
            self.urls: dict[str, Counter[str]] = defaultdict(Counter)
            self.statuses: dict[str, Counter[int]] = defaultdict(Counter)
            self.attempts: Counter[str] = Counter()

    def hit(self, req: Request) -> None:
        with self._lock:
            self.paths[req.path] += 1
            self.urls[req.path][req.url] += 1

    def done(self, req: Request, status: int) -> None:
        with self._lock:
            self.statuses[req.path][status] += 1

    def attempt(self, path: str) -> int:
        """Counts one more attempt at ``path`` and returns its number (1 for the first)."""
        with self._lock:
            self.attempts[path] += 1
            return self.attempts[path]

    def summary(self, path: str) -> dict:
        statuses = self.statuses.get(path, Counter())
        return {
            "requests": self.paths.get(path, 0),
            "not_modified": statuses.get(304, 0),
            "statuses": {str(code): n for code, n in sorted(statuses.items())},
            "urls": dict(self.urls.get(path, {})),
        }

    def report(self, path: str | None = None) -> dict:
        with self._lock:
            if path is not None:
                return {"path": path, **self.summary(path)}
            return {"total": sum(self.paths.values()),
                    "paths": {p: self.summary(p) for p in sorted(self.paths)}}


STATS = Stats()
