"""Canonical URLs and the stable post ids derived from them."""
from __future__ import annotations

import hashlib
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only track where a click came from; they never change the page.
TRACKING_PARAMS = frozenset({
    "spm", "from", "source", "src", "share_token", "share_source", "share_medium",
    "sharer", "scene", "isappinstalled", "wfr", "fbclid", "gclid", "msclkid",
    "mc_cid", "mc_eid", "vd_source", "refer", "ref", "timestamp", "sessionid",
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
})
DEFAULT_PORTS = {"http": 80, "https": 443}


@lru_cache(maxsize=8192)  # a batch asks for each post's URL several times
def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop default port, fragment and tracking parameters;
    sort the remaining query so one page reached by two links has one URL."""
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port and DEFAULT_PORTS.get(scheme) != parts.port else None
    netloc = f"{host}:{port}" if port else host
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith("utm_")
    )
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def stable_id(*parts: str) -> str:
    """A short, stable hex id from the given parts (a canonical URL, or platform + platform id)."""
    h = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return h[:24]


def post_id_for_url(url: str) -> str:
    return stable_id(canonical_url(url))
