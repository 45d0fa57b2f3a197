"""Requests, responses and the route table the demo server dispatches on."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Request:
    path: str                          # decoded path, no query
    query: dict[str, list[str]]
    base: str                          # "http://127.0.0.1:8123", no slash at the end
    match: re.Match | None = None

    @classmethod
    def parse(cls, target: str, base: str) -> "Request":
        parts = urlsplit(target)
        return cls(parts.path or "/", parse_qs(parts.query, keep_blank_values=True), base)

    def arg(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[0] if values else default

    def int_arg(self, name: str, default: int) -> int | None:
        """An integer query argument; None when it is there but not an integer."""
        raw = self.arg(name, "")
        if raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            return None


@dataclass
class Response:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Response]


class Router:
    """Regular expressions over the path, tried in order."""

    def __init__(self) -> None:
        self._routes: list[tuple[re.Pattern, Handler]] = []

    def add(self, pattern: str, handler: Handler) -> None:
        self._routes.append((re.compile(pattern + r"\Z"), handler))

    def dispatch(self, request: Request) -> Response:
        for pattern, handler in self._routes:
            m = pattern.match(request.path)
            if m:
                return handler(Request(request.path, request.query, request.base, m))
        return not_found(request)


def esc(text: str) -> str:
    """Text for HTML or XML, quotes included."""
    return html.escape(text, quote=True)


def html_response(text: str, status: int = 200) -> Response:
    return Response(text.encode("utf-8"), "text/html; charset=utf-8", status)


def text_response(text: str, status: int = 200) -> Response:
    return Response(text.encode("utf-8"), "text/plain; charset=utf-8", status)


def not_found(request: Request) -> Response:
    return html_response("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                         "<title>404 页面不存在</title></head><body><h1>404</h1>"
                         f"<p>您访问的页面不存在：{esc(request.path)}</p></body></html>\n", 404)
