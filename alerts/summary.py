"""What an event says about itself as posts join it: counts per hour, sentiment, topic,
site, platform and region; its 首发 (the earliest post) and last post; the earliest news
headline; the official response; representative posts; a title and key phrases.

The clusterer decides which event a post joins (alerts.cluster); this module only keeps
the event's summary up to date. `Notes` holds what the summary is drawn from and the
stored Event does not keep.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from indexer.post import Post
from nlp.labels import Platform

from .model import Event, PostRef
from .official import is_official
from .phrases import key_phrases, make_title
from .terms import hour_key

FIRST_TEXT_CHARS = 600   # of the 首发, for the title and key phrases


@dataclass
class Notes:
    """What an event's summary is drawn from, beside the Event."""
    first_text: str = ""                                     # the 首发's text
    news: tuple[datetime, str] | None = None                 # earliest news/gov headline
    engaged: tuple[int, PostRef] | None = None               # most reposted, commented and liked
    typical: tuple[float, PostRef] | None = None             # closest to the event when it joined
    by_site: dict[str, PostRef] = field(default_factory=dict)  # the first post of each site
    refresh_at: int = 0                                      # size at which phrases are recomputed

    @classmethod
    def of_stored(cls, event: Event) -> "Notes":
        """Notes for an event read back from the store, from its first post and samples."""
        notes = cls(first_text=event.first.text, refresh_at=event.size + 1)
        for ref in event.samples:
            if ref.site and ref.site not in notes.by_site:
                notes.by_site[ref.site] = ref
            notes.engagement(ref)
        return notes

    def headline(self, post: Post) -> bool:
        """Keep the post's title if it is the earliest news or government headline."""
        if post.platform in (Platform.NEWS, Platform.GOV) and post.title and (
                self.news is None or post.when < self.news[0]):
            self.news = (post.when, post.title)
            return True
        return False

    def engagement(self, item: Post | PostRef) -> None:
        """Keep the post (or stored sample) if it is the most reposted, commented and liked."""
        score = item.reposts + item.comments + item.likes
        if score and (self.engaged is None or score > self.engaged[0]):
            self.engaged = (score, item if isinstance(item, PostRef) else PostRef.of(item))


def count_in(ev: Event, notes: Notes, post: Post, cosine: float, samples: int) -> None:
    """Count a post that has joined ``ev`` (already in ``ev.posts``) into its summary.
    ``cosine`` is how close it came to the event (0 for a duplicate); ``samples`` is how
    many representative posts the event keeps."""
    when = post.when
    ev.hourly[hour_key(when)] += 1
    if post.sentiment is not None:
        ev.sentiments[post.sentiment.value] += 1
    if post.topic is not None:
        ev.topics[post.topic.value] += 1
    if post.site:
        ev.sites[post.site] += 1
    ev.platforms[post.platform.value] += 1
    if post.region:
        ev.regions[post.region] += 1
    retitle = ev.size == 1
    if ev.size > 1 and (ev.first_seen is None or when < ev.first_seen):  # an earlier post, late: the 首发
        ev.first, ev.first_seen, notes.first_text = PostRef.of(post), when, post.text[:FIRST_TEXT_CHARS]
        retitle = True
    if ev.last_seen is None or when > ev.last_seen:
        ev.last_seen = when
    retitle = notes.headline(post) or retitle
    # a response answers the story: the post that starts an event is not one, even when a
    # procuratorate wrote it (its own announcement is the story)
    if post.id != ev.first.id and is_official(post) and (
            ev.official is None or ev.official.published_at is None or when < ev.official.published_at):
        ev.official = PostRef.of(post)
    notes.engagement(post)
    if cosine and (notes.typical is None or cosine > notes.typical[0]):
        notes.typical = (cosine, PostRef.of(post))
    if post.site and post.site not in notes.by_site and len(notes.by_site) < samples:
        notes.by_site[post.site] = PostRef.of(post)
    ev.samples = pick_samples(ev, notes, samples)
    if retitle:
        ev.title = make_title(notes.news[1] if notes.news else "", notes.first_text)


def pick_samples(ev: Event, notes: Notes, limit: int) -> list[PostRef]:
    """The first post, the most engaged, the most typical, the official response, then
    the first post of each site, without repeats."""
    picks = [ev.first, notes.engaged[1] if notes.engaged else None, notes.typical[1] if notes.typical else None,
             ev.official, *notes.by_site.values()]
    out: list[PostRef] = []
    seen: set[str] = set()
    for ref in picks:
        if ref is not None and ref.id not in seen:
            seen.add(ref.id)
            out.append(ref)
            if len(out) >= limit:
                break
    return out


def refresh_phrases(ev: Event, notes: Notes, weights: dict[str, float], excluded: frozenset[str],
                    count: int) -> None:
    """Key phrases from the event's term weights; recomputed as the event grows by half."""
    texts = [notes.first_text] + [s.title + " " + s.text for s in ev.samples if s.id != ev.first.id]
    ev.phrases = key_phrases(weights, excluded, count, texts)
    notes.refresh_at = max(ev.size + 1, int(ev.size * 1.5))
