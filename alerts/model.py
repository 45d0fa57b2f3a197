"""The alerting vocabulary: levels, events as the clusterer keeps them, and report ids."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from indexer.post import Post


class Level(str, Enum):
    """Report level, lowest first: 一般 / 较大 / 重大."""

    GENERAL = "general"
    SERIOUS = "serious"
    MAJOR = "major"

    @property
    def rank(self) -> int:
        return LEVEL_ORDER.index(self)

    @property
    def zh(self) -> str:
        return LEVEL_ZH[self]


LEVEL_ORDER = (Level.GENERAL, Level.SERIOUS, Level.MAJOR)
LEVEL_ZH = {Level.GENERAL: "一般", Level.SERIOUS: "较大", Level.MAJOR: "重大"}

KIND_ZH = {"first": "首报", "update": "续报", "close": "结案"}


def report_id(event_id: str, kind: str, step: str = "") -> str:
    """Deterministic report ids: one 首报 and one 结案 per event, one 续报 per step
    (a level reached, or a turn such as "official")."""
    if kind == "update":
        return f"{event_id}:update:{step}"
    return f"{event_id}:{kind}"


@dataclass
class PostRef:
    """What a report needs to cite a post."""
    id: str
    url: str = ""
    site: str = ""
    author: str = ""
    platform: str = ""
    title: str = ""
    text: str = ""                   # a short excerpt
    published_at: datetime | None = None
    sentiment: str = ""
    reposts: int = 0
    comments: int = 0
    likes: int = 0

    @classmethod
    def of(cls, post: Post, excerpt: int = 120) -> "PostRef":
        return cls(id=post.id, url=post.url, site=post.site, author=post.author,
                   platform=post.platform.value if post.platform else "", title=post.title,
                   text=post.text[:excerpt], published_at=post.when,
                   sentiment=post.sentiment.value if post.sentiment else "",
                   reposts=post.reposts, comments=post.comments, likes=post.likes)

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["published_at"] = self.published_at.isoformat() if self.published_at else None
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "PostRef":
        d = dict(d)
        if d.get("published_at"):
            d["published_at"] = datetime.fromisoformat(d["published_at"])
        return cls(**d)


@dataclass
class Event:
    """One story told across sites and platforms, as the clusterer knows it.

    Counters are over all its posts; `hourly` maps the start of each hour
    (ISO text, Asia/Shanghai) to the number of posts published in it.
    """
    id: str
    title: str
    first: PostRef                                   # 首发
    posts: dict[str, str] = field(default_factory=dict)  # post id -> url, in arrival order
    hourly: Counter = field(default_factory=Counter)
    sentiments: Counter = field(default_factory=Counter)
    topics: Counter = field(default_factory=Counter)
    sites: Counter = field(default_factory=Counter)
    platforms: Counter = field(default_factory=Counter)
    regions: Counter = field(default_factory=Counter)
    phrases: list[str] = field(default_factory=list)  # key phrases, most telling first
    samples: list[PostRef] = field(default_factory=list)  # representative posts
    official: PostRef | None = None                  # first official response seen, if any
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    status: str = "open"                             # open | closed
    merged_into: str = ""                            # set when found to be part of another event

    @property
    def size(self) -> int:
        return len(self.posts)

    @property
    def topic(self) -> str:
        return self.topics.most_common(1)[0][0] if self.topics else ""

    @property
    def sentiment(self) -> str:
        return self.sentiments.most_common(1)[0][0] if self.sentiments else ""

    def negative_share(self) -> float:
        total = sum(self.sentiments.values())
        return self.sentiments.get("negative", 0) / total if total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "first": self.first.to_dict(),
            "posts": dict(self.posts), "hourly": dict(self.hourly),
            "sentiments": dict(self.sentiments), "topics": dict(self.topics),
            "sites": dict(self.sites), "platforms": dict(self.platforms),
            "regions": dict(self.regions), "phrases": list(self.phrases),
            "samples": [s.to_dict() for s in self.samples],
            "official": self.official.to_dict() if self.official else None,
            "first_seen": self.first_seen.isoformat() if self.first_seen else None,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "status": self.status, "merged_into": self.merged_into,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Event":
        def when(v):
            return datetime.fromisoformat(v) if v else None
        return cls(
            id=d["id"], title=d.get("title", ""), first=PostRef.from_dict(d["first"]),
            posts=dict(d.get("posts", {})), hourly=Counter(d.get("hourly", {})),
            sentiments=Counter(d.get("sentiments", {})), topics=Counter(d.get("topics", {})),
            sites=Counter(d.get("sites", {})), platforms=Counter(d.get("platforms", {})),
            regions=Counter(d.get("regions", {})), phrases=list(d.get("phrases", [])),
            samples=[PostRef.from_dict(s) for s in d.get("samples", [])],
            official=PostRef.from_dict(d["official"]) if d.get("official") else None,
            first_seen=when(d.get("first_seen")), last_seen=when(d.get("last_seen")),
            status=d.get("status", "open"), merged_into=d.get("merged_into", ""),
        )
