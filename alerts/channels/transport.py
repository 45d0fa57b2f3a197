"""One JSON POST over the standard library, with the failure sorted into transient or
permanent. Redirects are not followed (a webhook that moved is a configuration to fix,
and following one would resend the body somewhere else), and no proxy is used unless
one is configured."""
from __future__ import annotations

import http.client
import json
import socket
import ssl
import urllib.error
import urllib.request
from typing import Any

from .base import ChannelError

MAX_REPLY = 64 * 1024
USER_AGENT = "JianYu-alerts/1"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        return None  # the 3xx then surfaces as an HTTPError


def _opener(proxy: str) -> urllib.request.OpenerDirector:
    proxies = {"http": proxy, "https": proxy} if proxy else {}
    return urllib.request.build_opener(urllib.request.ProxyHandler(proxies), _NoRedirect)


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: ignore it, the backoff will do


def post_json(url: str, body: Any, *, what: str, timeout: float, proxy: str = "",
              headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """POST `body` as UTF-8 JSON; (status, reply body) on 2xx, ChannelError otherwise.
    `what` names the channel in error messages, which never contain the URL."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT, **(headers or {})})
    try:
        with _opener(proxy).open(request, timeout=timeout) as reply:
            return reply.status, reply.read(MAX_REPLY)
    except urllib.error.HTTPError as e:
        try:
            detail = e.read(300).decode("utf-8", "replace").strip()
        except OSError:
            detail = ""
        finally:
            e.close()
        code = e.code
        transient = code in (408, 425, 429) or code >= 500
        hint = " (redirects are not followed: configure the final address)" if 300 <= code < 400 else ""
        raise ChannelError(f"{what}: HTTP {code} {e.reason}{hint}{': ' + detail if detail else ''}",
                           transient=transient, retry_after=_retry_after(e.headers.get("Retry-After"))) from None
    except urllib.error.URLError as e:
        reason = e.reason
        permanent = isinstance(reason, ssl.SSLCertVerificationError)
        raise ChannelError(f"{what}: cannot connect: {reason}", transient=not permanent) from None
    except (socket.timeout, TimeoutError) as e:
        raise ChannelError(f"{what}: timed out after {timeout:g}s ({e})", transient=True) from None
    except http.client.InvalidURL:
        raise ChannelError(f"{what}: the configured URL is not valid", transient=False) from None
    except (http.client.HTTPException, OSError) as e:
        raise ChannelError(f"{what}: connection failed: {type(e).__name__}: {e}", transient=True) from None
    except ValueError:  # urllib's messages quote the URL, which carries the key: say less
        raise ChannelError(f"{what}: the configured URL is not valid", transient=False) from None


def post_bot(url: str, body: Any, *, what: str, timeout: float, proxy: str = "") -> dict[str, Any]:
    """POST to a chat bot, whose reply is a JSON object carrying its own error code."""
    _, raw = post_json(url, body, what=what, timeout=timeout, proxy=proxy)
    try:
        reply = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        reply = None
    if not isinstance(reply, dict):
        # a proxy's or a gateway's page rather than the bot's answer: try again later
        raise ChannelError(f"{what}: the reply is not the bot's JSON: {raw[:200]!r}", transient=True)
    return reply
