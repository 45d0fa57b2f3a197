"""The label vocabulary of TAXONOMY.md: the only place label codes are spelled out."""
from __future__ import annotations

from enum import Enum


class Sentiment(str, Enum):
    """Stance toward the procuratorate, not the mood of the words."""

    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class Topic(str, Enum):
    """What an analyst would file the post under to act on it."""

    CASE = "case"
    SUPERVISION = "supervision"
    PUBLIC_INTEREST = "public_interest"
    JUVENILE = "juvenile"
    PETITION = "petition"
    AID = "aid"
    CONDUCT = "conduct"
    OUTREACH = "outreach"
    INCIDENT = "incident"
    IRRELEVANT = "irrelevant"


class Platform(str, Enum):
    NEWS = "news"
    WEIBO = "weibo"
    WECHAT = "wechat"
    FORUM = "forum"
    VIDEO = "video"
    GOV = "gov"
    OTHER = "other"


TOPIC_ZH: dict[Topic, str] = {
    Topic.CASE: "案件办理",
    Topic.SUPERVISION: "法律监督",
    Topic.PUBLIC_INTEREST: "公益诉讼",
    Topic.JUVENILE: "未成年人检察",
    Topic.PETITION: "信访申诉",
    Topic.AID: "司法救助与民生",
    Topic.CONDUCT: "队伍作风",
    Topic.OUTREACH: "检务公开与普法",
    Topic.INCIDENT: "突发与群体性事件",
    Topic.IRRELEVANT: "无关",
}

SENTIMENT_ZH: dict[Sentiment, str] = {
    Sentiment.POSITIVE: "正面",
    Sentiment.NEUTRAL: "中性",
    Sentiment.NEGATIVE: "负面",
}

RELEVANT_CODES = ("true", "false")


def parse_bool(value: object) -> bool:
    """Read a relevance label as written in JSONL or on a command line."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    raise ValueError(f"not a relevance label: {value!r} (allowed: true, false)")
