"""The Post type: TAXONOMY fields in and out, ids, times and clear errors."""
from datetime import datetime, timedelta, timezone

import pytest

from indexer.post import SHANGHAI, Post, parse_time
from indexer.urls import canonical_url, post_id_for_url
from nlp.errors import PostError
from nlp.labels import Platform, Sentiment, Topic


def test_round_trip_keeps_every_field():
    p = Post.from_dict({
        "id": "x1", "url": "https://a.example/n/1.html", "platform": "weibo", "site": "weibo.com",
        "author": "青石检察", "title": "通报", "text": "正文", "published_at": "2026-11-03T10:23:05+08:00",
        "crawled_at": "2026-11-03T02:30:00Z", "region": "广东省", "reposts": "12", "comments": 3, "likes": 0,
        "relevant": "true", "sentiment": "negative", "topic": "conduct", "keywords": ["公车私用"],
    })
    assert p.platform is Platform.WEIBO and p.sentiment is Sentiment.NEGATIVE and p.topic is Topic.CONDUCT
    assert p.reposts == 12 and p.relevant is True
    again = Post.from_dict(p.to_dict())
    assert again == p


def test_unknown_and_underscore_fields_are_ignored():
    p = Post.from_dict({"id": "a", "text": "t", "_private": 1, "colour": "red"})
    assert p.id == "a"


def test_id_from_canonical_url_ignores_tracking_and_fragment():
    a = Post.from_dict({"url": "HTTPS://News.Example.com:443/a/1.html?utm_source=x&b=2&a=1#top", "text": "t"})
    b = Post.from_dict({"url": "https://news.example.com/a/1.html?a=1&b=2&spm=abc", "text": "t"})
    assert a.id == b.id == post_id_for_url("https://news.example.com/a/1.html?a=1&b=2")
    assert canonical_url("https://news.example.com/a/1.html?b=2&a=1&from=timeline") == \
        "https://news.example.com/a/1.html?a=1&b=2"


def test_id_from_platform_id():
    a = Post.from_dict({"platform": "weibo", "platform_id": "4950001", "text": "t"})
    b = Post.from_dict({"platform": "weibo", "platform_id": 4950001, "text": "t2"})
    assert a.id == b.id and len(a.id) == 24


@pytest.mark.parametrize("data,message", [
    ({"id": "a"}, "no text"),
    ({"id": "a", "text": "   "}, "no text"),
    ({"id": "a", "text": 5}, "'text' must be a string"),
    ({"text": "t"}, "no id, url or platform_id"),
    ({"id": "a", "text": "t", "platform": "tiktok"}, "'platform': 'tiktok' is not one of news, weibo"),
    ({"id": "a", "text": "t", "published_at": "next tuesday"}, "'published_at': not a date"),
    ({"id": "a", "text": "t", "published_at": "2026-02-30 10:00"}, "day is out of range"),
    ({"id": "a", "text": "t", "likes": -1}, "must not be negative"),
    ({"id": "a", "text": "t", "likes": "many"}, "whole number"),
    ({"id": "a", "text": "t", "relevant": "maybe"}, "'relevant'"),
    ({"id": "a", "text": "t", "keywords": "a,b"}, "list of strings"),
    ({"id": {"x": 1}, "text": "t"}, "'id' must be a string"),
])
def test_bad_fields_are_named(data, message):
    with pytest.raises(PostError, match=message):
        Post.from_dict(data)


def test_not_an_object():
    with pytest.raises(PostError, match="JSON object"):
        Post.from_dict(["a"])  # type: ignore[arg-type]


@pytest.mark.parametrize("text,expected", [
    ("2026-11-03 10:23", datetime(2026, 11, 3, 10, 23, tzinfo=SHANGHAI)),
    ("2026/11/3 10:23:05", datetime(2026, 11, 3, 10, 23, 5, tzinfo=SHANGHAI)),
    ("2026-11-03", datetime(2026, 11, 3, tzinfo=SHANGHAI)),
    ("2026-11-03T02:23:00Z", datetime(2026, 11, 3, 2, 23, tzinfo=timezone.utc)),
    ("2026-11-03T10:23:00+09:00", datetime(2026, 11, 3, 1, 23, tzinfo=timezone.utc)),
])
def test_dates_without_a_zone_are_shanghai(text, expected):
    got = parse_time(text)
    assert got == expected and got.tzinfo is not None


def test_epoch_seconds():
    assert parse_time(0) == datetime(1970, 1, 1, 8, tzinfo=SHANGHAI)
    with pytest.raises(PostError, match="out of range"):
        parse_time(10**20)


def test_when_prefers_published():
    t = datetime(2026, 1, 1, tzinfo=SHANGHAI)
    assert Post(id="a", text="t", published_at=t, crawled_at=t + timedelta(days=1)).when == t
    assert Post(id="a", text="t", crawled_at=t).when == t
