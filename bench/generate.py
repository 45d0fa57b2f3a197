"""Generated posts for the benchmarks: sentences recombined from the shipped corpus,
with varied sites, platforms and times, so that token statistics look like real posts."""
from __future__ import annotations

import json
import random
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

from indexer.post import SHANGHAI
from nlp.corpus import CORPUS_DIR

PLATFORMS = ["weibo"] * 5 + ["news"] * 2 + ["wechat", "forum", "video", "gov"]
SITES = {"weibo": ["weibo.com"], "news": ["news.yunzhou.example", "澎湃新闻", "新京报", "云州日报"],
         "wechat": ["mp.weixin.qq.com"], "forum": ["tieba.baidu.com", "云州论坛"],
         "video": ["douyin.com", "bilibili.com"], "gov": ["qs.jcy.example", "yz.jcy.example"]}
_SENT = re.compile(r"[^。！？!?\n]+[。！？!?]?")


def sentences(folder: Path = CORPUS_DIR) -> list[str]:
    out = []
    for f in sorted(folder.glob("*.jsonl")):
        for line in f.open(encoding="utf-8"):
            d = json.loads(line)
            out.extend(s.strip() for s in _SENT.findall(d["text"]) if len(s.strip()) >= 6)
    return out


def posts(n: int, days: int = 90, seed: int = 7, end: datetime | None = None) -> Iterator[dict]:
    rng = random.Random(seed)
    pool = sentences()
    end = end or datetime(2026, 11, 30, 23, 59, tzinfo=SHANGHAI)
    span = days * 86400
    start = end - timedelta(seconds=span)
    for i in range(n):
        platform = rng.choice(PLATFORMS)
        k = rng.choice((1, 1, 2, 2, 3, 4)) if platform in ("weibo", "video") else rng.choice((2, 3, 4, 6))
        text = "".join(rng.choice(pool) for _ in range(k))
        # roughly in arrival order, as a crawl delivers them, with an hour of jitter
        when = min(end, start + timedelta(seconds=i * span / n + rng.uniform(-3600, 3600)))
        yield {"id": f"g{i}", "url": f"https://{platform}.example/p/{i}", "platform": platform,
               "site": rng.choice(SITES[platform]), "text": text, "published_at": when.isoformat(),
               "reposts": rng.randrange(50), "likes": rng.randrange(500)}
