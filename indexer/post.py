"""The one Post type that flows through the whole pipeline."""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from nlp.errors import PostError
from nlp.labels import Platform, Sentiment, Topic, parse_bool

from .urls import canonical_url, post_id_for_url, stable_id

SHANGHAI = ZoneInfo("Asia/Shanghai")
_SPACE_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


@dataclass
class Post:
    """A post as stored: TAXONOMY.md fields, plus the bookkeeping the pipeline needs."""

    id: str
    text: str
    url: str = ""
    platform: Platform = Platform.OTHER
    site: str = ""
    author: str = ""
    title: str = ""
    published_at: datetime | None = None
    crawled_at: datetime | None = None
    lang: str = "zh"
    region: str = ""
    tokens: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    event_id: str = ""
    reposts: int = 0
    comments: int = 0
    likes: int = 0
    relevant: bool | None = None
    sentiment: Sentiment | None = None
    topic: Topic | None = None
    # Bookkeeping beyond TAXONOMY.md.
    source: str = ""          # the configured source (or import file) it came from
    dup_of: str = ""          # id of the post this one nearly copies, if any
    fingerprint: int = 0      # 64-bit SimHash of the normalized text
    watch_terms: list[str] = field(default_factory=list)  # which watch terms matched
    input_hash: str = ""      # digest of the post as it arrived, before tagging

    @property
    def when(self) -> datetime:
        """The time to sort and bucket by: published, else crawled."""
        return self.published_at or self.crawled_at or datetime.fromtimestamp(0, timezone.utc)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if isinstance(v, datetime):
                v = v.isoformat()
            elif isinstance(v, (Platform, Sentiment, Topic)):
                v = v.value
            elif isinstance(v, list):
                v = list(v)
            d[f.name] = v
        return d

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Post":
        """Build a post from TAXONOMY field names. Unknown fields and fields starting
        with `_` are ignored. A missing id is derived from the canonical URL, or from
        platform + platform id. Raises PostError naming the bad field."""
        if not isinstance(data, dict):
            raise PostError(f"a post must be a JSON object, not {type(data).__name__}")
        text = data.get("text")
        if text is None or (isinstance(text, str) and not text.strip()):
            raise PostError("no text")
        if not isinstance(text, str):
            raise PostError(f"field 'text' must be a string, not {type(text).__name__}")
        kw: dict[str, Any] = {"text": text}
        for name in ("url", "site", "author", "title", "lang", "region", "event_id", "source", "dup_of",
                     "input_hash"):
            if data.get(name) is not None:
                kw[name] = _string(data[name], name)
        url = kw.get("url", "")
        if data.get("platform") not in (None, ""):
            kw["platform"] = _enum(Platform, data["platform"], "platform")
        for name in ("published_at", "crawled_at"):
            if data.get(name) not in (None, ""):
                kw[name] = parse_time(data[name], name)
        for name in ("reposts", "comments", "likes", "fingerprint"):
            if data.get(name) not in (None, ""):
                kw[name] = _count(data[name], name)
        for name in ("tokens", "keywords", "watch_terms"):
            if data.get(name) is not None:
                kw[name] = _string_list(data[name], name)
        if data.get("relevant") not in (None, ""):
            try:
                kw["relevant"] = parse_bool(data["relevant"])
            except ValueError as e:
                raise PostError(f"field 'relevant': {e}") from None
        if data.get("sentiment") not in (None, ""):
            kw["sentiment"] = _enum(Sentiment, data["sentiment"], "sentiment")
        if data.get("topic") not in (None, ""):
            kw["topic"] = _enum(Topic, data["topic"], "topic")
        given_id = data.get("id")
        if given_id not in (None, ""):
            kw["id"] = _string(given_id, "id")
        elif url:
            kw["id"] = post_id_for_url(url)
        elif data.get("platform_id"):
            kw["id"] = stable_id(str(kw.get("platform", Platform.OTHER).value), str(data["platform_id"]))
        else:
            raise PostError("no id, url or platform_id to identify the post")
        return cls(**kw)

    @property
    def canonical_url(self) -> str:
        return canonical_url(self.url)


def parse_time(value: Any, name: str = "time") -> datetime:
    """ISO 8601, `YYYY-MM-DD HH:MM[:SS]` or epoch seconds; a time without a zone is
    taken as Asia/Shanghai. Raises PostError on anything else."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, SHANGHAI)
        except (OverflowError, OSError, ValueError):
            raise PostError(f"field {name!r}: epoch {value!r} out of range") from None
    elif isinstance(value, str):
        s = value.strip()
        try:
            dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError:
            m = _SPACE_DATE.match(s)
            if not m:
                raise PostError(f"field {name!r}: not a date: {value[:40]!r}") from None
            y, mo, d, h, mi, se = (int(x) if x else 0 for x in m.groups())
            try:
                dt = datetime(y, mo, d, h, mi, se)
            except ValueError as e:
                raise PostError(f"field {name!r}: {e}: {value[:40]!r}") from None
    else:
        raise PostError(f"field {name!r}: not a date: {type(value).__name__}")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=SHANGHAI)
    return dt


def _string(value: Any, name: str) -> str:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    raise PostError(f"field {name!r} must be a string, not {type(value).__name__}")


def _count(value: Any, name: str) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise PostError(f"field {name!r} must be a whole number, not {value!r}") from None
    if n < 0:
        raise PostError(f"field {name!r} must not be negative: {n}")
    return n


def _string_list(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise PostError(f"field {name!r} must be a list of strings")
    return list(value)


def _enum(kind: type, value: Any, name: str):
    try:
        return kind(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise PostError(f"field {name!r}: {value!r} is not one of {allowed}") from None
