"""Who speaks for the authorities: whether a post is an official response to a story.

The clusterer records an event's first official response (`Event.official`), and the
engine sends a 续报 when one appears. Only a post's site and author decide whose voice
it is; what it says decides whether it is a response.
"""
from __future__ import annotations

from indexer.post import Post
from nlp.labels import Platform

OFFICIAL_WORDS = ("通报", "情况说明", "回应", "声明", "调查", "答复", "说明")
PROCURATORATE_MARKS = ("检察院", "检察机关", "jcy")
MEDIA_MARKS = ("日报", "晚报", "报社", "新闻", "正义网", "电视", "融媒")


def is_procuratorate(name: str) -> bool:
    """A procuratorate's own site or account: 青石县人民检察院, 青石检察 (the usual name of
    an official Weibo account), a jcy domain; not a newspaper such as 检察日报."""
    name = name.strip().lower()
    if not name or any(mark in name for mark in MEDIA_MARKS):
        return False
    return any(mark in name for mark in PROCURATORATE_MARKS) or name.endswith("检察")


def is_official(post: Post) -> bool:
    """A post is an official response when a government account published it (platform
    gov), or when a procuratorate did (its site or author names 检察, or the site is a
    ``jcy`` domain) and it speaks as a response (通报, 情况说明, 回应, 声明, 调查 …).
    A procuratorate's ordinary news is not a response; a citizen naming 检察院 is not one
    either, since only site and author count."""
    if post.platform is Platform.GOV:
        return True
    if not any(is_procuratorate(name) for name in (post.site, post.author)):
        return False
    said = post.title + post.text[:500]
    return any(word in said for word in OFFICIAL_WORDS)
