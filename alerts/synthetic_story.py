"""One event of the synthetic week (alerts.synthetic), told post by post: its 首发, weibo
originals and 转发 chains, news rewrites, comments, forum threads, videos, 公众号
articles and the official response."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from .synthetic_text import Slots, cut, phrases

if TYPE_CHECKING:
    from .synthetic import Writer

EARLY = {"weibo": 70, "video": 18, "forum": 12}
MIDDLE = {"weibo": 60, "video": 12, "forum": 8, "news": 10, "comments": 5, "wechat": 5}
LATE = {"weibo": 50, "video": 8, "forum": 7, "news": 15, "comments": 12, "wechat": 8}


class Story:
    """The posts of one event: its 首发, then weibo originals and 转发 chains, news
    rewrites, comments, forum threads, videos and 公众号 articles, and the official
    response if there is one."""

    def __init__(self, w: Writer, key: str, spec: dict, fixed: dict):
        self.w, self.key, self.spec, self.fixed = w, key, spec, fixed
        self.posts: list[dict[str, Any]] = []
        self.weibo: list[tuple[dict[str, Any], int]] = []  # (post, chain depth)

    def _keep(self, rec: dict[str, Any], depth: int = 0) -> None:
        self.posts.append(rec)
        if rec["platform"] == "weibo":
            self.weibo.append((rec, depth))

    def first(self, when: datetime) -> None:
        f = self.spec["first"]
        slots = Slots(self.w, when, self.fixed)
        rec = self.w.post(f["platform"], when, f["text"], slots, title=f.get("title", ""), author=f["author"],
                          event=self.key, kind="event", phase="before", big=True)
        rec["reposts"] += 2000
        self._keep(rec)

    def official(self, when: datetime) -> None:
        o, s = self.spec["official"], Slots(self.w, when, self.fixed)
        text = self.w.fill(o["text"], s)
        self._keep(self.w.post("gov", when, text, s, title=o["title"], site=self.spec["official_site"],
                               event=self.key, kind="event", phase="after"))
        tag = self.spec["after"]["hashtags"][0]
        self._keep(self.w.post("weibo", when + timedelta(minutes=2), tag + text, s,
                               author=self.spec["official_account"], event=self.key, kind="event",
                               phase="after", big=True))

    def add(self, when: datetime, phase: str, minutes: float) -> None:
        w, r = self.w, self.w.rng
        pool = self.spec[phase]
        slots = Slots(w, when, self.fixed)
        platform = w.weighted(EARLY if minutes < 30 else MIDDLE if minutes < 120 else LATE)
        title = ""
        if platform == "weibo" and self.weibo and r.random() < 0.55:
            self._repost(when, phase, slots)
            return
        if platform == "news":
            title, text = w.pick(pool["titles"], slots), self._article(pool, slots)
        elif platform == "wechat":
            title = w.pick(pool["titles"], slots) if r.random() < 0.5 else \
                f"{w.pick(pool['opinions'], slots)}——{self.spec['slots']['cshort']}这件事怎么看"
            text = self._article(pool, slots) + "\n" + self._say(pool, slots, fact=False) + w.pick(pool["endings"], slots) + "。"
        elif platform == "forum":
            if r.random() < 0.6:
                title = w.pick(pool["forum_titles"], slots)
            text = self._say(pool, slots) + self._say(pool, slots, fact=False, opening=False)
        elif platform == "video":
            text = (r.choice(pool["hashtags"]) if r.random() < 0.5 else "") + \
                ("【视频】" if r.random() < 0.25 else "") + self._say(pool, slots, opening=False)
        else:  # weibo original or a comment under a news story
            text = (r.choice(pool["hashtags"]) if platform == "weibo" and r.random() < 0.3 else "") + self._say(pool, slots)
        self._keep(w.post(platform, when, text, slots, title=title, event=self.key, kind="event", phase=phase))

    def _say(self, pool: dict, slots: dict, *, fact: bool = True, opening: bool = True) -> str:
        """One voice: [opening] fact, opinion[, ending][ emoji]."""
        w, r = self.w, self.w.rng
        d = phrases()
        parts = []
        if opening and r.random() < 0.5:
            parts.append(r.choice(pool["openings"] + d["openings"]))
        if fact:
            parts.append(w.pick(pool["facts"], slots) + r.choice(("，", "。", "！", "……", " ")))
        parts.append(w.pick(pool["opinions"], slots) + r.choice(("。", "！", "？", "！！", "", "。")))
        if r.random() < 0.4:
            parts.append(r.choice(pool["endings"] + d["endings"]))
        if r.random() < 0.6:
            mood = self.spec["mood"] if r.random() < 0.8 else "neu"
            parts.append(r.choice(d["emoji"][mood]))
        return "".join(parts)

    def _article(self, pool: dict, slots: dict) -> str:
        """A news rewrite: the lede, then some of the other reported sentences in order,
        maybe a quote."""
        w, r = self.w, self.w.rng
        news = pool["news"]
        k = r.randint(min(2, len(news) - 1), max(2, len(news) - 2))
        chosen = [0] + sorted(r.sample(range(1, len(news)), k))
        sentences = [w.fill(news[i], slots) for i in chosen]
        if r.random() < 0.6:
            sentences.insert(r.randint(1, len(sentences)), w.pick(pool["quotes"], slots))
        return (r.choice(("", "", "本报讯 ", "（记者跟进）")) + "".join(sentences)
                + r.choice(("", "", "记者将持续关注。", "事件进展，本报将持续关注。", "（完）")))

    def _repost(self, when: datetime, phase: str, slots: dict) -> None:
        """转发: a comment (or just 转发微博) followed by the //@ chain up to the original."""
        w, r = self.w, self.w.rng
        pool = self.spec[phase]
        cands = [(p, dep) for p, dep in self.weibo[-300:] if dep < 4]
        parent, depth = r.choices(cands, weights=[1 + min(p["reposts"], 400) for p, _ in cands])[0]
        body = parent["text"] if depth else cut(parent["text"], 60)
        roll = r.random()
        if roll < 0.35:
            comment = "转发微博"
        elif roll < 0.8:
            comment = w.pick(pool["opinions"], slots) + r.choice(("", "[怒]" if self.spec["mood"] == "neg" else "[赞]", "！"))
        else:
            comment = self._say(pool, slots, opening=False)
        text = f"{comment} //@{parent['author']}:{body}"
        self._keep(w.post("weibo", when, text, slots, event=self.key, kind="event", phase=phase), depth + 1)
